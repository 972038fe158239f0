/// A small JSON value with a strict parser (errors name line and column) and a
/// deterministic writer (keys in insertion order, numbers in round-trip form).
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    /// Keys keep their order.
    case object([(String, JSON)])
    /// A rows × cols matrix of numbers (row-major): written exactly as the
    /// array of row arrays, without a value per number (a weights file of 20
    /// million parameters would otherwise hold 20 million boxed values).
    case matrix(rows: Int, cols: Int, [Double])
    /// An array whose items are all numbers: what the parser gives for one
    /// (a weights file's rows), written exactly like the `.array` of `.number`s.
    case numbers([Double])

    /// The numbers of `.numbers`, or of an `.array` whose items are all numbers.
    var numberArray: [Double]? {
        switch self {
        case let .numbers(values): return values
        case let .array(items):
            var values: [Double] = []
            for item in items { guard case let .number(x) = item else { return nil }; values.append(x) }
            return values
        default: return nil
        }
    }

    /// The matrix as nested arrays (what the parser would read back).
    var expanded: JSON {
        switch self {
        case let .matrix(rows, cols, values):
            return .array((0..<rows).map { r in .array(values[(r * cols)..<((r + 1) * cols)].map(JSON.number)) })
        case let .numbers(values): return .array(values.map(JSON.number))
        default: return self
        }
    }

    public static func == (l: JSON, r: JSON) -> Bool {
        switch (l, r) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.matrix(r1, c1, a), .matrix(r2, c2, b)): return r1 == r2 && c1 == c2 && a == b
        case let (.numbers(a), .numbers(b)): return a == b
        case (.matrix, .array), (.array, .matrix), (.numbers, .array), (.array, .numbers): return l.expanded == r.expanded
        default: return false
        }
    }

    public subscript(key: String) -> JSON? {
        if case let .object(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    // MARK: Writing

    /// Compact JSON on one line.
    public var serialized: String {
        var out = ""
        write(into: &out, indent: nil, level: 0)
        return out
    }

    /// Pretty JSON, two spaces per level; arrays of numbers stay on one line.
    public var pretty: String {
        var out = ""
        write(into: &out, indent: "  ", level: 0)
        return out + "\n"
    }

    private func write(into out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(x): out += x.isFinite ? NumberFormatting.roundTrip(x) : "null"
        case let .string(s): JSON.writeString(s, into: &out)
        case let .array(items):
            let flat = indent == nil || !items.contains(where: \.isContainer)
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat && indent != nil ? ", " : "," }
                if !flat, let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                item.write(into: &out, indent: flat ? nil : indent, level: level + 1)
            }
            if !flat, let indent, !items.isEmpty { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case let .numbers(values):
            JSON.writeNumbers(values[...], into: &out, pretty: indent != nil)
        case let .matrix(rows, cols, values):
            // As the .array of its rows: each row on a line of its own when pretty.
            out += "["
            for r in 0..<rows {
                if r > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                JSON.writeNumbers(values[(r * cols)..<((r + 1) * cols)], into: &out, pretty: indent != nil)
            }
            if let indent, rows > 0 { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                JSON.writeString(key, into: &out)
                out += indent == nil ? ":" : ": "
                value.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent, !pairs.isEmpty { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    /// Arrays and objects, in any of their forms (a pretty array of them takes a line each).
    var isContainer: Bool {
        switch self {
        case .array, .object, .numbers, .matrix: return true
        default: return false
        }
    }

    /// A flat array of numbers, written as `.array` of `.number`s would be.
    static func writeNumbers(_ values: ArraySlice<Double>, into out: inout String, pretty: Bool) {
        out += "["
        for (i, x) in values.enumerated() {
            if i > 0 { out += pretty ? ", " : "," }
            out += x.isFinite ? NumberFormatting.roundTrip(x) : "null"
        }
        out += "]"
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    // MARK: Parsing

    public struct ParseError: Error, Equatable, Sendable {
        public var message: String
        public var line: Int
        public var column: Int
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> JSON {
        var parser = JSONParser(bytes: Array(text.utf8))
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String) -> JSON.ParseError {
        var line = 1, column = 1
        for b in bytes[0..<min(position, bytes.count)] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return JSON.ParseError(message: message, line: line, column: column)
    }

    mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    mutating func parseValue(depth: Int) throws(JSON.ParseError) -> JSON {
        if depth > 64 { throw error("nested too deeply") }
        skipSpace()
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var pairs: [(String, JSON)] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
                let key = try parseString()
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                position += 1
                pairs.append((key, try parseValue(depth: depth + 1)))
                skipSpace()
                guard position < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            position += 1
            // Numbers collect unboxed while every item is one (a weights file's rows).
            var items: [JSON] = [], numbers: [Double] = [], allNumbers = true
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                let item = try parseValue(depth: depth + 1)
                if allNumbers, case let .number(x) = item {
                    numbers.append(x)
                } else {
                    if allNumbers { items = numbers.map(JSON.number); numbers = []; allNumbers = false }
                    items.append(item)
                }
                skipSpace()
                guard position < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return allNumbers ? .numbers(numbers) : .array(items) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default:
            let start = position
            while position < bytes.count, JSONParser.isNumberByte(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard !text.isEmpty, let value = Double(text), value.isFinite else {
                position = start
                throw error(text.isEmpty ? "unexpected character" : "invalid number '\(text)'")
            }
            return .number(value)
        }
    }

    /// + - 0…9 . e E (a switch: `String.utf8.contains` per byte was half of loading a weights file).
    static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "e"), UInt8(ascii: "E"): return true
        default: return false
        }
    }

    mutating func literal(_ word: String, _ value: JSON) throws(JSON.ParseError) -> JSON {
        let w = Array(word.utf8)
        guard position + w.count <= bytes.count, Array(bytes[position..<position + w.count]) == w else {
            throw error("unexpected character")
        }
        position += w.count
        return value
    }

    mutating func parseString() throws(JSON.ParseError) -> String {
        position += 1
        var out = [UInt8]()
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if b == UInt8(ascii: "\\") {
                guard position < bytes.count else { break }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16) else {
                        throw error("invalid \\u escape")
                    }
                    position += 4
                    out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: out.append(e)
                }
            } else {
                out.append(b)
            }
        }
        throw error("unterminated string")
    }
}
