import RNNScript

/// `execute_request`: a cell of one or more statements, run as a REPL entry
/// (each statement checked and run in turn, state kept), its outputs sent on
/// IOPub as they come, then `execute_reply`.
extension JupyterKernel {
    func execute(_ request: JupyterMessage, on socket: ZMQSocket) {
        let code = request.content["code"]?.stringValue ?? ""
        let silent = request.content["silent"]?.boolValue ?? false
        let storeHistory = request.content["store_history"]?.boolValue ?? !silent
        if !silent && storeHistory { executionCount += 1 }
        let count = executionCount
        if !silent {
            publish("execute_input", ["code": .string(code), "execution_count": .number(Double(count))])
        }
        cellError = nil
        cellErrorText.text = ""
        cellIsSilent = silent
        // A Ctrl-C that came between cells must not stop this one's train.
        Interrupt.requested = 0
        let status = run(code, name: "<cell \(count)>")
        if status != .ok && status != .expectationFailed && cellError == nil {
            // A failure with no diagnostic of its own (say, a file that cannot be read).
            let lines = NotebookOutput.lines(cellErrorText.text.isEmpty ? "the cell failed\n" : cellErrorText.text)
            cellOutput(.error(name: "error", value: lines.first ?? "", traceback: lines))
        }
        var content: [(String, JSON)] = [("execution_count", .number(Double(count)))]
        if let cellError {
            content += [("status", .string("error")), ("ename", .string(cellError.name)), ("evalue", .string(cellError.value)),
                        ("traceback", .array(cellError.traceback.map(JSON.string)))]
        } else {
            content += [("status", .string("ok")), ("user_expressions", .object([])), ("payload", .array([]))]
        }
        reply(to: request, on: socket, "execute_reply", .object(content))
    }

    /// Runs a cell's code; `:help [TOPIC]` answers as in the REPL.
    private func run(_ code: String, name: String) -> RunStatus {
        let trimmed = code.trimmingWhitespace()
        if trimmed.isEmpty { return .ok }
        if trimmed.hasPrefix(":") { return meta(trimmed) }
        let source = SourceFile(name: name, text: code)
        switch runner.runEntry(source) {
        case let .completed(status):
            return status
        case .needsMoreInput:
            // The cell ends inside a block: in a notebook there is no next line.
            for diagnostic in Parser.parse(source).diagnostics.prefix(ScriptRunner.errorLimit) {
                cellOutput(NotebookOutput.error(diagnostic, in: source))
            }
            return .scriptError
        }
    }

    /// The meta-commands that make sense in a notebook: `:help` and `:names`.
    private func meta(_ command: String) -> RunStatus {
        let parts = command.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingWhitespace() : ""
        switch parts[0] {
        case ":help", ":h":
            if argument.isEmpty {
                cellOutput(.stream(name: "stdout", text: Help.overview))
            } else if let text = Help.topic(argument) {
                cellOutput(.stream(name: "stdout", text: text))
            } else {
                cellOutput(.error(name: "help", value: "no help on '\(argument)'", traceback: ["no help on '\(argument)' (:help lists the topics)"]))
            }
        case ":names":
            let state = runner.state
            var text = state.symbols.names.isEmpty ? "(nothing declared yet)\n" : ""
            for name in state.symbols.names {
                if let inspection = KernelLanguage.inspect(code: name, cursor: 0, state: state) { text += "  " + inspection }
            }
            cellOutput(.stream(name: "stdout", text: text))
        default:
            cellOutput(.error(name: "meta", value: "unknown command \(parts[0])",
                              traceback: ["unknown command \(TextDecoding.printable(parts[0])) (a notebook knows :help and :names)"]))
        }
        return cellError == nil ? .ok : .scriptError
    }

    /// One output of the running cell, sent on IOPub; the first error is kept for the reply.
    func cellOutput(_ output: NotebookOutput) {
        if case let .error(name, value, traceback) = output, cellError == nil { cellError = (name, value, traceback) }
        if cellIsSilent { return }
        switch output {
        case let .stream(name, text):
            publish("stream", ["name": .string(name), "text": .string(text)])
        case let .svg(svg, title):
            publish("display_data", [
                "data": .object([("image/svg+xml", .string(svg)), ("text/plain", .string(title))]),
                "metadata": .object([]), "transient": .object([]),
            ])
        case let .error(name, value, traceback):
            publish("error", ["ename": .string(name), "evalue": .string(value), "traceback": .array(traceback.map(JSON.string))])
        }
    }
}
