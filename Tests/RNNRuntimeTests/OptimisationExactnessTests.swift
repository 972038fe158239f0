import Testing
@testable import RNNRuntime

/// The fast paths must compute what the plain ones do: one-hot inputs as a row
/// lookup against the same inputs as dense rows, batch-1 gemv against a batch
/// of identical sequences (gemm), and the flat transactional optimizer of a
/// training run against `OptimizerState` stepping per-parameter matrices.
@Suite("Optimisations give the plain results")
struct OptimisationExactnessTests {
    static func model(_ cell: CellKind, layers: Int = 1, seed: UInt64 = 3) -> RNNModel {
        var random = RandomSource(seed: seed)
        return RNNModel(configuration: ModelConfiguration(inputSize: 5, hiddenSize: 4, outputSize: 5,
                                                         initializer: .uniform(-0.5, 0.5), cell: cell, layers: layers), random: &random)
    }

    static let classes: [Int32] = [0, 3, 1, 4, 4, 2, 0]

    static func classExample() -> SequenceExample {
        SequenceExample(inputs: .classes(Array(classes.dropLast()), width: 5), targets: .classes(Array(classes.dropFirst()), width: 5))
    }

    static func denseExample() -> SequenceExample {
        let c = classExample()
        return SequenceExample(inputs: c.inputSteps.matrix, targets: c.targetSteps.matrix)
    }

    static func maxDifference(_ a: [Matrix], _ b: [Matrix]) -> Double {
        zip(a, b).map { zip($0.storage, $1.storage).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
    }

    @Test("one-hot inputs by lookup equal dense one-hot rows", arguments: [CellKind.rnn, .lstm, .gru])
    func oneHot(_ cell: CellKind) {
        let m = Self.model(cell, layers: 2)
        for truncation in [Truncation.none, .chunks(2), .window(3)] {
            let a = m.lossAndGradients(Self.classExample(), loss: .crossEntropy, truncation: truncation)
            let b = m.lossAndGradients(Self.denseExample(), loss: .crossEntropy, truncation: truncation)
            #expect(abs(a.loss - b.loss) <= 1e-13)
            #expect(Self.maxDifference(a.gradients, b.gradients) <= 1e-13, "\(cell) \(truncation)")
        }
    }

    @Test("batch 1 (matrix-vector products) equals a batch of identical sequences", arguments: [CellKind.rnn, .lstm, .gru])
    func batchOfOne(_ cell: CellKind) {
        let m = Self.model(cell)
        let single = m.batchLossAndGradients([Self.denseExample()], loss: .crossEntropy)
        let pair = m.batchLossAndGradients([Self.denseExample(), Self.denseExample()], loss: .crossEntropy)
        #expect(abs(single.losses[0] - pair.losses[1]) <= 1e-13)
        #expect(Self.maxDifference(single.gradients, pair.gradients) <= 1e-13)
    }

    @Test("training's flat optimizer equals OptimizerState on per-parameter matrices",
          arguments: [OptimizerKind.sgd, .adagrad, .rmsprop, .adam])
    func flatOptimizer(_ kind: OptimizerKind) {
        var settings = OptimizerSettings(kind: kind)
        settings.lr = 0.05
        if kind == .sgd { settings.momentum = 0.9; settings.nesterov = true }
        if kind == .rmsprop { settings.centered = true; settings.momentum = 0.5 }
        settings.weightDecay = 0.01
        var trained = Self.model(.lstm)
        var replay = trained
        var flatState = OptimizerState(settings: settings)
        _ = trained.train(on: [Self.classExample()], loss: .crossEntropy, optimizer: &flatState,
                          options: TrainingOptions(epochs: 5, truncation: .chunks(3), clipping: .norm(0.5)))
        // The same updates by hand: per-chunk gradients, norm clipping, OptimizerState.step.
        var plain = OptimizerState(settings: settings)
        let example = Self.classExample()
        for _ in 0..<5 {
            var state = replay.initialState
            for start in stride(from: 0, to: example.stepCount(.every), by: 3) {
                let trace = replay.forward(example, span: start..<min(start + 3, example.stepCount(.every)), from: state, loss: .crossEntropy)
                var g = replay.gradients(of: trace)
                Clipping.norm(0.5).apply(to: &g)
                plain.step(parameters: &replay.parameters, gradients: g)
                state = trace.finalState
            }
        }
        #expect(Self.maxDifference(trained.parameters, replay.parameters) <= 1e-12, "\(kind)")
        #expect(flatState.stepCount == plain.stepCount)
    }

    @Test("packing a model and unpacking it gives back every parameter", arguments: [CellKind.rnn, .lstm, .gru])
    func packing(_ cell: CellKind) {
        let m = Self.model(cell, layers: 3)
        let packed = PackedNetwork<Double>(m)
        #expect(packed.matrices(packed.values) == m.parameters)
        #expect(packed.values.count == m.configuration.parameterCount)
    }
}

/// `sequenceLoss` evaluates a long sequence in spans that carry the state:
/// the same bits as one whole forward pass, without its trace.
@Suite("Loss of a long sequence in spans")
struct SequenceLossTests {
    @Test("spans of 4096 steps give the bits of one pass", arguments: [CellKind.rnn, .lstm, .gru], [Precision.float64, .float32])
    func sameBits(_ cell: CellKind, _ precision: Precision) {
        var random = RandomSource(seed: 11)
        let model = RNNModel(configuration: ModelConfiguration(inputSize: 5, hiddenSize: 6, outputSize: 5,
                                                               initializer: .uniform(-0.5, 0.5), cell: cell, layers: 2,
                                                               precision: precision), random: &random)
        let classes = (0..<(RNNModel.lossSpan + 905)).map { _ in Int32(random.index(below: 5)) }
        let example = SequenceExample(inputs: .classes(Array(classes.dropLast()), width: 5),
                                      targets: .classes(Array(classes.dropFirst()), width: 5))
        let whole = model.forward(example, loss: .crossEntropy).loss
        #expect(model.sequenceLoss(example, loss: .crossEntropy).bitPattern == whole.bitPattern)
        #expect(whole.isFinite && whole > 0)
    }
}
