#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import RNNScript

/// The read–eval–print loop: statements and `:` meta-commands, one entry at a
/// time, continuing across lines while a `{` or `[` is open (an unfinished
/// statement asks for more, it is not an error). An error prints its
/// diagnostic (`<repl>:LINE:COL`) and the session goes on with its state.
final class REPL {
    let runner: ScriptRunner
    let host: FileHost
    let reader: LineReader
    let write: (String) -> Void
    let writeError: (String) -> Void
    /// Session line numbers, for diagnostics.
    private var line = 1

    init(runner: ScriptRunner, host: FileHost, reader: LineReader,
         write: @escaping (String) -> Void, writeError: @escaping (String) -> Void) {
        self.runner = runner
        self.host = host
        self.reader = reader
        self.write = write
        self.writeError = writeError
    }

    /// Reads until `:quit` or end of input (Ctrl-D). A terminal session ends
    /// with status 0; with piped input the status is that of the first entry
    /// that failed, so scripts notice.
    func run() -> RunStatus {
        ReadlineCompletion.provider = { [runner] line, start, end in
            Completion.candidates(line: line, start: start, end: end, state: runner.state)
        }
        var firstFailure: RunStatus?
        var pending = ""
        var pendingLine = line
        while true {
            let prompt = pending.isEmpty ? "rnn> " : "...> "
            guard let input = reader.readLine(prompt: prompt) else {
                if reader.isInteractive { write("\n") }
                break
            }
            if pending.isEmpty {
                let trimmed = input.trimmingWhitespace()
                if trimmed.isEmpty { line += 1; continue }
                if trimmed.hasPrefix(":") {
                    line += 1
                    reader.addHistory(trimmed)
                    if !meta(trimmed) { break }
                    continue
                }
                pendingLine = line
            }
            pending += (pending.isEmpty ? "" : "\n") + input
            line += 1
            let source = SourceFile(name: "<repl>", text: pending, firstLine: pendingLine)
            switch runner.runEntry(source) {
            case .needsMoreInput:
                continue
            case let .completed(status):
                reader.addHistory(pending)
                if status != .ok && firstFailure == nil { firstFailure = status }
                pending = ""
            }
        }
        reader.close()
        return reader.isInteractive ? .ok : (firstFailure ?? .ok)
    }

    /// Handles a meta-command; false means quit.
    func meta(_ command: String) -> Bool {
        let parts = command.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingWhitespace() : ""
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return false
        case ":help", ":h":
            if argument.isEmpty {
                write(Help.overview)
            } else if let text = Help.topic(argument) {
                write(text)
            } else {
                let suggestion = closestMatch(to: argument, in: Help.topics.keys.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                writeError("no help on '\(argument)'\(suggestion) (:help lists the topics)\n")
            }
        case ":names":
            let state = runner.state
            if state.symbols.names.isEmpty { write("(nothing declared yet)\n") }
            let width = (state.symbols.names.map(\.count).max() ?? 0) + 2
            for name in state.symbols.names {
                guard let value = state.symbols[name] else { continue }
                let description: String
                if case .value = value, let v = state.values[name] { description = "let: " + ScriptRunner.describe(v) }
                else { description = ScriptRunner.describe(value) }
                write("  " + name + String(repeating: " ", count: max(1, width - name.count)) + description + "\n")
            }
        case ":type", ":t":
            guard !argument.isEmpty else { writeError("usage: :type EXPR\n"); return true }
            if let description = runner.typeDescription(of: SourceFile(name: "<repl>", text: argument, firstLine: line - 1)) {
                write(description + "\n")
            }
        case ":reset":
            runner.reset()
            write("session reset\n")
        case ":load":
            guard !argument.isEmpty else { writeError("usage: :load FILE\n"); return true }
            let path = unquote(argument)
            do {
                let text = try FileHost.read(path, shownAs: path)
                let saved = host.baseDirectory
                host.baseDirectory = Driver.directory(of: path)
                _ = runner.run(SourceFile(name: path, text: text))
                host.baseDirectory = saved
            } catch let HostError.notFound(p) {
                writeError("<repl>: error: no such file '\(p)'\n")
            } catch {
                writeError("<repl>: error: cannot read '\(path)'\n")
            }
        case ":save":
            guard !argument.isEmpty else { writeError("usage: :save FILE\n"); return true }
            let path = unquote(argument)
            let script = "# rnnscript session, saved with :save\n\n" + runner.transcript.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined()
            do {
                try host.writeFile(path, contents: script)
                write("saved \(runner.transcript.count) entries to \(path)\n")
            } catch {
                writeError("<repl>: error: cannot write '\(path)'\n")
            }
        default:
            let suggestion = closestMatch(to: parts[0], in: Completion.metaCommands).map { "; did you mean '\($0)'?" } ?? ""
            writeError("unknown command \(parts[0])\(suggestion) (type :help)\n")
        }
        return true
    }

    private func unquote(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { return String(s.dropFirst().dropLast()) }
        return s
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
