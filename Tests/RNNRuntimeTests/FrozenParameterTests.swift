import Testing
@testable import RNNRuntime

/// `TrainingOptions.frozen`: training leaves a frozen parameter and its
/// optimizer state unchanged, and its gradient stays out of clipping's norm.
struct FrozenParameterTests {
    static func model(_ cell: CellKind, precision: Precision = .float64) -> RNNModel {
        var random = RandomSource(seed: 5)
        var configuration = ModelConfiguration(inputSize: 3, hiddenSize: 4, outputSize: 3)
        configuration.cell = cell
        configuration.initializer = .uniform(-0.5, 0.5)
        configuration.precision = precision
        return RNNModel(configuration: configuration, random: &random)
    }

    static let example = SequenceExample(inputs: .classes([0, 1, 2, 1], width: 3), targets: .classes([1, 2, 1, 0], width: 3))

    static func settings(_ kind: OptimizerKind) -> OptimizerSettings {
        var s = OptimizerSettings(kind: kind)
        s.lr = 0.05
        s.weightDecay = 0.01
        if kind == .sgd { s.momentum = 0.9 }
        return s
    }

    @Test("a frozen parameter and its optimizer state do not change, with weight decay, for every rule, cell and precision",
          arguments: OptimizerKind.allCases, [CellKind.rnn, .lstm, .gru])
    func unchanged(kind: OptimizerKind, cell: CellKind) {
        for precision in [Precision.float64, .float32] {
            var model = Self.model(cell, precision: precision)
            let before = model.parameters
            let w = model.parameterIndex(named: cell == .rnn ? "W" : cell == .lstm ? "W_f" : "W_n")!
            var options = TrainingOptions(epochs: 5, clipping: .norm(0.5))
            options.frozen = [w, model.parameters.count - 1]  // a weight and c
            var state = OptimizerState(settings: Self.settings(kind))
            _ = model.train(on: [Self.example], loss: .crossEntropy, optimizer: &state, options: options)
            for (p, (old, new)) in zip(before, model.parameters).enumerated() {
                if options.frozen.contains(p) { #expect(old == new, "\(model.parameterNames[p]) moved in \(precision)") }
                else { #expect(old != new, "\(model.parameterNames[p]) did not train") }
            }
            for buffer in [state.first, state.second, state.third] where !buffer.isEmpty {
                for p in options.frozen { #expect(buffer[p].allSatisfy { $0 == 0 }, "state of \(model.parameterNames[p])") }
            }
        }
    }

    @Test("one SGD step with clip norm: the others move by lr·g·c/‖g without the frozen part‖")
    func clippingExcludesFrozen() {
        var model = Self.model(.rnn)
        let before = model.parameters
        let g = model.lossAndGradients(Self.example, loss: .crossEntropy).gradients
        let frozen = model.parameterIndex(named: "W")!
        let norm = g.enumerated().filter { $0.offset != frozen }.map { $0.element.storage.reduce(0) { $0 + $1 * $1 } }.reduce(0, +).squareRoot()
        let c = norm / 4  // clipping certainly acts
        var options = TrainingOptions(epochs: 1, clipping: .norm(c))
        options.frozen = [frozen]
        var settings = OptimizerSettings(kind: .sgd)
        settings.lr = 0.1
        var state = OptimizerState(settings: settings)
        _ = model.train(on: [Self.example], loss: .crossEntropy, optimizer: &state, options: options)
        #expect(model.parameters[frozen] == before[frozen])
        for p in model.parameters.indices where p != frozen {
            for (i, (new, old)) in zip(model.parameters[p].storage, before[p].storage).enumerated() {
                let expected = old - 0.1 * g[p].storage[i] * (c / (norm + 1e-6))  // PyTorch's clip_grad_norm_
                #expect(abs(new - expected) <= 1e-15 * max(1, abs(expected)), "\(model.parameterNames[p])[\(i)]")
            }
        }
    }
}
