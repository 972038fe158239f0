/// A script's text with its name, and the mapping from byte offsets to
/// 1-based line and column (columns count Unicode scalars).
public struct SourceFile: Sendable {
    public let name: String
    public let text: String
    let bytes: [UInt8]
    private let lineStarts: [Int]
    /// Added to every reported line: a REPL entry keeps its session line numbers.
    public let firstLine: Int

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.firstLine = firstLine
        self.bytes = Array(text.utf8)
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
