/// Options of one `train` run.
public struct TrainingOptions: Equatable, Sendable {
    public var epochs: Int
    public var truncation: Truncation = .none
    public var clipping: Clipping = .none

    public init(epochs: Int, truncation: Truncation = .none, clipping: Clipping = .none) {
        self.epochs = epochs
        self.truncation = truncation
        self.clipping = clipping
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

public struct TrainingResult: Equatable, Sendable {
    /// The loss of each completed epoch: the mean over sequences of each one's
    /// loss Σ_t L_t as computed during the pass (for `truncate K`, the sum of its
    /// chunk losses, each at the weights of that chunk).
    public var epochLosses: [Double] = []
    public var updates = 0
    public var stop: TrainingStop?
}

extension RNNModel {
    /// Trains on `data` for `options.epochs` epochs, one pass over every sequence each.
    ///
    /// Full BPTT and `window` truncation update once per sequence; `chunks(K)`
    /// updates after every chunk, carrying the state computed with the weights
    /// before that update. `onEpoch(epoch, loss)` is told each epoch's loss;
    /// `shouldStop` is polled after every update.
    public mutating func train(
        on data: [SequenceExample], loss: LossKind, optimizer: inout OptimizerState,
        options: TrainingOptions,
        onEpoch: (Int, Double) -> Void = { _, _ in },
        shouldStop: () -> Bool = { false }
    ) -> TrainingResult {
        var result = TrainingResult()
        for epoch in 1...max(options.epochs, 1) where epoch <= options.epochs {
            var epochLoss = 0.0
            for (index, example) in data.enumerated() {
                var spans: [Range<Int>]
                let steps = example.stepCount(configuration.outputs)
                var window: Int? = nil
                switch options.truncation {
                case .none: spans = [0..<steps]
                case let .window(k): spans = [0..<steps]; window = k
                case let .chunks(k):
                    spans = stride(from: 0, to: steps, by: max(k, 1)).map { $0..<min($0 + k, steps) }
                }
                var state = initialState
                for span in spans {
                    let trace = forward(example, span: span, from: state, loss: loss)
                    var grads = gradients(of: trace, window: window)
                    let chunkLoss = trace.loss
                    if !chunkLoss.isFinite {
                        result.stop = .nonFinite(epoch: epoch, sequence: index + 1, update: result.updates + 1, what: "loss")
                        return result
                    }
                    if let bad = grads.firstIndex(where: { !$0.isFinite }) {
                        result.stop = .nonFinite(
                            epoch: epoch, sequence: index + 1, update: result.updates + 1,
                            what: "gradient of \(parameterNames[bad])")
                        return result
                    }
                    options.clipping.apply(to: &grads)
                    let previous = parameters, previousOptimizer = optimizer
                    optimizer.step(parameters: &parameters, gradients: grads)
                    if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
                        // Undo the whole step: parameters and the optimizer's buffers.
                        parameters = previous
                        optimizer = previousOptimizer
                        result.stop = .nonFinite(
                            epoch: epoch, sequence: index + 1, update: result.updates + 1,
                            what: "parameter \(parameterNames[bad])")
                        return result
                    }
                    result.updates += 1
                    epochLoss += chunkLoss
                    state = trace.finalState
                    if shouldStop() {
                        result.stop = .interrupted(epoch: epoch, update: result.updates)
                        return result
                    }
                }
            }
            let mean = data.isEmpty ? 0 : epochLoss / Double(data.count)
            result.epochLosses.append(mean)
            onEpoch(epoch, mean)
        }
        return result
    }
}
