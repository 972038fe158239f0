import Foundation
import Testing
@testable import RNNRuntime
@testable import RNNScript

/// `_` in a literal sequence's targets: a step without a target (SPEC §8), so
/// a network can read a whole source before it answers (many-to-many, delayed).
@Suite("Steps without a target")
struct NoTargetStepTests {
    static let reverse = """
        vocab v = ['a', 'b', <stop>]
        sequence rev = inputs ['a', 'b', <stop>, 'a'] targets [_, _, 'b', 'a'] over v
        sequence full = inputs ['a', 'b', <stop>, 'a'] targets ['a', 'a', 'b', 'a'] over v
        loss xent = cross_entropy
        """

    static func model(_ cell: String) -> String {
        "\nmodel net = \(cell) { input v; hidden 4; output v; init uniform(-0.5, 0.5) }\n"
    }

    @Test("the loss is the sum over the steps with a target: L_3 + L_4 of the same forward pass", arguments: ["rnn", "lstm", "gru"])
    func lossIsTheTargetedSteps(cell: String) throws {
        let run = InstrumentTests.run(Self.reverse + Self.model(cell) + "forward net on full with xent\nforward net on rev with xent")
        #expect(run.status == .ok, "\(run.errors)")
        let full = run.result("forward net on full with xent"), masked = run.result("forward net on rev with xent")
        let losses = try #require(full["losses"] as? [Double])
        let total = try #require(InstrumentTests.number(masked["loss"]))
        // Equal up to the order of the additions (one rounding).
        #expect(losses.count == 4 && abs(total - (losses[2] + losses[3])) <= 4e-16 * total, "\(total) vs \(losses)")
        #expect((masked["losses"] as? [Double]) == Array(losses[2...]))
    }

    @Test("BPTT with steps without a target agrees with central finite differences", arguments: CellKind.allCases)
    func gradients(cell: CellKind) throws {
        var random = RandomSource(seed: 11)
        var configuration = ModelConfiguration(inputSize: 3, hiddenSize: 4, outputSize: 3)
        configuration.cell = cell
        configuration.layers = 2
        configuration.initializer = .uniform(-0.5, 0.5)
        let model = RNNModel(configuration: configuration, random: &random)
        var example = SequenceExample(inputs: .classes([0, 1, 2, 0, 1], width: 3), targets: .classes([0, 0, 1, 0, 2], width: 3))
        example.targetMask = [false, false, true, false, true]
        let errors = model.gradientCheck(example, loss: .crossEntropy)
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
        // The steps without a target contribute nothing: changing their placeholder rows changes nothing.
        var moved = example
        moved.targetSteps = .classes([2, 1, 1, 2, 2], width: 3)
        #expect(model.lossAndGradients(moved, loss: .crossEntropy).gradients == model.lossAndGradients(example, loss: .crossEntropy).gradients)
    }

    @Test("∂L/∂W with steps without a target is Σ ∂L_t/∂W over the targeted steps (decompose's split)")
    func splitOverTargetedSteps() throws {
        let run = InstrumentTests.run(Self.reverse + Self.model("rnn") + "decompose net on full with xent for W\nbackward net on rev with xent")
        #expect(run.status == .ok, "\(run.errors)")
        let terms = try #require(run.result("decompose net on full with xent for W")["terms"] as? [[String: Any]])
        let t3 = InstrumentTests.matrix(terms[2]["matrix"]), t4 = InstrumentTests.matrix(terms[3]["matrix"])
        let grads = try #require(run.result("backward net on rev with xent")["grads"] as? [String: Any])
        let w = InstrumentTests.matrix(grads["W"])
        for i in 0..<4 { for j in 0..<4 { #expect(abs(w[i][j] - (t3[i][j] + t4[i][j])) <= 1e-15) } }
    }

    @Test("a sequence shows _ where a step has no target (text and JSON), and training fits the targeted steps")
    func shownAndTrained() {
        let text = runScript(Self.reverse + Self.model("rnn") + "optimizer opt = adam { lr 0.05 }\ntrain net on rev with xent, opt for 200 epochs\nexpect loss net on rev with xent < 0.05")
        #expect(text.status == .ok, "\(text.errors)\n\(text.output)")
        #expect(text.output.contains("rev: 4 inputs of width 3, 2 targets of width 3 (2 steps without, _)\n      inputs   a b <stop> a   (one-hot over v)\n      targets  _ _ b a   (classes of v)"), "\(text.output)")
        let json = InstrumentTests.run(Self.reverse)
        let sequence = json.result("sequence rev = inputs ['a', 'b', <stop>, 'a'] targets [_, _, 'b', 'a'] over v")
        #expect((sequence["no_target"] as? [Int]) == [1, 2])
        let symbols = sequence["target_symbols"] as? [Any] ?? []
        #expect(symbols.count == 4 && symbols[0] is NSNull && symbols[2] as? String == "b")
    }

    @Test("_ elsewhere, every target _, and outputs last with _ are errors at the spot")
    func misplaced() {
        let inInputs = runScript("sequence s = inputs [1, _] targets [1, 2]")
        #expect(inInputs.status == .scriptError && inInputs.errors.contains("test.rnn:1:25: error: '_' marks a step without a target"), "\(inInputs.errors)")
        let inMatrix = runScript("let m = [[1, _]]")
        #expect(inMatrix.status == .scriptError && inMatrix.errors.contains("'_' marks a step without a target"), "\(inMatrix.errors)")
        let allBlank = runScript("sequence s = inputs [1, 2] targets [_, _]")
        #expect(allBlank.status == .scriptError && allBlank.errors.contains("every target of sequence s is _"), "\(allBlank.errors)")
        let last = runScript("sequence s = inputs [1, 2] targets [_]\nmodel m = rnn { input 1; hidden 2; output 1; outputs last; readout linear }\nloss se = squared_error\nforward m on s with se")
        #expect(last.status == .scriptError, "\(last.output)")
        let underscoreName = runScript("let _x = 2\nshow _x")
        #expect(underscoreName.status == .ok, "\(underscoreName.errors)")
    }

    @Test("lines of … paired: read the source, then answer; no target while reading; a line without a tab is an error")
    func pairedLines() {
        let host = TestHost()
        host.files["pairs.txt"] = "ab\tba\nabb\tbba\n"
        let run = InstrumentTests.run("vocab v = ['a', 'b', <stop>]\ndataset d = lines of \"pairs.txt\" over v paired", host: host)
        #expect(run.status == .ok, "\(run.errors)")
        let text = runScript("vocab v = ['a', 'b', <stop>]\ndataset d = lines of \"pairs.txt\" over v paired", host: host).output
        // "ab" → "ba<stop>": inputs a b b a, targets _ b a <stop>.
        #expect(text.contains("d[1]: 4 inputs of width 3, 3 targets of width 3 (1 step without, _)\n        inputs   a b b a   (one-hot over v)\n        targets  _ b a <stop>"), "\(text)")
        #expect(text.contains("targets  _ _ b b a <stop>"), "\(text)")
        host.files["bad.txt"] = "ab ba\n"
        let bad = runScript("vocab v = ['a', 'b', ' ', <stop>]\ndataset d = lines of \"bad.txt\" over v paired", host: host)
        #expect(bad.status != .ok && bad.errors.contains("bad.txt:1: no tab between the source and the target"), "\(bad.errors)")
    }
}
