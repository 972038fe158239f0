import CKernels

/// The optimizer of a training run over flat buffers in `PackedLayout` order:
/// the same update rules as `OptimizerState.step` (the reference, PyTorch's),
/// one vectorised kernel per rule (CKernels `rnn_update_*`), in the model's precision.
///
/// It owns the parameters the run trains. Updates are transactional: the new
/// parameters and state are written into spare buffers and become current
/// (by swapping pointers) only if every new parameter is finite, so a step
/// that would produce NaN or ∞ leaves everything as it was, without copying.
final class FlatOptimizer<F: RNNScalar> {
    let settings: OptimizerSettings
    private(set) var stepCount: Int
    private let count: Int
    private let arena = Arena<F>()
    /// The current parameters (what the workspaces compute with) and the spare.
    private(set) var parameters: UnsafeMutablePointer<F>
    private var nextParameters: UnsafeMutablePointer<F>
    /// The state, three buffers of `count` one after another: momentum (or
    /// Adagrad's sum, or Adam's m), the second moment, centred RMSprop's mean;
    /// and the spare. A rule writes only the buffers it reads, so the others
    /// keep their initial values in both and swapping is exact.
    private var moments: UnsafeMutablePointer<F>
    private var nextMoments: UnsafeMutablePointer<F>
    /// Positions the update leaves as they are (frozen parameters), with their state.
    var frozen: [Int] = []

    /// A run's parameters and an `OptimizerState` (per-parameter buffers), packed.
    init(_ state: OptimizerState, network: PackedParameters<F>) {
        settings = state.settings
        stepCount = state.stepCount
        let n = network.count
        count = n
        parameters = arena.take(n)
        nextParameters = arena.take(n)
        moments = arena.take(3 * n)
        nextMoments = arena.take(3 * n)
        parameters.update(from: network.values, count: n)
        let buffers = state.buffers
        for (k, buffer) in [buffers.first, buffers.second, buffers.third].enumerated() where !buffer.isEmpty {
            let packed = network.pack(buffer)
            (moments + k * n).update(from: packed, count: n)
            (nextMoments + k * n).update(from: packed, count: n)
        }
    }

    /// The current parameters, copied out.
    var parameterValues: [F] { Array(UnsafeBufferPointer(start: parameters, count: count)) }

    /// The state back in per-parameter form.
    func state(_ network: PackedParameters<F>) -> OptimizerState {
        var state = OptimizerState(settings: settings)
        func part(_ k: Int) -> [[Double]] {
            network.unpack(Array(UnsafeBufferPointer(start: moments + k * count, count: count)))
        }
        state.restore(stepCount: stepCount, first: part(0), second: part(1), third: part(2))
        return state
    }

    /// One update from `gradients` (`count` of them), transactional: returns
    /// nil, or (with nothing changed) the first position whose new value would not be finite.
    func step(_ gradients: UnsafePointer<F>) -> Int? {
        let n = count, m = UnsafePointer(moments)
        let operands = UpdateOperands(count: n, parameters: parameters, gradients: gradients,
                                      state: (m, m + n, m + 2 * n), next: nextParameters,
                                      nextState: (nextMoments, nextMoments + n, nextMoments + 2 * n))
        if let bad = F.update(Self.updateRule(settings, step: stepCount + 1), operands) { return bad }
        for at in frozen {
            nextParameters[at] = parameters[at]
            for k in 0..<3 { nextMoments[k * n + at] = moments[k * n + at] }
        }
        swap(&parameters, &nextParameters)
        swap(&moments, &nextMoments)
        stepCount += 1
        return nil
    }

    /// The settings and this step's constants for the kernel (rnn_update_rule).
    private static func updateRule(_ s: OptimizerSettings, step t: Int) -> rnn_update_rule {
        var rule = rnn_update_rule()
        switch s.kind {
        case .sgd: rule.kind = Int32(RNN_UPDATE_SGD)
        case .adagrad: rule.kind = Int32(RNN_UPDATE_ADAGRAD)
        case .rmsprop: rule.kind = Int32(RNN_UPDATE_RMSPROP)
        case .adam: rule.kind = Int32(RNN_UPDATE_ADAM)
        }
        rule.first_step = t == 1 ? 1 : 0
        rule.nesterov = s.nesterov ? 1 : 0
        rule.centered = s.centered ? 1 : 0
        rule.lr = s.lr
        rule.weight_decay = s.weightDecay
        rule.eps = s.eps
        rule.momentum = s.momentum
        rule.dampening = s.dampening
        rule.alpha = s.alpha
        rule.beta1 = s.beta1
        rule.beta2 = s.beta2
        rule.adagrad_lr = s.lr / (1 + Double(t - 1) * s.lrDecay)
        // Adam's bias corrections depend on t only: computed once per step.
        rule.adam_step_size = s.lr / (1 - Math.power(s.beta1, t))
        rule.adam_root_bc2 = (1 - Math.power(s.beta2, t)).squareRoot()
        return rule
    }
}
