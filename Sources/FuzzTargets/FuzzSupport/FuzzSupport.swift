#if canImport(Glibc)
import Glibc
#endif
import RNNScript

/// What the libFuzzer targets share: an in-memory host, the bytes-to-text
/// conversion and a runner whose output goes nowhere.

/// The fuzz input as text. Lossy on purpose (an invalid byte becomes U+FFFD)
/// so that every input reaches the lexer and the readers; the CLI's strict
/// decoding only ever hands them a subset of these strings.
public func fuzzText(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
    String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
}

/// Known issues not to report again: scripts/fuzz passes the substrings of
/// Tests/Fuzz/known-issues for the running target in RNNSCRIPT_FUZZ_SKIP, one
/// per line; an input containing one is skipped (the target returns -1, so
/// libFuzzer does not keep it), so a known crash does not stop every job of a
/// campaign. Empty when the variable is unset.
public let knownIssueSubstrings: [String] = {
    guard let raw = getenv("RNNSCRIPT_FUZZ_SKIP") else { return [] }
    return String(cString: raw).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
}()

/// Whether the input contains a known issue's substring.
public func isKnownIssue(_ text: String) -> Bool {
    !knownIssueSubstrings.isEmpty && knownIssueSubstrings.contains { text.contains($0) }
}

/// Small stand-ins for the example data files, so seeds taken from
/// `examples/*.rnn` get past their file declarations.
public let sampleFiles: [String: String] = [
    "data/text.txt": "the quick brown fox\njumps over the lazy dog\n",
    "data/longrange.txt": "a axxxxxxxxxxxxxxxxxxxxxxxxxxxx\nb bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "data/pos.txt": "the/DET dog/NOUN runs/VERB\na/DET cat/NOUN sleeps/VERB\n",
    "data/reviews.txt": "pos a great film\nneg a dull film\npos loved it\n",
    "data/temperatures.csv": "day,temperature\n1,20.5\n2,21.0\n3,19.5\n4,22.0\n5,23.5\n6,21.5\n7,20.0\n",
]

/// A host with an in-memory file system. Writes are kept (bounded) so that a
/// later `load` can read what `save` wrote; training stops after a number of
/// epochs or a wall-clock budget, whichever comes first.
public final class FuzzHost: ScriptHost {
    public var files: [String: String]
    /// Binary files (safetensors), read before `files`.
    public var binaryFiles: [String: [UInt8]] = [:]
    public var maxEpochs: Int
    private var epochs = 0
    private let deadline: Double

    public init(files: [String: String] = [:], maxEpochs: Int = 1_000_000, seconds: Double = 3600) {
        self.files = files
        self.maxEpochs = maxEpochs
        self.deadline = FuzzHost.now() + seconds
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    public func readFile(_ path: String) throws -> String {
        guard let text = files[path] else { throw HostError.notFound(path) }
        return text
    }

    public func writeFile(_ path: String, contents: String) throws {
        guard contents.utf8.count <= 1 << 20 else { throw HostError.unwritable(path, reason: "fuzz host: over 1 MiB") }
        files[path] = contents
    }

    public func readBytes(_ path: String, kind: FileKind) throws -> [UInt8] {
        if let bytes = binaryFiles[path] { return bytes }
        return Array(try readFile(path).utf8)
    }

    public func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
        guard bytes.count <= 1 << 20 else { throw HostError.unwritable(path, reason: "fuzz host: over 1 MiB") }
        binaryFiles[path] = bytes
    }

    public func trainingProgress(epoch: Int, of total: Int, loss: Double) { epochs += 1 }
    public func trainingFinished() {}
    public func shouldInterrupt() -> Bool { epochs >= maxEpochs || FuzzHost.now() > deadline }
}

/// A runner whose output and diagnostics are counted, not printed (the
/// renderers still run in full).
public func quietRunner(_ host: ScriptHost, format: OutputFormat = .text) -> ScriptRunner {
    ScriptRunner(host: host, format: format,
                 output: { printedBytes &+= $0.utf8.count },
                 errors: { printedBytes &+= $0.utf8.count })
}

/// Bytes "printed" so far (keeps the rendering from being optimised away).
nonisolated(unsafe) public var printedBytes = 0
