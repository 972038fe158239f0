#if canImport(Glibc)
import Glibc
#endif
import RNNRuntime

extension Interpreter {
    /// The value of a checked expression. What the checker could not know (the
    /// steps of the last pass, the sizes behind a `let` in a script) is checked
    /// here, and a runtime diagnostic points at the sub-expression. The tree is
    /// walked with `Expression.fold`, without recursion.
    func evaluate(_ expression: Expression) throws -> Value {
        try expression.fold { node, operands in try value(of: node, operands) }
    }

    /// A node's value from its operands' values (in the order of `Expression.Kind.children`).
    private func value(of expression: Expression, _ operands: [Value]) throws -> Value {
        switch expression.kind {
        case .negate:
            return try negate(operands[0], expression.range)
        case let .binary(op, _, _):
            return try binary(op, operands[0], operands[1], expression.range)
        case let .call(name, _):
            return try call(name.name, operands, expression.range)
        case let .index(_, indices):
            // `:` has no operand.
            var rest = operands.dropFirst()
            let positions = indices.map { index in index.map { _ in rest.removeFirst() } }
            return try self.index(operands[0], positions, indices, expression.range)
        default:
            return try evaluateOperand(expression)
        }
    }

    /// The value of an expression that encloses no other: a number, a string
    /// or a leaf the checker resolved.
    private func evaluateOperand(_ expression: Expression) throws -> Value {
        let range = expression.range
        switch expression.kind {
        case let .number(x):
            return .number(x)
        case let .string(s):
            return .string(s)
        case let .resolved(operand):
            return try value(of: operand, range)
        case .symbol, .literal, .path, .gradient, .loss, .gradcheck, .jacobian, .predict:
            preconditionFailure("the interpreter evaluates checked expressions only")
        case .negate, .binary, .call, .index:
            preconditionFailure("evaluateOperand of an enclosing expression")
        }
    }

    private func value(of operand: ResolvedOperand, _ range: SourceRange) throws -> Value {
        switch operand {
        case let .matrix(m):
            return .matrix(m)
        case let .string(s):
            return .string(s)
        case let .sequenceMember(data, inputs):
            // One-hot steps become a matrix only here.
            return .matrix(inputs ? data.example.inputs : data.example.targets)
        case let .binding(binding):
            return state[binding]
        case let .model(model):
            return .model(model, state[model].model.configuration)
        case let .declaration(name, value):
            // A shuffled split's halves are drawn when the split runs: show what it drew.
            if case .dataset = value, case let .dataset(drawn)? = state.symbols[name] { return .declaration(name, .dataset(drawn)) }
            return .declaration(name, value)
        case let .parameter(model, parameter):
            return .matrix(state[model].model.parameters[parameter.index])
        case let .initialState(model, slot):
            let initial = state[model].model.initialState.storage
            return .matrix(Matrix(row: Array(initial[slot.offset..<(slot.offset + slot.width)])))
        case let .losses(model):
            guard let losses = state[model].lastLosses else {
                throw Diagnostic(.invalidOperation("model \(model.name) has not been trained yet; \(model.name).losses holds the epoch losses of its last train"), at: range)
            }
            return .matrix(Matrix(row: losses))
        case let .traceMember(model, member):
            guard let trace = state[model].lastTrace else { throw Diagnostic(.noForwardPass(model: model.name), at: range) }
            if member == "s" { return .matrix(trace.states) }
            if let last = member.split(separator: ".").last, last.hasPrefix("gate_") {
                // `layer2.gate_f` → the trace's `layer2.f`.
                let prefix = member.dropLast(last.count)
                return .matrix(trace.gates[String(prefix) + String(last.dropFirst(5))]!)
            }
            // Row t is step t; there is no output at t = 0.
            let source = member == "o" ? trace.logits : trace.outputs
            try requireBounded(source.rows + 1, source.cols, "\(model.name).\(member)", range)
            var m = Matrix(rows: source.rows + 1, cols: source.cols)
            for t in 0..<source.rows { for j in 0..<source.cols { m[t + 1, j] = source[t, j] } }
            return .matrix(m)
        case let .gradient(model, parameter):
            guard let gradients = state[model].gradients else { throw Diagnostic(.noGradients(model: model.name), at: range) }
            return .matrix(gradients[parameter.index])
        case let .loss(model, sequence, loss):
            return .number(state[model].model.batchLoss(state.sequences(sequence).map(\.example), loss: loss))
        case let .gradcheck(model, sequence, loss):
            return .number(state[model].model.gradientCheck(state.sequence(sequence).example, loss: loss).max() ?? 0)
        case let .jacobian(model, sequence, from, to):
            return .matrix(try stateJacobian(model, sequence, from: from, to: to, range))
        case let .predict(model, sequence):
            let m = state[model].model
            let texts = state.sequences(sequence).map { data in data.targetVocabulary!.text(predictedSymbols(m, data)) }
            return .string(texts.joined(separator: "\n"))
        }
    }

    /// A runtime error, before anything is allocated, when a rows×cols value
    /// would exceed `Checker.maxResultElements` (the checker reports the sizes it knows).
    private func requireBounded(_ rows: Int, _ cols: Int, _ what: String, _ range: SourceRange) throws {
        try Checker.requireBounded(rows, cols, what, at: range, whileRunning: true)
    }

    private func negate(_ operand: Value, _ range: SourceRange) throws -> Value {
        switch operand {
        case let .number(x): return .number(-x)
        case let .matrix(m):
            try requireBounded(m.rows, m.cols, "the negation", range)
            return .matrix(m.map { -$0 })
        case let other: throw Diagnostic(.invalidOperation("cannot negate \(other.kindDescription)"), at: range)
        }
    }

    private func matrixArgument(_ value: Value, _ function: String, _ range: SourceRange) throws -> Matrix {
        switch value {
        case let .matrix(m): return m
        case let .number(x): return Matrix(rows: 1, cols: 1, storage: [x])
        default: throw Diagnostic(.invalidOperation("\(function) needs a matrix or a number, got \(value.kindDescription)"), at: range)
        }
    }

    private func call(_ function: String, _ arguments: [Value], _ range: SourceRange) throws -> Value {
        if ExpressionFunction.named(function)?.result == .onehot { return try onehot(arguments, range) }
        let matrices = try arguments.map { try matrixArgument($0, function, range) }
        guard let f = ExpressionFunction.named(function) else { preconditionFailure("checked function \(function) missing") }
        let shapes = matrices.map { (rows: Optional($0.rows), cols: Optional($0.cols)) }
        if let problem = f.shapeProblem(shapes) ?? f.valueProblem(matrices) { throw Diagnostic(.invalidOperation(problem), at: range) }
        if f.result != .number, case let (rows?, cols?) = f.resultShape(shapes) {
            try requireBounded(rows, cols, "the value of \(function)", range)
        }
        if matrices.contains(where: { $0.count == 0 }) && f.needsElements {
            throw Diagnostic(.invalidOperation("\(function) of an empty matrix"), at: range)
        }
        return f(matrices, argumentIsNumber: arguments.count == 1 && arguments[0].type == .number)
    }

    /// ∂s_t/∂s_k of a model on a sequence (the `jacobian` statement's and expression's), its work checked first.
    func stateJacobian(_ model: ModelRef, _ sequence: SequenceRef, from t: Int, to k: Int, _ range: SourceRange) throws -> Matrix {
        let m = state[model].model
        try checkJacobianWork("jacobian \(model.name) on \(sequence.name)", m, steps: t, range)
        let trace = m.forward(state.sequence(sequence).example, loss: defaultLoss(for: m.configuration.readout))
        return m.stateJacobian(trace, from: t, to: k)
    }

    /// The one-hot row of a symbol over a vocabulary (the checker checked literal symbols).
    private func onehot(_ arguments: [Value], _ range: SourceRange) throws -> Value {
        guard case let .string(symbol) = arguments[0], case let .declaration(_, .vocabulary(vocabulary)) = arguments[1] else {
            throw Diagnostic(.invalidOperation("onehot takes a symbol and a vocabulary"), at: range)
        }
        guard let index = vocabulary.index(of: symbol) else {
            throw Diagnostic(.invalidOperation("'\(symbol)' is not a symbol of vocabulary \(vocabulary.name)"), at: range)
        }
        var row = Matrix(rows: 1, cols: vocabulary.count)
        row[0, index] = 1
        return .matrix(row)
    }

    private func binary(_ op: BinaryOperator, _ left: Value, _ right: Value, _ range: SourceRange) throws -> Value {
        func scalarOp(_ a: Double, _ b: Double) -> Double {
            switch op {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply, .matmul: return a * b
            case .divide: return a / b
            }
        }
        switch (left, right) {
        case let (.number(a), .number(b)):
            return .number(scalarOp(a, b))
        case let (.matrix(a), .number(b)) where op != .matmul:
            try requireBounded(a.rows, a.cols, "the result of '\(op.rawValue)'", range)
            return .matrix(a.map { scalarOp($0, b) })
        case let (.number(a), .matrix(b)) where op != .matmul:
            try requireBounded(b.rows, b.cols, "the result of '\(op.rawValue)'", range)
            return .matrix(b.map { scalarOp(a, $0) })
        case let (.matrix(a), .matrix(b)):
            if op == .matmul {
                guard a.cols == b.rows else {
                    throw Diagnostic(.invalidOperation("matrix product needs inner sizes to agree: \(a.rows)×\(a.cols) @ \(b.rows)×\(b.cols)"), at: range)
                }
                try requireBounded(a.rows, b.cols, "the matrix product", range)
                return .matrix(a.matmul(b))
            }
            guard a.cols == b.cols && (a.rows == b.rows || a.rows == 1 || b.rows == 1) else {
                throw Diagnostic(.invalidOperation("'\(op.rawValue)' needs equal shapes or a 1×n row and an r×n matrix: \(a.rows)×\(a.cols) and \(b.rows)×\(b.cols) (use @ for the matrix product)"), at: range)
            }
            let rows = max(a.rows, b.rows)
            try requireBounded(rows, a.cols, "the result of '\(op.rawValue)'", range)
            if a.rows == b.rows { return .matrix(a.zipWith(b, scalarOp)) }
            // A 1×n row applied to every row of the other side.
            var out = Matrix(rows: rows, cols: a.cols)
            for r in 0..<rows {
                for j in 0..<a.cols { out[r, j] = scalarOp(a[a.rows == 1 ? 0 : r, j], b[b.rows == 1 ? 0 : r, j]) }
            }
            return .matrix(out)
        default:
            throw Diagnostic(.invalidOperation("cannot apply '\(op.rawValue)' to \(left.kindDescription) and \(right.kindDescription)"), at: range)
        }
    }

    /// 0-based indexing: `m[i, j]` an element, `m[i]` and `m[i, :]` row i (1×c),
    /// `m[:, j]` column j. `positions` are the indices' values (nil is `:`).
    private func index(_ base: Value, _ positions: [Value?], _ indices: [Expression?], _ range: SourceRange) throws -> Value {
        guard case let .matrix(m) = base else {
            throw Diagnostic(.invalidOperation("cannot index \(base.kindDescription)"), at: range)
        }
        guard positions.count <= 2 else { throw Diagnostic(.invalidOperation("a matrix takes at most 2 indices"), at: range) }
        func position(_ k: Int, _ limit: Int, _ axis: String) throws -> Int? {
            guard let value = positions[k], let expression = indices[k] else { return nil }
            guard case let .number(x) = value, x == x.rounded() else {
                throw Diagnostic(.invalidOperation("an index must be a whole number"), at: expression.range)
            }
            guard x >= 0 && x < Double(limit) else {
                throw Diagnostic(.indexOutOfRange("\(axis) index \(NumberFormatting.roundTrip(x)) is out of range for a \(m.rows)×\(m.cols) matrix (0 to \(limit - 1))"),
                                 at: expression.range)
            }
            return Int(x)
        }
        if positions.count == 1 {
            guard let i = try position(0, m.rows, "row") else { return .matrix(m) }
            return .matrix(Matrix(row: m.row(i)))
        }
        let i = try position(0, m.rows, "row"), j = try position(1, m.cols, "column")
        switch (i, j) {
        case let (i?, j?): return .number(m[i, j])
        case let (i?, nil): return .matrix(Matrix(row: m.row(i)))
        case let (nil, j?): return .matrix(Matrix(rows: m.rows, cols: 1, storage: (0..<m.rows).map { m[$0, j] }))
        case (nil, nil): return .matrix(m)
        }
    }
}
