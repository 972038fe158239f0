import RNNRuntime

/// Self-contained SVG charts for the HTML report: line charts (linear or log
/// scale), heat maps with a colour bar, and bar charts. Every chart has a
/// title and labelled axes; coordinates are printed with a fixed format so
/// the same data always gives the same bytes.
enum SVGChart {
    struct Series {
        var label: String
        var values: [Double]
        var dashed = false
    }

    static let width = 640.0, height = 300.0
    static let left = 72.0, right = 24.0, top = 36.0, bottom = 52.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    static func f(_ x: Double) -> String { ExactDecimal.fixed(x, 1) }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func open(_ title: String, height h: Double = height) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(h))\" width=\"\(f(width))\" height=\"\(f(h))\" role=\"img\" aria-label=\"\(escape(title))\">"
            + "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(h))\" fill=\"#ffffff\"/>"
            + "<text x=\"\(f(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"
    }

    /// At most this many ticks on an axis (a nice step gives about five).
    static let tickLimit = 12

    /// "Nice" tick values covering lo…hi (about five of them). Where the step
    /// is below the spacing of doubles (1e17 … 1e17 + 16), adding it changes
    /// nothing: the ticks stop there rather than repeat.
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo.isFinite && hi.isFinite else { return [] }
        if !(hi > lo) { return [lo] }
        let raw = hi / 5 - lo / 5  // (hi − lo) / 5 without overflowing
        guard raw > 0 && raw.isFinite else { return [] }
        let magnitude = ExactDecimal.powerOfTen(ExactDecimal.floorLog10(raw))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 && values.count < tickLimit {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            let next = v + step
            guard next > v else { break }
            v = next
        }
        return values
    }

    static func label(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1e4 || a < 1e-3 { return ExactDecimal.scientific(v, 0) }
        return ExactDecimal.general((v * 1e6).rounded() / 1e6, 6)
    }

    /// A line chart of series over x = xs (1-based steps when nil). A value
    /// that cannot be drawn (not finite, or not positive on a log scale) is a
    /// gap in its line; the chart counts the non-finite ones.
    static func line(_ series: [Series], xs: [Double]? = nil, title: String, xLabel: String, yLabel: String, logY: Bool = false) -> String {
        let all = series.flatMap(\.values).filter { $0.isFinite && (!logY || $0 > 0) }
        let count = series.map(\.values.count).max() ?? 0
        let xValues = xs ?? (0..<count).map { Double($0 + 1) }
        let transform: (Double) -> Double = logY ? { ExactDecimal.log10($0) } : { $0 }
        var lo: Double, hi: Double
        if logY {
            // Whole decades, found exactly.
            lo = all.min().map { Double(ExactDecimal.floorLog10($0)) } ?? 0
            hi = all.max().map { Double(ExactDecimal.ceilLog10($0)) } ?? 1
        } else {
            lo = all.min() ?? 0
            hi = all.max() ?? 1
        }
        if hi == lo {
            // ±1 is no change at all for a value like 1e17.
            let margin = max(1, abs(lo) / 1024)
            lo -= margin
            hi += margin
        }
        if !logY && lo > 0 && lo < hi * 0.5 { lo = 0 }
        let x0 = xValues.first ?? 0, x1 = max(xValues.last ?? 1, x0 + 1)
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + PlotScale.position(x, x0, x1) * plotW }
        func py(_ y: Double) -> Double { top + (1 - PlotScale.position(transform(y), lo, hi)) * plotH }
        var svg = open(title)
        svg += axes(plotW: plotW, plotH: plotH, xLabel: xLabel, yLabel: yLabel)
        // Y ticks.
        let yTicks = logY ? Array(stride(from: lo, through: hi, by: max(1, ((hi - lo) / 6).rounded(.up)))) : ticks(lo, hi)
        for t in yTicks {
            let y = top + (1 - PlotScale.position(t, lo, hi)) * plotH
            svg += "<line x1=\"\(f(left - 4))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(escape(logY ? "1e\(Int(t))" : label(t)))</text>"
        }
        for t in ticks(x0, x1) where t == t.rounded() || x1 - x0 < 10 {
            let x = px(t)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#333333\"/>"
            svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 17))\" text-anchor=\"middle\" font-size=\"11\">\(escape(label(t)))</text>"
        }
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            // Runs of drawable points: a value that cannot be drawn breaks the line.
            var runs: [[(x: String, y: String)]] = [[]]
            for (x, v) in zip(xValues, s.values) {
                if v.isFinite && (!logY || v > 0) {
                    runs[runs.count - 1].append((f(px(x)), f(py(v))))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            for run in runs where run.count > 1 {
                let points = run.map { "\($0.x),\($0.y)" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(points)\"/>"
            }
            // Every point when there are few, else those no line passes through.
            let dots = runs.joined().count <= 40
            for run in runs where dots || run.count == 1 {
                for p in run {
                    svg += "<circle cx=\"\(p.x)\" cy=\"\(p.y)\" r=\"2.5\" fill=\"\(color)\"/>"
                }
            }
            // Legend.
            let ly = top + 4 + Double(i) * 16
            svg += "<line x1=\"\(f(width - right - 150))\" y1=\"\(f(ly))\" x2=\"\(f(width - right - 130))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            svg += "<text x=\"\(f(width - right - 125))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(escape(s.label))</text>"
        }
        svg += nonFiniteNote(series.flatMap(\.values), x: left, y: top - 6, anchor: "start")
        return svg + "</svg>"
    }

    /// A caption counting the values a chart could not draw (`not drawn:
    /// 1 nan, 2 inf`), or nothing when every value is finite.
    static func nonFiniteNote(_ values: [Double], x: Double, y: Double, anchor: String) -> String {
        let counts = PlotScale.nonFiniteCounts(values)
        if counts.isEmpty { return "" }
        let text = "not drawn: " + counts.map { "\($0.count) \($0.name)" }.joined(separator: ", ")
        return "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"10\" fill=\"#555555\">\(escape(text))</text>"
    }

    static func axes(plotW: Double, plotH: Double, xLabel: String, yLabel: String) -> String {
        var svg = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333333\"/>"
        svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>"
        svg += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">\(escape(yLabel))</text>"
        return svg
    }

    /// A colour for v: diverging blue–white–red around 0 over [−m, m], or
    /// sequential white–green over [lo, hi].
    /// v, lo and hi are finite (a non-finite cell is drawn by `markedCell`).
    static func color(_ v: Double, lo: Double, hi: Double, diverging: Bool) -> String {
        func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
            let c = [r, g, b].map { $0.isNaN ? 0 : Int(max(0, min(255, $0.rounded()))) }
            return "#" + c.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        if diverging {
            let m = max(abs(lo), abs(hi), 1e-300)
            let t = max(-1, min(1, v / m))
            return t < 0 ? hex(255 + (33 - 255) * -t, 255 + (102 - 255) * -t, 255 + (172 - 255) * -t)
                         : hex(255 + (178 - 255) * t, 255 + (24 - 255) * t, 255 + (43 - 255) * t)
        }
        let t = hi > lo ? PlotScale.fraction(v, lo, hi) : 0.5
        return hex(255 + (0 - 255) * t, 255 + (109 - 255) * t, 255 + (44 - 255) * t)
    }

    /// The fill and stroke of a cell that holds no number to colour.
    static let markedFill = "#bdbdbd", markedStroke = "#555555"

    /// A cell for a non-finite value: grey, struck through, titled with the value.
    static func markedCell(x: Double, y: Double, size: Double, title: String) -> String {
        "<g><title>\(escape(title))</title><rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(size))\" height=\"\(f(size))\" fill=\"\(markedFill)\"/>"
            + "<line x1=\"\(f(x))\" y1=\"\(f(y + size))\" x2=\"\(f(x + size))\" y2=\"\(f(y))\" stroke=\"\(markedStroke)\"/></g>"
    }

    /// A heat map: one cell per matrix entry (row r at the top), a colour bar
    /// with its range. Diverging colours when the values change sign. The
    /// colours span the finite values (none finite: a constant scale); a
    /// non-finite entry is a marked cell, counted under the grid.
    static func heatmap(_ m: Matrix, title: String, xLabel: String, yLabel: String) -> String {
        let rows = min(m.rows, 40), cols = min(m.cols, 60)
        let (lo, hi) = PlotScale.finiteRange(m.storage) ?? (0, 0)
        let diverging = lo < 0 && hi > 0 || (lo < 0 && hi <= 0)
        let cell = min(36.0, min((width - left - right - 70) / Double(max(cols, 1)), 260 / Double(max(rows, 1))))
        let h = top + Double(rows) * cell + bottom + 8
        var svg = open(title + (rows < m.rows || cols < m.cols ? " (first \(rows)×\(cols) of \(m.rows)×\(m.cols))" : ""), height: h)
        for r in 0..<rows {
            for c in 0..<cols {
                let x = left + Double(c) * cell, y = top + Double(r) * cell, v = m[r, c]
                if let name = PlotScale.nonFiniteName(v) {
                    svg += markedCell(x: x, y: y, size: cell, title: "[\(r), \(c)] = \(name)")
                    continue
                }
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(color(v, lo: lo, hi: hi, diverging: diverging))\"/>"
            }
        }
        let gridW = Double(cols) * cell, gridH = Double(rows) * cell
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(gridW))\" height=\"\(f(gridH))\" fill=\"none\" stroke=\"#333333\"/>"
        svg += "<text x=\"\(f(left + gridW / 2))\" y=\"\(f(top + gridH + 30))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>"
        svg += "<text x=\"\(f(left - 14))\" y=\"\(f(top + gridH / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 \(f(left - 14)) \(f(top + gridH / 2)))\">\(escape(yLabel))</text>"
        for c in stride(from: 0, to: cols, by: max(1, cols / 10)) {
            svg += "<text x=\"\(f(left + (Double(c) + 0.5) * cell))\" y=\"\(f(top + gridH + 13))\" text-anchor=\"middle\" font-size=\"10\">\(c)</text>"
        }
        for r in stride(from: 0, to: rows, by: max(1, rows / 10)) {
            svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + (Double(r) + 0.5) * cell + 3))\" text-anchor=\"end\" font-size=\"10\">\(r)</text>"
        }
        // Colour bar.
        let barX = left + gridW + 24, barH = max(gridH, 60)
        let (barLo, barHi) = diverging ? (-max(abs(lo), abs(hi)), max(abs(lo), abs(hi))) : (lo, hi)
        let span = barHi - barLo  // infinite for −1e308 … 1e308
        for i in 0..<20 {
            let u = (Double(i) + 0.5) / 20
            let v = span.isFinite ? barHi - span * (Double(i) + 0.5) / 20 : barHi * (1 - u) + barLo * u
            svg += "<rect x=\"\(f(barX))\" y=\"\(f(top + Double(i) * barH / 20))\" width=\"14\" height=\"\(f(barH / 20 + 0.5))\" fill=\"\(color(v, lo: barLo, hi: barHi, diverging: diverging))\"/>"
        }
        svg += "<rect x=\"\(f(barX))\" y=\"\(f(top))\" width=\"14\" height=\"\(f(barH))\" fill=\"none\" stroke=\"#333333\"/>"
        svg += "<text x=\"\(f(barX + 18))\" y=\"\(f(top + 9))\" font-size=\"10\">\(escape(ExactDecimal.general(barHi, 3)))</text>"
        svg += "<text x=\"\(f(barX + 18))\" y=\"\(f(top + barH))\" font-size=\"10\">\(escape(ExactDecimal.general(barLo, 3)))</text>"
        // The key of the marked cells, under the axis label.
        let counts = PlotScale.nonFiniteCounts(m.storage)
        if !counts.isEmpty {
            let y = top + gridH + 36
            svg += markedCell(x: left, y: y, size: 10, title: "not finite")
            svg += "<text x=\"\(f(left + 14))\" y=\"\(f(y + 9))\" font-size=\"10\">\(escape("not finite: " + counts.map { "\($0.count) \($0.name)" }.joined(separator: ", ")))</text>"
        }
        return svg + "</svg>"
    }

    /// Bars, one per label (log scale when the values span decades). A
    /// non-finite value has no bar: its name stands in the bar's place.
    static func bars(_ labels: [String], _ values: [Double], title: String, xLabel: String, yLabel: String) -> String {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        let logY = (positive.max() ?? 1) / max(positive.min() ?? 1, 1e-300) > 1e3
        let transform: (Double) -> Double = logY ? { $0 > 0 ? ExactDecimal.log10($0) : -300 } : { $0 }
        // Whole decades (at most 309 − (−324) of them), or the largest finite value.
        var lo = logY ? positive.min().map { Double(ExactDecimal.floorLog10($0)) } ?? 0 : 0
        var hi = logY ? positive.max().map { Double(ExactDecimal.ceilLog10($0)) } ?? 1 : (PlotScale.finiteRange(values)?.hi ?? 1)
        if hi <= lo { hi = lo + 1 }
        if logY { lo = min(lo, hi - 1) }
        let plotW = width - left - right, plotH = height - top - bottom
        var svg = open(title) + axes(plotW: plotW, plotH: plotH, xLabel: xLabel, yLabel: yLabel + (logY ? " (log scale)" : ""))
        let slot = plotW / Double(max(values.count, 1))
        for (i, v) in values.enumerated() {
            if let name = PlotScale.nonFiniteName(v) {
                svg += "<text x=\"\(f(left + (Double(i) + 0.5) * slot))\" y=\"\(f(top + plotH - 6))\" text-anchor=\"middle\" font-size=\"11\" fill=\"\(markedStroke)\">\(name)</text>"
            } else {
                let barH = PlotScale.fraction(transform(v), lo, hi) * plotH
                svg += "<rect x=\"\(f(left + Double(i) * slot + slot * 0.15))\" y=\"\(f(top + plotH - barH))\" width=\"\(f(slot * 0.7))\" height=\"\(f(barH))\" fill=\"\(palette[0])\"/>"
            }
            svg += "<text x=\"\(f(left + (Double(i) + 0.5) * slot))\" y=\"\(f(top + plotH + 17))\" text-anchor=\"middle\" font-size=\"11\">\(escape(labels[i]))</text>"
        }
        // Log ticks: every decade, or every few when there are more than tickLimit.
        let decadeStep = max(1, ((hi - lo) / Double(tickLimit)).rounded(.up))
        for t in (logY ? Array(stride(from: lo, through: hi, by: decadeStep)) : ticks(lo, hi)) {
            let y = top + (1 - PlotScale.position(t, lo, hi)) * plotH
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(escape(logY ? "1e\(Int(t))" : label(t)))</text>"
        }
        return svg + "</svg>"
    }
}
