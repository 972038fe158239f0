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
/// Not `indirect`: a list holds its items in an array already, and a number
/// stored inline saves a heap object per item of a large literal.
public enum Literal: Equatable, Sendable {
    case number(NumberLiteral)
    case symbol(SymbolLiteral)
    case list([Literal], SourceRange)
    /// `_`: a step without a target (in a sequence's targets only).
    case blank(SourceRange)

    public var isBlank: Bool { if case .blank = self { return true } else { return false } }

    public var range: SourceRange {
        switch self {
        case let .number(n): return n.range
        case let .symbol(s): return s.range
        case let .list(_, r): return r
        case let .blank(r): return r
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
        /// `predict net on deep`: the greedy prediction at every step with a target, as text.
        case predict(model: Identifier, sequence: Identifier)
        /// `gradcheck net on deep with xent`: the largest relative error over all parameters.
        case gradcheck(model: Identifier, sequence: Identifier, loss: Identifier)
        /// A symbol in an expression: `'e'`, `<stop>` (its text; a word is a STRING).
        case symbol(SymbolLiteral)
        /// `jacobian net on deep from 4 to 1`: ∂s_4/∂s_1 as a matrix (J[i][m] = ∂s_4[i]/∂s_1[m]).
        case jacobian(model: Identifier, sequence: Identifier, from: NumberLiteral, to: NumberLiteral)
        case call(Identifier, [Expression])
        case negate(Expression)
        case binary(BinaryOperator, Expression, Expression)
        /// `x[i]`, `x[i, j]`, `x[:, j]` (nil is `:`).
        case index(Expression, [Expression?])
        case literal(Literal)
        /// A leaf as the checker resolved it (the parser never makes one): the
        /// interpreter evaluates only resolved leaves, numbers and strings.
        case resolved(ResolvedOperand)
    }
    public let kind: Kind
    public let range: SourceRange
    /// How many levels the expression nests, as written: 1 for a number or a
    /// name, one more for each operator, call, index or pair of parentheses
    /// around it (`-(a + b)` is 4). The parser rejects an expression deeper
    /// than `Parser.expressionDepthLimit`, so everything that walks the tree
    /// recursively stays within a thread's stack.
    public let depth: Int

    /// An expression whose depth follows from its parts.
    public init(kind: Kind, range: SourceRange) {
        self.init(kind: kind, range: range, depth: 1 + kind.children.reduce(0) { max($0, $1.depth) })
    }

    /// `depth` given: a parenthesised expression is one level deeper than its contents.
    init(kind: Kind, range: SourceRange, depth: Int) {
        self.kind = kind
        self.range = range
        self.depth = depth
    }
}

extension Expression {
    /// Computes a result for every node, children before their parent, with
    /// stacks on the heap instead of recursion: an expression's depth costs
    /// memory, never the thread's stack (the checker and the interpreter walk
    /// expressions this way). `enter` sees each node before its children, to
    /// reject it early; `combine` gets a node and its children's results, in
    /// the order of `Kind.children`.
    func fold<Result>(enter: (Expression) throws -> Void = { _ in },
                      _ combine: (Expression, [Result]) throws -> Result) rethrows -> Result {
        var pending: [(node: Expression, childrenDone: Bool)] = [(self, false)]
        var results: [Result] = []
        while let (node, childrenDone) = pending.popLast() {
            let children = node.kind.children
            if !childrenDone {
                try enter(node)
                if !children.isEmpty {
                    pending.append((node, true))
                    for child in children.reversed() { pending.append((child, false)) }
                    continue
                }
            }
            let operands = Array(results[(results.count - children.count)...])
            results.removeLast(children.count)
            results.append(try combine(node, operands))
        }
        return results[0]
    }
}

extension Expression.Kind {
    /// The sub-expressions, in evaluation order.
    var children: [Expression] {
        switch self {
        case .number, .string, .symbol, .path, .gradient, .loss, .predict, .gradcheck, .jacobian, .literal, .resolved: return []
        case let .call(_, arguments): return arguments
        case let .negate(operand): return [operand]
        case let .binary(_, left, right): return [left, right]
        case let .index(base, indices): return [base] + indices.compactMap { $0 }
        }
    }
}

/// Which picture `draw` makes: the folded network, the network unrolled over
/// a sequence's steps, or the inside of one cell.
public enum DrawView: Equatable, Sendable {
    case folded
    case unrolled(Identifier)
    case cell
}

public enum BinaryOperator: String, Equatable, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", matmul = "@"
}

public enum ComparisonOperator: String, Equatable, Sendable, CaseIterable {
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">=", equal = "=="

    /// Whether `a op b` holds; `==` without a tolerance allows a relative 1e-9:
    ///
    ///     a == b  ⇔  |a − b| ≤ tol,   tol = `within` or 1e-9 · max(1, |b|)
    ///
    /// Infinities are equal only to the same infinity (their difference would
    /// be NaN, and a tolerance scaled by |b| = ∞ would accept anything); NaN is
    /// equal to nothing, itself included, and every ordering with NaN is false.
    public func holds(_ a: Double, _ b: Double, tolerance: Double?) -> Bool {
        // An inequality within t allows b's side t of slack: a < b within t holds when a < b + t.
        let slack = tolerance ?? 0
        switch self {
        case .less: return a < b + slack
        case .lessEqual: return a <= b + slack
        case .greater: return a > b - slack
        case .greaterEqual: return a >= b - slack
        case .equal:
            if a == b { return true }
            guard a.isFinite && b.isFinite else { return false }
            return abs(a - b) <= (tolerance ?? 1e-9 * max(1, abs(b)))
        }
    }
}

public struct ModelEntry: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case integer(NumberLiteral)
        /// `input words`: the size of a vocabulary.
        case vocabularySize(Identifier)
        case name(Identifier)
        case flag(Bool)
        case placement(String)
        case initializer(Identifier, [NumberLiteral])
        /// `hidden [20, 20, 1]`: one width per layer.
        case integers([NumberLiteral], SourceRange)
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
    /// `batch B`: sequences per update.
    case batch(NumberLiteral, SourceRange)
    /// `shuffle`: a new order every epoch.
    case shuffle(SourceRange)
    /// `validate on D`: the held-out loss after every epoch.
    case validate(Identifier, SourceRange)
    /// `log`: a record of every update (gradient norms, clipped elements).
    case log(SourceRange)
}

/// Where a text comes from: a literal, or a file (read at check time).
public enum TextSource: Equatable, Sendable {
    case literal(StringLiteral)
    case file(StringLiteral)
}

/// What the targets of a text sequence are.
public enum TextTarget: Equatable, Sendable {
    /// The next symbol.
    case next
    /// One tag per symbol, over a second vocabulary: `tagged "DET NOUN" over tags`.
    case tagged(StringLiteral, Identifier)
    /// One label for the whole sequence (`outputs last`): `labelled "pos" over sentiment`.
    case labelled(SymbolLiteral, Identifier)
}

/// What each line of a file becomes in `dataset d = lines of "f" over V …`.
public enum LinesTarget: Equatable, Sendable {
    case next
    /// `word/TAG word/TAG …`, tags over the vocabulary.
    case tagged(Identifier)
    /// `LABEL word word …`, the label over the vocabulary.
    case labelled(Identifier)
    /// `SOURCE<TAB>TARGET`: read the source, then answer with the target (delayed many-to-many).
    case paired
}

public enum SeriesSource: Equatable, Sendable {
    case list(Literal)
    /// Numbers separated by white space.
    case file(StringLiteral)
    /// One column of a CSV file, by header name or 1-based index.
    case csv(StringLiteral, column: ColumnReference)
}

public enum ColumnReference: Equatable, Sendable {
    case name(StringLiteral)
    case index(NumberLiteral)
}

public enum DatasetSource: Equatable, Sendable {
    /// Declared sequences.
    case list([Identifier])
    /// Sliding windows over a series: `size` steps of inputs, the next value as target.
    case windows(Identifier, size: NumberLiteral)
    /// One sequence per non-empty line of a file.
    case lines(StringLiteral, vocabulary: Identifier, target: LinesTarget)
    /// A file's text cut into N consecutive parts of equal length, to train as
    /// N parallel streams (`batch N`): the char-rnn way of batching one text.
    case parts(NumberLiteral, StringLiteral, vocabulary: Identifier)
}

/// `chars of "f"`, `words of tagged "f"`, … with extra symbols.
public struct DerivedVocabulary: Equatable, Sendable {
    public enum Unit: String, Equatable, Sendable { case chars, words, tags, labels }
    public enum Format: String, Equatable, Sendable { case plain, tagged, labelled }
    public var unit: Unit
    public var format: Format
    public var path: StringLiteral
    public var extra: [SymbolLiteral]
}

/// The options of `sample`.
public struct SampleOptions: Equatable, Sendable {
    public var length: NumberLiteral?
    public var until: SymbolLiteral?
    public var temperature: NumberLiteral?
}

public struct Statement: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case seed(NumberLiteral)
        case precision(Identifier)
        case vocabulary(Identifier, [SymbolLiteral])
        case derivedVocabulary(Identifier, DerivedVocabulary)
        case series(Identifier, SeriesSource, normalized: Bool)
        case textSequence(Identifier, text: TextSource, vocabulary: Identifier, target: TextTarget)
        case seriesSequence(Identifier, series: Identifier)
        case dataset(Identifier, DatasetSource)
        case split(source: Identifier, first: Identifier, second: Identifier, fraction: NumberLiteral, shuffled: Bool)
        case sample(model: Identifier, vocabulary: Identifier, prime: StringLiteral, options: SampleOptions)
        case literalSequence(Identifier, inputs: Literal, targets: Literal, vocabulary: Identifier?)
        case model(Identifier, cell: Identifier, entries: [ModelEntry], blockRange: SourceRange)
        case set(path: [Identifier], value: Literal)
        case loss(Identifier, kind: Identifier)
        case optimizer(Identifier, kind: Identifier, entries: [OptimizerEntry])
        /// Without a loss, the readout's natural one.
        case forward(model: Identifier, sequence: Identifier, loss: Identifier?)
        case backward(model: Identifier, sequence: Identifier, loss: Identifier, truncation: TruncationClause?)
        case show(Expression)
        case gradcheck(model: Identifier, sequence: Identifier, loss: Identifier)
        case jacobian(model: Identifier, sequence: Identifier, from: NumberLiteral, to: NumberLiteral)
        case train(model: Identifier, sequence: Identifier, loss: Identifier, optimizer: Identifier,
                   epochs: NumberLiteral, options: [TrainOption])
        case expect(Expression, ComparisonOperator, Expression, tolerance: NumberLiteral?)
        case save(model: Identifier, path: StringLiteral)
        case load(model: Identifier, path: StringLiteral)
        /// `flow M on S`: ‖∂s_T/∂s_k‖₂ for every k, next to the lecture's bound.
        case flow(model: Identifier, sequence: Identifier)
        /// `decompose M on S with L (at T)? for P`: the lecture's terms of ∂L_T/∂P, or the split over t.
        case decompose(model: Identifier, sequence: Identifier, loss: Identifier, at: NumberLiteral?, parameter: Identifier)
        /// `compare M on S with L truncate K (window)`: full minus truncated gradients.
        case compare(model: Identifier, sequence: Identifier, loss: Identifier, truncation: TruncationClause)
        /// `gates M on S`: every gate's activations per step.
        case gates(model: Identifier, sequence: Identifier)
        /// `trace M on S with L (to "FILE")`: every quantity of a forward and backward pass.
        case trace(model: Identifier, sequence: Identifier, loss: Identifier, path: StringLiteral?)
        /// `plot EXPR`: a line for a vector, a heat map for a matrix;
        /// `plot Y1, Y2 against X`: curves over the values of X.
        case plot([Expression], against: Expression?)
        /// `freeze M.P` / `unfreeze M.P`: whether `train` changes parameter P.
        case freeze(path: [Identifier], frozen: Bool)
        /// `draw M`, `draw M on S`, `draw M cell`: a picture of the network.
        case draw(model: Identifier, view: DrawView)
        /// `let NAME = EXPR`: a value computed once and named.
        case binding(Identifier, Expression)
        /// A bare expression: its value is shown.
        case expression(Expression)
    }
    public var kind: Kind
    public var range: SourceRange
}
