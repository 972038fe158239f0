#if canImport(Glibc)
@preconcurrency import Glibc
#endif
@preconcurrency import CReadline
import RNNRuntime
import RNNScript

/// What TAB offers, from the line so far: meta-commands after `:`, help
/// topics after `:help`, file names inside quotes and after `:load`/`:save`,
/// members after `name.`, and otherwise keywords, functions and declared names.
/// A pure function of the line and the session, so it is tested without readline.
enum Completion {
    static let metaCommands = [":help", ":names", ":type", ":load", ":save", ":reset", ":quit"]

    /// The characters that end a word being completed (readline's and the kernel's).
    static let wordBreakCharacters = " \t\n\"'[](){},;=@+-*/<>"
    static let wordBreaks = Set(wordBreakCharacters.unicodeScalars)

    /// Candidates for the word `line[start..<end]` (byte offsets, as readline gives them).
    static func candidates(line: String, start: Int, end: Int, state: SessionState,
                           listFiles: (String) -> [String] = Completion.files(matching:)) -> [String] {
        let bytes = Array(line.utf8)
        let s = min(max(start, 0), bytes.count), e = min(max(end, s), bytes.count)
        let word = String(decoding: bytes[s..<e], as: UTF8.self)
        let before = String(decoding: bytes[0..<s], as: UTF8.self)
        let trimmedBefore = before.drop { $0 == " " }
        if trimmedBefore.isEmpty && word.hasPrefix(":") {
            return metaCommands.filter { $0.hasPrefix(word) }
        }
        if trimmedBefore.hasPrefix(":help") { return Help.topics.keys.sorted().filter { $0.hasPrefix(word) } }
        if trimmedBefore.hasPrefix(":load") || trimmedBefore.hasPrefix(":save") { return listFiles(word) }
        // Inside an open string: a file name.
        if before.filter({ $0 == "\"" }).count % 2 == 1 { return listFiles(word) }
        if let dot = word.lastIndex(of: ".") {
            return members(of: String(word[..<dot]), prefix: word, state: state)
        }
        var words = Keyword.allCases.map(\.rawValue) + ContextualWord.allCases.map(\.rawValue).filter { $0 != "_" }
        words += ExpressionFunction.all.map(\.name)
        words += state.symbols.names
        words += Activation.allCases.map(\.rawValue) + Readout.allCases.map(\.rawValue) + LossKind.allCases.map(\.rawValue)
        words += Initializer.names + Precision.allCases.map(\.rawValue) + CellKind.allCases.map(\.rawValue)
        words += OptimizerKind.allCases.map(\.rawValue)
        return Array(Set(words.filter { $0.hasPrefix(word) })).sorted()
    }

    /// `net.` → `net.W`, `net.layer2.U_f`, …; `deep.` → `deep.inputs`, `deep.targets`.
    static func members(of base: String, prefix: String, state: SessionState) -> [String] {
        let name = String(base.split(separator: ".", maxSplits: 1).first ?? "")
        let names: [String]
        switch state.symbols[name] {
        case let .model(configuration)?: names = configuration.memberNames + configuration.traceMemberNames
        case .sequence?: names = ["inputs", "targets"]
        case .series?: names = ["values"]
        default: return []
        }
        return names.map { name + "." + $0 }.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Paths starting with `prefix` (directories end in `/`).
    static func files(matching prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let directory = slash.map { String(prefix[...$0]) } ?? ""
        let stem = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        guard let dir = opendir(directory.isEmpty ? "." : directory) else { return [] }
        defer { closedir(dir) }
        var found: [String] = []
        while let entry = readdir(dir) {
            var nameTuple = entry.pointee.d_name
            let name = withUnsafePointer(to: &nameTuple) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name == "." || name == ".." || !name.hasPrefix(stem) || (name.hasPrefix(".") && !stem.hasPrefix(".")) { continue }
            let isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            found.append(directory + name + (isDirectory ? "/" : ""))
        }
        return found.sorted()
    }
}

/// The readline side of completion: C callbacks that capture nothing, reading
/// the provider from a static (readline is single-threaded).
enum ReadlineCompletion {
    nonisolated(unsafe) static var provider: ((String, Int, Int) -> [String])?
    nonisolated(unsafe) static var matches: [String] = []
    nonisolated(unsafe) static var next = 0

    static func install() {
        // readline keeps the pointer: give it a copy that lives as long as the process.
        rnn_rl_set_word_breaks(strdup(Completion.wordBreakCharacters))
        rnn_rl_set_completion(attempted)
    }

    static let attempted: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, start, end in
        rnn_rl_no_default_completion()
        let line = String(cString: rnn_rl_line_buffer())
        ReadlineCompletion.matches = ReadlineCompletion.provider?(line, Int(start), Int(end)) ?? []
        // No space after a directory or a file name inside quotes.
        let quoted = line.utf8.prefix(Int(start)).filter { $0 == UInt8(ascii: "\"") }.count % 2 == 1
        let noSpace = quoted || ReadlineCompletion.matches.allSatisfy { $0.hasSuffix("/") } || ReadlineCompletion.matches.allSatisfy { $0.hasSuffix(".") }
        rnn_rl_set_completion_append(noSpace ? 0 : 32)
        return rl_completion_matches(text, generator)
    }

    static let generator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
        if state == 0 { ReadlineCompletion.next = 0 }
        guard ReadlineCompletion.next < ReadlineCompletion.matches.count else { return nil }
        defer { ReadlineCompletion.next += 1 }
        return strdup(ReadlineCompletion.matches[ReadlineCompletion.next])
    }
}
