/// `rnnscript --ipynb OUT.ipynb FILE`: the run as a Jupyter notebook
/// (nbformat 4.5). Each block of `#` comment lines that stands on its own
/// between statements becomes a markdown cell (the `#` and one space
/// stripped, `<stop>` escaped as `\<stop>`); each cell of the script becomes a code cell with its source (and
/// a comment that ends its last line), `execution_count` its `[N]`, and its
/// outputs (`NotebookOutput`); cells after a runtime error keep their source
/// and have no outputs. A script with syntax or checking errors becomes one
/// code cell holding the whole source, its diagnostics as the error.
///
/// The same script gives the same bytes: keys sorted, cell ids counted
/// (`cell-1`, `cell-2`, …), no timestamps, written as nbformat itself writes
/// (`json.dumps(…, sort_keys=True, indent=1, ensure_ascii=False)`).
public final class JupyterNotebook {
    struct CodeCell: Equatable {
        var range: SourceRange
        var executionCount: Int?
        var outputs: [NotebookOutput]
    }

    /// `language_info.version` (the CLI passes its own version).
    public let languageVersion: String?
    /// Draw networks in the text with ASCII only: the CLI's `--ascii`, never
    /// the terminal's locale, so a notebook does not depend on where it was made.
    public let asciiDrawings: Bool
    private var source: SourceFile?
    private var cells: [CodeCell] = []
    /// The first cell not yet recorded (cells run in order).
    private var next = 0

    public init(languageVersion: String? = nil, asciiDrawings: Bool = false) {
        self.languageVersion = languageVersion
        self.asciiDrawings = asciiDrawings
    }

    /// Begins the notebook of a checked script: every cell, none run yet.
    func start(_ source: SourceFile, cells ranges: [SourceRange]) {
        self.source = source
        cells = ranges.map { CodeCell(range: $0, executionCount: nil, outputs: []) }
        next = 0
    }

    /// Records the outputs of the next cell, which ran as `[number]`.
    func record(_ range: SourceRange, number: Int, outputs: [NotebookOutput]) {
        guard let index = cells[next...].firstIndex(where: { $0.range == range }) else { return }
        cells[index].executionCount = number
        cells[index].outputs = outputs
        next = index + 1
    }

    /// A script that did not pass parsing and checking: the whole source as
    /// one cell that did not run, with its diagnostics as the error.
    func startFailed(_ source: SourceFile, diagnostics: [Diagnostic]) {
        self.source = source
        let rendered = diagnostics.map { DiagnosticRenderer(useColor: false).render($0, in: source) }.joined()
        let first = diagnostics.first
        let error = NotebookOutput.error(name: first?.message.id ?? "error", value: first?.message.text ?? "",
                                         traceback: NotebookOutput.lines(rendered))
        cells = [CodeCell(range: SourceRange(0, source.bytes.count), executionCount: nil, outputs: [error])]
        next = 1
    }

    /// The notebook's text (JSON, ending with a newline).
    public func render() -> String {
        let source = source ?? SourceFile(name: "", text: "")
        return Self.write(Self.document(source: source, cells: cells, languageVersion: languageVersion)) + "\n"
    }

    // MARK: The document

    static func document(source: SourceFile, cells: [CodeCell], languageVersion: String?) -> JSON {
        var items: [JSON] = []
        for (n, item) in layout(source, cells.map(\.range)).enumerated() {
            let id = JSON.string("cell-\(n + 1)")
            switch item {
            case let .markdown(text):
                items.append(.object([("cell_type", .string("markdown")), ("id", id), ("metadata", .object([])),
                                      ("source", NotebookOutput.multiline(text))]))
            case let .code(index):
                let cell = cells[index]
                items.append(.object([
                    ("cell_type", .string("code")), ("execution_count", cell.executionCount.map { .number(Double($0)) } ?? .null),
                    ("id", id), ("metadata", .object([])), ("outputs", .array(cell.outputs.map(\.json))),
                    ("source", NotebookOutput.multiline(codeSource(source, cell.range))),
                ]))
            }
        }
        var language: [(String, JSON)] = [
            ("file_extension", .string(".rnn")), ("mimetype", .string("text/x-rnnscript")), ("name", .string("rnnscript")),
            ("pygments_lexer", .string("text")),
        ]
        if let languageVersion { language.append(("version", .string(languageVersion))) }
        return .object([
            ("cells", .array(items)),
            ("metadata", .object([
                ("kernelspec", .object([("display_name", .string("rnnscript")), ("language", .string("rnnscript")),
                                        ("name", .string("rnnscript"))])),
                ("language_info", .object(language)),
            ])),
            ("nbformat", .number(4)), ("nbformat_minor", .number(5)),
        ])
    }

    enum Item: Equatable {
        case markdown(String)
        /// The index of a code cell.
        case code(Int)
    }

    /// The notebook's cells in source order: the code cells, and a markdown
    /// cell for every run of consecutive comment-only lines outside them
    /// (a `#!` first line is not one).
    static func layout(_ source: SourceFile, _ ranges: [SourceRange]) -> [Item] {
        let bytes = source.bytes
        var lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { lineStarts.append(i + 1) }
        func line(of offset: Int) -> Int {  // 0-based, by binary search
            var lo = 0, hi = lineStarts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        var covered = [Bool](repeating: false, count: lineStarts.count)
        var firstCellOnLine: [Int: Int] = [:]
        for (index, range) in ranges.enumerated() {
            let first = line(of: range.start), last = line(of: max(range.start, range.end - 1))
            for l in first...last { covered[l] = true }
            if firstCellOnLine[first] == nil { firstCellOnLine[first] = index }
        }
        var items: [Item] = [], block: [String] = [], nextCell = 0
        func endBlock() {
            if block.contains(where: { !$0.isEmpty }) { items.append(.markdown(block.joined(separator: "\n"))) }
            block = []
        }
        for l in lineStarts.indices {
            if let index = firstCellOnLine[l] {
                endBlock()
                while nextCell <= index { items.append(.code(nextCell)); nextCell += 1 }
                continue
            }
            if covered[l] { continue }
            let end = l + 1 < lineStarts.count ? lineStarts[l + 1] - 1 : bytes.count
            var text = Substring(String(decoding: bytes[lineStarts[l]..<end], as: UTF8.self))
            while let c = text.first, c == " " || c == "\t" { text = text.dropFirst() }
            guard text.first == "#", !(l == 0 && text.hasPrefix("#!")) else { endBlock(); continue }
            text = text.dropFirst()
            if text.first == " " { text = text.dropFirst() }
            while let c = text.last, c == " " || c == "\t" || c == "\r" { text = text.dropLast() }
            block.append(markdownEscaped(text))
        }
        endBlock()
        while nextCell < ranges.count { items.append(.code(nextCell)); nextCell += 1 }
        return items
    }

    /// A `<` before a letter or `/` escaped as `\<`, so that `<stop>` shows as
    /// written instead of being read as an HTML tag; nothing else changes.
    static func markdownEscaped(_ line: Substring) -> String {
        var out = ""
        var scalars = line.unicodeScalars.makeIterator(), current = scalars.next()
        while let scalar = current {
            let following = scalars.next()
            if scalar == "<", let following, following == "/" || following.properties.isAlphabetic { out += "\\" }
            out.unicodeScalars.append(scalar)
            current = following
        }
        return out
    }

    /// A cell's source, with the comment that ends its last line (if any).
    static func codeSource(_ source: SourceFile, _ range: SourceRange) -> String {
        let bytes = source.bytes
        var end = min(range.end, bytes.count), look = end
        while look < bytes.count, bytes[look] == UInt8(ascii: " ") || bytes[look] == UInt8(ascii: "\t") { look += 1 }
        if look < bytes.count, bytes[look] == UInt8(ascii: "#") {
            while look < bytes.count, bytes[look] != UInt8(ascii: "\n") { look += 1 }
            while look > end, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(bytes[look - 1]) { look -= 1 }
            end = look
        }
        return source.slice(SourceRange(range.start, end))
    }

    // MARK: Writing

    /// JSON as Python's `json.dumps(value, sort_keys=True, indent=1,
    /// ensure_ascii=False)` writes it, which is how nbformat saves notebooks.
    static func write(_ value: JSON) -> String {
        var out = ""
        write(value, into: &out, level: 0)
        return out
    }

    private static func write(_ value: JSON, into out: inout String, level: Int) {
        let indent = "\n" + String(repeating: " ", count: level + 1), close = "\n" + String(repeating: " ", count: level)
        switch value {
        case let .array(items) where !items.isEmpty:
            out += "["
            for (i, item) in items.enumerated() {
                out += (i > 0 ? "," : "") + indent
                write(item, into: &out, level: level + 1)
            }
            out += close + "]"
        case let .object(pairs) where !pairs.isEmpty:
            out += "{"
            // Python sorts keys by code point.
            let sorted = pairs.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
            for (i, (key, item)) in sorted.enumerated() {
                out += (i > 0 ? "," : "") + indent
                JSON.writeString(key, into: &out)
                out += ": "
                write(item, into: &out, level: level + 1)
            }
            out += close + "}"
        case .array, .object:
            out += value.serialized
        case .numbers, .matrix:
            write(value.expanded, into: &out, level: level)
        default:
            out += value.serialized
        }
    }
}
