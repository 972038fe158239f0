/// A recursive-descent parser. Each `parseX` function implements the grammar
/// production `x` of `grammar/rnnscript.ebnf` (`parseModelDeclaration` ↔
/// `model-declaration`). Errors are recorded and the parser resynchronises at
/// the next statement, so one run reports several errors.
public struct Parser {
    private var tokens: [Token]
    private var index = 0
    /// Brackets open around what is being parsed (see `openBracket(at:)`).
    private var bracketDepth = 0
    /// Levels of an expression open around what is being parsed (see `enter(at:)`).
    private var openLevels = 0
    public private(set) var diagnostics: [Diagnostic]

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

    private var current: Token { tokens[index] }
    private var previous: Token { tokens[max(index - 1, 0)] }

    private func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func check(_ kind: TokenKind) -> Bool { current.kind == kind }
    private func check(_ keyword: Keyword) -> Bool { current.kind == .keyword(keyword) }

    private mutating func match(_ kind: TokenKind) -> Bool {
        if check(kind) { advance(); return true }
        return false
    }

    private mutating func match(_ keyword: Keyword) -> Bool { match(.keyword(keyword)) }

    /// An error at the current token; at the end of input it is marked so the
    /// REPL asks for another line instead of reporting it.
    private func error(expected what: String) -> Diagnostic {
        if current.kind == .endOfInput {
            return Diagnostic(.unexpectedEndOfInput(expected: what), at: current.range, atEnd: true)
        }
        return Diagnostic(.expected(what, found: current.described), at: current.range)
    }

    @discardableResult
    private mutating func expect(_ kind: TokenKind, _ what: String) throws -> Token {
        if check(kind) { return advance() }
        throw error(expected: what)
    }

    @discardableResult
    private mutating func expect(_ keyword: Keyword, _ what: String? = nil) throws -> Token {
        try expect(.keyword(keyword), what ?? "'\(keyword.rawValue)'")
    }

    /// Whether the current token is the contextual word `word` (an identifier by its text).
    private func check(_ word: ContextualWord) -> Bool {
        current.kind == .identifier && current.value == word.rawValue
    }

    private mutating func match(_ word: ContextualWord) -> Bool {
        if check(word) { advance(); return true }
        return false
    }

    @discardableResult
    private mutating func expect(_ word: ContextualWord, _ what: String? = nil) throws -> Token {
        if check(word) { return advance() }
        throw error(expected: what ?? "'\(word.rawValue)'")
    }

    private mutating func parseIdentifier(_ what: String) throws -> Identifier {
        let token = try expect(.identifier, what)
        return Identifier(name: token.value, range: token.range)
    }

    /// Skips newlines when `keyword` follows them (a statement continued on the
    /// next line); otherwise leaves the position alone.
    private mutating func matchAfterNewlines(_ keyword: Keyword) -> Bool {
        var look = index
        while tokens[look].kind == .newline && look < tokens.count - 1 { look += 1 }
        guard tokens[look].kind == .keyword(keyword) else { return false }
        index = look
        return true
    }

    private mutating func skipNewlines() {
        while check(.newline) { advance() }
    }

    /// Opens a bracket: `(`, a call's `(`, an index's `[` or a literal's `[`.
    /// Balanced by `bracketDepth -= 1`.
    private mutating func openBracket(at token: Token) throws {
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
    private mutating func enter(at token: Token) throws {
        guard openLevels + 1 < Self.expressionDepthLimit else {
            throw Diagnostic(.expressionTooDeep(limit: Self.expressionDepthLimit), at: token.range)
        }
        openLevels += 1
    }

    /// A new node, or an error at `token` (its operator or opening bracket) if
    /// it nests deeper than the limit: a left-nested chain like `1 + 1 + … + 1`
    /// grows one level per operator without the parser recursing.
    private func bounded(_ expression: Expression, at token: Token) throws -> Expression {
        guard expression.depth > Self.expressionDepthLimit else { return expression }
        throw Diagnostic(.expressionTooDeep(limit: Self.expressionDepthLimit), at: token.range)
    }

    /// Records an error, unless it is about a token the lexer already reported
    /// (one mistake, one message).
    private mutating func record(_ diagnostic: Diagnostic) {
        if current.kind == .invalid && diagnostic.range == current.range { return }
        diagnostics.append(diagnostic)
    }

    /// Skips to the start of the next statement: past the next newline outside braces.
    private mutating func synchronize() {
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
        .flow, .decompose, .compare, .gates, .trace, .plot,
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
    ///             | compare-statement | gates-statement | trace-statement | plot-statement | expression
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
        case .keyword(.gradcheck):
            // `gradcheck M on S with L` alone is the statement; followed by an
            // operator or an index it was the start of an expression.
            let begin = index
            kind = try parseGradcheckStatement()
            if [.plus, .minus, .star, .slash, .at, .leftBracket].contains(current.kind) {
                index = begin
                return Statement(kind: .expression(try parseExpression()), range: SourceRange(start, previous.range.end))
            }
        case .keyword(.jacobian): kind = try parseJacobianStatement()
        case .keyword(.train): kind = try parseTrainStatement()
        case .keyword(.expect): kind = try parseExpectStatement()
        case .keyword(.save): kind = try parseSaveStatement()
        case .keyword(.load): kind = try parseLoadStatement()
        case .identifier, .integer, .number, .string, .leftParen, .minus, .leftBracket,
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

    /// vocab-declaration ::= 'vocab' IDENTIFIER '=' ( '[' (symbol (',' symbol)* ','?)? ']' | derived-vocab )
    mutating func parseVocabDeclaration() throws -> Statement.Kind {
        try expect(.vocab)
        let name = try parseIdentifier("a vocabulary name")
        try expect(.equals, "'=' after the vocabulary name")
        if !check(.leftBracket) {
            return .derivedVocabulary(name, try parseDerivedVocab())
        }
        try expect(.leftBracket, "'[' to start the vocabulary")
        var symbols: [SymbolLiteral] = []
        try parseListItems { parser in symbols.append(try parser.parseSymbol()) }
        return .vocabulary(name, symbols)
    }

    /// derived-vocab ::= ('chars' | 'words' | 'tags' | 'labels') 'of' ('tagged' | 'labelled')? STRING
    ///                   ('with' symbol (',' symbol)*)?
    mutating func parseDerivedVocab() throws -> DerivedVocabulary {
        let unit: DerivedVocabulary.Unit
        if match(.chars) { unit = .chars }
        else if match(.words) { unit = .words }
        else if match(.tags) { unit = .tags }
        else if match(.labels) { unit = .labels }
        else { throw error(expected: "'[' or a derived vocabulary like: chars of \"text.txt\"") }
        try expect(.of, "'of' and a file name")
        var format = DerivedVocabulary.Format.plain
        if match(.tagged) { format = .tagged } else if match(.labelled) { format = .labelled }
        let path = try parseStringLiteral("a file name in double quotes")
        var extra: [SymbolLiteral] = []
        if match(.with) {
            extra.append(try parseSymbol())
            while match(.comma) { extra.append(try parseSymbol()) }
        }
        return DerivedVocabulary(unit: unit, format: format, path: path, extra: extra)
    }

    private mutating func parseStringLiteral(_ what: String) throws -> StringLiteral {
        let token = try expect(.string, what)
        return StringLiteral(value: token.value, range: token.range)
    }

    /// precision-statement ::= 'precision' IDENTIFIER
    mutating func parsePrecisionStatement() throws -> Statement.Kind {
        try expect(.precision)
        return .precision(try parseIdentifier("float32 or float64"))
    }

    /// series-declaration ::= 'series' IDENTIFIER '=' series-source 'normalized'?
    /// series-source ::= '[' (literal (',' literal)* ','?)? ']' | 'file' STRING | 'csv' STRING 'column' (STRING | INTEGER)
    mutating func parseSeriesDeclaration() throws -> Statement.Kind {
        try expect(.series)
        let name = try parseIdentifier("a series name")
        try expect(.equals, "'=' after the series name")
        let source: SeriesSource
        if match(.file) {
            source = .file(try parseStringLiteral("a file name in double quotes"))
        } else if match(.csv) {
            let path = try parseStringLiteral("a file name in double quotes")
            try expect(.column, "'column' and a column name or number")
            if check(.string) { source = .csv(path, column: .name(try parseStringLiteral("a column name"))) }
            else { source = .csv(path, column: .index(try parseInteger("a column name in quotes or a column number"))) }
        } else if check(.leftBracket) {
            source = .list(try parseLiteral())
        } else {
            throw error(expected: "a list of numbers, 'file' or 'csv'")
        }
        return .series(name, source, normalized: match(.normalized))
    }

    /// dataset-declaration ::= 'dataset' IDENTIFIER '=' ( '[' (IDENTIFIER (',' IDENTIFIER)* ','?)? ']'
    ///                       | 'windows' 'of' IDENTIFIER 'size' INTEGER
    ///                       | 'lines' 'of' STRING 'over' IDENTIFIER lines-target
    ///                       | 'parts' INTEGER 'of' STRING 'over' IDENTIFIER 'predicting' 'next' )
    /// lines-target ::= 'predicting' 'next' | 'tagged' 'over' IDENTIFIER | 'labelled' 'over' IDENTIFIER
    mutating func parseDatasetDeclaration() throws -> Statement.Kind {
        try expect(.dataset)
        let name = try parseIdentifier("a dataset name")
        try expect(.equals, "'=' after the dataset name")
        if match(.leftBracket) {
            var members: [Identifier] = []
            try parseListItems { parser in members.append(try parser.parseIdentifier("a sequence name")) }
            return .dataset(name, .list(members))
        }
        if match(.windows) {
            try expect(.of, "'of' and a series")
            let series = try parseIdentifier("a series name")
            try expect(.size, "'size' and the number of steps per window")
            return .dataset(name, .windows(series, size: try parseInteger("a window size")))
        }
        if match(.parts) {
            let count = try parseInteger("a number of parts")
            try expect(.of, "'of' and a file name")
            let path = try parseStringLiteral("a file name in double quotes")
            try expect(.over, "'over' and a vocabulary")
            let vocabulary = try parseIdentifier("a vocabulary name")
            try expect(.predicting, "'predicting next'")
            try expect(.next, "'next' after 'predicting'")
            return .dataset(name, .parts(count, path, vocabulary: vocabulary))
        }
        guard match(.lines) else { throw error(expected: "'[', 'windows of', 'lines of' or 'parts N of'") }
        try expect(.of, "'of' and a file name")
        let path = try parseStringLiteral("a file name in double quotes")
        try expect(.over, "'over' and a vocabulary")
        let vocabulary = try parseIdentifier("a vocabulary name")
        let target: LinesTarget
        if match(.predicting) {
            try expect(.next, "'next' after 'predicting'")
            target = .next
        } else if match(.tagged) {
            try expect(.over, "'over' and the tag vocabulary")
            target = .tagged(try parseIdentifier("a vocabulary name"))
        } else if match(.labelled) {
            try expect(.over, "'over' and the label vocabulary")
            target = .labelled(try parseIdentifier("a vocabulary name"))
        } else {
            throw error(expected: "'predicting next', 'tagged over' or 'labelled over'")
        }
        return .dataset(name, .lines(path, vocabulary: vocabulary, target: target))
    }

    /// split-statement ::= 'split' IDENTIFIER 'into' IDENTIFIER ',' IDENTIFIER 'at' signed-number 'shuffled'?
    mutating func parseSplitStatement() throws -> Statement.Kind {
        try expect(.split)
        let source = try parseIdentifier("a dataset name")
        try expect(.into, "'into' and two dataset names")
        let first = try parseIdentifier("a dataset name")
        try expect(.comma, "',' between the two names")
        let second = try parseIdentifier("a dataset name")
        try expect(ContextualWord.at, "'at' and the fraction of the first part")
        let fraction = try parseSignedNumber()
        return .split(source: source, first: first, second: second, fraction: fraction, shuffled: match(.shuffled))
    }

    /// sample-statement ::= 'sample' IDENTIFIER 'over' IDENTIFIER 'from' STRING sample-option*
    /// sample-option ::= 'length' INTEGER | 'until' symbol | 'temperature' signed-number
    mutating func parseSampleStatement() throws -> Statement.Kind {
        try expect(.sample)
        let model = try parseIdentifier("a model name")
        try expect(.over, "'over' and a vocabulary")
        let vocabulary = try parseIdentifier("a vocabulary name")
        try expect(.from, "'from' and a text to start from")
        let prime = try parseStringLiteral("a text in double quotes")
        var options = SampleOptions()
        while true {
            if match(.length) { options.length = try parseInteger("a number of symbols") }
            else if match(.until) { options.until = try parseSymbol() }
            else if match(.temperature) { options.temperature = try parseSignedNumber() }
            else { break }
        }
        return .sample(model: model, vocabulary: vocabulary, prime: prime, options: options)
    }

    /// Items separated by commas up to ']' (which it consumes); newlines are allowed.
    private mutating func parseListItems(_ item: (inout Parser) throws -> Void) throws {
        skipListNewlines()
        if match(.rightBracket) { return }
        while true {
            try item(&self)
            try skipListNewlinesOrThrow()
            if match(.rightBracket) { return }
            try expect(.comma, "',' or ']'")
            try skipListNewlinesOrThrow()
            if match(.rightBracket) { return }  // trailing comma
        }
    }

    private mutating func skipListNewlines() { skipNewlines() }

    /// Newlines inside brackets continue the statement; but a new statement
    /// keyword at the start of a line means the bracket was never closed.
    private mutating func skipListNewlinesOrThrow() throws {
        guard check(.newline) else { return }
        let newlineIndex = index
        skipNewlines()
        if case let .keyword(keyword) = current.kind, Self.statementKeywords.contains(keyword) {
            index = newlineIndex
            throw Diagnostic(.expected("']'", found: "end of line"), at: current.range)
        }
    }

    /// symbol ::= CHARACTER | STRING | SPECIAL-TOKEN
    mutating func parseSymbol() throws -> SymbolLiteral {
        let token = current
        switch token.kind {
        case .character: advance(); return SymbolLiteral(kind: .character, text: token.value, range: token.range)
        case .string: advance(); return SymbolLiteral(kind: .word, text: token.value, range: token.range)
        case .specialToken: advance(); return SymbolLiteral(kind: .token, text: token.value, range: token.range)
        default: throw error(expected: "a symbol like 'a', \"word\" or <stop>")
        }
    }

    /// sequence-declaration ::= 'sequence' IDENTIFIER '=' ( text-sequence | literal-sequence | series-sequence )
    /// text-sequence ::= ( STRING | 'file' STRING ) 'over' IDENTIFIER text-target
    /// text-target ::= 'predicting' 'next' | 'tagged' STRING 'over' IDENTIFIER | 'labelled' symbol 'over' IDENTIFIER
    /// literal-sequence ::= 'inputs' literal NEWLINE* 'targets' literal (NEWLINE* 'over' IDENTIFIER)?
    /// series-sequence ::= 'series' IDENTIFIER 'predicting' 'next'
    mutating func parseSequenceDeclaration() throws -> Statement.Kind {
        try expect(.sequence)
        let name = try parseIdentifier("a sequence name")
        try expect(.equals, "'=' after the sequence name")
        if check(.string) || check(.file) {
            let text: TextSource = match(.file)
                ? .file(try parseStringLiteral("a file name in double quotes"))
                : .literal(try parseStringLiteral("a text"))
            try expect(.over, "'over' and a vocabulary after the text")
            let vocabulary = try parseIdentifier("a vocabulary name")
            let target: TextTarget
            if match(.predicting) {
                try expect(.next, "'next' after 'predicting'")
                target = .next
            } else if match(.tagged) {
                let tags = try parseStringLiteral("the tags in double quotes")
                try expect(.over, "'over' and the tag vocabulary")
                target = .tagged(tags, try parseIdentifier("a vocabulary name"))
            } else if match(.labelled) {
                let label = try parseSymbol()
                try expect(.over, "'over' and the label vocabulary")
                target = .labelled(label, try parseIdentifier("a vocabulary name"))
            } else {
                throw error(expected: "'predicting next', 'tagged' or 'labelled'")
            }
            return .textSequence(name, text: text, vocabulary: vocabulary, target: target)
        }
        if match(.series) {
            let series = try parseIdentifier("a series name")
            try expect(.predicting, "'predicting next'")
            try expect(.next, "'next' after 'predicting'")
            return .seriesSequence(name, series: series)
        }
        guard match(.inputs) else { throw error(expected: "a string, 'file', 'series' or 'inputs'") }
        let inputs = try parseLiteral()
        _ = matchAfterNewlines(.targets)
        try expect(.targets, "'targets' after the inputs")
        let targets = try parseLiteral()
        var vocabulary: Identifier?
        if matchAfterNewlines(.over) {
            try expect(.over)
            vocabulary = try parseIdentifier("a vocabulary name")
        }
        return .literalSequence(name, inputs: inputs, targets: targets, vocabulary: vocabulary)
    }

    /// literal ::= signed-number | symbol | '[' (literal (',' literal)* ','?)? ']'
    mutating func parseLiteral() throws -> Literal {
        if check(.leftBracket) {
            try openBracket(at: current)
            defer { bracketDepth -= 1 }
            let open = advance()
            var items: [Literal] = []
            try parseListItems { p in items.append(try p.parseLiteral()) }
            return .list(items, SourceRange(open.range.start, previous.range.end))
        }
        switch current.kind {
        case .character, .string, .specialToken: return .symbol(try parseSymbol())
        case .integer, .number, .minus, .plus: return .number(try parseSignedNumber())
        default: throw error(expected: "a number, a symbol or '['")
        }
    }

    /// signed-number ::= ('-' | '+')? (INTEGER | NUMBER)
    mutating func parseSignedNumber() throws -> NumberLiteral {
        let start = current.range.start
        var sign = 1.0, prefix = ""
        if match(.minus) { sign = -1; prefix = "-" } else if match(.plus) { prefix = "" }
        guard check(.integer) || check(.number) else { throw error(expected: "a number") }
        let token = advance()
        let magnitude = Double(token.value) ?? .nan
        if !magnitude.isFinite { throw Diagnostic(.numberTooLarge(token.value), at: token.range) }
        return NumberLiteral(value: sign * magnitude, text: prefix + token.value,
                             range: SourceRange(start, token.range.end), isInteger: token.kind == .integer)
    }

    /// An INTEGER (no sign) within Int's range.
    mutating func parseInteger(_ what: String) throws -> NumberLiteral {
        guard check(.integer) else { throw error(expected: what) }
        let token = advance()
        guard let value = Int(token.value), value <= (1 << 53) else {
            throw Diagnostic(.numberTooLarge(token.value), at: token.range)
        }
        return NumberLiteral(value: Double(value), text: token.value, range: token.range, isInteger: true)
    }

    /// model-declaration ::= 'model' IDENTIFIER '=' cell-kind '{' model-entries '}'
    /// cell-kind ::= 'rnn' | 'lstm' | 'gru'
    /// model-entries ::= (model-entry? (NEWLINE | ';'))* model-entry?
    mutating func parseModelDeclaration() throws -> Statement.Kind {
        try expect(.model)
        let name = try parseIdentifier("a model name")
        try expect(.equals, "'=' after the model name")
        let cell: Identifier
        switch current.kind {
        case .keyword(.rnn), .keyword(.lstm), .keyword(.gru):
            let token = advance()
            cell = Identifier(name: token.value, range: token.range)
        default:
            throw error(expected: "a cell kind: 'rnn', 'lstm' or 'gru'")
        }
        let open = try expect(.leftBrace, "'{' to start the model's entries")
        var entries: [ModelEntry] = []
        try parseBlockEntries { parser in entries.append(try parser.parseModelEntry()) }
        return .model(name, cell: cell, entries: entries, blockRange: SourceRange(open.range.start, previous.range.end))
    }

    /// Entries one per line or separated by ';' up to '}' (which it consumes):
    /// `model-entries` and `optimizer-entries`, whose productions are documented
    /// with the declarations that use them.
    /// An error inside an entry is recorded and the block goes on with the next entry.
    private mutating func parseBlockEntries(_ entry: (inout Parser) throws -> Void) throws {
        while true {
            while check(.newline) || check(.semicolon) { advance() }
            if match(.rightBrace) { return }
            if check(.endOfInput) { throw error(expected: "'}' to close the block") }
            let before = index
            do {
                try entry(&self)
                if !(check(.newline) || check(.semicolon) || check(.rightBrace)) {
                    throw error(expected: "a new line, ';' or '}' after the entry")
                }
            } catch let diagnostic as Diagnostic {
                if diagnostic.isAtEndOfInput { throw diagnostic }
                record(diagnostic)
                while !(check(.newline) || check(.semicolon) || check(.rightBrace) || check(.endOfInput)) { advance() }
            }
            if index == before { advance() }
        }
    }

    /// model-entry ::= ('input' | 'output') (INTEGER | IDENTIFIER)
    ///               | ('hidden' | 'layers') INTEGER
    ///               | ('state' | 'readout') IDENTIFIER
    ///               | 'outputs' ('every' | 'last')
    ///               | 'bias' ('on' | 'off')
    ///               | 'init' initializer
    mutating func parseModelEntry() throws -> ModelEntry {
        let keyToken = current
        let start = keyToken.range.start
        let key = Identifier(name: keyToken.value, range: keyToken.range)
        let value: ModelEntry.Value
        switch keyToken.kind {
        case .keyword(.input), .keyword(.output):
            advance()
            if check(.identifier) {
                value = .vocabularySize(try parseIdentifier("a size or a vocabulary"))
            } else {
                value = .integer(try parseInteger("a whole number or a vocabulary after '\(keyToken.value)'"))
            }
        case .keyword(.hidden), .keyword(.layers):
            advance()
            value = .integer(try parseInteger("a whole number after '\(keyToken.value)'"))
        case .keyword(.state), .keyword(.readout):
            advance()
            value = .name(try parseIdentifier(keyToken.value == "state" ? "an activation like tanh" : "a readout like softmax"))
        case .keyword(.outputs):
            advance()
            if match(.every) { value = .placement("every") }
            else if match(.last) { value = .placement("last") }
            else { throw error(expected: "'every' or 'last'") }
        case .keyword(.bias):
            advance()
            value = .flag(try parseFlag())
        case .keyword(.`init`):
            advance()
            value = try parseInitializer()
        case .identifier, .keyword:
            let known = ["input", "hidden", "output", "state", "readout", "layers", "outputs", "bias", "init"]
            throw Diagnostic(.unknownEntry(keyToken.value, block: "model", suggestion: closestMatch(to: keyToken.value, in: known)),
                             at: keyToken.range)
        default:
            throw error(expected: "a model entry like 'hidden 3'")
        }
        return ModelEntry(key: key, value: value, range: SourceRange(start, previous.range.end))
    }

    /// flag ::= 'on' | 'off'
    mutating func parseFlag() throws -> Bool {
        if match(.on) { return true }
        if match(.off) { return false }
        throw error(expected: "'on' or 'off'")
    }

    /// initializer ::= IDENTIFIER ('(' (signed-number (',' signed-number)*)? ')')?
    mutating func parseInitializer() throws -> ModelEntry.Value {
        let name = try parseIdentifier("an initializer like uniform(-0.1, 0.1)")
        var arguments: [NumberLiteral] = []
        if match(.leftParen) {
            skipNewlines()
            if !check(.rightParen) {
                arguments.append(try parseSignedNumber())
                while match(.comma) { skipNewlines(); arguments.append(try parseSignedNumber()) }
            }
            skipNewlines()
            try expect(.rightParen, "')' after the initializer's arguments")
        }
        return .initializer(name, arguments)
    }

    /// set-statement ::= 'set' IDENTIFIER '.' path '=' literal
    mutating func parseSetStatement() throws -> Statement.Kind {
        try expect(.set)
        let path = try parsePath()
        if path.count < 2 { throw Diagnostic(.expected("a parameter path like net.W", found: "'\(path[0].name)'"), at: path[0].range) }
        try expect(.equals, "'=' after the parameter")
        return .set(path: path, value: try parseLiteral())
    }

    /// path ::= IDENTIFIER ('.' (IDENTIFIER | 'inputs' | 'targets'))*
    mutating func parsePath() throws -> [Identifier] {
        var path = [try parseIdentifier("a name")]
        while check(.dot) {
            advance()
            // A sequence's members are named like the keywords of literal-sequence.
            if check(.inputs) || check(.targets) {
                let token = advance()
                path.append(Identifier(name: token.value, range: token.range))
            } else {
                path.append(try parseIdentifier("a parameter name after '.'"))
            }
        }
        return path
    }

    /// loss-declaration ::= 'loss' IDENTIFIER '=' IDENTIFIER
    mutating func parseLossDeclaration() throws -> Statement.Kind {
        try expect(.loss)
        let name = try parseIdentifier("a loss name")
        try expect(.equals, "'=' after the loss name")
        return .loss(name, kind: try parseIdentifier("a loss like cross_entropy"))
    }

    /// optimizer-declaration ::= 'optimizer' IDENTIFIER '=' IDENTIFIER ('{' optimizer-entries '}')?
    /// optimizer-entries ::= (optimizer-entry? (NEWLINE | ';'))* optimizer-entry?
    /// optimizer-entry ::= IDENTIFIER (signed-number | flag)
    mutating func parseOptimizerDeclaration() throws -> Statement.Kind {
        try expect(.optimizer)
        let name = try parseIdentifier("an optimizer name")
        try expect(.equals, "'=' after the optimizer name")
        let kind = try parseIdentifier("an optimizer like sgd or adam")
        var entries: [OptimizerEntry] = []
        if match(.leftBrace) {
            try parseBlockEntries { parser in
                let key = try parser.parseIdentifier("a setting like 'lr 0.1'")
                let value: OptimizerEntry.Value
                if parser.check(.on) || parser.check(.off) { value = .flag(try parser.parseFlag()) }
                else { value = .number(try parser.parseSignedNumber()) }
                entries.append(OptimizerEntry(key: key, value: value, range: SourceRange(key.range.start, parser.previous.range.end)))
            }
        }
        return .optimizer(name, kind: kind, entries: entries)
    }

    /// forward-statement ::= 'forward' IDENTIFIER 'on' IDENTIFIER
    mutating func parseForwardStatement() throws -> Statement.Kind {
        try expect(.forward)
        let (model, sequence) = try parseModelOnSequence()
        return .forward(model: model, sequence: sequence)
    }

    private mutating func parseModelOnSequence() throws -> (Identifier, Identifier) {
        let model = try parseIdentifier("a model name")
        try expect(.on, "'on' and a sequence")
        return (model, try parseIdentifier("a sequence name"))
    }

    /// backward-statement ::= 'backward' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER truncation?
    mutating func parseBackwardStatement() throws -> Statement.Kind {
        try expect(.backward)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.with, "'with' and a loss")
        let loss = try parseIdentifier("a loss name")
        var truncation: TruncationClause?
        if check(.truncate) { truncation = try parseTruncation() }
        return .backward(model: model, sequence: sequence, loss: loss, truncation: truncation)
    }

    /// truncation ::= 'truncate' INTEGER 'window'?
    mutating func parseTruncation() throws -> TruncationClause {
        let start = try expect(.truncate).range.start
        let steps = try parseInteger("a number of steps after 'truncate'")
        let isWindow = match(.window)
        return TruncationClause(steps: steps, isWindow: isWindow, range: SourceRange(start, previous.range.end))
    }

    /// show-statement ::= 'show' expression
    mutating func parseShowStatement() throws -> Statement.Kind {
        try expect(.show)
        return .show(try parseExpression())
    }

    /// flow-statement ::= 'flow' IDENTIFIER 'on' IDENTIFIER
    mutating func parseFlowStatement() throws -> Statement.Kind {
        try expect(.flow)
        let (model, sequence) = try parseModelOnSequence()
        return .flow(model: model, sequence: sequence)
    }

    /// decompose-statement ::= 'decompose' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER ('at' INTEGER)? 'for' IDENTIFIER
    mutating func parseDecomposeStatement() throws -> Statement.Kind {
        try expect(.decompose)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.with, "'with' and a loss")
        let loss = try parseIdentifier("a loss name")
        var at: NumberLiteral?
        if match(ContextualWord.at) { at = try parseInteger("a step number") }
        try expect(.for, "'for' and a parameter (W or U)")
        return .decompose(model: model, sequence: sequence, loss: loss, at: at, parameter: try parseIdentifier("a parameter name"))
    }

    /// compare-statement ::= 'compare' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER truncation
    mutating func parseCompareStatement() throws -> Statement.Kind {
        try expect(.compare)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.with, "'with' and a loss")
        let loss = try parseIdentifier("a loss name")
        guard check(.truncate) else { throw error(expected: "'truncate K' or 'truncate K window'") }
        return .compare(model: model, sequence: sequence, loss: loss, truncation: try parseTruncation())
    }

    /// gates-statement ::= 'gates' IDENTIFIER 'on' IDENTIFIER
    mutating func parseGatesStatement() throws -> Statement.Kind {
        try expect(.gates)
        let (model, sequence) = try parseModelOnSequence()
        return .gates(model: model, sequence: sequence)
    }

    /// trace-statement ::= 'trace' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER ('to' STRING)?
    mutating func parseTraceStatement() throws -> Statement.Kind {
        try expect(.trace)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.with, "'with' and a loss")
        let loss = try parseIdentifier("a loss name")
        var path: StringLiteral?
        if match(.to) { path = try parseStringLiteral("a file name ending in .md or .tex") }
        return .trace(model: model, sequence: sequence, loss: loss, path: path)
    }

    /// plot-statement ::= 'plot' expression
    mutating func parsePlotStatement() throws -> Statement.Kind {
        try expect(.plot)
        return .plot(try parseExpression())
    }

    /// let-statement ::= 'let' IDENTIFIER '=' expression
    mutating func parseLetStatement() throws -> Statement.Kind {
        try expect(.let)
        let name = try parseIdentifier("a name")
        try expect(.equals, "'=' after the name")
        return .binding(name, try parseExpression())
    }

    /// gradcheck-statement ::= 'gradcheck' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER
    mutating func parseGradcheckStatement() throws -> Statement.Kind {
        try expect(.gradcheck)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.with, "'with' and a loss")
        return .gradcheck(model: model, sequence: sequence, loss: try parseIdentifier("a loss name"))
    }

    /// jacobian-statement ::= 'jacobian' IDENTIFIER 'on' IDENTIFIER 'from' INTEGER 'to' INTEGER
    mutating func parseJacobianStatement() throws -> Statement.Kind {
        try expect(.jacobian)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.from, "'from' and a step")
        let from = try parseInteger("a step number")
        try expect(.to, "'to' and a step")
        return .jacobian(model: model, sequence: sequence, from: from, to: try parseInteger("a step number"))
    }

    /// train-statement ::= 'train' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER ',' IDENTIFIER
    ///                     'for' INTEGER 'epochs' (','? train-option)*
    mutating func parseTrainStatement() throws -> Statement.Kind {
        try expect(.train)
        let (model, sequence) = try parseModelOnSequence()
        try expect(.with, "'with' and a loss")
        let loss = try parseIdentifier("a loss name")
        try expect(.comma, "',' and an optimizer after the loss")
        let optimizer = try parseIdentifier("an optimizer name")
        try expect(.for, "'for N epochs'")
        let epochs = try parseInteger("a number of epochs")
        try expect(.epochs, "'epochs'")
        var options: [TrainOption] = []
        while true {
            let hadComma = match(.comma)
            if check(.truncate) || check(.clip) || check(.report) || check(.batch) || check(.shuffle) || check(.validate) || check(.log) {
                options.append(try parseTrainOption())
            } else if hadComma {
                throw error(expected: "'truncate', 'clip', 'report', 'batch', 'shuffle', 'validate' or 'log'")
            } else {
                break
            }
        }
        return .train(model: model, sequence: sequence, loss: loss, optimizer: optimizer, epochs: epochs, options: options)
    }

    /// train-option ::= truncation | 'clip' 'value' signed-number | 'clip' 'norm' signed-number
    ///                | 'report' 'every' INTEGER | 'batch' INTEGER | 'shuffle' | 'validate' 'on' IDENTIFIER | 'log'
    mutating func parseTrainOption() throws -> TrainOption {
        let start = current.range.start
        if check(.truncate) { return .truncate(try parseTruncation()) }
        if match(.batch) {
            let n = try parseInteger("a batch size")
            return .batch(n, SourceRange(start, previous.range.end))
        }
        if match(.shuffle) { return .shuffle(SourceRange(start, previous.range.end)) }
        if match(.log) { return .log(SourceRange(start, previous.range.end)) }
        if match(.validate) {
            try expect(.on, "'on' and a dataset")
            let name = try parseIdentifier("a dataset or sequence name")
            return .validate(name, SourceRange(start, previous.range.end))
        }
        if match(.clip) {
            if match(.value) {
                let v = try parseSignedNumber()
                return .clipValue(v, SourceRange(start, previous.range.end))
            }
            if match(.norm) {
                let v = try parseSignedNumber()
                return .clipNorm(v, SourceRange(start, previous.range.end))
            }
            throw error(expected: "'value' or 'norm' after 'clip'")
        }
        try expect(.report)
        try expect(.every, "'every' after 'report'")
        let n = try parseInteger("a number of epochs")
        return .reportEvery(n, SourceRange(start, previous.range.end))
    }

    /// expect-statement ::= 'expect' expression comparison expression ('within' signed-number)?
    /// comparison ::= '<' | '<=' | '>' | '>=' | '=='
    mutating func parseExpectStatement() throws -> Statement.Kind {
        try expect(.expect)
        let left = try parseExpression()
        let op: ComparisonOperator
        switch current.kind {
        case .less: op = .less
        case .lessEqual: op = .lessEqual
        case .greater: op = .greater
        case .greaterEqual: op = .greaterEqual
        case .equalEqual: op = .equal
        default: throw error(expected: "a comparison: <, <=, >, >= or ==")
        }
        advance()
        let right = try parseExpression()
        var tolerance: NumberLiteral?
        if match(.within) { tolerance = try parseSignedNumber() }
        return .expect(left, op, right, tolerance: tolerance)
    }

    /// save-statement ::= 'save' IDENTIFIER 'to' STRING
    mutating func parseSaveStatement() throws -> Statement.Kind {
        try expect(.save)
        let model = try parseIdentifier("a model name")
        try expect(.to, "'to' and a file name")
        let path = try expect(.string, "a file name in double quotes")
        return .save(model: model, path: StringLiteral(value: path.value, range: path.range))
    }

    /// load-statement ::= 'load' IDENTIFIER 'from' STRING
    mutating func parseLoadStatement() throws -> Statement.Kind {
        try expect(.load)
        let model = try parseIdentifier("a model name")
        try expect(.from, "'from' and a file name")
        let path = try expect(.string, "a file name in double quotes")
        return .load(model: model, path: StringLiteral(value: path.value, range: path.range))
    }

    // MARK: - Expressions
    //
    // Operators are parsed by loops, not by recursion: only brackets recurse
    // (parentheses, calls, indices), at most `nestingLimit` deep, so the
    // deepest expression accepted parses on a thread with a 512 KiB stack in
    // a debug build. Leaves are parsed apart (`parseOperand`) to keep the
    // frames on that path small.

    /// The right operand of a binary operator at `token`, one level deeper.
    private mutating func rightOperand(of token: Token, _ parse: (inout Parser) throws -> Expression) throws -> Expression {
        try enter(at: token)
        defer { openLevels -= 1 }
        return try parse(&self)
    }

    /// expression ::= term (('+' | '-') term)*
    mutating func parseExpression() throws -> Expression {
        var left = try parseTerm()
        while check(.plus) || check(.minus) {
            let token = advance()
            let right = try rightOperand(of: token) { try $0.parseTerm() }
            let op: BinaryOperator = token.kind == .plus ? .add : .subtract
            left = try bounded(Expression(kind: .binary(op, left, right), range: left.range.union(right.range)), at: token)
        }
        return left
    }

    /// term ::= unary (('*' | '/' | '@') unary)*
    mutating func parseTerm() throws -> Expression {
        var left = try parseUnary()
        while check(.star) || check(.slash) || check(TokenKind.at) {
            let token = advance()
            let right = try rightOperand(of: token) { try $0.parseUnary() }
            let op: BinaryOperator = token.kind == .star ? .multiply : token.kind == .slash ? .divide : .matmul
            left = try bounded(Expression(kind: .binary(op, left, right), range: left.range.union(right.range)), at: token)
        }
        return left
    }

    /// unary ::= '-' unary | postfix
    mutating func parseUnary() throws -> Expression {
        guard check(.minus) else { return try parsePostfix() }
        // `- - x` is read as a run of signs, then the operand.
        var signs: [Token] = []
        defer { openLevels -= signs.count }
        while check(.minus) {
            try enter(at: current)
            signs.append(advance())
        }
        var operand = try parsePostfix()
        for sign in signs.reversed() {
            operand = try bounded(Expression(kind: .negate(operand), range: SourceRange(sign.range.start, operand.range.end)), at: sign)
        }
        return operand
    }

    /// postfix ::= primary ('[' index (',' index)* ']')*
    /// index ::= ':' | expression
    mutating func parsePostfix() throws -> Expression {
        var base = try parsePrimary()
        while check(.leftBracket) {
            let open = advance()
            try openBracket(at: open)
            defer { bracketDepth -= 1 }
            try enter(at: open)
            defer { openLevels -= 1 }
            var indices: [Expression?] = []
            repeat {
                skipNewlines()
                if match(.colon) { indices.append(nil) } else { indices.append(try parseExpression()) }
                skipNewlines()
            } while match(.comma)
            try expect(.rightBracket, "']' after the index")
            base = try bounded(Expression(kind: .index(base, indices), range: SourceRange(base.range.start, previous.range.end)), at: open)
        }
        return base
    }

    /// primary ::= INTEGER | NUMBER | STRING | path | 'grad' path
    ///           | 'loss' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER | 'predict' IDENTIFIER 'on' IDENTIFIER
    ///           | 'gradcheck' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER
    ///           | call | '(' expression ')' | '[' (literal (',' literal)* ','?)? ']'
    mutating func parsePrimary() throws -> Expression {
        switch current.kind {
        case .leftParen:
            let open = advance()
            skipNewlines()
            let inner: Expression
            do {
                try openBracket(at: open)
                defer { bracketDepth -= 1 }
                try enter(at: open)
                defer { openLevels -= 1 }
                inner = try parseExpression()
            }
            skipNewlines()
            try expect(.rightParen, "')'")
            return try bounded(Expression(kind: inner.kind, range: SourceRange(open.range.start, previous.range.end), depth: inner.depth + 1),
                               at: open)
        case .identifier where peek().kind == .leftParen, .keyword(.norm) where peek().kind == .leftParen:
            return try parseCall()
        default:
            return try parseOperand()
        }
    }

    /// The primaries that enclose no expression: numbers, strings, paths,
    /// `grad`, `loss`, `gradcheck`, `predict` and matrix literals (kept out of
    /// `parsePrimary`, which nested expressions recurse through).
    private mutating func parseOperand() throws -> Expression {
        let token = current
        let start = token.range.start
        switch token.kind {
        case .integer, .number:
            advance()
            guard let value = Double(token.value), value.isFinite else {
                throw Diagnostic(.numberTooLarge(token.value), at: token.range)
            }
            return Expression(kind: .number(value), range: token.range)
        case .string:
            advance()
            return Expression(kind: .string(token.value), range: token.range)
        case .keyword(.grad):
            advance()
            let path = try parsePath()
            return Expression(kind: .gradient(path), range: SourceRange(start, previous.range.end))
        case .keyword(.loss):
            advance()
            let (model, sequence) = try parseModelOnSequence()
            try expect(.with, "'with' and a loss")
            let loss = try parseIdentifier("a loss name")
            return Expression(kind: .loss(model: model, sequence: sequence, loss: loss), range: SourceRange(start, previous.range.end))
        case .keyword(.gradcheck):
            advance()
            let (model, sequence) = try parseModelOnSequence()
            try expect(.with, "'with' and a loss")
            let loss = try parseIdentifier("a loss name")
            return Expression(kind: .gradcheck(model: model, sequence: sequence, loss: loss), range: SourceRange(start, previous.range.end))
        case .keyword(.predict):
            advance()
            let (model, sequence) = try parseModelOnSequence()
            return Expression(kind: .predict(model: model, sequence: sequence), range: SourceRange(start, previous.range.end))
        case .identifier:
            let path = try parsePath()
            return Expression(kind: .path(path), range: SourceRange(start, previous.range.end))
        case .leftBracket:
            let literal = try parseLiteral()
            return Expression(kind: .literal(literal), range: literal.range)
        default:
            throw error(expected: "an expression")
        }
    }

    /// call ::= (IDENTIFIER | 'norm') '(' (expression (',' expression)*)? ')'
    private mutating func parseCall() throws -> Expression {
        let nameToken = advance()
        let open = try expect(.leftParen, "'('")
        try openBracket(at: open)
        defer { bracketDepth -= 1 }
        try enter(at: nameToken)
        defer { openLevels -= 1 }
        var arguments: [Expression] = []
        skipNewlines()
        if !check(.rightParen) {
            arguments.append(try parseExpression())
            skipNewlines()
            while match(.comma) {
                skipNewlines()
                arguments.append(try parseExpression())
                skipNewlines()
            }
        }
        try expect(.rightParen, "')' after the arguments")
        let name = Identifier(name: nameToken.value, range: nameToken.range)
        return try bounded(Expression(kind: .call(name, arguments), range: SourceRange(name.range.start, previous.range.end)), at: nameToken)
    }
}
