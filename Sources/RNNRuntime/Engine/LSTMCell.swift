/// The LSTM cell (PyTorch's, gates i f g o), the "conveyor belt" c:
///
///     [i f g o] = [σ σ tanh σ](x_t U + b + h_{t−1} W)
///     c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
///
/// The per-sequence kernels are short passes over contiguous rows with few
/// pointers each, so LLVM vectorises them; each element's arithmetic is the
/// textbook formula in its textbook order.
struct LSTMCell<F: RNNScalar>: RecurrentCell {
    typealias Scalar = F
    private let batch: Int, hidden: Int, width: Int
    /// c_t, like h: ((capacity+1)·B) × d, and tanh(c_t) (kept for the backward step).
    let cellState: UnsafeMutablePointer<F>?
    private let tanhC: UnsafeMutablePointer<F>
    /// ∂L/∂c_t carried back (B × d).
    let cellCarry: UnsafeMutablePointer<F>?

    init(_ shape: CellShape, arena: Arena<F>) {
        batch = shape.batch; hidden = shape.hidden; width = shape.width
        let rows = (shape.capacity + 1) * shape.batch
        cellState = arena.take(rows * hidden)
        tanhC = arena.take(rows * hidden)
        cellCarry = arena.take(batch * hidden)
    }

    func forward(_ step: ForwardStep<F>) {
        step.recurrent(step.hPrev, beta: 1, into: step.gates)
        let c = cellState!, d = hidden
        for b in 0..<batch {
            Self.forward(gates: step.gates + b * width, d: d, cPrev: c + (step.t * batch + b) * d,
                         cNext: c + ((step.t + 1) * batch + b) * d, tanhC: tanhC + ((step.t + 1) * batch + b) * d,
                         hNext: step.hNext + b * d)
        }
    }

    func backward(_ step: BackwardStep<F>) {
        let c = cellState!, dc = cellCarry!, d = hidden
        for b in 0..<batch {
            Self.backward(gates: step.gates + b * width, d: d, tanhC: tanhC + ((step.t + 1) * batch + b) * d,
                          cPrev: c + (step.t * batch + b) * d, dh: step.dh + b * d, dc: dc + b * d, into: step.input + b * width)
        }
    }

    /// One step for one sequence, in place on its gate row (pre-activations in,
    /// activated gates i f g o out); keeps tanh(c_t) for the backward step.
    @inline(__always)
    static func forward(gates g: UnsafeMutablePointer<F>, d: Int, cPrev: UnsafePointer<F>, cNext: UnsafeMutablePointer<F>,
                        tanhC: UnsafeMutablePointer<F>, hNext: UnsafeMutablePointer<F>) {
        F.sigmoid(g, into: g, count: 2 * d)
        let gg = g + 2 * d, og = g + 3 * d
        F.tanh(gg, into: gg, count: d)
        F.sigmoid(og, into: og, count: d)
        // c_t = f ⊙ c_{t−1} + i ⊙ g
        for j in 0..<d { cNext[j] = g[d + j] * cPrev[j] + g[j] * gg[j] }
        F.tanh(cNext, into: tanhC, count: d)
        for j in 0..<d { hNext[j] = og[j] * tanhC[j] }
    }

    /// One step back for one sequence: from ∂L/∂h_t (`dh`) and ∂L/∂c_t (`dc`),
    /// the gate pre-activation gradients into `out` (i f g o), and ∂L/∂c_{t−1} left in `dc`.
    @inline(__always)
    static func backward(gates g: UnsafePointer<F>, d: Int, tanhC tc: UnsafePointer<F>, cPrev: UnsafePointer<F>,
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
}
