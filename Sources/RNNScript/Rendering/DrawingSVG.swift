import RNNRuntime

/// A `NetworkDrawing` as one self-contained SVG element for the HTML report
/// and notebooks: a `<title>`, one `<rect>` per node (a `<circle>` for a short
/// operation such as ⊙ or +) with its `<text>`, one `<path>` with an
/// arrowhead per edge and the edge labels as `<text>`. Classes name the roles
/// (`class="node state"`, `class="edge"`, `class="edge-label"`), colours follow
/// the lecture's pictures (inputs orange, states blue, outputs green, targets
/// red, gates yellow). Arrows run as in `DrawingText`: straight along a row,
/// otherwise up (or down) into the gap under (over) the target's row, across,
/// and in, so arrows into one side of a node merge and share one label.
/// Coordinates are printed with one decimal, so the same drawing always
/// gives the same bytes; the viewBox lets a page scale it.
public enum DrawingSVG {
    static let charWidth = 7.8, fontSize = 13.0
    static let boxHeight = 34.0, rowGap = 58.0, columnGap = 36.0, margin = 24.0, titleHeight = 40.0

    static func f(_ x: Double) -> String { SVGChart.f(x) }
    static func escape(_ s: String) -> String { SVGChart.escape(s) }

    static func fill(_ role: NetworkDrawing.Role) -> String {
        switch role {
        case .input: return "#fdd0a2"
        case .state: return "#c6dbef"
        case .output: return "#c7e9c0"
        case .target: return "#fcbba1"
        case .gate: return "#fff2a8"
        case .operation: return "#f4cccc"
        case .cellState: return "#dadaeb"
        case .ellipsis: return "none"
        }
    }

    /// A short operation (⊙, +, tanh) is a circle; a longer one a rounded box.
    static func isCircle(_ node: NetworkDrawing.Node) -> Bool {
        node.role == .operation && node.label.unicodeScalars.count <= 4
    }

    static func textWidth(_ s: String) -> Double { Double(s.unicodeScalars.count) * charWidth }

    /// The node's width and height on the page.
    static func size(_ node: NetworkDrawing.Node) -> (width: Double, height: Double) {
        if isCircle(node) { let d = max(boxHeight, textWidth(node.label) + 14); return (d, d) }
        if node.role == .ellipsis { return (textWidth(node.label) + 8, boxHeight) }
        return (max(44, textWidth(node.label) + 20), boxHeight)
    }

    /// A deterministic id for the arrowhead marker, distinct between drawings on one page.
    static func markerID(_ drawing: NetworkDrawing) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (drawing.title + "|\(drawing.nodes.count)|\(drawing.edges.count)").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let digits = Array("0123456789abcdef")
        var text = ""
        for shift in stride(from: 28, through: 0, by: -4) { text.append(digits[Int(hash >> UInt64(shift) & 15)]) }
        return "arrow-" + text
    }

    public static func render(_ drawing: NetworkDrawing) -> String {
        let nodes = drawing.nodes
        var index: [String: Int] = [:]
        for (i, node) in nodes.enumerated() where index[node.id] == nil { index[node.id] = i }
        let edges = drawing.edges.compactMap { edge -> (edge: NetworkDrawing.Edge, from: Int, to: Int)? in
            guard let a = index[edge.from], let b = index[edge.to] else { return nil }
            return (edge, a, b)
        }
        let (columns, rows) = drawing.gridSize
        let sizes = nodes.map(size)

        // Merged labels of the arrows into a node's bottom (up) or top (down).
        var entry: [String: [String]] = [:]
        for (edge, a, b) in edges where nodes[a].row != nodes[b].row && !edge.label.isEmpty {
            let key = "\(b)" + (nodes[b].row < nodes[a].row ? "u" : "d")
            if !entry[key, default: []].contains(edge.label) { entry[key, default: []].append(edge.label) }
        }

        // Columns: the widest node, gaps wide enough for the labels.
        var columnWidth = Array(repeating: 0.0, count: max(columns, 1))
        for (i, node) in nodes.enumerated() { columnWidth[node.column] = max(columnWidth[node.column], sizes[i].width) }
        var gap = Array(repeating: columnGap, count: max(columns, 1))
        for (key, names) in entry {
            let c = nodes[Int(key.dropLast())!].column
            let need = textWidth(names.joined(separator: ", ")) + 18
            gap[c] = max(gap[c], need - columnWidth[c] / 2 - (c + 1 < columns ? columnWidth[c + 1] / 2 : 0))
        }
        for (edge, a, b) in edges {
            if a == b { gap[nodes[a].column] = max(gap[nodes[a].column], 44 + textWidth(edge.label)) }
            if nodes[a].row == nodes[b].row && a != b {
                let c = max(nodes[a].column, nodes[b].column) - 1
                gap[c] = max(gap[c], textWidth(edge.label) + 28)
            }
        }
        var left: [Double] = [], x = margin
        for c in 0..<columnWidth.count { left.append(x); x += columnWidth[c] + gap[c] }
        let titleWidth = textWidth(drawing.title) * 1.05 + 2 * margin
        let width = max(x - gap[columnWidth.count - 1] + max(gap[columnWidth.count - 1], margin), titleWidth)
        func centerX(_ c: Int) -> Double { left[c] + columnWidth[c] / 2 }
        func top(_ r: Int) -> Double { titleHeight + Double(r) * (boxHeight + rowGap) }
        let height = top(max(rows, 1)) - rowGap + margin
        func box(_ i: Int) -> (x: Double, y: Double, w: Double, h: Double) {
            let node = nodes[i]
            let (w, h) = sizes[i]
            return (centerX(node.column) - w / 2, top(node.row) + (boxHeight - h) / 2, w, h)
        }

        let marker = markerID(drawing)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\""
            + " height=\"\(f(height))\" role=\"img\" aria-label=\"\(escape(drawing.title))\" class=\"network-drawing\">"
        out += "<title>\(escape(drawing.title))</title>"
        out += "<defs><marker id=\"\(marker)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
            + " orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333333\"/></marker></defs>"
        out += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>"
        out += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(drawing.title))</text>"

        // Edges first, so the nodes sit on top of the wires' ends.
        var labelled = Set<String>()
        var labels = ""
        for (edge, a, b) in edges {
            let s = box(a), t = box(b)
            let attributes = "class=\"edge\" data-from=\"\(escape(edge.from))\" data-to=\"\(escape(edge.to))\""
                + " fill=\"none\" stroke=\"#333333\" stroke-width=\"1.5\" marker-end=\"url(#\(marker))\""
            let path: String
            if a == b {
                let x0 = s.x + s.w, y0 = s.y + s.h / 2
                path = "M \(f(x0)) \(f(y0 - 7)) C \(f(x0 + 34)) \(f(y0 - 26)), \(f(x0 + 34)) \(f(y0 + 26)), \(f(x0 + 2)) \(f(y0 + 7))"
                labels += label(edge.label, x: x0 + 32, y: y0 + 4, anchor: "start")
            } else if nodes[a].row == nodes[b].row {
                let y = s.y + s.h / 2
                let rightward = t.x > s.x
                let x0 = rightward ? s.x + s.w : s.x, x1 = rightward ? t.x - 1 : t.x + t.w + 1
                path = "M \(f(x0)) \(f(y)) H \(f(x1))"
                labels += label(edge.label, x: (x0 + x1) / 2, y: y - 6, anchor: "middle")
            } else {
                let up = nodes[b].row < nodes[a].row
                let x0 = centerX(nodes[a].column), x1 = centerX(nodes[b].column)
                let y0 = up ? s.y : s.y + s.h
                let y1 = up ? t.y + t.h + 1 : t.y - 1
                let rowEdge = up ? top(nodes[b].row) + boxHeight : top(nodes[b].row)
                let channel = up ? rowEdge + rowGap / 2 : rowEdge - rowGap / 2
                path = "M \(f(x0)) \(f(y0)) V \(f(channel)) H \(f(x1)) V \(f(y1))"
                let key = "\(b)" + (up ? "u" : "d")
                if !labelled.contains(key), let names = entry[key] {
                    labelled.insert(key)
                    labels += label(names.joined(separator: ", "), x: x1 + 6, y: up ? rowEdge + 16 : rowEdge - 8, anchor: "start")
                }
            }
            out += "<path \(attributes) d=\"\(path)\"/>"
        }
        out += labels

        for (i, node) in nodes.enumerated() {
            let b = box(i)
            let style = "class=\"node \(node.role.rawValue)\" data-id=\"\(escape(node.id))\" fill=\"\(fill(node.role))\""
                + (node.role == .ellipsis ? " stroke=\"none\"" : " stroke=\"#333333\" stroke-width=\"1.2\"")
            if isCircle(node) {
                out += "<circle \(style) cx=\"\(f(b.x + b.w / 2))\" cy=\"\(f(b.y + b.h / 2))\" r=\"\(f(b.w / 2))\"/>"
            } else {
                let corner = node.role == .operation ? 14.0 : 4.0
                out += "<rect \(style) x=\"\(f(b.x))\" y=\"\(f(b.y))\" width=\"\(f(b.w))\" height=\"\(f(b.h))\" rx=\"\(f(corner))\"/>"
            }
            out += "<text class=\"node-label\" x=\"\(f(b.x + b.w / 2))\" y=\"\(f(b.y + b.h / 2 + 4.5))\" text-anchor=\"middle\""
                + " font-family=\"monospace\" font-size=\"\(f(fontSize))\">\(escape(node.label))</text>"
        }
        return out + "</svg>"
    }

    static func label(_ text: String, x: Double, y: Double, anchor: String) -> String {
        guard !text.isEmpty else { return "" }
        return "<text class=\"edge-label\" x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-family=\"monospace\""
            + " font-size=\"12\" fill=\"#08306b\">\(escape(text))</text>"
    }
}
