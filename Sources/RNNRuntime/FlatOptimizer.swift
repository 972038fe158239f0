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
    var first: [F], second: [F], third: [F]
    private var nextParameters: [F], nextFirst: [F], nextSecond: [F], nextThird: [F]

    /// From an `OptimizerState` (per-parameter buffers) packed by `positions`.
    init(_ state: OptimizerState, layout: PackedLayout, positions: [[Int]], parameterCount: Int) {
        settings = state.settings
        stepCount = state.stepCount
        let buffers = state.buffers
        first = buffers.first.isEmpty ? [F](repeating: 0, count: parameterCount) : layout.pack(buffers.first, positions: positions)
        second = buffers.second.isEmpty ? [F](repeating: 0, count: parameterCount) : layout.pack(buffers.second, positions: positions)
        third = buffers.third.isEmpty ? [F](repeating: 0, count: parameterCount) : layout.pack(buffers.third, positions: positions)
        nextParameters = [F](repeating: 0, count: parameterCount)
        nextFirst = first; nextSecond = second; nextThird = third
    }

    /// The state back in per-parameter form.
    func state(layout: PackedLayout, positions: [[Int]]) -> OptimizerState {
        var state = OptimizerState(settings: settings)
        state.restore(stepCount: stepCount, first: layout.unpack(first, positions: positions),
                      second: layout.unpack(second, positions: positions), third: layout.unpack(third, positions: positions))
        return state
    }

    /// One update. Returns nil, or (with nothing changed) the first flat
    /// position whose new value would not be finite.
    mutating func step(_ parameters: inout [F], _ gradients: [F]) -> Int? {
        let s = settings, t = Double(stepCount + 1)
        let lr = F(s.lr), wd = F(s.weightDecay), count = parameters.count
        // p − p is 0 for a finite p and NaN otherwise: summed without a branch, so the loops vectorise.
        var check: F = 0
        parameters.withUnsafeBufferPointer { P in gradients.withUnsafeBufferPointer { G in
        nextParameters.withUnsafeMutableBufferPointer { NP in
        first.withUnsafeBufferPointer { M in second.withUnsafeBufferPointer { V in third.withUnsafeBufferPointer { A in
        nextFirst.withUnsafeMutableBufferPointer { NM in nextSecond.withUnsafeMutableBufferPointer { NV in nextThird.withUnsafeMutableBufferPointer { NA in
            switch s.kind {
            case .sgd:
                let mu = F(s.momentum), damp = 1 - F(s.dampening), firstStep = stepCount == 0
                for i in 0..<count {
                    var g = G[i] + wd * P[i]
                    if mu != 0 {
                        let buffer = firstStep ? g : mu * M[i] + damp * g
                        NM[i] = buffer
                        g = s.nesterov ? g + mu * buffer : buffer
                    }
                    let p = P[i] - lr * g
                    NP[i] = p
                    check += p - p
                }
            case .adagrad:
                let clr = F(s.lr / (1 + (t - 1) * s.lrDecay)), eps = F(s.eps)
                for i in 0..<count {
                    let g = G[i] + wd * P[i]
                    let sum = M[i] + g * g
                    NM[i] = sum
                    let p = P[i] - clr * g / (sum.squareRoot() + eps)
                    NP[i] = p
                    check += p - p
                }
            case .rmsprop:
                let alpha = F(s.alpha), eps = F(s.eps), mu = F(s.momentum)
                for i in 0..<count {
                    let g = G[i] + wd * P[i]
                    let square = alpha * V[i] + (1 - alpha) * g * g
                    NV[i] = square
                    var avg: F
                    if s.centered {
                        let mean = alpha * A[i] + (1 - alpha) * g
                        NA[i] = mean
                        avg = (square - mean * mean).squareRoot() + eps
                    } else {
                        avg = square.squareRoot() + eps
                    }
                    let p: F
                    if s.momentum > 0 {
                        let buffer = mu * M[i] + g / avg
                        NM[i] = buffer
                        p = P[i] - lr * buffer
                    } else {
                        p = P[i] - lr * g / avg
                    }
                    NP[i] = p
                    check += p - p
                }
            case .adam:
                // The bias corrections depend on t only: computed once per step.
                let b1 = F(s.beta1), b2 = F(s.beta2), eps = F(s.eps)
                let bc1 = 1 - Math.pow(s.beta1, t), bc2 = 1 - Math.pow(s.beta2, t)
                let stepSize = F(s.lr / bc1), rootBc2 = F(bc2.squareRoot())
                for i in 0..<count {
                    let g = G[i] + wd * P[i]
                    let m = b1 * M[i] + (1 - b1) * g
                    let v = b2 * V[i] + (1 - b2) * g * g
                    NM[i] = m
                    NV[i] = v
                    let p = P[i] - stepSize * m / (v.squareRoot() / rootBc2 + eps)
                    NP[i] = p
                    check += p - p
                }
            }
        } } } } } } } } }
        if !check.isFinite || check != 0 {
            return nextParameters.firstIndex { !$0.isFinite } ?? 0
        }
        swap(&parameters, &nextParameters)
        switch s.kind {
        case .sgd: if s.momentum != 0 { swap(&first, &nextFirst) }
        case .adagrad: swap(&first, &nextFirst)
        case .rmsprop:
            swap(&second, &nextSecond)
            if s.centered { swap(&third, &nextThird) }
            if s.momentum > 0 { swap(&first, &nextFirst) }
        case .adam: swap(&first, &nextFirst); swap(&second, &nextSecond)
        }
        stepCount += 1
        return nil
    }
}
