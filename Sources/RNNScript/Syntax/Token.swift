/// The reserved words of rnnscript. `grammar/rnnscript.ebnf` quotes exactly
/// these (a test keeps the two in agreement).
public enum Keyword: String, CaseIterable, Sendable {
    case seed, vocab, sequence, over, predicting, next, inputs, targets
    case model, rnn, lstm, gru
    case input, hidden, output, state, readout, layers, outputs, every, last, bias, `init`
    case on, off
    case set, loss, optimizer
    case forward, backward, with, show, grad, gradcheck, jacobian, from, to
    case train, `for`, epochs, truncate, window, clip, value, norm, report
    case expect, within, save, load
    case precision, series, dataset, split, sample, predict, `let`
    case flow, decompose, compare, gates, trace, plot, draw, freeze, unfreeze
}

/// Words with a meaning in one place of the grammar only. They are lexed as
/// identifiers, so they stay usable as names (`vocab chars = …`).
public enum ContextualWord: String, CaseIterable, Sendable {
    case chars, words, tags, labels, of, tagged, labelled, file, lines, csv, column
    case windows, size, batch, shuffle, validate, into, at, shuffled, length, until, temperature, normalized, log, parts, cell, against, embedding, paired, encoder
    /// `_` in a sequence's targets: a step without a target.
    case blank = "_"
}

public enum TokenKind: Equatable, Sendable {
    case identifier
    case keyword(Keyword)
    /// An integer literal (digits only).
    case integer
    /// A number with a fraction or exponent.
    case number
    /// `"text"`: the token's `value` holds the decoded text.
    case string
    /// `'c'`: the token's `value` holds the character.
    case character
    /// `<stop>`: a special vocabulary token; `value` holds its name with the brackets.
    case specialToken
    case leftBrace, rightBrace, leftBracket, rightBracket, leftParen, rightParen
    case comma, semicolon, colon, dot, equals
    case less, lessEqual, greater, greaterEqual, equalEqual
    case plus, minus, star, slash, at
    case newline
    case endOfInput
    /// A character the lexer could not use (already diagnosed).
    case invalid
}

public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var range: SourceRange
    /// The token's source text, or its decoded value for strings and characters.
    public var value: String

    /// How the token reads in a diagnostic: `'model'`, `end of line`, …
    public var described: String {
        switch kind {
        case .newline: return "end of line"
        case .endOfInput: return "end of input"
        case .string: return "string \"\(value)\""
        case .integer, .number: return "number \(value)"
        case .keyword: return "keyword '\(value)'"
        default: return "'\(value)'"
        }
    }
}
