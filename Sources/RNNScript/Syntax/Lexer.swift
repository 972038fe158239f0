/// Turns source text into tokens. Newlines are tokens (they end statements);
/// `#` starts a comment that runs to the end of the line.
public struct Lexer {
    private let source: SourceFile
    private let bytes: [UInt8]
    private var position = 0
    public private(set) var diagnostics: [Diagnostic] = []

    public init(_ source: SourceFile) {
        self.source = source
        self.bytes = source.bytes
    }

    private static let keywords: [String: Keyword] = Dictionary(
        uniqueKeysWithValues: Keyword.allCases.map { ($0.rawValue, $0) })

    /// Every token of the source, ending with `.endOfInput`.
    public mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = next()
            tokens.append(token)
            if token.kind == .endOfInput { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
    }
    private static func isIdentifierPart(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Bytes that can begin a token or separate tokens (ASCII only).
    private static func startsToken(_ b: UInt8) -> Bool {
        b < 0x80 && (isIdentifierPart(b) || " \t\r\n#{}[]()<>=,;:.+-*/@\"'".utf8.contains(b))
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private func make(_ kind: TokenKind, _ start: Int, value: String? = nil) -> Token {
        Token(kind: kind, range: SourceRange(start, position), value: value ?? text(start, position))
    }

    private mutating func next() -> Token {
        // Skip blanks and comments (not newlines).
        while let b = peek() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                position += 1
            } else if b == UInt8(ascii: "#") {
                while let c = peek(), c != UInt8(ascii: "\n") { position += 1 }
            } else {
                break
            }
        }
        let start = position
        guard let b = peek() else { return make(.endOfInput, start, value: "") }
        position += 1
        switch b {
        case UInt8(ascii: "\n"): return make(.newline, start, value: "\\n")
        case UInt8(ascii: "{"): return make(.leftBrace, start)
        case UInt8(ascii: "}"): return make(.rightBrace, start)
        case UInt8(ascii: "["): return make(.leftBracket, start)
        case UInt8(ascii: "]"): return make(.rightBracket, start)
        case UInt8(ascii: "("): return make(.leftParen, start)
        case UInt8(ascii: ")"): return make(.rightParen, start)
        case UInt8(ascii: ","): return make(.comma, start)
        case UInt8(ascii: ";"): return make(.semicolon, start)
        case UInt8(ascii: ":"): return make(.colon, start)
        case UInt8(ascii: "+"): return make(.plus, start)
        case UInt8(ascii: "-"): return make(.minus, start)
        case UInt8(ascii: "*"): return make(.star, start)
        case UInt8(ascii: "/"): return make(.slash, start)
        case UInt8(ascii: "@"): return make(.at, start)
        case UInt8(ascii: "="):
            if peek() == UInt8(ascii: "=") { position += 1; return make(.equalEqual, start) }
            return make(.equals, start)
        case UInt8(ascii: ">"):
            if peek() == UInt8(ascii: "=") { position += 1; return make(.greaterEqual, start) }
            return make(.greater, start)
        case UInt8(ascii: "<"):
            // `<stop>`: a special token when a name and `>` follow with no space.
            if let c = peek(), Self.isIdentifierStart(c) {
                var end = position
                while end < bytes.count, Self.isIdentifierPart(bytes[end]) { end += 1 }
                if end < bytes.count, bytes[end] == UInt8(ascii: ">") {
                    position = end + 1
                    return make(.specialToken, start)
                }
            }
            if peek() == UInt8(ascii: "=") { position += 1; return make(.lessEqual, start) }
            return make(.less, start)
        case UInt8(ascii: "."):
            if let c = peek(), Self.isDigit(c) { return number(start) }
            return make(.dot, start)
        case UInt8(ascii: "\""):
            return string(start)
        case UInt8(ascii: "'"):
            return character(start)
        default:
            if Self.isDigit(b) { return number(start) }
            if Self.isIdentifierStart(b) {
                while let c = peek(), Self.isIdentifierPart(c) { position += 1 }
                let word = text(start, position)
                if let keyword = Self.keywords[word] { return make(.keyword(keyword), start) }
                return make(.identifier, start)
            }
            // A run of unusable characters is one error, not one per byte.
            while let c = peek(), !Self.startsToken(c) { position += 1 }
            let shown = text(start, position)
            let scalars = Array(shown.unicodeScalars)
            let printable = scalars.count == 1 && scalars[0].value >= 0x20 && scalars[0].value != 0x7F
                && scalars[0] != "\u{FFFD}" && !scalars[0].properties.isWhitespace
            let description = printable ? "'\(shown)'"
                : scalars.count == 1 ? "U+" + String(scalars[0].value, radix: 16, uppercase: true)
                : "(\(position - start) bytes that are not rnnscript text)"
            diagnostics.append(Diagnostic(.unexpectedCharacter(description), at: SourceRange(start, position)))
            return make(.invalid, start)
        }
    }

    private mutating func number(_ start: Int) -> Token {
        position = start
        var isInteger = true
        while let c = peek(), Self.isDigit(c) { position += 1 }
        if peek() == UInt8(ascii: "."), let c = peek(1), Self.isDigit(c) {
            isInteger = false
            position += 1
            while let c = peek(), Self.isDigit(c) { position += 1 }
        } else if peek() == UInt8(ascii: "."), start < position, !(peek(1).map(Self.isIdentifierStart) ?? false) {
            // `1.` is a number; `net.W` never starts with a digit.
            isInteger = false
            position += 1
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var look = 1
            if let s = peek(1), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { look = 2 }
            if let d = peek(look), Self.isDigit(d) {
                isInteger = false
                position += look
                while let c = peek(), Self.isDigit(c) { position += 1 }
            }
        }
        let token = make(isInteger ? .integer : .number, start)
        if Double(token.value) == nil {
            diagnostics.append(Diagnostic(.invalidNumber(token.value), at: token.range))
            return Token(kind: .invalid, range: token.range, value: token.value)
        }
        return token
    }

    private mutating func string(_ start: Int) -> Token {
        var value = [UInt8]()
        while let c = peek() {
            if c == UInt8(ascii: "\n") { break }
            position += 1
            if c == UInt8(ascii: "\"") {
                return Token(kind: .string, range: SourceRange(start, position), value: String(decoding: value, as: UTF8.self))
            }
            if c == UInt8(ascii: "\\"), let e = peek(), e != UInt8(ascii: "\n") {
                position += 1
                switch e {
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                default: value.append(e)
                }
            } else {
                value.append(c)
            }
        }
        diagnostics.append(Diagnostic(.unterminatedString, at: SourceRange(start, position)))
        return Token(kind: .invalid, range: SourceRange(start, position), value: text(start, position))
    }

    private mutating func character(_ start: Int) -> Token {
        // One Unicode scalar (or an escape) between single quotes.
        var end = position
        if end < bytes.count, bytes[end] == UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] != UInt8(ascii: "\n"), end > position || bytes[end] != UInt8(ascii: "'") {
            end += 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "'"), end > position {
            var value = text(position, end)
            if value.hasPrefix("\\") {
                value = String(value.dropFirst())
                if value == "n" { value = "\n" } else if value == "t" { value = "\t" }
            }
            position = end + 1
            return Token(kind: .character, range: SourceRange(start, position), value: value)
        }
        while let c = peek(), c != UInt8(ascii: "'"), c != UInt8(ascii: "\n") { position += 1 }
        if peek() == UInt8(ascii: "'") { position += 1 }
        diagnostics.append(Diagnostic(.invalidCharacterLiteral, at: SourceRange(start, position)))
        return Token(kind: .invalid, range: SourceRange(start, position), value: text(start, position))
    }
}
