/// A recurrent network: configuration, parameter values and initial state.
///
/// Vanilla RNN (row vectors, as in the lecture):
///
///     a_t = x_t U + s_{t-1} W + b        s_t = σ(a_t)
///     o_t = s_t V + c                    ŷ_t = O(o_t)
///
/// LSTM and GRU follow PyTorch's equations in the row convention (see
/// `Engine.swift`); stacked layers feed each layer's state to the next.
public struct RNNModel: Sendable {
    public let configuration: ModelConfiguration
    /// Parameter values, aligned with `configuration.parameterShapes`.
    public var parameters: [Matrix]
    /// s_0 (1×S): every layer's initial state, concatenated ([h, c] for an LSTM). Not trained.
    public var initialState: Matrix

    /// A model with weights drawn from `random` by the configuration's
    /// initializer, in the order of `parameterShapes`, each matrix row-major;
    /// biases start at zero.
    public init(configuration: ModelConfiguration, random: inout RandomSource) {
        self.configuration = configuration
        self.initialState = Matrix(rows: 1, cols: configuration.stateWidth)
        self.parameters = configuration.parameterShapes.map { shape in
            var m = Matrix(rows: shape.rows, cols: shape.cols)
            if shape.role.isBias { return m }
            switch configuration.initializer {
            case .zeros:
                break
            case let .uniform(a, b):
                for i in 0..<m.count { m.storage[i] = random.uniform(a, b) }
            case let .normal(mean, std):
                for i in 0..<m.count { m.storage[i] = random.normal(mean: mean, std: std) }
            case .xavier:
                let limit = (6.0 / Double(shape.rows + shape.cols)).squareRoot()
                for i in 0..<m.count { m.storage[i] = random.uniform(-limit, limit) }
            }
            return m
        }
    }

    /// The same parameters under another configuration of equal shapes (e.g. another precision).
    public func with(precision: Precision) -> RNNModel {
        var c = configuration
        c.precision = precision
        return RNNModel(configuration: c, parameters: parameters, initialState: initialState)
    }

    init(configuration: ModelConfiguration, parameters: [Matrix], initialState: Matrix) {
        self.configuration = configuration
        self.parameters = parameters
        self.initialState = initialState
    }

    public var parameterNames: [String] { configuration.parameterShapes.map(\.name) }

    public func parameterIndex(named name: String) -> Int? {
        configuration.parameterShapes.firstIndex { $0.name == name }
    }

    public func parameter(named name: String) -> Matrix? {
        parameterIndex(named: name).map { parameters[$0] }
    }
}
