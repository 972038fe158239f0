#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import RNNScript

/// `:save FILE`: the session's successful entries as a script that runs from
/// any folder. A script resolves its paths against its own folder, while the
/// session resolved each entry's paths against the working directory (or, for
/// a `:load`ed file, against that file's folder); so every relative path in a
/// data declaration, `save`, `load` or `trace … to` is rewritten: relative to
/// the saved script's folder when the file is inside it, absolute otherwise.
/// Absolute paths stay as typed.
enum SessionScript {
    static let header = "# rnnscript session, saved with :save\n\n"

    /// The script for `entries` (each with the folder its paths were resolved
    /// against, "" for the working directory), to be written at `target`.
    static func render(_ entries: [(text: String, folder: String)], savedTo target: String,
                       workingDirectory: String = currentDirectory()) -> String {
        let scriptFolder = normalize(absolute(FileSystem.directory(of: target), in: workingDirectory))
        var out = header
        for entry in entries {
            let folder = absolute(entry.folder.isEmpty ? "." : entry.folder, in: workingDirectory)
            let text = rewritingPaths(in: entry.text) { path in
                let full = normalize(absolute(path, in: folder))
                let prefix = scriptFolder == "/" ? "/" : scriptFolder + "/"
                return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
            }
            out += text.hasSuffix("\n") ? text : text + "\n"
        }
        return out
    }

    /// `text` with every relative path literal replaced by `rewrite(path)`.
    static func rewritingPaths(in text: String, _ rewrite: (String) -> String) -> String {
        let source = SourceFile(name: "<session>", text: text)
        let (statements, errors) = Parser.parse(source)
        guard errors.isEmpty else { return text }
        let literals = statements.flatMap { pathLiterals(in: $0) }
            .filter { !$0.value.hasPrefix("/") }
            .sorted { $0.range.start > $1.range.start }
        var bytes = Array(source.text.utf8)
        for literal in literals {
            let replacement = Array(quoted(rewrite(literal.value)).utf8)
            bytes.replaceSubrange(literal.range.start..<literal.range.end, with: replacement)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The string literals of a statement that name files.
    static func pathLiterals(in statement: Statement) -> [StringLiteral] {
        switch statement.kind {
        case let .derivedVocabulary(_, derived): return [derived.path]
        case let .series(_, .file(path), _), let .series(_, .csv(path, _), _): return [path]
        case let .textSequence(_, .file(path), _, _): return [path]
        case let .dataset(_, .lines(path, _, _)), let .dataset(_, .parts(_, path, _)): return [path]
        case let .save(_, path), let .load(_, path): return [path]
        case let .trace(_, _, _, path?): return [path]
        default: return []
        }
    }

    /// A string literal that the lexer reads back as `value`.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `path` made absolute against `folder` (itself absolute).
    static func absolute(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") ? path : (folder.hasSuffix("/") ? folder : folder + "/") + path
    }

    /// An absolute path without `.`, `..` or repeated slashes (lexically).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
