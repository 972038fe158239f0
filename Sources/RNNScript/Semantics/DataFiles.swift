/// Pure parsers for the data files a script may name: numbers, CSV columns,
/// plain text, tagged lines (`word/TAG …`) and labelled lines (`LABEL text`).
/// Errors carry the 1-based line of the file.
enum DataFiles {
    struct Problem: Error, Equatable {
        var line: Int
        var detail: String
    }

    /// A data file's text as every reader sees it: without a leading
    /// byte-order mark, and with every line end ("\r\n", or a lone "\r")
    /// written "\n", so `chars of`, `file` and `lines of` agree on what a
    /// line end is (a `\r` that ends a line is never a symbol).
    static func normalized(_ text: String) -> String {
        let text = TextDecoding.droppingByteOrderMark(text)
        guard text.utf8.contains(UInt8(ascii: "\r")) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for b in text.utf8 {
            if b == UInt8(ascii: "\r") {
                bytes.append(UInt8(ascii: "\n"))
                previousWasCR = true
                continue
            }
            if !(b == UInt8(ascii: "\n") && previousWasCR) { bytes.append(b) }
            previousWasCR = false
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lines without their terminators ("\n", "\r\n" or a lone "\r"). In Swift
    /// "\r\n" is one Character, so it must be named as a separator of its own.
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    /// Lines holding only spaces and tabs (the empty piece after a final line end is no line).
    static func blankLineCount(_ text: String) -> Int {
        var all = lines(text)
        if all.last?.isEmpty == true { all.removeLast() }
        return all.filter { trimmed($0).isEmpty }.count
    }

    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }

    static func number(_ token: Substring) -> Double? {
        guard let value = Double(token), value.isFinite else { return nil }
        return value
    }

    /// Numbers separated by white space or commas.
    static func numbers(_ text: String) throws(Problem) -> [Double] {
        var values: [Double] = []
        for (index, line) in lines(text).enumerated() {
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) {
                guard let value = number(token) else {
                    throw Problem(line: index + 1, detail: "'\(token)' is not a number")
                }
                values.append(value)
            }
        }
        return values
    }

    /// The cells of one CSV line (double quotes may enclose commas; "" is a quote).
    static func csvCells(_ line: Substring) -> [Substring] {
        var cells: [Substring] = []
        var current = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" { current.append("\""); index = next } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                cells.append(trimmed(Substring(current)))
                current = ""
            } else {
                current.append(c)
            }
            index = line.index(after: index)
        }
        cells.append(trimmed(Substring(current)))
        return cells
    }

    enum Column: Equatable { case name(String), index(Int) }

    /// One numeric column of a CSV file. A column named by header needs a header
    /// row; with a 1-based index, a first row that is not numeric there is a header.
    static func csvColumn(_ text: String, _ column: Column) throws(Problem) -> [Double] {
        let all = lines(text).enumerated().filter { !trimmed($0.element).isEmpty }
        guard let first = all.first else { throw Problem(line: 1, detail: "the file is empty") }
        let header = csvCells(first.element)
        var position: Int
        var rows = all[...]
        switch column {
        case let .name(name):
            guard let found = header.firstIndex(where: { $0 == name }) else {
                throw Problem(line: first.offset + 1,
                              detail: "no column '\(name)' (the header has: \(header.map { "'\($0)'" }.joined(separator: ", ")))")
            }
            position = found
            rows = rows.dropFirst()
        case let .index(i):
            guard i >= 1 && i <= header.count else {
                throw Problem(line: first.offset + 1, detail: "no column \(i) (the first row has \(header.count) columns)")
            }
            position = i - 1
            if number(header[position]) == nil { rows = rows.dropFirst() }
        }
        let columnName: String = header.indices.contains(position) && number(header[position]) == nil ? "'\(header[position])'" : "\(position + 1)"
        var values: [Double] = []
        for (offset, line) in rows {
            let cells = csvCells(line)
            guard position < cells.count else {
                throw Problem(line: offset + 1, detail: "the row has no column \(columnName) (only \(cells.count) cells)")
            }
            let cell = cells[position]
            guard let value = number(cell) else {
                throw Problem(line: offset + 1,
                              detail: cell.isEmpty ? "column \(columnName) is empty" : "column \(columnName) holds '\(cell)', not a number")
            }
            values.append(value)
        }
        guard !values.isEmpty else { throw Problem(line: first.offset + 1, detail: "column \(columnName) has no values") }
        return values
    }

    /// A text split into symbols: Unicode scalars, or words separated by white space.
    static func symbols(_ text: Substring, words: Bool) -> [String] {
        if words { return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map(String.init) }
        return text.unicodeScalars.map { String($0) }
    }

    /// `word/TAG word/TAG …` per non-empty line: the words and the tags of each line.
    static func taggedLines(_ text: String) throws(Problem) -> [(line: Int, words: [String], tags: [String])] {
        var result: [(Int, [String], [String])] = []
        for (index, line) in lines(text).enumerated() where !trimmed(line).isEmpty {
            var words: [String] = [], tags: [String] = []
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let slash = token.lastIndex(of: "/"), slash != token.startIndex, token.index(after: slash) != token.endIndex else {
                    throw Problem(line: index + 1, detail: "'\(token)' is not of the form word/TAG")
                }
                words.append(String(token[..<slash]))
                tags.append(String(token[token.index(after: slash)...]))
            }
            result.append((index + 1, words, tags))
        }
        return result
    }

    /// `LABEL rest of the line` per non-empty line.
    static func labelledLines(_ text: String) throws(Problem) -> [(line: Int, label: String, text: Substring)] {
        var result: [(Int, String, Substring)] = []
        for (index, line) in lines(text).enumerated() where !trimmed(line).isEmpty {
            let body = trimmed(line)
            guard let space = body.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                throw Problem(line: index + 1, detail: "a labelled line needs a label and a text")
            }
            result.append((index + 1, String(body[..<space]), trimmed(body[space...])))
        }
        return result
    }
}
