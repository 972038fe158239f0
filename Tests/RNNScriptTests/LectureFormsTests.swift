import Foundation
import Testing
import RNNRuntime
@testable import RNNScript

/// Issue 13's forms (SPEC §7) that are in: `forward M on S with L`, the
/// FILE:LINE:COL line of a failed `expect`, `within` for inequalities, and
/// the JSON summary line.
@Suite("The lecture's forms")
struct LectureFormsTests {
    static let simo = """
        seed 4
        sequence simo = inputs [[1.0, -1.0]] targets [[0.2], [0.6], [0.9]]
        model net = rnn { input 2; hidden 3; output 1; state sigmoid; readout sigmoid; bias off; init uniform(-1, 1) }
        loss cost = squared_error
        """

    @Test("forward with a loss uses it: seed 003's SIMO cost ½Σ(y − t)², and the loss expression agrees")
    func forwardWithLoss() {
        // The table's total is ½ Σ_t (ŷ_t − y_t)² from the forward's own ŷ, and the seed's 0.1933.
        let r = runScript(Self.simo + """

            forward net on simo with cost
            let e1 = net.y[1] - simo.targets[0]
            let e2 = net.y[2] - simo.targets[1]
            let e3 = net.y[3] - simo.targets[2]
            expect loss net on simo with cost == 0.5 * sum(e1 * e1 + e2 * e2 + e3 * e3) within 1e-15
            expect loss net on simo with cost == 0.1933 within 5e-5
            """)
        #expect(r.status == .ok, "\(r.errors)")
        #expect(r.output.contains("T = 3 steps, loss squared_error"), "\(r.output)")
        #expect(r.output.contains("L = Σ_t L_t = 0.0185 + 0.0308 + 0.1440 = 0.1933"), "\(r.output)")
        // Without a loss, the sigmoid readout's natural one: binary cross-entropy.
        let plain = runScript(Self.simo + "\nforward net on simo")
        #expect(plain.output.contains("loss binary_cross_entropy") && plain.output.contains("= 2.3424"), "\(plain.output)")
    }

    @Test("forward with a name that is not a loss is a checked error at the name")
    func forwardWithWrongName() {
        let r = runScript(Self.simo + "\nforward net on simo with net")
        #expect(r.status == .scriptError)
        #expect(r.errors.hasPrefix("test.rnn:5:26: error: 'net' is a model, expected a loss"), "\(r.errors)")
        let missing = runScript(Self.simo + "\nforward net on simo with cots")
        #expect(missing.errors.contains("test.rnn:5:26: error:") && missing.errors.contains("cost"), "\(missing.errors)")
    }

    @Test("a failed expect prints FILE:LINE:COL: expectation failed first, with the line and a caret; the run goes on")
    func failedExpectLocation() {
        let r = runScript("let x = 2\n  expect x * 3 == 7\nexpect x == 2")
        #expect(r.status == .expectationFailed)
        #expect(r.errors == "test.rnn:2:3: expectation failed: expected x * 3 == 7, but it is 6\n"
                + "    expect x * 3 == 7\n" + "    ^~~~~~~~~~~~~~~~~\n", "\(r.errors)")
        #expect(r.output.contains("FAILED: expected x * 3 == 7, but it is 6"))
        #expect(r.output.hasSuffix("expectations: 1 passed, 1 failed\n"), "\(r.output)")
    }

    @Test("within applies to <, <=, >, >=: a < b within t holds when a < b + t", arguments: [
        ("1.05 < 1 within 0.1", true), ("1.2 < 1 within 0.1", false), ("1.1 <= 1 within 0.1", true),
        ("0.95 > 1 within 0.1", true), ("0.8 > 1 within 0.1", false), ("0.9 >= 1 within 0.1", true),
        ("[[1.05, 0.5]] < 1 within 0.1", true), ("[[1.05, 1.5]] < 1 within 0.1", false),
        ("[[0.95, 2]] > [[1, 1.9]] within 0.1", true), ("1.05 < 1", false),
    ])
    func withinInequalities(_ expectation: String, _ holds: Bool) {
        let r = runScript("expect " + expectation)
        #expect(r.status == (holds ? .ok : .expectationFailed), "\(expectation): \(r.output)")
    }

    @Test("--json ends with a summary line: passed and failed, also when a runtime error stops the script")
    func jsonSummary() throws {
        let r = runScript("expect 1 == 1\nexpect 2 > 3\nexpect 3 > 2", format: .json)
        #expect(r.status == .expectationFailed)
        let last = try #require(r.output.split(separator: "\n").last)
        #expect(last == #"{"kind":"summary","passed":2,"failed":1}"#)
        let stopped = runScript("model m = rnn { input 2; hidden 2; output 2 }\nexpect 1 == 1\nload m from \"nope.json\"\nexpect 1 == 1",
                                format: .json)
        #expect(stopped.status != .ok)
        #expect(stopped.output.split(separator: "\n").last == #"{"kind":"summary","passed":1,"failed":0}"#, "\(stopped.output)")
    }

    // MARK: - Expressions for hand derivations

    @Test("tanh, sigmoid, relu, softmax (per row), diag, outer: hand-worked values", arguments: [
        "tanh([[0, 1, -1]]) == [[0, 0.76159415595576488812, -0.76159415595576488812]] within 1e-16",
        "sigmoid([[0, 2]]) == [[0.5, 0.88079707797788244406]] within 1e-16",
        "relu([[-1, 0, 2.5]]) == [[0, 0, 2.5]] within 0",
        "softmax([[1, 2, 3], [0, 0, 0]]) == [[0.090030573170380459, 0.24472847105479764, 0.66524095577482180], [0.33333333333333333, 0.33333333333333333, 0.33333333333333333]] within 1e-16",
        "sum(softmax([[1000, 1001]])) == 1 within 1e-16",
        "diag([[1, 2]]) == [[1, 0], [0, 2]] within 0",
        "diag([[1], [2]]) == [[1, 0], [0, 2]] within 0",
        "diag([[1, 2], [3, 4]]) == [[1, 4]] within 0",
        "outer([[1, 2]], [[3, 4, 5]]) == [[3, 4, 5], [6, 8, 10]] within 0",
        "tanh(0.5) == 0.46211715726000975850 within 1e-16",
        "linspace(-1, 1, 5) == [[-1, -0.5, 0, 0.5, 1]] within 0",
        "shape(linspace(0, 3, 100000)) == [[1, 100000]]",
    ])
    func functionValues(_ expectation: String) {
        let r = runScript("expect " + expectation)
        #expect(r.status == .ok, "\(expectation): \(r.output)\(r.errors)")
    }

    @Test("onehot(SYMBOL, VOCAB) is the row the network reads; a symbol outside the vocabulary is refused before anything runs")
    func onehot() {
        let script = """
            vocab chars = ['d', 'e', 'p', <stop>]
            sequence deep = "deep" over chars predicting next
            expect onehot('e', chars) == [[0, 1, 0, 0]] within 0
            expect onehot(<stop>, chars) == deep.targets[3] within 0
            expect onehot('d', chars) + onehot('p', chars) == [[1, 0, 1, 0]] within 0
            """
        let r = runScript(script)
        #expect(r.status == .ok, "\(r.output)\(r.errors)")
        let bad = runScript(script + "\nshow onehot('z', chars)")
        #expect(bad.status == .scriptError && bad.output.isEmpty)
        #expect(bad.errors.hasPrefix("test.rnn:6:13: error: invalid expression: 'z' is not a symbol of vocabulary chars ('d', 'e', 'p', <stop>)")
                || bad.errors.contains("'z' is not a symbol of vocabulary chars ('d', 'e', 'p', <stop>)"), "\(bad.errors)")
        let notVocab = runScript(script + "\nshow onehot('e', deep)")
        #expect(notVocab.status == .scriptError, "\(notVocab.errors)")
    }

    @Test("linspace refuses what is not a curve: n below 2 or not whole, infinite ends", arguments: [
        ("linspace(0, 1, 1)", "n must be a whole number from 2 to 100000, got 1"),
        ("linspace(0, 1, 2.5)", "got 2.5"), ("linspace(0, 1, 100001)", "got 100001"),
        ("linspace(0, 1e308 * 10, 3)", "finite ends"), ("linspace([[0, 1]], 1, 3)", "linspace's a must be a number, got a 1×2 matrix"),
    ])
    func linspaceRefusals(_ call: String, _ message: String) {
        let r = runScript("show " + call)
        #expect(r.status == .runtimeError && r.errors.contains("test.rnn:1:6: error:") && r.errors.contains(message), "\(call): \(r.errors)")
    }

    @Test("a 1×n row broadcasts over the rows of an r×n matrix in + - * /; other shapes are refused before anything runs")
    func rowBroadcasting() {
        let r = runScript("""
            expect [[1, 2], [3, 4]] + [[10, 20]] == [[11, 22], [13, 24]] within 0
            expect [[10, 20]] - [[1, 2], [3, 4]] == [[9, 18], [7, 16]] within 0
            expect [[1, 2], [3, 4]] * [[2, 3]] == [[2, 6], [6, 12]] within 0
            expect [[1, 2], [3, 4]] / [[1, 2]] == [[1, 1], [3, 2]] within 0
            """)
        #expect(r.status == .ok, "\(r.output)\(r.errors)")
        let refused = runScript("show [[1, 2], [3, 4], [5, 6]] + [[1, 2], [3, 4]]")
        #expect(refused.status == .scriptError)
        #expect(refused.errors.contains("needs equal shapes"), "\(refused.errors)")
        let diag = runScript("show diag([[1, 2, 3], [4, 5, 6]])")
        #expect(diag.errors.contains("test.rnn:1:6: error: diag needs a vector or a square matrix, got 2×3"), "\(diag.errors)")
    }

    /// The "deep" network of examples/bptt.rnn.
    static let deep = """
        seed 7
        vocab chars = ['d', 'e', 'p', <stop>]
        sequence deep = "deep" over chars predicting next
        model net = rnn { input 4; hidden 3; output 4; state tanh; readout softmax; init uniform(-0.5, 0.5) }
        forward net on deep
        """

    @Test("jacobian is a value: ∂s_t/∂s_{t−1} = diag(σ′(a_t)) Wᵀ and the chain for ∂s_3/∂s_1, as the seeds write them")
    func jacobianExpression() {
        let ok = runScript(Self.deep + """

            let J2 = diag(1 - net.s[2] * net.s[2]) @ transpose(net.W)
            let J3 = diag(1 - net.s[3] * net.s[3]) @ transpose(net.W)
            expect jacobian net on deep from 2 to 1 == J2 within 1e-15
            expect jacobian net on deep from 3 to 1 == J3 @ J2 within 1e-15
            expect shape(jacobian net on deep from 4 to 0) == [[3, 3]]
            expect norm(jacobian net on deep from 3 to 1 - J2) > 1e-3
            """)
        #expect(ok.status == .ok, "\(ok.output)\(ok.errors)")
        #expect(ok.output.contains("expectations: 4 passed, 0 failed"), "\(ok.output)")
        let late = runScript(Self.deep + "\nshow jacobian net on deep from 5 to 1")
        #expect(late.errors.contains("test.rnn:6:32: error:") && late.errors.contains("1 to 4"), "\(late.errors)")
    }

    // MARK: - flow on a stacked vanilla RNN

    @Test("flow on a stacked vanilla RNN bounds each layer's own block by (γλ_ℓ)^(T−k), and the block is diag(σ′) W_ℓᵀ chained")
    func stackedFlow() throws {
        let script = """
            seed 7
            vocab chars = ['d', 'e', 'p', <stop>]
            sequence deep = "deep" over chars predicting next
            model net = rnn { input 4; hidden 3; output 4; layers 2; init uniform(-1, 1) }
            flow net on deep
            let P2 = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
            let B43 = diag(1 - (net.s[4] @ P2) * (net.s[4] @ P2)) @ transpose(net.layer2.W)
            let B32 = diag(1 - (net.s[3] @ P2) * (net.s[3] @ P2)) @ transpose(net.layer2.W)
            show spectral(B43)
            show spectral(B43 @ B32)
            show spectral(net.layer2.W)
            """
        let r = InstrumentTests.run(script)
        #expect(r.status == .ok, "\(r.errors)")
        let cells = r.cells
        let flow = try #require(cells.first { $0["kind"] as? String == "flow" }?["result"] as? [String: Any])
        let layers = try #require(flow["layers"] as? [[String: Any]])
        #expect(layers.count == 2)
        #expect(flow["gamma"] as? Double == 1)
        let hand = cells.filter { $0["kind"] as? String == "show" }.compactMap { $0["result"] as? Double }
        try #require(hand.count == 3)
        let layer2 = try #require(layers.last)
        let rows = try #require(layer2["rows"] as? [[String: Any]])
        func norm(_ k: Int) -> Double? { rows.first { $0["k"] as? Int == k }?["norm"] as? Double }
        // ‖∂h²_4/∂h²_3‖₂ and ‖∂h²_4/∂h²_2‖₂ from the engine's Jacobian, against the hand products.
        #expect(abs((norm(3) ?? 0) - hand[0]) <= 1e-12 * hand[0])
        #expect(abs((norm(2) ?? 0) - hand[1]) <= 1e-12 * hand[1])
        #expect(layer2["lambda"] as? Double == hand[2])
        // Every block is within the lecture's bound (γλ_ℓ)^(T−k).
        for layer in layers {
            for row in layer["rows"] as? [[String: Any]] ?? [] {
                let n = row["norm"] as? Double ?? .infinity, b = row["bound"] as? Double ?? 0
                #expect(n <= b * (1 + 1e-12), "layer \(layer["layer"] ?? ""), k \(row["k"] ?? ""): \(n) > \(b)")
            }
        }
        let text = runScript(script)
        #expect(text.output.contains("layer 2: every norm is within (γλ_2)^(t−k)"), "\(text.output)")
    }

    // MARK: - decompose: explicit and implicit parts, factors, V, b and c

    static func matrix(_ any: Any?) -> [[Double]] { InstrumentTests.matrix(any) }

    @Test("decompose at T for W, U, b: every term is inputᵀ (ds ⊙ dsigma) with the inputs and σ′ of the forward pass; V and c are one term")
    func decomposeFactors() throws {
        let script = Self.deep + """

            loss xent = cross_entropy
            decompose net on deep with xent at 4 for W
            decompose net on deep with xent at 4 for U
            decompose net on deep with xent at 4 for b
            decompose net on deep with xent at 4 for V
            decompose net on deep with xent at 4 for c
            decompose net on deep with xent for V
            """
        let r = InstrumentTests.run(script)
        #expect(r.status == .ok, "\(r.errors)")
        let cells = r.cells
        let states = Self.matrix((cells.first { $0["kind"] as? String == "forward" }?["result"] as? [String: Any])?["states"])
        let inputs: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]  // d e e p
        let decompositions = cells.filter { $0["kind"] as? String == "decompose" }.compactMap { $0["result"] as? [String: Any] }
        try #require(decompositions.count == 6 && states.count == 4)
        for result in decompositions.prefix(3) {
            let parameter = result["parameter"] as? String ?? ""
            var sum: [[Double]]? = nil
            for term in result["terms"] as? [[String: Any]] ?? [] {
                let k = term["k"] as? Int ?? 0
                let factors = try #require(term["factors"] as? [String: Any], "\(parameter) term \(k) has factors")
                let ds = Self.matrix(factors["ds"])[0], dsigma = Self.matrix(factors["dsigma"])[0], input = Self.matrix(factors["input"])[0]
                // σ′(a_k) = 1 − s_k² (tanh), s_k row k − 1 of the forward's states.
                for j in 0..<3 { #expect(abs(dsigma[j] - (1 - states[k - 1][j] * states[k - 1][j])) <= 1e-15) }
                let expectedInput = parameter == "W" ? (k == 1 ? [0, 0, 0] : states[k - 2]) : parameter == "U" ? inputs[k - 1] : [1]
                #expect(input == expectedInput, "\(parameter) k=\(k) input")
                let m = Self.matrix(term["matrix"])
                for (i, x) in input.enumerated() {
                    for j in 0..<3 { #expect(abs(m[i][j] - x * (ds[j] * dsigma[j])) <= 1e-15, "\(parameter) k=\(k) [\(i), \(j)]") }
                }
                sum = sum.map { zip($0, m).map { zip($0, $1).map(+) } } ?? m
            }
            let grad = Self.matrix(result["grad"])
            for (a, b) in zip(sum ?? [], grad) { for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-15, "\(parameter): Σ terms = BPTT") } }
        }
        // V and c at T: one term, equal to ∂L_4/∂V and ∂L_4/∂c by BPTT; the split for V: four terms.
        for result in decompositions[3...4] {
            let terms = result["terms"] as? [[String: Any]] ?? []
            #expect(terms.count == 1 && terms[0]["k"] as? Int == 4 && terms[0]["factors"] == nil)
            #expect(Self.matrix(terms.first?["matrix"]) == Self.matrix(result["grad"]))
        }
        #expect((decompositions[5]["terms"] as? [[String: Any]])?.count == 4)
        let text = runScript(script).output
        #expect(text.contains("k = 4 (explicit, ∂⁺s_4/∂W)") && text.contains("k = 3 (implicit, through s_3 → s_4)"), "\(text)")
        #expect(text.contains("∂L_4/∂V: V enters L_4 only through o_4, so there is one term"))
    }

    @Test("decompose names the parameters a model has")
    func decomposeParameters() {
        let r = runScript(Self.deep + "\nloss xent = cross_entropy\ndecompose net on deep with xent at 4 for X")
        #expect(r.errors.contains("unknown parameter for decompose 'X'") || r.errors.contains("'X'"), "\(r.errors)")
        let noBias = runScript(Self.deep.replacingOccurrences(of: "init uniform", with: "bias off; init uniform")
                               + "\nloss xent = cross_entropy\ndecompose net on deep with xent at 4 for b")
        #expect(noBias.status == .scriptError, "\(noBias.output)")
    }

    @Test("plot Y1, Y2 against X: the curves over X's values in text, JSON and the report")
    func plotAgainst() throws {
        let script = "let a = linspace(-2, 2, 5)\nplot tanh(a), 1 - tanh(a) * tanh(a) against a"
        let text = runScript(script)
        #expect(text.status == .ok, "\(text.errors)")
        #expect(text.output.contains("5 points, a from -2.0000 to 2.0000\n    tanh(a): from -0.9640 to 0.9640\n"), "\(text.output)")
        #expect(text.output.contains("1 - tanh(a) * tanh(a): from 0.0707 to 1.0000"), "\(text.output)")
        let run = InstrumentTests.run(script)
        let result = run.result("plot tanh(a), 1 - tanh(a) * tanh(a) against a")
        #expect(result["kind"] as? String == "curves")
        let x = result["x"] as? [String: Any]
        #expect(x?["label"] as? String == "a" && (x?["values"] as? [Double]) == [-2, -1, 0, 1, 2])
        let curves = result["curves"] as? [[String: Any]] ?? []
        let derivative = curves.count == 2 ? curves[1]["values"] as? [Double] ?? [] : []
        let expected = [-2.0, -1, 0, 1, 2].map { 1 - Math.tanh($0) * Math.tanh($0) }
        #expect(derivative.count == 5 && zip(derivative, expected).allSatisfy { abs($0 - $1) <= 1e-15 })
        let runner = ScriptRunner(host: TestHost(), output: { _ in }, errors: { _ in })
        let report = HTMLReport(title: "curves")
        runner.report = report
        #expect(runner.run(SourceFile(name: "c.rnn", text: script)) == .ok)
        let html = report.render()
        // The let's heat map, then the chart with a on the x-axis.
        #expect(report.figureCount == 2 && html.contains(">a</text>") && html.contains("1 - tanh(a) * tanh(a)"))
    }

    @Test("plot … against: lengths, shapes and the x values are checked, at the expression")
    func plotAgainstErrors() {
        // linspace's length is a value: the lengths meet when the plot runs.
        let lengths = runScript("let a = linspace(-2, 2, 5)\nplot tanh(a) against linspace(0, 1, 4)")
        #expect(lengths.status == .runtimeError && lengths.errors.contains("test.rnn:2:6: error")
                && lengths.errors.contains("every curve needs 4 values, as many as the x values; tanh(a) has 5"), "\(lengths.errors)")
        let matrix = runScript("plot [[1, 2], [3, 4]], [1, 2]")
        #expect(matrix.status == .scriptError && matrix.errors.contains("2×2 matrix"), "\(matrix.errors)")
        let decreasing = runScript("plot [1, 2, 3] against [3, 2, 1]")
        #expect(decreasing.status == .runtimeError && decreasing.errors.contains("finite and increasing"), "\(decreasing.errors)")
        let text = runScript("plot [[1, 2, 3]] against [1, 2]")
        #expect(text.status == .scriptError && text.errors.contains("the x values (2); this has 3"), "\(text.errors)")
    }
}
