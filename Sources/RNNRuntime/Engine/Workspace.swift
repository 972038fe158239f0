/// The layer driver: forward passes and backpropagation through time for
/// stacked layers of any cell over batches of sequences, in Float32 or
/// Float64. The cell's own math is behind `RecurrentCell` (one file per cell);
/// the workspace drives layers, time and direction, and does the products.
///
/// Layout: time-major. A span of T steps over a batch of B sequences keeps
/// row `t·B + b` for step t of sequence b, so the input projection of a layer
/// (X·[U_1 … U_G]) and the readout (H·V) are each one matrix product over the
/// whole span; only the recurrence `h_{t-1}·[W_1 … W_G]` runs step by step.
///
/// The backward pass walks steps from last to first and, inside a step,
/// layers from top to bottom; the same walk serves full BPTT, windowed
/// truncation and Jacobians (`Workspace+Backward.swift`, `+Jacobians.swift`).
final class Workspace<F: RNNScalar> {
    var net: PackedNetwork<F>
    let B: Int
    let capacity: Int
    /// Steps in the current span.
    private(set) var T = 0
    private(set) var spanStart = 0
    /// n, d (the top layer's width, what the readout reads), k, L.
    let n: Int, d: Int, k: Int, L: Int
    /// Per layer: d_ℓ, and G·d_ℓ (one row of the layer's gates).
    let hidden: [Int], widths: [Int]
    /// Where each layer's state (h, and c when the cell has one) starts in a
    /// sequence's state row; entry L is the whole state's width.
    let stateOffsets: [Int]
    /// Every buffer below is taken from here once and lives as long as the workspace.
    private let arena = Arena<F>()
    /// Each layer's cell (its step functions and own buffers).
    let cells: [EngineCell<F>]
    /// The parameters every product reads (`PackedLayout` order): the
    /// workspace's own copy of the network's, or a training run's (`use(parameters:)`).
    private(set) var parameters: UnsafePointer<F>

    /// (T·B) × n: x_t, or e_t = x_t E with an embedding (n is then its width N).
    let x: UnsafeMutablePointer<F>
    /// With an embedding: the raw one-hot or dense rows, (T·B) × the vocabulary.
    let rawX: UnsafeMutablePointer<F>?
    /// With an embedding, the vocabulary's size, and (T·B) × N for ∂L/∂e_t.
    let vocabulary: Int
    let embeddingRows: UnsafeMutablePointer<F>?
    /// When every input of the span is a one-hot class: the class of each row
    /// (−1 for a zero row). x·U is then a row lookup and Xᵀ·δ a scatter-add.
    var xClasses: [Int32]
    var inputsAreClasses = false
    /// Per layer, (T·B) × G·d: x·U + b, then the activated gates.
    let pre: [UnsafeMutablePointer<F>]
    /// Per layer, ((T+1)·B) × d: block 0 is the entering h, block t+1 is h after step t.
    let H: [UnsafeMutablePointer<F>]
    /// (T·B) × k: o, ŷ, ∂L/∂o and the targets.
    let logits: UnsafeMutablePointer<F>, outputs: UnsafeMutablePointer<F>
    let dO: UnsafeMutablePointer<F>, targets: UnsafeMutablePointer<F>
    /// Whether (t, b) has a target.
    var hasTarget: [Bool]
    /// Per sequence of the batch: Σ L_t over the span.
    var sequenceLosses: [Double]
    /// Per (t, b) with a target: L_t.
    var stepLosses: [Double]

    // Backward buffers.
    /// ∂L/∂θ in `PackedLayout` order, filled by `backward`.
    var grads: [F]
    /// ∂L/∂s_0 (B × S), when `backward` was asked for it.
    var enteringGradients: [F] = []
    /// Per layer, (T·B) × G·d: the gate gradients of every step (dQ: W's, for
    /// cells whose W gradient differs; else dQ is dP).
    let dP: [UnsafeMutablePointer<F>], dQ: [UnsafeMutablePointer<F>]
    /// (T·B) × d: ∂L_t/∂o_t·Vᵀ, the readout's share of ∂L/∂h_t.
    let fromReadout: UnsafeMutablePointer<F>
    /// Per layer: ∂L/∂h carried from step t+1 (B × d) and ∂L/∂x_t for the layer below (B × n_ℓ).
    let carryH: [UnsafeMutablePointer<F>], external: [UnsafeMutablePointer<F>]
    /// B × G·d: one step's gate gradients (U side and W side).
    let stepP: UnsafeMutablePointer<F>, stepQ: UnsafeMutablePointer<F>
    /// Whether the step products run on W (and Wᵀ) packed into panels once
    /// per pass: for batches of 8 or more rows, where each panel is reused
    /// by every row and reading W in place would stride across 4 KiB pages.
    let stepPanels: Bool
    /// Per layer, W packed at the start of each forward pass (with `stepPanels`).
    let forwardPanels: [UnsafeMutablePointer<F>]
    /// Per layer, Wᵀ (G·d × d) at the start of each backward pass: packed into
    /// panels with `stepPanels`, else a plain copy, so that ∂L/∂h_{t−1} = δ·Wᵀ
    /// reads contiguous rows (the product kernels vectorise across outputs only).
    let transposedW: [UnsafeMutablePointer<F>]
    /// Where this workspace's first sequence sits in the whole batch (for
    /// messages, when a batch is split over two workspaces).
    var sequenceOffset = 0
    /// Whether the current backward walk visits each step once (no window),
    /// so step gradients are written rather than accumulated (set by `backward`).
    var walkVisitsOnce = false
    /// Whether `transposedW` holds the current weights (set by `backward`).
    var transposedWFresh = false

    init(network: PackedNetwork<F>, batch B: Int, capacity: Int) {
        let cfg = network.configuration
        precondition(cfg.readout.hasParameters || cfg.outputSize == cfg.hiddenSize, "readout none needs k = d")
        net = network
        self.B = B
        self.capacity = capacity
        n = cfg.layerInput(0); d = cfg.hiddenSize; k = cfg.outputSize; L = cfg.layers
        vocabulary = cfg.inputSize
        hidden = network.layout.layers.map(\.hidden)
        widths = network.layout.layers.map(\.width)
        stateOffsets = (0...cfg.layers).map { cfg.stateOffset(layer: $0) }
        let own = arena.take(network.layout.count)
        own.update(from: network.values, count: network.layout.count)
        parameters = UnsafePointer(own)
        let rows = capacity * B
        x = arena.take(rows * n)
        rawX = cfg.embedding == nil ? nil : arena.take(rows * vocabulary)
        embeddingRows = cfg.embedding == nil ? nil : arena.take(rows * n)
        xClasses = [Int32](repeating: -1, count: rows)
        pre = widths.map { [arena] in arena.take(rows * $0) }
        H = hidden.map { [arena] in arena.take((capacity + 1) * B * $0) }
        logits = arena.take(rows * k); outputs = arena.take(rows * k)
        dO = arena.take(rows * k); targets = arena.take(rows * k)
        hasTarget = [Bool](repeating: false, count: rows)
        sequenceLosses = [Double](repeating: 0, count: B)
        stepLosses = []
        grads = [F](repeating: 0, count: network.layout.count)
        cells = network.layout.layers.map { [arena] layer in
            cfg.cell.makeEngineCell(CellShape(configuration: cfg, layer: layer, batch: B, capacity: capacity), arena: arena)
        }
        dP = widths.map { [arena] in arena.take(rows * $0) }
        dQ = cells[0].hasSeparateRecurrentGradient ? widths.map { [arena] in arena.take(rows * $0) } : dP
        fromReadout = arena.take(rows * d)
        carryH = hidden.map { [arena] in arena.take(B * $0) }
        external = network.layout.layers.map { [arena] in arena.take(B * $0.inputWidth) }
        let widest = widths.max() ?? 0
        stepP = arena.take(B * widest); stepQ = arena.take(B * widest)
        stepPanels = B >= 8
        let layerShapes = Array(zip(hidden, widths))
        forwardPanels = stepPanels ? layerShapes.map { [arena] d, width in arena.take(F.panelsSize(k: d, n: width)) } : []
        transposedW = layerShapes.map { [arena, stepPanels] d, width in arena.take(stepPanels ? F.panelsSize(k: width, n: d) : width * d) }
    }

    /// Computes with `parameters` from now on; the caller keeps them alive.
    func use(parameters: UnsafePointer<F>) { self.parameters = parameters }


    // MARK: - Forward

    /// Runs steps `span` of a batch (one example per row b) from the entering
    /// states (B × S, S = stateWidth), and evaluates the loss where there are
    /// targets. Gradients of the logits are scaled by `scale` (1/B for the mean).
    func forward(_ batch: [SequenceExample], span: Range<Int>, entering: [F], loss: LossKind, scale: F) {
        precondition(batch.count == B && span.count <= capacity)
        T = span.count
        spanStart = span.lowerBound
        loadInputs(batch, span)
        setState(block: 0, from: entering)
        for l in 0..<L { forwardLayer(l) }
        readout(batch, loss: loss, scale: scale)
    }

    /// Inputs, time-major; zero after a sequence's last input. With an
    /// embedding, x_t is written to `rawX` and x holds e_t = x_t E.
    private func loadInputs(_ batch: [SequenceExample], _ span: Range<Int>) {
        inputsAreClasses = batch.allSatisfy { if case .classes = $0.inputSteps { return true } else { return false } }
        let width = rawX == nil ? n : vocabulary
        for t in 0..<T {
            for b in 0..<B {
                let row = (rawX ?? x) + (t * B + b) * width, step = span.lowerBound + t
                let example = batch[b]
                if step < example.inputCount {
                    example.inputSteps.write(step: step, into: row)
                    if inputsAreClasses, case let .classes(c, _) = example.inputSteps { xClasses[t * B + b] = c[step] }
                } else {
                    row.zero(width)
                    xClasses[t * B + b] = -1
                }
            }
        }
        if let rawX, let e = net.layout.e { embed(rawX, parameters + e) }
    }

    /// e_t = x_t E for every row: row c_t of E for a one-hot x_t.
    private func embed(_ raw: UnsafeMutablePointer<F>, _ E: UnsafePointer<F>) {
        let rows = T * B
        if inputsAreClasses {
            for r in 0..<rows {
                if xClasses[r] >= 0 { (x + r * n).update(from: E + Int(xClasses[r]) * n, count: n) } else { (x + r * n).zero(n) }
            }
        } else {
            F.product(false, false, m: rows, n: n, k: vocabulary, raw, lda: vocabulary, E, ldb: n, beta: 0, x, ldc: n)
        }
    }

    /// Writes every sequence's state (B × S rows: per layer h, then c when the
    /// cell has one) into block `block` of the layers' state buffers.
    private func setState(block: Int, from states: [F]) {
        let S = net.configuration.stateWidth
        for l in 0..<L {
            let c = cells[l].cellState, d = hidden[l]
            for b in 0..<B {
                let row = (block * B + b) * d, from = b * S + stateOffsets[l]
                for j in 0..<d { H[l][row + j] = states[from + j] }
                if let c { for j in 0..<d { c[row + j] = states[from + d + j] } }
            }
        }
    }

    /// Block `block` of the state buffers (0: entering, T: final) as B × S rows.
    func state(block: Int) -> [F] {
        let S = net.configuration.stateWidth
        var out = [F](repeating: 0, count: B * S)
        for l in 0..<L {
            let c = cells[l].cellState, d = hidden[l]
            for b in 0..<B {
                let row = (block * B + b) * d, to = b * S + stateOffsets[l]
                for j in 0..<d { out[to + j] = H[l][row + j] }
                if let c { for j in 0..<d { out[to + d + j] = c[row + j] } }
            }
        }
        return out
    }

    /// The final state of each sequence (B × S).
    func finalState() -> [F] { state(block: T) }

    /// One layer over the whole span: X·U + b for every step at once, then the
    /// recurrence step by step through the cell.
    private func forwardLayer(_ l: Int) {
        let layer = net.layout.layers[l], rows = T * B, d = hidden[l], width = widths[l]
        let gates = pre[l]
        if let bias = layer.b {
            for r in 0..<rows { (gates + r * width).update(from: parameters + bias, count: width) }
        }
        if l == 0 && inputsAreClasses && rawX == nil {
            // x_t one-hot: x_t·U is row c_t of U.
            if layer.b == nil { gates.zero(rows * width) }
            for r in 0..<rows where xClasses[r] >= 0 {
                let u = parameters + layer.u + Int(xClasses[r]) * width, p = gates + r * width
                for j in stride(from: 0, to: width, by: 8) { p.setLanes(p.lanes(j, width) + u.lanes(j, width), j, width) }
            }
        } else {
            let input = l == 0 ? UnsafePointer(x) : UnsafePointer(H[l - 1] + B * layer.inputWidth)
            F.product(false, false, m: rows, n: width, k: layer.inputWidth, input, lda: layer.inputWidth,
                      parameters + layer.u, ldb: width, beta: layer.b == nil ? 0 : 1, gates, ldc: width)
        }
        let weights = parameters + layer.w
        if stepPanels { F.pack(transposed: false, k: d, n: width, weights, ldb: width, into: forwardPanels[l]) }
        let recurrent = RecurrentProduct(batch: B, hidden: d, width: width, weights: weights,
                                         panels: stepPanels ? UnsafePointer(forwardPanels[l]) : nil)
        let cell = cells[l], h = H[l]
        for t in 0..<T {
            cell.forward(ForwardStep(t: t, gates: gates + t * B * width, hPrev: h + t * B * d, hNext: h + (t + 1) * B * d,
                                     recurrent: recurrent, parameters: parameters))
        }
    }

    /// o = H_top·V + c over the span, ŷ = O(o), and the losses and ∂L/∂o where targets are.
    private func readout(_ batch: [SequenceExample], loss: LossKind, scale: F) {
        let rows = T * B, cfg = net.configuration, layout = net.layout
        if let v = layout.v {
            if let c = layout.c { for r in 0..<rows { (logits + r * k).update(from: parameters + c, count: k) } }
            F.product(false, false, m: rows, n: k, k: d, H[L - 1] + B * d, lda: d, parameters + v, ldb: k,
                      beta: layout.c == nil ? 0 : 1, logits, ldc: k)
        } else {
            // `readout none`: o_t is the top layer's h_t (k = d).
            logits.update(from: H[L - 1] + B * d, count: rows * k)
        }
        stepLosses.removeAll(keepingCapacity: true)
        for b in 0..<B { sequenceLosses[b] = 0 }
        outputs.update(from: logits, count: rows * k)
        for t in 0..<T {
            for b in 0..<B {
                let r = t * B + b, row = r * k
                let logSum = StepLoss.applyReadout(cfg.readout, outputs + row, count: k)
                guard let j = batch[b].targetIndex(atStep: spanStart + t, cfg.outputs) else {
                    hasTarget[r] = false
                    (dO + row).zero(k)
                    continue
                }
                hasTarget[r] = true
                batch[b].targetSteps.write(step: j, into: targets + row)
                let value = StepLoss.evaluate(loss: loss, readout: cfg.readout, k: k, logits: logits + row, prediction: outputs + row,
                                              target: targets + row, gradient: dO + row, logSumExp: logSum)
                for c in 0..<k { dO[row + c] *= scale }
                stepLosses.append(value)
                sequenceLosses[b] += value
            }
        }
    }

    /// Where a forward pass first went non-finite: the first step (1-based)
    /// whose state or logits are NaN or infinite, for a training error.
    func firstNonFinite() -> String? {
        for t in 0..<T {
            for l in 0..<L {
                let d = hidden[l]
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
}
