/// The computational core: forward passes and backpropagation through time for
/// every cell (RNN, LSTM, GRU), stacked layers and batches of sequences, in
/// Float32 or Float64.
///
/// Layout: time-major. A span of T steps over a batch of B sequences keeps
/// row `t·B + b` for step t of sequence b, so the input projection of a layer
/// (X·[U_1 … U_G]) and the readout (H·V) are each one matrix product over the
/// whole span; only the recurrence `h_{t-1}·[W_1 … W_G]` runs step by step.
/// A layer's gate parameters are packed side by side (PyTorch's gate order)
/// into one n×Gd, one d×Gd and one 1×Gd buffer.
///
/// Every forward step has its backward step beside it. The backward pass walks
/// steps from last to first and, inside a step, layers from top to bottom; the
/// same walk serves full BPTT, windowed truncation and Jacobians.

/// One layer's parameters in working precision, gates side by side.
struct PackedLayer<F: RNNScalar> {
    let cell: CellKind
    let inputWidth: Int
    let hidden: Int
    var gateCount: Int { cell.gates.count }
    var width: Int { gateCount * hidden }
    /// inputWidth × G·d
    var U: [F]
    /// d × G·d
    var W: [F]
    /// G·d, or empty without bias
    var b: [F]
    /// d (GRU's bh_n), or empty
    var bhn: [F]
}

/// A whole network in working precision.
struct PackedNetwork<F: RNNScalar> {
    var layers: [PackedLayer<F>]
    /// d × k
    var V: [F]
    /// k, or empty without bias
    var c: [F]
    let configuration: ModelConfiguration

    /// Packs a model's Float64 parameters.
    init(_ model: RNNModel) {
        let cfg = model.configuration
        configuration = cfg
        let d = cfg.hiddenSize, k = cfg.outputSize, G = cfg.cell.gates.count
        layers = (0..<cfg.layers).map { l in
            let n = l == 0 ? cfg.inputSize : d
            return PackedLayer(cell: cfg.cell, inputWidth: n, hidden: d,
                               U: [F](repeating: 0, count: n * G * d), W: [F](repeating: 0, count: d * G * d),
                               b: cfg.bias ? [F](repeating: 0, count: G * d) : [],
                               bhn: cfg.bias && cfg.cell == .gru ? [F](repeating: 0, count: d) : [])
        }
        V = [F](repeating: 0, count: d * k)
        c = cfg.bias ? [F](repeating: 0, count: k) : []
        for (shape, value) in zip(cfg.parameterShapes, model.parameters) {
            let g = shape.gate
            switch shape.role {
            case .inputWeight, .recurrentWeight:
                let isInput = { if case .inputWeight = shape.role { return true } else { return false } }()
                let ld = G * d
                for r in 0..<shape.rows {
                    for j in 0..<d {
                        let v = F(value.storage[r * d + j])
                        if isInput { layers[shape.layer].U[r * ld + g * d + j] = v } else { layers[shape.layer].W[r * ld + g * d + j] = v }
                    }
                }
            case .bias:
                for j in 0..<d { layers[shape.layer].b[g * d + j] = F(value.storage[j]) }
            case .hiddenBias:
                for j in 0..<d { layers[shape.layer].bhn[j] = F(value.storage[j]) }
            case .outputWeight:
                V = value.storage.map { F($0) }
            case .outputBias:
                c = value.storage.map { F($0) }
            }
        }
    }
}

/// Gradients in working precision, shaped like a `PackedNetwork`.
struct PackedGradients<F: RNNScalar> {
    var U: [[F]], W: [[F]], b: [[F]], bhn: [[F]]
    var V: [F], c: [F]

    /// Unpacks into one Float64 matrix per parameter, aligned with `parameterShapes`.
    func unpack(_ cfg: ModelConfiguration) -> [Matrix] {
        let d = cfg.hiddenSize, G = cfg.cell.gates.count
        return cfg.parameterShapes.map { shape in
            var m = Matrix(rows: shape.rows, cols: shape.cols)
            let g = shape.gate, ld = G * d
            switch shape.role {
            case .inputWeight:
                for r in 0..<shape.rows { for j in 0..<d { m.storage[r * d + j] = U[shape.layer][r * ld + g * d + j].double } }
            case .recurrentWeight:
                for r in 0..<shape.rows { for j in 0..<d { m.storage[r * d + j] = W[shape.layer][r * ld + g * d + j].double } }
            case .bias:
                for j in 0..<d { m.storage[j] = b[shape.layer][g * d + j].double }
            case .hiddenBias:
                for j in 0..<d { m.storage[j] = bhn[shape.layer][j].double }
            case .outputWeight:
                m.storage = V.map(\.double)
            case .outputBias:
                m.storage = c.map(\.double)
            }
            return m
        }
    }
}

/// Buffers for a span of up to `capacity` steps over a batch of B sequences,
/// allocated once and reused across spans (nothing is allocated per step).
final class Workspace<F: RNNScalar> {
    var net: PackedNetwork<F>
    let B: Int
    let capacity: Int
    /// Steps in the current span.
    private(set) var T = 0
    private(set) var spanStart = 0
    let n: Int, d: Int, k: Int, L: Int

    /// (T·B) × n
    var x: [F]
    /// Per layer, (T·B) × G·d: x·U + b, then the activated gates (RNN: scratch).
    var pre: [[F]]
    /// Per layer, ((T+1)·B) × d: block 0 is the entering h, block t+1 is h after step t.
    var H: [[F]]
    /// LSTM cell states, like H.
    var C: [[F]]
    /// GRU: (T·B) × d, h_{t-1}·W_n + bh_n.
    var HN: [[F]]
    /// (T·B) × k
    var logits: [F], outputs: [F], dO: [F], targets: [F]
    /// Whether (t, b) has a target.
    var hasTarget: [Bool]
    /// Per sequence of the batch: Σ L_t over the span.
    var sequenceLosses: [Double]
    /// Per (t, b) with a target: L_t.
    var stepLosses: [Double]

    // Backward buffers.
    var dP: [[F]], dQ: [[F]]
    var fromReadout: [F]
    var carryH: [[F]], carryC: [[F]], external: [[F]]
    var stepP: [F], stepQ: [F], scratch: [F]

    init(network: PackedNetwork<F>, batch B: Int, capacity: Int) {
        let cfg = network.configuration
        net = network
        self.B = B
        self.capacity = capacity
        n = cfg.inputSize; d = cfg.hiddenSize; k = cfg.outputSize; L = cfg.layers
        let G = cfg.cell.gates.count, rows = capacity * B
        x = [F](repeating: 0, count: rows * n)
        pre = (0..<L).map { _ in [F](repeating: 0, count: rows * G * cfg.hiddenSize) }
        H = (0..<L).map { _ in [F](repeating: 0, count: (capacity + 1) * B * cfg.hiddenSize) }
        C = cfg.cell == .lstm ? (0..<L).map { _ in [F](repeating: 0, count: (capacity + 1) * B * cfg.hiddenSize) } : []
        HN = cfg.cell == .gru ? (0..<L).map { _ in [F](repeating: 0, count: rows * cfg.hiddenSize) } : []
        logits = [F](repeating: 0, count: rows * k)
        outputs = logits; dO = logits; targets = logits
        hasTarget = [Bool](repeating: false, count: rows)
        sequenceLosses = [Double](repeating: 0, count: B)
        stepLosses = []
        dP = pre
        dQ = cfg.cell == .gru ? pre : []
        fromReadout = [F](repeating: 0, count: rows * d)
        carryH = (0..<L).map { _ in [F](repeating: 0, count: B * cfg.hiddenSize) }
        carryC = carryH
        external = (0..<L).map { l in [F](repeating: 0, count: B * (l == 0 ? cfg.inputSize : cfg.hiddenSize)) }
        stepP = [F](repeating: 0, count: B * G * d)
        stepQ = stepP
        scratch = stepP
    }

    var cell: CellKind { net.configuration.cell }
    var G: Int { net.configuration.cell.gates.count }

    // MARK: - Forward

    /// Runs steps `span` of a batch (one example per row b) from the entering
    /// states (B × S, S = stateWidth), and evaluates the loss where there are
    /// targets. Gradients of the logits are scaled by `scale` (1/B for the mean).
    func forward(_ batch: [SequenceExample], span: Range<Int>, entering: [F], loss: LossKind, scale: F) {
        precondition(batch.count == B && span.count <= capacity)
        T = span.count
        spanStart = span.lowerBound
        let cfg = net.configuration
        // Inputs, time-major; zero after a sequence's last input.
        x.withUnsafeMutableBufferPointer { X in
            for t in 0..<T {
                for b in 0..<B {
                    let row = X.baseAddress! + (t * B + b) * n, step = span.lowerBound + t
                    let ex = batch[b]
                    if step < ex.inputCount {
                        ex.inputSteps.write(step: step, into: row)
                    } else {
                        for j in 0..<n { row[j] = 0 }
                    }
                }
            }
        }
        // Entering states.
        let layerState = cfg.cell.stateWidth(hidden: d), S = cfg.stateWidth
        for l in 0..<L {
            for b in 0..<B {
                for j in 0..<d {
                    H[l][b * d + j] = entering[b * S + l * layerState + j]
                    if cell == .lstm { C[l][b * d + j] = entering[b * S + l * layerState + d + j] }
                }
            }
        }
        for l in 0..<L { forwardLayer(l) }
        readout(batch, loss: loss, scale: scale)
    }

    /// The final state of each sequence (B × S).
    func finalState() -> [F] {
        let layerState = cell.stateWidth(hidden: d), S = net.configuration.stateWidth
        var out = [F](repeating: 0, count: B * S)
        for l in 0..<L {
            for b in 0..<B {
                for j in 0..<d {
                    out[b * S + l * layerState + j] = H[l][(T * B + b) * d + j]
                    if cell == .lstm { out[b * S + l * layerState + d + j] = C[l][(T * B + b) * d + j] }
                }
            }
        }
        return out
    }

    /// One layer over the whole span.
    private func forwardLayer(_ l: Int) {
        let layer = net.layers[l]
        let width = layer.width, ni = layer.inputWidth, rows = T * B
        let activation = net.configuration.activation
        pre[l].withUnsafeMutableBufferPointer { P in
            // P = X·U + b for every step at once.
            if !layer.b.isEmpty {
                for r in 0..<rows { for j in 0..<width { P[r * width + j] = layer.b[j] } }
            }
            let source = l == 0 ? x : H[l - 1]
            source.withUnsafeBufferPointer { X in
                let base = l == 0 ? X.baseAddress! : X.baseAddress! + B * d
                layer.U.withUnsafeBufferPointer { Up in
                    F.product(false, false, m: rows, n: width, k: ni, base, lda: ni, Up.baseAddress!, ldb: width,
                              beta: layer.b.isEmpty ? 0 : 1, P.baseAddress!, ldc: width)
                }
            }
            H[l].withUnsafeMutableBufferPointer { Hp in
                layer.W.withUnsafeBufferPointer { Wp in
                    for t in 0..<T {
                        let p = P.baseAddress! + t * B * width
                        let hPrev = Hp.baseAddress! + t * B * d, hNext = Hp.baseAddress! + (t + 1) * B * d
                        switch cell {
                        case .rnn:
                            // a_t = x_t U + b + s_{t-1} W;  s_t = σ(a_t)
                            F.product(false, false, m: B, n: d, k: d, hPrev, lda: d, Wp.baseAddress!, ldb: d, beta: 1, p, ldc: d)
                            for i in 0..<(B * d) { hNext[i] = activation.apply(p[i]) }
                        case .lstm:
                            // [i f g o] = act(x U + b + h W);  c_t = f⊙c_{t-1} + i⊙g;  h_t = o⊙tanh(c_t)
                            F.product(false, false, m: B, n: width, k: d, hPrev, lda: d, Wp.baseAddress!, ldb: width, beta: 1, p, ldc: width)
                            C[l].withUnsafeMutableBufferPointer { Cp in
                                let cPrev = Cp.baseAddress! + t * B * d, cNext = Cp.baseAddress! + (t + 1) * B * d
                                for b in 0..<B {
                                    let g = p + b * width
                                    for j in 0..<d {
                                        let ig = F.sigmoid(g[j]), fg = F.sigmoid(g[d + j])
                                        let gg = F.tanh(g[2 * d + j]), og = F.sigmoid(g[3 * d + j])
                                        g[j] = ig; g[d + j] = fg; g[2 * d + j] = gg; g[3 * d + j] = og
                                        let cv = fg * cPrev[b * d + j] + ig * gg
                                        cNext[b * d + j] = cv
                                        hNext[b * d + j] = og * F.tanh(cv)
                                    }
                                }
                            }
                        case .gru:
                            // r, z = σ(x U + b + h W);  n = tanh(x U_n + b_n + r⊙(h W_n + bh_n));  h_t = (1−z)⊙n + z⊙h_{t−1}
                            scratch.withUnsafeMutableBufferPointer { Q in
                                F.product(false, false, m: B, n: width, k: d, hPrev, lda: d, Wp.baseAddress!, ldb: width, beta: 0, Q.baseAddress!, ldc: width)
                                HN[l].withUnsafeMutableBufferPointer { HNp in
                                    let hn = HNp.baseAddress! + t * B * d
                                    for b in 0..<B {
                                        let g = p + b * width, q = Q.baseAddress! + b * width
                                        for j in 0..<d {
                                            let r = F.sigmoid(g[j] + q[j]), z = F.sigmoid(g[d + j] + q[d + j])
                                            let hidden = q[2 * d + j] + (layer.bhn.isEmpty ? 0 : layer.bhn[j])
                                            let nv = F.tanh(g[2 * d + j] + r * hidden)
                                            g[j] = r; g[d + j] = z; g[2 * d + j] = nv
                                            hn[b * d + j] = hidden
                                            hNext[b * d + j] = (1 - z) * nv + z * hPrev[b * d + j]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// o = H_top·V + c over the span, ŷ = O(o), and the losses and ∂L/∂o where targets are.
    private func readout(_ batch: [SequenceExample], loss: LossKind, scale: F) {
        let rows = T * B, cfg = net.configuration
        logits.withUnsafeMutableBufferPointer { O in
            if !net.c.isEmpty { for r in 0..<rows { for j in 0..<k { O[r * k + j] = net.c[j] } } }
            H[L - 1].withUnsafeBufferPointer { Hp in
                net.V.withUnsafeBufferPointer { Vp in
                    F.product(false, false, m: rows, n: k, k: d, Hp.baseAddress! + B * d, lda: d, Vp.baseAddress!, ldb: k,
                              beta: net.c.isEmpty ? 0 : 1, O.baseAddress!, ldc: k)
                }
            }
        }
        for i in 0..<(rows * k) { outputs[i] = logits[i] }
        stepLosses.removeAll(keepingCapacity: true)
        for b in 0..<B { sequenceLosses[b] = 0 }
        outputs.withUnsafeMutableBufferPointer { Y in
            for r in 0..<rows { StepLoss.applyReadout(cfg.readout, Y.baseAddress! + r * k, count: k) }
        }
        for t in 0..<T {
            for b in 0..<B {
                let r = t * B + b
                guard let j = batch[b].targetIndex(atStep: spanStart + t, cfg.outputs) else {
                    hasTarget[r] = false
                    for c in 0..<k { dO[r * k + c] = 0 }
                    continue
                }
                hasTarget[r] = true
                targets.withUnsafeMutableBufferPointer { Yt in batch[b].targetSteps.write(step: j, into: Yt.baseAddress! + r * k) }
                let value = logits.withUnsafeBufferPointer { O in
                    outputs.withUnsafeBufferPointer { Y in
                        targets.withUnsafeBufferPointer { Yt in
                            dO.withUnsafeMutableBufferPointer { D in
                                StepLoss.evaluate(loss: loss, readout: cfg.readout, k: k,
                                                  logits: O.baseAddress! + r * k, prediction: Y.baseAddress! + r * k,
                                                  target: Yt.baseAddress! + r * k, gradient: D.baseAddress! + r * k)
                            }
                        }
                    }
                }
                for c in 0..<k { dO[r * k + c] *= scale }
                stepLosses.append(value)
                sequenceLosses[b] += value
            }
        }
    }

    // MARK: - Backward

    /// Gradients of the span's (scaled) loss with respect to every parameter.
    /// The entering states are constants. With `window` K, each L_t reaches
    /// back through its K most recent steps only.
    func backward(window: Int?) -> PackedGradients<F> {
        let rows = T * B
        for l in 0..<L {
            zero(&dP[l])
            if cell == .gru { zero(&dQ[l]) }
        }
        // The readout's share of ∂L/∂h_t for every step: ∂L/∂O · Vᵀ.
        fromReadout.withUnsafeMutableBufferPointer { R in
            dO.withUnsafeBufferPointer { D in
                net.V.withUnsafeBufferPointer { Vp in
                    F.product(false, true, m: rows, n: d, k: k, D.baseAddress!, lda: k, Vp.baseAddress!, ldb: k, beta: 0, R.baseAddress!, ldc: d)
                }
            }
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
                walkStep(step, seedTop: true, propagate: step > 0)
            }
        }
        return weightGradients()
    }

    private func zero(_ a: inout [F]) {
        a.withUnsafeMutableBufferPointer { p in p.update(repeating: 0) }
    }

    func resetCarries() {
        for l in 0..<L {
            zero(&carryH[l])
            if cell == .lstm { zero(&carryC[l]) }
        }
    }

    /// One step of the backward walk at step `t`, layers top to bottom: each
    /// layer's ∂L/∂h_t is the carry from step t+1 plus what comes from above
    /// (the readout for the top layer when `seedTop`, the layer above's input
    /// gradient otherwise). Accumulates the step's pre-activation gradients;
    /// with `propagate`, leaves ∂L/∂h_{t−1} (and ∂L/∂c_{t−1}) in the carries.
    func walkStep(_ t: Int, seedTop: Bool, propagate: Bool, seeds: [[F]]? = nil) {
        for l in stride(from: L - 1, through: 0, by: -1) {
            // dh = carry + from above (+ a seed on this layer's state, for Jacobians).
            carryH[l].withUnsafeMutableBufferPointer { dh in
                if l == L - 1 {
                    if seedTop {
                        for i in 0..<(B * d) { dh[i] += fromReadout[t * B * d + i] }
                    }
                } else {
                    for i in 0..<(B * d) { dh[i] += external[l + 1][i] }
                }
                if let seeds {
                    for i in 0..<(B * d) { dh[i] += seeds[l][i] }
                }
            }
            if let seeds, cell == .lstm {
                for i in 0..<(B * d) { carryC[l][i] += seeds[l][B * d + i] }
            }
            cellBackward(l, t, propagate: propagate)
        }
    }

    /// The backward of one cell step for layer l at step t, from ∂L/∂h_t in
    /// `carryH[l]` (and ∂L/∂c_t in `carryC[l]`). Writes the step's gradients
    /// into stepP (for U and b) and stepQ (for W), adds them into dP/dQ, sets
    /// `external[l]` to ∂L/∂x_t and the carries to ∂L/∂h_{t−1}, ∂L/∂c_{t−1}.
    private func cellBackward(_ l: Int, _ t: Int, propagate: Bool) {
        let layer = net.layers[l], width = layer.width
        let activation = net.configuration.activation
        let rowOffset = t * B * width
        carryH[l].withUnsafeMutableBufferPointer { dh in
            stepP.withUnsafeMutableBufferPointer { SP in
                stepQ.withUnsafeMutableBufferPointer { SQ in
                    let sp = SP.baseAddress!, sq = SQ.baseAddress!
                    switch cell {
                    case .rnn:
                        // ∂L/∂a_t = ∂L/∂s_t ⊙ σ′(a_t), with σ′ from s_t.
                        let s = (t + 1) * B * d
                        for i in 0..<(B * d) { sp[i] = dh[i] * activation.derivative(fromOutput: H[l][s + i]) }
                    case .lstm:
                        let gates = pre[l], cells = C[l]
                        carryC[l].withUnsafeMutableBufferPointer { dc in
                            for b in 0..<B {
                                let g = rowOffset + b * width
                                for j in 0..<d {
                                    let i = b * d + j
                                    let ig = gates[g + j], fg = gates[g + d + j], gg = gates[g + 2 * d + j], og = gates[g + 3 * d + j]
                                    let c = cells[(t + 1) * B * d + i], cPrev = cells[t * B * d + i]
                                    let tc = F.tanh(c)
                                    let dOut = dh[i] * tc
                                    let dCell = dh[i] * og * (1 - tc * tc) + dc[i]
                                    sp[b * width + j] = dCell * gg * ig * (1 - ig)
                                    sp[b * width + d + j] = dCell * cPrev * fg * (1 - fg)
                                    sp[b * width + 2 * d + j] = dCell * ig * (1 - gg * gg)
                                    sp[b * width + 3 * d + j] = dOut * og * (1 - og)
                                    dc[i] = dCell * fg
                                }
                            }
                        }
                    case .gru:
                        let gates = pre[l], hidden = HN[l], states = H[l]
                        for b in 0..<B {
                            let g = rowOffset + b * width
                            for j in 0..<d {
                                let i = b * d + j
                                let r = gates[g + j], z = gates[g + d + j], nv = gates[g + 2 * d + j]
                                let hPrev = states[t * B * d + i], hn = hidden[t * B * d + i]
                                let dn = dh[i] * (1 - z)
                                let dz = dh[i] * (hPrev - nv)
                                let dan = dn * (1 - nv * nv)
                                let dr = dan * hn
                                sp[b * width + j] = dr * r * (1 - r)
                                sp[b * width + d + j] = dz * z * (1 - z)
                                sp[b * width + 2 * d + j] = dan
                                sq[b * width + j] = sp[b * width + j]
                                sq[b * width + d + j] = sp[b * width + d + j]
                                sq[b * width + 2 * d + j] = dan * r
                                // The direct path h_{t−1} → h_t through z, kept for the carry.
                                dh[i] = dh[i] * z
                            }
                        }
                    }
                    let grad = cell == .gru ? sq : sp
                    // Accumulate into the span's gradients.
                    dP[l].withUnsafeMutableBufferPointer { D in
                        for i in 0..<(B * width) { D[rowOffset + i] += sp[i] }
                    }
                    if cell == .gru {
                        dQ[l].withUnsafeMutableBufferPointer { D in
                            for i in 0..<(B * width) { D[rowOffset + i] += sq[i] }
                        }
                    }
                    // ∂L/∂x_t for the layer below.
                    if l > 0 {
                        external[l].withUnsafeMutableBufferPointer { E in
                            layer.U.withUnsafeBufferPointer { Up in
                                F.product(false, true, m: B, n: layer.inputWidth, k: width, sp, lda: width, Up.baseAddress!, ldb: width,
                                          beta: 0, E.baseAddress!, ldc: layer.inputWidth)
                            }
                        }
                    }
                    // ∂L/∂h_{t−1} = step gradients · Wᵀ (+ the GRU's direct path, already in dh).
                    if propagate {
                        layer.W.withUnsafeBufferPointer { Wp in
                            F.product(false, true, m: B, n: d, k: width, grad, lda: width, Wp.baseAddress!, ldb: width,
                                      beta: cell == .gru ? 1 : 0, dh.baseAddress!, ldc: d)
                        }
                    } else {
                        for i in 0..<(B * d) { dh[i] = 0 }
                        if cell == .lstm { for i in 0..<(B * d) { carryC[l][i] = 0 } }
                    }
                }
            }
        }
    }

    /// Weight gradients from the accumulated step gradients, all steps at once.
    private func weightGradients() -> PackedGradients<F> {
        let rows = T * B
        var grads = PackedGradients<F>(U: [], W: [], b: [], bhn: [], V: [F](repeating: 0, count: d * k), c: [])
        for l in 0..<L {
            let layer = net.layers[l], width = layer.width, ni = layer.inputWidth
            var gU = [F](repeating: 0, count: ni * width), gW = [F](repeating: 0, count: d * width)
            var gb = [F](), gbh = [F]()
            let source = l == 0 ? x : H[l - 1]
            dP[l].withUnsafeBufferPointer { D in
                source.withUnsafeBufferPointer { X in
                    gU.withUnsafeMutableBufferPointer { G in
                        F.product(true, false, m: ni, n: width, k: rows, l == 0 ? X.baseAddress! : X.baseAddress! + B * d, lda: ni,
                                  D.baseAddress!, ldb: width, beta: 0, G.baseAddress!, ldc: width)
                    }
                }
                if !layer.b.isEmpty {
                    gb = [F](repeating: 0, count: width)
                    for r in 0..<rows { for j in 0..<width { gb[j] += D[r * width + j] } }
                }
            }
            (cell == .gru ? dQ[l] : dP[l]).withUnsafeBufferPointer { D in
                H[l].withUnsafeBufferPointer { Hp in
                    gW.withUnsafeMutableBufferPointer { G in
                        F.product(true, false, m: d, n: width, k: rows, Hp.baseAddress!, lda: d, D.baseAddress!, ldb: width,
                                  beta: 0, G.baseAddress!, ldc: width)
                    }
                }
                if !layer.bhn.isEmpty {
                    gbh = [F](repeating: 0, count: d)
                    for r in 0..<rows { for j in 0..<d { gbh[j] += D[r * width + 2 * d + j] } }
                }
            }
            grads.U.append(gU); grads.W.append(gW); grads.b.append(gb); grads.bhn.append(gbh)
        }
        dO.withUnsafeBufferPointer { D in
            H[L - 1].withUnsafeBufferPointer { Hp in
                grads.V.withUnsafeMutableBufferPointer { G in
                    F.product(true, false, m: d, n: k, k: rows, Hp.baseAddress! + B * d, lda: d, D.baseAddress!, ldb: k,
                              beta: 0, G.baseAddress!, ldc: k)
                }
            }
            if !net.c.isEmpty {
                grads.c = [F](repeating: 0, count: k)
                for r in 0..<rows { for j in 0..<k { grads.c[j] += D[r * k + j] } }
            }
        }
        return grads
    }

    /// Where a forward pass first went non-finite: the first step (1-based)
    /// whose state, logits or loss is NaN or infinite, for a training error.
    func firstNonFinite() -> String? {
        for t in 0..<T {
            for l in 0..<L {
                for i in 0..<(B * d) where !H[l][(t + 1) * B * d + i].isFinite {
                    let b = i / d
                    return "the state s_\(t + 1)\(L > 1 ? " of layer \(l + 1)" : "") (sequence \(b + 1) of the batch, step \(spanStart + t + 1))"
                }
            }
            for i in 0..<(B * k) where !logits[t * B * k + i].isFinite {
                return "the logits o_\(t + 1) (sequence \(i / k + 1) of the batch, step \(spanStart + t + 1))"
            }
        }
        return nil
    }

    // MARK: - Jacobians

    /// ∂s_t/∂s_k for every k = 0 … t−1 in one sweep (index k): each row's
    /// backward walk records its carry at every step it passes.
    func stateJacobians(from t: Int) -> [Matrix] {
        precondition(B == 1)
        let S = net.configuration.stateWidth, layerState = cell.stateWidth(hidden: d)
        var result = (0..<t).map { _ in Matrix(rows: S, cols: S) }
        var seeds = (0..<L).map { _ in [F](repeating: 0, count: layerState) }
        let saved = fromReadout
        zero(&fromReadout)
        for i in 0..<S {
            for l in 0..<L { zero(&seeds[l]) }
            seeds[i / layerState][i % layerState] = 1
            resetCarries()
            for step in stride(from: t - 1, through: 0, by: -1) {
                walkStep(step, seedTop: false, propagate: true, seeds: step == t - 1 ? seeds : nil)
                for l in 0..<L {
                    for j in 0..<d {
                        result[step][i, l * layerState + j] = carryH[l][j].double
                        if cell == .lstm { result[step][i, l * layerState + d + j] = carryC[l][j].double }
                    }
                }
            }
        }
        fromReadout = saved
        for l in 0..<L {
            zero(&dP[l])
            if cell == .gru { zero(&dQ[l]) }
        }
        return result
    }

    /// J[i][m] = ∂s_t[i]/∂s_k[m] for sequence 0 of the span (steps relative to
    /// its start, 0 ≤ k < t ≤ T), s the concatenated state of every layer: one
    /// backward walk per row, seeded with the unit vector e_i on s_t.
    func stateJacobian(from t: Int, to k: Int) -> Matrix {
        precondition(B == 1)
        let S = net.configuration.stateWidth, layerState = cell.stateWidth(hidden: d)
        var J = Matrix(rows: S, cols: S)
        var seeds = (0..<L).map { _ in [F](repeating: 0, count: layerState) }
        let saved = fromReadout
        zero(&fromReadout)
        for i in 0..<S {
            for l in 0..<L { zero(&seeds[l]) }
            seeds[i / layerState][i % layerState] = 1
            resetCarries()
            // Step t (0-based t−1) gets the seed; steps t−1 … k+1 carry it back.
            for step in stride(from: t - 1, through: k, by: -1) {
                walkStep(step, seedTop: false, propagate: true, seeds: step == t - 1 ? seeds : nil)
            }
            for l in 0..<L {
                for j in 0..<d {
                    J[i, l * layerState + j] = carryH[l][j].double
                    if cell == .lstm { J[i, l * layerState + d + j] = carryC[l][j].double }
                }
            }
        }
        fromReadout = saved
        for l in 0..<L {
            zero(&dP[l])
            if cell == .gru { zero(&dQ[l]) }
        }
        return J
    }
}
