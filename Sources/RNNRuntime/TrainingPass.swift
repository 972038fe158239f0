import Dispatch

/// The forward and backward pass of one training batch. A large Float32
/// batch is cut in two halves that run on two threads, each half a workspace
/// of its own whose gradients (already scaled by 1/B of the whole batch) are
/// added at the end: one synchronisation per pass, where threading inside each
/// small per-step product (OpenBLAS's way) synchronises at every step.
///
/// The split depends only on the batch and the precision, never on the
/// machine, so a script gives the same output everywhere. Float64 batches are
/// never split: their results stay those of one workspace, bit for bit.
final class TrainingPass<F: RNNScalar> {
    let parts: [Workspace<F>]
    /// Rows of the batch each part takes.
    let ranges: [Range<Int>]
    let B: Int

    /// The smallest batch worth splitting.
    static var splitThreshold: Int { 8 }

    static func shouldSplit(batch B: Int) -> Bool {
        F.splitsLargeBatches && B >= splitThreshold
    }

    init(network: PackedNetwork<F>, batch B: Int, capacity: Int) {
        self.B = B
        if Self.shouldSplit(batch: B) {
            let half = (B + 1) / 2
            ranges = [0..<half, half..<B]
        } else {
            ranges = [0..<B]
        }
        parts = ranges.map { Workspace<F>(network: network, batch: $0.count, capacity: capacity) }
        for (part, range) in zip(parts, ranges) { part.sequenceOffset = range.lowerBound }
    }

    /// The parameters every part computes with from now on (a training run's
    /// current buffer, which must outlive the passes that use it).
    func use(parameters: UnsafePointer<F>) {
        for part in parts { part.use(parameters: parameters) }
    }

    func forward(_ batch: [SequenceExample], span: Range<Int>, entering: [F], loss: LossKind, scale: F) {
        if parts.count == 1 {
            parts[0].forward(batch, span: span, entering: entering, loss: loss, scale: scale)
            return
        }
        let S = parts[0].net.configuration.stateWidth
        runParts { i in
            let range = ranges[i]
            parts[i].forward(Array(batch[range]), span: span, entering: Array(entering[(range.lowerBound * S)..<(range.upperBound * S)]),
                             loss: loss, scale: scale)
        }
    }

    /// Σ_t L_t over the span, per sequence of the whole batch.
    var sequenceLosses: [Double] { parts.flatMap(\.sequenceLosses) }

    func firstNonFinite() -> String? {
        parts.lazy.compactMap { $0.firstNonFinite() }.first
    }

    /// Runs both halves' backward passes and leaves the whole batch's
    /// gradients in `gradients` (part 0's buffer).
    func backward(window: Int?) {
        runParts { i in parts[i].backward(window: window) }
        guard parts.count == 2 else { return }
        let count = parts[0].grads.count
        parts[1].grads.withUnsafeBufferPointer { second in
            parts[0].grads.withUnsafeMutableBufferPointer { first in
                let a = first.baseAddress!, b = second.baseAddress!
                for i in stride(from: 0, to: count, by: 8) { a.setLanes(a.lanes(i, count) + b.lanes(i, count), i, count) }
            }
        }
    }

    /// ∂L/∂θ of the whole batch (after `backward`).
    var gradients: [F] {
        get { parts[0].grads }
        set { parts[0].grads = newValue }
        _modify { yield &parts[0].grads }
    }

    /// The final state of every sequence of the batch (B × S).
    func finalState() -> [F] {
        parts.flatMap { $0.finalState() }
    }

    /// Runs `body` for every part: the two halves on two threads.
    private func runParts(_ body: (Int) -> Void) {
        if parts.count == 1 { body(0); return }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts.count) { i in task.value(i) }
        }
    }
}

extension TrainingPass: BatchPass {
    var threadCount: Int { parts.count }
}

/// Each part touches only its own workspace; the shared inputs are read-only.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
