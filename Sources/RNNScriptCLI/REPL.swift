#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import RNNScript

/// The read–eval–print loop: statements and `:` meta-commands, one entry at a
/// time, continuing across lines while a `{` or `[` is open. An error prints
/// its diagnostic and the session goes on with its state intact.
final class REPL {
    let runner: ScriptRunner
    let host: FileHost
    private var line = 1

    init(runner: ScriptRunner, host: FileHost) {
        self.runner = runner
        self.host = host
    }

    /// Reads lines until `:quit` or end of input; returns 0 unless the last entry failed in a pipe.
    func run() -> RunStatus {
        let reader = makeLineReader()
        var lastStatus = RunStatus.ok
        var pending = ""
        var pendingLine = line
        while true {
            let prompt = pending.isEmpty ? "rnn> " : "...> "
            guard let input = reader.readLine(prompt: prompt) else { break }
            if pending.isEmpty {
                let trimmed = input.trimmingWhitespace()
                if trimmed.isEmpty { line += 1; continue }
                if trimmed.hasPrefix(":") {
                    line += 1
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
                if status == .ok || status == .expectationFailed { reader.addHistory(pending) }
                lastStatus = status
                pending = ""
            }
        }
        reader.close()
        return reader.isInteractive ? .ok : lastStatus
    }

    /// Handles a meta-command; false means quit.
    private func meta(_ command: String) -> Bool {
        let parts = command.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return false
        case ":help", ":h":
            Terminal.write(Self.help)
        case ":names":
            let state = runner.state
            if state.symbols.names.isEmpty { Terminal.write("(nothing declared yet)\n") }
            for name in state.symbols.names {
                guard let value = state.symbols[name] else { continue }
                Terminal.write("  \(name)  \(value.kindName)  \(describe(value))\n")
            }
        case ":reset":
            runner.reset()
            Terminal.write("session reset\n")
        case ":load":
            guard parts.count == 2 else { Terminal.writeError("usage: :load FILE\n"); return true }
            let path = parts[1].trimmingWhitespace()
            do {
                let text = try FileHost.read(path, shownAs: path)
                let saved = host.baseDirectory
                host.baseDirectory = Driver.directory(of: path)
                _ = runner.run(SourceFile(name: path, text: text))
                host.baseDirectory = saved
            } catch {
                Terminal.writeError("<repl>: error: cannot read '\(path)'\n")
            }
        default:
            Terminal.writeError("unknown command \(parts[0]); type :help\n")
        }
        return true
    }

    private func describe(_ value: SymbolValue) -> String {
        switch value {
        case let .vocabulary(v): return "\(v.count) symbols"
        case let .sequence(s): return "\(s.example.inputCount) steps, inputs \(s.inputWidth) wide, targets \(s.targetWidth) wide"
        case let .series(s): return "\(s.values.rows) values"
        case let .dataset(d): return "\(d.sequences.count) sequences"
        case let .model(c): return "\(c.cellDescription) \(c.inputSize) → \(c.hiddenSize) → \(c.outputSize), \(c.parameterCount) parameters"
        case let .loss(kind): return kind.rawValue
        case let .optimizer(s): return s.kind.rawValue
        case .value: return "a value (let)"
        }
    }

    static let help = """
        Type a statement of the language (see the README), or an expression to see its value:
          model net = rnn { input 4; hidden 3; output 4 }
          forward net on deep          show net.W          norm(grad net.W)
        A block may span lines: the prompt shows ...> until it is closed.
        Meta-commands:
          :help          this text
          :names         every declared name with its kind and shape
          :load FILE     run a script into this session
          :reset         forget everything
          :quit          leave (Ctrl-D too)

        """
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
