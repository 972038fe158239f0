import RNNRuntime

/// The functions of inspection expressions, one row each: the checker reads a
/// row's arity and result shape, the interpreter its implementation, `:help`
/// and completion its name and text. A new function is one row here.
public struct ExpressionFunction: Sendable {
    /// The shape of the result, from the argument's (a number counts as 1×1).
    public enum Result: Sendable {
        /// A number (norm, max, …).
        case number
        /// The argument's shape, element by element.
        case elementwise
        /// The argument transposed.
        case transposed
        /// [rows, cols], 1×2.
        case shape
        /// A vector of n (1×n or n×1) becomes the n×n matrix with it on the
        /// diagonal; a square matrix gives its diagonal as a 1×n row.
        case diagonal
        /// Two vectors of m and n: the m×n matrix aᵀb.
        case outer
        /// A 1×n row whose length is an argument's value (known when it runs).
        case row
        /// onehot(SYMBOL, VOCAB): a 1×|VOCAB| row (its arguments are not numbers:
        /// the checker and the interpreter treat this row apart).
        case onehot
    }

    public let name: String
    public let arity: Int
    public let result: Result
    /// Max, min and mean have no value on an empty matrix.
    public let needsElements: Bool
    public let help: String
    /// What is wrong with the arguments' values, checked before `apply` (nil: nothing).
    var valueProblem: @Sendable ([Matrix]) -> String? = { _ in nil }
    /// The arguments as matrices (a number is 1×1), shapes already checked
    /// (`shapeProblem`); a function of one argument reads `$0[0]`.
    let apply: @Sendable ([Matrix]) -> Value

    /// Every function, in the order `:help functions` lists them.
    public static let all: [ExpressionFunction] = [
        reduce("norm", "the Frobenius norm") { $0.frobeniusNorm },
        reduce("spectral", "‖·‖₂, the largest singular value") { LinearAlgebra.spectralNorm($0) },
        reduce("max", "the largest element", needsElements: true) { $0.storage.max()! },
        reduce("min", "the smallest element", needsElements: true) { $0.storage.min()! },
        reduce("mean", "the mean of the elements", needsElements: true) { $0.storage.reduce(0, +) / Double($0.count) },
        reduce("sum", "the sum of the elements") { $0.storage.reduce(0, +) },
        ExpressionFunction(name: "shape", arity: 1, result: .shape, needsElements: false, help: "[rows, cols]") {
            .matrix(Matrix(row: [Double($0[0].rows), Double($0[0].cols)]))
        },
        elementwise("abs", "|x| element by element") { abs($0) },
        ExpressionFunction(name: "transpose", arity: 1, result: .transposed, needsElements: false, help: "the transpose") {
            .matrix($0[0].transposed)
        },
        elementwise("log", "the natural logarithm element by element") { Math.log($0) },
        elementwise("exp", "eˣ element by element") { Math.exp($0) },
        elementwise("sqrt", "the square root element by element") { $0.squareRoot() },
        elementwise("tanh", "tanh element by element (the runtime's own)") { Math.tanh($0) },
        elementwise("sigmoid", "σ(x) = 1/(1 + e⁻ˣ) element by element (the runtime's own)") { Math.sigmoid($0) },
        elementwise("relu", "max(x, 0) element by element") { $0 > 0 ? $0 : 0 },
        ExpressionFunction(name: "softmax", arity: 1, result: .elementwise, needsElements: false,
                           help: "each row's softmax: e^{x_j − max} / Σ_i e^{x_i − max}") { .matrix(softmaxRows($0[0])) },
        ExpressionFunction(name: "diag", arity: 1, result: .diagonal, needsElements: false,
                           help: "a vector on the diagonal of a square matrix (diag(σ′) in ∂s_t/∂s_{t−1} = diag(σ′(a_t)) Wᵀ); a square matrix's diagonal") {
            .matrix(diagonal($0[0]))
        },
        ExpressionFunction(name: "outer", arity: 2, result: .outer, needsElements: false, help: "outer(a, b) = aᵀb for vectors a and b") {
            .matrix(outerProduct($0[0], $0[1]))
        },
        ExpressionFunction(name: "onehot", arity: 2, result: .onehot, needsElements: false,
                           help: "onehot(SYMBOL, VOCAB): the 1×k row x_t the network reads for that symbol (onehot('e', chars))") { _ in
            preconditionFailure("onehot is evaluated by the interpreter from its symbol and vocabulary")
        },
        ExpressionFunction(name: "linspace", arity: 3, result: .row, needsElements: false,
                           help: "linspace(a, b, n): n evenly spaced numbers from a to b, a 1×n row (plot tanh(linspace(-4, 4, 81)))",
                           valueProblem: linspaceProblem) { arguments in
            let a = arguments[0].storage[0], b = arguments[1].storage[0], n = Int(arguments[2].storage[0])
            // a + i·(b − a)/(n − 1), the last exactly b.
            return .matrix(Matrix(row: (0..<n).map { $0 == n - 1 ? b : a + Double($0) * ((b - a) / Double(n - 1)) }))
        },
    ]

    /// The most numbers `linspace` makes (a curve needs hundreds, not millions).
    static let linspaceLimit = 100_000

    private static let linspaceProblem: @Sendable ([Matrix]) -> String? = { arguments in
        for (i, name) in ["a", "b", "n"].enumerated() where arguments[i].count != 1 {
            return "linspace's \(name) must be a number, got a \(arguments[i].rows)×\(arguments[i].cols) matrix"
        }
        let a = arguments[0].storage[0], b = arguments[1].storage[0], n = arguments[2].storage[0]
        guard a.isFinite && b.isFinite else { return "linspace needs finite ends" }
        guard n == n.rounded(), n >= 2, n <= Double(linspaceLimit) else {
            return "linspace's n must be a whole number from 2 to \(linspaceLimit), got \(NumberFormatting.roundTrip(n))"
        }
        return nil
    }

    public static func named(_ name: String) -> ExpressionFunction? { all.first { $0.name == name } }

    /// The function's value (a number argument is a 1×1 matrix; an
    /// elementwise function of a number is a number).
    func callAsFunction(_ arguments: [Matrix], argumentIsNumber: Bool) -> Value {
        let value = apply(arguments)
        if argumentIsNumber, result == .elementwise, case let .matrix(r) = value { return .number(r.storage[0]) }
        return value
    }

    /// The length of a vector (1×n or n×1), or nil for another shape or one not known yet.
    static func vectorLength(_ shape: (rows: Int?, cols: Int?)) -> Int? {
        shape.rows == 1 ? shape.cols : (shape.cols == 1 ? shape.rows : nil)
    }

    /// Why arguments of these shapes (nil: not known yet) do not fit, or nil.
    /// The result's shape, when they do, is `resultShape`.
    func shapeProblem(_ shapes: [(rows: Int?, cols: Int?)]) -> String? {
        switch result {
        case .diagonal:
            guard let r = shapes[0].rows, let c = shapes[0].cols else { return nil }
            return r == 1 || c == 1 || r == c ? nil : "diag needs a vector or a square matrix, got \(r)×\(c)"
        case .outer:
            for (i, shape) in shapes.enumerated() {
                if let r = shape.rows, let c = shape.cols, Self.vectorLength(shape) == nil {
                    return "outer needs two vectors; its \(i == 0 ? "first" : "second") argument is \(r)×\(c)"
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// The result's shape from the arguments' (nil: not known before the script runs).
    func resultShape(_ shapes: [(rows: Int?, cols: Int?)]) -> (rows: Int?, cols: Int?) {
        let (r, c) = shapes[0]
        switch result {
        case .number: return (1, 1)
        case .elementwise: return (r, c)
        case .transposed: return (c, r)
        case .shape: return (1, 2)
        case .diagonal:
            if let r, let c, r == c, r != 1 { return (1, r) }
            let n = Self.vectorLength(shapes[0])
            return (n, n)
        case .outer: return (Self.vectorLength(shapes[0]), Self.vectorLength(shapes[1]))
        case .row, .onehot: return (1, nil)
        }
    }

    private static func softmaxRows(_ m: Matrix) -> Matrix {
        var out = m
        for r in 0..<m.rows {
            let row = m.row(r), top = row.max() ?? 0
            let e = row.map { Math.exp($0 - top) }
            let total = e.reduce(0, +)
            for j in 0..<m.cols { out[r, j] = e[j] / total }
        }
        return out
    }

    private static func diagonal(_ m: Matrix) -> Matrix {
        if m.rows == m.cols && m.rows != 1 { return Matrix(row: (0..<m.rows).map { m[$0, $0] }) }
        let values = m.storage
        var out = Matrix(rows: values.count, cols: values.count)
        for (i, v) in values.enumerated() { out[i, i] = v }
        return out
    }

    private static func outerProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        var out = Matrix(rows: a.count, cols: b.count)
        for i in 0..<a.count { for j in 0..<b.count { out[i, j] = a.storage[i] * b.storage[j] } }
        return out
    }

    private static func reduce(_ name: String, _ help: String, needsElements: Bool = false,
                               _ f: @escaping @Sendable (Matrix) -> Double) -> ExpressionFunction {
        ExpressionFunction(name: name, arity: 1, result: .number, needsElements: needsElements, help: help) { .number(f($0[0])) }
    }

    private static func elementwise(_ name: String, _ help: String, _ f: @escaping @Sendable (Double) -> Double) -> ExpressionFunction {
        ExpressionFunction(name: name, arity: 1, result: .elementwise, needsElements: false, help: help) { .matrix($0[0].map(f)) }
    }
}
