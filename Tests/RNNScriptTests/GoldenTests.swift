import Foundation
import Testing
import RNNRuntime
import RNNScript

/// Every example's output is compared byte for byte with `examples/NAME.out`
/// (stdout, then stderr and the exit status when they are not empty/0).
/// `RECORD_GOLDEN=1 swift test` rewrites the files instead.
@Suite("Golden outputs of examples/")
struct GoldenTests {
    static let recording = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil

    static func transcript(_ path: String) -> String {
        let url = packageRoot.appendingPathComponent(path)
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let host = TestHost(base: url.deletingLastPathComponent())
        let result = runScript(text, name: path, host: host)
        var transcript = result.output
        if !result.errors.isEmpty { transcript += "--- stderr ---\n" + result.errors }
        if result.status != .ok { transcript += "--- exit \(result.status.rawValue) ---\n" }
        return transcript
    }

    @Test("examples exist") func examplesExist() {
        #expect(exampleScripts().count >= 5)
        #expect(exampleScripts().contains("examples/bptt.rnn"))
    }

    @Test("output matches the golden file", arguments: exampleScripts())
    func golden(_ path: String) throws {
        let actual = Self.transcript(path)
        let goldenURL = packageRoot.appendingPathComponent(String(path.dropLast(4)) + ".out")
        if Self.recording {
            try actual.write(to: goldenURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: goldenURL, encoding: .utf8)
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record("""
                \(path) differs from its golden file at line \(first + 1):
                  expected: \(first < e.count ? String(e[first]) : "<end>")
                  actual:   \(first < a.count ? String(a[first]) : "<end>")
                (RECORD_GOLDEN=1 swift test re-records)
                """)
        }
    }

    @Test("examples exit 0 and are reproducible byte for byte", arguments: exampleScripts())
    func reproducible(_ path: String) {
        let url = packageRoot.appendingPathComponent(path)
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let first = runScript(text, name: path, host: TestHost(base: url.deletingLastPathComponent()))
        let second = runScript(text, name: path, host: TestHost(base: url.deletingLastPathComponent()))
        #expect(first.status == .ok, "\(path): \(first.errors)")
        #expect(first.output == second.output)
        let json1 = runScript(text, name: path, format: .json, host: TestHost(base: url.deletingLastPathComponent()))
        let json2 = runScript(text, name: path, format: .json, host: TestHost(base: url.deletingLastPathComponent()))
        #expect(json1.output == json2.output)
        // Every JSON line parses and carries the required keys; the last is the summary.
        var lines = json1.output.split(separator: "\n")
        let summary = lines.popLast().flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(summary?["kind"] as? String == "summary" && summary?["failed"] as? Int == 0, "\(path): the last line is not a summary")
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not JSON: \(line.prefix(120))")
            for key in ["cell", "line", "source", "kind", "result"] {
                #expect(object?[key] != nil, "missing \(key) in \(line.prefix(120))")
            }
        }
    }

    /// Every kernel path this CPU runs prints the golden bytes (SPEC §6). The
    /// paths compute the same bits by construction, so switching the global
    /// selection while other tests run changes only their speed.
    @Test("every instruction set prints the golden bytes", arguments: exampleScripts())
    func everyInstructionSet(_ path: String) throws {
        let goldenURL = packageRoot.appendingPathComponent(String(path.dropLast(4)) + ".out")
        let expected = try String(contentsOf: goldenURL, encoding: .utf8)
        for set in InstructionSet.supported where set != .best {
            InstructionSet.select(set)
            let actual = Self.transcript(path)
            InstructionSet.select(.best)
            #expect(actual == expected, "\(path) under RNNSCRIPT_ISA=\(set.rawValue) differs from its golden file")
        }
    }
}
