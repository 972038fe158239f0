/// What the language library needs from the outside world, injected by the
/// front end: file access and training feedback. The library itself never
/// touches the terminal or the file system.
public protocol ScriptHost: AnyObject {
    /// The text of a data file (`chars of`, `file`, `csv`, `lines of`, …); throws `HostError`.
    func readFile(_ path: String) throws -> String
    /// The text of a file of the given kind (its size limit differs); throws `HostError`.
    func readFile(_ path: String, kind: FileKind) throws -> String
    /// Writes a whole file: on failure an existing file is left as it was; throws `HostError`.
    func writeFile(_ path: String, contents: String) throws
    /// The bytes of a binary file of the given kind (a safetensors `load`),
    /// within the kind's size limit; throws `HostError`.
    func readBytes(_ path: String, kind: FileKind) throws -> [UInt8]
    /// Writes a whole binary file (a safetensors `save`), like `writeFile`; throws `HostError`.
    func writeBytes(_ path: String, _ bytes: [UInt8]) throws
    /// Called after every epoch of a `train` (a progress bar, if any).
    func trainingProgress(epoch: Int, of total: Int, loss: Double)
    func trainingFinished()
    /// Polled between updates: true stops training early (Ctrl-C).
    func shouldInterrupt() -> Bool
    /// Seconds on a monotonic clock when `--timing` is on, nil otherwise (so
    /// outputs stay byte-identical unless timing is asked for).
    func clock() -> Double?
    /// Told the time a `train` took (with `--timing`), and how many threads
    /// the runtime ran its passes on.
    func trainingTimed(model: String, steps: Int, seconds: Double, threads: Int)
}

extension ScriptHost {
    public func readFile(_ path: String, kind: FileKind) throws -> String { try readFile(path) }
    public func clock() -> Double? { nil }
    /// A host without binary files reads a file's text as UTF-8.
    public func readBytes(_ path: String, kind: FileKind) throws -> [UInt8] { Array(try readFile(path, kind: kind).utf8) }
    /// A host without binary files cannot write one.
    public func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
        throw HostError.unwritable(path, reason: "this host writes text files only")
    }
    public func trainingTimed(model: String, steps: Int, seconds: Double, threads: Int) {}
}

/// What a file read is for; each kind has its own size limit, checked before
/// anything is read (README, "Limits and guarantees").
public enum FileKind: Sendable {
    /// A script: the command line's FILE, `-i FILE`, `:load FILE`.
    case script
    /// A data file: `chars of`, `words of`, `file`, `csv`, `lines of`, `parts … of`.
    case data
    /// A weights file read by `load`.
    case weights

    /// The largest file of this kind that is read, in bytes.
    public var sizeLimit: Int {
        switch self {
        case .script: return 64 << 20
        case .data: return 256 << 20
        // `save` writes about 22 bytes per parameter, so the largest model
        // (20 million parameters) saves to about 450 MB.
        case .weights: return 1 << 30
        }
    }

    /// "a script", "a data file", "a weights file".
    public var description: String {
        switch self {
        case .script: return "a script"
        case .data: return "a data file"
        case .weights: return "a weights file"
        }
    }
}

public enum HostError: Error, Equatable, Sendable {
    case notFound(String)
    case unreadable(String, reason: String)
    case unwritable(String, reason: String)
}

/// A host with an in-memory file system and no progress display: for tests
/// and for embedding.
public final class MemoryHost: ScriptHost {
    public var files: [String: String]
    /// Binary files (safetensors), read before `files`.
    public var binaryFiles: [String: [UInt8]] = [:]
    public var interruptAfterEpochs: Int?
    private var epochsSeen = 0

    public init(files: [String: String] = [:]) { self.files = files }

    public func readFile(_ path: String) throws -> String {
        guard let text = files[path] else { throw HostError.notFound(path) }
        return text
    }

    public func writeFile(_ path: String, contents: String) throws { files[path] = contents }

    public func readBytes(_ path: String, kind: FileKind) throws -> [UInt8] {
        if let bytes = binaryFiles[path] { return bytes }
        return Array(try readFile(path).utf8)
    }

    public func writeBytes(_ path: String, _ bytes: [UInt8]) throws { binaryFiles[path] = bytes }

    public func trainingProgress(epoch: Int, of total: Int, loss: Double) { epochsSeen += 1 }
    public func trainingFinished() {}

    public func shouldInterrupt() -> Bool {
        if let limit = interruptAfterEpochs { return epochsSeen >= limit }
        return false
    }
}
