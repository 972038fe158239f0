import Foundation
import Testing
@testable import RNNScript

/// Keeps `grammar/rnnscript.ebnf` and the parser in agreement: the grammar's
/// words are the lexer's keywords, its productions are the parser's doc
/// comments, the examples parse, and so do programs generated from the grammar.
@Suite struct GrammarTests {
    // MARK: - Words and keywords

    /// The quoted words are the reserved keywords plus the contextual words
    /// (identifiers with a meaning in one place), and no others.
    @Test func quotedWordsAreExactlyTheKeywords() throws {
        let grammar = try GrammarFiles.grammar()
        let words = grammar.quotedTerminals().filter { word in
            !word.isEmpty && word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
        }
        let keywords = Set(Keyword.allCases.map(\.rawValue)).union(ContextualWord.allCases.map(\.rawValue))
        #expect(words.subtracting(keywords).isEmpty, "quoted in the grammar but not keywords: \(words.subtracting(keywords).sorted())")
        #expect(keywords.subtracting(words).isEmpty, "keywords missing from the grammar: \(keywords.subtracting(words).sorted())")
    }

    // MARK: - Productions and parse functions

    /// Productions parsed inline by another function, which documents them.
    static let inlinedProductions: [String: String] = [
        "cell-kind": "parseModelDeclaration",
        "model-entries": "parseModelDeclaration",
        "text-sequence": "parseSequenceDeclaration",
        "text-target": "parseSequenceDeclaration",
        "series-sequence": "parseSequenceDeclaration",
        "series-source": "parseSeriesDeclaration",
        "lines-target": "parseDatasetDeclaration",
        "sample-option": "parseSampleStatement",
        "literal-sequence": "parseSequenceDeclaration",
        "optimizer-entries": "parseOptimizerDeclaration",
        "optimizer-entry": "parseOptimizerDeclaration",
        "comparison": "parseExpectStatement",
        "index": "parsePostfix",
    ]

    @Test func everyProductionHasAParseFunction() throws {
        let grammar = try GrammarFiles.grammar()
        let parser = try ParserSource(text: GrammarFiles.parserSource())
        for name in grammar.order where !EBNFGrammar.isLexical(name) {
            let function = ParserSource.functionName(for: name)
            if let host = Self.inlinedProductions[name] {
                #expect(parser.functions[function] == nil, "\(name) now has \(function): remove it from inlinedProductions")
                let documented = parser.functions[host]?.productions.map(\.name) ?? []
                #expect(documented.contains(name), "\(name) is parsed inline by \(host), whose doc comment should define it")
            } else {
                #expect(parser.functions[function] != nil, "the grammar's \(name) has no \(function) in the Parser files")
            }
        }
    }

    @Test func parseFunctionsDocumentTheGrammarsProductions() throws {
        let grammar = try GrammarFiles.grammar()
        let parser = try ParserSource(text: GrammarFiles.parserSource())
        // A function named for a production documents that production first.
        for (function, info) in parser.functions {
            let name = ParserSource.productionName(for: function)
            guard grammar.productions[name] != nil else { continue }
            #expect(info.productions.first?.name == name, "\(function) should carry the doc comment '/// \(name) ::= …'")
        }
        // Every documented production is the grammar's, right-hand side and all.
        var documented: Set<String> = []
        for production in parser.productions {
            documented.insert(production.name)
            guard let rule = grammar.productions[production.name] else {
                Issue.record("the Parser files document \(production.name), which the grammar does not define")
                continue
            }
            let rhs = try EBNFReader.expression(production.rhs)
            #expect(rhs == rule, "\(production.name): the doc comment says '\(production.rhs)', the grammar differs")
        }
        let undocumented = grammar.order.filter { !EBNFGrammar.isLexical($0) && !documented.contains($0) }
        #expect(undocumented.isEmpty, "productions no doc comment in the Parser files defines: \(undocumented)")
    }

    @Test func grammarIsWellFormed() throws {
        let grammar = try GrammarFiles.grammar()
        #expect(grammar.order.first == "script")
        #expect(grammar.undefinedReferences().isEmpty, "used but not defined: \(grammar.undefinedReferences().sorted())")
        let heights = grammar.minimumHeights()
        let endless = grammar.order.filter { heights[$0] == nil }
        #expect(endless.isEmpty, "productions that derive no finite text: \(endless)")
        for name in grammar.order where !EBNFGrammar.isLexical(name) {
            #expect(!grammar.productions[name]!.usesCharacterClasses, "\(name) is syntactic but uses a character class")
        }
    }

    // MARK: - Examples

    @Test(arguments: GrammarFiles.examples())
    func exampleParses(_ path: String) throws {
        let source = SourceFile(name: path, text: try GrammarFiles.read(path))
        let (_, diagnostics) = Parser.parse(source)
        #expect(diagnostics.isEmpty, "\(GrammarFiles.render(diagnostics, in: source))")
    }

    // MARK: - Generated programs

    static let seeds: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8]
    static let programsPerSeed = 200

    @Test(arguments: seeds)
    func generatedProgramsParse(seed: UInt64) throws {
        var generator = GrammarProgramGenerator(grammar: try GrammarFiles.grammar(), seed: seed)
        var failures = 0
        for number in 0..<Self.programsPerSeed {
            let program = generator.program()
            let source = SourceFile(name: "generated-\(seed)-\(number).rnn", text: program)
            let (_, diagnostics) = Parser.parse(source)
            if !diagnostics.isEmpty {
                failures += 1
                if failures <= 3 {
                    Issue.record("program \(number) of seed \(seed) does not parse:\n\(program)\n\(GrammarFiles.render(diagnostics, in: source))")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(Self.programsPerSeed) generated programs did not parse")
    }

    /// The generated programs exercise the whole grammar.
    @Test func generatedProgramsCoverTheGrammar() throws {
        let grammar = try GrammarFiles.grammar()
        var expanded: Set<String> = [], emitted: Set<String> = []
        for seed in Self.seeds {
            var generator = GrammarProgramGenerator(grammar: grammar, seed: seed)
            for _ in 0..<Self.programsPerSeed { _ = generator.program() }
            expanded.formUnion(generator.expanded)
            emitted.formUnion(generator.emitted)
        }
        let syntactic = grammar.order.filter { !EBNFGrammar.isLexical($0) }
        let lexicalUsed = Set(syntactic.flatMap { grammar.productions[$0]!.references }).filter(EBNFGrammar.isLexical)
        let missedProductions = Set(syntactic).union(lexicalUsed).subtracting(expanded)
        let missedTerminals = grammar.quotedTerminals(in: syntactic).subtracting(emitted)
        #expect(missedProductions.isEmpty, "never generated: \(missedProductions.sorted())")
        #expect(missedTerminals.isEmpty, "never generated: \(missedTerminals.sorted())")
    }

    @Test func generatorNamesAreNotKeywords() {
        let keywords = Set(Keyword.allCases.map(\.rawValue)).union(ContextualWord.allCases.map(\.rawValue))
        #expect(Set(GrammarProgramGenerator.lexemes["IDENTIFIER"]!).isDisjoint(with: keywords))
    }
}

// MARK: - Files

enum GrammarFiles {
    /// The package root, three levels above this file.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The parser's files (Parser.swift and its Parser+… extensions), concatenated.
    static func parserSource() throws -> String {
        let folder = root.appendingPathComponent("Sources/RNNScript/Syntax")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0 == "Parser.swift" || ($0.hasPrefix("Parser+") && $0.hasSuffix(".swift")) }.sorted()
        #expect(names.count >= 2, "the parser's files: \(names)")
        return try names.map { try read("Sources/RNNScript/Syntax/" + $0) }.joined(separator: "\n")
    }

    static func grammar() throws -> EBNFGrammar {
        try EBNFReader.grammar(read("grammar/rnnscript.ebnf"))
    }

    /// Every `examples/**/*.rnn`, relative to the package root, sorted.
    static func examples() -> [String] {
        let directory = root.appendingPathComponent("examples")
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".rnn") { found.append("examples/" + item) }
        }
        return found.sorted()
    }

    static func render(_ diagnostics: [Diagnostic], in source: SourceFile) -> String {
        diagnostics.map { DiagnosticRenderer().render($0, in: source) }.joined()
    }
}

// MARK: - A W3C EBNF reader

/// A production's right-hand side.
indirect enum EBNFNode: Equatable, Sendable {
    /// A quoted terminal, 'x' or "x".
    case terminal(String)
    /// `[a-z]`, `[^#xA]` or `#xA`: one character (token productions only).
    case characterClass(String)
    /// Another production, by name.
    case reference(String)
    case sequence([EBNFNode])
    case choice([EBNFNode])
    case optional(EBNFNode)
    case zeroOrMore(EBNFNode)
    case oneOrMore(EBNFNode)
    /// `A - B`: an A that is not a B.
    case difference(EBNFNode, EBNFNode)

    var children: [EBNFNode] {
        switch self {
        case .terminal, .characterClass, .reference: return []
        case .sequence(let items), .choice(let items): return items
        case .optional(let item), .zeroOrMore(let item), .oneOrMore(let item): return [item]
        case .difference(let a, let b): return [a, b]
        }
    }

    var terminals: [String] {
        if case .terminal(let text) = self { return [text] }
        return children.flatMap(\.terminals)
    }

    var references: [String] {
        if case .reference(let name) = self { return [name] }
        return children.flatMap(\.references)
    }

    var usesCharacterClasses: Bool {
        if case .characterClass = self { return true }
        return children.contains { $0.usesCharacterClasses }
    }
}

struct EBNFGrammar: Sendable {
    var productions: [String: EBNFNode] = [:]
    /// Production names in file order.
    var order: [String] = []

    /// UPPER-CASE names are tokens made by the lexer.
    static func isLexical(_ name: String) -> Bool { name == name.uppercased() }

    func quotedTerminals(in names: [String]? = nil) -> Set<String> {
        Set((names ?? order).flatMap { productions[$0]!.terminals })
    }

    func undefinedReferences() -> Set<String> {
        Set(order.flatMap { productions[$0]!.references }).subtracting(order)
    }

    /// The height of the shortest derivation tree of each production; tokens
    /// count as leaves. A production missing from the result derives nothing finite.
    func minimumHeights() -> [String: Int] {
        var heights: [String: Int] = [:]
        var changed = true
        while changed {
            changed = false
            for name in order {
                let height = Self.isLexical(name) ? 0 : minimumHeight(of: productions[name]!, heights).map { $0 + 1 }
                if let height, heights[name].map({ height < $0 }) ?? true {
                    heights[name] = height
                    changed = true
                }
            }
        }
        return heights
    }

    func minimumHeight(of node: EBNFNode, _ heights: [String: Int]) -> Int? {
        switch node {
        case .terminal, .characterClass: return 0
        case .reference(let name): return Self.isLexical(name) ? 0 : heights[name]
        case .sequence(let items):
            let parts = items.map { minimumHeight(of: $0, heights) }
            return parts.contains { $0 == nil } ? nil : parts.map { $0! }.max() ?? 0
        case .choice(let items): return items.compactMap { minimumHeight(of: $0, heights) }.min()
        case .optional, .zeroOrMore: return 0
        case .oneOrMore(let item), .difference(let item, _): return minimumHeight(of: item, heights)
        }
    }
}

struct EBNFSyntaxError: Error, CustomStringConvertible {
    var description: String
}

/// Reads `name ::= expression` productions: quoted terminals, names,
/// `[...]` classes, `#xN`, `( )`, `|`, `?` `*` `+`, `A - B`, `/* comments */`.
struct EBNFReader {
    enum Token: Equatable {
        case name(String), define, quoted(String), characterClass(String), symbol(Character)
    }

    private var tokens: [Token]
    private var index = 0

    static func grammar(_ text: String) throws -> EBNFGrammar {
        var reader = EBNFReader(tokens: try tokenize(text))
        var grammar = EBNFGrammar()
        while reader.index < reader.tokens.count {
            guard reader.atProductionStart, case .name(let name) = reader.tokens[reader.index] else {
                throw EBNFSyntaxError(description: "expected 'name ::=', found \(reader.tokens[reader.index])")
            }
            reader.index += 2
            guard grammar.productions[name] == nil else { throw EBNFSyntaxError(description: "\(name) is defined twice") }
            grammar.productions[name] = try reader.choice()
            grammar.order.append(name)
        }
        return grammar
    }

    /// One right-hand side, e.g. from a doc comment.
    static func expression(_ text: String) throws -> EBNFNode {
        var reader = EBNFReader(tokens: try tokenize(text))
        let node = try reader.choice()
        guard reader.index == reader.tokens.count else {
            throw EBNFSyntaxError(description: "unexpected \(reader.tokens[reader.index]) in '\(text)'")
        }
        return node
    }

    static func tokenize(_ text: String) throws -> [Token] {
        let chars = Array(text)
        var tokens: [Token] = []
        var i = 0
        func starts(_ s: String) -> Bool { Array(s).enumerated().allSatisfy { i + $0.offset < chars.count && chars[i + $0.offset] == $0.element } }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if starts("/*") {
                i += 2
                while i < chars.count, !starts("*/") { i += 1 }
                guard i < chars.count else { throw EBNFSyntaxError(description: "unterminated comment") }
                i += 2
            } else if starts("::=") {
                tokens.append(.define)
                i += 3
            } else if c == "'" || c == "\"" || c == "[" {
                let close: Character = c == "[" ? "]" : c
                var j = i + 1
                while j < chars.count, chars[j] != close, chars[j] != "\n" { j += 1 }
                guard j < chars.count, chars[j] == close, j > i + 1 else { throw EBNFSyntaxError(description: "bad terminal at \(String(chars[i..<min(j, chars.count)]))") }
                let body = String(chars[(i + 1)..<j])
                tokens.append(c == "[" ? .characterClass("[\(body)]") : .quoted(body))
                i = j + 1
            } else if starts("#x") {
                var j = i + 2
                while j < chars.count, chars[j].isHexDigit { j += 1 }
                tokens.append(.characterClass(String(chars[i..<j])))
                i = j
            } else if c.isLetter {
                var j = i + 1
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "-" { j += 1 }
                while chars[j - 1] == "-" { j -= 1 }
                tokens.append(.name(String(chars[i..<j])))
                i = j
            } else if "()|?*+-".contains(c) {
                tokens.append(.symbol(c))
                i += 1
            } else {
                throw EBNFSyntaxError(description: "unexpected character '\(c)'")
            }
        }
        return tokens
    }

    private var atProductionStart: Bool {
        guard index + 1 < tokens.count, case .name = tokens[index] else { return false }
        return tokens[index + 1] == .define
    }

    private var atEndOfSequence: Bool {
        index >= tokens.count || atProductionStart || tokens[index] == .symbol("|") || tokens[index] == .symbol(")")
    }

    private mutating func choice() throws -> EBNFNode {
        var alternatives = [try sequence()]
        while index < tokens.count, tokens[index] == .symbol("|") {
            index += 1
            alternatives.append(try sequence())
        }
        return alternatives.count == 1 ? alternatives[0] : .choice(alternatives)
    }

    private mutating func sequence() throws -> EBNFNode {
        var items: [EBNFNode] = []
        while !atEndOfSequence { items.append(try difference()) }
        guard !items.isEmpty else { throw EBNFSyntaxError(description: "empty alternative") }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func difference() throws -> EBNFNode {
        let item = try postfix()
        if index < tokens.count, tokens[index] == .symbol("-") {
            index += 1
            return .difference(item, try postfix())
        }
        return item
    }

    private mutating func postfix() throws -> EBNFNode {
        var item = try atom()
        while index < tokens.count, case .symbol(let s) = tokens[index], "?*+".contains(s) {
            index += 1
            item = s == "?" ? .optional(item) : s == "*" ? .zeroOrMore(item) : .oneOrMore(item)
        }
        return item
    }

    private mutating func atom() throws -> EBNFNode {
        guard index < tokens.count else { throw EBNFSyntaxError(description: "unexpected end of grammar") }
        let token = tokens[index]
        index += 1
        switch token {
        case .name(let name): return .reference(name)
        case .quoted(let text): return .terminal(text)
        case .characterClass(let text): return .characterClass(text)
        case .symbol("("):
            let inner = try choice()
            guard index < tokens.count, tokens[index] == .symbol(")") else { throw EBNFSyntaxError(description: "missing ')'") }
            index += 1
            return inner
        default:
            throw EBNFSyntaxError(description: "unexpected \(token)")
        }
    }
}

// MARK: - Parser.swift's doc comments

/// The `parseX` functions of Parser.swift and the productions in their doc comments.
struct ParserSource {
    struct Production { var name: String; var rhs: String }
    struct Function { var productions: [Production] }

    var functions: [String: Function] = [:]
    /// Every `/// name ::= …` in the file, in order.
    var productions: [Production] = []

    init(text: String) {
        var block: [Production] = []
        var open = false  // the last production may continue on the next `///` line
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("///") {
                let body = trimmed.dropFirst(3)
                if let range = body.range(of: "::=") {
                    let name = body[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                    block.append(Production(name: name, rhs: String(body[range.upperBound...])))
                    open = true
                } else if open, body.hasPrefix("  ") {
                    block[block.count - 1].rhs += " " + body
                } else {
                    open = false
                }
                continue
            }
            if let range = trimmed.range(of: #"func parse[A-Za-z]+"#, options: .regularExpression) {
                let name = String(trimmed[range].dropFirst("func ".count))
                functions[name] = Function(productions: block)
            }
            productions += block
            block = []
            open = false
        }
    }

    /// `model-declaration` → `parseModelDeclaration`.
    static func functionName(for production: String) -> String {
        "parse" + production.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `parseModelDeclaration` → `model-declaration`.
    static func productionName(for function: String) -> String {
        var name = ""
        for c in function.dropFirst("parse".count) {
            if c.isUppercase, !name.isEmpty { name += "-" }
            name += c.lowercased()
        }
        return name
    }
}

// MARK: - Random programs

/// SplitMix64: a tiny deterministic generator for reproducible programs.
struct GrammarSplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Expands `script` at random, tokens separated by a space. Below a random
/// depth every choice is free; past it, the generator takes the shortest way out.
struct GrammarProgramGenerator {
    /// Concrete text for each token production.
    static let lexemes: [String: [String]] = [
        "IDENTIFIER": ["net", "deep", "xent", "opt", "W", "s0", "tanh", "softmax", "uniform", "lr", "layer1", "bh_n", "U_i", "_t2"],
        "INTEGER": ["0", "3", "42", "007"],
        "NUMBER": ["0.5", ".25", "2.", "1e-3", "2.5E+2", "3e2"],
        "STRING": [#""deep""#, #""net.json""#, #""say \"hi\"""#, #""""#],
        "CHARACTER": ["'a'", #"'\n'"#, #"'\''"#, "'é'"],
        "SPECIAL-TOKEN": ["<stop>", "<unk>"],
        "NEWLINE": ["\n", "# a comment\n"],
    ]

    let grammar: EBNFGrammar
    private let heights: [String: Int]
    private var random: GrammarSplitMix64
    private var maximumDepth = 0
    private var tokens: [String] = []
    /// The productions (token productions included) and quoted terminals used so far.
    private(set) var expanded: Set<String> = []
    private(set) var emitted: Set<String> = []

    init(grammar: EBNFGrammar, seed: UInt64) {
        self.grammar = grammar
        self.heights = grammar.minimumHeights()
        self.random = GrammarSplitMix64(state: seed)
    }

    mutating func program() -> String {
        tokens = []
        maximumDepth = 6 + random.below(10)
        expand(.reference("script"), depth: 0)
        return tokens.joined(separator: " ")
    }

    private func height(_ node: EBNFNode) -> Int {
        grammar.minimumHeight(of: node, heights) ?? Int.max
    }

    private mutating func expand(_ node: EBNFNode, depth: Int) {
        let free = depth < maximumDepth
        switch node {
        case .terminal(let text):
            tokens.append(text)
            emitted.insert(text)
        case .reference(let name):
            expanded.insert(name)
            if let choices = Self.lexemes[name] {
                tokens.append(choices[random.below(choices.count)])
            } else if EBNFGrammar.isLexical(name) {
                Issue.record("the generator has no text for the token \(name)")
            } else {
                expand(grammar.productions[name]!, depth: depth + 1)
            }
        case .sequence(let items):
            for item in items { expand(item, depth: depth) }
        case .choice(let alternatives):
            let shortest = alternatives.map(height).min()!
            let candidates = free ? alternatives : alternatives.filter { height($0) == shortest }
            expand(candidates[random.below(candidates.count)], depth: depth)
        case .optional(let item):
            if free, random.below(2) == 0 { expand(item, depth: depth) }
        case .zeroOrMore(let item):
            for _ in 0..<(free ? random.below(4) : 0) { expand(item, depth: depth) }
        case .oneOrMore(let item):
            for _ in 0..<(free ? 1 + random.below(3) : 1) { expand(item, depth: depth) }
        case .characterClass, .difference:
            Issue.record("the generator reached a character class outside a token production")
        }
    }
}
