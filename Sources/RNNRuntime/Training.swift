/// Options of one `train` run.
public struct TrainingOptions: Equatable, Sendable {
    public var epochs: Int
    public var truncation: Truncation = .none
    public var clipping: Clipping = .none
    /// Sequences per update; the loss of a batch is the mean of its sequences' losses.
    public var batchSize: Int = 1
    /// Visit the sequences in a new order every epoch (from the script's generator).
    public var shuffle: Bool = false
    /// Keep a record of every update: gradient norms before and after clipping
    /// and the clipped elements per parameter.
    public var logUpdates: Bool = false
    /// Parameters (indices in `parameterShapes` order) that training leaves
    /// unchanged: no gradient enters clipping's norm or the update, and their
    /// optimizer state stays at its initial value.
    public var frozen: Set<Int> = []

    public init(epochs: Int, truncation: Truncation = .none, clipping: Clipping = .none,
                batchSize: Int = 1, shuffle: Bool = false) {
        self.epochs = epochs
        self.truncation = truncation
        self.clipping = clipping
        self.batchSize = batchSize
        self.shuffle = shuffle
    }
}

/// Where and why training stopped early.
public enum TrainingStop: Equatable, Sendable {
    /// A loss, gradient or updated parameter was NaN or infinite; the
    /// parameters are those of the last finite step.
    case nonFinite(epoch: Int, sequence: Int, update: Int, what: String)
    /// The caller asked to stop (Ctrl-C); the parameters so far are kept.
    case interrupted(epoch: Int, update: Int)
}

/// One update of a logged training run.
public struct UpdateRecord: Equatable, Sendable {
    public var epoch: Int
    public var update: Int
    /// The global gradient norm before and after clipping.
    public var normBefore: Double
    public var normAfter: Double
    /// Elements changed by clipping, per parameter.
    public var clipped: [Int]
}

public struct TrainingResult: Equatable, Sendable {
    /// The loss of each completed epoch: the mean over sequences of each one's
    /// loss Σ_t L_t as computed during the pass (for `truncate K`, the sum of its
    /// chunk losses, each at the weights of that chunk).
    public var epochLosses: [Double] = []
    /// The mean loss over the validation sequences after each epoch (empty without them).
    public var validationLosses: [Double] = []
    public var updates = 0
    public var stop: TrainingStop?
    /// Every update, when `logUpdates` is on.
    public var updateLog: [UpdateRecord] = []
    /// The threads the passes ran on (2 when Float32 batches were split; each
    /// may use more through OpenBLAS when OPENBLAS_NUM_THREADS says so).
    public var threads = 1
}

extension RNNModel {
    /// Trains on `data` for `options.epochs` epochs, one pass over every sequence each.
    ///
    /// Sequences go in mini-batches of `batchSize` (shuffled each epoch from
    /// `random` when `shuffle` is on); a batch's sequences run side by side, the
    /// shorter ones padded with steps that have no target. Full BPTT and
    /// `window` truncation update once per batch; `chunks(K)` updates after every
    /// chunk, carrying the state computed with the weights before that update.
    /// `onEpoch(epoch, loss)` is told each epoch's loss; `shouldStop` is polled
    /// after every update.
    public mutating func train(
        on data: [SequenceExample], loss: LossKind, optimizer: inout OptimizerState,
        options: TrainingOptions, random: inout RandomSource, validation: [SequenceExample] = [],
        onEpoch: (Int, Double) -> Void = { _, _ in },
        shouldStop: () -> Bool = { false }
    ) -> TrainingResult {
        switch configuration.precision {
        case .float64:
            return train(Double.self, data, loss, &optimizer, options, &random, validation, onEpoch, shouldStop)
        case .float32:
            return train(Float.self, data, loss, &optimizer, options, &random, validation, onEpoch, shouldStop)
        }
    }

    /// The same, for one sequence and no shuffling.
    public mutating func train(
        on data: [SequenceExample], loss: LossKind, optimizer: inout OptimizerState, options: TrainingOptions,
        onEpoch: (Int, Double) -> Void = { _, _ in }, shouldStop: () -> Bool = { false }
    ) -> TrainingResult {
        var random = RandomSource(seed: 0)
        return train(on: data, loss: loss, optimizer: &optimizer, options: options, random: &random,
                     onEpoch: onEpoch, shouldStop: shouldStop)
    }

    private mutating func train<F: RNNScalar>(
        _: F.Type, _ data: [SequenceExample], _ loss: LossKind, _ optimizer: inout OptimizerState,
        _ options: TrainingOptions, _ random: inout RandomSource, _ validation: [SequenceExample],
        _ onEpoch: (Int, Double) -> Void, _ shouldStop: () -> Bool
    ) -> TrainingResult {
        let run = TrainingRun<F>(data: data, loss: loss, options: options, validation: validation)
        if configuration.encoderDecoder {
            // One span per batch: truncation does not apply to an encoder–decoder.
            let parts = encoderDecoderParts
            let encoder = PackedNetwork<F>(parts.encoder), decoder = PackedNetwork<F>(parts.decoder)
            let capacities = EncoderDecoderPass<F>.capacities(data)
            return run.run(on: &self, PackedParameters(encoder, then: decoder, shapes: configuration.parameterShapes),
                           optimizer: &optimizer, random: &random, window: nil, onEpoch: onEpoch, shouldStop: shouldStop,
                           spans: { _ in [0..<1] }) { B in
                EncoderDecoderPass<F>(encoder: encoder, decoder: decoder, batch: B, capacities: capacities)
            }
        }
        let placement = configuration.outputs
        let longest = data.map { $0.stepCount(placement) }.max() ?? 0
        let capacity = max(Self.spans(steps: longest, options.truncation).map(\.count).max() ?? 0, 1)
        var window: Int? = nil
        if case let .window(k) = options.truncation { window = k }
        let network = PackedNetwork<F>(self)
        return run.run(on: &self, network.packed, optimizer: &optimizer, random: &random, window: window, onEpoch: onEpoch, shouldStop: shouldStop,
                       spans: { batch in Self.spans(steps: batch.map { $0.stepCount(placement) }.max() ?? 0, options.truncation) }) { B in
            TrainingPass<F>(network: network, batch: B, capacity: capacity)
        }
    }

    /// The mean over sequences of each one's loss (a forward pass only).
    public func batchLoss(_ batch: [SequenceExample], loss: LossKind) -> Double {
        guard !batch.isEmpty else { return 0 }
        return batch.reduce(0) { $0 + sequenceLoss($1, loss: loss) } / Double(batch.count)
    }

    /// Fisher–Yates with the script's generator, so a seed gives the same order everywhere.
    static func shuffle(_ order: inout [Int], _ random: inout RandomSource) {
        guard order.count > 1 else { return }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, random.index(below: i + 1))
        }
    }
}
