import RNNRuntime

/// Members a sequence exposes as matrices: `deep.inputs`, `deep.targets`.
let sequenceMembers = ["inputs", "targets"]

/// An expression whose names the checker resolved (its leaves are
/// `Expression.Kind.resolved`), with its type.
public struct TypedExpression: Equatable, Sendable {
    public var type: ValueType
    public var expression: Expression
}

extension Checker {
    /// Resolves every name in an expression (with "did you mean" suggestions)
    /// and infers its type: a string in arithmetic, a declaration where a
    /// number belongs, shapes that cannot fit, a constant index out of range
    /// and a value larger than `maxResultElements` are errors here, before
    /// anything runs. What depends on earlier cells (the steps of the last
    /// forward pass) is checked again when the expression is evaluated.
    @discardableResult
    func checkExpression(_ expression: Expression) throws -> TypedExpression {
        try expression.fold(enter: checkBeforeOperands) { node, operands in try checked(node, operands) }
    }

    /// What is wrong with a node whatever its operands: an unknown function or
    /// a wrong number of arguments or indices (reported before the operands' errors).
    private func checkBeforeOperands(_ expression: Expression) throws {
        switch expression.kind {
        case let .call(name, arguments):
            try checkCall(name, arguments.count, expression.range)
        case let .index(_, indices) where indices.count > 2:
            throw invalid("a matrix takes at most 2 indices", expression.range)
        default:
            break
        }
    }

    /// A node's type from its operands' types (in the order of `Expression.Kind.children`),
    /// and the node rebuilt over its resolved operands.
    private func checked(_ expression: Expression, _ operands: [TypedExpression]) throws -> TypedExpression {
        let types = operands.map(\.type), children = operands.map(\.expression)
        func rebuilt(_ kind: Expression.Kind, _ type: ValueType) -> TypedExpression {
            TypedExpression(type: type, expression: Expression(kind: kind, range: expression.range, depth: expression.depth))
        }
        switch expression.kind {
        case .negate:
            return rebuilt(.negate(children[0]), try negationType(types[0], expression.range))
        case let .binary(op, _, _):
            return rebuilt(.binary(op, children[0], children[1]), try binaryType(op, types[0], types[1], expression.range))
        case let .call(name, arguments) where ExpressionFunction.named(name.name)?.result == .onehot:
            return rebuilt(.call(name, children), try onehotType(arguments, types, expression.range))
        case let .call(name, _):
            return rebuilt(.call(name, children), try callType(name.name, types, expression.range))
        case let .index(_, indices):
            for (index, type) in zip(indices.compactMap { $0 }, types.dropFirst()) { try checkIndexType(type, index) }
            var rest = children.dropFirst()
            let resolvedIndices = indices.map { index in index.map { _ in rest.removeFirst() } }
            return rebuilt(.index(children[0], resolvedIndices), try indexType(types[0], indices, expression.range))
        default:
            let (type, operand) = try checkedOperand(expression)
            return operand.map { rebuilt(.resolved($0), type) } ?? TypedExpression(type: type, expression: expression)
        }
    }

    private func invalid(_ detail: String, _ range: SourceRange) -> Diagnostic {
        Diagnostic(.invalidExpression(detail), at: range)
    }

    // MARK: - Leaves

    /// The type of an expression that encloses no other, and what it refers
    /// to (nil for a number or a string, which stay as they are).
    private func checkedOperand(_ expression: Expression) throws -> (ValueType, ResolvedOperand?) {
        switch expression.kind {
        case .number:
            return (.number, nil)
        case .string:
            return (.string, nil)
        case let .symbol(literal):
            return (.string, .string(literal.text))
        case let .literal(literal):
            let m = try matrix(from: literal, what: "the matrix")
            try Self.requireBounded(m.rows, m.cols, "the matrix", at: expression.range)
            return (.matrix(rows: m.rows, cols: m.cols), .matrix(m))
        case let .path(path):
            return try checkedPath(path)
        case let .gradient(path):
            guard path.count == 2 else {
                throw Diagnostic(.expected("a parameter path like net.W after 'grad'", found: "'\(path.map(\.name).joined(separator: "."))'"),
                                 at: path[0].range.union(path[path.count - 1].range))
            }
            let configuration = try lookupModel(path[0])
            let member = memberName(path)
            let names = configuration.parameterShapes.map(\.name)
            guard let index = configuration.parameterShapes.firstIndex(where: { $0.name == member }) else {
                throw Diagnostic(.unknownParameter(model: path[0].name, member, suggestion: closestMatch(to: member, in: names)),
                                 at: path[1].range)
            }
            let shape = configuration.parameterShapes[index]
            return (.matrix(rows: shape.rows, cols: shape.cols), .gradient(try modelRef(path[0]), ParameterRef(name: member, index: index)))
        case let .loss(model, sequence, loss):
            _ = try checkFit(model, sequence)
            return (.number, .loss(try modelRef(model), try resolve(sequence), try lookupLoss(loss)))
        case let .gradcheck(model, sequence, loss):
            _ = try lookupSequence(sequence)
            _ = try checkFit(model, sequence)
            return (.number, .gradcheck(try modelRef(model), try resolve(sequence), try lookupLoss(loss)))
        case let .jacobian(model, sequence, from, to):
            let (t, k) = try checkJacobianSteps(model, sequence, from, to)
            let S = try lookupModel(model).stateWidth
            try Self.requireBounded(S, S, "the Jacobian", at: expression.range)
            return (.matrix(rows: S, cols: S), .jacobian(try modelRef(model), try resolve(sequence), from: t, to: k))
        case let .predict(model, sequence):
            let (_, sequences) = try checkFit(model, sequence)
            guard sequences.allSatisfy({ $0.targetVocabulary != nil }) else {
                throw Diagnostic(.invalidDeclaration("predict needs targets that are symbols of a vocabulary"), at: expression.range)
            }
            return (.string, .predict(try modelRef(model), try resolve(sequence)))
        case .resolved:
            preconditionFailure("an expression is checked once")
        case .negate, .binary, .call, .index:
            preconditionFailure("checkedOperand of an enclosing expression")
        }
    }

    /// A name, or a member of a model, a sequence or a series.
    private func checkedPath(_ path: [Identifier]) throws -> (ValueType, ResolvedOperand) {
        let value = try lookup(path[0])
        let name = path[0].name
        if path.count == 1 {
            switch value {
            case let .value(type): return (type, .binding(BindingRef(name: name, slot: symbols.slot(of: name)!)))
            case .model: return (.declaration(value.kindDescription), .model(try modelRef(path[0])))
            default: return (.declaration(value.kindDescription), .declaration(name, value))
            }
        }
        let member = memberName(path)
        let range = path[1].range.union(path[path.count - 1].range)
        switch value {
        case let .model(configuration):
            let model = try modelRef(path[0])
            if let index = configuration.parameterShapes.firstIndex(where: { $0.name == member }) {
                let shape = configuration.parameterShapes[index]
                return (.matrix(rows: shape.rows, cols: shape.cols), .parameter(model, ParameterRef(name: member, index: index)))
            }
            if let slot = configuration.stateSlots.first(where: { $0.name == member }) {
                return (.matrix(rows: 1, cols: slot.width), .initialState(model, slot))
            }
            // The last pass's values have a row per step, known only when it has run.
            switch member {
            case "losses": return (.matrix(rows: 1, cols: nil), .losses(model))
            case "s": return (.matrix(rows: nil, cols: configuration.stateWidth), .traceMember(model, member))
            case "o", "y": return (.matrix(rows: nil, cols: configuration.outputSize), .traceMember(model, member))
            case _ where configuration.traceMemberNames.contains(member):
                // `gate_f` or `layerL.gate_f`: that layer's width.
                let layer = member.hasPrefix("layer") ? (Int(member.dropFirst(5).prefix { $0.isNumber }) ?? 1) - 1 : configuration.layers - 1
                return (.matrix(rows: nil, cols: configuration.hidden(layer: layer)), .traceMember(model, member))
            default:
                let names = configuration.memberNames + configuration.traceMemberNames
                throw Diagnostic(.unknownParameter(model: name, member, suggestion: closestMatch(to: member, in: names)), at: range)
            }
        case let .sequence(data):
            guard sequenceMembers.contains(member) else {
                throw Diagnostic(.expected("'inputs' or 'targets' after a sequence", found: "'\(member)'"), at: range)
            }
            let inputs = member == "inputs"
            let (rows, cols) = inputs ? (data.example.inputCount, data.inputWidth) : (data.example.targetCount, data.targetWidth)
            try Self.requireBounded(rows, cols, "\(name).\(member)", at: range)
            return (.matrix(rows: rows, cols: cols), .sequenceMember(data, inputs: inputs))
        case let .series(series):
            guard member == "values" else {
                throw Diagnostic(.expected("'values' after a series", found: "'\(member)'"), at: range)
            }
            return (.matrix(rows: series.values.rows, cols: 1), .matrix(series.values))
        default:
            throw Diagnostic(.expected("nothing after \(value.kindDescription) '\(name)'", found: "'.\(member)'"), at: range)
        }
    }

    // MARK: - Operators and functions

    private func negationType(_ operand: ValueType, _ range: SourceRange) throws -> ValueType {
        guard operand.isNumeric else { throw invalid("cannot negate \(operand.description)", range) }
        return operand
    }

    /// Numbers combine with numbers and broadcast over matrices; `@` needs
    /// inner sizes that agree, the other operators equal shapes or a 1×n row
    /// with an r×n matrix (the row is applied to every row).
    private func binaryType(_ op: BinaryOperator, _ left: ValueType, _ right: ValueType, _ range: SourceRange) throws -> ValueType {
        switch (left, right) {
        case (.number, .number):
            return .number
        case (.matrix, .number) where op != .matmul:
            return left
        case (.number, .matrix) where op != .matmul:
            return right
        case let (.matrix(r1, c1), .matrix(r2, c2)) where op == .matmul:
            if let c1, let r2, c1 != r2 {
                let shapes = r1 != nil && c2 != nil ? "\(r1!)×\(c1) @ \(r2)×\(c2!)" : "the left has \(c1) columns, the right \(r2) rows"
                throw invalid("matrix product needs inner sizes to agree: \(shapes)", range)
            }
            if let r1, let c2 { try Self.requireBounded(r1, c2, "the matrix product", at: range) }
            return .matrix(rows: r1, cols: c2)
        case let (.matrix(r1, c1), .matrix(r2, c2)):
            // Equal shapes, or a 1×n row broadcast over the rows of an r×n matrix.
            let rowsFit = r1 == nil || r2 == nil || r1 == r2 || r1 == 1 || r2 == 1
            if let r1, let r2, let c1, let c2, !rowsFit || c1 != c2 {
                throw invalid("'\(op.rawValue)' needs equal shapes or a 1×n row and an r×n matrix: \(r1)×\(c1) and \(r2)×\(c2) (use @ for the matrix product)", range)
            }
            if let r1, let r2, !rowsFit {
                throw invalid("'\(op.rawValue)' needs equal shapes: the left has \(r1) rows, the right \(r2)", range)
            }
            if let c1, let c2, c1 != c2 {
                throw invalid("'\(op.rawValue)' needs equal shapes: the left has \(c1) columns, the right \(c2) (use @ for the matrix product)", range)
            }
            let rows: Int? = r1 == 1 ? r2 : (r2 == 1 ? r1 : (r1 ?? r2))
            return .matrix(rows: rows, cols: c1 ?? c2)
        default:
            throw invalid("cannot apply '\(op.rawValue)' to \(left.description) and \(right.description)", range)
        }
    }

    /// The function exists and has its number of arguments.
    private func checkCall(_ name: Identifier, _ count: Int, _ range: SourceRange) throws {
        guard let arity = ExpressionFunction.named(name.name)?.arity else {
            throw Diagnostic(.unknownFunction(name.name, suggestion: closestMatch(to: name.name, in: ExpressionFunction.all.map(\.name).sorted())),
                             at: name.range)
        }
        guard count == arity else {
            throw Diagnostic(.wrongArgumentCount(function: name.name, expected: arity == 1 ? "1 argument" : "\(arity) arguments", got: count),
                             at: range)
        }
    }

    private func callType(_ function: String, _ arguments: [ValueType], _ range: SourceRange) throws -> ValueType {
        let f = ExpressionFunction.named(function)!
        let shapes = try arguments.map { argument -> (rows: Int?, cols: Int?) in
            switch argument {
            case .number: return (1, 1)  // a number is a 1×1 matrix to the functions
            case let .matrix(rows, cols): return (rows, cols)
            default: throw invalid("\(function) needs a matrix or a number, got \(argument.description)", range)
            }
        }
        if let problem = f.shapeProblem(shapes) { throw invalid(problem, range) }
        if f.result == .number || (arguments == [.number] && f.result == .elementwise) { return .number }
        let (rows, cols) = f.resultShape(shapes)
        if let rows, let cols { try Self.requireBounded(rows, cols, "the value of \(function)", at: range) }
        return .matrix(rows: rows, cols: cols)
    }

    /// onehot(SYMBOL, VOCAB): a symbol (or a string) and a vocabulary's name; a
    /// literal symbol must be one of the vocabulary's.
    private func onehotType(_ arguments: [Expression], _ operands: [ValueType], _ range: SourceRange) throws -> ValueType {
        guard operands[0] == .string else {
            throw invalid("onehot's first argument is a symbol like 'e' or <stop>, got \(operands[0].description)", arguments[0].range)
        }
        guard case let .path(path) = arguments[1].kind, path.count == 1 else {
            throw invalid("onehot's second argument is the name of a vocabulary", arguments[1].range)
        }
        let vocabulary = try lookupVocabulary(path[0])
        var text: String?
        if case let .symbol(literal) = arguments[0].kind { text = literal.text }
        if case let .string(value) = arguments[0].kind { text = value }
        if let text, vocabulary.index(of: text) == nil {
            let choices = vocabulary.symbols.indices.map(vocabulary.quoted).joined(separator: ", ")
            throw invalid("'\(text)' is not a symbol of vocabulary \(vocabulary.name) (\(choices))", arguments[0].range)
        }
        return .matrix(rows: 1, cols: vocabulary.count)
    }

    // MARK: - Indexing

    /// An index is a number; a constant one must be whole.
    private func checkIndexType(_ type: ValueType, _ index: Expression) throws {
        guard type == .number else { throw invalid("an index must be a whole number, this is \(type.description)", index.range) }
        if let x = Self.constant(index), x != x.rounded() {
            throw invalid("an index must be a whole number, this is \(NumberFormatting.roundTrip(x))", index.range)
        }
    }

    /// 0-based: `m[i, j]` a number, `m[i]` and `m[i, :]` row i (1×c), `m[:, j]`
    /// column j (r×1); a constant index is checked against a known size.
    private func indexType(_ base: ValueType, _ indices: [Expression?], _ range: SourceRange) throws -> ValueType {
        guard case let .matrix(rows, cols) = base else { throw invalid("cannot index \(base.description)", range) }
        func checkRange(_ index: Expression?, _ limit: Int?, _ axis: String) throws {
            guard let index, let limit, let x = Self.constant(index) else { return }
            guard x >= 0 && x < Double(limit) else {
                throw invalid("\(axis) index \(NumberFormatting.roundTrip(x)) is out of range for \(base.description) (0 to \(limit - 1))", index.range)
            }
        }
        try checkRange(indices[0], rows, "row")
        if indices.count == 2 { try checkRange(indices[1], cols, "column") }
        switch (indices.count == 2 ? (indices[0] != nil, indices[1] != nil) : (indices[0] != nil, false)) {
        case (true, true): return .number
        case (true, false): return .matrix(rows: 1, cols: cols)
        case (false, true): return .matrix(rows: rows, cols: 1)
        case (false, false): return base
        }
    }

    /// The value of a number written in the script (`3`, `-1`, `(2)`), if the index is one.
    private static func constant(_ expression: Expression) -> Double? {
        switch expression.kind {
        case let .number(x): return x
        case let .negate(operand):
            if case let .number(x) = operand.kind { return -x }
            return nil
        default: return nil
        }
    }

    // MARK: - Sizes

    /// The number of elements of a rows×cols value, nil when it overflows `Int`.
    static func elementCount(_ rows: Int, _ cols: Int) -> Int? {
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        return overflow ? nil : count
    }

    /// An error, before anything is allocated, when a rows×cols value would be
    /// larger than `maxResultElements`: in the checker when the shapes are
    /// known, while running (`whileRunning`, exit 70) when they were not.
    static func requireBounded(_ rows: Int, _ cols: Int, _ what: String, at range: SourceRange, whileRunning: Bool = false) throws {
        let count = elementCount(rows, cols)
        if let count, count <= maxResultElements { return }
        let elements = count.map { "\($0) elements" } ?? "more than \(Int.max) elements"
        throw Diagnostic(.resultTooLarge("\(what) would be \(rows)×\(cols) (\(elements))", limit: maxResultElements, whileRunning: whileRunning),
                         at: range)
    }

    // MARK: - Statements that use values

    /// `expect A op B`: numbers with numbers, strings with strings (`==` only),
    /// a matrix with a number (every element) or with a matrix of its shape.
    func checkComparison(_ left: ValueType, _ op: ComparisonOperator, _ right: ValueType, _ range: SourceRange) throws {
        switch (left, right) {
        case (.number, .number), (.matrix, .number):
            return
        case (.string, .string):
            guard op == .equal else { throw invalid("strings can only be compared with ==", range) }
        case let (.matrix(r1, c1), .matrix(r2, c2)):
            if let r1, let r2, r1 != r2 { throw invalid("cannot compare \(left.description) with \(right.description)", range) }
            if let c1, let c2, c1 != c2 { throw invalid("cannot compare \(left.description) with \(right.description)", range) }
        default:
            throw invalid("cannot compare \(left.description) with \(right.description)", range)
        }
    }

    /// `plot Y1, Y2 against X`: vectors (a number is one point) of one length,
    /// where the lengths are known.
    func checkCurves(_ curves: [Expression], _ against: Expression?) throws -> CheckedStatement {
        var length: (count: Int, of: Expression)?
        func vector(_ expression: Expression) throws -> Expression {
            let checked = try checkExpression(expression)
            let count: Int?
            switch checked.type {
            case .number: count = 1
            case let .matrix(rows, cols) where rows == 1 || cols == 1: count = rows == 1 ? cols : rows
            case let .matrix(rows?, cols?): throw invalid("plot … against draws vectors; this is a \(rows)×\(cols) matrix", expression.range)
            case .matrix: count = nil
            default: throw invalid("plot needs numbers: a vector draws a curve; this is \(checked.type.description)", expression.range)
            }
            if let count {
                if let length, length.count != count {
                    throw invalid("every curve needs as many values as \(length.of.range == against?.range ? "the x values" : "the first") (\(length.count)); this has \(count)", expression.range)
                }
                if length == nil { length = (count, expression) }
            }
            return checked.expression
        }
        let x = try against.map(vector)
        return .plotCurves(try curves.map(vector), against: x)
    }

    /// `plot EXPR`: a number or a matrix.
    func checkPlot(_ type: ValueType, _ range: SourceRange) throws {
        guard type.isNumeric else {
            throw invalid("plot needs numbers: a vector draws a line, a matrix a heat map; this is \(type.description)", range)
        }
    }
}
