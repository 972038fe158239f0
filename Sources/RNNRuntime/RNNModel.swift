/// A vanilla RNN: configuration, parameter values and initial state.
///
///     a_t = x_t U + s_{t-1} W + b        s_t = σ(a_t)
///     o_t = s_t V + c                    ŷ_t = O(o_t)
public struct RNNModel: Equatable, Sendable {
    public let configuration: ModelConfiguration
    /// Parameter values, aligned with `configuration.parameterShapes`.
    public var parameters: [Matrix]
    /// s_0, 1×d (not trained).
    public var initialState: Matrix

    let layout: ParameterLayout

    /// A model with parameters drawn from `random` by the configuration's
    /// initializer, in the order of `parameterShapes`, each matrix row-major.
    public init(configuration: ModelConfiguration, random: inout RandomSource) {
        self.configuration = configuration
        self.layout = ParameterLayout(configuration)
        self.initialState = Matrix(rows: 1, cols: configuration.hiddenSize)
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

    public var parameterNames: [String] { configuration.parameterShapes.map(\.name) }

    public func parameterIndex(named name: String) -> Int? {
        configuration.parameterShapes.firstIndex { $0.name == name }
    }

    public func parameter(named name: String) -> Matrix? {
        parameterIndex(named: name).map { parameters[$0] }
    }
}

/// Positions of each parameter in the flat parameter list.
struct ParameterLayout: Equatable, Sendable {
    let u: Int, w: Int, b: Int?, v: Int, c: Int?

    init(_ configuration: ModelConfiguration) {
        let names = configuration.parameterShapes.map(\.name)
        u = names.firstIndex(of: "U")!
        w = names.firstIndex(of: "W")!
        b = names.firstIndex(of: "b")
        v = names.firstIndex(of: "V")!
        c = names.firstIndex(of: "c")
    }
}
