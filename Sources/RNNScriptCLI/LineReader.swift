#if canImport(Glibc)
@preconcurrency import Glibc
#endif
@preconcurrency import CReadline

/// Where REPL lines come from: GNU readline on a terminal (editing, history,
/// completion), plain `readLine()` otherwise (no prompt, no escape codes), or
/// a scripted list in tests.
protocol LineReader: AnyObject {
    var isInteractive: Bool { get }
    func readLine(prompt: String) -> String?
    func addHistory(_ entry: String)
    func close()
}

/// Readline on a terminal, plain lines otherwise.
func makeLineReader() -> LineReader {
    isatty(STDIN_FILENO) != 0 ? ReadlineLineReader() : PlainLineReader()
}

final class PlainLineReader: LineReader {
    var isInteractive: Bool { false }
    func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
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
        _ = read_history(historyPath)
    }

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
        _ = write_history(historyPath)
    }
}
