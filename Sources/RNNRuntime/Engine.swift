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

/// Where each tensor of a network lives in one flat buffer: per layer the
/// input weights (n_ℓ × G·d, gates side by side), the recurrent weights
/// (d × G·d), the biases (G·d) and the GRU's bh_n (d); then V (d × k) and c.
/// Parameters, gradients and optimizer state all use this layout, so training
/// never repacks: each matrix product reads and writes its slice in place.
struct PackedLayout: Sendable {
    struct Layer: Sendable {
        var inputWidth: Int
        var u: Int, w: Int
        var b: Int?, bhn: Int?
    }
    let cell: CellKind
    let hidden: Int
    let outputs: Int
    var gateCount: Int { cell.gates.count }
    var width: Int { gateCount * hidden }
    var layers: [Layer] = []
    var v = 0
    var c: Int?
    var count = 0

    init(_ cfg: ModelConfiguration) {
        cell = cfg.cell
        hidden = cfg.hiddenSize
        outputs = cfg.outputSize
        let d = cfg.hiddenSize, width = cfg.cell.gates.count * d
        var offset = 0
        for l in 0..<cfg.layers {
            let n = l == 0 ? cfg.inputSize : d
            var layer = Layer(inputWidth: n, u: offset, w: offset + n * width, b: nil, bhn: nil)
            offset += n * width + d * width
            if cfg.bias { layer.b = offset; offset += width }
            if cfg.bias && cfg.cell == .gru { layer.bhn = offset; offset += d }
            layers.append(layer)
        }
        v = offset
        offset += d * cfg.outputSize
        if cfg.bias { c = offset; offset += cfg.outputSize }
        count = offset
    }

    /// The flat position of element (r, j) of each parameter, in `parameterShapes` order.
    func positions(_ cfg: ModelConfiguration) -> [[Int]] {
        let d = hidden, ld = width
        return cfg.parameterShapes.map { shape in
            let g = shape.gate
            var out = [Int]()
            out.reserveCapacity(shape.rows * shape.cols)
            switch shape.role {
            case .inputWeight:
                for r in 0..<shape.rows { for j in 0..<d { out.append(layers[shape.layer].u + r * ld + g * d + j) } }
            case .recurrentWeight:
                for r in 0..<shape.rows { for j in 0..<d { out.append(layers[shape.layer].w + r * ld + g * d + j) } }
            case .bias:
                for j in 0..<d { out.append(layers[shape.layer].b! + g * d + j) }
            case .hiddenBias:
                for j in 0..<d { out.append(layers[shape.layer].bhn! + j) }
            case .outputWeight:
                for i in 0..<(shape.rows * shape.cols) { out.append(v + i) }
            case .outputBias:
                for i in 0..<shape.cols { out.append(c! + i) }
            }
            return out
        }
    }

    /// Per-parameter values (row-major, `parameterShapes` order) packed into one buffer.
    func pack<F: RNNScalar>(_ values: [[Double]], positions: [[Int]]) -> [F] {
        var flat = [F](repeating: 0, count: count)
        for (p, list) in positions.enumerated() { for (i, at) in list.enumerated() { flat[at] = F(values[p][i]) } }
        return flat
    }

    /// A packed buffer back to per-parameter values.
    func unpack<F: RNNScalar>(_ flat: [F], positions: [[Int]]) -> [[Double]] {
        positions.map { list in list.map { flat[$0].double } }
    }
}

/// A whole network in working precision: one flat buffer in `PackedLayout` order.
struct PackedNetwork<F: RNNScalar> {
    let configuration: ModelConfiguration
    let layout: PackedLayout
    let positions: [[Int]]
    var values: [F]

    /// Packs a model's Float64 parameters.
    init(_ model: RNNModel) {
        configuration = model.configuration
        layout = PackedLayout(model.configuration)
        positions = layout.positions(model.configuration)
        values = layout.pack(model.parameters.map(\.storage), positions: positions)
    }

    /// Per-parameter matrices (Float64) from a packed buffer of this layout.
    func matrices(_ flat: [F]) -> [Matrix] {
        zip(configuration.parameterShapes, layout.unpack(flat, positions: positions)).map {
            Matrix(rows: $0.rows, cols: $0.cols, storage: $1)
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
    /// When every input of the span is a one-hot class: the class of each row
    /// (−1 for a zero row). x·U is then a row lookup and Xᵀ·δ a scatter-add.
    var xClasses: [Int32]
    var inputsAreClasses = false
    /// Per layer, (T·B) × G·d: x·U + b, then the activated gates (RNN: scratch).
    var pre: [[F]]
    /// Per layer, ((T+1)·B) × d: block 0 is the entering h, block t+1 is h after step t.
    var H: [[F]]
    /// LSTM cell states, like H, and tanh of them (kept for the backward pass).
    var C: [[F]], TanhC: [[F]]
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
    /// ∂L/∂θ in `PackedLayout` order, filled by `backward`.
    var grads: [F]
    var dP: [[F]], dQ: [[F]]
    var fromReadout: [F]
    var carryH: [[F]], carryC: [[F]], external: [[F]]
    var stepP: [F], stepQ: [F], scratch: [F]
    /// Whether the step products run on W (and Wᵀ) packed into panels once
    /// per pass: for batches of 8 or more rows, where each panel is reused
    /// by every row and reading W in place would stride across 4 KiB pages.
    let stepPanels: Bool
    /// Per layer, W packed at the start of each forward pass (with `stepPanels`).
    var forwardPanels: [[F]]
    /// Per layer, Wᵀ (G·d × d) at the start of each backward pass: packed into
    /// panels with `stepPanels`, else a plain copy, so that ∂L/∂h_{t−1} = δ·Wᵀ
    /// reads contiguous rows (the product kernels vectorise across outputs only).
    var transposedW: [[F]]
    /// Where this workspace's first sequence sits in the whole batch (for
    /// messages, when a batch is split over two workspaces).
    var sequenceOffset = 0
    /// Whether the current backward walk visits each step once (no window),
    /// so step gradients are written rather than accumulated (set by `backward`).
    private var walkVisitsOnce = false
    /// Whether `transposedW` holds the current weights (set by `backward`).
    private var transposedWFresh = false

    init(network: PackedNetwork<F>, batch B: Int, capacity: Int) {
        let cfg = network.configuration
        net = network
        self.B = B
        self.capacity = capacity
        n = cfg.inputSize; d = cfg.hiddenSize; k = cfg.outputSize; L = cfg.layers
        let G = cfg.cell.gates.count, rows = capacity * B
        x = [F](repeating: 0, count: rows * n)
        xClasses = [Int32](repeating: -1, count: rows)
        pre = (0..<L).map { _ in [F](repeating: 0, count: rows * G * cfg.hiddenSize) }
        H = (0..<L).map { _ in [F](repeating: 0, count: (capacity + 1) * B * cfg.hiddenSize) }
        C = cfg.cell == .lstm ? (0..<L).map { _ in [F](repeating: 0, count: (capacity + 1) * B * cfg.hiddenSize) } : []
        TanhC = C
        HN = cfg.cell == .gru ? (0..<L).map { _ in [F](repeating: 0, count: rows * cfg.hiddenSize) } : []
        logits = [F](repeating: 0, count: rows * k)
        outputs = logits; dO = logits; targets = logits
        hasTarget = [Bool](repeating: false, count: rows)
        sequenceLosses = [Double](repeating: 0, count: B)
        stepLosses = []
        grads = [F](repeating: 0, count: network.layout.count)
        dP = pre
        dQ = cfg.cell == .gru ? pre : []
        fromReadout = [F](repeating: 0, count: rows * d)
        carryH = (0..<L).map { _ in [F](repeating: 0, count: B * cfg.hiddenSize) }
        carryC = carryH
        external = (0..<L).map { l in [F](repeating: 0, count: B * (l == 0 ? cfg.inputSize : cfg.hiddenSize)) }
        stepP = [F](repeating: 0, count: B * G * d)
        stepQ = stepP
        scratch = stepP
        let width = G * cfg.hiddenSize, hidden = cfg.hiddenSize
        let panels = B >= 8
        stepPanels = panels
        forwardPanels = panels ? (0..<cfg.layers).map { _ in [F](repeating: 0, count: F.panelsSize(k: hidden, n: width)) } : []
        transposedW = (0..<cfg.layers).map { _ in
            [F](repeating: 0, count: panels ? F.panelsSize(k: width, n: hidden) : width * hidden)
        }
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
        inputsAreClasses = batch.allSatisfy { if case .classes = $0.inputSteps { return true } else { return false } }
        x.withUnsafeMutableBufferPointer { X in
            for t in 0..<T {
                for b in 0..<B {
                    let row = X.baseAddress! + (t * B + b) * n, step = span.lowerBound + t
                    let ex = batch[b]
                    if step < ex.inputCount {
                        ex.inputSteps.write(step: step, into: row)
                        if inputsAreClasses, case let .classes(c, _) = ex.inputSteps { xClasses[t * B + b] = c[step] }
                    } else {
                        for j in 0..<n { row[j] = 0 }
                        xClasses[t * B + b] = -1
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
        let layer = net.layout.layers[l]
        let width = net.layout.width, ni = layer.inputWidth, rows = T * B
        let activation = net.configuration.activation
        net.values.withUnsafeBufferPointer { NP in
        let N = NP.baseAddress!
        pre[l].withUnsafeMutableBufferPointer { P in
            // P = X·U + b for every step at once.
            if let bo = layer.b {
                for r in 0..<rows { for j in 0..<width { P[r * width + j] = N[bo + j] } }
            }
            if l == 0 && inputsAreClasses {
                // x_t one-hot: x_t·U is row c_t of U.
                if layer.b == nil { for i in 0..<(rows * width) { P[i] = 0 } }
                for r in 0..<rows where xClasses[r] >= 0 {
                    let u = N + layer.u + Int(xClasses[r]) * width, p = P.baseAddress! + r * width
                    for j in stride(from: 0, to: width, by: 8) { p.setLanes(p.lanes(j, width) + u.lanes(j, width), j, width) }
                }
            } else {
                let source = l == 0 ? x : H[l - 1]
                source.withUnsafeBufferPointer { X in
                    let base = l == 0 ? X.baseAddress! : X.baseAddress! + B * d
                    F.product(false, false, m: rows, n: width, k: ni, base, lda: ni, N + layer.u, ldb: width,
                              beta: layer.b == nil ? 0 : 1, P.baseAddress!, ldc: width)
                }
            }
            H[l].withUnsafeMutableBufferPointer { Hp in
                do { let Wp = N + layer.w
                    if stepPanels {
                        forwardPanels[l].withUnsafeMutableBufferPointer {
                            F.pack(transposed: false, k: d, n: width, Wp, ldb: width, into: $0.baseAddress!)
                        }
                    }
                    let panels = stepPanels ? forwardPanels[l] : []
                    /// out (B × G·d) = h_{t−1}·W + beta·out
                    func recurrent(_ hPrev: UnsafePointer<F>, beta: F, _ out: UnsafeMutablePointer<F>) {
                        if stepPanels {
                            panels.withUnsafeBufferPointer {
                                F.packedProduct(m: B, n: width, k: d, hPrev, lda: d, panels: $0.baseAddress!, beta: beta, out, ldc: width)
                            }
                        } else {
                            F.product(false, false, m: B, n: width, k: d, hPrev, lda: d, Wp, ldb: width, beta: beta, out, ldc: width)
                        }
                    }
                    for t in 0..<T {
                        let p = P.baseAddress! + t * B * width
                        let hPrev = Hp.baseAddress! + t * B * d, hNext = Hp.baseAddress! + (t + 1) * B * d
                        switch cell {
                        case .rnn:
                            // a_t = x_t U + b + s_{t-1} W;  s_t = σ(a_t)
                            recurrent(hPrev, beta: 1, p)
                            activation.apply(p, into: hNext, count: B * d)
                        case .lstm:
                            // [i f g o] = act(x U + b + h W);  c_t = f⊙c_{t-1} + i⊙g;  h_t = o⊙tanh(c_t)
                            recurrent(hPrev, beta: 1, p)
                            C[l].withUnsafeMutableBufferPointer { Cp in TanhC[l].withUnsafeMutableBufferPointer { TC in
                                for b in 0..<B {
                                    Self.lstmForward(gates: p + b * width, d: d, cPrev: Cp.baseAddress! + (t * B + b) * d,
                                                     cNext: Cp.baseAddress! + ((t + 1) * B + b) * d,
                                                     tanhC: TC.baseAddress! + ((t + 1) * B + b) * d, hNext: hNext + b * d)
                                }
                            } }
                        case .gru:
                            // r, z = σ(x U + b + h W);  n = tanh(x U_n + b_n + r⊙(h W_n + bh_n));  h_t = (1−z)⊙n + z⊙h_{t−1}
                            scratch.withUnsafeMutableBufferPointer { Q in
                                recurrent(hPrev, beta: 0, Q.baseAddress!)
                                HN[l].withUnsafeMutableBufferPointer { HNp in
                                    let hn = HNp.baseAddress! + t * B * d
                                    for b in 0..<B {
                                        Self.gruForward(gates: p + b * width, recurrent: Q.baseAddress! + b * width, d: d,
                                                        hiddenBias: layer.bhn.map { N + $0 }, hPrev: hPrev + b * d,
                                                        hidden: hn + b * d, hNext: hNext + b * d)
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

    // The cell kernels below are written as short passes over contiguous rows
    // with few pointers each: LLVM then vectorises them (it cannot prove
    // Swift pointers distinct, and gives up when one loop needs too many
    // runtime overlap checks). Each element's arithmetic is the textbook
    // formula in its textbook order, so Float64 results are those of one loop.

    /// One LSTM step for one sequence, in place on its gate row (pre-activations
    /// in, activated gates i f g o out); keeps tanh(c_t) for the backward pass.
    @inline(__always)
    static func lstmForward(gates g: UnsafeMutablePointer<F>, d: Int, cPrev: UnsafePointer<F>,
                                    cNext: UnsafeMutablePointer<F>, tanhC: UnsafeMutablePointer<F>,
                                    hNext: UnsafeMutablePointer<F>) {
        F.sigmoid(g, into: g, count: 2 * d)
        let gg = g + 2 * d, og = g + 3 * d
        F.tanh(gg, into: gg, count: d)
        F.sigmoid(og, into: og, count: d)
        // c_t = f ⊙ c_{t−1} + i ⊙ g
        for j in 0..<d { cNext[j] = g[d + j] * cPrev[j] + g[j] * gg[j] }
        F.tanh(cNext, into: tanhC, count: d)
        for j in 0..<d { hNext[j] = og[j] * tanhC[j] }
    }

    /// One GRU step for one sequence: `gates` holds x·U + b (r, z, n) and
    /// becomes the activated r, z, n; `recurrent` is h_{t−1}·W (its n block is
    /// reused as scratch); `hidden` receives h_{t−1}·W_n + bh_n for the backward pass.
    @inline(__always)
    private static func gruForward(gates g: UnsafeMutablePointer<F>, recurrent q: UnsafeMutablePointer<F>, d: Int,
                                   hiddenBias: UnsafePointer<F>?, hPrev: UnsafePointer<F>,
                                   hidden: UnsafeMutablePointer<F>, hNext: UnsafeMutablePointer<F>) {
        if let bias = hiddenBias {
            for j in 0..<d { hidden[j] = q[2 * d + j] + bias[j] }
        } else {
            for j in 0..<d { hidden[j] = q[2 * d + j] }
        }
        for j in 0..<(2 * d) { g[j] += q[j] }
        F.sigmoid(g, into: g, count: 2 * d)
        let ng = g + 2 * d, zg = g + d, rh = q + 2 * d
        // n = tanh(x U_n + b_n + r ⊙ (h W_n + bh_n)); r ⊙ (…) first, in a row of its
        // own, because LLVM will not vectorise a loop writing g's n block while reading its r block.
        for j in 0..<d { rh[j] = g[j] * hidden[j] }
        for j in 0..<d { ng[j] += rh[j] }
        F.tanh(ng, into: ng, count: d)
        for j in 0..<d { hNext[j] = (1 - zg[j]) * ng[j] + zg[j] * hPrev[j] }
    }

    /// o = H_top·V + c over the span, ŷ = O(o), and the losses and ∂L/∂o where targets are.
    private func readout(_ batch: [SequenceExample], loss: LossKind, scale: F) {
        let rows = T * B, cfg = net.configuration
        let layout = net.layout
        net.values.withUnsafeBufferPointer { NP in
            logits.withUnsafeMutableBufferPointer { O in
                if let co = layout.c { for r in 0..<rows { for j in 0..<k { O[r * k + j] = NP[co + j] } } }
                H[L - 1].withUnsafeBufferPointer { Hp in
                    F.product(false, false, m: rows, n: k, k: d, Hp.baseAddress! + B * d, lda: d, NP.baseAddress! + layout.v, ldb: k,
                              beta: layout.c == nil ? 0 : 1, O.baseAddress!, ldc: k)
                }
            }
        }
        stepLosses.removeAll(keepingCapacity: true)
        for b in 0..<B { sequenceLosses[b] = 0 }
        let readoutKind = cfg.readout, outputsKind = cfg.outputs
        logits.withUnsafeBufferPointer { O in
        outputs.withUnsafeMutableBufferPointer { Y in
        targets.withUnsafeMutableBufferPointer { Yt in
        dO.withUnsafeMutableBufferPointer { D in
            let o = O.baseAddress!, y = Y.baseAddress!, yt = Yt.baseAddress!, dO = D.baseAddress!
            y.update(from: o, count: rows * k)
            for t in 0..<T {
                for b in 0..<B {
                    let r = t * B + b, row = r * k
                    let logSum = StepLoss.applyReadout(readoutKind, y + row, count: k)
                    guard let j = batch[b].targetIndex(atStep: spanStart + t, outputsKind) else {
                        hasTarget[r] = false
                        (dO + row).update(repeating: 0, count: k)
                        continue
                    }
                    hasTarget[r] = true
                    batch[b].targetSteps.write(step: j, into: yt + row)
                    let value = StepLoss.evaluate(loss: loss, readout: readoutKind, k: k, logits: o + row, prediction: y + row,
                                                  target: yt + row, gradient: dO + row, logSumExp: logSum)
                    for c in 0..<k { dO[row + c] *= scale }
                    stepLosses.append(value)
                    sequenceLosses[b] += value
                }
            }
        } } } }
    }

    // MARK: - Backward

    /// Gradients of the span's (scaled) loss with respect to every parameter.
    /// The entering states are constants. With `window` K, each L_t reaches
    /// back through its K most recent steps only.
    @discardableResult
    func backward(window: Int?) -> [F] {
        let rows = T * B
        refreshTransposedWeights()
        defer { transposedWFresh = false; walkVisitsOnce = false }
        // Without a window each step is walked once and its rows of dP are
        // written, not accumulated: no clearing pass over the buffers.
        walkVisitsOnce = window.map { $0 >= T } ?? true
        if !walkVisitsOnce {
            for l in 0..<L {
                zero(&dP[l])
                if cell == .gru { zero(&dQ[l]) }
            }
        }
        // The readout's share of ∂L/∂h_t for every step: ∂L/∂O · Vᵀ.
        let v = net.layout.v
        net.values.withUnsafeBufferPointer { NP in
            fromReadout.withUnsafeMutableBufferPointer { R in
                dO.withUnsafeBufferPointer { D in
                    F.product(false, true, m: rows, n: d, k: k, D.baseAddress!, lda: k, NP.baseAddress! + v, ldb: k, beta: 0, R.baseAddress!, ldc: d)
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
        weightGradients()
        return grads
    }

    /// Wᵀ of every layer, for the step products of the backward walk.
    private func refreshTransposedWeights() {
        let width = net.layout.width
        net.values.withUnsafeBufferPointer { NP in
            for l in 0..<L {
                let w = NP.baseAddress! + net.layout.layers[l].w
                if stepPanels {
                    transposedW[l].withUnsafeMutableBufferPointer {
                        F.pack(transposed: true, k: width, n: d, w, ldb: width, into: $0.baseAddress!)
                    }
                    continue
                }
                transposedW[l].withUnsafeMutableBufferPointer { WT in
                    let wt = WT.baseAddress!
                    // In 16 × 16 tiles, so both sides stay in cache lines already loaded.
                    for i0 in stride(from: 0, to: d, by: 16) {
                        for j0 in stride(from: 0, to: width, by: 16) {
                            for i in i0..<min(i0 + 16, d) {
                                for j in j0..<min(j0 + 16, width) { wt[j * d + i] = w[i * width + j] }
                            }
                        }
                    }
                }
            }
        }
        transposedWFresh = true
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
        let layer = net.layout.layers[l], width = net.layout.width
        let activation = net.configuration.activation
        let rowOffset = t * B * width
        carryH[l].withUnsafeMutableBufferPointer { dh in
            stepP.withUnsafeMutableBufferPointer { SP in
                stepQ.withUnsafeMutableBufferPointer { SQ in
                    let sp = SP.baseAddress!, sq = SQ.baseAddress!
                    switch cell {
                    case .rnn:
                        // ∂L/∂a_t = ∂L/∂s_t ⊙ σ′(a_t), with σ′ from s_t.
                        H[l].withUnsafeBufferPointer { Hp in
                            activation.backward(dh.baseAddress!, outputs: Hp.baseAddress! + (t + 1) * B * d, into: sp, count: B * d)
                        }
                    case .lstm:
                        pre[l].withUnsafeBufferPointer { Pp in C[l].withUnsafeBufferPointer { Cp in TanhC[l].withUnsafeBufferPointer { TC in
                            carryC[l].withUnsafeMutableBufferPointer { dc in
                                for b in 0..<B {
                                    Self.lstmBackward(gates: Pp.baseAddress! + rowOffset + b * width, d: d,
                                                      tanhC: TC.baseAddress! + ((t + 1) * B + b) * d, cPrev: Cp.baseAddress! + (t * B + b) * d,
                                                      dh: dh.baseAddress! + b * d, dc: dc.baseAddress! + b * d, into: sp + b * width)
                                }
                            }
                        } } }
                    case .gru:
                        pre[l].withUnsafeBufferPointer { Pp in HN[l].withUnsafeBufferPointer { HNp in H[l].withUnsafeBufferPointer { Hp in
                            for b in 0..<B {
                                Self.gruBackward(gates: Pp.baseAddress! + rowOffset + b * width, d: d,
                                                 hPrev: Hp.baseAddress! + (t * B + b) * d, hidden: HNp.baseAddress! + (t * B + b) * d,
                                                 dh: dh.baseAddress! + b * d, input: sp + b * width, recurrent: sq + b * width)
                            }
                        } } }
                    }
                    let grad = cell == .gru ? sq : sp
                    // Into the span's gradients: accumulated when a window revisits steps,
                    // else written (as 0 + x, so a −0 becomes +0 exactly as accumulating did).
                    dP[l].withUnsafeMutableBufferPointer { D in
                        let d = D.baseAddress! + rowOffset
                        if walkVisitsOnce { for i in 0..<(B * width) { d[i] = sp[i] + 0 } }
                        else { for i in 0..<(B * width) { d[i] += sp[i] } }
                    }
                    if cell == .gru {
                        dQ[l].withUnsafeMutableBufferPointer { D in
                            let d = D.baseAddress! + rowOffset
                            if walkVisitsOnce { for i in 0..<(B * width) { d[i] = sq[i] + 0 } }
                            else { for i in 0..<(B * width) { d[i] += sq[i] } }
                        }
                    }
                    // ∂L/∂x_t for the layer below.
                    if l > 0 {
                        external[l].withUnsafeMutableBufferPointer { E in
                            net.values.withUnsafeBufferPointer { NP in
                                F.product(false, true, m: B, n: layer.inputWidth, k: width, sp, lda: width, NP.baseAddress! + layer.u, ldb: width,
                                          beta: 0, E.baseAddress!, ldc: layer.inputWidth)
                            }
                        }
                    }
                    // ∂L/∂h_{t−1} = step gradients · Wᵀ (+ the GRU's direct path, already in dh).
                    if propagate {
                        if transposedWFresh && stepPanels {
                            transposedW[l].withUnsafeBufferPointer { WT in
                                F.packedProduct(m: B, n: d, k: width, grad, lda: width, panels: WT.baseAddress!,
                                                beta: cell == .gru ? 1 : 0, dh.baseAddress!, ldc: d)
                            }
                        } else if transposedWFresh {
                            transposedW[l].withUnsafeBufferPointer { WT in
                                F.product(false, false, m: B, n: d, k: width, grad, lda: width, WT.baseAddress!, ldb: d,
                                          beta: cell == .gru ? 1 : 0, dh.baseAddress!, ldc: d)
                            }
                        } else {
                            net.values.withUnsafeBufferPointer { NP in
                                F.product(false, true, m: B, n: d, k: width, grad, lda: width, NP.baseAddress! + layer.w, ldb: width,
                                          beta: cell == .gru ? 1 : 0, dh.baseAddress!, ldc: d)
                            }
                        }
                    } else {
                        for i in 0..<(B * d) { dh[i] = 0 }
                        if cell == .lstm { for i in 0..<(B * d) { carryC[l][i] = 0 } }
                    }
                }
            }
        }
    }

    /// The backward of one LSTM step for one sequence: from ∂L/∂h_t (`dh`) and
    /// ∂L/∂c_t (`dc`), the gate pre-activation gradients into `out` (i f g o),
    /// and ∂L/∂c_{t−1} left in `dc`.
    @inline(__always)
    private static func lstmBackward(gates g: UnsafePointer<F>, d: Int, tanhC tc: UnsafePointer<F>, cPrev: UnsafePointer<F>,
                                     dh: UnsafePointer<F>, dc: UnsafeMutablePointer<F>, into out: UnsafeMutablePointer<F>) {
        let fg = g + d, gg = g + 2 * d, og = g + 3 * d
        // ∂L/∂c_t in full: through h_t = o ⊙ tanh(c_t), plus the carry from c_{t+1}.
        for j in 0..<d { dc[j] = dh[j] * og[j] * (1 - tc[j] * tc[j]) + dc[j] }
        for j in 0..<d { out[j] = dc[j] * gg[j] * g[j] * (1 - g[j]) }
        let outF = out + d, outG = out + 2 * d, outO = out + 3 * d
        for j in 0..<d { outF[j] = dc[j] * cPrev[j] * fg[j] * (1 - fg[j]) }
        for j in 0..<d { outG[j] = dc[j] * g[j] * (1 - gg[j] * gg[j]) }
        for j in 0..<d { outO[j] = dh[j] * tc[j] * og[j] * (1 - og[j]) }
        for j in 0..<d { dc[j] = dc[j] * fg[j] }
    }

    /// The backward of one GRU step for one sequence: the gradients for U and b
    /// into `input`, those for W into `recurrent` (the n block scaled by r), and
    /// `dh` replaced by the direct path z ⊙ ∂L/∂h_t (the W path is added later).
    @inline(__always)
    private static func gruBackward(gates g: UnsafePointer<F>, d: Int, hPrev: UnsafePointer<F>, hidden: UnsafePointer<F>,
                                    dh: UnsafeMutablePointer<F>, input sp: UnsafeMutablePointer<F>,
                                    recurrent sq: UnsafeMutablePointer<F>) {
        let zg = g + d, ng = g + 2 * d
        let dR = sp, dZ = sp + d, dN = sp + 2 * d
        // ∂L/∂a_n = ∂L/∂h ⊙ (1 − z) ⊙ (1 − n²)
        for j in 0..<d { dN[j] = dh[j] * (1 - zg[j]) * (1 - ng[j] * ng[j]) }
        for j in 0..<d { dR[j] = dN[j] * hidden[j] * g[j] * (1 - g[j]) }
        for j in 0..<d { dZ[j] = dh[j] * (hPrev[j] - ng[j]) * zg[j] * (1 - zg[j]) }
        sq.update(from: sp, count: 2 * d)
        let qN = sq + 2 * d
        for j in 0..<d { qN[j] = dN[j] * g[j] }
        // The direct path h_{t−1} → h_t through z, kept for the carry.
        for j in 0..<d { dh[j] = dh[j] * zg[j] }
    }

    /// Weight gradients from the accumulated step gradients, all steps at once,
    /// written straight into their slices of `grads`.
    private func weightGradients() {
        let rows = T * B, layout = net.layout, width = layout.width
        grads.withUnsafeMutableBufferPointer { GP in
            let G = GP.baseAddress!
            for l in 0..<L {
                let layer = layout.layers[l], ni = layer.inputWidth
                let source = l == 0 ? x : H[l - 1]
                dP[l].withUnsafeBufferPointer { D in
                    if l == 0 && inputsAreClasses {
                        // Xᵀ·δ for one-hot rows: add δ's row r into row c_r of ∂L/∂U.
                        for i in 0..<(ni * width) { G[layer.u + i] = 0 }
                        for r in 0..<rows where xClasses[r] >= 0 {
                            let g = G + layer.u + Int(xClasses[r]) * width, dr = D.baseAddress! + r * width
                            for j in stride(from: 0, to: width, by: 8) { g.setLanes(g.lanes(j, width) + dr.lanes(j, width), j, width) }
                        }
                    } else {
                        source.withUnsafeBufferPointer { X in
                            F.product(true, false, m: ni, n: width, k: rows, l == 0 ? X.baseAddress! : X.baseAddress! + B * d, lda: ni,
                                      D.baseAddress!, ldb: width, beta: 0, G + layer.u, ldc: width)
                        }
                    }
                    if let bo = layer.b { Self.sumRows(D.baseAddress!, rows: rows, width: width, stride: width, into: G + bo) }
                }
                (cell == .gru ? dQ[l] : dP[l]).withUnsafeBufferPointer { D in
                    H[l].withUnsafeBufferPointer { Hp in
                        F.product(true, false, m: d, n: width, k: rows, Hp.baseAddress!, lda: d, D.baseAddress!, ldb: width,
                                  beta: 0, G + layer.w, ldc: width)
                    }
                    if let ho = layer.bhn { Self.sumRows(D.baseAddress! + 2 * d, rows: rows, width: d, stride: width, into: G + ho) }
                }
            }
            dO.withUnsafeBufferPointer { D in
                H[L - 1].withUnsafeBufferPointer { Hp in
                    F.product(true, false, m: d, n: k, k: rows, Hp.baseAddress! + B * d, lda: d, D.baseAddress!, ldb: k,
                              beta: 0, G + layout.v, ldc: k)
                }
                if let co = layout.c { Self.sumRows(D.baseAddress!, rows: rows, width: k, stride: k, into: G + co) }
            }
        }
    }

    /// out[j] = Σ_r block[r·stride + j] for j < width, summed in row order
    /// (as a plain loop would), eight columns at a time.
    @inline(__always)
    private static func sumRows(_ block: UnsafePointer<F>, rows: Int, width: Int, stride: Int, into out: UnsafeMutablePointer<F>) {
        for j in Swift.stride(from: 0, to: width, by: 8) {
            var total = Lanes<F>()
            for r in 0..<rows { total += (block + r * stride).lanes(j, width) }
            out.setLanes(total, j, width)
        }
    }

    /// Where a forward pass first went non-finite: the first step (1-based)
    /// whose state or logits are NaN or infinite, for a training error.
    func firstNonFinite() -> String? {
        for t in 0..<T {
            for l in 0..<L {
                for i in 0..<(B * d) where !H[l][(t + 1) * B * d + i].isFinite {
                    let b = i / d
                    return "the state s_\(t + 1)\(L > 1 ? " of layer \(l + 1)" : "") (sequence \(sequenceOffset + b + 1) of the batch, step \(spanStart + t + 1))"
                }
            }
            for i in 0..<(B * k) where !logits[t * B * k + i].isFinite {
                return "the logits o_\(t + 1) (sequence \(sequenceOffset + i / k + 1) of the batch, step \(spanStart + t + 1))"
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

    /// J[i][m] = ∂s_t[i]/∂s_k[m] for sequence 0 of the span (0 ≤ k < t ≤ T),
    /// s the concatenated state of every layer: element k of the sweep above.
    func stateJacobian(from t: Int, to k: Int) -> Matrix {
        stateJacobians(from: t)[k]
    }
}
