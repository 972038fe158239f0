import Testing
@testable import RNNRuntime

/// A Float32 batch of 8 or more runs as two halves on two threads; its
/// gradients, losses and final states must be those of the whole batch in
/// one workspace (up to Float32 rounding of the one extra addition), and the
/// same on every run.
@Suite("Split training batches")
struct TrainingPassTests {
    static let lengths = [3, 5, 2, 4, 6, 1, 3, 5, 4, 2, 6]  // 11 sequences: halves of 6 and 5

    @Test("only Float32 batches of 8 or more are split")
    func policy() {
        #expect(TrainingPass<Float>.shouldSplit(batch: 8) && TrainingPass<Float>.shouldSplit(batch: 32))
        #expect(!TrainingPass<Float>.shouldSplit(batch: 7))
        #expect(!TrainingPass<Double>.shouldSplit(batch: 32))
    }

    @Test("halves on two threads give the whole batch's gradients, losses and states",
          arguments: [CellKind.rnn, .lstm, .gru], [Truncation.none, .window(2)])
    func sameAsOneWorkspace(_ cell: CellKind, _ truncation: Truncation) {
        let model = BatchTests.model(cell, layers: 2).with(precision: .float32)
        let batch = BatchTests.data(Self.lengths)
        let network = PackedNetwork<Float>(model)
        let B = batch.count, S = model.configuration.stateWidth
        let whole = Workspace<Float>(network: network, batch: B, capacity: 6)
        let split = TrainingPass<Float>(network: network, batch: B, capacity: 6)
        #expect(split.parts.map(\.B) == [6, 5])
        let entering = (0..<(B * S)).map { Float(($0 % 7) - 3) * 0.1 }
        var window: Int? = nil
        if case let .window(k) = truncation { window = k }
        whole.forward(batch, span: 0..<6, entering: entering, loss: .crossEntropy, scale: 1 / Float(B))
        whole.backward(window: window)
        split.use(parameters: whole.parameters)
        split.forward(batch, span: 0..<6, entering: entering, loss: .crossEntropy, scale: 1 / Float(B))
        split.backward(window: window)

        for (a, b) in zip(split.sequenceLosses, whole.sequenceLosses) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b))) }
        let states = zip(split.finalState(), whole.finalState()).map { abs($0 - $1) }.max() ?? 0
        #expect(states <= 1e-6)
        let scale = whole.grads.map(\.magnitude).max() ?? 0
        let worst = zip(split.gradients, whole.grads).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0 && worst <= 1e-5 * scale, "\(cell) \(truncation): |Δ| \(worst) at scale \(scale)")
    }

    @Test("training with split batches is reproducible and reports two threads; Float64 uses one")
    func reproducible() {
        let data = BatchTests.data(Self.lengths)
        func run(_ precision: Precision) -> (RNNModel, TrainingResult) {
            var m = BatchTests.model(.lstm).with(precision: precision)
            var o = BatchTests.optimizer(.adam, lr: 0.05)
            var random = RandomSource(seed: 4)
            let r = m.train(on: data, loss: .crossEntropy, optimizer: &o,
                            options: TrainingOptions(epochs: 3, truncation: .chunks(3), batchSize: 11, shuffle: true), random: &random)
            return (m, r)
        }
        let (a, ra) = run(.float32), (b, rb) = run(.float32), (c, rc) = run(.float64)
        #expect(a.parameters == b.parameters && ra.epochLosses == rb.epochLosses)
        #expect(ra.threads == 2 && rc.threads == 1)
        PrecisionTests.expectScaledClose(a.parameters, c.parameters, tol: 1e-4, names: a.parameterNames)
    }
}
