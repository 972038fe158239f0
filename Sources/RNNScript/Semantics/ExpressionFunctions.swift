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
    }

    public let name: String
    public let arity: Int
    public let result: Result
    /// Max, min and mean have no value on an empty matrix.
    public let needsElements: Bool
    public let help: String
    let apply: @Sendable (Matrix) -> Value

    /// Every function, in the order `:help functions` lists them.
    public static let all: [ExpressionFunction] = [
        reduce("norm", "the Frobenius norm") { $0.frobeniusNorm },
        reduce("spectral", "‖·‖₂, the largest singular value") { LinearAlgebra.spectralNorm($0) },
        reduce("max", "the largest element", needsElements: true) { $0.storage.max()! },
        reduce("min", "the smallest element", needsElements: true) { $0.storage.min()! },
        reduce("mean", "the mean of the elements", needsElements: true) { $0.storage.reduce(0, +) / Double($0.count) },
        reduce("sum", "the sum of the elements") { $0.storage.reduce(0, +) },
        ExpressionFunction(name: "shape", arity: 1, result: .shape, needsElements: false, help: "[rows, cols]") {
            .matrix(Matrix(row: [Double($0.rows), Double($0.cols)]))
        },
        elementwise("abs", "|x| element by element") { abs($0) },
        ExpressionFunction(name: "transpose", arity: 1, result: .transposed, needsElements: false, help: "the transpose") {
            .matrix($0.transposed)
        },
        elementwise("log", "the natural logarithm element by element") { Math.log($0) },
        elementwise("exp", "eˣ element by element") { Math.exp($0) },
        elementwise("sqrt", "the square root element by element") { $0.squareRoot() },
    ]

    public static func named(_ name: String) -> ExpressionFunction? { all.first { $0.name == name } }

    /// The function's value for an argument (a number is a 1×1 matrix; an
    /// elementwise function of a number is a number).
    func callAsFunction(_ m: Matrix, argumentIsNumber: Bool) -> Value {
        let value = apply(m)
        if argumentIsNumber, result == .elementwise, case let .matrix(r) = value { return .number(r.storage[0]) }
        return value
    }

    private static func reduce(_ name: String, _ help: String, needsElements: Bool = false,
                               _ f: @escaping @Sendable (Matrix) -> Double) -> ExpressionFunction {
        ExpressionFunction(name: name, arity: 1, result: .number, needsElements: needsElements, help: help) { .number(f($0)) }
    }

    private static func elementwise(_ name: String, _ help: String, _ f: @escaping @Sendable (Double) -> Double) -> ExpressionFunction {
        ExpressionFunction(name: name, arity: 1, result: .elementwise, needsElements: false, help: help) { .matrix($0.map(f)) }
    }
}
