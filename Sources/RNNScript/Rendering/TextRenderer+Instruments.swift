import RNNRuntime

extension TextRenderer {
    func flowLines(_ r: FlowReport) -> [String] {
        var head = "‖∂s_\(r.t)/∂s_k‖₂ for every k < \(r.t)"
        if let g = r.gamma, let l = r.lambda {
            head += ": γ = \(shortNumber(g)) (max σ′), λ = ‖W‖₂ = \(NumberFormatting.general(l)), γλ = \(NumberFormatting.general(g * l))"
        }
        var lines = [head]
        if let rho = r.spectralRadius { lines.append("spectral radius ρ(W) = \(NumberFormatting.general(rho))") }
        let hasBound = r.rows.contains { $0.bound != nil }
        lines.append(padLeft("k", 5) + padLeft("t−k", 6) + padLeft("‖∂s_T/∂s_k‖₂", 16) + (hasBound ? padLeft("(γλ)^(t−k)", 14) : "") + "  ")
        for row in r.rows.reversed() {
            lines.append(padLeft(String(row.k), 5) + padLeft(String(r.t - row.k), 6) + padLeft(NumberFormatting.general(row.norm), 16)
                         + (row.bound.map { padLeft(NumberFormatting.general($0), 14) } ?? "") + (row.verdict.isEmpty ? "" : "  " + row.verdict))
        }
        lines.append("norms by lag: " + Sparkline.logLine(r.rows.reversed().map(\.norm)))
        if hasBound, r.rows.allSatisfy({ $0.norm <= ($0.bound ?? .infinity) * (1 + 1e-9) }) {
            lines.append("every norm is within the lecture's bound ‖∂s_t/∂s_k‖ ≤ (γλ)^(t−k)")
        }
        for layer in r.layers { lines += layerFlowLines(r, layer) }
        return lines
    }

    /// A stacked vanilla RNN's layer: its own block of the Jacobian against the lecture's bound.
    private func layerFlowLines(_ r: FlowReport, _ layer: FlowReport.Layer) -> [String] {
        let l = layer.layer, g = r.gamma ?? 1
        var lines = ["layer \(l): ‖∂h^\(l)_\(r.t)/∂h^\(l)_k‖₂ (its own steps, diag(σ′) W_\(l)ᵀ): γ = \(shortNumber(g)) (max σ′), "
                     + "λ_\(l) = ‖layer\(l).W‖₂ = \(NumberFormatting.general(layer.lambda)), γλ_\(l) = \(NumberFormatting.general(g * layer.lambda)), "
                     + "ρ = \(NumberFormatting.general(layer.spectralRadius))"]
        lines.append(padLeft("k", 5) + padLeft("t−k", 6) + padLeft("‖block‖₂", 16) + padLeft("(γλ_\(l))^(t−k)", 14) + "  ")
        for row in layer.rows.reversed() {
            lines.append(padLeft(String(row.k), 5) + padLeft(String(r.t - row.k), 6) + padLeft(NumberFormatting.general(row.norm), 16)
                         + padLeft(NumberFormatting.general(row.bound ?? .nan), 14) + (row.verdict.isEmpty ? "" : "  " + row.verdict))
        }
        if layer.rows.allSatisfy({ $0.norm <= ($0.bound ?? .infinity) * (1 + 1e-9) }) {
            lines.append("layer \(l): every norm is within (γλ_\(l))^(t−k)")
        }
        return lines
    }

    func decompositionLines(_ r: DecompositionReport) -> [String] {
        var lines: [String]
        let P = r.parameter
        if let T = r.at, P == "V" || P == "c" {
            lines = ["∂L_\(T)/∂\(P): \(P) enters L_\(T) only through o_\(T), so there is one term, "
                     + (P == "V" ? "s_\(T)ᵀ · ∂L_\(T)/∂o_\(T)" : "∂L_\(T)/∂o_\(T)") + " (no path back through time)"]
        } else if let T = r.at {
            lines = ["∂s_\(T)/∂\(P) = ∂⁺s_\(T)/∂\(P) (explicit: s_\(T - 1) held constant) + ∂s_\(T)/∂s_\(T - 1) · ∂s_\(T - 1)/∂\(P) (implicit),",
                     "  and unrolled down to s_1: ∂s_\(T)/∂\(P) = Σ_k ∂s_\(T)/∂s_k · ∂⁺s_k/∂\(P), so",
                     "∂L_\(T)/∂\(P) = Σ_k ∂L_\(T)/∂s_\(T) · ∂s_\(T)/∂s_k · ∂⁺s_k/∂\(P), k = 1…\(T); term k = inputᵀ (∂L_\(T)/∂s_k ⊙ σ′(a_k)),"
                     + " input = " + (P == "W" ? "s_{k−1}" : P == "U" ? "x_k" : "1")]
        } else {
            lines = ["∂L/∂\(P) = Σ_t ∂L_t/∂\(P)"]
        }
        let symbol = r.at == nil ? "t" : "k"
        for term in r.terms {
            var head = "\(symbol) = \(term.step)"
            if let T = r.at, term.factors != nil {
                let k = term.step
                let path = T - k <= 3 ? (k...T).map { "s_\($0)" }.joined(separator: " → ") : "s_\(k) → s_\(k + 1) → … → s_\(T)"
                head += k == T ? " (explicit, ∂⁺s_\(T)/∂\(P))" : " (implicit, through \(path))"
            }
            lines.append(head + ": ‖term‖_F = \(NumberFormatting.general(term.norm))")
            if let f = term.factors {
                let k = term.step, input = P == "W" ? "s_\(k - 1)" : P == "U" ? "x_\(k)" : "1"
                lines.append("  ∂L_\(r.at!)/∂s_\(k) = " + rowText(f.ds) + "   σ′(a_\(k)) = " + rowText(f.dsigma) + "   input \(input) = " + rowText(f.input))
            }
            lines += matrixLines(term.matrix).map { "  " + $0 }
        }
        lines.append("sum of the terms")
        lines += matrixLines(r.sum).map { "  " + $0 }
        lines.append((r.at.map { "∂L_\($0)" } ?? "∂L") + "/∂\(P) by BPTT")
        lines += matrixLines(r.grad).map { "  " + $0 }
        let gap = (r.sum - r.grad).frobeniusNorm / max(r.grad.frobeniusNorm, 1e-300)
        lines.append("‖sum − BPTT‖ / ‖BPTT‖ = \(NumberFormatting.scientific(gap, 2))")
        return lines
    }

    /// A 1×n row on one line: [a, b, c] with four decimals.
    private func rowText(_ m: Matrix) -> String {
        "[" + m.storage.map { NumberFormatting.fixed($0, 4) }.joined(separator: ", ") + "]"
    }

    func comparisonLines(_ r: ComparisonReport) -> [String] {
        let width = max(9, (r.rows.map(\.name.count).max() ?? 0) + 1)
        var lines = ["full BPTT against \(describe(r.truncation))",
                     pad("parameter", width) + padLeft("‖full‖", 12) + padLeft("‖truncated‖", 13) + padLeft("‖difference‖", 14) + padLeft("relative", 12)]
        for row in r.rows {
            lines.append(pad(row.name, width) + padLeft(NumberFormatting.general(row.full.frobeniusNorm), 12)
                         + padLeft(NumberFormatting.general(row.truncated.frobeniusNorm), 13)
                         + padLeft(NumberFormatting.general(row.difference.frobeniusNorm), 14) + padLeft(NumberFormatting.general(row.relative), 12))
        }
        // Rounding alone (parameters the truncation cannot change, like V) is not a difference.
        for row in r.rows where row.relative > 1e-12 {
            lines.append("full − truncated for \(row.name)")
            lines += matrixLines(row.difference).map { "  " + $0 }
        }
        return lines
    }

    func gatesLines(_ r: GatesReport) -> [String] {
        let meaning = ["i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
                       "r": "reset gate", "z": "update gate", "n": "candidate"]
        var lines: [String] = []
        for (name, m) in r.gates {
            let gate = String(name.split(separator: ".").last ?? "")
            lines.append("\(name) (\(meaning[gate] ?? "gate")), one row per step t = 1…\(m.rows), mean \(NumberFormatting.general(m.storage.reduce(0, +) / Double(max(m.count, 1))))")
            lines += matrixLines(m).map { "  " + $0 }
        }
        return lines
    }

    func traceLines(_ r: TraceReport) -> [String] {
        func v(_ m: Matrix) -> String { inlineValue(.matrix(m)) }
        var lines = ["forward: a_t = x_t U + s_{t-1} W + b, s_t = \(r.activation)(a_t), o_t = s_t V + c, ŷ_t = \(r.readout)(o_t)"]
        for step in r.forward {
            lines.append("t = \(step.t)")
            lines.append("  x_\(step.t) = \(v(step.x))")
            lines.append("  a_\(step.t) = \(v(step.a))")
            lines.append("  s_\(step.t) = \(v(step.s))")
            lines.append("  o_\(step.t) = \(v(step.o))")
            lines.append("  ŷ_\(step.t) = \(v(step.yhat))")
            if let target = step.target, let loss = step.loss {
                lines.append("  y_\(step.t) = \(v(target)),  L_\(step.t) = \(NumberFormatting.general(loss))")
            }
        }
        lines.append("L = Σ_t L_t = \(NumberFormatting.general(r.total))")
        lines.append("backward: δ^o_t = ∂L/∂o_t, ∂L/∂s_t = δ^o_t Vᵀ + δ_{t+1} Wᵀ, δ_t = ∂L/∂s_t ⊙ σ′(a_t)")
        for step in r.backward {
            lines.append("t = \(step.t)")
            lines.append("  δ^o_\(step.t) = \(v(step.deltaO))")
            lines.append("  ∂L/∂s_\(step.t) = \(v(step.deltaS))")
            lines.append("  δ_\(step.t) = \(v(step.deltaA))")
            lines.append("  s_\(step.t)ᵀ δ^o_\(step.t) (adds to ∂L/∂V)")
            lines += matrixLines(step.dV).map { "    " + $0 }
            lines.append("  s_\(step.t - 1)ᵀ δ_\(step.t) (adds to ∂L/∂W)")
            lines += matrixLines(step.dW).map { "    " + $0 }
            lines.append("  x_\(step.t)ᵀ δ_\(step.t) (adds to ∂L/∂U)")
            lines += matrixLines(step.dU).map { "    " + $0 }
        }
        for (name, g) in [("V", r.gradV), ("W", r.gradW), ("U", r.gradU)] {
            lines.append("∂L/∂\(name) = Σ_t (the terms above)")
            lines += matrixLines(g).map { "  " + $0 }
        }
        if let export = r.export { lines.append("written to \(export.path) (\(export.format == .markdown ? "Markdown" : "LaTeX"))") }
        return lines
    }

    func plotLines(_ r: PlotReport) -> [String] {
        switch r.kind {
        case let .line(values):
            if values.isEmpty { return ["\(r.label): (empty)"] }
            let note = Sparkline.nonFiniteNote(values)
            let range = PlotScale.finiteRange(values).map { "from \(NumberFormatting.general($0.lo)) to \(NumberFormatting.general($0.hi))" }
            return ["\(r.label): \(values.count) values " + [range ?? "", note].filter { !$0.isEmpty }.joined(separator: "; "),
                    Sparkline.line(values)]
        case let .curves(curves, x):
            let count = curves[0].values.count
            let over = x.map { x in "\(x.label) from \(NumberFormatting.general(x.values.first ?? 0)) to \(NumberFormatting.general(x.values.last ?? 0))" }
            var lines = ["\(count) points" + (over.map { ", " + $0 } ?? "")]
            for curve in curves {
                let note = Sparkline.nonFiniteNote(curve.values)
                let range = PlotScale.finiteRange(curve.values).map { "from \(NumberFormatting.general($0.lo)) to \(NumberFormatting.general($0.hi))" }
                lines.append("\(curve.label): " + [range ?? "", note].filter { !$0.isEmpty }.joined(separator: "; "))
                lines.append("  " + Sparkline.line(curve.values))
            }
            return lines
        case let .heatmap(m):
            let note = Sparkline.nonFiniteNote(m.storage)
            let range = PlotScale.finiteRange(m.storage).map {
                "shade from \(NumberFormatting.general($0.lo)) ░ to \(NumberFormatting.general($0.hi)) █"
            }
            let caption = [range ?? "", note].filter { !$0.isEmpty }.joined(separator: "; ")
            var lines = ["\(r.label) (\(m.rows)×\(m.cols))" + (caption.isEmpty ? "" : ", " + caption)]
            lines += Sparkline.heatmap(m)
            return lines
        }
    }

    /// The forecast table: at most 12 rows (the first 10 and the last 2), then the errors.
    func forecastLines(_ r: ForecastReport) -> [String] {
        let g = NumberFormatting.general
        var lines = ["\(r.model) on \(r.data): \(r.rows.count) sequence\(r.rows.count == 1 ? "" : "s"), each at its last step with a target"]
        if let n = r.normalization { lines.append("values in the series' units: normalized × \(g(n.std)) + \(g(n.mean))") }
        let nameWidth = max(8, (r.rows.map(\.name.count).max() ?? 0) + 2)
        func values(_ v: [Double]) -> String { v.count == 1 ? g(v[0]) : vectorText(v) }
        func inputs(_ m: Matrix) -> String {
            guard m.cols == 1 else { return "\(m.rows) steps of width \(m.cols)" }
            let shown = m.storage.suffix(4).map(g).joined(separator: " ")
            return m.rows > 4 ? "… " + shown : shown
        }
        let inputWidth = max(8, (r.rows.map { inputs($0.inputs).count }.max() ?? 0) + 2)
        lines.append("  " + pad("sequence", nameWidth) + pad("inputs", inputWidth) + padLeft("predicted", 12) + padLeft("true", 12) + padLeft("error", 12))
        let shown = r.rows.count <= 12 ? Array(r.rows.indices) : Array(0..<10) + [r.rows.count - 2, r.rows.count - 1]
        for (position, i) in shown.enumerated() {
            if position == 10 && r.rows.count > 12 { lines.append("  … \(r.rows.count - 12) more (--json prints all)") }
            let row = r.rows[i]
            let error = zip(row.predicted, row.truth).map { $0 - $1 }
            lines.append("  " + pad(row.name, nameWidth) + pad(inputs(row.inputs), inputWidth) + padLeft(values(row.predicted), 12)
                         + padLeft(values(row.truth), 12) + padLeft(values(error), 12))
        }
        let (mae, rmse) = r.errors
        lines.append("MAE \(g(mae)), RMSE \(g(rmse))" + (r.normalization == nil ? "" : " (in the series' units)"))
        return lines
    }

    /// The answers table: at most 12 rows (the first 10 and the last 2), then the accuracy.
    func answerLines(_ r: AnswerReport) -> [String] {
        let how = r.freeRunning ? "answering on its own from the first target (each choice fed back)" : "the most probable symbol at each step with a target"
        var lines = ["\(r.model) on \(r.data): \(r.rows.count) sequence\(r.rows.count == 1 ? "" : "s"), \(how)"]
        let text = { (symbols: [Int]) in r.vocabulary.text(symbols) }
        let nameWidth = max(10, (r.rows.map(\.name.count).max() ?? 0) + 2)
        let readsWidth = max(7, (r.rows.map(\.reads.count).max() ?? 0) + 2)
        let answerWidth = max(11, (r.rows.map { max(text($0.predicted).count, text($0.truth).count) }.max() ?? 0) + 2)
        lines.append("  " + pad("sequence", nameWidth) + pad("reads", readsWidth) + pad("predicted", answerWidth) + "true")
        let shown = r.rows.count <= 12 ? Array(r.rows.indices) : Array(0..<10) + [r.rows.count - 2, r.rows.count - 1]
        for (position, i) in shown.enumerated() {
            if position == 10 && r.rows.count > 12 { lines.append("  … \(r.rows.count - 12) more (--json prints all)") }
            let row = r.rows[i]
            lines.append("  " + pad(row.name, nameWidth) + pad(row.reads, readsWidth) + pad(text(row.predicted), answerWidth)
                         + pad(text(row.truth), answerWidth) + (row.predicted == row.truth ? "✓" : "✗"))
        }
        let (exact, symbols, total) = r.accuracy
        lines.append("\(exact) of \(r.rows.count) answers exactly right; \(symbols) of \(total) true symbols right in place")
        return lines
    }

    func updateLogLines(_ report: TrainReport) -> [String] {
        let log = report.updateLog
        guard !log.isEmpty else { return [] }
        // Changed: an element clipped, or the norm lowered (a norm that
        // overflowed to inf scales every element to 0, and none counts as clipped).
        let clippedUpdates = log.filter { $0.clipped.contains { $0 > 0 } || $0.normAfter < $0.normBefore }.count
        var lines = ["update log: ‖g‖ before and after clipping, clipped elements per parameter",
                     padLeft("update", 8) + padLeft("epoch", 7) + padLeft("‖g‖ before", 13) + padLeft("‖g‖ after", 13) + "  clipped"]
        let every = max(1, log.count / 10)
        for (i, record) in log.enumerated() where i % every == 0 || i == log.count - 1 {
            let clipped = zip(report.parameterNames, record.clipped).filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            lines.append(padLeft(String(record.update), 8) + padLeft(String(record.epoch), 7)
                         + padLeft(NumberFormatting.general(record.normBefore), 13) + padLeft(NumberFormatting.general(record.normAfter), 13)
                         + "  " + (clipped.isEmpty ? "-" : clipped))
        }
        lines.append("clipping changed the gradient in \(clippedUpdates) of \(log.count) updates")
        lines.append("‖g‖ before clipping: " + Sparkline.logLine(log.map(\.normBefore)))
        return lines
    }
}

/// Compact text plots: a sparkline for a series, shaded blocks for a matrix.
/// Shades are scaled to the finite values; a value no shade can show is
/// drawn as its mark (`×` nan, `↑` inf, `↓` -inf), and the caption counts them.
enum Sparkline {
    static let ticks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let shades: [Character] = ["░", "▒", "▓", "█"]

    /// The mark of a non-finite value: above the scale, below it, or no number.
    static func mark(_ v: Double) -> Character { v.isNaN ? "×" : v > 0 ? "↑" : "↓" }

    /// The marks and counts of a series' non-finite values, for a caption:
    /// `not finite: 1 nan (×), 2 -inf (↓)`; empty when every value is finite.
    static func nonFiniteNote(_ values: some Sequence<Double>) -> String {
        let counts = PlotScale.nonFiniteCounts(values)
        if counts.isEmpty { return "" }
        let marks = ["nan": "×", "inf": "↑", "-inf": "↓"]
        return "not finite: " + counts.map { "\($0.count) \($0.name) (\(marks[$0.name]!))" }.joined(separator: ", ")
    }

    /// At most 60 columns: longer series are averaged in buckets (a bucket
    /// holding a non-finite value shows that value's mark).
    static func line(_ values: [Double]) -> String {
        let series = bucket(values, 60)
        guard let (lo, hi) = PlotScale.finiteRange(series) else { return String(series.map(mark)) }
        return String(series.map { v in
            !v.isFinite ? mark(v) : hi == lo ? ticks[3] : ticks[PlotScale.level(v, lo, hi, levels: ticks.count)]
        })
    }

    /// A sparkline of log10 values (for norms spanning decades), with its
    /// range: zero sits at the bottom (as 1e-300), nan and inf are marked.
    static func logLine(_ values: [Double]) -> String {
        let logs = values.map { v in v > 0 && v.isFinite ? ExactDecimal.log10(v) : v.isFinite ? -300 : v }
        // The range in whole decades, found exactly (a non-finite value has none).
        let decades = values.filter(\.isFinite)
        guard let lo = decades.map({ $0 > 0 ? ExactDecimal.floorLog10($0) : -300 }).min(),
              let hi = decades.map({ $0 > 0 ? ExactDecimal.ceilLog10($0) : -300 }).max() else { return line(logs) }
        return line(logs) + "  (log scale, 1e\(lo) to 1e\(hi))"
    }

    static func heatmap(_ m: Matrix) -> [String] {
        let (lo, hi) = PlotScale.finiteRange(m.storage) ?? (0, 0)
        let rows = min(m.rows, 30), cols = min(m.cols, 60)
        return (0..<rows).map { r in
            "  " + String((0..<cols).map { c in
                let v = m[r, c]
                if !v.isFinite { return mark(v) }
                return hi == lo ? shades[2] : shades[PlotScale.level(v, lo, hi, levels: shades.count)]
            }) + (cols < m.cols ? "…" : "")
        }
    }

    static func bucket(_ values: [Double], _ width: Int) -> [Double] {
        guard values.count > width else { return values }
        return (0..<width).map { i in
            let a = i * values.count / width, b = max(a + 1, (i + 1) * values.count / width)
            let slice = values[a..<b]
            if let special = slice.first(where: { !$0.isFinite }) { return special }
            let sum = slice.reduce(0, +)
            // A sum of huge values can overflow where their mean does not.
            return sum.isFinite ? sum / Double(b - a) : slice.reduce(0) { $0 + $1 / Double(b - a) }
        }
    }
}
