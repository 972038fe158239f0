/// The syntax tree a parser produces: what the script says, with source
/// ranges, before any name is resolved or shape checked.

public struct Identifier: Equatable, Sendable {
    public var name: String
    public var range: SourceRange
}

/// A number as written, with its range (`-0.5` includes the sign).
public struct NumberLiteral: Equatable, Sendable {
    public var value: Double
    public var text: String
    public var range: SourceRange
    public var isInteger: Bool
}

public struct StringLiteral: Equatable, Sendable {
    public var value: String
    public var range: SourceRange
}

/// An item of a vocabulary or a class target: `'c'`, `"word"` or `<token>`.
public struct SymbolLiteral: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case character, word, token }
    public var kind: Kind
    public var text: String
    public var range: SourceRange
}

/// A bracketed literal: numbers, symbols and nested lists.
public indirect enum Literal: Equatable, Sendable {
    case number(NumberLiteral)
    case symbol(SymbolLiteral)
    case list([Literal], SourceRange)

    public var range: SourceRange {
        switch self {
        case let .number(n): return n.range
        case let .symbol(s): return s.range
        case let .list(_, r): return r
        }
    }
}

public struct Expression: Equatable, Sendable {
    public indirect enum Kind: Equatable, Sendable {
        case number(Double)
        case string(String)
        /// `net`, `net.W`, `net.layer2.U_f`.
        case path([Identifier])
        /// `grad net.W`.
        case gradient([Identifier])
        /// `loss net on deep with xent`.
        case loss(model: Identifier, sequence: Identifier, loss: Identifier)
        case call(Identifier, [Expression])
        case negate(Expression)
        case binary(BinaryOperator, Expression, Expression)
        /// `x[i]`, `x[i, j]`, `x[:, j]` (nil is `:`).
        case index(Expression, [Expression?])
        case literal(Literal)
    }
    public var kind: Kind
    public var range: SourceRange
}

public enum BinaryOperator: String, Equatable, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", matmul = "@"
}

public enum ComparisonOperator: String, Equatable, Sendable, CaseIterable {
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">=", equal = "=="
}

public struct ModelEntry: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case integer(NumberLiteral)
        case name(Identifier)
        case flag(Bool)
        case placement(String)
        case initializer(Identifier, [NumberLiteral])
    }
    public var key: Identifier
    public var value: Value
    public var range: SourceRange
}

public struct OptimizerEntry: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case number(NumberLiteral)
        case flag(Bool)
    }
    public var key: Identifier
    public var value: Value
    public var range: SourceRange
}

/// `truncate K` or `truncate K window`.
public struct TruncationClause: Equatable, Sendable {
    public var steps: NumberLiteral
    public var isWindow: Bool
    public var range: SourceRange
}

public enum TrainOption: Equatable, Sendable {
    case truncate(TruncationClause)
    case clipValue(NumberLiteral, SourceRange)
    case clipNorm(NumberLiteral, SourceRange)
    case reportEvery(NumberLiteral, SourceRange)
}

public struct Statement: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case seed(NumberLiteral)
        case vocabulary(Identifier, [SymbolLiteral])
        case textSequence(Identifier, text: StringLiteral, vocabulary: Identifier)
        case literalSequence(Identifier, inputs: Literal, targets: Literal, vocabulary: Identifier?)
        case model(Identifier, cell: Identifier, entries: [ModelEntry], blockRange: SourceRange)
        case set(path: [Identifier], value: Literal)
        case loss(Identifier, kind: Identifier)
        case optimizer(Identifier, kind: Identifier, entries: [OptimizerEntry])
        case forward(model: Identifier, sequence: Identifier)
        case backward(model: Identifier, sequence: Identifier, loss: Identifier, truncation: TruncationClause?)
        case show(Expression)
        case gradcheck(model: Identifier, sequence: Identifier, loss: Identifier)
        case jacobian(model: Identifier, sequence: Identifier, from: NumberLiteral, to: NumberLiteral)
        case train(model: Identifier, sequence: Identifier, loss: Identifier, optimizer: Identifier,
                   epochs: NumberLiteral, options: [TrainOption])
        case expect(Expression, ComparisonOperator, Expression, tolerance: NumberLiteral?)
        case save(model: Identifier, path: StringLiteral)
        case load(model: Identifier, path: StringLiteral)
        /// A bare expression: its value is shown.
        case expression(Expression)
    }
    public var kind: Kind
    public var range: SourceRange
}
