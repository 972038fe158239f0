import RNNRuntime

/// The analysis statements (jacobian, flow, decompose, gradcheck, trace)
/// cost far more than a forward pass: a Jacobian sweeps the sequence backwards
/// once per state unit, a gradient check runs the whole sequence several
/// times per parameter. At the largest model they would run for hours, so
/// each estimates its work before it starts and refuses, with the estimate
/// and what it is made of, what would take more than about a minute.
enum WorkLimit {
    /// Multiply-adds one analysis statement may estimate (about 10–60 s here).
    static let multiplyAdds = 2e10
    /// Elements of the Jacobians a statement keeps at once (t of them, each S × S).
    static let jacobianElements = Double(Checker.maxResultElements)

    /// Work of a forward pass over one step: every parameter is used about once.
    static func stepWork(_ c: ModelConfiguration) -> Double { Double(c.parameterCount) }

    /// ∂s_t/∂s_k for every k < t: one backward sweep of t steps per state unit.
    static func jacobians(_ c: ModelConfiguration, steps t: Int) -> (work: Double, elements: Double) {
        let S = Double(c.stateWidth)
        return (S * Double(t) * stepWork(c), Double(t) * S * S)
    }
}

extension Interpreter {
    /// Steps of a sequence as model `m` reads it.
    func steps(_ m: RNNModel, _ sequence: SequenceRef) -> Int {
        state.sequence(sequence).example.stepCount(m.configuration.outputs)
    }

    /// Throws (exit 70, at the statement) when `work` multiply-adds are more
    /// than one statement may do; `detail` says what the estimate is made of.
    func checkWork(_ statement: String, work: Double, detail: String, _ range: SourceRange) throws {
        guard work > WorkLimit.multiplyAdds else { return }
        throw Diagnostic(.workTooLarge(statement, estimate: work, detail: detail, limit: WorkLimit.multiplyAdds), at: range)
    }

    /// The same for the t Jacobians of a state of width S, in work and in memory.
    func checkJacobianWork(_ statement: String, _ m: RNNModel, steps t: Int, _ range: SourceRange) throws {
        let c = m.configuration
        let (work, elements) = WorkLimit.jacobians(c, steps: t)
        try checkWork(statement, work: work,
                      detail: "a backward sweep over \(t) steps for each of the \(c.stateWidth) state units, "
                          + "\(c.parameterCount) parameters per step", range)
        if elements > WorkLimit.jacobianElements {
            throw Diagnostic(.resultTooLarge("\(statement) would keep \(t) Jacobians of \(c.stateWidth)×\(c.stateWidth) "
                                                 + "(\(Int(elements)) elements)",
                                             limit: Checker.maxResultElements, whileRunning: true), at: range)
        }
    }
}
