/// Where a sequence's targets sit.
public enum OutputPlacement: String, Sendable {
    /// A target at every step (sequence to sequence).
    case every
    /// One target after the last step (sequence to vector).
    case last
}

/// The kind of recurrent cell.
public enum CellKind: String, Sendable, CaseIterable {
    case rnn
}

/// How parameters are initialised (weights only; biases start at zero).
public enum Initializer: Equatable, Sendable {
    case uniform(Double, Double)
    case normal(mean: Double, std: Double)
    /// Glorot uniform: U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))).
    case xavier
    case zeros

    public static let `default` = Initializer.uniform(-0.1, 0.1)
}

/// The shape and functions of a model: everything but its parameter values.
public struct ModelConfiguration: Equatable, Sendable {
    public var cell: CellKind = .rnn
    /// n: the width of x_t.
    public var inputSize: Int
    /// d: the width of s_t.
    public var hiddenSize: Int
    /// k: the width of o_t and ŷ_t.
    public var outputSize: Int
    public var activation: Activation = .tanh
    public var readout: Readout = .softmax
    public var layers: Int = 1
    public var outputs: OutputPlacement = .every
    public var bias: Bool = true
    public var initializer: Initializer = .default

    public init(
        inputSize: Int, hiddenSize: Int, outputSize: Int,
        activation: Activation = .tanh, readout: Readout = .softmax,
        outputs: OutputPlacement = .every, bias: Bool = true,
        initializer: Initializer = .default
    ) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
        self.activation = activation
        self.readout = readout
        self.outputs = outputs
        self.bias = bias
        self.initializer = initializer
    }

    /// The parameters of this configuration, in their canonical order, with shapes
    /// from §1 of the spec: U n×d, W d×d, b 1×d, V d×k, c 1×k.
    public var parameterShapes: [ParameterShape] {
        let n = inputSize, d = hiddenSize, k = outputSize
        var shapes: [ParameterShape] = [
            ParameterShape(name: "U", rows: n, cols: d, role: .inputWeight(fanIn: n, fanOut: d)),
            ParameterShape(name: "W", rows: d, cols: d, role: .recurrentWeight(fanIn: d, fanOut: d)),
        ]
        if bias { shapes.append(ParameterShape(name: "b", rows: 1, cols: d, role: .bias)) }
        shapes.append(ParameterShape(name: "V", rows: d, cols: k, role: .outputWeight(fanIn: d, fanOut: k)))
        if bias { shapes.append(ParameterShape(name: "c", rows: 1, cols: k, role: .bias)) }
        return shapes
    }

    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.rows * $1.cols } }
}

/// A parameter's name, shape and role.
public struct ParameterShape: Equatable, Sendable {
    public enum Role: Equatable, Sendable {
        case inputWeight(fanIn: Int, fanOut: Int)
        case recurrentWeight(fanIn: Int, fanOut: Int)
        case outputWeight(fanIn: Int, fanOut: Int)
        case bias

        public var isBias: Bool { self == .bias }
    }
    public var name: String
    public var rows: Int
    public var cols: Int
    public var role: Role
}
