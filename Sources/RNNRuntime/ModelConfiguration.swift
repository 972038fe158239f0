/// Where a sequence's targets sit.
public enum OutputPlacement: String, Sendable {
    /// A target at every step (sequence to sequence).
    case every
    /// One target after the last step (sequence to vector).
    case last
}

/// How parameters are initialised (weights only; biases start at zero).
public enum Initializer: Equatable, Sendable {
    case uniform(Double, Double)
    case normal(mean: Double, std: Double)
    /// Glorot uniform: U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))).
    case xavier
    case zeros

    public static let `default` = Initializer.uniform(-0.1, 0.1)

    /// The names a script writes (`init xavier`, `init uniform(a, b)`).
    public static let names = ["uniform", "normal", "xavier", "zeros"]
}

/// The shape and functions of a model: everything but its parameter values.
public struct ModelConfiguration: Equatable, Sendable {
    public var cell: CellKind = .rnn
    /// n: the width of x_t.
    public var inputSize: Int
    /// d: the width of s_t (of the top layer's, with `layerWidths`).
    public var hiddenSize: Int
    /// One width per layer (`hidden [20, 20, 1]`), the last equal to
    /// `hiddenSize`; nil when every layer is `hiddenSize` wide.
    public var layerWidths: [Int]?
    /// N: a trainable lookup E (n × N) in front of the first layer, so layer 1
    /// reads e_t = x_t E (row c_t of E for a one-hot x_t); nil: it reads x_t.
    public var embedding: Int?
    /// k: the width of o_t and ŷ_t.
    public var outputSize: Int
    public var activation: Activation = .tanh
    public var readout: Readout = .softmax
    public var layers: Int = 1
    public var outputs: OutputPlacement = .every
    public var bias: Bool = true
    public var initializer: Initializer = .default
    /// The precision passes compute in (gradient checks always use Float64).
    public var precision: Precision = .float64
    /// An encoder–decoder (`encoder on`): two stacks of these layers. The
    /// encoder reads a sequence's source (its steps up to the first target)
    /// without a readout; the decoder starts from the encoder's final state
    /// and reads the previous target (nothing at its first step), emitting
    /// the targets. Parameters are the encoder's (`encoder.*`), then the
    /// decoder's (`decoder.*`); see `EncoderDecoder.swift`.
    public var encoderDecoder = false

    public init(
        inputSize: Int, hiddenSize: Int, outputSize: Int,
        activation: Activation = .tanh, readout: Readout = .softmax,
        outputs: OutputPlacement = .every, bias: Bool = true,
        initializer: Initializer = .default, cell: CellKind = .rnn, layers: Int = 1,
        precision: Precision = .float64
    ) {
        self.cell = cell
        self.layers = layers
        self.precision = precision
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
        self.activation = activation
        self.readout = readout
        self.outputs = outputs
        self.bias = bias
        self.initializer = initializer
    }

    /// The parameters in their canonical order: for each layer ℓ and each gate
    /// (in the cell's order) U n_ℓ×d, W d×d, b 1×d (and the GRU's bh_n 1×d after
    /// the n gate), then the readout V d×k and c 1×k. With more than one layer
    /// the recurrent ones are named `layerL.P`.
    public var parameterShapes: [ParameterShape] {
        if encoderDecoder {
            func prefixed(_ shapes: [ParameterShape], _ prefix: String) -> [ParameterShape] {
                shapes.map { var shape = $0; shape.name = prefix + shape.name; return shape }
            }
            return prefixed(encoderConfiguration.parameterShapes, "encoder.") + prefixed(decoderConfiguration.parameterShapes, "decoder.")
        }
        let k = outputSize
        var shapes: [ParameterShape] = []
        if let embedding {
            shapes.append(ParameterShape(name: "E", rows: inputSize, cols: embedding, role: .embedding, layer: 0, gate: 0))
        }
        for layer in 0..<layers {
            let d = hidden(layer: layer), n = layerInput(layer)
            let prefix = layers > 1 ? "layer\(layer + 1)." : ""
            for (g, gate) in cell.gates.enumerated() {
                let suffix = gate.isEmpty ? "" : "_" + gate
                shapes.append(ParameterShape(name: prefix + "U" + suffix, rows: n, cols: d, role: .inputWeight(fanIn: n, fanOut: d), layer: layer, gate: g))
                shapes.append(ParameterShape(name: prefix + "W" + suffix, rows: d, cols: d, role: .recurrentWeight(fanIn: d, fanOut: d), layer: layer, gate: g))
                if bias { shapes.append(ParameterShape(name: prefix + "b" + suffix, rows: 1, cols: d, role: .bias, layer: layer, gate: g)) }
                if bias && cell.hiddenBiasGate == g {
                    shapes.append(ParameterShape(name: prefix + "bh_n", rows: 1, cols: d, role: .hiddenBias, layer: layer, gate: g))
                }
            }
        }
        guard readout.hasParameters else { return shapes }
        let d = hiddenSize
        shapes.append(ParameterShape(name: "V", rows: d, cols: k, role: .outputWeight(fanIn: d, fanOut: k), layer: layers, gate: 0))
        if bias { shapes.append(ParameterShape(name: "c", rows: 1, cols: k, role: .outputBias, layer: layers, gate: 0)) }
        return shapes
    }

    /// Σ rows·cols over the parameters, counted in Double so absurd sizes cannot overflow.
    public var parameterCountEstimate: Double {
        if encoderDecoder { return encoderConfiguration.parameterCountEstimate + decoderConfiguration.parameterCountEstimate }
        let g = Double(cell.gates.count), b = bias ? 1.0 : 0.0, k = Double(outputSize)
        var total = Double(inputSize) * Double(embedding ?? 0)
        for layer in 0..<layers {
            let n = Double(layerInput(layer)), d = Double(hidden(layer: layer))
            total += g * (n * d + d * d + b * d) + (cell.hiddenBiasGate == nil ? 0 : b * d)
        }
        let d = Double(hiddenSize)
        return total + (readout.hasParameters ? d * k + b * k : 0)
    }

    /// d_ℓ: the width of layer `layer`'s state (0-based).
    public func hidden(layer: Int) -> Int { layerWidths?[layer] ?? hiddenSize }

    /// n_ℓ: the width of what layer `layer` reads (x_t, or the state of the layer below).
    public func layerInput(_ layer: Int) -> Int { layer == 0 ? embedding ?? inputSize : hidden(layer: layer - 1) }

    /// Where layer `layer`'s state starts in s_t (every layer's state, concatenated).
    public func stateOffset(layer: Int) -> Int { (0..<layer).reduce(0) { $0 + cell.stateWidth(hidden: hidden(layer: $1)) } }

    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.rows * $1.cols } }

    /// The width of the whole state s_t: every layer's state, concatenated.
    public var stateWidth: Int { stateOffset(layer: layers) }
}

/// A parameter's name, shape and role.
public struct ParameterShape: Equatable, Sendable {
    public enum Role: Equatable, Sendable {
        case inputWeight(fanIn: Int, fanOut: Int)
        case recurrentWeight(fanIn: Int, fanOut: Int)
        case outputWeight(fanIn: Int, fanOut: Int)
        case bias
        /// The GRU's bh_n, inside the reset product.
        case hiddenBias
        case outputBias
        /// E: one row per input symbol.
        case embedding

        public var isBias: Bool { self == .bias || self == .hiddenBias || self == .outputBias }
    }
    public var name: String
    public var rows: Int
    public var cols: Int
    public var role: Role
    /// The 0-based layer (the readout has `layers`).
    public var layer: Int = 0
    /// The gate's position in the cell's gate order.
    public var gate: Int = 0

    /// The name without a `layerL.` prefix: `U_f`, `W`, `bh_n`.
    public var localName: String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[name.index(after: dot)...])
    }
}
