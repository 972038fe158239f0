/// What the checker knows of an expression's value before anything runs: its
/// kind and, for a matrix, the rows and columns the script fixes. A size is nil
/// where it depends on what ran before: the steps of the last forward pass
/// (`net.s`, `net.y`, the gates) or the epochs of the last `train` (`net.losses`).
public enum ValueType: Equatable, Sendable {
    case number
    case matrix(rows: Int?, cols: Int?)
    case string
    /// A declared name used whole (`show net`): its kind, like "a model".
    case declaration(String)

    /// "a number", "a 3×3 matrix", "a matrix with 3 columns", "a string", "a model".
    public var description: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case let .declaration(kind): return kind
        case let .matrix(rows?, cols?): return "a \(rows)×\(cols) matrix"
        case let .matrix(nil, cols?): return "a matrix with \(cols) column\(cols == 1 ? "" : "s")"
        case let .matrix(rows?, nil): return "a matrix with \(rows) row\(rows == 1 ? "" : "s")"
        case .matrix(nil, nil): return "a matrix"
        }
    }

    /// Numbers and matrices take part in arithmetic; strings and declarations do not.
    var isNumeric: Bool {
        switch self {
        case .number, .matrix: return true
        case .string, .declaration: return false
        }
    }
}
