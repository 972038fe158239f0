/// Model declarations and the statements that run, inspect and train them.
extension Parser {
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
    mutating func parseBlockEntries(_ entry: (inout Parser) throws -> Void) throws {
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
    ///               | 'hidden' '[' INTEGER (',' INTEGER)* ']'
    ///               | 'embedding' INTEGER
    ///               | ('state' | 'readout') IDENTIFIER
    ///               | 'outputs' ('every' | 'last')
    ///               | ('bias' | 'encoder') ('on' | 'off')
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
        case .keyword(.hidden) where peek().kind == .leftBracket:
            advance()
            let open = advance()
            var widths = [try parseInteger("a width (a whole number)")]
            while match(.comma) { widths.append(try parseInteger("a width (a whole number)")) }
            guard match(.rightBracket) else { throw error(expected: "',' and a width, or ']'") }
            value = .integers(widths, SourceRange(open.range.start, previous.range.end))
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
        case .identifier where check(.embedding):
            advance()
            value = .integer(try parseInteger("a whole number after 'embedding'"))
        case .identifier where check(.encoder):
            advance()
            value = .flag(try parseFlag())
        case .identifier, .keyword:
            let known = ["input", "hidden", "output", "state", "readout", "layers", "outputs", "bias", "init", "embedding", "encoder"]
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

    /// forward-statement ::= 'forward' IDENTIFIER 'on' IDENTIFIER ('with' IDENTIFIER)?
    mutating func parseForwardStatement() throws -> Statement.Kind {
        try expect(.forward)
        let (model, sequence) = try parseModelOnSequence()
        let loss = match(.with) ? try parseIdentifier("a loss name") : nil
        return .forward(model: model, sequence: sequence, loss: loss)
    }

    mutating func parseModelOnSequence() throws -> (Identifier, Identifier) {
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

    /// freeze-statement ::= ('freeze' | 'unfreeze') IDENTIFIER '.' path
    mutating func parseFreezeStatement() throws -> Statement.Kind {
        let frozen = match(.freeze)
        if !frozen { try expect(.unfreeze) }
        let path = try parsePath()
        if path.count < 2 { throw Diagnostic(.expected("a parameter path like net.W", found: "'\(path[0].name)'"), at: path[0].range) }
        return .freeze(path: path, frozen: frozen)
    }

    /// draw-statement ::= 'draw' IDENTIFIER ('on' IDENTIFIER | 'cell')?
    mutating func parseDrawStatement() throws -> Statement.Kind {
        try expect(.draw)
        let model = try parseIdentifier("a model name")
        if match(.on) { return .draw(model: model, view: .unrolled(try parseIdentifier("a sequence name"))) }
        if match(.cell) { return .draw(model: model, view: .cell) }
        return .draw(model: model, view: .folded)
    }

    /// plot-statement ::= 'plot' expression (',' expression)* ('against' expression)?
    mutating func parsePlotStatement() throws -> Statement.Kind {
        try expect(.plot)
        var curves = [try parseExpression()]
        while match(.comma) { curves.append(try parseExpression()) }
        let x = match(.against) ? try parseExpression() : nil
        return .plot(curves, against: x)
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
}
