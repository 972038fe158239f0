import RNNRuntime

/// `rnnscript --report FILE.html SCRIPT`: a self-contained notebook page (no
/// JavaScript, no network) with every cell's source, its text output and its
/// plots as inline SVG. Written as well-formed XHTML so strict XML parsers
/// accept it; the same script gives the same bytes.
public final class HTMLReport {
    struct Cell {
        var number: Int
        var source: String
        var text: String
        var figures: [String]
        var error: String?
    }

    let title: String
    private var cells: [Cell] = []

    public init(title: String) { self.title = title }

    /// The number of SVG figures added so far.
    public var figureCount: Int { cells.reduce(0) { $0 + $1.figures.filter { $0.hasPrefix("<svg") }.count } }

    func add(cell number: Int, source: String, text: String, result: CellResult) {
        cells.append(Cell(number: number, source: source, text: text, figures: Self.figures(for: result), error: nil))
    }

    func addError(cell number: Int, source: String, message: String) {
        cells.append(Cell(number: number, source: source, text: "", figures: [], error: message))
    }

    /// The figures (SVG or an HTML table) a result deserves.
    static func figures(for result: CellResult) -> [String] {
        switch result {
        case let .train(r):
            var series = [SVGChart.Series(label: "training", values: r.losses)]
            if !r.validationLosses.isEmpty { series.append(.init(label: "validation", values: r.validationLosses, dashed: true)) }
            // An infinite loss is a gap in the curve, not a reason for a log scale.
            let positive = r.losses.filter { $0 > 0 && $0.isFinite }
            let logY = (positive.max() ?? 1) / max(positive.min() ?? 1, 1e-300) > 100
            return [SVGChart.line(series, title: "Training loss of \(r.model)", xLabel: "epoch",
                                  yLabel: "loss per epoch" + (logY ? " (log scale)" : ""), logY: logY)]
        case let .flow(r):
            let lags = r.rows.reversed().map { Double(r.t - $0.k) }
            var series = [SVGChart.Series(label: "‖∂s_T/∂s_k‖₂", values: r.rows.reversed().map(\.norm))]
            if r.rows.first?.bound != nil {
                series.append(.init(label: "bound (γλ)^(t−k)", values: r.rows.reversed().map { $0.bound ?? .nan }, dashed: true))
            }
            return [SVGChart.line(series, xs: lags, title: "Gradient flow of \(r.model): ‖∂s_\(r.t)/∂s_k‖₂ by lag",
                                  xLabel: "lag t − k (steps)", yLabel: "spectral norm (log scale)", logY: true)]
        case let .jacobian(r):
            return [SVGChart.heatmap(r.matrix, title: "Jacobian ∂s_\(r.t)/∂s_\(r.k) of \(r.model)",
                                     xLabel: "m (component of s_\(r.k))", yLabel: "i (component of s_\(r.t))")]
        case let .backward(r):
            return zip(r.names, r.gradients).map { name, g in
                SVGChart.heatmap(g, title: "∂L/∂\(name) of \(r.model)", xLabel: "column", yLabel: "row")
            }
        case let .value(label, .matrix(m)) where m.count > 1:
            return [SVGChart.heatmap(m, title: label, xLabel: "column", yLabel: "row")]
        case let .gates(r):
            return r.gates.map { name, m in
                SVGChart.heatmap(m.transposed, title: "Gate \(name) of \(r.model) over time", xLabel: "step t − 1", yLabel: "unit")
            }
        case let .plot(r):
            switch r.kind {
            case let .line(values):
                return [SVGChart.line([.init(label: r.label, values: values)], title: r.label, xLabel: "index (from 1)", yLabel: "value")]
            case let .heatmap(m):
                return [SVGChart.heatmap(m, title: r.label, xLabel: "column", yLabel: "row")]
            case let .curves(curves, x):
                return [SVGChart.line(curves.map { .init(label: $0.label, values: $0.values) }, xs: x?.values, title: r.label,
                                      xLabel: x?.label ?? "index (from 1)", yLabel: "value")]
            }
        case let .decomposition(r):
            let symbol = r.at == nil ? "t" : "k"
            return [SVGChart.bars(r.terms.map { "\(symbol)=\($0.step)" }, r.terms.map(\.norm),
                                  title: "Norms of the terms of " + (r.at.map { "∂L_\($0)" } ?? "∂L") + "/∂\(r.parameter)",
                                  xLabel: symbol == "k" ? "k (the state the path starts from)" : "t (the loss term)", yLabel: "Frobenius norm")]
        case let .forward(r):
            return [predictionTable(r)]
        case let .forecast(r) where r.rows.allSatisfy({ $0.predicted.count == 1 && $0.truth.count == 1 }):
            return [SVGChart.line([.init(label: "predicted", values: r.rows.map { $0.predicted[0] }),
                                   .init(label: "true", values: r.rows.map { $0.truth[0] }, dashed: true)],
                                  title: "Predicted and true values of \(r.model) on \(r.data)",
                                  xLabel: "sequence (in order)", yLabel: r.normalization == nil ? "value" : "value (series units)")]
        case let .drawing(_, drawing):
            return [DrawingSVG.render(drawing)]
        default:
            return []
        }
    }

    /// The lecture's prediction table: ŷ per step, the true class marked.
    static func predictionTable(_ r: ForwardReport) -> String {
        let e = SVGChart.escape
        let k = r.configuration.outputSize
        var html = "<table class=\"predictions\"><thead><tr><th>t</th>"
        let labels = r.sequence.targetVocabulary.map { v in (0..<v.count).map(v.display) } ?? (0..<k).map { "ŷ[\($0)]" }
        for label in labels { html += "<th>\(e(label))</th>" }
        html += "<th>L_t</th></tr></thead><tbody>"
        var lossIndex = 0
        for t in 0..<r.trace.stepCount {
            let targetIndex = r.sequence.example.targetIndex(atStep: r.trace.start + t, r.configuration.outputs)
            let targetClass = targetIndex.flatMap { r.sequence.targetClasses?[$0] }
            html += "<tr><td>\(t + 1)</td>"
            for j in 0..<k {
                let p = r.trace.outputs[t, j]
                let shade = p.isNaN ? 255 : Int((1 - max(0, min(1, p))) * 55 + 200)  // white for nan
                let cls = j == targetClass ? " class=\"true\"" : ""
                html += "<td\(cls) style=\"background-color: rgb(\(shade), \(shade), 255)\">\(NumberFormatting.fixed(p))</td>"
            }
            if targetIndex != nil {
                html += "<td>\(NumberFormatting.general(r.trace.stepLosses[lossIndex]))</td>"
                lossIndex += 1
            } else {
                html += "<td></td>"
            }
            html += "</tr>"
        }
        html += "</tbody><tfoot><tr><td colspan=\"\(k + 1)\">L = Σ_t L_t</td><td>\(NumberFormatting.general(r.trace.loss))</td></tr></tfoot></table>"
        return html
    }

    public func render() -> String {
        let e = SVGChart.escape
        var html = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(e(title)) · rnnscript</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
            h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
            p.meta { color: #666666; margin-top: 0; }
            section.cell { border-top: 1px solid #dddddd; padding: 0.6rem 0; }
            .source { display: flex; gap: 0.6rem; }
            .source .n { color: #888888; font-family: ui-monospace, monospace; min-width: 2.5rem; }
            pre { margin: 0.2rem 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.85rem; white-space: pre-wrap; }
            pre.code { color: #0b3d91; font-weight: 600; }
            pre.out { background: #f7f7f9; padding: 0.5rem 0.7rem; border-radius: 4px; overflow-x: auto; }
            pre.error { background: #fdecea; color: #8a1c1c; padding: 0.5rem 0.7rem; border-radius: 4px; }
            figure { margin: 0.6rem 0; }
            svg { max-width: 100%; height: auto; font-family: system-ui, sans-serif; }
            table.predictions { border-collapse: collapse; font-family: ui-monospace, monospace; font-size: 0.85rem; margin: 0.4rem 0; }
            table.predictions th, table.predictions td { border: 1px solid #cccccc; padding: 0.15rem 0.5rem; text-align: right; }
            table.predictions td.true { outline: 2px solid #d62728; font-weight: bold; }
            </style>
            </head>
            <body>
            <h1>\(e(title))</h1>
            <p class="meta">An rnnscript notebook: every cell's source, its output and its plots.</p>

            """
        for cell in cells {
            html += "<section class=\"cell\">\n<div class=\"source\"><span class=\"n\">[\(cell.number)]</span><pre class=\"code\">\(e(cell.source))</pre></div>\n"
            if !cell.text.isEmpty { html += "<pre class=\"out\">\(e(cell.text))</pre>\n" }
            if let error = cell.error { html += "<pre class=\"error\">\(e(error))</pre>\n" }
            for figure in cell.figures { html += "<figure>\(figure)</figure>\n" }
            html += "</section>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }
}
