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

    /// "Nice" tick values covering lo…hi (about five of them).
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        if !(hi > lo) { return [lo] }
        let raw = (hi - lo) / 5
        guard raw > 0 && raw.isFinite else { return [] }
        let magnitude = ExactDecimal.powerOfTen(ExactDecimal.floorLog10(raw))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return values
    }

    static func label(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1e4 || a < 1e-3 { return ExactDecimal.scientific(v, 0) }
        return ExactDecimal.general((v * 1e6).rounded() / 1e6, 6)
    }

    /// A line chart of series over x = xs (1-based steps when nil).
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
        if hi == lo { lo -= 1; hi += 1 }
        if !logY && lo > 0 && lo < hi * 0.5 { lo = 0 }
        let x0 = xValues.first ?? 0, x1 = max(xValues.last ?? 1, x0 + 1)
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (transform(y) - lo) / (hi - lo)) * plotH }
        var svg = open(title)
        svg += axes(plotW: plotW, plotH: plotH, xLabel: xLabel, yLabel: yLabel)
        // Y ticks.
        let yTicks = logY ? Array(stride(from: lo, through: hi, by: max(1, ((hi - lo) / 6).rounded(.up)))) : ticks(lo, hi)
        for t in yTicks {
            let y = top + (1 - (t - lo) / (hi - lo)) * plotH
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
            let points = zip(xValues, s.values).filter { $0.1.isFinite && (!logY || $0.1 > 0) }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
            if points.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(points.joined(separator: " "))\"/>"
            }
            if points.count <= 40 {
                for p in points {
                    let xy = p.split(separator: ",")
                    svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(color)\"/>"
                }
            }
            // Legend.
            let ly = top + 4 + Double(i) * 16
            svg += "<line x1=\"\(f(width - right - 150))\" y1=\"\(f(ly))\" x2=\"\(f(width - right - 130))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            svg += "<text x=\"\(f(width - right - 125))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(escape(s.label))</text>"
        }
        return svg + "</svg>"
    }

    static func axes(plotW: Double, plotH: Double, xLabel: String, yLabel: String) -> String {
        var svg = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333333\"/>"
        svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>"
        svg += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">\(escape(yLabel))</text>"
        return svg
    }

    /// A colour for v: diverging blue–white–red around 0 over [−m, m], or
    /// sequential white–green over [lo, hi].
    static func color(_ v: Double, lo: Double, hi: Double, diverging: Bool) -> String {
        func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
            let c = [r, g, b].map { Int(max(0, min(255, $0.rounded()))) }
            return "#" + c.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        if diverging {
            let m = max(abs(lo), abs(hi), 1e-300)
            let t = max(-1, min(1, v / m))
            return t < 0 ? hex(255 + (33 - 255) * -t, 255 + (102 - 255) * -t, 255 + (172 - 255) * -t)
                         : hex(255 + (178 - 255) * t, 255 + (24 - 255) * t, 255 + (43 - 255) * t)
        }
        let t = hi > lo ? max(0, min(1, (v - lo) / (hi - lo))) : 0.5
        return hex(255 + (0 - 255) * t, 255 + (109 - 255) * t, 255 + (44 - 255) * t)
    }

    /// A heat map: one cell per matrix entry (row r at the top), a colour bar
    /// with its range. Diverging colours when the values change sign.
    static func heatmap(_ m: Matrix, title: String, xLabel: String, yLabel: String) -> String {
        let rows = min(m.rows, 40), cols = min(m.cols, 60)
        let lo = m.storage.min() ?? 0, hi = m.storage.max() ?? 0
        let diverging = lo < 0 && hi > 0 || (lo < 0 && hi <= 0)
        let cell = min(36.0, min((width - left - right - 70) / Double(max(cols, 1)), 260 / Double(max(rows, 1))))
        let h = top + Double(rows) * cell + bottom + 8
        var svg = open(title + (rows < m.rows || cols < m.cols ? " (first \(rows)×\(cols) of \(m.rows)×\(m.cols))" : ""), height: h)
        for r in 0..<rows {
            for c in 0..<cols {
                svg += "<rect x=\"\(f(left + Double(c) * cell))\" y=\"\(f(top + Double(r) * cell))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(color(m[r, c], lo: lo, hi: hi, diverging: diverging))\"/>"
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
        for i in 0..<20 {
            let v = barHi - (barHi - barLo) * (Double(i) + 0.5) / 20
            svg += "<rect x=\"\(f(barX))\" y=\"\(f(top + Double(i) * barH / 20))\" width=\"14\" height=\"\(f(barH / 20 + 0.5))\" fill=\"\(color(v, lo: barLo, hi: barHi, diverging: diverging))\"/>"
        }
        svg += "<rect x=\"\(f(barX))\" y=\"\(f(top))\" width=\"14\" height=\"\(f(barH))\" fill=\"none\" stroke=\"#333333\"/>"
        svg += "<text x=\"\(f(barX + 18))\" y=\"\(f(top + 9))\" font-size=\"10\">\(escape(ExactDecimal.general(barHi, 3)))</text>"
        svg += "<text x=\"\(f(barX + 18))\" y=\"\(f(top + barH))\" font-size=\"10\">\(escape(ExactDecimal.general(barLo, 3)))</text>"
        return svg + "</svg>"
    }

    /// Bars, one per label (log scale when the values span decades).
    static func bars(_ labels: [String], _ values: [Double], title: String, xLabel: String, yLabel: String) -> String {
        let positive = values.filter { $0 > 0 }
        let logY = (positive.max() ?? 1) / max(positive.min() ?? 1, 1e-300) > 1e3
        let transform: (Double) -> Double = logY ? { $0 > 0 ? ExactDecimal.log10($0) : -300 } : { $0 }
        let decades = positive.filter(\.isFinite)
        var lo = logY ? decades.min().map { Double(ExactDecimal.floorLog10($0)) } ?? 0 : 0
        var hi = logY ? decades.max().map { Double(ExactDecimal.ceilLog10($0)) } ?? 1 : (values.max() ?? 1)
        if hi <= lo { hi = lo + 1 }
        if logY { lo = min(lo, hi - 1) }
        let plotW = width - left - right, plotH = height - top - bottom
        var svg = open(title) + axes(plotW: plotW, plotH: plotH, xLabel: xLabel, yLabel: yLabel + (logY ? " (log scale)" : ""))
        let slot = plotW / Double(max(values.count, 1))
        for (i, v) in values.enumerated() {
            let t = max(0, (transform(v) - lo) / (hi - lo))
            let barH = t * plotH
            svg += "<rect x=\"\(f(left + Double(i) * slot + slot * 0.15))\" y=\"\(f(top + plotH - barH))\" width=\"\(f(slot * 0.7))\" height=\"\(f(barH))\" fill=\"\(palette[0])\"/>"
            svg += "<text x=\"\(f(left + (Double(i) + 0.5) * slot))\" y=\"\(f(top + plotH + 17))\" text-anchor=\"middle\" font-size=\"11\">\(escape(labels[i]))</text>"
        }
        for t in (logY ? Array(stride(from: lo, through: hi, by: 1)) : ticks(lo, hi)) {
            let y = top + (1 - (t - lo) / (hi - lo)) * plotH
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(escape(logY ? "1e\(Int(t))" : label(t)))</text>"
        }
        return svg + "</svg>"
    }
}
