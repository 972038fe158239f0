/// The backward walk of a workspace: BPTT over the current span, with or
/// without a window, and the weight gradients as one product per parameter.
extension Workspace {
    /// Gradients of the span's (scaled) loss with respect to every parameter.
    /// The entering states are constants. With `window` K, each L_t reaches
    /// back through its K most recent steps only.
    ///
    /// Without a window, two more things (for an encoder–decoder): `stateSeeds`
    /// adds ∂L/∂s_t from outside (per 0-based step: B × S rows) to the walk, and
    /// `enteringGradient` leaves ∂L/∂s_0 (B × S) in `enteringGradients`.
    @discardableResult
    func backward(window: Int?, stateSeeds: [Int: [F]] = [:], enteringGradient: Bool = false) -> [F] {
        let rows = T * B
        refreshTransposedWeights()
        defer { transposedWFresh = false; walkVisitsOnce = false }
        // Without a window each step is walked once and its rows of dP are
        // written, not accumulated: no clearing pass over the buffers.
        walkVisitsOnce = window.map { $0 >= T } ?? true
        if !walkVisitsOnce { clearStepGradients() }
        // The readout's share of ∂L/∂h_t for every step: ∂L/∂O · Vᵀ (∂L/∂O itself without a readout).
        if let v = net.layout.v {
            F.product(false, true, m: rows, n: d, k: k, dO, lda: k, parameters + v, ldb: k, beta: 0, fromReadout, ldc: d)
        } else {
            fromReadout.update(from: dO, count: rows * d)
        }
        if let window, window < T {
            for t in 0..<T where (0..<B).contains(where: { hasTarget[t * B + $0] }) {
                resetCarries()
                var step = t
                while step >= 0 && step > t - window {
                    walkStep(step, seedTop: step == t, propagate: step - 1 > t - window)
                    step -= 1
                }
            }
        } else {
            resetCarries()
            for step in stride(from: T - 1, through: 0, by: -1) {
                walkStep(step, seedTop: true, propagate: step > 0 || enteringGradient, seeds: stateSeeds[step].map(layerSeeds))
            }
            if enteringGradient { enteringGradients = carriedState() }
        }
        weightGradients()
        return grads
    }

    /// B × S rows (each sequence's whole state) as the per-layer seeds `walkStep` adds.
    private func layerSeeds(_ rows: [F]) -> [[F]] {
        let S = net.configuration.stateWidth
        return (0..<L).map { l in
            let d = hidden[l], hasCell = cells[l].cellState != nil
            var seeds = [F](repeating: 0, count: B * d * (hasCell ? 2 : 1))
            for b in 0..<B {
                for j in 0..<d { seeds[b * d + j] = rows[b * S + stateOffsets[l] + j] }
                if hasCell { for j in 0..<d { seeds[B * d + b * d + j] = rows[b * S + stateOffsets[l] + d + j] } }
            }
            return seeds
        }
    }

    /// The carries after a walk down to step 0: ∂L/∂s_0, B × S rows.
    private func carriedState() -> [F] {
        let S = net.configuration.stateWidth
        var rows = [F](repeating: 0, count: B * S)
        for l in 0..<L {
            let d = hidden[l]
            for b in 0..<B {
                for j in 0..<d { rows[b * S + stateOffsets[l] + j] = carryH[l][b * d + j] }
                if let dc = cells[l].cellCarry { for j in 0..<d { rows[b * S + stateOffsets[l] + d + j] = dc[b * d + j] } }
            }
        }
        return rows
    }

    func clearStepGradients() {
        for l in 0..<L {
            dP[l].zero(T * B * widths[l])
            if cells[l].hasSeparateRecurrentGradient { dQ[l].zero(T * B * widths[l]) }
        }
    }

    /// Wᵀ of every layer, for the step products of the backward walk.
    private func refreshTransposedWeights() {
        for l in 0..<L {
            let w = parameters + net.layout.layers[l].w, wt = transposedW[l], d = hidden[l], width = widths[l]
            if stepPanels {
                F.pack(transposed: true, k: width, n: d, w, ldb: width, into: wt)
                continue
            }
            // In 16 × 16 tiles, so both sides stay in cache lines already loaded.
            for i0 in stride(from: 0, to: d, by: 16) {
                for j0 in stride(from: 0, to: width, by: 16) {
                    for i in i0..<min(i0 + 16, d) {
                        for j in j0..<min(j0 + 16, width) { wt[j * d + i] = w[i * width + j] }
                    }
                }
            }
        }
        transposedWFresh = true
    }

    func resetCarries() {
        for l in 0..<L {
            carryH[l].zero(B * hidden[l])
            cells[l].cellCarry?.zero(B * hidden[l])
        }
    }

    /// One step of the backward walk at step `t`, layers top to bottom: each
    /// layer's ∂L/∂h_t is the carry from step t+1 plus what comes from above
    /// (the readout for the top layer when `seedTop`, the layer above's input
    /// gradient otherwise). Accumulates the step's gate gradients; with
    /// `propagate`, leaves ∂L/∂h_{t−1} (and the cell state's) in the carries.
    /// `seeds` (per layer, B × layer state) are added to the carries first (Jacobians).
    func walkStep(_ t: Int, seedTop: Bool, propagate: Bool, seeds: [[F]]? = nil) {
        for l in stride(from: L - 1, through: 0, by: -1) {
            let dh = carryH[l], count = B * hidden[l]
            if l == L - 1 {
                if seedTop {
                    let above = fromReadout + t * count
                    for i in 0..<count { dh[i] += above[i] }
                }
            } else {
                let above = external[l + 1]
                for i in 0..<count { dh[i] += above[i] }
            }
            if let seeds {
                for i in 0..<count { dh[i] += seeds[l][i] }
                if let dc = cells[l].cellCarry { for i in 0..<count { dc[i] += seeds[l][count + i] } }
            }
            stepBack(l, t, propagate: propagate)
        }
    }

    /// The backward of one cell step for layer l at step t, from ∂L/∂h_t in
    /// `carryH[l]`: the cell writes the step's gate gradients into stepP (and
    /// stepQ for W); they are added into dP (dQ); `external[l]` becomes ∂L/∂x_t
    /// and the carries ∂L/∂h_{t−1} (∂L/∂c_{t−1}).
    private func stepBack(_ l: Int, _ t: Int, propagate: Bool) {
        let layer = net.layout.layers[l], cell = cells[l], dh = carryH[l], d = hidden[l], width = widths[l]
        let offset = t * B * width, h = H[l]
        cell.backward(BackwardStep(t: t, gates: pre[l] + offset, hPrev: h + t * B * d, hNext: h + (t + 1) * B * d,
                                   dh: dh, input: stepP, recurrent: stepQ))
        accumulate(stepP, into: dP[l] + offset, count: B * width)
        if cell.hasSeparateRecurrentGradient { accumulate(stepQ, into: dQ[l] + offset, count: B * width) }
        let recurrentGradient = cell.hasSeparateRecurrentGradient ? stepQ : stepP
        // ∂L/∂x_t for the layer below.
        if l > 0 {
            F.product(false, true, m: B, n: layer.inputWidth, k: width, stepP, lda: width, parameters + layer.u, ldb: width,
                      beta: 0, external[l], ldc: layer.inputWidth)
        }
        guard propagate else {
            dh.zero(B * d)
            cell.cellCarry?.zero(B * d)
            return
        }
        // ∂L/∂h_{t−1} = W-side gradients · Wᵀ (+ the direct path the cell left in dh).
        let beta: F = cell.keepsDirectPath ? 1 : 0
        if transposedWFresh && stepPanels {
            F.packedProduct(m: B, n: d, k: width, recurrentGradient, lda: width, panels: transposedW[l], beta: beta, dh, ldc: d)
        } else if transposedWFresh {
            F.product(false, false, m: B, n: d, k: width, recurrentGradient, lda: width, transposedW[l], ldb: d, beta: beta, dh, ldc: d)
        } else {
            F.product(false, true, m: B, n: d, k: width, recurrentGradient, lda: width, parameters + layer.w, ldb: width,
                      beta: beta, dh, ldc: d)
        }
    }

    /// A step's gate gradients into the span's: accumulated when a window
    /// revisits steps, else written (as 0 + x, so a −0 becomes +0 exactly as
    /// accumulating did).
    @inline(__always)
    private func accumulate(_ step: UnsafeMutablePointer<F>, into span: UnsafeMutablePointer<F>, count: Int) {
        if walkVisitsOnce { for i in 0..<count { span[i] = step[i] + 0 } }
        else { for i in 0..<count { span[i] += step[i] } }
    }

    /// ∂L/∂E from ∂L/∂e_t = δ_t U₁ᵀ (every row at once): a scatter-add of row
    /// r into row c_r for one-hot inputs, else Xᵀ · ∂L/∂e.
    private func embeddingGradient(_ gradient: UnsafeMutablePointer<F>, _ raw: UnsafeMutablePointer<F>) {
        let rows = T * B, layer = net.layout.layers[0], width = widths[0]
        let dE = embeddingRows!
        F.product(false, true, m: rows, n: n, k: width, dP[0], lda: width, parameters + layer.u, ldb: width, beta: 0, dE, ldc: n)
        if inputsAreClasses {
            gradient.zero(vocabulary * n)
            for r in 0..<rows where xClasses[r] >= 0 {
                let row = gradient + Int(xClasses[r]) * n
                for j in 0..<n { row[j] += dE[r * n + j] }
            }
        } else {
            F.product(true, false, m: vocabulary, n: n, k: rows, raw, lda: vocabulary, dE, ldb: n, beta: 0, gradient, ldc: n)
        }
    }

    /// Weight gradients from the span's gate gradients, all steps at once,
    /// written straight into their slices of `grads`.
    private func weightGradients() {
        let rows = T * B, layout = net.layout
        grads.withUnsafeMutableBufferPointer { buffer in
            let gradients = buffer.baseAddress!
            for l in 0..<L {
                let layer = layout.layers[l], inputs = layer.inputWidth, gates = dP[l], d = hidden[l], width = widths[l]
                if l == 0 && inputsAreClasses && rawX == nil {
                    // Xᵀ·δ for one-hot rows: add δ's row r into row c_r of ∂L/∂U.
                    gradients.advanced(by: layer.u).zero(inputs * width)
                    for r in 0..<rows where xClasses[r] >= 0 {
                        let row = gradients + layer.u + Int(xClasses[r]) * width, delta = gates + r * width
                        for j in stride(from: 0, to: width, by: 8) { row.setLanes(row.lanes(j, width) + delta.lanes(j, width), j, width) }
                    }
                } else {
                    let input = l == 0 ? UnsafePointer(x) : UnsafePointer(H[l - 1] + B * inputs)
                    F.product(true, false, m: inputs, n: width, k: rows, input, lda: inputs, gates, ldb: width,
                              beta: 0, gradients + layer.u, ldc: width)
                }
                if let b = layer.b { columnSums(gates, rows: rows, width: width, stride: width, into: gradients + b) }
                F.product(true, false, m: d, n: width, k: rows, H[l], lda: d, dQ[l], ldb: width, beta: 0, gradients + layer.w, ldc: width)
                cells[l].weightGradients(dQ[l], rows, gradients)
            }
            if let e = layout.e, let rawX { embeddingGradient(gradients + e, rawX) }
            if let v = layout.v {
                F.product(true, false, m: d, n: k, k: rows, H[L - 1] + B * d, lda: d, dO, ldb: k, beta: 0, gradients + v, ldc: k)
                if let c = layout.c { columnSums(dO, rows: rows, width: k, stride: k, into: gradients + c) }
            }
        }
    }
}
