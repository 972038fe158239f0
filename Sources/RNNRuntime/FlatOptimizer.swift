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
        parameters.withUnsafeBufferPointer { P in gradients.withUnsafeBufferPointer { G in
        nextParameters.withUnsafeMutableBufferPointer { NP in
        first.withUnsafeBufferPointer { M in second.withUnsafeBufferPointer { V in third.withUnsafeBufferPointer { A in
        nextFirst.withUnsafeMutableBufferPointer { NM in nextSecond.withUnsafeMutableBufferPointer { NV in nextThird.withUnsafeMutableBufferPointer { NA in
            let p = P.baseAddress!, g0 = G.baseAddress!, m0 = M.baseAddress!, v0 = V.baseAddress!, a0 = A.baseAddress!
            let np = NP.baseAddress!, nm = NM.baseAddress!, nv = NV.baseAddress!, na = NA.baseAddress!
            switch s.kind {
            case .sgd:
                let mu = F(s.momentum), damp = 1 - F(s.dampening), firstStep = stepCount == 0
                for i in stride(from: 0, to: count, by: 8) {
                    let pi = p.lanes(i, count)
                    var g = g0.lanes(i, count) + wd * pi
                    if mu != 0 {
                        let buffer = firstStep ? g : mu * m0.lanes(i, count) + damp * g
                        nm.setLanes(buffer, i, count)
                        g = s.nesterov ? g + mu * buffer : buffer
                    }
                    np.setLanes(pi - lr * g, i, count)
                }
            case .adagrad:
                let clr = F(s.lr / (1 + (t - 1) * s.lrDecay)), eps = F(s.eps)
                for i in stride(from: 0, to: count, by: 8) {
                    let pi = p.lanes(i, count)
                    let g = g0.lanes(i, count) + wd * pi
                    let sum = m0.lanes(i, count) + g * g
                    nm.setLanes(sum, i, count)
                    np.setLanes(pi - clr * g / (sum.squareRoot() + eps), i, count)
                }
            case .rmsprop:
                let alpha = F(s.alpha), eps = F(s.eps), mu = F(s.momentum)
                for i in stride(from: 0, to: count, by: 8) {
                    let pi = p.lanes(i, count)
                    let g = g0.lanes(i, count) + wd * pi
                    let square = alpha * v0.lanes(i, count) + (1 - alpha) * g * g
                    nv.setLanes(square, i, count)
                    let avg: Lanes<F>
                    if s.centered {
                        let mean = alpha * a0.lanes(i, count) + (1 - alpha) * g
                        na.setLanes(mean, i, count)
                        avg = (square - mean * mean).squareRoot() + eps
                    } else {
                        avg = square.squareRoot() + eps
                    }
                    if s.momentum > 0 {
                        let buffer = mu * m0.lanes(i, count) + g / avg
                        nm.setLanes(buffer, i, count)
                        np.setLanes(pi - lr * buffer, i, count)
                    } else {
                        np.setLanes(pi - lr * g / avg, i, count)
                    }
                }
            case .adam:
                // The bias corrections depend on t only: computed once per step.
                let b1 = F(s.beta1), b2 = F(s.beta2), eps = F(s.eps)
                let bc1 = 1 - Math.power(s.beta1, Int(t)), bc2 = 1 - Math.power(s.beta2, Int(t))
                let stepSize = F(s.lr / bc1), rootBc2 = F(bc2.squareRoot())
                for i in stride(from: 0, to: count, by: 8) {
                    let pi = p.lanes(i, count)
                    let g = g0.lanes(i, count) + wd * pi
                    let m = b1 * m0.lanes(i, count) + (1 - b1) * g
                    let v = b2 * v0.lanes(i, count) + (1 - b2) * g * g
                    nm.setLanes(m, i, count)
                    nv.setLanes(v, i, count)
                    np.setLanes(pi - stepSize * m / (v.squareRoot() / rootBc2 + eps), i, count)
                }
            }
        } } } } } } } } }
        // Checked in a pass of its own: a reduction inside the update loops stops them vectorising.
        if let bad = firstNonFiniteIndex(nextParameters) { return bad }
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
