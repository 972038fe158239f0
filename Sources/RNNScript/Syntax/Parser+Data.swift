/// The data productions: vocabularies, sequences, series, datasets, splits,
/// samples and the literals they are written with.
extension Parser {
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

    mutating func parseStringLiteral(_ what: String) throws -> StringLiteral {
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
    /// lines-target ::= 'predicting' 'next' | 'tagged' 'over' IDENTIFIER | 'labelled' 'over' IDENTIFIER | 'paired'
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
        } else if match(.paired) {
            target = .paired
        } else {
            throw error(expected: "'predicting next', 'tagged over', 'labelled over' or 'paired'")
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
    mutating func parseListItems(_ item: (inout Parser) throws -> Void) throws {
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

    mutating func skipListNewlines() { skipNewlines() }

    /// Newlines inside brackets continue the statement; but a new statement
    /// keyword at the start of a line means the bracket was never closed.
    mutating func skipListNewlinesOrThrow() throws {
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

    /// literal ::= signed-number | symbol | '_' | '[' (literal (',' literal)* ','?)? ']'
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
        case .identifier where check(.blank): return .blank(advance().range)
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
}
