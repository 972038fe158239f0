#if canImport(Glibc)
@preconcurrency import Glibc
#endif
@preconcurrency import CReadline
import RNNScript

/// Where REPL lines come from: GNU readline on a terminal (editing, history,
/// completion), plain `readLine()` otherwise (no prompt, no escape codes), or
/// a scripted list in tests.
protocol LineReader: AnyObject {
    var isInteractive: Bool { get }
    func readLine(prompt: String) -> String?
    func addHistory(_ entry: String)
    func close()
    /// Why reading stopped before the end of the input (a line too long, not UTF-8), if it did.
    var failure: String? { get }
}

extension LineReader {
    var failure: String? { nil }
}

/// Readline on a terminal, plain lines otherwise.
func makeLineReader() -> LineReader {
    isatty(STDIN_FILENO) != 0 ? ReadlineLineReader() : PlainLineReader()
}

/// Lines from a file descriptor, without their "\n" or "\r\n", each at most
/// `lineLimit` bytes and UTF-8: an endless line (`rnnscript < /dev/zero`) or
/// bytes that are not text end the input with a `failure`, never a hang or
/// unbounded memory.
final class PlainLineReader: LineReader {
    var isInteractive: Bool { false }
    private(set) var failure: String?
    let fd: Int32
    let lineLimit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var lineNumber = 0

    init(fd: Int32 = STDIN_FILENO, lineLimit: Int = FileKind.script.sizeLimit) {
        self.fd = fd
        self.lineLimit = lineLimit
    }

    func readLine(prompt: String) -> String? {
        guard failure == nil else { return nil }
        var scanned = start
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                return take(upTo: newline, skipping: 1)
            }
            scanned = buffer.count
            if buffer.count - start > lineLimit {
                failure = "input line \(lineNumber + 1) is longer than \(lineLimit >> 20) MiB"
                return nil
            }
            if atEnd { return start < buffer.count ? take(upTo: buffer.count, skipping: 0) : nil }
            fill()
        }
    }

    /// The line `buffer[start..<end]` (without a final "\r"), consuming `skip` more bytes.
    private func take(upTo end: Int, skipping skip: Int) -> String? {
        lineNumber += 1
        var last = end
        if last > start && buffer[last - 1] == UInt8(ascii: "\r") { last -= 1 }
        let bytes = Array(buffer[start..<last])
        start = end + skip
        if start > 1 << 16 {
            buffer.removeFirst(start)
            start = 0
        }
        do {
            return try TextDecoding.decode(bytes)
        } catch {
            failure = "input line \(lineNumber) is not UTF-8 (byte offset \(error.offset) in the line)"
            return nil
        }
    }

    private func fill() {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { failure = "cannot read standard input: \(FileSystem.reason(errno))" }
            atEnd = true
            return
        }
    }

    func addHistory(_ entry: String) {}
    func close() {}
}

/// Lines from an array (tests).
final class ScriptedLineReader: LineReader {
    private var lines: [String]
    private(set) var prompts: [String] = []
    private(set) var history: [String] = []
    init(_ lines: [String]) { self.lines = lines }
    var isInteractive: Bool { false }
    func readLine(prompt: String) -> String? {
        prompts.append(prompt)
        return lines.isEmpty ? nil : lines.removeFirst()
    }
    func addHistory(_ entry: String) { history.append(entry) }
    func close() {}
}

final class ReadlineLineReader: LineReader {
    var isInteractive: Bool { true }
    let historyPath: String
    /// True while readline waits for a line: Ctrl-C then clears the line
    /// instead of stopping a computation.
    nonisolated(unsafe) static var atPrompt: sig_atomic_t = 0

    init() {
        rnn_rl_set_name(strdup("rnnscript"))  // kept by readline: a copy that outlives this call
        _ = rl_variable_bind("enable-bracketed-paste", "off")
        // Our SIGINT handler, not readline's: it clears the line at the prompt.
        rnn_rl_set_catch_signals(0)
        ReadlineCompletion.install()
        using_history()
        stifle_history(1000)
        historyPath = ReadlineLineReader.defaultHistoryPath()
        // The history is a file like any other: regular and at most 64 MiB,
        // or it is left alone (neither read nor written) with a warning.
        var info = stat()
        if stat(historyPath, &info) == 0 {
            if let problem = FileSystem.notRegular(info) ?? (Int(info.st_size) > FileKind.script.sizeLimit
                ? FileSystem.tooLarge(Int(info.st_size), limit: FileKind.script.sizeLimit, kind: "a history file") : nil) {
                Terminal.writeError("rnnscript: warning: history not kept in '\(TextDecoding.printable(historyPath))': \(problem)\n")
                keepsHistory = false
            }
        }
        if keepsHistory { _ = read_history(historyPath) }
    }

    /// False when the history file is not a regular file or is too large.
    private var keepsHistory = true

    /// `$RNNSCRIPT_HISTORY`, else `~/.rnnscript_history`.
    static func defaultHistoryPath() -> String {
        if let p = getenv("RNNSCRIPT_HISTORY") { return String(cString: p) }
        if let home = getenv("HOME") { return String(cString: home) + "/.rnnscript_history" }
        return ".rnnscript_history"
    }

    func readLine(prompt: String) -> String? {
        Self.atPrompt = 1
        defer { Self.atPrompt = 0 }
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// Adds an entry unless it is blank or repeats the previous one.
    func addHistory(_ entry: String) {
        guard !entry.allSatisfy(\.isWhitespace) else { return }
        if let last = rnn_history_last(), String(cString: last) == entry { return }
        add_history(entry)
    }

    func close() {
        guard keepsHistory else { return }
        let code = write_history(historyPath)
        if code != 0 {
            Terminal.writeError("rnnscript: warning: cannot write history '\(TextDecoding.printable(historyPath))': \(FileSystem.reason(code))\n")
        }
    }
}
