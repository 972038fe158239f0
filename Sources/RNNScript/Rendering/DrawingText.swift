/// A `NetworkDrawing` as terminal text: the title, then one box per node on
/// its grid cell and the arrows between them, each labelled with its
/// parameter names.
///
/// How arrows run: between boxes of one row, straight across the boxes'
/// label line (`├──W──→`); from one row to another, out of the source's top
/// (or bottom), along the gap just under (or over) the target's row and into
/// the target's middle (`↑ V`), so arrows into one box side merge, like the
/// lecture's wires, and share one label (`↑ U_f, W_f`); a self-loop (the
/// folded network's W) is a small loop on the box's right side.
///
/// Operations (⊙, +, tanh) have rounded corners, "…" has no box. With
/// `ascii: true` only ASCII is written (`+-|`, `^ v < >`, `(.)` for ⊙, `y^`
/// for ŷ, `sigma` for σ). Lines have no trailing spaces and the text ends
/// without a newline. A layout wider than `maximumWidth` shortens the longest
/// node labels (with "…") until it fits or they are 4 characters: the folded
/// pictures, the cells and unrolled pictures (at most 5 drawn step columns,
/// the 2 + … + 2 of a long sequence included) fit.
public enum DrawingText {
    /// 80 columns less the notebook's indent of 4.
    public static let maximumWidth = 76

    public static func render(_ drawing: NetworkDrawing, ascii: Bool) -> String {
        let glyphs = ascii ? Glyphs.ascii : Glyphs.unicode
        var labels = drawing.nodes.map { glyphs.text($0.label) }
        var layout = Layout(drawing, labels: labels, glyphs: glyphs)
        while layout.width > maximumWidth {
            let longest = labels.map(\.count).max() ?? 0
            guard longest > 4 else { break }
            labels = labels.map { $0.count < longest ? $0 : glyphs.shortened($0, to: longest - 1) }
            layout = Layout(drawing, labels: labels, glyphs: glyphs)
        }
        var lines = [glyphs.shortened(glyphs.text(drawing.title), to: maximumWidth), []]
        lines += layout.draw()
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        let notes = Layout.footnotes(drawing)
        if !notes.isEmpty { lines.append([]) }
        for note in notes { lines.append(glyphs.shortened(glyphs.text(note), to: maximumWidth)) }
        return lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
    }
}

// MARK: - Glyphs

extension DrawingText {
    struct Glyphs {
        var ascii: Bool
        /// Line pieces by the directions they join: bit 1 up, 2 right, 4 down, 8 left.
        var lines: [Unicode.Scalar]
        var square: (topLeft: Unicode.Scalar, topRight: Unicode.Scalar, bottomLeft: Unicode.Scalar, bottomRight: Unicode.Scalar)
        var round: (topLeft: Unicode.Scalar, topRight: Unicode.Scalar, bottomLeft: Unicode.Scalar, bottomRight: Unicode.Scalar)
        var up: Unicode.Scalar, down: Unicode.Scalar, left: Unicode.Scalar, right: Unicode.Scalar

        static let unicode = Glyphs(
            ascii: false,
            lines: [" ", "│", "─", "└", "│", "│", "┌", "├", "─", "┘", "─", "┴", "┐", "┤", "┬", "┼"],
            square: ("┌", "┐", "└", "┘"), round: ("╭", "╮", "╰", "╯"),
            up: "↑", down: "↓", left: "←", right: "→")
        static let ascii = Glyphs(
            ascii: true,
            lines: [" ", "|", "-", "+", "|", "|", "+", "+", "-", "+", "-", "+", "+", "+", "+", "+"],
            square: ("+", "+", "+", "+"), round: (".", ".", "'", "'"),
            up: "^", down: "v", left: "<", right: ">")

        var horizontal: Unicode.Scalar { lines[2] }
        var vertical: Unicode.Scalar { lines[1] }

        /// The text as scalars, transliterated to ASCII when asked.
        func text(_ s: String) -> [Unicode.Scalar] {
            guard ascii else { return Array(s.unicodeScalars) }
            var out: [Unicode.Scalar] = []
            for scalar in s.unicodeScalars {
                if scalar.isASCII { out.append(scalar); continue }
                let replacement: String
                switch scalar {
                case "ŷ": replacement = "y^"
                case "⊙": replacement = "(.)"
                case "σ": replacement = "sigma"
                case "−", "–": replacement = "-"
                case "…": replacement = "..."
                case "→": replacement = "->"
                case "←": replacement = "<-"
                case "Σ": replacement = "sum"
                case "∂": replacement = "d"
                default: replacement = "?"
                }
                out += replacement.unicodeScalars
            }
            return out
        }

        /// At most `limit` scalars, ending in an ellipsis when cut.
        func shortened(_ s: [Unicode.Scalar], to limit: Int) -> [Unicode.Scalar] {
            guard s.count > limit else { return s }
            let mark = text("…")
            return Array(s.prefix(max(0, limit - mark.count))) + mark
        }
    }
}

// MARK: - Layout

extension DrawingText {
    /// Where every node's box, every row and every column sit on the canvas.
    struct Layout {
        struct Box {
            var left: Int, top: Int, width: Int, height: Int
            var center: Int
            var bordered: Bool
            var rounded: Bool
            var right: Int { left + width - 1 }
            var bottom: Int { top + height - 1 }
            var labelLine: Int { top + (bordered ? 1 : 1) }
        }

        enum Kind { case loop, across, up, down }

        let drawing: NetworkDrawing
        let labels: [[Unicode.Scalar]]
        let glyphs: Glyphs
        var index: [String: Int] = [:]
        var boxes: [Box] = []
        var columnCenter: [Int] = []
        var rowTop: [Int] = []
        var rowHeight: [Int] = []
        /// For the gap under row r: the line of arrowheads into row r from below, the channel line.
        var upArrowLine: [Int?] = [], channelLine: [Int] = []
        var width = 0, height = 0
        /// The merged label of the arrows into a node's bottom (up) or top (down).
        var entryLabels: [String: [Unicode.Scalar]] = [:]

        static func kind(_ edge: NetworkDrawing.Edge, _ from: NetworkDrawing.Node, _ to: NetworkDrawing.Node) -> Kind {
            if edge.from == edge.to { return .loop }
            if from.row == to.row { return .across }
            return to.row < from.row ? .up : .down
        }

        init(_ drawing: NetworkDrawing, labels: [[Unicode.Scalar]], glyphs: Glyphs) {
            self.drawing = drawing
            self.labels = labels
            self.glyphs = glyphs
            for (i, node) in drawing.nodes.enumerated() where index[node.id] == nil { index[node.id] = i }
            let (columns, rows) = drawing.gridSize
            let edges = drawing.edges.compactMap { edge -> (NetworkDrawing.Edge, Int, Int, Kind)? in
                guard let a = index[edge.from], let b = index[edge.to] else { return nil }
                return (edge, a, b, Self.kind(edge, drawing.nodes[a], drawing.nodes[b]))
            }

            // Box sizes; a self-loop needs a fourth line for the way back.
            let looped = Set(edges.filter { $0.3 == .loop }.map(\.1))
            var sizes: [(width: Int, height: Int)] = []
            for (i, node) in drawing.nodes.enumerated() {
                let bordered = node.role != .ellipsis
                sizes.append((labels[i].count + (bordered ? 4 : 0), looped.contains(i) ? 4 : 3))
            }

            // Merged entry labels, in edge order, each name once.
            var names: [String: [String]] = [:]
            for (edge, _, b, kind) in edges where (kind == .up || kind == .down) && !edge.label.isEmpty {
                let key = Self.entryKey(b, kind)
                if !names[key, default: []].contains(edge.label) { names[key, default: []].append(edge.label) }
            }
            for (key, list) in names { entryLabels[key] = glyphs.text(list.joined(separator: ", ")) }

            // Columns: the widest box, then gaps wide enough for the labels.
            var columnWidth = Array(repeating: 1, count: max(columns, 1))
            for (i, node) in drawing.nodes.enumerated() { columnWidth[node.column] = max(columnWidth[node.column], sizes[i].width) }
            var gap = Array(repeating: 2, count: max(columns, 1))
            func lefts() -> [Int] {
                var out: [Int] = [], x = 0
                for c in 0..<columnWidth.count { out.append(x); x += columnWidth[c] + gap[c] }
                return out
            }
            func centers() -> [Int] { lefts().enumerated().map { $0.element + columnWidth[$0.offset] / 2 } }
            func boxLeft(_ i: Int) -> Int { centers()[drawing.nodes[i].column] - sizes[i].width / 2 }
            // A label beside an arrowhead must end before the next column's wires.
            for (key, label) in entryLabels where !label.isEmpty {
                let node = drawing.nodes[Int(key.dropLast(2))!]
                let c = node.column
                guard c + 1 < columnWidth.count else { continue }
                let deficit = centers()[c] + 2 + label.count + 2 - centers()[c + 1]
                if deficit > 0 { gap[c] += deficit }
            }
            // A straight arrow across a row needs room for "─label─→".
            for (edge, a, b, kind) in edges where kind == .across {
                let (l, r) = drawing.nodes[a].column < drawing.nodes[b].column ? (a, b) : (b, a)
                let need = glyphs.text(Self.shownLabel(edge)).count + (edge.label.isEmpty ? 2 : 3)
                let have = boxLeft(r) - (boxLeft(l) + sizes[l].width)
                let c = max(drawing.nodes[l].column, drawing.nodes[r].column - 1)
                if have < need { gap[c] += need - have }
            }
            // A loop needs "──┐ label" right of its box.
            for (edge, a, _, kind) in edges where kind == .loop {
                let c = drawing.nodes[a].column
                let need = 4 + glyphs.text(edge.label).count + 1
                let have = lefts()[c] + columnWidth[c] + gap[c] - (boxLeft(a) + sizes[a].width)
                if have < need { gap[c] += need - have }
            }
            let left = lefts()
            columnCenter = centers()
            width = (left.last ?? 0) + (columnWidth.last ?? 0) + (gap.last ?? 0)
            for (key, label) in entryLabels {
                let node = drawing.nodes[Int(key.dropLast(2))!]
                width = max(width, columnCenter[node.column] + 2 + label.count + 1)
            }

            // Rows: boxes plus gaps holding arrowheads and a channel.
            rowHeight = Array(repeating: 3, count: max(rows, 1))
            for (i, node) in drawing.nodes.enumerated() { rowHeight[node.row] = max(rowHeight[node.row], sizes[i].height) }
            var upInto = Array(repeating: false, count: max(rows, 1)), downInto = upInto
            for (_, _, b, kind) in edges {
                if kind == .up { upInto[drawing.nodes[b].row] = true }
                if kind == .down { downInto[drawing.nodes[b].row] = true }
            }
            var y = 0
            for r in 0..<rowHeight.count {
                rowTop.append(y)
                y += rowHeight[r]
                upArrowLine.append(upInto[r] ? y : nil)
                if upInto[r] { y += 1 }
                channelLine.append(y)
                y += 1
                if r + 1 < rowHeight.count && downInto[r + 1] { y += 1 }
            }
            height = y

            for (i, node) in drawing.nodes.enumerated() {
                let bordered = node.role != .ellipsis
                boxes.append(Box(left: columnCenter[node.column] - sizes[i].width / 2, top: rowTop[node.row],
                                 width: sizes[i].width, height: sizes[i].height, center: columnCenter[node.column],
                                 bordered: bordered, rounded: node.role == .operation))
            }
        }

        /// The label drawn on an arrow along a stacked layer's row: the name
        /// without its `layerL.` prefix when both ends are that layer's (a
        /// footnote says so), else the whole name.
        static func shownLabel(_ edge: NetworkDrawing.Edge) -> String {
            guard edge.label.hasPrefix("layer"), let dot = edge.label.firstIndex(of: ".") else { return edge.label }
            let prefix = edge.label[...dot]
            guard edge.from.hasPrefix(prefix), edge.to.hasPrefix(prefix) else { return edge.label }
            return String(edge.label[edge.label.index(after: dot)...])
        }

        /// "along each layer's row W stands for layer1.W, layer2.W" for the shortened labels.
        static func footnotes(_ drawing: NetworkDrawing) -> [String] {
            var order: [String] = [], full: [String: [String]] = [:]
            for edge in drawing.edges where edge.from != edge.to {
                let shown = shownLabel(edge)
                guard shown != edge.label else { continue }
                if full[shown] == nil { order.append(shown) }
                if !full[shown, default: []].contains(edge.label) { full[shown, default: []].append(edge.label) }
            }
            return order.map { "along each layer's row \($0) stands for " + full[$0]!.joined(separator: ", ") }
        }

        static func entryKey(_ node: Int, _ kind: Kind) -> String { "\(node)" + (kind == .up ? ":u" : ":d") }
    }
}

// MARK: - Drawing

extension DrawingText.Layout {
    /// A canvas of scalars over a canvas of line directions.
    struct Canvas {
        var text: [[Unicode.Scalar?]]
        var bits: [[UInt8]]

        init(width: Int, height: Int) {
            text = Array(repeating: Array(repeating: nil, count: width), count: height)
            bits = Array(repeating: Array(repeating: 0, count: width), count: height)
        }

        func inside(_ x: Int, _ y: Int) -> Bool { y >= 0 && y < text.count && x >= 0 && x < text[y].count }

        mutating func put(_ s: Unicode.Scalar, _ x: Int, _ y: Int) {
            guard inside(x, y) else { return }
            text[y][x] = s
        }

        func isFree(_ x: Int, _ y: Int) -> Bool { inside(x, y) && text[y][x] == nil && bits[y][x] == 0 }

        /// Joins the line through the cells from (x0, y0) to (x1, y1), one axis at a time.
        mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) {
            var x = x0, y = y0
            while x != x1 || y != y1 {
                let (dx, dy) = x != x1 ? (x1 > x ? 1 : -1, 0) : (0, y1 > y ? 1 : -1)
                link(x, y, dx, dy)
                x += dx
                y += dy
            }
        }

        /// Joins cell (x, y) to its neighbour (x + dx, y + dy).
        mutating func link(_ x: Int, _ y: Int, _ dx: Int, _ dy: Int) {
            func bit(_ dx: Int, _ dy: Int) -> UInt8 { dy < 0 ? 1 : dx > 0 ? 2 : dy > 0 ? 4 : 8 }
            if inside(x, y) { bits[y][x] |= bit(dx, dy) }
            if inside(x + dx, y + dy) { bits[y + dy][x + dx] |= bit(-dx, -dy) }
        }
    }

    func draw() -> [[Unicode.Scalar]] {
        var canvas = Canvas(width: width, height: height)
        let g = glyphs
        for (i, box) in boxes.enumerated() {
            let label = labels[i]
            if !box.bordered {
                for (k, s) in label.enumerated() { canvas.put(s, box.left + k, box.labelLine) }
                continue
            }
            let corners = box.rounded ? g.round : g.square
            canvas.put(corners.topLeft, box.left, box.top)
            canvas.put(corners.topRight, box.right, box.top)
            canvas.put(corners.bottomLeft, box.left, box.bottom)
            canvas.put(corners.bottomRight, box.right, box.bottom)
            for x in box.left + 1..<box.right {
                canvas.put(g.horizontal, x, box.top)
                canvas.put(g.horizontal, x, box.bottom)
            }
            for y in box.top + 1..<box.bottom {
                canvas.put(g.vertical, box.left, y)
                canvas.put(g.vertical, box.right, y)
                for x in box.left + 1..<box.right { canvas.put(" ", x, y) }
            }
            for (k, s) in label.enumerated() { canvas.put(s, box.left + 2 + k, box.labelLine) }
        }

        var arrowheads: [(Unicode.Scalar, Int, Int)] = []
        var pendingLabels: [([Unicode.Scalar], Int, Int)] = []
        var labelled = Set<String>()
        for edge in drawing.edges {
            guard let a = index[edge.from], let b = index[edge.to] else { continue }
            let source = boxes[a], target = boxes[b]
            let name = g.text(Self.shownLabel(edge))
            switch Self.kind(edge, drawing.nodes[a], drawing.nodes[b]) {
            case .loop:
                let x = source.right, y = source.labelLine
                if source.bordered { canvas.put(junction(g, 1 | 2 | 4), x, y) }
                canvas.line(x + 1, y, x + 3, y)
                canvas.line(x + 3, y, x + 3, y + 1)
                canvas.line(x + 3, y + 1, x + 1, y + 1)
                arrowheads.append((g.left, x + 1, y + 1))
                pendingLabels.append((g.text(edge.label), x + 5, y))
            case .across:
                let y = source.labelLine
                let rightward = target.left > source.left
                let start = rightward ? source.right + 1 : source.left - 1
                let end = rightward ? target.left - 1 : target.right + 1
                if source.bordered { canvas.put(junction(g, rightward ? 1 | 2 | 4 : 1 | 8 | 4), rightward ? source.right : source.left, y) }
                canvas.line(start, y, end, y)
                arrowheads.append((rightward ? g.right : g.left, end, y))
                if !name.isEmpty {
                    let lo = min(start, end), span = abs(end - start)  // cells before the arrowhead
                    let first = rightward ? lo + (span - name.count) / 2 : lo + 1 + (span - name.count + 1) / 2
                    for (k, s) in name.enumerated() { canvas.put(s, first + k, y) }
                }
            case .up:
                let x0 = source.center, x1 = target.center
                let row = drawing.nodes[b].row
                let channel = channelLine[row]
                if source.bordered { canvas.put(junction(g, 2 | 8 | 1), x0, source.top) }
                canvas.line(x0, source.top, x0, channel)
                canvas.line(x0, channel, x1, channel)
                canvas.line(x1, channel, x1, target.bottom + 1)
                arrowheads.append((g.up, x1, target.bottom + 1))
                let key = Self.entryKey(b, .up)
                if !labelled.contains(key), let text = entryLabels[key], !text.isEmpty {
                    labelled.insert(key)
                    pendingLabels.append((text, x1 + 2, target.bottom + 1))
                }
            case .down:
                let x0 = source.center, x1 = target.center
                let row = drawing.nodes[b].row
                let channel = channelLine[row - 1]
                if source.bordered { canvas.put(junction(g, 2 | 8 | 4), x0, source.bottom) }
                canvas.line(x0, source.bottom, x0, channel)
                canvas.line(x0, channel, x1, channel)
                canvas.line(x1, channel, x1, target.top - 1)
                arrowheads.append((g.down, x1, target.top - 1))
                let key = Self.entryKey(b, .down)
                if !labelled.contains(key), let text = entryLabels[key], !text.isEmpty {
                    labelled.insert(key)
                    pendingLabels.append((text, x1 + 2, target.top - 1))
                }
            }
        }
        for (s, x, y) in arrowheads { canvas.put(s, x, y) }
        for (text, x, y) in pendingLabels {
            // Right of the arrow when free, else left of it.
            let right = (x..<x + text.count).allSatisfy { canvas.isFree($0, y) }
            let start = right ? x : x - 3 - text.count
            for (k, s) in text.enumerated() { canvas.put(s, start + k, y) }
        }

        var lines: [[Unicode.Scalar]] = []
        for y in 0..<height {
            var line: [Unicode.Scalar] = []
            for x in 0..<width {
                if let s = canvas.text[y][x] { line.append(s) } else { line.append(g.lines[Int(canvas.bits[y][x] & 15)]) }
            }
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines
    }

    /// A box border where a wire leaves: the piece joining `bits`.
    func junction(_ g: DrawingText.Glyphs, _ bits: Int) -> Unicode.Scalar { g.lines[bits & 15] }
}
