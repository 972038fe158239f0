import Foundation
import RNNRuntime
import Testing
@testable import RNNScript
@testable import RNNScriptCLI

/// Keeps `editors/vscode/rnnscript.tmLanguage.json` true to the language: its
/// keyword alternations are exactly the lexer's keywords and contextual words,
/// its functions and built-in values are the language's, every regex compiles,
/// and a few lines colour as they should.
@Suite("The editor grammar")
struct EditorGrammarTests {
    static let folder = packageRoot.appendingPathComponent("editors/vscode")

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func repository() throws -> [String: [String: Any]] {
        try #require(try load("rnnscript.tmLanguage.json")["repository"] as? [String: [String: Any]])
    }

    /// The words of a rule whose match is `\b(a|b|c)\b` (or `…(?=…)`, or `^\s*(:(?:a|b))\b`).
    static func alternation(_ rule: String) throws -> [String] {
        let match = try #require(try repository()[rule]?["match"] as? String)
        let open = try #require(match.range(of: "(?:") ?? match.range(of: "("))
        let close = try #require(match.range(of: ")", range: open.upperBound..<match.endIndex))
        return match[open.upperBound..<close.lowerBound].split(separator: "|").map(String.init)
    }

    @Test("the keywords are exactly the lexer's, each listed once")
    func keywords() throws {
        let keywords = try Self.alternation("keyword"), contextual = try Self.alternation("contextual-word")
        #expect(keywords.count == Set(keywords).count && contextual.count == Set(contextual).count)
        #expect(Set(keywords) == Set(Keyword.allCases.map(\.rawValue)))
        #expect(Set(contextual) == Set(ContextualWord.allCases.map(\.rawValue)))
    }

    @Test("functions, built-in values and meta-commands are the language's")
    func otherWords() throws {
        #expect(Set(try Self.alternation("function")) == Set(ExpressionFunction.all.map(\.name)))
        let values = Activation.allCases.map(\.rawValue) + Readout.allCases.map(\.rawValue) + LossKind.allCases.map(\.rawValue)
            + OptimizerKind.allCases.map(\.rawValue) + Initializer.names + Precision.allCases.map(\.rawValue)
        #expect(Set(try Self.alternation("builtin-value")) == Set(values))
        let meta = Set(try Self.alternation("meta-command").map { ":" + $0 })
        #expect(Set(Completion.metaCommands).isSubset(of: meta), "a meta-command the REPL completes is not coloured")
    }

    @Test("every regex compiles, every include resolves, the package points at the files")
    func wellFormed() throws {
        let grammar = try Self.load("rnnscript.tmLanguage.json")
        #expect(grammar["scopeName"] as? String == "source.rnnscript")
        #expect(grammar["fileTypes"] as? [String] == ["rnn"])
        let repository = try Self.repository()
        for include in (grammar["patterns"] as? [[String: String]] ?? []).compactMap({ $0["include"] }) {
            #expect(include.hasPrefix("#") && repository[String(include.dropFirst())] != nil, "\(include)")
        }
        var patterns: [String] = []
        func collect(_ rule: [String: Any]) {
            for key in ["match", "begin", "end"] { if let p = rule[key] as? String { patterns.append(p) } }
            for nested in rule["patterns"] as? [[String: Any]] ?? [] { collect(nested) }
        }
        repository.values.forEach(collect)
        #expect(patterns.count >= repository.count)
        for pattern in patterns {
            #expect(throws: Never.self, "\(pattern)") { _ = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) }
        }
        let package = try Self.load("package.json")
        let contributes = try #require(package["contributes"] as? [String: Any])
        let grammars = try #require(contributes["grammars"] as? [[String: String]])
        #expect(grammars.first?["scopeName"] == "source.rnnscript" && grammars.first?["path"] == "./rnnscript.tmLanguage.json")
        let language = try #require((contributes["languages"] as? [[String: Any]])?.first)
        #expect(language["extensions"] as? [String] == [".rnn"])
        #expect(language["configuration"] as? String == "./language-configuration.json")
        let configuration = try Self.load("language-configuration.json")
        #expect((configuration["comments"] as? [String: String])?["lineComment"] == "#")
        #expect(configuration["brackets"] as? [[String]] == [["{", "}"], ["[", "]"], ["(", ")"]])
    }

    /// A line coloured as TextMate does for single-line rules: at each point the
    /// earliest match wins, the first listed on a tie. (text, scope) per token.
    static func colour(_ line: String) throws -> [(String, String)] {
        let grammar = try load("rnnscript.tmLanguage.json"), repository = try self.repository()
        let rules = (grammar["patterns"] as? [[String: String]] ?? []).compactMap { $0["include"] }
            .compactMap { name in repository[String(name.dropFirst())].map { (String(name.dropFirst()), $0) } }
        let text = line as NSString
        var tokens: [(String, String)] = [], position = 0
        while position < text.length {
            var best: (range: NSRange, scope: String)?
            for (name, rule) in rules {
                let pattern = (rule["match"] ?? rule["begin"]) as? String ?? ""
                let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
                guard let found = regex.firstMatch(in: line, range: NSRange(location: position, length: text.length - position)),
                      found.range.length > 0, found.range.location < (best?.range.location ?? Int.max) else { continue }
                var range = found.range
                if let end = rule["end"] as? String, let closing = try NSRegularExpression(pattern: end, options: [.anchorsMatchLines])
                    .firstMatch(in: line, range: NSRange(location: NSMaxRange(range), length: text.length - NSMaxRange(range))) {
                    range.length = NSMaxRange(closing.range) - range.location
                }
                best = (range, name)
            }
            guard let best else { break }
            tokens.append((text.substring(with: best.range), best.scope))
            position = NSMaxRange(best.range)
        }
        return tokens
    }

    @Test("a few lines colour as they should")
    func colouring() throws {
        let line = try Self.colour("sequence deep = \"deep\" over chars predicting next  # e e p <stop>")
        #expect(line.map(\.1) == ["keyword", "name", "operator", "string", "keyword", "contextual-word", "keyword", "keyword", "comment"])
        let targets = try Self.colour("vocab v = ['a', <stop>]; set net.output = tanh(1.5e-3) @ net.W")
        #expect(targets.map(\.0) == ["vocab", "v", "=", "[", "'a'", ",", "<stop>", "]", ";", "set", "net", ".output", "=", "tanh", "(",
                                     "1.5e-3", ")", "@", "net", ".W"].filter { !["[", "]", "(", ")"].contains($0) })
        #expect(targets.first { $0.0 == "<stop>" }?.1 == "symbol")
        #expect(targets.first { $0.0 == ".output" }?.1 == "member")
        #expect(targets.first { $0.0 == "tanh" }?.1 == "function")
        #expect(try Self.colour("model m = lstm { state tanh }").first { $0.0 == "tanh" }?.1 == "builtin-value")
        #expect(try Self.colour("  :help train").first?.1 == "meta-command")
        #expect(try Self.colour("targets [_, 'b']").map(\.1) == ["keyword", "contextual-word", "punctuation", "character"])
    }
}
