/// The public face of the engine: forward traces, gradients under every
/// truncation, batches and Jacobians, in the model's precision.

/// What the engine keeps of a pass, behind a precision-independent interface.
protocol EnginePass: AnyObject {
    func gradients(window: Int?) -> [Matrix]
    func jacobian(from t: Int, to k: Int) -> Matrix
    func jacobians(from t: Int) -> [Matrix]
}

extension Workspace: EnginePass {
    func gradients(window: Int?) -> [Matrix] { net.matrices(backward(window: window)) }
    func jacobian(from t: Int, to k: Int) -> Matrix { stateJacobian(from: t, to: k) }
    func jacobians(from t: Int) -> [Matrix] { stateJacobians(from: t) }
}

/// A reference to the pass that made a trace (its buffers are the backward pass's input).
final class PassHandle: @unchecked Sendable {
    let pass: EnginePass
    init(_ pass: EnginePass) { self.pass = pass }
}

/// Everything a forward pass over a span of steps of one sequence computed,
/// for inspection and for the backward pass. Row t of each matrix is step `start + t`.
public struct ForwardTrace: Sendable {
    /// The first step of the span (0-based) within its sequence.
    public var start: Int
    /// (T+1)×S: row 0 is the entering state, row t is s_t (every layer's state concatenated).
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
    /// Gated cells: each gate's activations, (T+1)×d with row t for step t (row
    /// 0 is zeros), keyed `i`, `f`, `g`, `o` (LSTM) or `r`, `z`, `n` (GRU),
    /// prefixed `layerL.` in a stacked model.
    public var gates: [String: Matrix] = [:]
    let handle: PassHandle

    public var stepCount: Int { logits.rows }
    /// L = Σ_t L_t.
    public var loss: Double { stepLosses.reduce(0, +) }
    /// The state after the last step (1×S).
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

extension Workspace {
    /// The trace of sequence 0 of the current span, in Float64.
    func trace() -> ForwardTrace {
        let S = net.configuration.stateWidth
        var states = Matrix(rows: T + 1, cols: S)
        for t in 0...T {
            let block = state(block: t)
            for j in 0..<S { states[t, j] = block[j].double }
        }
        func rows(_ a: UnsafePointer<F>, _ width: Int) -> Matrix {
            var m = Matrix(rows: T, cols: width)
            for t in 0..<T { for j in 0..<width { m[t, j] = a[(t * B) * width + j].double } }
            return m
        }
        var targetSteps: [Int] = []
        for t in 0..<T where hasTarget[t * B] { targetSteps.append(t) }
        var gates: [String: Matrix] = [:]
        let names = net.configuration.cell.gates
        if names.count > 1 {
            for l in 0..<L {
                let d = hidden[l], width = widths[l]
                for (g, name) in names.enumerated() {
                    var m = Matrix(rows: T + 1, cols: d)
                    for t in 0..<T { for j in 0..<d { m[t + 1, j] = pre[l][t * B * width + g * d + j].double } }
                    gates[(L > 1 ? "layer\(l + 1)." : "") + name] = m
                }
            }
        }
        return ForwardTrace(
            start: spanStart, states: states, inputs: rows(x, n), logits: rows(logits, k), outputs: rows(outputs, k),
            outputGradients: rows(dO, k), targetSteps: targetSteps, stepLosses: stepLosses, gates: gates, handle: PassHandle(self))
    }

    /// Entering states (one 1×S matrix per sequence) as the flat B × S rows `forward` takes.
    static func entering(_ states: [Matrix]) -> [F] {
        states.flatMap { $0.storage.map { F($0) } }
    }
}

extension RNNModel {
    /// Runs steps `span` of `example` from `entering` state (1×S) and evaluates
    /// the loss at every step of the span that has a target.
    public func forward(
        _ example: SequenceExample, span: Range<Int>, from entering: Matrix, loss: LossKind
    ) -> ForwardTrace {
        precondition(entering.count == configuration.stateWidth, "entering state width")
        switch configuration.precision {
        case .float64: return Self.forward(Workspace<Double>(network: PackedNetwork(self), batch: 1, capacity: span.count), example, span, entering, loss)
        case .float32: return Self.forward(Workspace<Float>(network: PackedNetwork(self), batch: 1, capacity: span.count), example, span, entering, loss)
        }
    }

    private static func forward<F: RNNScalar>(
        _ w: Workspace<F>, _ example: SequenceExample, _ span: Range<Int>, _ entering: Matrix, _ loss: LossKind
    ) -> ForwardTrace {
        w.forward([example], span: span, entering: Workspace<F>.entering([entering]), loss: loss, scale: 1)
        return w.trace()
    }

    /// Steps per span when only the loss of a sequence is wanted.
    public static let lossSpan = 4096

    /// The loss Σ L_t of a whole sequence from the model's initial state,
    /// without its trace: spans of `lossSpan` steps carry the state, so memory
    /// is bounded by the span, not the sequence (a 10-million-character text
    /// needs a few MiB). The per-step losses are those of one pass (each row's
    /// products do not depend on the span) and are summed in the same order,
    /// so the value is the bits of `forward(example, loss:).loss`.
    public func sequenceLoss(_ example: SequenceExample, loss kind: LossKind) -> Double {
        if configuration.encoderDecoder {
            switch configuration.precision {
            case .float64: return encoderDecoderLossAndGradients(Double.self, [example], kind, gradients: false).losses[0]
            case .float32: return encoderDecoderLossAndGradients(Float.self, [example], kind, gradients: false).losses[0]
            }
        }
        let steps = example.stepCount(configuration.outputs)
        guard steps > Self.lossSpan else { return forward(example, loss: kind).loss }
        switch configuration.precision {
        case .float64: return sequenceLoss(Double.self, example, kind, steps)
        case .float32: return sequenceLoss(Float.self, example, kind, steps)
        }
    }

    private func sequenceLoss<F: RNNScalar>(_: F.Type, _ example: SequenceExample, _ kind: LossKind, _ steps: Int) -> Double {
        let w = Workspace<F>(network: PackedNetwork(self), batch: 1, capacity: Self.lossSpan)
        var state = Workspace<F>.entering([initialState])
        var total = 0.0
        for start in stride(from: 0, to: steps, by: Self.lossSpan) {
            w.forward([example], span: start..<min(start + Self.lossSpan, steps), entering: state, loss: kind, scale: 1)
            for value in w.stepLosses { total += value }
            state = w.finalState()
        }
        return total
    }

    /// Runs the whole sequence from the model's initial state.
    public func forward(_ example: SequenceExample, loss: LossKind) -> ForwardTrace {
        forward(example, span: 0..<example.stepCount(configuration.outputs), from: initialState, loss: loss)
    }

    /// Exact gradients of the trace's loss Σ L_t with respect to every parameter,
    /// aligned with `parameters`. The state entering the trace is a constant.
    /// With `window` K, each L_t back-propagates through its K most recent steps
    /// only (s_{t−K} is a constant for L_t); `nil` is full BPTT.
    ///
    ///     ∂L/∂s_t = ∂L_t/∂o_t Vᵀ + ∂L/∂a_{t+1} Wᵀ        ∂L/∂a_t = ∂L/∂s_t ⊙ σ′(a_t)
    ///     ∂L/∂U = Σ_t x_tᵀ ∂L/∂a_t    ∂L/∂W = Σ_t s_{t−1}ᵀ ∂L/∂a_t    ∂L/∂b = Σ_t ∂L/∂a_t
    ///     ∂L/∂V = Σ_t s_tᵀ ∂L/∂o_t    ∂L/∂c = Σ_t ∂L/∂o_t
    public func gradients(of trace: ForwardTrace, window: Int? = nil) -> [Matrix] {
        trace.handle.pass.gradients(window: window)
    }

    /// The loss and gradients of one sequence under a truncation.
    public func lossAndGradients(
        _ example: SequenceExample, loss: LossKind, truncation: Truncation = .none
    ) -> (loss: Double, gradients: [Matrix]) {
        let result = batchLossAndGradients([example], loss: loss, truncation: truncation)
        return (result.losses[0], result.gradients)
    }

    /// The mean over a batch of each sequence's loss Σ_t L_t, and its gradients
    /// (the mean of the per-sequence gradients), all sequences computed at once.
    ///
    /// `chunks(K)` sums the chunk gradients at the same weights, the state
    /// carried from chunk to chunk; `window(K)` is one pass with windowed paths.
    public func batchLossAndGradients(
        _ batch: [SequenceExample], loss: LossKind, truncation: Truncation = .none
    ) -> (losses: [Double], gradients: [Matrix]) {
        switch configuration.precision {
        case .float64: return batchLossAndGradients(Double.self, batch, loss, truncation)
        case .float32: return batchLossAndGradients(Float.self, batch, loss, truncation)
        }
    }

    private func batchLossAndGradients<F: RNNScalar>(
        _: F.Type, _ batch: [SequenceExample], _ loss: LossKind, _ truncation: Truncation
    ) -> (losses: [Double], gradients: [Matrix]) {
        if configuration.encoderDecoder { return encoderDecoderLossAndGradients(F.self, batch, loss, gradients: true) }
        let steps = batch.map { $0.stepCount(configuration.outputs) }.max() ?? 0
        let spans = Self.spans(steps: steps, truncation)
        let w = Workspace<F>(network: PackedNetwork(self), batch: batch.count, capacity: spans.map(\.count).max() ?? 0)
        var state = Workspace<F>.entering(Array(repeating: initialState, count: batch.count))
        var losses = [Double](repeating: 0, count: batch.count)
        var total = parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        var window: Int? = nil
        if case let .window(k) = truncation { window = k }
        for span in spans {
            w.forward(batch, span: span, entering: state, loss: loss, scale: F(1) / F(Double(batch.count)))
            let g = w.net.matrices(w.backward(window: window))
            for i in total.indices { total[i].add(g[i]) }
            for b in losses.indices { losses[b] += w.sequenceLosses[b] }
            state = w.finalState()
        }
        return (losses, total)
    }

    /// The gradient of one loss term, ∂L_t/∂θ for the term at 0-based step
    /// `step` (its loss value too): a forward pass over steps 0…step with every
    /// other term's ∂L/∂o zeroed, then full BPTT.
    public func lossTermGradients(_ example: SequenceExample, step: Int, loss: LossKind) -> (loss: Double, gradients: [Matrix]) {
        switch configuration.precision {
        case .float64: return lossTermGradients(Double.self, example, step, loss)
        case .float32: return lossTermGradients(Float.self, example, step, loss)
        }
    }

    private func lossTermGradients<F: RNNScalar>(_: F.Type, _ example: SequenceExample, _ step: Int, _ loss: LossKind) -> (loss: Double, gradients: [Matrix]) {
        let w = Workspace<F>(network: PackedNetwork(self), batch: 1, capacity: step + 1)
        w.forward([example], span: 0..<(step + 1), entering: Workspace<F>.entering([initialState]), loss: loss, scale: 1)
        let k = configuration.outputSize
        var value = 0.0, index = 0
        for t in 0..<(step + 1) where w.hasTarget[t] {
            if t == step { value = w.stepLosses[index] } else { for j in 0..<k { w.dO[t * k + j] = 0 } }
            index += 1
        }
        return (value, w.net.matrices(w.backward(window: nil)))
    }

    /// The spans a sequence of `steps` steps is cut into.
    static func spans(steps: Int, _ truncation: Truncation) -> [Range<Int>] {
        if case let .chunks(k) = truncation, k > 0 {
            return stride(from: 0, to: steps, by: k).map { $0..<min($0 + k, steps) }
        }
        return [0..<steps]
    }

    /// The Jacobian ∂s_t/∂s_k (S×S, J[i][m] = ∂s_t[i]/∂s_k[m]) from a trace that
    /// starts at step 0, for 0 ≤ k < t ≤ T. For a vanilla RNN:
    ///
    ///     ∂s_t/∂s_k = Π_{j=t}^{k+1} diag(σ′(a_j)) Wᵀ
    public func stateJacobian(_ trace: ForwardTrace, from t: Int, to k: Int) -> Matrix {
        precondition(trace.start == 0, "stateJacobian needs a trace from step 0 (steps are counted from the sequence's start)")
        precondition(0 <= k && k < t && t <= trace.stepCount, "jacobian steps out of range")
        return trace.handle.pass.jacobian(from: t, to: k)
    }

    /// ∂s_t/∂s_k for every k = 0 … t−1 (element k), in one sweep.
    public func stateJacobians(_ trace: ForwardTrace, from t: Int) -> [Matrix] {
        precondition(trace.start == 0, "stateJacobians needs a trace from step 0")
        precondition(1 <= t && t <= trace.stepCount, "jacobian step out of range")
        return trace.handle.pass.jacobians(from: t)
    }
}
