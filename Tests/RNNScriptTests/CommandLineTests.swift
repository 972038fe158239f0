import Foundation
import Testing

/// The built `rnnscript` binary, beside the test bundle in the build folder.
let binaryURL: URL = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = testBinary.deletingLastPathComponent()
    // .build/debug/rnnscriptPackageTests.xctest (a file on Linux) sits beside the executable.
    for _ in 0..<3 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("rnnscript").path) {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("rnnscript")
}()

struct ProcessResult {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// Runs the binary with arguments and optional standard input.
func runBinary(_ arguments: [String], stdin: String? = nil, directory: URL = packageRoot) throws -> ProcessResult {
    try runProgram(binaryURL.path, arguments, stdin: stdin, directory: directory)
}

/// Runs any program.
func runProgram(_ path: String, _ arguments: [String], stdin: String? = nil, directory: URL = packageRoot) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self),
                         status: process.terminationStatus)
}

@Suite("The rnnscript command", .serialized)
struct CommandLineTests {
    let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscript-cli-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func write(_ name: String, _ text: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("the binary exists") func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: binaryURL.path), "\(binaryURL.path)")
    }

    @Test("--version prints the version") func version() throws {
        let result = try runBinary(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test("runs the lecture example and exits 0 with byte-identical output") func bptt() throws {
        let first = try runBinary(["examples/bptt.rnn"])
        let second = try runBinary(["examples/bptt.rnn"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let golden = try String(contentsOf: packageRoot.appendingPathComponent("examples/bptt.out"), encoding: .utf8)
        #expect(first.stdout == golden)
        // Not a terminal: no progress bar on stderr.
        #expect(first.stderr.isEmpty)
    }

    @Test("--json prints one object per cell") func json() throws {
        let result = try runBinary(["--json", "examples/bptt.rnn"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 27)  // 26 cells and the summary
        #expect(lines.last == "{\"kind\":\"summary\",\"passed\":2,\"failed\":0}")
        let forward = try #require(lines.first { $0.contains("\"kind\":\"forward\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(forward.utf8)) as? [String: Any])
        let resultObject = try #require(object["result"] as? [String: Any])
        let losses = try #require(resultObject["losses"] as? [Double])
        let loss = try #require(resultObject["loss"] as? Double)
        #expect(losses.count == 4)
        #expect(abs(losses.reduce(0, +) - loss) < 1e-12)
        let outputs = try #require(resultObject["outputs"] as? [String: Any])
        #expect(outputs["shape"] as? [Int] == [4, 4])
        let backward = try #require(lines.first { $0.contains("\"kind\":\"backward\"") })
        let grads = try #require(((try JSONSerialization.jsonObject(with: Data(backward.utf8)) as? [String: Any])?["result"] as? [String: Any])?["grads"] as? [String: Any])
        #expect(Set(grads.keys) == ["U", "W", "b", "V", "c"])
    }

    @Test("exit statuses: 64 usage, 65 script error, 74 missing file, 1 failed expectation") func exitCodes() throws {
        #expect(try runBinary(["--no-such-flag"]).status == 64)
        let missing = try runBinary(["/nonexistent/x.rnn"])
        #expect(missing.status == 74)
        #expect(missing.stderr.contains("no such file"))
        let broken = try runBinary([try write("broken.rnn", "seed 1\nmodel m = rnn { hiden 3 }\n")])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("broken.rnn:2:17: error: unknown model entry 'hiden'; did you mean 'hidden'?"))
        let failing = try runBinary([try write("expect.rnn", "expect 1 + 1 == 3\nexpect 2 > 1\n")])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("FAILED: expected 1 + 1 == 3, but it is 2"))
        #expect(failing.stdout.contains("expectations: 1 passed, 1 failed"))
        #expect(failing.stderr.hasSuffix("expect.rnn:1:1: expectation failed: expected 1 + 1 == 3, but it is 2\n  expect 1 + 1 == 3\n  ^~~~~~~~~~~~~~~~~\n"), "\(failing.stderr)")
    }

    @Test("piped stdin after -i runs statements with the file's state") func pipedInteractive() throws {
        let result = try runBinary(["-i", "examples/bptt.rnn"], stdin: "show net.W\nshow shape(net.U)\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[27] show net.W"))
        #expect(result.stdout.contains("shape(net.U)  (1×2)"))
        // No prompt or escape codes when stdin is not a terminal.
        #expect(!result.stdout.contains("rnn>"))
        #expect(!result.stdout.contains("\u{1B}"))
    }

    @Test("the REPL continues after an error and keeps its state; blocks span lines") func replRecovers() throws {
        let input = """
            model m = rnn {
              input 2
              hidden 2
              output 2
            }
            show m.X
            set m.W = [[1, 0], [0, 1]]
            show m.W
            :names
            """
        let result = try runBinary([], stdin: input + "\n")
        #expect(result.stderr.contains("<repl>:6:8: error: model m has no parameter 'X'"), "\(result.stderr)")
        #expect(result.stdout.contains("m.W  (2×2)"))
        #expect(result.stdout.contains("m  model"))
    }

    /// The REPL through a real pseudo-terminal (Tests/e2e/repl_pty.py, python3
    /// with pexpect, which scripts/setup installs): prompt, TAB completion of
    /// `net.`, errors, Ctrl-C at the prompt and during train, Ctrl-D, history.
    @Test("the REPL in a pseudo-terminal") func pseudoTerminal() throws {
        let result = try runProgram("/usr/bin/env", ["python3", packageRoot.appendingPathComponent("Tests/e2e/repl_pty.py").path, binaryURL.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("11 passed, 0 failed"), "\(result.stdout)")
    }

    @Test("--check parses and checks without running") func checkOnly() throws {
        let ok = try runBinary(["--check", "examples/bptt.rnn"])
        #expect(ok.status == 0)
        #expect(ok.stdout.isEmpty, "nothing runs")
        let bad = try runBinary(["--check", try write("bad.rnn", "model m = rnn { input 1; hidden 1; output 1 }\nshow m.Q\n")])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("model m has no parameter 'Q'"))
    }

    @Test("save then load restores the weights") func saveLoad() throws {
        let path = try write("roundtrip.rnn", """
            seed 4
            model a = rnn { input 2; hidden 3; output 2 }
            save a to "weights.json"
            model b = rnn { input 2; hidden 3; output 2 }
            load b from "weights.json"
            expect a.W == b.W
            expect a.V == b.V
            """)
        let result = try runBinary([path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let saved = try String(contentsOfFile: scratch.appendingPathComponent("weights.json").path, encoding: .utf8)
        #expect(saved.contains("\"format\": \"rnnscript-weights\""))
    }
}
