import CKernels

/// The optimizer of a training run over flat buffers in `PackedLayout` order:
/// the same update rules as `OptimizerState` (PyTorch's), one tight loop per
/// kind, in the model's precision.
///
/// Updates are transactional: new parameters and state are written into spare
/// buffers and swapped in only if every new parameter is finite, so a step that
/// would produce NaN or ∞ leaves everything as it was, without copying.
struct FlatOptimizer<F: RNNScalar> {
    let settings: OptimizerSettings
    var stepCount: Int
    /// The state, three buffers of `count` one after another: momentum (or
    /// Adagrad's sum, or Adam's m), the second moment, centred RMSprop's mean.
    /// A rule writes only the buffers it reads, so the others keep their
    /// initial values in both copies and swapping whole arrays is exact.
    private var moments: [F], nextMoments: [F]
    private var nextParameters: [F]
    private let count: Int

    /// From an `OptimizerState` (per-parameter buffers) packed by `positions`.
    init(_ state: OptimizerState, layout: PackedLayout, positions: [[Int]], parameterCount: Int) {
        settings = state.settings
        stepCount = state.stepCount
        count = parameterCount
        let buffers = state.buffers
        func flat(_ buffer: [[Double]]) -> [F] {
            buffer.isEmpty ? [F](repeating: 0, count: parameterCount) : layout.pack(buffer, positions: positions)
        }
        moments = flat(buffers.first) + flat(buffers.second) + flat(buffers.third)
        nextMoments = moments
        nextParameters = [F](repeating: 0, count: parameterCount)
    }

    /// The state back in per-parameter form.
    func state(layout: PackedLayout, positions: [[Int]]) -> OptimizerState {
        var state = OptimizerState(settings: settings)
        func part(_ k: Int) -> [[Double]] { layout.unpack(Array(moments[(k * count)..<((k + 1) * count)]), positions: positions) }
        state.restore(stepCount: stepCount, first: part(0), second: part(1), third: part(2))
        return state
    }

    /// One update, transactional: returns nil, or (with nothing changed) the
    /// first flat position whose new value would not be finite.
    mutating func step(_ parameters: inout [F], _ gradients: [F]) -> Int? {
        precondition(parameters.count == count && gradients.count == count)
        let rule = Self.updateRule(settings, step: stepCount + 1), n = count
        let bad = parameters.withUnsafeBufferPointer { P in
            gradients.withUnsafeBufferPointer { G in
                moments.withUnsafeBufferPointer { M in
                    nextParameters.withUnsafeMutableBufferPointer { NP in
                        nextMoments.withUnsafeMutableBufferPointer { NM in
                            let m = M.baseAddress!, nm = NM.baseAddress!
                            return F.update(rule, UpdateOperands(count: n, parameters: P.baseAddress!, gradients: G.baseAddress!,
                                                                 state: (m, m + n, m + 2 * n), next: NP.baseAddress!,
                                                                 nextState: (nm, nm + n, nm + 2 * n)))
                        }
                    }
                }
            }
        }
        if let bad { return bad }
        swap(&parameters, &nextParameters)
        swap(&moments, &nextMoments)
        stepCount += 1
        return nil
    }
    /// The settings and this step's constants for the kernel (rnn_update_rule).
    /// (Static: a method on self would copy the struct and hold a second
    /// reference to its buffers, forcing a copy of them on every update.)
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
