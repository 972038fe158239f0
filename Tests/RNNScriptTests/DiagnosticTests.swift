import Foundation
import Testing
import RNNScript

/// A broken script, where its first error must be reported, and the exit status.
struct BrokenScript: CustomTestStringConvertible, Sendable {
    var name: String
    var script: String
    /// The message case's id (`DiagnosticMessage.id`).
    var id: String
    var line: Int
    var column: Int
    var status: RunStatus
    var testDescription: String { name }
}

let header = """
    vocab chars = ['d', 'e', 'p', <stop>]
    sequence deep = "deep" over chars predicting next
    loss xent = cross_entropy
    optimizer opt = sgd { lr 0.1 }
    model net = rnn { input 4; hidden 3; output 4 }

    """  // 5 lines, so errors after it are on line 6 and later

let brokenScripts: [BrokenScript] = [
    BrokenScript(name: "unknown character", script: "seed 1 $", id: "unexpected-character", line: 1, column: 8, status: .scriptError),
    BrokenScript(name: "unterminated string", script: "sequence s = \"abc", id: "unterminated-string", line: 1, column: 14, status: .scriptError),
    BrokenScript(name: "bad character literal", script: "vocab v = ['ab']", id: "invalid-character-literal", line: 1, column: 12, status: .scriptError),
    BrokenScript(name: "missing equals", script: "vocab v ['a']", id: "expected", line: 1, column: 9, status: .scriptError),
    BrokenScript(name: "unknown statement", script: "seed 1\nfrobnicate", id: "undefined-name", line: 2, column: 1, status: .scriptError),
    BrokenScript(name: "not a statement", script: "= 3", id: "expected", line: 1, column: 1, status: .scriptError),
    BrokenScript(name: "unclosed block", script: "model m = rnn { input 1", id: "unexpected-end-of-input", line: 1, column: 24, status: .scriptError),
    BrokenScript(name: "unknown model entry", script: "model m = rnn {\n  hiden 3\n}", id: "unknown-entry", line: 2, column: 3, status: .scriptError),
    BrokenScript(name: "duplicate model entry", script: "model m = rnn { input 1; input 2; hidden 1; output 1 }", id: "duplicate-entry", line: 1, column: 26, status: .scriptError),
    BrokenScript(name: "missing model entry", script: "model m = rnn { input 1; hidden 2 }", id: "missing-entry", line: 1, column: 15, status: .scriptError),
    BrokenScript(name: "unknown activation", script: "model m = rnn { input 1; hidden 2; output 1; state tanhh }", id: "unknown-choice", line: 1, column: 52, status: .scriptError),
    BrokenScript(name: "unknown readout", script: "model m = rnn { input 1; hidden 2; output 1; readout softmx }", id: "unknown-choice", line: 1, column: 54, status: .scriptError),
    BrokenScript(name: "unknown initializer", script: "model m = rnn { input 1; hidden 2; output 1; init gaussian }", id: "unknown-choice", line: 1, column: 51, status: .scriptError),
    BrokenScript(name: "initializer arity", script: "model m = rnn { input 1; hidden 2; output 1; init uniform(1) }", id: "wrong-argument-count", line: 1, column: 46, status: .scriptError),
    BrokenScript(name: "absurd hidden size", script: "model m = rnn { input 1; hidden 99999999999; output 1 }", id: "value-out-of-range", line: 1, column: 33, status: .scriptError),
    BrokenScript(name: "too many parameters", script: "model m = rnn { input 60000; hidden 60000; output 1 }", id: "model-too-large", line: 1, column: 15, status: .scriptError),
    BrokenScript(name: "integer overflow", script: "seed 99999999999999999999999999", id: "number-too-large", line: 1, column: 6, status: .scriptError),
    BrokenScript(name: "gated cell with another state function", script: "model m = lstm { input 1; hidden 2; output 1; state relu }", id: "invalid-declaration", line: 1, column: 53, status: .scriptError),
    BrokenScript(name: "unknown cell", script: "model m = rnn { input 1; hidden 2; output 1; layers 0 }", id: "value-out-of-range", line: 1, column: 53, status: .scriptError),
    BrokenScript(name: "nesterov without momentum", script: "optimizer o = sgd { nesterov on }", id: "invalid-declaration", line: 1, column: 15, status: .scriptError),
    BrokenScript(name: "unknown loss", script: "loss l = cross_entropi", id: "unknown-choice", line: 1, column: 10, status: .scriptError),
    BrokenScript(name: "unknown optimizer", script: "optimizer o = adamw", id: "unknown-choice", line: 1, column: 15, status: .scriptError),
    BrokenScript(name: "unknown optimizer key", script: "optimizer o = adam { beta3 0.9 }", id: "unknown-entry", line: 1, column: 22, status: .scriptError),
    BrokenScript(name: "flag given a number", script: "optimizer o = sgd { momentum 0.9; nesterov 1 }", id: "expected", line: 1, column: 44, status: .scriptError),
    BrokenScript(name: "symbol outside the vocabulary", script: "vocab v = ['a', 'b']\nsequence s = \"abcab\" over v predicting next", id: "symbol-not-in-vocabulary", line: 2, column: 17, status: .scriptError),
    BrokenScript(name: "empty vocabulary", script: "vocab v = []", id: "empty-value", line: 1, column: 7, status: .scriptError),
    BrokenScript(name: "duplicate vocabulary symbol", script: "vocab v = ['a', 'a']", id: "duplicate-entry", line: 1, column: 17, status: .scriptError),
    BrokenScript(name: "ragged matrix", script: "sequence s = inputs [[1, 2], [3]] targets [1, 2]", id: "ragged-matrix", line: 1, column: 30, status: .scriptError),
    BrokenScript(name: "mixed targets", script: "vocab v = ['a']\nsequence s = inputs [1] targets ['a', 2]", id: "mixed-targets", line: 2, column: 33, status: .scriptError),
    BrokenScript(name: "undefined model with suggestion", script: header + "forward nett on deep", id: "undefined-name", line: 6, column: 9, status: .scriptError),
    BrokenScript(name: "wrong kind", script: header + "forward deep on net", id: "wrong-kind", line: 6, column: 9, status: .scriptError),
    BrokenScript(name: "input width mismatch", script: header + "model m5 = rnn { input 5; hidden 3; output 4 }\nforward m5 on deep", id: "input-width-mismatch", line: 7, column: 9, status: .scriptError),
    BrokenScript(name: "output width mismatch", script: header + "model m3 = rnn { input 4; hidden 3; output 3 }\nforward m3 on deep", id: "output-width-mismatch", line: 7, column: 9, status: .scriptError),
    BrokenScript(name: "outputs last with many targets", script: header + "model ml = rnn { input 4; hidden 3; output 4; outputs last }\nforward ml on deep", id: "placement-mismatch", line: 7, column: 9, status: .scriptError),
    BrokenScript(name: "set with the wrong shape", script: header + "set net.W = [[1, 2], [3, 4]]", id: "shape-mismatch", line: 6, column: 13, status: .scriptError),
    BrokenScript(name: "set an unknown parameter", script: header + "set net.w = [[1]]", id: "unknown-parameter", line: 6, column: 9, status: .scriptError),
    BrokenScript(name: "show unknown parameter", script: header + "show net.X", id: "unknown-parameter", line: 6, column: 10, status: .scriptError),
    BrokenScript(name: "unknown function", script: header + "show nrm(net.W)", id: "unknown-function", line: 6, column: 6, status: .scriptError),
    BrokenScript(name: "jacobian step out of range", script: header + "jacobian net on deep from 9 to 1", id: "step-out-of-range", line: 6, column: 27, status: .scriptError),
    BrokenScript(name: "jacobian k not below t", script: header + "jacobian net on deep from 2 to 2", id: "step-out-of-range", line: 6, column: 32, status: .scriptError),
    BrokenScript(name: "train without comma", script: header + "train net on deep with xent opt for 3 epochs", id: "expected", line: 6, column: 29, status: .scriptError),
    BrokenScript(name: "zero truncation", script: header + "backward net on deep with xent truncate 0", id: "value-out-of-range", line: 6, column: 41, status: .scriptError),
    BrokenScript(name: "negative clip", script: header + "train net on deep with xent, opt for 1 epochs, clip norm -1", id: "value-out-of-range", line: 6, column: 58, status: .scriptError),
    BrokenScript(name: "deep nesting", script: "show " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500), id: "nesting-too-deep", line: 1, column: 54, status: .scriptError),
    BrokenScript(name: "deep brackets", script: "set a.b = " + String(repeating: "[", count: 500), id: "nesting-too-deep", line: 1, column: 59, status: .scriptError),
    BrokenScript(name: "no gradients yet", script: header + "show grad net.W", id: "no-gradients", line: 6, column: 6, status: .runtimeError),
    BrokenScript(name: "matrix product shapes", script: header + "show net.W @ net.U", id: "invalid-expression", line: 6, column: 6, status: .scriptError),
    BrokenScript(name: "index out of range", script: header + "show net.W[3, 0]", id: "invalid-expression", line: 6, column: 12, status: .scriptError),
    BrokenScript(name: "index out of range after a forward", script: header + "forward net on deep\nshow net.s[9]", id: "index-out-of-range", line: 7, column: 12, status: .runtimeError),
    // Issue 11: limits on expressions, and type errors found before anything runs.
    BrokenScript(name: "a long chain of operators", script: "show " + Array(repeating: "1", count: 5000).joined(separator: " + "), id: "expression-too-deep", line: 1, column: 1028, status: .scriptError),
    BrokenScript(name: "a long chain of indices", script: "show [[1]]" + String(repeating: "[0]", count: 300), id: "expression-too-deep", line: 1, column: 776, status: .scriptError),
    BrokenScript(name: "a long run of minus signs", script: "show " + String(repeating: "-", count: 300) + "1", id: "expression-too-deep", line: 1, column: 261, status: .scriptError),
    BrokenScript(name: "a string in arithmetic", script: header + "train net on deep with xent, opt for 1 epochs\nshow \"a\" + 1", id: "invalid-expression", line: 7, column: 6, status: .scriptError),
    BrokenScript(name: "a vocabulary in arithmetic", script: header + "show chars * 2", id: "invalid-expression", line: 6, column: 6, status: .scriptError),
    BrokenScript(name: "a function of a string", script: header + "show norm(\"a\")", id: "invalid-expression", line: 6, column: 6, status: .scriptError),
    BrokenScript(name: "a product too large to compute", script: "let q = [" + Array(repeating: "1", count: 80_000).joined(separator: ", ") + "]\nshow transpose(q) @ q", id: "result-too-large", line: 2, column: 6, status: .scriptError),
    BrokenScript(name: "a product found too large while running", script: """
        vocab v = ['a', 'b']
        sequence long = "\(String(repeating: "ab", count: 2500))" over v predicting next
        model m = rnn { input 2; hidden 1; output 2 }
        forward m on long
        show m.s @ transpose(m.s)
        """, id: "result-too-large", line: 5, column: 6, status: .runtimeError),
    BrokenScript(name: "a uniform range wider than a Double", script: "model m = rnn { input 1; hidden 2; output 1; init uniform(-1e308, 1e308) }", id: "invalid-declaration", line: 1, column: 59, status: .scriptError),
    BrokenScript(name: "a normal spread beyond a Double", script: "model m = rnn { input 1; hidden 2; output 1; init normal(0, 1e308) }", id: "invalid-declaration", line: 1, column: 58, status: .scriptError),
    BrokenScript(name: "missing weights file", script: header + "load net from \"nowhere.json\"", id: "file-not-found", line: 6, column: 1, status: .ioError),
    BrokenScript(name: "malformed weights", script: header + "load net from \"bad.json\"", id: "malformed-weights", line: 6, column: 1, status: .ioError),
    BrokenScript(name: "weights of another shape", script: header + "model small = rnn { input 4; hidden 2; output 4 }\nsave small to \"small.json\"\nload net from \"small.json\"", id: "weights-mismatch", line: 8, column: 1, status: .ioError),
    BrokenScript(name: "exploding training", script: """
        sequence s = inputs [1, 0, 0, 0, 0, 0] targets [0.5, -0.5, 0.5, -0.5, 0.5, -0.5]
        model m = rnn { input 1; hidden 2; output 1; state linear; readout linear; init zeros }
        set m.W = [[0, 1.5], [-1.5, 0]]
        set m.U = [[1, 0.5]]
        set m.V = [[1], [0.5]]
        loss mse = squared_error
        optimizer o = sgd { lr 0.05 }
        train m on s with mse, o for 20 epochs
        """, id: "not-finite", line: 8, column: 1, status: .runtimeError),
]

/// Captures the diagnostics of a run by rendering them and reading back the first.
private func firstDiagnostic(_ errors: String) -> (line: Int, column: Int)? {
    guard let first = errors.split(separator: "\n").first else { return nil }
    let parts = first.split(separator: ":")
    guard parts.count >= 3, let line = Int(parts[1]), let column = Int(parts[2]) else { return nil }
    return (line, column)
}

@Suite("Diagnostics for broken scripts")
struct DiagnosticTests {
    @Test("each broken script reports its error where expected", arguments: brokenScripts)
    func broken(_ case_: BrokenScript) throws {
        let host = TestHost()
        host.written["bad.json"] = "{\"format\": \"rnnscript-weights\", \"version\": 1, \"model\": {}, \"parameters\": {\"U\": 3}}"
        let result = runScript(case_.script, name: "case.rnn", host: host)
        #expect(result.status == case_.status, "\(result.errors)")
        let position = try #require(firstDiagnostic(result.errors), "no diagnostic in: \(result.errors)")
        #expect(position.line == case_.line && position.column == case_.column,
                "reported at \(position.line):\(position.column): \(result.errors)")
        // The message case: JSON output names it by id.
        let json = runScript(case_.script, name: "case.rnn", format: .json, host: host)
        if case_.status == .runtimeError || case_.status == .ioError {
            #expect(json.output.contains("\"id\":\"\(case_.id)\""), "\(json.output)")
        } else {
            #expect(json.output.isEmpty, "no cell runs when a script has a syntax or checking error")
        }
        // The rendered diagnostic has the source line and a caret.
        #expect(result.errors.contains("case.rnn:\(case_.line):\(case_.column): error: "))
        #expect(result.errors.contains("^"))
    }

    @Test("static errors are matched by message case")
    func messageCases() {
        for case_ in brokenScripts where case_.status == .scriptError {
            let (statements, syntax) = Parser.parse(SourceFile(name: "case.rnn", text: case_.script))
            var ids = syntax.map(\.message.id)
            if syntax.isEmpty {
                var checker = Checker(symbols: SymbolTable())
                _ = checker.check(statements)
                ids = checker.diagnostics.map(\.message.id)
            }
            #expect(ids.first == case_.id, "\(case_.name): got \(ids)")
        }
    }

    @Test("unknown names suggest the closest declared name")
    func didYouMean() {
        let result = runScript(header + "forward nett on deep")
        #expect(result.errors.contains("cannot find 'nett'; did you mean 'net'?"))
        let entry = runScript("model m = rnn {\n  hiden 3\n}")
        #expect(entry.errors.contains("unknown model entry 'hiden'; did you mean 'hidden'?"))
    }

    @Test("shape errors name both shapes and where each came from")
    func shapeMessage() {
        let result = runScript(header + "model m5 = rnn { input 5; hidden 3; output 4 }\nforward m5 on deep")
        #expect(result.errors.contains("model m5 expects input width 5, sequence deep is one-hot over 4 symbols"))
    }

    @Test("a symbol outside the vocabulary is named with its position")
    func symbolPosition() {
        let result = runScript("vocab v = ['a', 'b']\nsequence s = \"abcab\" over v predicting next")
        #expect(result.errors.contains("symbol 'c' at position 3 is not in vocabulary v"))
    }

    @Test("the parser recovers and reports several errors in one run")
    func severalErrors() {
        let result = runScript("seed x\nvocab v ['a']\nmodel m = rnn {\n  hiden 3\n  output\n}\nforward m\n")
        let count = result.errors.split(separator: "\n").filter { $0.contains(": error: ") }.count
        #expect(count == 5, "\(result.errors)")
        #expect(result.status == .scriptError)
    }

    @Test("non-finite training keeps the last finite parameters and suggests clip")
    func nonFinite() throws {
        let script = brokenScripts.first { $0.id == "not-finite" }!.script + "\nshow m.W"
        var output = "", errors = ""
        let runner = ScriptRunner(host: TestHost(), output: { output += $0 }, errors: { errors += $0 })
        let status = runner.run(SourceFile(name: "x.rnn", text: script))
        #expect(status == .runtimeError)
        #expect(errors.contains("training stopped in epoch"))
        #expect(errors.contains("note: try 'clip norm"))
        // The epochs before the failure are shown, and the kept parameters are finite.
        #expect(output.contains("epoch"))
        let W = try #require(runner.state.model(named: "m")?.model.parameters[1])
        #expect(W.isFinite)
    }

    @Test("binary junk and random text never crash", arguments: 0..<40)
    func junk(_ seed: Int) {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let words = ["model", "m", "=", "rnn", "{", "}", "[", "]", "input", "4", "hidden", "output", "forward", "on", "s",
                     "train", "with", ",", "for", "epochs", "'a'", "\"ab\"", "<stop>", "(", ")", "\n", "-", "1e309", "@", "grad"]
        var text = ""
        if seed % 2 == 0 {
            var bytes: [UInt8] = []
            for _ in 0..<400 { bytes.append(UInt8(truncatingIfNeeded: next())) }
            text = String(decoding: bytes, as: UTF8.self)
        } else {
            for _ in 0..<120 { text += words[Int(next() % UInt64(words.count))] + " " }
        }
        let result = runScript(text)
        #expect([RunStatus.ok, .scriptError, .runtimeError, .ioError].contains(result.status))
    }
}
