/// Expressions: the operator loops, unary minus, indexing, calls and leaves.
extension Parser {
    // MARK: - Expressions
    //
    // Operators are parsed by loops, not by recursion: only brackets recurse
    // (parentheses, calls, indices), at most `nestingLimit` deep, so the
    // deepest expression accepted parses on a thread with a 512 KiB stack in
    // a debug build. Leaves are parsed apart (`parseOperand`) to keep the
    // frames on that path small.

    /// The right operand of a binary operator at `token`, one level deeper.
    mutating func rightOperand(of token: Token, _ parse: (inout Parser) throws -> Expression) throws -> Expression {
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

    /// primary ::= INTEGER | NUMBER | STRING | CHARACTER | SPECIAL-TOKEN | path | 'grad' path
    ///           | 'loss' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER | 'predict' IDENTIFIER 'on' IDENTIFIER
    ///           | 'gradcheck' IDENTIFIER 'on' IDENTIFIER 'with' IDENTIFIER
    ///           | 'jacobian' IDENTIFIER 'on' IDENTIFIER 'from' INTEGER 'to' INTEGER
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
    /// `grad`, `loss`, `gradcheck`, `predict`, `jacobian` and matrix literals (kept out of
    /// `parsePrimary`, which nested expressions recurse through).
    mutating func parseOperand() throws -> Expression {
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
        case .character, .specialToken:
            return Expression(kind: .symbol(try parseSymbol()), range: token.range)
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
        case .keyword(.jacobian):
            advance()
            let (model, sequence) = try parseModelOnSequence()
            try expect(.from, "'from' and a step")
            let from = try parseInteger("a step number")
            try expect(.to, "'to' and a step")
            let to = try parseInteger("a step number")
            return Expression(kind: .jacobian(model: model, sequence: sequence, from: from, to: to), range: SourceRange(start, previous.range.end))
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
    mutating func parseCall() throws -> Expression {
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
