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
    /// The folder each transcript entry's relative paths were resolved
    /// against, by index ("" for the working directory): `:save` rewrites them.
    private var entryFolders: [Int: String] = [:]

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
                    let outcome = meta(trimmed)
                    if outcome == .quit { break }
                    if case let .failed(status) = outcome, firstFailure == nil { firstFailure = status }
                    continue
                }
                pendingLine = line
            }
            pending += (pending.isEmpty ? "" : "\n") + input
            line += 1
            let source = SourceFile(name: "<repl>", text: pending, firstLine: pendingLine)
            let entriesBefore = runner.transcript.count
            defer { noteEntries(from: entriesBefore, resolvedAgainst: host.baseDirectory) }
            switch runner.runEntry(source) {
            case .needsMoreInput:
                continue
            case let .completed(status):
                reader.addHistory(pending)
                if status != .ok && firstFailure == nil { firstFailure = status }
                pending = ""
            }
        }
        if let problem = reader.failure {
            writeError("<repl>: error: \(problem)\n")
            if firstFailure == nil { firstFailure = .ioError }
        }
        reader.close()
        return reader.isInteractive ? .ok : (firstFailure ?? .ok)
    }

    /// Records the folder that transcript entries from `start` on resolved their paths against.
    private func noteEntries(from start: Int, resolvedAgainst folder: String) {
        for index in start..<max(start, runner.transcript.count) { entryFolders[index] = folder }
    }

    /// The entries so far (a script run with `-i`) resolved their paths against `folder`.
    func noteEntriesSoFar(resolvedAgainst folder: String) {
        noteEntries(from: 0, resolvedAgainst: folder)
    }

    /// What a meta-command did: a failed one sets the exit status of a piped
    /// session like a failed statement.
    enum MetaOutcome: Equatable {
        case done
        case failed(RunStatus)
        case quit
    }

    /// Handles a meta-command.
    func meta(_ command: String) -> MetaOutcome {
        let parts = command.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingWhitespace() : ""
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return .quit
        case ":help", ":h":
            if argument.isEmpty {
                write(Help.overview)
            } else if let text = Help.topic(argument) {
                write(text)
            } else {
                let suggestion = closestMatch(to: argument, in: Help.topics.keys.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                writeError("no help on '\(argument)'\(suggestion) (:help lists the topics)\n")
                return .failed(.scriptError)
            }
        case ":names":
            let state = runner.state
            if state.symbols.names.isEmpty { write("(nothing declared yet)\n") }
            let width = (state.symbols.names.map(\.count).max() ?? 0) + 2
            for name in state.symbols.names {
                guard let value = state.symbols[name] else { continue }
                let description: String
                if case .value = value, let v = state.value(named: name) { description = "let: " + ScriptRunner.describe(v) }
                else { description = ScriptRunner.describe(value) }
                write("  " + name + String(repeating: " ", count: max(1, width - name.count)) + description + "\n")
            }
        case ":type", ":t":
            guard !argument.isEmpty else { writeError("usage: :type EXPR\n"); return .failed(.scriptError) }
            guard let description = runner.typeDescription(of: SourceFile(name: "<repl>", text: argument, firstLine: line - 1)) else {
                return .failed(.scriptError)
            }
            write(description + "\n")
        case ":reset":
            runner.reset()
            entryFolders = [:]
            write("session reset\n")
        case ":load":
            guard !argument.isEmpty else { writeError("usage: :load FILE\n"); return .failed(.scriptError) }
            let path = unquote(argument)
            let text: String
            do {
                text = try FileSystem.readText(host.resolve(path), shownAs: path, kind: .script)
            } catch {
                writeError("<repl>: error: \(Driver.describe(error, TextDecoding.printable(path)))\n")
                return .failed(.ioError)
            }
            let saved = host.baseDirectory
            let folder = Driver.directory(of: host.resolve(path))
            host.baseDirectory = folder
            let entriesBefore = runner.transcript.count
            let status = runner.run(SourceFile(name: path, text: text))
            noteEntries(from: entriesBefore, resolvedAgainst: folder)
            host.baseDirectory = saved
            if status != .ok { return .failed(status) }
        case ":save":
            guard !argument.isEmpty else { writeError("usage: :save FILE\n"); return .failed(.scriptError) }
            let path = unquote(argument)
            let entries = runner.transcript.enumerated().map { (text: $0.element, folder: entryFolders[$0.offset] ?? "") }
            let script = SessionScript.render(entries, savedTo: host.resolve(path))
            do {
                try host.writeFile(path, contents: script)
                write("saved \(runner.transcript.count) entries to \(TextDecoding.printable(path))\n")
            } catch {
                let failure = error as? HostError ?? .unwritable(path, reason: "\(error)")
                writeError("<repl>: error: \(Driver.describe(failure, TextDecoding.printable(path)))\n")
                return .failed(.ioError)
            }
        default:
            let suggestion = closestMatch(to: parts[0], in: Completion.metaCommands).map { "; did you mean '\($0)'?" } ?? ""
            writeError("unknown command \(TextDecoding.printable(parts[0]))\(suggestion) (type :help)\n")
            return .failed(.scriptError)
        }
        return .done
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
