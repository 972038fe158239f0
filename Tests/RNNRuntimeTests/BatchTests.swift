import Foundation
import Testing
@testable import RNNRuntime

/// Batches of sequences (SPEC §1: the loss of a batch is the mean over its
/// sequences of each one's Σ_t L_t), mini-batch training, shuffling and validation.
@Suite("Batches, mini-batch training, shuffling, validation")
struct BatchTests {
    /// A 3 → 4 → 3 model of the given cell and depth (softmax readout, cross entropy).
    static func model(_ cell: CellKind, layers: Int = 1, outputs: OutputPlacement = .every, seed: UInt64 = 21) -> RNNModel {
        let cfg = ModelConfiguration(
            inputSize: 3, hiddenSize: 4, outputSize: 3, readout: .softmax, outputs: outputs, bias: true,
            initializer: .uniform(-0.5, 0.5), cell: cell, layers: layers)
        return randomModel(cfg, seed: seed, range: (-0.7, 0.7))
    }

    /// Sequences of different lengths with class targets; with `outputs every` one of them
    /// has fewer inputs than targets (zero inputs after its last input).
    static func data(_ lengths: [Int], outputs: OutputPlacement = .every, seed: UInt64 = 5) -> [SequenceExample] {
        var random = RandomSource(seed: seed)
        return lengths.enumerated().map { index, T in
            let inputRows = outputs == .every && index == 1 ? max(1, T - 2) : T
            return SequenceExample(
                inputs: random.matrix(inputRows, 3, -1, 1), targets: random.oneHotRows(outputs == .every ? T : 1, 3))
        }
    }

    static func optimizer(_ kind: OptimizerKind = .adam, lr: Double = 0.02) -> OptimizerState {
        var s = OptimizerSettings(kind: kind)
        s.lr = lr
        return OptimizerState(settings: s)
    }

    /// The mean of matrices, elementwise.
    static func mean(_ lists: [[Matrix]]) -> [Matrix] {
        var total = lists[0].map { Matrix(rows: $0.rows, cols: $0.cols) }
        for list in lists { for p in total.indices { total[p].add(list[p]) } }
        return total.map { $0.map { $0 / Double(lists.count) } }
    }

    struct BatchCase: Sendable, CustomTestStringConvertible {
        let cell: CellKind, layers: Int, outputs: OutputPlacement, truncation: Truncation
        var testDescription: String { "\(cell.rawValue) ×\(layers)/outputs \(outputs.rawValue)/\(truncation)" }
    }

    static let batchCases: [BatchCase] = CellKind.allCases.flatMap { cell in
        [1, 2].flatMap { layers in
            [OutputPlacement.every, .last].flatMap { outputs in
                [Truncation.none, .chunks(2), .chunks(3), .window(2)].map {
                    BatchCase(cell: cell, layers: layers, outputs: outputs, truncation: $0)
                }
            }
        }
    }

    // MARK: - batchLossAndGradients

    @Test("batchLossAndGradients over sequences of different lengths = the mean of per-sequence lossAndGradients",
          arguments: batchCases)
    func batchIsMeanOfSequences(_ c: BatchCase) {
        let model = Self.model(c.cell, layers: c.layers, outputs: c.outputs)
        let batch = Self.data([3, 5, 2, 4], outputs: c.outputs)
        let result = model.batchLossAndGradients(batch, loss: .crossEntropy, truncation: c.truncation)
        let singles = batch.map { model.lossAndGradients($0, loss: .crossEntropy, truncation: c.truncation) }
        expectClose(result.losses, singles.map(\.loss), tol: 1e-12, "per-sequence losses")
        expectClose(result.gradients, Self.mean(singles.map(\.gradients)), tol: 1e-12, names: model.parameterNames)
        // The per-sequence losses are each sequence's Σ_t L_t (truncation cuts gradients, not losses).
        for (example, loss) in zip(batch, result.losses) {
            expectClose(loss, model.loss(example, loss: .crossEntropy), tol: 1e-12, "Σ_t L_t")
        }
        expectClose(result.losses.reduce(0, +) / 4, model.batchLoss(batch, loss: .crossEntropy), tol: 1e-12, "batchLoss")
        // The sequences really differ (so the mean is not trivially one of them).
        #expect(maxRelativeError(singles[0].gradients, singles[1].gradients) > 1e-3)

        // The order of the batch only permutes the losses.
        let reversed = model.batchLossAndGradients(batch.reversed(), loss: .crossEntropy, truncation: c.truncation)
        expectClose(reversed.losses, result.losses.reversed(), tol: 1e-12, "reversed losses")
        expectClose(reversed.gradients, result.gradients, tol: 1e-12, names: model.parameterNames)
    }

    @Test("a batch of one is lossAndGradients; a batch of two equal sequences has that sequence's gradient")
    func degenerateBatches() {
        for cell in CellKind.allCases {
            let model = Self.model(cell, layers: 2)
            let example = Self.data([4])[0]
            let single = model.lossAndGradients(example, loss: .crossEntropy)
            let one = model.batchLossAndGradients([example], loss: .crossEntropy)
            #expect(one.losses == [single.loss])
            expectClose(one.gradients, single.gradients, tol: 0, names: model.parameterNames)
            let two = model.batchLossAndGradients([example, example], loss: .crossEntropy)
            expectClose(two.losses, [single.loss, single.loss], tol: 1e-14)
            expectClose(two.gradients, single.gradients, tol: 1e-14, names: model.parameterNames)
        }
    }

    // MARK: - Mini-batch training

    @Test("training with batchSize 2 = a hand-rolled loop of optimizer steps on mean batch gradients",
          arguments: CellKind.allCases, [Truncation.none, .window(2)])
    func miniBatchTraining(_ cell: CellKind, _ truncation: Truncation) {
        let data = Self.data([3, 5, 2, 4, 6])
        let start = Self.model(cell, layers: 2)
        var model = start
        var optimizer = Self.optimizer()
        var random = RandomSource(seed: 1)
        let result = model.train(
            on: data, loss: .crossEntropy, optimizer: &optimizer,
            options: TrainingOptions(epochs: 2, truncation: truncation, batchSize: 2), random: &random)
        #expect(result.stop == nil)
        #expect(result.updates == 2 * 3, "batches [0, 1], [2, 3], [4] per epoch")
        #expect(optimizer.stepCount == 6)

        var replay = start
        var opt = Self.optimizer()
        var epochLosses: [Double] = []
        for _ in 0..<2 {
            var total = 0.0
            for members in [[0, 1], [2, 3], [4]] {
                let singles = members.map { replay.lossAndGradients(data[$0], loss: .crossEntropy, truncation: truncation) }
                total += singles.map(\.loss).reduce(0, +)
                opt.step(parameters: &replay.parameters, gradients: Self.mean(singles.map(\.gradients)))
            }
            epochLosses.append(total / Double(data.count))
        }
        expectClose(model.parameters, replay.parameters, tol: 1e-12, names: model.parameterNames)
        expectClose(result.epochLosses, epochLosses, tol: 1e-12, "epoch losses")
        // Batching matters: one sequence per update gives other parameters.
        var unbatched = start
        var opt1 = Self.optimizer()
        _ = unbatched.train(on: data, loss: .crossEntropy, optimizer: &opt1, options: TrainingOptions(epochs: 2, truncation: truncation))
        #expect(opt1.stepCount == 10)
        #expect(maxRelativeError(unbatched.parameters, model.parameters) > 1e-4)
    }

    @Test("chunks(K) with batches: ceil(max length / K) updates per batch, each on the mean chunk gradient, state carried",
          arguments: CellKind.allCases, [1, 2, 3, 4])
    func chunkedBatches(_ cell: CellKind, _ K: Int) {
        // Batches of 2: lengths [3, 5] → ceil(5/K), [2, 4] → ceil(4/K), [6] → ceil(6/K).
        let lengths = [3, 5, 2, 4, 6]
        let data = Self.data(lengths)
        let start = Self.model(cell)
        var model = start
        var optimizer = Self.optimizer(.sgd, lr: 0.3)
        var random = RandomSource(seed: 1)
        let result = model.train(
            on: data, loss: .crossEntropy, optimizer: &optimizer,
            options: TrainingOptions(epochs: 1, truncation: .chunks(K), batchSize: 2), random: &random)
        let perBatch = [5, 4, 6].map { ($0 + K - 1) / K }
        #expect(result.updates == perBatch.reduce(0, +))
        #expect(optimizer.stepCount == result.updates)

        // Replay: per batch, per chunk of its longest sequence, every member runs the chunk from
        // its own carried state (computed with the weights before this update).
        var replay = start
        var opt = Self.optimizer(.sgd, lr: 0.3)
        var total = 0.0, updates = 0
        for members in [[0, 1], [2, 3], [4]] {
            let longest = members.map { lengths[$0] }.max()!
            var states = members.map { _ in replay.initialState }
            for chunkStart in stride(from: 0, to: longest, by: K) {
                let span = chunkStart..<min(chunkStart + K, longest)
                var gradients: [[Matrix]] = []
                for (slot, member) in members.enumerated() {
                    let trace = replay.forward(data[member], span: span, from: states[slot], loss: .crossEntropy)
                    gradients.append(replay.gradients(of: trace))
                    total += trace.loss
                    states[slot] = trace.finalState
                }
                opt.step(parameters: &replay.parameters, gradients: Self.mean(gradients))
                updates += 1
            }
        }
        #expect(updates == result.updates)
        expectClose(model.parameters, replay.parameters, tol: 1e-12, names: model.parameterNames)
        expectClose(result.epochLosses, [total / 5], tol: 1e-12, "epoch loss")
    }

    // MARK: - Shuffling

    /// Trains one epoch, one sequence per update, with shuffling from `seed`.
    static func shuffledRun(_ cell: CellKind, data: [SequenceExample], seed: UInt64?, epochs: Int = 1, batchSize: Int = 1)
        -> (RNNModel, TrainingResult) {
        var model = Self.model(cell)
        var optimizer = Self.optimizer(.sgd, lr: 0.5)
        var random = RandomSource(seed: seed ?? 0)
        let result = model.train(
            on: data, loss: .crossEntropy, optimizer: &optimizer,
            options: TrainingOptions(epochs: epochs, batchSize: batchSize, shuffle: seed != nil), random: &random)
        return (model, result)
    }

    /// Replays SGD over `batches` (indices into data) from `start`.
    static func replay(_ start: RNNModel, _ data: [SequenceExample], batches: [[Int]]) -> RNNModel {
        var model = start
        var opt = Self.optimizer(.sgd, lr: 0.5)
        for members in batches {
            let g = Self.mean(members.map { model.lossAndGradients(data[$0], loss: .crossEntropy).gradients })
            opt.step(parameters: &model.parameters, gradients: g)
        }
        return model
    }

    static func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i -> [[Int]] in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(rest).map { [first] + $0 }
        }
    }

    /// The visiting order whose replay gives `model` exactly (nil if none or several do).
    static func visitingOrder(_ model: RNNModel, from start: RNNModel, _ data: [SequenceExample]) -> [Int]? {
        let matches = permutations(Array(data.indices)).filter { order in
            maxRelativeError(replay(start, data, batches: order.map { [$0] }).parameters, model.parameters) < 1e-12
        }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Fisher–Yates as documented for `train`: for i from the last index down to 1, swap i
    /// with a uniform index in 0…i drawn by `RandomSource.index(below: i + 1)`.
    static func fisherYates(_ order: [Int], _ random: inout RandomSource) -> [Int] {
        var order = order
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.index(below: i + 1)) }
        return order
    }

    @Test("shuffle: the same seed gives the same order and parameters, another seed another order",
          arguments: CellKind.allCases)
    func shuffleOrder(_ cell: CellKind) throws {
        let data = Self.data([3, 5, 2, 4])
        let start = Self.model(cell)

        // Without shuffling, the data order.
        let (plain, _) = Self.shuffledRun(cell, data: data, seed: nil)
        #expect(Self.visitingOrder(plain, from: start, data) == [0, 1, 2, 3])

        let (a, ra) = Self.shuffledRun(cell, data: data, seed: 7)
        let (b, rb) = Self.shuffledRun(cell, data: data, seed: 7)
        #expect(a.parameters == b.parameters, "same seed, same parameters")
        #expect(ra == rb)
        let (c, _) = Self.shuffledRun(cell, data: data, seed: 8)

        let orderA = try #require(Self.visitingOrder(a, from: start, data), "seed 7: a permutation of the data")
        let orderC = try #require(Self.visitingOrder(c, from: start, data), "seed 8: a permutation of the data")
        #expect(orderA != orderC, "seeds 7 and 8 give different orders (\(orderA), \(orderC))")
        #expect(orderA != [0, 1, 2, 3] || orderC != [0, 1, 2, 3], "shuffling changes the order")
        // The documented Fisher–Yates with the script's generator (same on every platform).
        var r7 = RandomSource(seed: 7), r8 = RandomSource(seed: 8)
        #expect(orderA == Self.fisherYates([0, 1, 2, 3], &r7))
        #expect(orderC == Self.fisherYates([0, 1, 2, 3], &r8))

        // Batches are consecutive runs of the shuffled order.
        let (batched, result) = Self.shuffledRun(cell, data: data, seed: 7, batchSize: 2)
        #expect(result.updates == 2)
        let expected = Self.replay(start, data, batches: [Array(orderA[0..<2]), Array(orderA[2..<4])])
        expectClose(batched.parameters, expected.parameters, tol: 1e-12, names: start.parameterNames)
    }

    @Test("shuffle: every epoch visits every sequence once, in a new order")
    func shuffleEachEpoch() throws {
        let data = Self.data([3, 5, 2, 4])
        let start = Self.model(.gru)
        let (one, _) = Self.shuffledRun(.gru, data: data, seed: 7, epochs: 1)
        let (two, result) = Self.shuffledRun(.gru, data: data, seed: 7, epochs: 2)
        #expect(result.updates == 8 && result.epochLosses.count == 2)
        let first = try #require(Self.visitingOrder(one, from: start, data))
        // The second epoch starts where the first ended.
        let second = try #require(Self.visitingOrder(two, from: one, data), "epoch 2 is a permutation of the data")
        #expect(first != second, "epoch 2 reshuffles (\(first), \(second))")
    }

    // MARK: - Validation

    @Test("validation losses: one per epoch, each = batchLoss on the validation set after that epoch",
          arguments: CellKind.allCases)
    func validationLosses(_ cell: CellKind) {
        let data = Self.data([3, 5, 2, 4, 6])
        let validation = Self.data([4, 2, 5], seed: 99)
        let start = Self.model(cell, layers: 2)
        let options = TrainingOptions(epochs: 3, truncation: .chunks(2), batchSize: 2)

        var model = start
        var optimizer = Self.optimizer()
        var random = RandomSource(seed: 3)
        let result = model.train(
            on: data, loss: .crossEntropy, optimizer: &optimizer, options: options, random: &random, validation: validation)
        #expect(result.validationLosses.count == 3)
        #expect(result.epochLosses.count == 3)

        // Epoch by epoch (no shuffling, so three one-epoch runs with one optimizer are the same run).
        var stepwise = start
        var opt = Self.optimizer()
        var expected: [Double] = []
        for _ in 0..<3 {
            var r = RandomSource(seed: 3)
            var one = options
            one.epochs = 1
            _ = stepwise.train(on: data, loss: .crossEntropy, optimizer: &opt, options: one, random: &r)
            let mean = validation.map { stepwise.forward($0, loss: .crossEntropy).loss }.reduce(0, +) / 3
            expectClose(stepwise.batchLoss(validation, loss: .crossEntropy), mean, tol: 1e-13, "batchLoss")
            expected.append(mean)
        }
        expectClose(model.parameters, stepwise.parameters, tol: 1e-13, names: model.parameterNames)
        expectClose(result.validationLosses, expected, tol: 1e-12, "validation losses")
        // Validation does not train: the same run without it ends with the same parameters.
        var plain = start
        var opt2 = Self.optimizer()
        var r2 = RandomSource(seed: 3)
        let plainResult = plain.train(on: data, loss: .crossEntropy, optimizer: &opt2, options: options, random: &r2)
        #expect(plain.parameters == model.parameters)
        #expect(plainResult.validationLosses.isEmpty)
        #expect(plainResult.epochLosses == result.epochLosses)
        // The validation loss is not the training loss, and it moves as the model trains.
        #expect(Set(result.validationLosses).count == 3)
    }
}
