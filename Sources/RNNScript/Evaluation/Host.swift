/// What the language library needs from the outside world, injected by the
/// front end: file access and training feedback. The library itself never
/// touches the terminal or the file system.
public protocol ScriptHost: AnyObject {
    /// The text of a file; throws `HostError`.
    func readFile(_ path: String) throws -> String
    func writeFile(_ path: String, contents: String) throws
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
    public func clock() -> Double? { nil }
    public func trainingTimed(model: String, steps: Int, seconds: Double, threads: Int) {}
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
    public var interruptAfterEpochs: Int?
    private var epochsSeen = 0

    public init(files: [String: String] = [:]) { self.files = files }

    public func readFile(_ path: String) throws -> String {
        guard let text = files[path] else { throw HostError.notFound(path) }
        return text
    }

    public func writeFile(_ path: String, contents: String) throws { files[path] = contents }

    public func trainingProgress(epoch: Int, of total: Int, loss: Double) { epochsSeen += 1 }
    public func trainingFinished() {}

    public func shouldInterrupt() -> Bool {
        if let limit = interruptAfterEpochs { return epochsSeen >= limit }
        return false
    }
}
