#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CReadline

/// Where REPL lines come from: GNU readline on a terminal (editing, history),
/// plain `readLine()` otherwise (no prompt, no escape codes).
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

final class ReadlineLineReader: LineReader {
    var isInteractive: Bool { true }
    let historyPath: String

    init() {
        rnn_rl_set_name("rnnscript")
        _ = rl_variable_bind("enable-bracketed-paste", "off")
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
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    func addHistory(_ entry: String) {
        add_history(entry)
    }

    func close() {
        _ = write_history(historyPath)
    }
}
