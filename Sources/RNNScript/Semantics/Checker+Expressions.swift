import RNNRuntime

/// The functions of inspection expressions, with their arity.
public let expressionFunctions: [String: Int] = [
    "norm": 1, "spectral": 1, "max": 1, "min": 1, "mean": 1, "sum": 1, "shape": 1, "abs": 1, "transpose": 1,
    "log": 1, "exp": 1, "sqrt": 1,
]

/// Members a sequence exposes as matrices: `deep.inputs`, `deep.targets`.
let sequenceMembers = ["inputs", "targets"]



extension Checker {
    /// Resolves every name in an expression (with "did you mean" suggestions).
    /// Value shapes are checked when it is evaluated.
    func checkExpression(_ expression: Expression) throws {
        switch expression.kind {
        case .number, .string:
            break
        case let .literal(literal):
            _ = try matrix(from: literal, what: "the matrix")
        case let .path(path):
            try checkPath(path, allowWhole: true)
        case let .gradient(path):
            guard path.count == 2 else {
                throw Diagnostic(.expected("a parameter path like net.W after 'grad'", found: "'\(path.map(\.name).joined(separator: "."))'"),
                                 at: path[0].range.union(path[path.count - 1].range))
            }
            try checkPath(path, allowWhole: false, parametersOnly: true)
        case let .loss(model, sequence, loss):
            _ = try checkFit(model, sequence)
            _ = try lookupLoss(loss)
        case let .gradcheck(model, sequence, loss):
            _ = try lookupSequence(sequence)
            _ = try checkFit(model, sequence)
            _ = try lookupLoss(loss)
        case let .predict(model, sequence):
            let (_, sequences) = try checkFit(model, sequence)
            guard sequences.allSatisfy({ $0.targetVocabulary != nil }) else {
                throw Diagnostic(.invalidDeclaration("predict needs targets that are symbols of a vocabulary"), at: expression.range)
            }
        case let .call(name, arguments):
            guard let arity = expressionFunctions[name.name] else {
                throw Diagnostic(.unknownFunction(name.name, suggestion: closestMatch(to: name.name, in: expressionFunctions.keys.sorted())), at: name.range)
            }
            guard arguments.count == arity else {
                throw Diagnostic(.wrongArgumentCount(function: name.name, expected: arity == 1 ? "1 argument" : "\(arity) arguments", got: arguments.count),
                                 at: expression.range)
            }
            for argument in arguments { try checkExpression(argument) }
        case let .negate(operand):
            try checkExpression(operand)
        case let .binary(_, left, right):
            try checkExpression(left)
            try checkExpression(right)
        case let .index(base, indices):
            try checkExpression(base)
            for case let index? in indices { try checkExpression(index) }
        }
    }

    private func checkPath(_ path: [Identifier], allowWhole: Bool, parametersOnly: Bool = false) throws {
        let value = try lookup(path[0])
        if path.count == 1 { return }
        let member = memberName(path)
        let range = path[1].range.union(path[path.count - 1].range)
        switch value {
        case let .model(configuration):
            let names = parametersOnly ? configuration.parameterShapes.map(\.name) : configuration.memberNames + configuration.traceMemberNames
            guard names.contains(member) else {
                throw Diagnostic(.unknownParameter(model: path[0].name, member, suggestion: closestMatch(to: member, in: names)),
                                 at: range)
            }
        case .sequence, .series:
            guard sequenceMembers.contains(member) || (member == "values"), !parametersOnly else {
                throw Diagnostic(.expected("'inputs' or 'targets' after a sequence", found: "'\(member)'"), at: range)
            }
        default:
            throw Diagnostic(.expected("nothing after \(value.kindDescription) '\(path[0].name)'", found: "'.\(member)'"), at: range)
        }
    }
}
