/// What a training run asks of the pass over one batch: `TrainingPass` (one
/// network, its batch perhaps split over two threads) or `EncoderDecoderPass`.
protocol BatchPass: AnyObject {
    associatedtype Scalar: RNNScalar
    /// The threads the pass runs on.
    var threadCount: Int { get }
    /// The parameters every part computes with from now on.
    func use(parameters: UnsafePointer<Scalar>)
    func forward(_ batch: [SequenceExample], span: Range<Int>, entering: [Scalar], loss: LossKind, scale: Scalar)
    /// Σ_t L_t over the span, per sequence of the batch.
    var sequenceLosses: [Double] { get }
    func firstNonFinite() -> String?
    func backward(window: Int?)
    /// ∂L/∂θ of the whole batch (after `backward`), in the run's packed order.
    var gradients: [Scalar] { get set }
    /// The state each sequence leaves (B × S), carried into its next span.
    func finalState() -> [Scalar]
}

/// One `train`: epochs of mini-batches, each batch's spans forward and
/// backward, clipping, the optimizer's update, and the stops (non-finite
/// values, the caller's interrupt). The pass does the numbers; this is the
/// bookkeeping around it, the same for every kind of model.
struct TrainingRun<F: RNNScalar> {
    let data: [SequenceExample]
    let loss: LossKind
    let options: TrainingOptions
    let validation: [SequenceExample]

    /// Trains `model`'s parameters, packed as `packed`; `spans(batch)` cuts a
    /// batch's steps (truncation), `makePass(B)` makes the pass for batches of B.
    func run<Pass: BatchPass>(
        on model: inout RNNModel, _ packed: PackedParameters<F>, optimizer: inout OptimizerState, random: inout RandomSource,
        window: Int?, onEpoch: (Int, Double) -> Void, shouldStop: () -> Bool,
        spans: ([SequenceExample]) -> [Range<Int>], makePass: (Int) -> Pass
    ) -> TrainingResult where Pass.Scalar == F {
        var result = TrainingResult()
        let batchSize = max(1, min(options.batchSize, max(data.count, 1)))
        // Parameters, gradients and optimizer state stay packed for the whole run.
        let flat = FlatOptimizer<F>(optimizer, network: packed)
        let frozenPositions = options.frozen.sorted().flatMap { packed.positions[$0] }
        flat.frozen = frozenPositions
        let names = model.parameterNames
        var owners: [Int] = []  // flat position → parameter, for the update log and errors
        func owner(_ position: Int) -> Int {
            if owners.isEmpty {
                owners = [Int](repeating: 0, count: packed.count)
                for (p, list) in packed.positions.enumerated() { for at in list { owners[at] = p } }
            }
            return owners[position]
        }
        // One pass per batch size in use (the last batch may be smaller).
        var passes: [Int: Pass] = [:]
        var order = Array(data.indices)
        let original = model.parameters
        defer {
            model.parameters = packed.matrices(flat.parameterValues)
            // Exactly as they were, also where a Float32 run rounded them.
            for p in options.frozen { model.parameters[p] = original[p] }
            optimizer = flat.state(packed)
        }
        for epoch in 1...max(options.epochs, 1) where epoch <= options.epochs {
            if options.shuffle { RNNModel.shuffle(&order, &random) }
            var epochLoss = 0.0
            for batchStart in stride(from: 0, to: order.count, by: batchSize) {
                let members = Array(order[batchStart..<min(batchStart + batchSize, order.count)])
                let batch = members.map { data[$0] }
                let B = batch.count
                let w = passes[B] ?? makePass(B)
                passes[B] = w
                result.threads = max(result.threads, w.threadCount)
                var state = Workspace<F>.entering(Array(repeating: model.initialState, count: B))
                for span in spans(batch) {
                    w.use(parameters: flat.parameters)
                    w.forward(batch, span: span, entering: state, loss: loss, scale: F(1) / F(Double(B)))
                    if let bad = w.sequenceLosses.firstIndex(where: { !$0.isFinite }) {
                        result.stop = .nonFinite(epoch: epoch, sequence: members[bad] + 1, update: result.updates + 1,
                                                 what: w.firstNonFinite().map { "loss; it first appeared in \($0)" } ?? "loss")
                        return result
                    }
                    w.backward(window: window)
                    if let bad = firstNonFiniteIndex(w.gradients) {
                        result.stop = .nonFinite(epoch: epoch, sequence: members[0] + 1, update: result.updates + 1,
                                                 what: "gradient of \(names[owner(bad)])")
                        return result
                    }
                    for at in frozenPositions { w.gradients[at] = 0 }
                    let report = options.clipping.apply(toFlat: &w.gradients, recordPositions: options.logUpdates)
                    if options.logUpdates {
                        var clipped = [Int](repeating: 0, count: names.count)
                        for at in report.clipped { clipped[owner(at)] += 1 }
                        result.updateLog.append(UpdateRecord(epoch: epoch, update: result.updates + 1, normBefore: report.normBefore,
                                                             normAfter: report.normAfter, clipped: clipped))
                    }
                    if let bad = w.gradients.withUnsafeBufferPointer({ flat.step($0.baseAddress!) }) {
                        // Nothing changed: the parameters and optimizer are those of the last finite update.
                        result.stop = .nonFinite(epoch: epoch, sequence: members[0] + 1, update: result.updates + 1,
                                                 what: "parameter \(names[owner(bad)])")
                        return result
                    }
                    result.updates += 1
                    epochLoss += w.sequenceLosses.reduce(0, +)
                    state = w.finalState()
                    if shouldStop() {
                        result.stop = .interrupted(epoch: epoch, update: result.updates)
                        return result
                    }
                }
            }
            let mean = data.isEmpty ? 0 : epochLoss / Double(data.count)
            result.epochLosses.append(mean)
            if !validation.isEmpty {
                model.parameters = packed.matrices(flat.parameterValues)
                result.validationLosses.append(model.batchLoss(validation, loss: loss))
            }
            onEpoch(epoch, mean)
        }
        return result
    }
}
