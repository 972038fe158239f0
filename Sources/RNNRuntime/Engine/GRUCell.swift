/// The GRU cell (PyTorch's, gates r z n, the reset applied after the product):
///
///     r, z = σ(x_t U + b + h_{t−1} W)
///     n = tanh(x_t U_n + b_n + r ⊙ (h_{t−1} W_n + bh_n))
///     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
///
/// W_n's gradient is r ⊙ ∂L/∂a_n, not ∂L/∂a_n, so the cell hands the driver
/// a separate gradient for W; and h_{t−1} reaches h_t directly through z.
struct GRUCell<F: RNNScalar>: RecurrentCell {
    typealias Scalar = F
    static var hasSeparateRecurrentGradient: Bool { true }
    static var keepsDirectPath: Bool { true }
    private let batch: Int, hidden: Int, width: Int
    /// Where bh_n sits in the packed parameters (nil without biases).
    private let hiddenBias: Int?
    /// (capacity·B) × d: h_{t−1}·W_n + bh_n, kept for the backward step.
    private let hiddenProducts: UnsafeMutablePointer<F>
    /// B × G·d: h_{t−1}·W of the current step.
    private let recurrentScratch: UnsafeMutablePointer<F>

    init(_ shape: CellShape, arena: Arena<F>) {
        batch = shape.batch; hidden = shape.hidden; width = shape.width
        hiddenBias = shape.layer.bhn
        hiddenProducts = arena.take(shape.capacity * batch * hidden)
        recurrentScratch = arena.take(batch * width)
    }

    func forward(_ step: ForwardStep<F>) {
        let q = recurrentScratch, d = hidden
        step.recurrent(step.hPrev, beta: 0, into: q)
        let bias = hiddenBias.map { step.parameters + $0 }
        let products = hiddenProducts + step.t * batch * d
        for b in 0..<batch {
            Self.forward(gates: step.gates + b * width, recurrent: q + b * width, d: d, hiddenBias: bias,
                         hPrev: step.hPrev + b * d, hidden: products + b * d, hNext: step.hNext + b * d)
        }
    }

    func backward(_ step: BackwardStep<F>) {
        let d = hidden, products = hiddenProducts + step.t * batch * d
        for b in 0..<batch {
            Self.backward(gates: step.gates + b * width, d: d, hPrev: step.hPrev + b * d, hidden: products + b * d,
                          dh: step.dh + b * d, input: step.input + b * width, recurrent: step.recurrent + b * width)
        }
    }

    /// ∂L/∂bh_n = Σ over rows of the n block of W's gradients.
    func weightGradients(recurrent: UnsafePointer<F>, rows: Int, into gradients: UnsafeMutablePointer<F>) {
        guard let at = hiddenBias else { return }
        columnSums(recurrent + 2 * hidden, rows: rows, width: hidden, stride: width, into: gradients + at)
    }

    /// One step for one sequence: `gates` holds x·U + b (r, z, n) and becomes
    /// the activated r, z, n; `recurrent` is h_{t−1}·W (its n block is reused
    /// as scratch); `hidden` receives h_{t−1}·W_n + bh_n.
    @inline(__always)
    static func forward(gates g: UnsafeMutablePointer<F>, recurrent q: UnsafeMutablePointer<F>, d: Int,
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
        // r ⊙ (…) first, in a row of its own: LLVM will not vectorise a loop
        // writing g's n block while reading its r block.
        for j in 0..<d { rh[j] = g[j] * hidden[j] }
        for j in 0..<d { ng[j] += rh[j] }
        F.tanh(ng, into: ng, count: d)
        for j in 0..<d { hNext[j] = (1 - zg[j]) * ng[j] + zg[j] * hPrev[j] }
    }

    /// One step back for one sequence: the gradients for U and b into `input`,
    /// those for W into `recurrent` (the n block scaled by r), and `dh`
    /// replaced by the direct path z ⊙ ∂L/∂h_t.
    @inline(__always)
    static func backward(gates g: UnsafePointer<F>, d: Int, hPrev: UnsafePointer<F>, hidden: UnsafePointer<F>,
                         dh: UnsafeMutablePointer<F>, input sp: UnsafeMutablePointer<F>, recurrent sq: UnsafeMutablePointer<F>) {
        let zg = g + d, ng = g + 2 * d
        let dR = sp, dZ = sp + d, dN = sp + 2 * d
        // ∂L/∂a_n = ∂L/∂h ⊙ (1 − z) ⊙ (1 − n²)
        for j in 0..<d { dN[j] = dh[j] * (1 - zg[j]) * (1 - ng[j] * ng[j]) }
        for j in 0..<d { dR[j] = dN[j] * hidden[j] * g[j] * (1 - g[j]) }
        for j in 0..<d { dZ[j] = dh[j] * (hPrev[j] - ng[j]) * zg[j] * (1 - zg[j]) }
        sq.update(from: sp, count: 2 * d)
        let qN = sq + 2 * d
        for j in 0..<d { qN[j] = dN[j] * g[j] }
        for j in 0..<d { dh[j] = dh[j] * zg[j] }
    }
}
