/// One sequence: its inputs per step and its targets.
///
/// With `outputs every`, target j belongs to step j; a sequence whose inputs are
/// shorter than its targets is fed zero inputs after its last input (vector to
/// sequence). With `outputs last` there is one target, after the last input.
public struct SequenceExample: Equatable, Sendable {
    /// T_in × n, one row per step.
    public var inputs: Matrix
    /// T_out × k, one row per target; a class target is a one-hot row.
    public var targets: Matrix

    public init(inputs: Matrix, targets: Matrix) {
        self.inputs = inputs
        self.targets = targets
    }

    /// The number of time steps T the model runs for.
    public func stepCount(_ placement: OutputPlacement) -> Int {
        switch placement {
        case .every: return max(inputs.rows, targets.rows)
        case .last: return inputs.rows
        }
    }

    /// The 0-based step that target `j` belongs to.
    public func targetStep(_ j: Int, _ placement: OutputPlacement) -> Int {
        placement == .every ? j : inputs.rows - 1
    }

    /// The target row for 0-based step `t`, if that step has one.
    public func targetIndex(atStep t: Int, _ placement: OutputPlacement) -> Int? {
        switch placement {
        case .every: return t < targets.rows ? t : nil
        case .last: return (t == inputs.rows - 1 && targets.rows > 0) ? 0 : nil
        }
    }
}
