import Foundation
import Testing
@testable import RNNRuntime

@Suite("Training")
struct TrainingTests {
    static func sgd(_ lr: Double) -> OptimizerState {
        var s = OptimizerSettings(kind: .sgd)
        s.lr = lr
        return OptimizerState(settings: s)
    }

    static func adam(_ lr: Double) -> OptimizerState {
        var s = OptimizerSettings(kind: .adam)
        s.lr = lr
        return OptimizerState(settings: s)
    }

    /// Two sequences of lengths 5 and 7 for a 3 → 4 → 3 tanh/softmax model.
    static func data(seed: UInt64 = 99) -> [SequenceExample] {
        var random = RandomSource(seed: seed)
        return [5, 7].map { T in
            SequenceExample(inputs: random.matrix(T, 3, -1, 1), targets: random.oneHotRows(T, 3))
        }
    }

    static func model(seed: UInt64 = 42, outputs: OutputPlacement = .every) -> RNNModel {
        var random = RandomSource(seed: seed)
        return RNNModel(configuration: configuration(.tanh, .softmax, outputs: outputs), random: &random)
    }

    @Test("the loss decreases on a learnable task (CS7015 'deep' → 'eep<stop>')")
    func lossDecreases() {
        var (model, example) = HandWorkedTests.cs7015(.uniform(-0.5, 0.5))
        let initial = model.loss(example, loss: .crossEntropy)
        var optimizer = Self.adam(0.05)
        var seen: [(Int, Double)] = []
        let result = model.train(
            on: [example], loss: .crossEntropy, optimizer: &optimizer, options: TrainingOptions(epochs: 150),
            onEpoch: { seen.append(($0, $1)) })
        #expect(result.stop == nil)
        #expect(result.updates == 150)
        #expect(result.epochLosses.count == 150)
        #expect(seen.map(\.0) == Array(1...150))
        #expect(seen.map(\.1) == result.epochLosses)
        // The first epoch's loss is the loss before any update (one sequence, full BPTT).
        expectClose(result.epochLosses[0], initial, tol: 1e-13)
        let final = model.loss(example, loss: .crossEntropy)
        #expect(final < 0.05 * initial, "loss \(initial) → \(final)")
        #expect(result.epochLosses.last! < result.epochLosses.first!)
        // The model has learned the mapping: argmax ŷ_t is the target at every step.
        let trace = model.forward(example, loss: .crossEntropy)
        for (t, c) in [1, 1, 2, 3].enumerated() {
            let row = trace.outputs.row(t)
            #expect(row.firstIndex(of: row.max()!) == c)
        }
    }

    @Test("the epoch loss is the mean over sequences of each one's loss at the weights of its pass")
    func epochLossIsMean() {
        let data = Self.data()
        var model = Self.model()
        let p0 = model
        var optimizer = Self.sgd(0.1)
        let result = model.train(on: data, loss: .crossEntropy, optimizer: &optimizer, options: TrainingOptions(epochs: 1))
        // Replay: L_a at θ₀, step, L_b at θ₁, step.
        var replay = p0
        var opt = Self.sgd(0.1)
        let a = replay.lossAndGradients(data[0], loss: .crossEntropy)
        opt.step(parameters: &replay.parameters, gradients: a.gradients)
        let b = replay.lossAndGradients(data[1], loss: .crossEntropy)
        opt.step(parameters: &replay.parameters, gradients: b.gradients)
        expectClose(result.epochLosses, [(a.loss + b.loss) / 2], tol: 1e-13)
        expectClose(model.parameters, replay.parameters, tol: 1e-14, names: model.parameterNames)
    }

    @Test("a huge learning rate stops with .nonFinite and keeps the last finite parameters")
    func nonFinite() {
        let cfg = configuration(n: 3, d: 4, k: 3, .linear, .linear, outputs: .every, bias: true)
        let start = randomModel(cfg, seed: 3)
        var random = RandomSource(seed: 8)
        let example = SequenceExample(inputs: random.matrix(5, 3, -1, 1), targets: random.matrix(5, 3, -1, 1))
        var model = start
        var optimizer = Self.sgd(1e30)
        let result = model.train(
            on: [example], loss: .squaredError, optimizer: &optimizer, options: TrainingOptions(epochs: 50))
        guard case let .nonFinite(epoch, sequence, update, what)? = result.stop else {
            Issue.record("expected .nonFinite, got \(String(describing: result.stop))")
            return
        }
        #expect(model.parameters.allSatisfy { $0.isFinite })
        #expect(sequence == 1)
        #expect(update == result.updates + 1)
        #expect(epoch == result.updates + 1, "one update per epoch here")
        #expect(result.epochLosses.count == epoch - 1)
        #expect(what == "loss" || what.hasPrefix("gradient of ") || what.hasPrefix("parameter "), "\(what)")

        // Replay the loop by hand: the kept parameters are those after the last finite update.
        var replay = start
        var opt = Self.sgd(1e30)
        for _ in 0..<result.updates {
            let g = replay.lossAndGradients(example, loss: .squaredError).gradients
            opt.step(parameters: &replay.parameters, gradients: g)
        }
        #expect(model.parameters == replay.parameters)
    }

    @Test("a non-finite parameter after a step is rolled back")
    func nonFiniteParameterRollsBack() {
        // Hand model (HandWorkedTests): one step with lr 1e308 overflows some parameters to ±inf.
        var (model, example) = HandWorkedTests.linearModel()
        let before = model.parameters
        var optimizer = Self.sgd(1e308)
        let result = model.train(on: [example], loss: .squaredError, optimizer: &optimizer, options: TrainingOptions(epochs: 3))
        #expect(result.stop == .nonFinite(epoch: 1, sequence: 1, update: 1, what: "parameter U"))
        #expect(result.updates == 0)
        #expect(model.parameters == before)
    }

    @Test("shouldStop returning true gives .interrupted after that update")
    func interrupted() {
        let data = Self.data()
        var model = Self.model()
        let before = model.parameters
        var optimizer = Self.sgd(0.1)
        let result = model.train(
            on: data, loss: .crossEntropy, optimizer: &optimizer, options: TrainingOptions(epochs: 10),
            shouldStop: { true })
        #expect(result.stop == .interrupted(epoch: 1, update: 1))
        #expect(result.updates == 1)
        #expect(result.epochLosses.isEmpty)
        #expect(model.parameters != before, "the update before the poll is kept")

        // Stop after the third update: two sequences per epoch, so during epoch 2.
        var model2 = Self.model()
        var optimizer2 = Self.sgd(0.1)
        var polls = 0
        let r2 = model2.train(
            on: data, loss: .crossEntropy, optimizer: &optimizer2, options: TrainingOptions(epochs: 10),
            shouldStop: { polls += 1; return polls == 3 })
        #expect(r2.stop == .interrupted(epoch: 2, update: 3))
        #expect(r2.updates == 3)
        #expect(r2.epochLosses.count == 1)
        #expect(optimizer2.stepCount == 3)
    }

    @Test("the same seed gives identical parameters; another seed does not")
    func determinism() {
        func run(seed: UInt64) -> (RNNModel, TrainingResult) {
            var model = Self.model(seed: seed)
            var optimizer = Self.adam(0.01)
            let result = model.train(
                on: Self.data(), loss: .crossEntropy, optimizer: &optimizer,
                options: TrainingOptions(epochs: 10, truncation: .chunks(3), clipping: .norm(1)))
            return (model, result)
        }
        let (a, ra) = run(seed: 42)
        let (b, rb) = run(seed: 42)
        #expect(a.parameters == b.parameters)
        #expect(ra.epochLosses == rb.epochLosses)
        #expect(ra == rb)
        let (c, _) = run(seed: 43)
        #expect(a.parameters != c.parameters)
    }

    @Test("updates per epoch: ceil(T/K) per sequence for chunks(K), one per sequence otherwise",
          arguments: [(Truncation.chunks(1), 12), (.chunks(2), 7), (.chunks(3), 5), (.chunks(5), 3),
                      (.chunks(7), 2), (.chunks(10), 2), (.window(2), 2), (.none, 2)])
    func updatesPerEpoch(_ truncation: Truncation, _ perEpoch: Int) {
        // T = 5 and 7: chunks(2) → 3 + 4 = 7, chunks(3) → 2 + 3 = 5, chunks(5) → 1 + 2 = 3.
        var model = Self.model()
        var optimizer = Self.sgd(0.01)
        let result = model.train(
            on: Self.data(), loss: .crossEntropy, optimizer: &optimizer,
            options: TrainingOptions(epochs: 3, truncation: truncation))
        #expect(result.stop == nil)
        #expect(result.updates == 3 * perEpoch)
        #expect(optimizer.stepCount == 3 * perEpoch)
        #expect(result.epochLosses.count == 3)
    }

    @Test("chunks(K) training: update after every chunk, carrying the state computed before the update")
    func chunkTrainingSemantics() {
        let example = Self.data()[0]  // T = 5
        var model = Self.model()
        let start = model
        var optimizer = Self.sgd(0.5)
        let result = model.train(
            on: [example], loss: .crossEntropy, optimizer: &optimizer,
            options: TrainingOptions(epochs: 1, truncation: .chunks(2)))
        #expect(result.updates == 3)

        // Replay: spans 0..<2, 2..<4, 4..<5.
        var replay = start
        var state = replay.initialState
        var total = 0.0
        for span in [0..<2, 2..<4, 4..<5] {
            let trace = replay.forward(example, span: span, from: state, loss: .crossEntropy)
            let g = replay.gradients(of: trace)
            total += trace.loss
            state = trace.finalState  // computed with the weights before this update
            for p in replay.parameters.indices { replay.parameters[p].add(g[p], scaledBy: -0.5) }
        }
        expectClose(model.parameters, replay.parameters, tol: 1e-14, names: model.parameterNames)
        expectClose(result.epochLosses, [total], tol: 1e-13)
        // Not the same as re-running the chunk-2 state with updated weights.
        var other = start
        for span in [0..<2, 2..<4, 4..<5] {
            let entering = span.lowerBound == 0
                ? other.initialState
                : other.forward(example, span: 0..<span.lowerBound, from: other.initialState, loss: .crossEntropy).finalState
            let g = other.gradients(of: other.forward(example, span: span, from: entering, loss: .crossEntropy))
            for p in other.parameters.indices { other.parameters[p].add(g[p], scaledBy: -0.5) }
        }
        #expect(maxRelativeError(other.parameters, model.parameters) > 1e-6)
    }

    @Test("window(K) training: one update per sequence with the windowed gradient")
    func windowTraining() {
        let example = Self.data()[1]
        var model = Self.model()
        let start = model
        var optimizer = Self.sgd(0.5)
        let result = model.train(
            on: [example], loss: .crossEntropy, optimizer: &optimizer,
            options: TrainingOptions(epochs: 1, truncation: .window(2)))
        #expect(result.updates == 1)
        let (loss, g) = start.lossAndGradients(example, loss: .crossEntropy, truncation: .window(2))
        var expected = start.parameters
        for p in expected.indices { expected[p].add(g[p], scaledBy: -0.5) }
        expectClose(model.parameters, expected, tol: 1e-14, names: model.parameterNames)
        expectClose(result.epochLosses, [loss], tol: 1e-13)
    }

    @Test("zero epochs and empty data do nothing")
    func degenerate() {
        var model = Self.model()
        let before = model.parameters
        var optimizer = Self.sgd(0.1)
        let r0 = model.train(on: Self.data(), loss: .crossEntropy, optimizer: &optimizer, options: TrainingOptions(epochs: 0))
        #expect(r0.updates == 0 && r0.epochLosses.isEmpty && r0.stop == nil)
        let r1 = model.train(on: [], loss: .crossEntropy, optimizer: &optimizer, options: TrainingOptions(epochs: 2))
        #expect(r1.updates == 0 && r1.epochLosses == [0, 0])
        #expect(model.parameters == before)
    }
}
