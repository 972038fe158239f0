import RNNScript

/// The language side of the kernel's requests that run nothing:
/// `is_complete`, `complete` and `inspect`. Pure functions of the code, the
/// cursor and the session, so they are tested without sockets.
///
/// Cursor positions are counted in Unicode code points, as protocol 5.2 and
/// later specify.
enum KernelLanguage {
    /// `is_complete_reply`'s status and indent.
    enum Completeness: Equatable {
        case complete
        /// An open `{` or `[`: the front end should read another line, indented.
        case incomplete(indent: String)
        /// A syntax error that more lines cannot fix.
        case invalid

        var status: String {
            switch self {
            case .complete: return "complete"
            case .incomplete: return "incomplete"
            case .invalid: return "invalid"
            }
        }
    }

    /// Whether `code` is ready to run: the REPL's rule (an error at the end of
    /// the input means "read more"), so a front end continues a block as the REPL does.
    static func completeness(of code: String) -> Completeness {
        if code.trimmingWhitespace().isEmpty || code.trimmingWhitespace().hasPrefix(":") { return .complete }
        let (_, diagnostics) = Parser.parse(SourceFile(name: "<cell>", text: code))
        if diagnostics.isEmpty { return .complete }
        return diagnostics.allSatisfy(\.isAtEndOfInput) ? .incomplete(indent: "  ") : .invalid
    }

    /// Where the word being completed lies: its line, and the word's start and
    /// the cursor as byte offsets in that line (what `Completion.candidates`
    /// takes), and the word's start in code points of the whole code
    /// (`cursor_start`; `cursor_end` is the cursor).
    struct CompletionSite: Equatable {
        var line: String
        var start: Int
        var end: Int
        var cursorStart: Int
        var cursorEnd: Int
    }

    static func completionSite(code: String, cursor: Int) -> CompletionSite {
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(cursor, 0), scalars.count)
        var lineStart = cursor
        while lineStart > 0 && scalars[lineStart - 1] != "\n" { lineStart -= 1 }
        var lineEnd = cursor
        while lineEnd < scalars.count && scalars[lineEnd] != "\n" { lineEnd += 1 }
        var wordStart = cursor
        while wordStart > lineStart && !Completion.wordBreaks.contains(scalars[wordStart - 1]) { wordStart -= 1 }
        func text(_ range: Range<Int>) -> String {
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars[range])
            return s
        }
        return CompletionSite(line: text(lineStart..<lineEnd), start: text(lineStart..<wordStart).utf8.count,
                              end: text(lineStart..<cursor).utf8.count, cursorStart: wordStart, cursorEnd: cursor)
    }

    /// The REPL's completions for the word before the cursor, with the range they replace.
    static func complete(code: String, cursor: Int, state: SessionState,
                         listFiles: (String) -> [String] = Completion.files(matching:)) -> (matches: [String], site: CompletionSite) {
        let site = completionSite(code: code, cursor: cursor)
        return (Completion.candidates(line: site.line, start: site.start, end: site.end, state: state, listFiles: listFiles), site)
    }

    /// The whole word around the cursor (letters, digits, `_`, `.`, `:`).
    static func word(in code: String, at cursor: Int) -> String {
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(cursor, 0), scalars.count)
        var start = cursor, end = cursor
        while start > 0 && !Completion.wordBreaks.contains(scalars[start - 1]) { start -= 1 }
        while end < scalars.count && !Completion.wordBreaks.contains(scalars[end]) { end += 1 }
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[start..<end])
        return s
    }

    /// `inspect`: the `:help` topic of a keyword or statement, or what a
    /// declared name is (as `:names` shows it); nil when there is nothing to say.
    static func inspect(code: String, cursor: Int, state: SessionState) -> String? {
        var word = word(in: code, at: cursor)
        if word.hasPrefix(":help") { word = String(word.dropFirst(5)) }
        if word.isEmpty { return nil }
        if let text = Help.topic(word) { return text }
        let name = String(word.split(separator: ".", maxSplits: 1).first ?? "")
        guard let symbol = state.symbols[name] else { return nil }
        if case .value = symbol, let value = state.value(named: name) {
            return "\(name): let: \(ScriptRunner.describe(value))\n"
        }
        return "\(name): \(ScriptRunner.describe(symbol))\n"
    }
}
