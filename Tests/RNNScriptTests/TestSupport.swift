import Foundation
import RNNScript

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A host for in-process runs: reads real files relative to `base`, keeps writes in memory.
final class TestHost: ScriptHost {
    let base: URL
    var written: [String: String] = [:]
    /// Binary files written (safetensors `save`) and to read (`load`), kept in memory.
    var bytes: [String: [UInt8]] = [:]
    /// Files to read by path before looking on disk (data files for tests).
    var files: [String: String] = [:]
    var interruptAfterEpochs: Int?
    private var epochs = 0

    init(base: URL = packageRoot.appendingPathComponent("examples")) { self.base = base }

    func readFile(_ path: String) throws -> String {
        if let text = written[path] ?? files[path] { return text }
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw HostError.notFound(path) }
        return String(decoding: data, as: UTF8.self)
    }

    func writeFile(_ path: String, contents: String) throws { written[path] = contents }
    func writeBytes(_ path: String, _ bytes: [UInt8]) throws { self.bytes[path] = bytes }

    func readBytes(_ path: String, kind: FileKind) throws -> [UInt8] {
        if let data = bytes[path] { return data }
        return Array(try readFile(path).utf8)
    }
    func trainingProgress(epoch: Int, of total: Int, loss: Double) { epochs += 1 }
    func trainingFinished() {}
    func shouldInterrupt() -> Bool { interruptAfterEpochs.map { epochs >= $0 } ?? false }
}

/// The result of running a script in process.
struct RunResult {
    var output: String
    var errors: String
    var status: RunStatus
}

/// Runs a script's text through the same driver the CLI uses, capturing both streams.
func runScript(_ text: String, name: String = "test.rnn", format: OutputFormat = .text, host: TestHost = TestHost()) -> RunResult {
    var output = "", errors = ""
    let runner = ScriptRunner(host: host, format: format, output: { output += $0 }, errors: { errors += $0 })
    let status = runner.run(SourceFile(name: name, text: text))
    return RunResult(output: output, errors: errors, status: status)
}

/// Every example script, by path relative to the package root, sorted.
func exampleScripts() -> [String] {
    let examples = packageRoot.appendingPathComponent("examples")
    let enumerator = FileManager.default.enumerator(atPath: examples.path)
    var found: [String] = []
    while let item = enumerator?.nextObject() as? String {
        if item.hasSuffix(".rnn") { found.append("examples/" + item) }
    }
    return found.sorted()
}
