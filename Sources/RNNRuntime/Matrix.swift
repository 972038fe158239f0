#if canImport(Glibc)
import Glibc
#endif

/// A dense row-major matrix of Float64 values over one contiguous buffer.
///
/// Row vectors are 1×n matrices: the runtime follows the lecture's row
/// convention (`a_t = x_t U + s_{t-1} W + b`).
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// Row-major storage, `rows * cols` elements: element (r, c) is at `r * cols + c`.
    public var storage: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "negative matrix dimension")
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "storage does not match the shape")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix from nested rows; every row must have the same length.
    public init(_ nested: [[Double]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, storage: nested.flatMap { $0 })
    }

    /// A 1×n row vector.
    public init(row: [Double]) {
        self.init(rows: 1, cols: row.count, storage: row)
    }

    public static func zeros(_ rows: Int, _ cols: Int) -> Matrix { Matrix(rows: rows, cols: cols) }

    public var shape: (rows: Int, cols: Int) { (rows, cols) }
    public var count: Int { storage.count }

    public subscript(r: Int, c: Int) -> Double {
        get { storage[r * cols + c] }
        set { storage[r * cols + c] = newValue }
    }

    /// Row `r` as an array.
    /// The rows `rows` and columns `cols` of the matrix, as a matrix of their own.
    public func block(rows: Range<Int>, cols: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows.count, cols: cols.count)
        for (r, i) in rows.enumerated() { for (c, j) in cols.enumerated() { out[r, c] = self[i, j] } }
        return out
    }

    public func row(_ r: Int) -> [Double] { Array(storage[(r * cols)..<((r + 1) * cols)]) }

    public var nestedRows: [[Double]] { (0..<rows).map(row) }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for r in 0..<rows { for c in 0..<cols { t.storage[c * rows + r] = storage[r * cols + c] } }
        return t
    }

    public mutating func fill(_ value: Double) {
        storage.withUnsafeMutableBufferPointer { p in p.update(repeating: value) }
    }

    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    /// Frobenius norm √(Σ a_ij²).
    public var frobeniusNorm: Double {
        var s = 0.0
        for v in storage { s += v * v }
        return s.squareRoot()
    }

    public var sumOfSquares: Double {
        var s = 0.0
        for v in storage { s += v * v }
        return s
    }
}

// MARK: - Products

extension Matrix {
    /// The matrix product `self · other` (r×k · k×c → r×c).
    public func matmul(_ other: Matrix) -> Matrix {
        precondition(cols == other.rows, "matmul shape mismatch \(rows)×\(cols) · \(other.rows)×\(other.cols)")
        var out = Matrix(rows: rows, cols: other.cols)
        // An empty operand has no buffer to point at; its product is all zeros.
        if count == 0 || other.count == 0 { return out }
        storage.withUnsafeBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                out.storage.withUnsafeMutableBufferPointer { c in
                    Double.product(false, false, m: rows, n: other.cols, k: cols,
                                   a.baseAddress!, lda: cols, b.baseAddress!, ldb: other.cols,
                                   beta: 0, c.baseAddress!, ldc: other.cols)
                }
            }
        }
        return out
    }

    /// Elementwise combination of two matrices of the same shape.
    public func zipWith(_ other: Matrix, _ f: (Double, Double) -> Double) -> Matrix {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch")
        var out = self
        for i in 0..<storage.count { out.storage[i] = f(storage[i], other.storage[i]) }
        return out
    }

    public func map(_ f: (Double) -> Double) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: storage.map(f))
    }

    public static func + (l: Matrix, r: Matrix) -> Matrix { l.zipWith(r, +) }
    public static func - (l: Matrix, r: Matrix) -> Matrix { l.zipWith(r, -) }

    /// `self += alpha · other`, elementwise.
    public mutating func add(_ other: Matrix, scaledBy alpha: Double = 1) {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch")
        storage.withUnsafeMutableBufferPointer { s in
            other.storage.withUnsafeBufferPointer { o in
                for i in 0..<s.count { s[i] += alpha * o[i] }
            }
        }
    }
}
