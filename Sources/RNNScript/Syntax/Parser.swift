/// A recursive-descent parser. Each `parseX` function implements the grammar
/// production `x` of `grammar/rnnscript.ebnf` (`parseModelDeclaration` ↔
/// `model-declaration`). Errors are recorded and the parser resynchronises at
/// the next statement, so one run reports several errors.
///
/// This file holds the token access, errors and the statement dispatch; the
/// productions are in `Parser+Data.swift` (vocabularies, sequences, series,
/// datasets, literals), `Parser+Statements.swift` (models and every other
/// statement) and `Parser+Expressions.swift`.
public struct Parser {
    var tokens: [Token]
    var index = 0
    /// Brackets open around what is being parsed (see `openBracket(at:)`).
    var bracketDepth = 0
    /// Levels of an expression open around what is being parsed (see `enter(at:)`).
    var openLevels = 0
    public internal(set) var diagnostics: [Diagnostic]

    /// Brackets nested deeper than this (parentheses, a call's, an index's,
    /// a literal's) are an error: the parser recurses once per bracket.
    public static let nestingLimit = 48
    /// The deepest expression accepted (`Expression.depth`: operators, calls,
    /// indexing and parentheses each add a level). The checker and the
    /// interpreter walk expressions without recursion; what does recurse
    /// (freeing a tree, comparing two) stays far within a thread's stack.
    public static let expressionDepthLimit = 256

    public init(_ source: SourceFile) {
        var lexer = Lexer(source)
        self.tokens = lexer.tokenize()
        self.diagnostics = lexer.diagnostics
    }

    /// Parses a whole source; `diagnostics` holds every error found.
    public static func parse(_ source: SourceFile) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        var parser = Parser(source)
        let statements = parser.parseScript()
        return (statements, parser.diagnostics)
    }

    // MARK: - Token access

    var current: Token { tokens[index] }
    var previous: Token { tokens[max(index - 1, 0)] }

    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func check(_ kind: TokenKind) -> Bool { current.kind == kind }
    func check(_ keyword: Keyword) -> Bool { current.kind == .keyword(keyword) }

    mutating func match(_ kind: TokenKind) -> Bool {
        if check(kind) { advance(); return true }
        return false
    }

    mutating func match(_ keyword: Keyword) -> Bool { match(.keyword(keyword)) }

    /// An error at the current token; at the end of input it is marked so the
    /// REPL asks for another line instead of reporting it.
    func error(expected what: String) -> Diagnostic {
        if current.kind == .endOfInput {
            return Diagnostic(.unexpectedEndOfInput(expected: what), at: current.range, atEnd: true)
        }
        return Diagnostic(.expected(what, found: current.described), at: current.range)
    }

    @discardableResult
    mutating func expect(_ kind: TokenKind, _ what: String) throws -> Token {
        if check(kind) { return advance() }
        throw error(expected: what)
    }

    @discardableResult
    mutating func expect(_ keyword: Keyword, _ what: String? = nil) throws -> Token {
        try expect(.keyword(keyword), what ?? "'\(keyword.rawValue)'")
    }

    /// Whether the current token is the contextual word `word` (an identifier by its text).
    func check(_ word: ContextualWord) -> Bool {
        current.kind == .identifier && current.value == word.rawValue
    }

    mutating func match(_ word: ContextualWord) -> Bool {
        if check(word) { advance(); return true }
        return false
    }

    @discardableResult
    mutating func expect(_ word: ContextualWord, _ what: String? = nil) throws -> Token {
        if check(word) { return advance() }
        throw error(expected: what ?? "'\(word.rawValue)'")
    }

    mutating func parseIdentifier(_ what: String) throws -> Identifier {
        let token = try expect(.identifier, what)
        return Identifier(name: token.value, range: token.range)
    }

    /// Skips newlines when `keyword` follows them (a statement continued on the
    /// next line); otherwise leaves the position alone.
    mutating func matchAfterNewlines(_ keyword: Keyword) -> Bool {
        var look = index
        while tokens[look].kind == .newline && look < tokens.count - 1 { look += 1 }
        guard tokens[look].kind == .keyword(keyword) else { return false }
        index = look
        return true
    }

    mutating func skipNewlines() {
        while check(.newline) { advance() }
    }

    /// Opens a bracket: `(`, a call's `(`, an index's `[` or a literal's `[`.
    /// Balanced by `bracketDepth -= 1`.
    mutating func openBracket(at token: Token) throws {
        guard bracketDepth < Self.nestingLimit else {
            throw Diagnostic(.nestingTooDeep(limit: Self.nestingLimit), at: token.range)
        }
        bracketDepth += 1
    }

    /// Enters one level of an expression before parsing what it encloses (an
    /// operand of `-` or of a binary operator, parenthesised contents, a call's
    /// arguments, indices): the enclosed expression is at least one level
    /// deeper still, so the level that reaches the limit is an error at
    /// `token`, found before the parser recurses any further. Balanced by
    /// `openLevels -= 1`.
    mutating func enter(at token: Token) throws {
        guard openLevels + 1 < Self.expressionDepthLimit else {
            throw Diagnostic(.expressionTooDeep(limit: Self.expressionDepthLimit), at: token.range)
        }
        openLevels += 1
    }

    /// A new node, or an error at `token` (its operator or opening bracket) if
    /// it nests deeper than the limit: a left-nested chain like `1 + 1 + … + 1`
    /// grows one level per operator without the parser recursing.
    func bounded(_ expression: Expression, at token: Token) throws -> Expression {
        guard expression.depth > Self.expressionDepthLimit else { return expression }
        throw Diagnostic(.expressionTooDeep(limit: Self.expressionDepthLimit), at: token.range)
    }

    /// Records an error, unless it is about a token the lexer already reported
    /// (one mistake, one message).
    mutating func record(_ diagnostic: Diagnostic) {
        if current.kind == .invalid && diagnostic.range == current.range { return }
        diagnostics.append(diagnostic)
    }

    /// Skips to the start of the next statement: past the next newline outside braces.
    mutating func synchronize() {
        var braces = 0
        while current.kind != .endOfInput {
            switch current.kind {
            case .leftBrace: braces += 1
            case .rightBrace: braces = max(braces - 1, 0)
            case .newline where braces == 0:
                advance()
                return
            default: break
            }
            advance()
        }
    }

    /// The keywords that begin a statement (each has a `:help` topic).
    static let statementKeywords: Set<Keyword> = [
        .seed, .vocab, .sequence, .model, .set, .optimizer, .forward, .backward, .show,
        .gradcheck, .jacobian, .train, .expect, .save, .load, .precision, .series, .dataset, .split, .sample, .let,
        .flow, .decompose, .compare, .gates, .trace, .plot, .draw, .freeze, .unfreeze,
    ]

    // MARK: - script, statement

    /// script ::= (statement? (NEWLINE | ';'))* statement?
    public mutating func parseScript() -> [Statement] {
        var statements: [Statement] = []
        while true {
            while check(.newline) || check(.semicolon) { advance() }
            if check(.endOfInput) { break }
            let before = index
            openLevels = 0
            bracketDepth = 0
            do {
                let statement = try parseStatement()
                statements.append(statement)
                if !(check(.newline) || check(.semicolon) || check(.endOfInput)) {
                    throw error(expected: "end of line after the statement")
                }
            } catch let diagnostic as Diagnostic {
                record(diagnostic)
                synchronize()
            } catch {
                preconditionFailure("parser threw a non-diagnostic error")
            }
            // Guard against making no progress.
            if index == before { advance() }
        }
        return statements
    }

    /// statement ::= seed-statement | precision-statement | vocab-declaration | series-declaration
    ///             | sequence-declaration | dataset-declaration | split-statement | model-declaration
    ///             | set-statement | loss-declaration | optimizer-declaration | forward-statement
    ///             | backward-statement | show-statement | gradcheck-statement | jacobian-statement
    ///             | train-statement | sample-statement | expect-statement | save-statement
    ///             | load-statement | let-statement | flow-statement | decompose-statement
    ///             | compare-statement | gates-statement | trace-statement | plot-statement
    ///             | draw-statement | freeze-statement | expression
    mutating func parseStatement() throws -> Statement {
        let start = current.range.start
        let kind: Statement.Kind
        switch current.kind {
        case .keyword(.seed): kind = try parseSeedStatement()
        case .keyword(.precision): kind = try parsePrecisionStatement()
        case .keyword(.series): kind = try parseSeriesDeclaration()
        case .keyword(.dataset): kind = try parseDatasetDeclaration()
        case .keyword(.split): kind = try parseSplitStatement()
        case .keyword(.sample): kind = try parseSampleStatement()
        case .keyword(.let): kind = try parseLetStatement()
        case .keyword(.flow): kind = try parseFlowStatement()
        case .keyword(.decompose): kind = try parseDecomposeStatement()
        case .keyword(.compare): kind = try parseCompareStatement()
        case .keyword(.gates): kind = try parseGatesStatement()
        case .keyword(.trace): kind = try parseTraceStatement()
        case .keyword(.plot): kind = try parsePlotStatement()
        case .keyword(.draw): kind = try parseDrawStatement()
        case .keyword(.freeze), .keyword(.unfreeze): kind = try parseFreezeStatement()
        case .keyword(.vocab): kind = try parseVocabDeclaration()
        case .keyword(.sequence): kind = try parseSequenceDeclaration()
        case .keyword(.model): kind = try parseModelDeclaration()
        case .keyword(.set): kind = try parseSetStatement()
        case .keyword(.loss) where peek().kind == .identifier && peek(2).kind == .equals:
            kind = try parseLossDeclaration()
        case .keyword(.optimizer): kind = try parseOptimizerDeclaration()
        case .keyword(.forward): kind = try parseForwardStatement()
        case .keyword(.backward): kind = try parseBackwardStatement()
        case .keyword(.show): kind = try parseShowStatement()
        case .keyword(.gradcheck), .keyword(.jacobian):
            // `gradcheck M on S with L` or `jacobian M on S from T to K` alone is
            // the statement; followed by an operator or an index it was the start
            // of an expression.
            let begin = index
            kind = current.kind == .keyword(.gradcheck) ? try parseGradcheckStatement() : try parseJacobianStatement()
            if [.plus, .minus, .star, .slash, .at, .leftBracket].contains(current.kind) {
                index = begin
                return Statement(kind: .expression(try parseExpression()), range: SourceRange(start, previous.range.end))
            }
        case .keyword(.train): kind = try parseTrainStatement()
        case .keyword(.expect): kind = try parseExpectStatement()
        case .keyword(.save): kind = try parseSaveStatement()
        case .keyword(.load): kind = try parseLoadStatement()
        case .identifier, .integer, .number, .string, .character, .specialToken, .leftParen, .minus, .leftBracket,
             .keyword(.grad), .keyword(.loss), .keyword(.norm), .keyword(.predict):
            kind = .expression(try parseExpression())
        default:
            throw error(expected: "a statement")
        }
        return Statement(kind: kind, range: SourceRange(start, previous.range.end))
    }

    /// seed-statement ::= 'seed' INTEGER
    mutating func parseSeedStatement() throws -> Statement.Kind {
        try expect(.seed)
        return .seed(try parseInteger("a seed number"))
    }
}
