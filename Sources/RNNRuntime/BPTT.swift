/// Everything a forward pass over a span of steps computed, kept for the
/// backward pass and for inspection. Row t of each matrix is step `start + t`.
public struct ForwardTrace: Sendable {
    /// The first step of the span (0-based) within its sequence.
    public var start: Int
    /// (T+1)×d: row 0 is the entering state, row t is s_t.
    public var states: Matrix
    /// T×n: the inputs fed, zero rows after the sequence's last input.
    public var inputs: Matrix
    /// T×k: o_t.
    public var logits: Matrix
    /// T×k: ŷ_t.
    public var outputs: Matrix
    /// T×k: ∂L/∂o_t (zero at steps without a target).
    public var outputGradients: Matrix
    /// The steps (relative to `start`) that have a target, in order.
    public var targetSteps: [Int]
    /// L_t for each of `targetSteps`.
    public var stepLosses: [Double]

    public var stepCount: Int { logits.rows }
    /// L = Σ_t L_t.
    public var loss: Double { stepLosses.reduce(0, +) }
    /// The state after the last step (1×d).
    public var finalState: Matrix { Matrix(row: states.row(states.rows - 1)) }
}

/// How far back each gradient path reaches.
public enum Truncation: Equatable, Sendable {
    /// Exact BPTT over the whole sequence.
    case none
    /// Chunks of K steps; the state entering a chunk is a constant.
    case chunks(Int)
    /// Each L_t back-propagates through its K most recent steps.
    case window(Int)
}

extension RNNModel {
    /// Runs steps `span` of `example` from `entering` state (1×d) and evaluates
    /// the loss at every step of the span that has a target.
    ///
    /// The input projection X·U and the readout S·V are one matrix product each
    /// over the whole span; only `s_{t-1} W` is sequential.
    public func forward(
        _ example: SequenceExample, span: Range<Int>, from entering: Matrix, loss: LossKind
    ) -> ForwardTrace {
        let cfg = configuration
        let n = cfg.inputSize, d = cfg.hiddenSize, k = cfg.outputSize
        let steps = span.count
        precondition(entering.count == d, "entering state width")

        var x = Matrix(rows: steps, cols: n)
        for t in 0..<steps where span.lowerBound + t < example.inputs.rows {
            let src = (span.lowerBound + t) * n
            for j in 0..<n { x.storage[t * n + j] = example.inputs.storage[src + j] }
        }
        var states = Matrix(rows: steps + 1, cols: d)
        for j in 0..<d { states.storage[j] = entering.storage[j] }
        var logits = Matrix(rows: steps, cols: k)
        var outputs = Matrix(rows: steps, cols: k)
        var outputGradients = Matrix(rows: steps, cols: k)
        var targetSteps: [Int] = []
        var stepLosses: [Double] = []

        let U = parameters[layout.u], W = parameters[layout.w], V = parameters[layout.v]
        let activation = cfg.activation

        // Pre-activations a_t = x_t U + b for every step at once, written into rows 1…T of `states`.
        x.storage.withUnsafeBufferPointer { xp in
            U.storage.withUnsafeBufferPointer { up in
                states.storage.withUnsafeMutableBufferPointer { sp in
                    let a = sp.baseAddress! + d
                    if let bi = layout.b {
                        parameters[bi].storage.withUnsafeBufferPointer { bp in
                            for t in 0..<steps { for j in 0..<d { a[t * d + j] = bp[j] } }
                        }
                    }
                    gemm(false, false, m: steps, n: d, k: n, alpha: 1, xp.baseAddress!, lda: max(n, 1),
                         up.baseAddress!, ldb: max(d, 1), beta: layout.b == nil ? 0 : 1, a, ldc: d)
                }
            }
        }
        // The recurrence: a_t += s_{t-1} W, s_t = σ(a_t).
        W.storage.withUnsafeBufferPointer { wp in
            states.storage.withUnsafeMutableBufferPointer { sp in
                let s = sp.baseAddress!
                for t in 1...max(steps, 1) where t <= steps {
                    let prev = s + (t - 1) * d, cur = s + t * d
                    RowKernels.accumulateRowTimesMatrix(prev, wp.baseAddress!, into: cur, rows: d, cols: d)
                    for j in 0..<d { cur[j] = activation.apply(cur[j]) }
                }
            }
        }
        // Readout o_t = s_t V + c for every step at once, then ŷ_t = O(o_t) and the losses.
        states.storage.withUnsafeBufferPointer { sp in
            V.storage.withUnsafeBufferPointer { vp in
                logits.storage.withUnsafeMutableBufferPointer { op in
                    if let ci = layout.c {
                        parameters[ci].storage.withUnsafeBufferPointer { cp in
                            for t in 0..<steps { for j in 0..<k { op[t * k + j] = cp[j] } }
                        }
                    }
                    gemm(false, false, m: steps, n: k, k: d, alpha: 1, sp.baseAddress! + d, lda: d,
                         vp.baseAddress!, ldb: k, beta: layout.c == nil ? 0 : 1, op.baseAddress!, ldc: k)
                }
            }
        }
        outputs.storage = logits.storage
        outputs.storage.withUnsafeMutableBufferPointer { p in
            for t in 0..<steps { cfg.readout.apply(p.baseAddress! + t * k, count: k) }
        }
        logits.storage.withUnsafeBufferPointer { op in
            outputs.storage.withUnsafeBufferPointer { pp in
                example.targets.storage.withUnsafeBufferPointer { yp in
                    outputGradients.storage.withUnsafeMutableBufferPointer { gp in
                        for t in 0..<steps {
                            guard let j = example.targetIndex(atStep: span.lowerBound + t, cfg.outputs) else { continue }
                            let value = StepLoss.evaluate(
                                loss: loss, readout: cfg.readout, k: k,
                                logits: op.baseAddress! + t * k, prediction: pp.baseAddress! + t * k,
                                target: yp.baseAddress! + j * k, gradient: gp.baseAddress! + t * k)
                            targetSteps.append(t)
                            stepLosses.append(value)
                        }
                    }
                }
            }
        }
        return ForwardTrace(
            start: span.lowerBound, states: states, inputs: x, logits: logits, outputs: outputs,
            outputGradients: outputGradients, targetSteps: targetSteps, stepLosses: stepLosses)
    }

    /// Runs the whole sequence from the model's initial state.
    public func forward(_ example: SequenceExample, loss: LossKind) -> ForwardTrace {
        forward(example, span: 0..<example.stepCount(configuration.outputs), from: initialState, loss: loss)
    }

    /// Exact gradients of the trace's loss Σ L_t with respect to every parameter,
    /// aligned with `parameters`. The state entering the trace is a constant.
    ///
    /// With `window` K, each L_t back-propagates through its K most recent steps
    /// only (s_{t−K} is a constant for L_t); `nil` is full BPTT.
    ///
    ///     ∂L/∂s_t = ∂L_t/∂o_t Vᵀ + ∂L/∂a_{t+1} Wᵀ        ∂L/∂a_t = ∂L/∂s_t ⊙ σ′(a_t)
    ///     ∂L/∂U = Σ_t x_tᵀ ∂L/∂a_t    ∂L/∂W = Σ_t s_{t−1}ᵀ ∂L/∂a_t    ∂L/∂b = Σ_t ∂L/∂a_t
    ///     ∂L/∂V = Σ_t s_tᵀ ∂L/∂o_t    ∂L/∂c = Σ_t ∂L/∂o_t
    public func gradients(of trace: ForwardTrace, window: Int? = nil) -> [Matrix] {
        let cfg = configuration
        let n = cfg.inputSize, d = cfg.hiddenSize, k = cfg.outputSize
        let steps = trace.stepCount
        var grads = parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        if steps == 0 { return grads }
        let W = parameters[layout.w], V = parameters[layout.v]
        let activation = cfg.activation

        // G = ∂L/∂O · Vᵀ: the readout's share of ∂L/∂s_t for every step at once (T×d).
        var fromReadout = Matrix(rows: steps, cols: d)
        trace.outputGradients.storage.withUnsafeBufferPointer { gp in
            V.storage.withUnsafeBufferPointer { vp in
                fromReadout.storage.withUnsafeMutableBufferPointer { fp in
                    gemm(false, true, m: steps, n: d, k: k, alpha: 1, gp.baseAddress!, lda: k,
                         vp.baseAddress!, ldb: k, beta: 0, fp.baseAddress!, ldc: d)
                }
            }
        }
        // ∂L/∂a_t for every step (T×d), summed over the loss terms whose paths reach it.
        var dA = Matrix(rows: steps, cols: d)
        var carry = [Double](repeating: 0, count: d)
        var scratch = [Double](repeating: 0, count: d)
        trace.states.storage.withUnsafeBufferPointer { sp in
            W.storage.withUnsafeBufferPointer { wp in
                fromReadout.storage.withUnsafeBufferPointer { fp in
                    dA.storage.withUnsafeMutableBufferPointer { ap in
                        carry.withUnsafeMutableBufferPointer { cp in scratch.withUnsafeMutableBufferPointer { tp in
                            let s = sp.baseAddress! + d, a = ap.baseAddress!, f = fp.baseAddress!
                            let c = cp.baseAddress!, tmp = tp.baseAddress!
                            if let window, window < steps {
                                // Each loss term walks back at most `window` steps on its own.
                                for t in trace.targetSteps {
                                    for j in 0..<d { c[j] = f[t * d + j] }
                                    var step = t
                                    while step >= 0 && step > t - window {
                                        let row = a + step * d, st = s + step * d
                                        for j in 0..<d { c[j] *= activation.derivative(fromOutput: st[j]) }
                                        for j in 0..<d { row[j] += c[j] }
                                        if step > 0 && step - 1 > t - window {
                                            RowKernels.rowTimesTransposed(c, wp.baseAddress!, into: c, scratch: tmp, rows: d, cols: d)
                                        }
                                        step -= 1
                                    }
                                }
                            } else {
                                // Full BPTT: one backward sweep carrying ∂L/∂a_{t+1} Wᵀ.
                                for step in stride(from: steps - 1, through: 0, by: -1) {
                                    let row = a + step * d, st = s + step * d
                                    for j in 0..<d {
                                        row[j] = (f[step * d + j] + c[j]) * activation.derivative(fromOutput: st[j])
                                    }
                                    if step > 0 {
                                        RowKernels.rowTimesTransposed(row, wp.baseAddress!, into: c, scratch: tmp, rows: d, cols: d)
                                    }
                                }
                            }
                        } }
                    }
                }
            }
        }
        // Weight gradients over all steps at once.
        dA.storage.withUnsafeBufferPointer { ap in
            trace.inputs.storage.withUnsafeBufferPointer { xp in
                grads[layout.u].storage.withUnsafeMutableBufferPointer { gp in
                    gemm(true, false, m: n, n: d, k: steps, alpha: 1, xp.baseAddress!, lda: max(n, 1),
                         ap.baseAddress!, ldb: d, beta: 0, gp.baseAddress!, ldc: d)
                }
            }
            trace.states.storage.withUnsafeBufferPointer { sp in
                grads[layout.w].storage.withUnsafeMutableBufferPointer { gp in
                    gemm(true, false, m: d, n: d, k: steps, alpha: 1, sp.baseAddress!, lda: d,
                         ap.baseAddress!, ldb: d, beta: 0, gp.baseAddress!, ldc: d)
                }
                trace.outputGradients.storage.withUnsafeBufferPointer { op in
                    grads[layout.v].storage.withUnsafeMutableBufferPointer { gp in
                        gemm(true, false, m: d, n: k, k: steps, alpha: 1, sp.baseAddress! + d, lda: d,
                             op.baseAddress!, ldb: k, beta: 0, gp.baseAddress!, ldc: k)
                    }
                }
            }
            if let bi = layout.b {
                for t in 0..<steps { for j in 0..<d { grads[bi].storage[j] += ap[t * d + j] } }
            }
        }
        if let ci = layout.c {
            for t in 0..<steps { for j in 0..<k { grads[ci].storage[j] += trace.outputGradients.storage[t * k + j] } }
        }
        return grads
    }

    /// The loss and gradients of a whole sequence under a truncation.
    ///
    /// `chunks(K)` sums the chunk gradients at the same weights, the state
    /// carried from chunk to chunk; `window(K)` is one pass with windowed paths.
    public func lossAndGradients(
        _ example: SequenceExample, loss: LossKind, truncation: Truncation = .none
    ) -> (loss: Double, gradients: [Matrix]) {
        let steps = example.stepCount(configuration.outputs)
        switch truncation {
        case .none:
            let trace = forward(example, loss: loss)
            return (trace.loss, gradients(of: trace))
        case let .window(k):
            let trace = forward(example, loss: loss)
            return (trace.loss, gradients(of: trace, window: k))
        case let .chunks(k):
            var total = 0.0
            var sum = parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
            var state = initialState
            for start in stride(from: 0, to: steps, by: max(k, 1)) {
                let trace = forward(example, span: start..<min(start + k, steps), from: state, loss: loss)
                let g = gradients(of: trace)
                for i in sum.indices { sum[i].add(g[i]) }
                total += trace.loss
                state = trace.finalState
            }
            return (total, sum)
        }
    }

    /// The Jacobian ∂s_t/∂s_k (d×d, J[i][m] = ∂s_t[i]/∂s_k[m]) from a trace that
    /// starts at step 0, for 0 ≤ k < t ≤ T:
    ///
    ///     ∂s_t/∂s_k = Π_{j=t}^{k+1} diag(σ′(a_j)) Wᵀ
    public func stateJacobian(_ trace: ForwardTrace, from t: Int, to k: Int) -> Matrix {
        let d = configuration.hiddenSize
        precondition(0 <= k && k < t && t <= trace.stepCount, "jacobian steps out of range")
        let Wt = parameters[layout.w].transposed
        var J = Matrix(rows: d, cols: d)
        for i in 0..<d { J[i, i] = 1 }
        // J ← J · diag(σ′(a_j)) Wᵀ for j = t, t−1, …, k+1.
        for j in stride(from: t, to: k, by: -1) {
            var step = Wt
            for i in 0..<d {
                let g = configuration.activation.derivative(fromOutput: trace.states[j, i])
                for m in 0..<d { step[i, m] *= g }
            }
            J = J.matmul(step)
        }
        return J
    }
}

/// Small row-times-matrix kernels for the sequential part of the recurrence,
/// where a BLAS call costs more than it computes at coursework sizes.
enum RowKernels {
    /// out += row · M, with M rows×cols (row has `rows` entries).
    @inline(__always)
    static func accumulateRowTimesMatrix(
        _ row: UnsafePointer<Double>, _ m: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
        rows: Int, cols: Int
    ) {
        for i in 0..<rows {
            let r = row[i]
            if r == 0 { continue }
            let mi = m + i * cols
            for j in 0..<cols { out[j] += r * mi[j] }
        }
    }

    /// out = row · Mᵀ, with M rows×cols (row has `cols` entries, out has `rows`).
    /// `out` may alias `row`; `scratch` holds `rows` values.
    @inline(__always)
    static func rowTimesTransposed(
        _ row: UnsafePointer<Double>, _ m: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Double>, rows: Int, cols: Int
    ) {
        for i in 0..<rows {
            let mi = m + i * cols
            var acc = 0.0
            for j in 0..<cols { acc += row[j] * mi[j] }
            scratch[i] = acc
        }
        for i in 0..<rows { out[i] = scratch[i] }
    }
}
