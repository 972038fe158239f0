import Testing
@testable import RNNScript

/// The checker resolves every name once: checked cells carry slots and
/// resolved expression leaves, and the interpreter runs them without looking
/// a name up again.
struct ResolutionTests {
    static let script = """
        vocab v = ['d', 'e', 'p', <stop>]
        sequence deep = "deep" over v predicting next
        model net = rnn { input v; hidden 3; output v }
        loss xent = cross_entropy
        optimizer opt = sgd { lr 0.1 }
        let x = net.W @ net.W + 1
        backward net on deep with xent
        show grad net.W - loss net on deep with xent + x[0, 1]
        train net on deep with xent, opt for 2 epochs
        """

    static func checkedCells(_ text: String) throws -> ([CheckedCell], SymbolTable) {
        let (statements, syntax) = Parser.parse(SourceFile(name: "r.rnn", text: text))
        try #require(syntax.isEmpty)
        var checker = Checker(symbols: SymbolTable())
        let cells = checker.check(statements)
        try #require(checker.diagnostics.isEmpty, "\(checker.diagnostics.map(\.message.text))")
        return (cells, checker.symbols)
    }

    /// Every leaf that is not a number or a string, as written (unresolved).
    static func unresolvedLeaves(_ expression: Expression) -> [Expression] {
        (try? expression.fold { node, operands -> [Expression] in
            switch node.kind {
            case .number, .string, .resolved: return operands.flatMap { $0 }
            case .negate, .binary, .call, .index: return operands.flatMap { $0 }
            default: return [node]
            }
        }) ?? [expression]
    }

    @Test("models, bindings and optimizers are slots: the name's position in the table")
    func slots() throws {
        let (cells, symbols) = try Self.checkedCells(Self.script)
        let net = ModelRef(name: "net", slot: try #require(symbols.slot(of: "net")))
        #expect(net.slot == 2)
        guard case let .model(declared, _) = cells[2].statement else { Issue.record("cell 3 is not a model"); return }
        #expect(declared == net)
        guard case let .binding(binding, _) = cells[5].statement else { Issue.record("cell 6 is not a let"); return }
        #expect(binding == BindingRef(name: "x", slot: 5))
        guard case let .backward(model, _, _, _) = cells[6].statement else { Issue.record("cell 7 is not backward"); return }
        #expect(model == net)
        guard case let .train(trained, _, _, optimizer, _, _, _) = cells[8].statement else { Issue.record("cell 9 is not train"); return }
        #expect(trained == net)
        #expect(optimizer.slot == 4 && optimizer.name == "opt")
    }

    @Test("a checked expression has no unresolved leaf; parameters and gradients carry their index")
    func resolvedExpressions() throws {
        let (cells, _) = try Self.checkedCells(Self.script)
        guard case let .binding(_, bound) = cells[5].statement, case let .show(shown) = cells[7].statement else {
            Issue.record("cells 6 and 8 are not let and show"); return
        }
        #expect(Self.unresolvedLeaves(bound).isEmpty)
        #expect(Self.unresolvedLeaves(shown).isEmpty)
        var operands: [ResolvedOperand] = []
        _ = try shown.fold { node, _ -> Int in
            if case let .resolved(operand) = node.kind { operands.append(operand) }
            return 0
        }
        let net = ModelRef(name: "net", slot: 2)
        #expect(operands.contains(.gradient(net, ParameterRef(name: "W", index: 1))))
        #expect(operands.contains(.binding(BindingRef(name: "x", slot: 5))))
        #expect(operands.contains { if case .loss(net, _, .crossEntropy) = $0 { return true } else { return false } })
    }

    @Test("a redeclared name keeps its slot; a binding to a model shows it even after the name is reused")
    func redeclaration() throws {
        let result = runScript("""
            model net = rnn { input 2; hidden 2; output 2 }
            let m = net
            model net = rnn { input 2; hidden 3; output 2 }
            show m
            let net = 3
            show m
            show net
            """)
        #expect(result.status == .ok, "\(result.errors)")
        // Both `show m` print the model net as it was last declared (d = 3), without a crash.
        #expect(result.output.components(separatedBy: "d = 3 hidden").count == 3)
        #expect(result.output.contains("net = 3"))
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        #expect(runner.run(SourceFile(name: "r.rnn", text: "model a = rnn { input 2; hidden 2; output 2 }\nmodel b = rnn { input 2; hidden 2; output 2 }\nmodel a = rnn { input 2; hidden 4; output 2 }")) == .ok)
        #expect(runner.state.symbols.slot(of: "a") == 0 && runner.state.symbols.slot(of: "b") == 1)
        #expect(runner.state.model(named: "a")?.model.configuration.hiddenSize == 4)
    }

    @Test("optimizer state is kept per (optimizer, model) slot and forgotten when either is redeclared")
    func optimizerState() throws {
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        #expect(runner.run(SourceFile(name: "r.rnn", text: Self.script)) == .ok)
        #expect(runner.state.optimizerStates.keys.map { [$0.optimizer, $0.model] } == [[4, 2]])
        _ = runner.runEntry(SourceFile(name: "<repl>", text: "optimizer opt = adam { lr 0.01 }"))
        #expect(runner.state.optimizerStates.isEmpty)
    }
}
