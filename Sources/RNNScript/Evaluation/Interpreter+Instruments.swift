import RNNRuntime

/// The teaching instruments: gradient flow, the lecture's decomposition, full
/// versus truncated gradients, gates, and the step-by-step trace.
extension Interpreter {
    mutating func flow(_ model: ModelRef, _ sequence: SequenceRef) -> CellResult {
        let m = state[model].model
        let data = state.sequence(sequence)
        let trace = m.forward(data.example, loss: defaultLoss(for: m.configuration.readout))
        state[model].lastTrace = trace
        state[model].lastSequence = sequence.name
        let T = trace.stepCount
        let jacobians = m.stateJacobians(trace, from: T)
        let c = m.configuration
        var gamma: Double?, lambda: Double?, radius: Double?
        if c.cell == .rnn && c.layers == 1 {
            let W = m.parameter(named: "W")!
            gamma = c.activation.maxDerivative
            lambda = LinearAlgebra.spectralNorm(W)
            radius = LinearAlgebra.spectralRadius(W)
        }
        func row(_ k: Int, _ jacobian: Matrix, bound: Double?) -> FlowReport.Row {
            let norm = LinearAlgebra.spectralNorm(jacobian)
            return FlowReport.Row(k: k, norm: norm, bound: bound, verdict: norm < 1e-6 ? "vanishing" : norm > 1e6 ? "exploding" : "")
        }
        let rows = (0..<T).map { k in row(k, jacobians[k], bound: gamma.flatMap { g in lambda.map { l in integerPower(g * l, T - k) } }) }
        var report = FlowReport(model: model.name, t: T, gamma: gamma, lambda: lambda, spectralRadius: radius, rows: rows)
        if c.cell == .rnn && c.layers > 1 {
            // Per layer: the diagonal block ∂h^ℓ_T/∂h^ℓ_k against (γλ_ℓ)^(T−k).
            report.gamma = c.activation.maxDerivative
            let g = c.activation.maxDerivative
            report.layers = (0..<c.layers).map { l in
                let W = m.parameter(named: "layer\(l + 1).W")!, lambdaL = LinearAlgebra.spectralNorm(W)
                let span = c.stateOffset(layer: l)..<c.stateOffset(layer: l + 1)
                let blocks = (0..<T).map { k in
                    row(k, jacobians[k].block(rows: span, cols: span),
                        bound: integerPower(g * lambdaL, T - k))
                }
                return FlowReport.Layer(layer: l + 1, lambda: lambdaL, spectralRadius: LinearAlgebra.spectralRadius(W), rows: blocks)
            }
        }
        return .flow(report)
    }

    /// With `at` T, the lecture's terms of ∂L_T/∂P (seed 000, slides 30–32):
    ///
    ///     ∂L_T/∂W = Σ_{k=1}^{T} ∂L_T/∂s_T · ∂s_T/∂s_k · ∂⁺s_k/∂W
    ///
    /// where ∂⁺s_k/∂W treats s_{k−1} as a constant: in the row convention the
    /// k-th term is s_{k−1}ᵀ ((∂L_T/∂s_T · ∂s_T/∂s_k) ⊙ σ′(a_k)) (x_kᵀ … for U,
    /// the row itself for b). k = T is the explicit part, k < T the implicit
    /// part through s_{T−1}, …, s_k. V and c enter L_T only through o_T: one
    /// term, s_Tᵀ ∂L_T/∂o_T (∂L_T/∂o_T for c).
    /// Without `at`, the split ∂L/∂P = Σ_t ∂L_t/∂P.
    mutating func decompose(_ model: ModelRef, _ sequence: SequenceRef, _ loss: LossKind, _ at: Int?, _ parameter: String) -> CellResult {
        let m = state[model].model
        let example = state.sequence(sequence).example
        let index = m.parameterIndex(named: parameter)!
        var terms: [DecompositionReport.Term] = []
        let grad: Matrix
        if let T = at {
            let trace = m.forward(example, loss: loss)
            state[model].lastTrace = trace
            state[model].lastSequence = sequence.name
            let V = m.parameter(named: "V")!
            let dLdoT = Matrix(row: trace.outputGradients.row(T - 1))
            if parameter == "V" || parameter == "c" {
                let term = parameter == "V" ? Matrix(row: trace.states.row(T)).transposed.matmul(dLdoT) : dLdoT
                terms.append(.init(step: T, matrix: term, norm: term.frobeniusNorm))
            } else {
                // ∂L_T/∂s_T = ∂L_T/∂o_T · Vᵀ (1×d).
                let dLdsT = dLdoT.matmul(V.transposed)
                let jacobians = m.stateJacobians(trace, from: T)
                let d = m.configuration.hiddenSize
                for k in 1...T {
                    let ds = k == T ? dLdsT : dLdsT.matmul(jacobians[k])
                    let dsigma = Matrix(row: (0..<d).map { m.configuration.activation.derivative(fromOutput: trace.states[k, $0]) })
                    let input = parameter == "W" ? Matrix(row: trace.states.row(k - 1))
                        : parameter == "U" ? Matrix(row: trace.inputs.row(k - 1)) : Matrix(row: [1])
                    var delta = ds
                    for j in 0..<d { delta[0, j] *= dsigma[0, j] }
                    let term = input.transposed.matmul(delta)
                    terms.append(.init(step: k, matrix: term, norm: term.frobeniusNorm,
                                       factors: .init(ds: ds, dsigma: dsigma, input: input)))
                }
            }
            grad = m.lossTermGradients(example, step: T - 1, loss: loss).gradients[index]
        } else {
            let trace = m.forward(example, loss: loss)
            for t in trace.targetSteps {
                let term = m.lossTermGradients(example, step: t, loss: loss).gradients[index]
                terms.append(.init(step: t + 1, matrix: term, norm: term.frobeniusNorm))
            }
            grad = m.lossAndGradients(example, loss: loss).gradients[index]
        }
        var sum = Matrix(rows: grad.rows, cols: grad.cols)
        for term in terms { sum.add(term.matrix) }
        return .decomposition(DecompositionReport(model: model.name, parameter: parameter, at: at, terms: terms, sum: sum, grad: grad))
    }

    func compare(_ model: ModelRef, _ sequence: SequenceRef, _ loss: LossKind, _ truncation: Truncation) -> CellResult {
        let m = state[model].model
        let examples = state.sequences(sequence).map(\.example)
        let full = m.batchLossAndGradients(examples, loss: loss).gradients
        let cut = m.batchLossAndGradients(examples, loss: loss, truncation: truncation).gradients
        let rows = m.parameterNames.indices.map { i -> ComparisonReport.Row in
            let difference = full[i] - cut[i]
            let norm = full[i].frobeniusNorm
            return .init(name: m.parameterNames[i], full: full[i], truncated: cut[i], difference: difference,
                         relative: norm == 0 ? (difference.frobeniusNorm == 0 ? 0 : .infinity) : difference.frobeniusNorm / norm)
        }
        return .comparison(ComparisonReport(model: model.name, truncation: truncation, rows: rows))
    }

    mutating func gates(_ model: ModelRef, _ sequence: SequenceRef) -> CellResult {
        let m = state[model].model
        let trace = m.forward(state.sequence(sequence).example, loss: defaultLoss(for: m.configuration.readout))
        state[model].lastTrace = trace
        state[model].lastSequence = sequence.name
        var gates: [(String, Matrix)] = []
        for layer in 0..<m.configuration.layers {
            for gate in m.configuration.cell.gates {
                let key = (m.configuration.layers > 1 ? "layer\(layer + 1)." : "") + gate
                let full = trace.gates[key]!
                // Rows 1…T: one per step.
                gates.append((key, Matrix(rows: full.rows - 1, cols: full.cols, storage: Array(full.storage.dropFirst(full.cols)))))
            }
        }
        return .gates(GatesReport(model: model.name, gates: gates))
    }

    /// The lecture's quantities computed step by step, straight from the
    /// formulas (independently of the engine, whose gradients they must equal).
    mutating func trace(_ model: ModelRef, _ sequence: SequenceRef, _ loss: LossKind, _ export: TraceExport?, _ range: SourceRange) throws -> CellResult {
        let m = state[model].model
        let c = m.configuration
        let data = state.sequence(sequence)
        let trace = m.forward(data.example, loss: loss)
        state[model].lastTrace = trace
        state[model].lastSequence = sequence.name
        let U = m.parameter(named: "U")!, W = m.parameter(named: "W")!, V = m.parameter(named: "V")!
        let b = m.parameter(named: "b"), bias = b ?? Matrix(rows: 1, cols: c.hiddenSize)
        let T = trace.stepCount
        var steps: [TraceReport.Step] = []
        var lossIndex = 0
        for t in 1...T {
            let x = Matrix(row: trace.inputs.row(t - 1)), sPrev = Matrix(row: trace.states.row(t - 1))
            let a = x.matmul(U) + sPrev.matmul(W) + bias
            let target = data.example.targetIndex(atStep: t - 1, c.outputs).map { Matrix(row: data.example.targetSteps.matrix.row($0)) }
            var stepLoss: Double?
            if target != nil { stepLoss = trace.stepLosses[lossIndex]; lossIndex += 1 }
            steps.append(.init(t: t, x: x, a: a, s: Matrix(row: trace.states.row(t)), o: Matrix(row: trace.logits.row(t - 1)),
                               yhat: Matrix(row: trace.outputs.row(t - 1)), target: target, loss: stepLoss))
        }
        // Backward, from the last step: ∂L/∂s_t = δ^o_t Vᵀ + δ_{t+1} Wᵀ, δ_t = ∂L/∂s_t ⊙ σ′(a_t).
        var back: [TraceReport.BackStep] = []
        var next = Matrix(rows: 1, cols: c.hiddenSize)
        var gV = Matrix(rows: V.rows, cols: V.cols), gW = Matrix(rows: W.rows, cols: W.cols), gU = Matrix(rows: U.rows, cols: U.cols)
        for t in stride(from: T, through: 1, by: -1) {
            let step = steps[t - 1]
            let deltaO = Matrix(row: trace.outputGradients.row(t - 1))
            let deltaS = deltaO.matmul(V.transposed) + next.matmul(W.transposed)
            var deltaA = deltaS
            for j in 0..<c.hiddenSize { deltaA[0, j] *= c.activation.derivative(fromOutput: step.s[0, j]) }
            let dV = step.s.transposed.matmul(deltaO)
            let dW = Matrix(row: trace.states.row(t - 1)).transposed.matmul(deltaA)
            let dU = step.x.transposed.matmul(deltaA)
            gV.add(dV); gW.add(dW); gU.add(dU)
            back.append(.init(t: t, deltaO: deltaO, deltaS: deltaS, deltaA: deltaA, dV: dV, dW: dW, dU: dU))
            next = deltaA
        }
        let report = TraceReport(model: model.name, activation: c.activation.rawValue, readout: c.readout.rawValue, loss: loss.rawValue,
                                 forward: steps, total: trace.loss, backward: back, gradV: gV, gradW: gW, gradU: gU, export: export)
        if let export {
            let text = export.format == .markdown ? TraceExporter.markdown(report) : TraceExporter.latex(report)
            do { try host.writeFile(export.path, contents: text) } catch let error as HostError {
                throw fileDiagnostic(error, range)
            }
        }
        return .trace(report)
    }

    func plot(_ expression: Expression, label: String) throws -> CellResult {
        let value = try evaluate(expression)
        switch value {
        case let .number(x):
            return .plot(PlotReport(label: label, kind: .line([x])))
        case let .matrix(m) where m.rows == 1 || m.cols == 1:
            return .plot(PlotReport(label: label, kind: .line(m.storage)))
        case let .matrix(m):
            return .plot(PlotReport(label: label, kind: .heatmap(m)))
        default:
            throw Diagnostic(.invalidOperation("plot needs numbers: a vector draws a line, a matrix a heat map; this is \(value.kindDescription)"), at: expression.range)
        }
    }
}

extension Interpreter {
    /// Each sequence's prediction at its last step with a target, with the truth
    /// there, mapped back to the series' units when it was normalized.
    func forecast(_ model: ModelRef, _ sequence: SequenceRef) -> ForecastReport {
        let m = state[model].model
        let sequences = state.sequences(sequence)
        let normalization = sequences.first?.normalization
        let units: (Double) -> Double = normalization.map { n in { $0 * n.std + n.mean } } ?? { $0 }
        let rows = sequences.map { data -> ForecastReport.Row in
            let trace = m.forward(data.example, loss: defaultLoss(for: m.configuration.readout))
            let steps = (0..<trace.stepCount).filter { data.example.targetIndex(atStep: $0, m.configuration.outputs) != nil }
            let last = steps.last ?? trace.stepCount - 1
            let truth = data.example.targetIndex(atStep: last, m.configuration.outputs).map { data.example.targets.row($0) } ?? []
            return ForecastReport.Row(name: data.name, inputs: data.example.inputs.map(units),
                                      predicted: trace.outputs.row(last).map(units), truth: truth.map(units))
        }
        return ForecastReport(model: model.name, data: sequence.name, normalization: normalization, rows: rows)
    }

    /// `plot Y1, Y2 against X`: vectors of one length, X increasing.
    func plotCurves(_ curves: [Expression], _ against: Expression?, _ source: SourceFile) throws -> CellResult {
        func curve(_ expression: Expression) throws -> PlotReport.Curve {
            let label = source.slice(expression.range)
            switch try evaluate(expression) {
            case let .number(x): return .init(label: label, values: [x])
            case let .matrix(m) where m.rows == 1 || m.cols == 1: return .init(label: label, values: m.storage)
            case let other:
                throw Diagnostic(.invalidOperation("plot … against draws vectors; \(label) is \(other.type.description)"), at: expression.range)
            }
        }
        let x = try against.map(curve)
        let ys = try curves.map(curve)
        let count = x?.values.count ?? ys[0].values.count
        for (y, expression) in zip(ys, curves) where y.values.count != count {
            throw Diagnostic(.invalidOperation("every curve needs \(count) values, as many as \(x == nil ? "the first" : "the x values"); \(y.label) has \(y.values.count)"),
                             at: expression.range)
        }
        if let x, let against {
            guard x.values.allSatisfy(\.isFinite), zip(x.values, x.values.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw Diagnostic(.invalidOperation("the x values of a plot must be finite and increasing (like linspace(-6, 6, 121))"), at: against.range)
            }
        }
        return .plot(PlotReport(label: ys.map(\.label).joined(separator: ", ") + (x.map { " against " + $0.label } ?? ""), kind: .curves(ys, x: x)))
    }
}

/// xⁿ by repeated squaring (exact for the small n of a time lag).
func integerPower(_ x: Double, _ n: Int) -> Double {
    var result = 1.0, base = x, n = n
    while n > 0 {
        if n & 1 == 1 { result *= base }
        base *= base
        n >>= 1
    }
    return result
}
