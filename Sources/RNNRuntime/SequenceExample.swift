/// One sequence: its inputs per step and its targets.
///
/// With `outputs every`, target j belongs to step j; a sequence whose inputs are
/// shorter than its targets is fed zero inputs after its last input (vector to
/// sequence). With `outputs last` there is one target, after the last input.
///
/// Steps are stored densely (a row of reals per step) or as class indices (a
/// one-hot row per step, kept as one integer: a long text stays small).
public struct SequenceExample: Equatable, Sendable {
    public enum Steps: Equatable, Sendable {
        /// One row per step.
        case dense(Matrix)
        /// One class per step, one-hot over `width` classes (−1: a zero row,
        /// the decoder's first input in an encoder–decoder).
        case classes([Int32], width: Int)

        public var count: Int {
            switch self {
            case let .dense(m): return m.rows
            case let .classes(c, _): return c.count
            }
        }

        public var width: Int {
            switch self {
            case let .dense(m): return m.cols
            case let .classes(_, width): return width
            }
        }

        /// The steps as a dense matrix (one-hot rows for classes).
        public var matrix: Matrix {
            switch self {
            case let .dense(m): return m
            case let .classes(c, width):
                var m = Matrix(rows: c.count, cols: width)
                for (t, i) in c.enumerated() where i >= 0 { m[t, Int(i)] = 1 }
                return m
            }
        }

        /// Writes step t's row into `row` (width entries).
        @inline(__always) func write<F: RNNScalar>(step t: Int, into row: UnsafeMutablePointer<F>) {
            switch self {
            case let .dense(m):
                let w = m.cols
                m.storage.withUnsafeBufferPointer { s in for j in 0..<w { row[j] = F(s[t * w + j]) } }
            case let .classes(c, width):
                for j in 0..<width { row[j] = 0 }
                if c[t] >= 0 { row[Int(c[t])] = 1 }
            }
        }
    }

    public var inputSteps: Steps
    public var targetSteps: Steps
    /// Which target rows are real (`_` in a script marks a step without a
    /// target, whose row is a placeholder); nil: every row is a target.
    public var targetMask: [Bool]?

    public init(inputs: Matrix, targets: Matrix) {
        inputSteps = .dense(inputs)
        targetSteps = .dense(targets)
    }

    public init(inputs: Steps, targets: Steps) {
        inputSteps = inputs
        targetSteps = targets
    }

    /// T_in × n, one row per step.
    public var inputs: Matrix {
        get { inputSteps.matrix }
        set { inputSteps = .dense(newValue) }
    }

    /// T_out × k, one row per target; a class target is a one-hot row.
    public var targets: Matrix {
        get { targetSteps.matrix }
        set { targetSteps = .dense(newValue) }
    }

    public var inputCount: Int { inputSteps.count }
    public var targetCount: Int { targetSteps.count }

    /// The number of time steps T the model runs for.
    public func stepCount(_ placement: OutputPlacement) -> Int {
        switch placement {
        case .every: return max(inputCount, targetCount)
        case .last: return inputCount
        }
    }

    /// The target row for 0-based step `t`, if that step has one.
    public func targetIndex(atStep t: Int, _ placement: OutputPlacement) -> Int? {
        switch placement {
        case .every: return t < targetCount && hasTarget(row: t) ? t : nil
        case .last: return (t == inputCount - 1 && targetCount > 0 && hasTarget(row: 0)) ? 0 : nil
        }
    }

    /// Whether target row `j` is a real target (not a `_`).
    @inline(__always) public func hasTarget(row j: Int) -> Bool { targetMask.map { $0[j] } ?? true }

    /// The number of real targets (rows not marked `_`).
    public var realTargetCount: Int { targetMask.map { $0.filter { $0 }.count } ?? targetCount }
}
