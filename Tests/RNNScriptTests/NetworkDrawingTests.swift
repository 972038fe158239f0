import Testing
import RNNRuntime
@testable import RNNScript

/// The three pictures of `draw` (folded, unrolled, inside a cell) as data, and
/// their text and SVG renderings.
@Suite("NetworkDrawing: the folded, unrolled and cell pictures and their renderings")
struct NetworkDrawingTests {
    static let rnn = ModelConfiguration(inputSize: 4, hiddenSize: 3, outputSize: 4)
    static func configuration(layers: Int = 1, cell: CellKind = .rnn, outputs: OutputPlacement = .every) -> ModelConfiguration {
        var c = rnn
        c.layers = layers
        c.cell = cell
        c.outputs = outputs
        return c
    }
    static let deepInputs = ["'d'", "'e'", "'e'", "'p'"]
    static let deepTargets: [String?] = ["'e'", "'e'", "'p'", "<stop>"]
    static var deep: NetworkDrawing { .unrolled(rnn, inputs: deepInputs, targets: deepTargets) }
    static var long: NetworkDrawing {
        let symbols = (1...20).map { "'\(Character(Unicode.Scalar(UInt8(96 + $0))))'" }
        return .unrolled(rnn, inputs: symbols, targets: Array(symbols.dropFirst()) + ["<stop>"])
    }

    /// Six steps, the most an unrolled picture draws in full, with words for symbols.
    static func six(layers: Int = 1) -> NetworkDrawing {
        let words = ["\"the\"", "\"cat\"", "\"sat\"", "\"on\"", "\"the\"", "\"mat\""]
        return .unrolled(configuration(layers: layers), inputs: words, targets: Array(words.dropFirst()) + ["<stop>"])
    }

    /// Every picture the renderers must keep within 76 columns (80 with the notebook's indent).
    static var pictures: [NetworkDrawing] {
        [.folded(rnn), .folded(configuration(layers: 3)), .folded(configuration(cell: .lstm)), deep, long, six(),
         .unrolled(configuration(layers: 2), inputs: deepInputs, targets: deepTargets),
         .unrolled(configuration(outputs: .last), inputs: deepInputs, targets: ["<stop>"]),
         .cell(.rnn), .cell(.lstm), .cell(.gru)]
    }

    static func edges(_ d: NetworkDrawing, label: String) -> [NetworkDrawing.Edge] { d.edges.filter { $0.label == label } }

    /// Every edge and node refers to real nodes, ids are unique, no two nodes share a grid cell.
    static func checkWellFormed(_ d: NetworkDrawing) {
        let ids = d.nodes.map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate ids in \(d.title)")
        let cells = d.nodes.map { "\($0.column),\($0.row)" }
        #expect(Set(cells).count == cells.count, "two nodes in one grid cell in \(d.title)")
        for edge in d.edges {
            #expect(d.node(edge.from) != nil && d.node(edge.to) != nil, "dangling edge \(edge.from) → \(edge.to)")
        }
    }

    // MARK: - Data

    @Test("folded 1-layer rnn: x → s → y, U, W (a loop), V as in parameterShapes")
    func foldedOneLayer() {
        let d = NetworkDrawing.folded(Self.rnn)
        Self.checkWellFormed(d)
        #expect(d.nodes.map(\.id) == ["y", "s", "x"])
        #expect(d.edges == [.init(from: "x", to: "s", label: "U"), .init(from: "s", to: "s", label: "W"),
                            .init(from: "s", to: "y", label: "V")])
        let weights = Set(Self.rnn.parameterShapes.map(\.name)).subtracting(["b", "c"])
        #expect(Set(d.edges.map(\.label)) == weights)
        #expect(d.node("s")?.role == .state && d.node("x")?.role == .input && d.node("y")?.role == .output)
    }

    @Test("folded 2-layer rnn: layer1.U, layer1.W, layer2.U, layer2.W, V")
    func foldedTwoLayers() {
        let config = Self.configuration(layers: 2)
        let d = NetworkDrawing.folded(config)
        Self.checkWellFormed(d)
        #expect(d.nodes.count == 4)
        #expect(d.edges == [.init(from: "x", to: "layer1.s", label: "layer1.U"), .init(from: "layer1.s", to: "layer1.s", label: "layer1.W"),
                            .init(from: "layer1.s", to: "layer2.s", label: "layer2.U"), .init(from: "layer2.s", to: "layer2.s", label: "layer2.W"),
                            .init(from: "layer2.s", to: "y", label: "V")])
        let weights = config.parameterShapes.filter { !$0.role.isBias }.map(\.name)
        #expect(d.edges.map(\.label).sorted() == weights.sorted())
        // The top layer sits above the lower one.
        #expect(d.node("layer2.s")!.row < d.node("layer1.s")!.row)
    }

    @Test("folded lstm: arrows carry the gate-less stem U_*, W_*, whose gates are the model's names")
    func foldedGated() {
        let config = Self.configuration(cell: .lstm)
        let d = NetworkDrawing.folded(config)
        #expect(d.edges.map(\.label) == ["U_*", "W_*", "V"])
        let names = config.parameterShapes.map(\.name)
        for gate in CellKind.lstm.gates { #expect(names.contains("U_" + gate) && names.contains("W_" + gate)) }
    }

    @Test("unrolled over d e e p: 4 U, 3 W between steps plus s0 → s1, 4 V, symbols in the labels")
    func unrolledDeep() {
        let d = Self.deep
        Self.checkWellFormed(d)
        #expect(Self.edges(d, label: "U").count == 4)
        #expect(Self.edges(d, label: "V").count == 4)
        let w = Self.edges(d, label: "W")
        #expect(w.count == 4)
        #expect(w.contains(.init(from: "s0", to: "s1", label: "W")))
        #expect(w.filter { $0.from != "s0" }.count == 3)
        for t in 1...4 {
            #expect(d.node("x\(t)")?.label == "x\(t) \(Self.deepInputs[t - 1])")
            #expect(d.node("y\(t)")?.role == .output)
            #expect(d.node("t\(t)")?.label == Self.deepTargets[t - 1])
            #expect(d.edges.contains(.init(from: "x\(t)", to: "s\(t)", label: "U")))
            #expect(d.edges.contains(.init(from: "s\(t)", to: "y\(t)", label: "V")))
        }
        #expect(d.nodes.filter { $0.role == .target }.count == 4)
        #expect(d.nodes.count == 1 + 4 * 4)
        // Steps run left to right, inputs below states below outputs.
        #expect(d.node("s1")!.column < d.node("s2")!.column)
        #expect(d.node("x1")!.row > d.node("s1")!.row && d.node("s1")!.row > d.node("y1")!.row)
    }

    @Test("a nil target draws no target at that step")
    func missingTarget() {
        let d = NetworkDrawing.unrolled(Self.rnn, inputs: Self.deepInputs, targets: ["'e'", nil, "'p'"])
        #expect(d.nodes.filter { $0.role == .target }.map(\.id) == ["t1", "t3"])
        #expect(d.nodes.filter { $0.role == .output }.count == 4)
    }

    @Test("outputs last: one output, after the last step, with its target")
    func outputsLast() {
        let d = NetworkDrawing.unrolled(Self.configuration(outputs: .last), inputs: Self.deepInputs, targets: ["<stop>"])
        Self.checkWellFormed(d)
        #expect(d.nodes.filter { $0.role == .output }.map(\.id) == ["y4"])
        #expect(Self.edges(d, label: "V") == [.init(from: "s4", to: "y4", label: "V")])
        #expect(d.nodes.filter { $0.role == .target }.map(\.label) == ["<stop>"])
        #expect(Self.edges(d, label: "U").count == 4)
    }

    @Test("2 stacked layers unrolled: layer2.U between the layers, each layer's own W along its row")
    func unrolledStacked() {
        let d = NetworkDrawing.unrolled(Self.configuration(layers: 2), inputs: Self.deepInputs, targets: Self.deepTargets)
        Self.checkWellFormed(d)
        #expect(d.edges.contains(.init(from: "layer1.s2", to: "layer2.s2", label: "layer2.U")))
        #expect(d.edges.contains(.init(from: "x2", to: "layer1.s2", label: "layer1.U")))
        #expect(d.edges.contains(.init(from: "layer2.s1", to: "layer2.s2", label: "layer2.W")))
        #expect(d.edges.contains(.init(from: "layer2.s4", to: "y4", label: "V")))
        #expect(Self.edges(d, label: "layer1.W").count == 4 && Self.edges(d, label: "layer2.W").count == 4)
    }

    @Test("20 steps: the first 2, an ellipsis, the last 2")
    func longSequence() {
        let d = Self.long
        Self.checkWellFormed(d)
        #expect(NetworkDrawing.drawnSteps(20) == [1, 2, nil, 19, 20])
        #expect(NetworkDrawing.drawnSteps(5) == Array(1...5))
        #expect(NetworkDrawing.drawnSteps(6) == [1, 2, nil, 5, 6])
        let stepColumns = Set(d.nodes.filter { $0.role == .input }.map(\.column))
        #expect(stepColumns.count == 4 && stepColumns.count <= NetworkDrawing.maximumDrawnSteps)
        #expect(d.nodes.filter { $0.role == .ellipsis }.map(\.label) == ["…"])
        #expect(d.node("x19")?.label == "x19 's'" && d.node("x3") == nil)
        #expect(d.edges.contains(.init(from: "s2", to: "s3..s18", label: "W")))
        #expect(d.edges.contains(.init(from: "s3..s18", to: "s19", label: "W")))
        #expect(d.node("t20")?.label == "<stop>")
    }

    @Test("lstm cell: every gate, ⊙ and + nodes, the belt c_{t−1} → ⊙ → + → c_t, h_t = o ⊙ tanh(c_t)")
    func lstmCell() {
        let d = NetworkDrawing.cell(.lstm)
        Self.checkWellFormed(d)
        for gate in CellKind.lstm.gates {
            #expect(d.node(gate)?.role == .gate)
            #expect(d.edges.contains(.init(from: "x", to: gate, label: "U_" + gate)))
            #expect(d.edges.contains(.init(from: "h", to: gate, label: "W_" + gate)))
        }
        #expect(d.nodes.filter { $0.label == "⊙" }.count == 3)
        #expect(d.nodes.filter { $0.label == "+" }.count == 1)
        // The conveyor belt runs along the top row.
        let belt = ["c", "forget", "add", "c_t"]
        for (a, b) in zip(belt, belt.dropFirst()) { #expect(d.edges.contains { $0.from == a && $0.to == b }) }
        #expect(Set(belt.map { d.node($0)!.row }) == [0])
        #expect(d.edges.contains { $0.from == "f" && $0.to == "forget" })
        #expect(d.edges.contains { $0.from == "o" && $0.to == "read" } && d.edges.contains { $0.from == "read" && $0.to == "h_t" })
        #expect(d.node("c")?.role == .cellState && d.node("c_t")?.role == .cellState)
        let names = Set(Self.configuration(cell: .lstm).parameterShapes.map(\.name))
        for edge in d.edges where !edge.label.isEmpty { #expect(names.contains(edge.label)) }
    }

    @Test("gru cell: r, z, n, ⊙, +, 1 − z; h_{t−1} → ⊙ → + → h_t; W_n before the reset")
    func gruCell() {
        let d = NetworkDrawing.cell(.gru)
        Self.checkWellFormed(d)
        for gate in CellKind.gru.gates {
            #expect(d.node(gate)?.role == .gate)
            #expect(d.edges.contains(.init(from: "x", to: gate, label: "U_" + gate)))
        }
        #expect(d.edges.contains(.init(from: "h", to: "reset", label: "W_n")))
        #expect(d.edges.contains(.init(from: "r", to: "reset", label: "")))
        #expect(d.nodes.contains { $0.label == "1 − z" })
        #expect(d.nodes.filter { $0.label == "⊙" }.count == 3 && d.nodes.filter { $0.label == "+" }.count == 1)
        let belt = ["h", "keep", "add", "h_t"]
        for (a, b) in zip(belt, belt.dropFirst()) { #expect(d.edges.contains { $0.from == a && $0.to == b }) }
        let names = Set(Self.configuration(cell: .gru).parameterShapes.map(\.name))
        for edge in d.edges where !edge.label.isEmpty { #expect(names.contains(edge.label)) }
    }

    @Test("rnn cell: one operation, W on s_{t−1}, U on x_t")
    func rnnCell() {
        let d = NetworkDrawing.cell(.rnn)
        #expect(d.nodes.filter { $0.role == .operation }.count == 1)
        #expect(d.edges.map(\.label).sorted() == ["", "U", "W"])
    }

    // MARK: - Text

    static func scalars(_ line: Substring) -> Int { line.unicodeScalars.count }

    @Test("text: at most 80 columns, no trailing spaces, no trailing newline, every label shown", arguments: [false, true])
    func textShape(ascii: Bool) {
        for d in Self.pictures {
            let text = DrawingText.render(d, ascii: ascii)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.allSatisfy { Self.scalars($0) <= DrawingText.maximumWidth }, "too wide: \(d.title)\n\(text)")
            #expect(lines.allSatisfy { !$0.hasSuffix(" ") }, "trailing space: \(d.title)")
            #expect(!text.hasSuffix("\n"))
            #expect(text == DrawingText.render(d, ascii: ascii))
            let pure = text.unicodeScalars.allSatisfy { $0.isASCII }
            if ascii { #expect(pure, "not ASCII: \(d.title)") }
            let glyphs = ascii ? DrawingText.Glyphs.ascii : .unicode
            for node in d.nodes {
                let shown = String(String.UnicodeScalarView(glyphs.text(node.label)))
                #expect(text.contains(shown), "node label \(shown) missing from \(d.title)\n\(text)")
            }
            for edge in d.edges where !edge.label.isEmpty {
                #expect(text.contains(edge.label), "edge label \(edge.label) missing from \(d.title)\n\(text)")
            }
        }
    }

    @Test("text: the folded network as the lecture draws it")
    func textFolded() {
        let text = DrawingText.render(.folded(Self.rnn), ascii: false)
        let expected = """
            the folded network (rnn, input 4, hidden 3, output 4, softmax)

            ┌─────┐
            │ ŷ_t │
            └─────┘
               ↑ V
               │
            ┌──┴──┐
            │ s_t ├──┐ W
            │     │←─┘
            └─────┘
               ↑ U
               │
            ┌──┴──┐
            │ x_t │
            └─────┘
            """
        #expect(text == expected)
    }

    @Test("text: the steps run across one line of states, W between them")
    func textUnrolled() {
        let text = DrawingText.render(Self.deep, ascii: false)
        #expect(text.contains("│ s0 ├─W─→│ s1 ├──W──→│ s2 ├──W──→│ s3 ├──W──→│ s4 │"))
        #expect(text.contains("│ x1 'd' │"))
        #expect(text.contains("│ <stop> │"))
        let long = DrawingText.render(Self.long, ascii: false)
        #expect(long.contains("─→…─W─→"))
    }

    @Test("text: a stacked row's W arrows drop the layer prefix and a footnote names them")
    func textStackedFootnote() {
        let text = DrawingText.render(.unrolled(Self.configuration(layers: 2), inputs: Self.deepInputs, targets: Self.deepTargets), ascii: false)
        #expect(text.hasSuffix("along each layer's row W stands for layer1.W, layer2.W"))
        #expect(text.contains("↑ layer2.U"))
    }

    @Test("text: a layout too wide shortens its longest node labels")
    func textShortens() {
        let words = (1...5).map { "'word\($0)withalongtail'" }
        let d = NetworkDrawing.unrolled(Self.rnn, inputs: words, targets: words)
        let text = DrawingText.render(d, ascii: false)
        #expect(text.split(separator: "\n").allSatisfy { Self.scalars($0) <= DrawingText.maximumWidth })
        #expect(text.contains("…"))
    }

    // MARK: - SVG

    /// The element names of `svg` in document order, or nil when a tag is unbalanced.
    static func balancedElements(_ svg: String) -> [String]? {
        var stack: [String] = [], names: [String] = []
        var rest = Substring(svg)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if tag.hasPrefix("/") {
                guard stack.popLast() == String(tag.dropFirst()) else { return nil }
                continue
            }
            let name = String(tag.prefix { $0 != " " && $0 != "/" })
            names.append(name)
            if !tag.hasSuffix("/") { stack.append(name) }
        }
        return stack.isEmpty ? names : nil
    }

    static func count(_ needle: String, in haystack: String) -> Int {
        haystack.split(separator: needle, omittingEmptySubsequences: false).count - 1
    }

    @Test("the tag checker rejects an unbalanced document")
    func checkerCanFail() {
        #expect(Self.balancedElements("<svg><g></svg>") == nil)
        #expect(Self.balancedElements("<svg><rect/></svg>") == ["svg", "rect"])
    }

    @Test("svg: one element, balanced, a shape per node, an arrow per edge, every label escaped")
    func svgShape() {
        for d in Self.pictures {
            let svg = DrawingSVG.render(d)
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(svg.hasSuffix("</svg>"))
            #expect(svg.contains("viewBox=\"0 0 "))
            #expect(svg == DrawingSVG.render(d))
            guard let names = Self.balancedElements(svg) else {
                Issue.record("unbalanced tags in \(d.title)")
                continue
            }
            #expect(names.filter { $0 == "svg" }.count == 1 && names.filter { $0 == "title" }.count == 1)
            let shapes = Self.count("<rect class=\"node ", in: svg) + Self.count("<circle class=\"node ", in: svg)
            #expect(shapes == d.nodes.count)
            #expect(Self.count("class=\"node-label\"", in: svg) == d.nodes.count)
            #expect(Self.count("<path class=\"edge\"", in: svg) == d.edges.count)
            #expect(Self.count("marker-end=", in: svg) == d.edges.count)
            for role in Set(d.nodes.map(\.role)) { #expect(svg.contains("class=\"node \(role.rawValue)\"")) }
            for node in d.nodes { #expect(svg.contains(">\(SVGChart.escape(node.label))</text>")) }
            for edge in d.edges where !edge.label.isEmpty { #expect(svg.contains(SVGChart.escape(edge.label))) }
            #expect(!svg.contains("<stop>") && !svg.contains("nan"))
        }
        let deep = DrawingSVG.render(Self.deep)
        #expect(deep.contains(">&lt;stop&gt;</text>"))
        #expect(deep.contains("<title>unrolled over 4 steps"))
    }

    @Test("svg: two drawings on one page use different arrowhead ids")
    func svgMarkers() {
        #expect(DrawingSVG.markerID(.folded(Self.rnn)) != DrawingSVG.markerID(Self.deep))
    }

    @Test("with an embedding: e_t = x_t E between the input and the first layer, folded and unrolled")
    func embedding() {
        var c = Self.configuration(cell: .gru)
        c.embedding = 2
        let folded = NetworkDrawing.folded(c)
        Self.checkWellFormed(folded)
        #expect(folded.edges.contains(.init(from: "x", to: "e", label: "E")) && folded.edges.contains(.init(from: "e", to: "s", label: "U_*")))
        #expect(folded.node("x")!.row == folded.node("e")!.row + 1 && folded.node("e")!.row == folded.node("s")!.row + 1)
        let unrolled = NetworkDrawing.unrolled(c, inputs: ["'a'", "'b'"], targets: ["'b'", nil])
        Self.checkWellFormed(unrolled)
        #expect(Self.edges(unrolled, label: "E").map(\.to) == ["e1", "e2"])
        #expect(unrolled.edges.contains(.init(from: "e2", to: "s2", label: "U_*")))
        #expect(DrawingText.render(folded, ascii: false).split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 76 })
    }
}
