import RNNRuntime

/// A picture of a network: boxes on a grid and labelled arrows between them,
/// for the text, SVG and JSON renderers. Three pictures are built here:
///
/// - `folded(_:)`: the lecture's folded network, x_t → s_t → ŷ_t with the
///   recurrence W as a self-loop on s_t (one state box per layer when stacked);
/// - `unrolled(_:inputs:targets:)`: the same network unrolled over a
///   sequence's steps, with the step's input symbol under each column and its
///   target above;
/// - `cell(_:)`: the inside of one cell (RNN, LSTM's conveyor belt, GRU).
///
/// The grid: `column` 0 is the left, `row` 0 is the top (outputs and the
/// LSTM's cell state sit high, inputs low, as in the lecture's pictures).
/// Several nodes never share a grid cell.
///
/// Edge labels are the model's parameter names, as `ModelConfiguration.parameterShapes`
/// spells them (`U`, `W`, `V`, `layer2.U`, `U_f`…), or "" when no parameter
/// acts on the arrow. In the folded and unrolled pictures of an LSTM or GRU
/// model one arrow stands for all of a cell's gates, so it is labelled with
/// the gate-less stem and `_*`: `U_*` means U_i, U_f, U_g, U_o (LSTM) or
/// U_r, U_z, U_n (GRU), `layer2.W_*` all of layer 2's W gates. The biases
/// (b, c, b_f…) act inside the boxes and label no arrow.
public struct NetworkDrawing: Equatable, Sendable {
    public enum Role: String, Sendable, CaseIterable {
        /// x_t (and, inside a cell, the previous state coming in).
        case input
        /// s_t, one per layer (and s_0, the initial state).
        case state
        /// ŷ_t.
        case output
        /// The true y_t of a step (its symbol).
        case target
        /// A gate of a cell: σ or tanh of an affine map of x_t and h_{t−1}.
        case gate
        /// A pointwise operation: ⊙, +, 1 − z, tanh, or the RNN's whole update.
        case operation
        /// The LSTM's cell state c (the conveyor belt).
        case cellState
        /// Steps left out of a long unrolled picture ("…").
        case ellipsis
    }

    public struct Node: Equatable, Sendable {
        public var id: String
        public var label: String
        public var role: Role
        public var column: Int
        public var row: Int

        public init(id: String, label: String, role: Role, column: Int, row: Int) {
            self.id = id
            self.label = label
            self.role = role
            self.column = column
            self.row = row
        }
    }

    public struct Edge: Equatable, Sendable {
        public var from: String
        public var to: String
        /// A parameter name ("U", "W", "V", "layer2.U", "W_f"…) or "" when the
        /// arrow carries no parameter.
        public var label: String

        public init(from: String, to: String, label: String) {
            self.from = from
            self.to = to
            self.label = label
        }
    }

    public var title: String
    public var nodes: [Node]
    public var edges: [Edge]

    public init(title: String, nodes: [Node], edges: [Edge]) {
        self.title = title
        self.nodes = nodes
        self.edges = edges
    }

    /// The node with this id, if any.
    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }

    /// The number of grid columns and rows the nodes use.
    public var gridSize: (columns: Int, rows: Int) {
        ((nodes.map(\.column).max() ?? -1) + 1, (nodes.map(\.row).max() ?? -1) + 1)
    }

    /// An unrolled picture draws every step of a sequence up to this many.
    public static let maximumDrawnSteps = 5
}

// MARK: - Parameter names on the arrows

extension NetworkDrawing {
    /// The name of layer `layer`'s (0-based) `stem` ("U" or "W") as an arrow
    /// label: `U`, `layer2.W`, or `U_*` / `layer2.W_*` for a gated cell.
    static func parameterLabel(_ stem: String, layer: Int, _ configuration: ModelConfiguration) -> String {
        let prefix = configuration.layers > 1 ? "layer\(layer + 1)." : ""
        let gated = configuration.cell.gates != [""]
        return prefix + stem + (gated ? "_*" : "")
    }

    /// The id of layer `layer`'s (0-based) state: `s` + suffix, or `layer2.s` + suffix when stacked.
    static func stateID(_ suffix: String, layer: Int, _ configuration: ModelConfiguration) -> String {
        (configuration.layers > 1 ? "layer\(layer + 1)." : "") + "s" + suffix
    }

    /// A state's label: `s_t`, or `s_t^2` for layer 2 of a stack (short, so
    /// five steps of a stack fit a terminal).
    static func stateLabel(_ base: String, layer: Int, _ configuration: ModelConfiguration) -> String {
        configuration.layers > 1 ? base + "^\(layer + 1)" : base
    }

    /// "(rnn, 2 layers, input 4, hidden 3, output 4, softmax)".
    static func sizeTitle(_ configuration: ModelConfiguration) -> String {
        let layers = configuration.layers > 1 ? "\(configuration.layers) layers, " : ""
        return "(\(configuration.cell.rawValue), \(layers)input \(configuration.inputSize), hidden \(configuration.hiddenDescription),"
            + " output \(configuration.outputSize), \(configuration.readout.rawValue))"
    }
}

// MARK: - The folded network

extension NetworkDrawing {
    /// The folded network, one column: ŷ_t on top (row 0), the layers' states
    /// below it (the top layer first), x_t at the bottom. U on x_t → s_t, the
    /// recurrence W as a self-loop s → s, V on s_t → ŷ_t (no label with `readout none`: ŷ_t is s_t); in a stack the arrow
    /// into layer L+1 carries `layer(L+1).U` and its loop `layer(L+1).W`.
    /// With an embedding, `e` (e_t = x_t E) sits between x_t and the first layer.
    /// Ids: `x`, `e`, `s` (or `layer1.s`, `layer2.s`…), `y`.
    public static func folded(_ configuration: ModelConfiguration) -> NetworkDrawing {
        let layers = max(1, configuration.layers)
        var nodes = [Node(id: "y", label: "ŷ_t", role: .output, column: 0, row: 0)]
        var edges: [Edge] = []
        var below = "x"
        if configuration.embedding != nil {
            // The lookup e_t = x_t E between the input and the first layer.
            nodes.append(Node(id: "e", label: "e_t", role: .operation, column: 0, row: layers + 1))
            edges.append(Edge(from: "x", to: "e", label: "E"))
            below = "e"
        }
        for layer in 0..<layers {
            let id = stateID("", layer: layer, configuration)
            nodes.append(Node(id: id, label: stateLabel("s_t", layer: layer, configuration), role: .state, column: 0, row: layers - layer))
            edges.append(Edge(from: below, to: id, label: parameterLabel("U", layer: layer, configuration)))
            edges.append(Edge(from: id, to: id, label: parameterLabel("W", layer: layer, configuration)))
            below = id
        }
        edges.append(Edge(from: below, to: "y", label: configuration.readout.hasParameters ? "V" : ""))
        nodes.append(Node(id: "x", label: "x_t", role: .input, column: 0, row: layers + (configuration.embedding == nil ? 1 : 2)))
        return NetworkDrawing(title: "the folded network " + sizeTitle(configuration), nodes: nodes, edges: edges)
    }
}

// MARK: - The unrolled network

extension NetworkDrawing {
    /// The steps an unrolled picture draws for a sequence of `count` steps
    /// (1-based), nil standing for the left-out middle: every step up to
    /// `maximumDrawnSteps` (5); beyond that the first 2 steps, an ellipsis,
    /// and the last 2.
    public static func drawnSteps(_ count: Int) -> [Int?] {
        if count <= maximumDrawnSteps { return count > 0 ? (1...count).map { $0 } : [] }
        return [1, 2, nil, count - 1, count]
    }

    /// The network unrolled over a sequence: one column per step, the
    /// initial state s0 in column 0. Rows from the top: the targets (when any
    /// step has one), ŷ_t, the states (top layer first), x_t.
    ///
    /// `inputs` gives the steps (one symbol per step, shown as given: pass the
    /// script's spelling, `'d'` or `<stop>`; "" shows the bare `x_t`);
    /// `targets[t]` is step t's target, nil for none. With `outputs last` there
    /// is one output, after the last step, and its target is the last of
    /// `targets` (which may then hold just that one).
    ///
    /// Sequences longer than 5 steps draw their first 2 steps, an ellipsis
    /// column ("…", role `.ellipsis`, one per layer, its arrows labelled W like
    /// the steps it stands for), and their last 2 steps.
    ///
    /// Ids: `x1`, `e1` (with an embedding), `s0`, `s1` (or `layer2.s1` when stacked), `y1`, `t1`, and
    /// `s4..s18` (or `layer2.s4..s18`) for an ellipsis.
    public static func unrolled(_ configuration: ModelConfiguration, inputs: [String], targets: [String?]) -> NetworkDrawing {
        let layers = max(1, configuration.layers)
        let count = inputs.count
        let last = configuration.outputs == .last
        func target(_ t: Int) -> String? {
            if last {
                guard t == count else { return nil }
                return targets.last ?? nil
            }
            return t - 1 < targets.count ? targets[t - 1] : nil
        }
        let steps = drawnSteps(count)
        let hasTargets = steps.contains { step in step.map { target($0) != nil } ?? false }
        let outputRow = hasTargets ? 1 : 0
        func stateRow(_ layer: Int) -> Int { outputRow + layers - layer }
        let embedded = configuration.embedding != nil
        // With an embedding, e_t = x_t E sits between x_t and the first layer.
        let inputRow = outputRow + layers + (embedded ? 2 : 1)

        var nodes: [Node] = [], edges: [Edge] = []
        var previous: [String] = []
        for layer in 0..<layers {
            let id = stateID("0", layer: layer, configuration)
            nodes.append(Node(id: id, label: stateLabel("s0", layer: layer, configuration), role: .state, column: 0, row: stateRow(layer)))
            previous.append(id)
        }
        for (index, step) in steps.enumerated() {
            let column = index + 1
            guard let t = step else {
                let span = "\(steps[index - 1]! + 1)..s\(steps[index + 1]! - 1)"
                for layer in 0..<layers {
                    let id = stateID(span, layer: layer, configuration)
                    nodes.append(Node(id: id, label: "…", role: .ellipsis, column: column, row: stateRow(layer)))
                    edges.append(Edge(from: previous[layer], to: id, label: parameterLabel("W", layer: layer, configuration)))
                    previous[layer] = id
                }
                continue
            }
            let symbol = inputs[t - 1]
            nodes.append(Node(id: "x\(t)", label: symbol.isEmpty ? "x\(t)" : "x\(t) \(symbol)", role: .input, column: column, row: inputRow))
            var below = "x\(t)"
            if embedded {
                nodes.append(Node(id: "e\(t)", label: "e\(t)", role: .operation, column: column, row: inputRow - 1))
                edges.append(Edge(from: below, to: "e\(t)", label: "E"))
                below = "e\(t)"
            }
            for layer in 0..<layers {
                let id = stateID("\(t)", layer: layer, configuration)
                nodes.append(Node(id: id, label: stateLabel("s\(t)", layer: layer, configuration), role: .state, column: column, row: stateRow(layer)))
                edges.append(Edge(from: below, to: id, label: parameterLabel("U", layer: layer, configuration)))
                edges.append(Edge(from: previous[layer], to: id, label: parameterLabel("W", layer: layer, configuration)))
                previous[layer] = id
                below = id
            }
            if !last || t == count {
                nodes.append(Node(id: "y\(t)", label: "ŷ\(t)", role: .output, column: column, row: outputRow))
                edges.append(Edge(from: below, to: "y\(t)", label: configuration.readout.hasParameters ? "V" : ""))
                if let symbol = target(t) {
                    nodes.append(Node(id: "t\(t)", label: symbol, role: .target, column: column, row: 0))
                    edges.append(Edge(from: "y\(t)", to: "t\(t)", label: ""))
                }
            }
        }
        let stepsText = count == 1 ? "1 step" : "\(count) steps"
        return NetworkDrawing(title: "unrolled over \(stepsText) " + sizeTitle(configuration), nodes: nodes, edges: edges)
    }
}

// MARK: - Inside a cell

extension NetworkDrawing {
    /// The inside of one cell.
    ///
    /// - `.rnn`: s_{t−1} and x_t into one operation, s_t = act(U x_t + W s_{t−1} + b).
    /// - `.lstm`: the cell state's conveyor belt across the top,
    ///   c_{t−1} → ⊙ (f) → + → c_t; the gates i, f, g, o (CellKind.lstm.gates)
    ///   fed by x_t and h_{t−1} (U_g on x_t's arrow, W_g on h_{t−1}'s); i ⊙ g
    ///   onto the belt; h_t = o ⊙ tanh(c_t).
    /// - `.gru`: h_{t−1} across the top, ⊙ (z) → + → h_t; the gates r, z and
    ///   the candidate n; r ⊙ (h_{t−1} W_n + bh_n) into n; (1 − z) ⊙ n onto the belt.
    ///
    /// Ids: `x`, `h` (or `s` for the RNN), `c`, the gates by name (`i`, `f`,
    /// `g`, `o`, `r`, `z`, `n`), the operations (`forget`, `write`, `add`,
    /// `tanh_c`, `read`; `reset`, `one_minus_z`, `keep`, `update`, `add`),
    /// and the outputs `h_t`, `c_t` (`s_t`).
    public static func cell(_ kind: CellKind, activation: Activation = .tanh) -> NetworkDrawing {
        switch kind {
        case .rnn: return rnnCell(activation)
        case .lstm: return lstmCell()
        case .gru: return gruCell()
        }
    }

    static func rnnCell(_ activation: Activation) -> NetworkDrawing {
        let act = activation == .sigmoid ? "σ" : activation.rawValue
        let update = "\(act)(U x_t + W s_{t−1} + b)"
        return NetworkDrawing(
            title: "inside an rnn cell: s_t = " + update,
            nodes: [
                Node(id: "s", label: "s_{t−1}", role: .input, column: 0, row: 0),
                Node(id: "update", label: update, role: .operation, column: 1, row: 0),
                Node(id: "s_t", label: "s_t", role: .state, column: 2, row: 0),
                Node(id: "x", label: "x_t", role: .input, column: 1, row: 1),
            ],
            edges: [
                Edge(from: "s", to: "update", label: "W"),
                Edge(from: "x", to: "update", label: "U"),
                Edge(from: "update", to: "s_t", label: ""),
            ])
    }

    /// The gate nodes' labels: σ for a gate, tanh for a candidate.
    static func gateLabel(_ gate: String, candidate: Bool) -> String { (candidate ? "tanh " : "σ ") + gate }

    static func lstmCell() -> NetworkDrawing {
        let gates = CellKind.lstm.gates  // i, f, g, o
        let columns = ["f": 1, "i": 2, "g": 3, "o": 4]
        var nodes = [
            Node(id: "c", label: "c_{t−1}", role: .cellState, column: 0, row: 0),
            Node(id: "forget", label: "⊙", role: .operation, column: 1, row: 0),
            Node(id: "add", label: "+", role: .operation, column: 2, row: 0),
            Node(id: "c_t", label: "c_t", role: .cellState, column: 4, row: 0),
            Node(id: "write", label: "⊙", role: .operation, column: 2, row: 1),
            Node(id: "tanh_c", label: "tanh", role: .operation, column: 4, row: 1),
            Node(id: "read", label: "⊙", role: .operation, column: 4, row: 2),
            Node(id: "h_t", label: "h_t", role: .state, column: 5, row: 2),
        ]
        for gate in gates {
            nodes.append(Node(id: gate, label: gateLabel(gate, candidate: gate == "g"), role: .gate, column: columns[gate] ?? 5, row: 3))
        }
        nodes.append(Node(id: "h", label: "h_{t−1}", role: .input, column: 0, row: 4))
        nodes.append(Node(id: "x", label: "x_t", role: .input, column: 1, row: 5))
        var edges: [Edge] = []
        for gate in gates {
            edges.append(Edge(from: "x", to: gate, label: "U_" + gate))
            edges.append(Edge(from: "h", to: gate, label: "W_" + gate))
        }
        edges += [
            Edge(from: "c", to: "forget", label: ""),
            Edge(from: "f", to: "forget", label: ""),
            Edge(from: "forget", to: "add", label: ""),
            Edge(from: "i", to: "write", label: ""),
            Edge(from: "g", to: "write", label: ""),
            Edge(from: "write", to: "add", label: ""),
            Edge(from: "add", to: "c_t", label: ""),
            Edge(from: "c_t", to: "tanh_c", label: ""),
            Edge(from: "tanh_c", to: "read", label: ""),
            Edge(from: "o", to: "read", label: ""),
            Edge(from: "read", to: "h_t", label: ""),
        ]
        return NetworkDrawing(title: "inside an lstm cell: c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t)",
                              nodes: nodes, edges: edges)
    }

    static func gruCell() -> NetworkDrawing {
        let gates = CellKind.gru.gates  // r, z, n
        let columns = ["z": 1, "r": 2, "n": 4]
        var nodes = [
            Node(id: "keep", label: "⊙", role: .operation, column: 1, row: 0),
            Node(id: "add", label: "+", role: .operation, column: 3, row: 0),
            Node(id: "h_t", label: "h_t", role: .state, column: 5, row: 0),
            Node(id: "update", label: "⊙", role: .operation, column: 3, row: 1),
            Node(id: "one_minus_z", label: "1 − z", role: .operation, column: 2, row: 2),
            Node(id: "reset", label: "⊙", role: .operation, column: 3, row: 3),
        ]
        for gate in gates {
            nodes.append(Node(id: gate, label: gateLabel(gate, candidate: gate == "n"), role: .gate, column: columns[gate] ?? 5, row: 3))
        }
        nodes.append(Node(id: "h", label: "h_{t−1}", role: .input, column: 0, row: 4))
        nodes.append(Node(id: "x", label: "x_t", role: .input, column: 1, row: 5))
        var edges: [Edge] = []
        for gate in gates {
            edges.append(Edge(from: "x", to: gate, label: "U_" + gate))
            // n's recurrent product is taken before the reset gate multiplies it.
            edges.append(Edge(from: "h", to: gate == "n" ? "reset" : gate, label: "W_" + gate))
        }
        edges += [
            Edge(from: "r", to: "reset", label: ""),
            Edge(from: "reset", to: "n", label: ""),
            Edge(from: "h", to: "keep", label: ""),
            Edge(from: "z", to: "keep", label: ""),
            Edge(from: "z", to: "one_minus_z", label: ""),
            Edge(from: "one_minus_z", to: "update", label: ""),
            Edge(from: "n", to: "update", label: ""),
            Edge(from: "keep", to: "add", label: ""),
            Edge(from: "update", to: "add", label: ""),
            Edge(from: "add", to: "h_t", label: ""),
        ]
        return NetworkDrawing(title: "inside a gru cell: h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, r ⊙ (h_{t−1} W_n) into n",
                              nodes: nodes, edges: edges)
    }
}

// MARK: - Labels from a sequence

extension NetworkDrawing {
    /// The labels of a sequence's steps in an unrolled picture: each input's
    /// and each target's symbol as the script writes it (`'d'`, `<stop>`,
    /// white space made visible), a number for a width-1 series, else "" (the
    /// input) or "y_t" (the target); nil where a step has no target.
    static func stepLabels(_ data: SequenceData, _ placement: OutputPlacement) -> (inputs: [String], targets: [String?]) {
        let example = data.example
        let steps = example.stepCount(placement)
        func symbol(_ vocabulary: Vocabulary, _ i: Int) -> String {
            switch vocabulary.kinds[i] {
            case .character: return "'\(vocabulary.display(i))'"
            case .word: return "\"\(vocabulary.display(i))\""
            case .token: return vocabulary.display(i)
            }
        }
        let numericInputs = data.inputVocabulary == nil && data.inputWidth == 1 ? example.inputs : nil
        let numericTargets = data.targetVocabulary == nil && data.targetWidth == 1 ? example.targets : nil
        let inputs = (0..<steps).map { t -> String in
            guard t < example.inputCount else { return "" }
            if let vocabulary = data.inputVocabulary, let symbols = data.inputSymbols { return symbol(vocabulary, symbols[t]) }
            return numericInputs.map { NumberFormatting.general($0[t, 0]) } ?? ""
        }
        let targets = (0..<steps).map { t -> String? in
            guard let index = example.targetIndex(atStep: t, placement) else { return nil }
            if let vocabulary = data.targetVocabulary, let classes = data.targetClasses { return symbol(vocabulary, classes[index]) }
            return numericTargets.map { NumberFormatting.general($0[index, 0]) } ?? "y\(t + 1)"
        }
        return (inputs, targets)
    }
}
