/// A script's text with its name, and the mapping from byte offsets to
/// 1-based line and column (columns count Unicode scalars).
public struct SourceFile: Sendable {
    /// The name as diagnostics show it: control characters escaped
    /// (`TextDecoding.printable`), so that a diagnostic stays one line.
    public let name: String
    /// The text, without a leading byte-order mark (editors on Windows write one).
    public let text: String
    let bytes: [UInt8]
    private let lineStarts: [Int]
    /// Added to every reported line: a REPL entry keeps its session line numbers.
    public let firstLine: Int

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = TextDecoding.printable(name)
        self.text = TextDecoding.droppingByteOrderMark(text)
        self.firstLine = firstLine
        self.bytes = Array(self.text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The 1-based line and column of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let offset = min(max(offset, 0), bytes.count)
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var column = 1
        var i = lineStarts[lo]
        while i < offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        // A continuation byte at the offset itself does not start a new column.
        if offset < bytes.count, offset > lineStarts[lo], bytes[offset] & 0xC0 == 0x80 { column -= 1 }
        return SourceLocation(line: lo + firstLine, column: column)
    }

    /// The text of a 1-based line (as reported, i.e. including `firstLine`), without its newline.
    public func lineText(_ line: Int) -> String {
        let index = line - firstLine
        guard index >= 0 && index < lineStarts.count else { return "" }
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(end, start)], as: UTF8.self)
    }

    /// The source text of a byte range.
    public func slice(_ range: SourceRange) -> String {
        let lo = min(max(range.start, 0), bytes.count), hi = min(max(range.end, lo), bytes.count)
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}

/// A 1-based line and column.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A half-open range of byte offsets into a `SourceFile`.
public struct SourceRange: Equatable, Sendable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) { self.start = start; self.end = max(end, start) }
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }
}

/// Bytes read from a file turned into text: UTF-8 only (an invalid byte is an
/// error naming its line and offset, never a silent U+FFFD), a leading
/// byte-order mark dropped; and names made safe to print on one line.
public enum TextDecoding {
    /// Where a file stops being UTF-8.
    public struct InvalidUTF8: Error, Equatable, Sendable, CustomStringConvertible {
        /// 1-based line of the first invalid byte.
        public var line: Int
        /// 0-based byte offset of the first invalid byte in the file.
        public var offset: Int
        public var byte: UInt8

        public var description: String {
            let hex = String(byte, radix: 16, uppercase: true)
            return "not UTF-8: byte 0x\(hex.count < 2 ? "0" : "")\(hex) at line \(line) (byte offset \(offset)); save it as UTF-8"
        }
    }

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The text of a file's bytes, without a leading byte-order mark.
    public static func decode(_ bytes: [UInt8]) throws(InvalidUTF8) -> String {
        let start = bytes.starts(with: byteOrderMark) ? 3 : 0
        let body = bytes[start...]
        if let text = String(validating: body, as: UTF8.self) { return text }
        // Find the first invalid byte (the fast path above only says there is one).
        var iterator = body.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = start, line = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(scalar):
                if scalar.count == 1 && scalar.first == UInt8(ascii: "\n") { line += 1 }
                offset += scalar.count
            case .error:
                throw InvalidUTF8(line: line, offset: offset, byte: bytes[offset])
            case .emptyInput:
                // Not reached: the validation above failed somewhere.
                throw InvalidUTF8(line: line, offset: max(offset - 1, 0), byte: bytes.last ?? 0)
            }
        }
    }

    /// The text without a leading U+FEFF.
    public static func droppingByteOrderMark(_ text: String) -> String {
        text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
    }

    /// A name (a file name, a path from a script) safe to print on one line:
    /// control characters (C0, DEL, C1) written as escapes, `\n`, `\t`, `\u{1B}`.
    public static func printable(_ name: String) -> String {
        func isControl(_ s: Unicode.Scalar) -> Bool { s.value < 0x20 || (0x7F...0x9F).contains(s.value) }
        guard name.unicodeScalars.contains(where: isControl) else { return name }
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u{" + (hex.count < 2 ? "0" : "") + hex + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
