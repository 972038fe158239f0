import Foundation
import Testing
@testable import RNNScript
@testable import RNNScriptCLI

// Issue 11, files and I/O: every file read is a bounded read of a regular
// UTF-8 file; every write is checked and atomic; a full or closed stdout is
// exit 74 while a closed pipe stays quiet; a BOM is ignored, invalid UTF-8 and
// control characters in names are reported on one line; `lines of` says what
// it skipped and every data reader agrees on line ends; a failed REPL
// meta-command sets the exit status; `:save` writes a script that runs from
// any folder; SIGINT and SIGTERM end a batch run after its completed cells.
//
// Tests run as root, so a read-only folder cannot be made with chmod; failing
// writes use a target under a regular file (ENOTDIR), a directory or device as
// target, a missing folder, and `ulimit -f` (EFBIG, like a full disk: the
// write fails part-way, after the temporary file was created).

/// A fresh empty folder for one test.
private func scratchFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("rnnscript-io-\(getpid())-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func write(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url)
}

/// Runs a shell command (`$0` is the binary) under a 60 s timeout, so a hang fails instead of blocking.
private func shell(_ command: String, in directory: URL, stdin: String? = nil) throws -> ProcessResult {
    try runProgram("/usr/bin/timeout", ["60", "/bin/sh", "-c", command, binaryURL.path], stdin: stdin, directory: directory)
}

/// Files in a folder whose names look like our temporaries.
private func temporaries(in folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
}

private let smallModel = "model m = rnn { input 2; hidden 3; output 2 }\n"

/// A weights file for `smallModel` whose parameter U has the given shape entry.
private func weights(shape: String, data: String = "[]") -> String {
    """
    {"format": "rnnscript-weights", "version": 1, "model": {"cell": "rnn"},
     "parameters": {"U": {"shape": \(shape), "data": \(data)}}}
    """
}

@Suite("Files and I/O: limits, atomic writes, stdout, input bytes", .serialized)
struct FileRobustnessTests {
    // MARK: - Weights file sizes

    struct ShapeCase: CustomTestStringConvertible, Sendable {
        var shape: String
        var message: String
        var testDescription: String { shape }
    }

    static let shapeCases: [ShapeCase] = [
        ShapeCase(shape: "[1e300, 0]", message: "weights in 'w.json' do not fit: parameter U is 1e+300×0 in the file, 2×3 in the model"),
        ShapeCase(shape: "[0, 1e300]", message: "parameter U is 0×1e+300 in the file, 2×3 in the model"),
        ShapeCase(shape: "[4000000000, 4000000000]", message: "parameter U is 4000000000×4000000000 in the file"),
        ShapeCase(shape: "[-1, 3]", message: "'w.json' is not an rnnscript weights file: U needs \"shape\": [rows, cols] with two whole numbers"),
        ShapeCase(shape: "[2.5, 3]", message: "U needs \"shape\": [rows, cols] with two whole numbers"),
        ShapeCase(shape: "[2]", message: "U needs \"shape\""),
        ShapeCase(shape: "[3, 2]", message: "parameter U is 3×2 in the file, 2×3 in the model"),
    ]

    @Test("a weights file with a shape out of range is exit 74 with a message, never a trap", arguments: shapeCases)
    func weightsShape(_ case_: ShapeCase) {
        let host = TestHost()
        host.files["w.json"] = weights(shape: case_.shape)
        let result = runScript(smallModel + "load m from \"w.json\"\n", host: host)
        #expect(result.status == .ioError)
        #expect(result.errors.contains(case_.message), "\(result.errors)")
    }

    @Test("the weights reader checks rows and values against the model's shape")
    func weightsData() {
        let host = TestHost()
        host.files["rows.json"] = weights(shape: "[2, 3]", data: "[[1, 2, 3]]")
        host.files["cols.json"] = weights(shape: "[2, 3]", data: "[[1, 2, 3], [1, 2]]")
        host.files["text.json"] = weights(shape: "[2, 3]", data: "[[1, 2, 3], [1, 2, \"x\"]]")
        for (file, message) in [("rows.json", "U needs \"data\" with 2 rows"), ("cols.json", "row 2 of U needs 3 numbers"),
                                ("text.json", "U has a value that is not a number")] {
            let result = runScript(smallModel + "load m from \"\(file)\"\n", host: host)
            #expect(result.status == .ioError)
            #expect(result.errors.contains(message), "\(file): \(result.errors)")
        }
    }

    @Test("the binary: load of a [1e300, 0] shape exits 74") func weightsShapeBinary() throws {
        let folder = try scratchFolder("weights")
        try write(weights(shape: "[1e300, 0]"), to: folder.appendingPathComponent("w.json"))
        try write(smallModel + "load m from \"w.json\"\n", to: folder.appendingPathComponent("w.rnn"))
        let result = try shell("exec \"$0\" w.rnn", in: folder)
        #expect(result.status == 74)
        #expect(result.stderr.contains("w.rnn:2:1: error: weights in 'w.json' do not fit: parameter U is 1e+300×0"), "\(result.stderr)")
    }

    // MARK: - Reading: regular files only, a size limit, UTF-8

    @Test("a directory, a FIFO and a device are refused before anything is read")
    func notRegularFiles() throws {
        let folder = try scratchFolder("kinds")
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases: [(String, String)] = [
            (folder.path, "it is a directory"),
            (fifo, "it is a FIFO (named pipe), not a regular file"),
            ("/dev/zero", "it is a character device, not a regular file"),
        ]
        for (path, reason) in cases {
            #expect(throws: HostError.unreadable(path, reason: reason)) {
                _ = try FileSystem.readText(path, shownAs: path, kind: .data)
            }
        }
        #expect(throws: HostError.notFound("nope")) { _ = try FileSystem.readText(folder.path + "/nope", shownAs: "nope", kind: .data) }
        // A path through a regular file is no file either.
        try write("x", to: folder.appendingPathComponent("plain"))
        #expect(throws: HostError.notFound("p")) { _ = try FileSystem.readText(folder.path + "/plain/x", shownAs: "p", kind: .data) }
    }

    @Test("a file over the size limit is refused before it is read; the read stops one byte past the limit")
    func sizeLimit() throws {
        let folder = try scratchFolder("size")
        let path = folder.appendingPathComponent("big.txt").path
        try write(String(repeating: "x", count: 100), to: URL(fileURLWithPath: path))
        #expect(throws: HostError.unreadable("big.txt", reason: "larger than the limit of 0 MiB for a data file (it has 100 bytes)")) {
            _ = try FileSystem.readBytes(path, shownAs: "big.txt", limit: 99, kind: "a data file")
        }
        #expect(try FileSystem.readBytes(path, shownAs: "big.txt", limit: 100, kind: "a data file").count == 100)
        // /proc files report size 0: the bounded read is what stops them.
        #expect(throws: HostError.unreadable("status", reason: "larger than the limit of 0 MiB for a data file")) {
            _ = try FileSystem.readBytes("/proc/self/status", shownAs: "status", limit: 10, kind: "a data file")
        }
        // The documented limits.
        #expect(FileKind.script.sizeLimit == 64 << 20)
        #expect(FileKind.data.sizeLimit == 256 << 20)
        #expect(FileKind.weights.sizeLimit == 1 << 30)
    }

    @Test("the binary: chars of /dev/zero, of a FIFO; a script that is a directory, a FIFO, a device: exit 74 at once")
    func devicesEndToEnd() throws {
        let folder = try scratchFolder("devices")
        #expect(mkfifo(folder.appendingPathComponent("fifo").path, 0o600) == 0)
        try write("vocab c = chars of \"/dev/zero\"\n", to: folder.appendingPathComponent("zero.rnn"))
        try write("vocab c = chars of \"fifo\"\n", to: folder.appendingPathComponent("fifo.rnn"))
        let zero = try shell("exec \"$0\" --check zero.rnn", in: folder)
        #expect(zero.status == 74)
        #expect(zero.stderr.contains("zero.rnn:1:20: error: cannot read '/dev/zero': it is a character device, not a regular file"), "\(zero.stderr)")
        try write(smallModel + "load m from \"/dev/zero\"\n", to: folder.appendingPathComponent("load.rnn"))
        let load = try shell("exec \"$0\" load.rnn", in: folder)
        #expect(load.status == 74)
        #expect(load.stderr.contains("load.rnn:2:1: error: cannot read '/dev/zero': it is a character device, not a regular file"), "\(load.stderr)")
        let fifo = try shell("exec \"$0\" fifo.rnn", in: folder)
        #expect(fifo.status == 74)
        #expect(fifo.stderr.contains("cannot read 'fifo': it is a FIFO (named pipe), not a regular file"))
        for (script, reason) in [("fifo", "it is a FIFO (named pipe), not a regular file"), ("/dev/zero", "it is a character device, not a regular file"),
                                 (".", "it is a directory")] {
            let result = try shell("exec \"$0\" \(script)", in: folder)
            #expect(result.status == 74, "\(script)")
            #expect(result.stderr == "rnnscript: error: cannot read '\(script)': \(reason)\n")
        }
    }

    @Test("invalid UTF-8 is an error naming the line and byte offset, never a silent U+FFFD")
    func invalidUTF8() throws {
        #expect(throws: TextDecoding.InvalidUTF8(line: 2, offset: 5, byte: 0xFF)) { _ = try TextDecoding.decode(Array("ab\ncd".utf8) + [0xFF] + Array("ef".utf8)) }
        // Overlong forms and surrogates are not UTF-8 either.
        #expect(throws: TextDecoding.InvalidUTF8(line: 1, offset: 1, byte: 0xC0)) { _ = try TextDecoding.decode([0x61, 0xC0, 0xAF]) }
        #expect(throws: TextDecoding.InvalidUTF8(line: 1, offset: 0, byte: 0xED)) { _ = try TextDecoding.decode([0xED, 0xA0, 0x80]) }
        #expect(try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array("é\n".utf8)) == "é\n")
        let folder = try scratchFolder("utf8")
        try Data([0x61, 0x62, 0x0A, 0x63, 0x64, 0xFF, 0x0A]).write(to: folder.appendingPathComponent("bad.txt"))
        try write("vocab c = chars of \"bad.txt\"\n", to: folder.appendingPathComponent("utf.rnn"))
        let result = try shell("exec \"$0\" utf.rnn", in: folder)
        #expect(result.status == 74)
        #expect(result.stderr.contains("cannot read 'bad.txt': not UTF-8: byte 0xFF at line 2 (byte offset 5); save it as UTF-8"), "\(result.stderr)")
        // The script itself too.
        try Data([0x73, 0x68, 0x6F, 0x77, 0x20, 0x31, 0x20, 0x23, 0xE9, 0x0A]).write(to: folder.appendingPathComponent("latin1.rnn"))
        let script = try shell("exec \"$0\" latin1.rnn", in: folder)
        #expect(script.status == 74)
        #expect(script.stderr == "rnnscript: error: cannot read 'latin1.rnn': not UTF-8: byte 0xE9 at line 1 (byte offset 8); save it as UTF-8\n")
    }

    // MARK: - Byte-order marks, line ends, `lines of`

    @Test("a byte-order mark at the start of a script is ignored")
    func scriptBOM() throws {
        let inProcess = runScript("\u{FEFF}show 1 + 1\n")
        #expect(inProcess.status == .ok, "\(inProcess.errors)")
        #expect(inProcess.output == "[1] show 1 + 1\n    1 + 1 = 2.0000\n\n")
        let folder = try scratchFolder("bom")
        try Data([0xEF, 0xBB, 0xBF] + Array("show 2\n".utf8)).write(to: folder.appendingPathComponent("bom.rnn"))
        let binary = try shell("exec \"$0\" bom.rnn", in: folder)
        #expect(binary.status == 0, "\(binary.stderr)")
        #expect(binary.stdout == "[1] show 2\n    2 = 2.0000\n\n")
    }

    @Test("a byte-order mark before a CSV header does not hide the first column")
    func csvBOM() throws {
        let host = TestHost()
        host.files["t.csv"] = "\u{FEFF}day,temp\r\n1,20\r\n2,21\r\n"
        let result = runScript("series s = csv \"t.csv\" column \"day\"\n", host: host)
        #expect(result.status == .ok, "\(result.errors)")
        #expect(result.output.contains("s: 2 values  1.0000 2.0000"), "\(result.output)")
        // Through the real file reader too.
        let folder = try scratchFolder("csvbom")
        try Data([0xEF, 0xBB, 0xBF] + Array("day,temp\n1,20\n".utf8)).write(to: folder.appendingPathComponent("t.csv"))
        try write("series s = csv \"t.csv\" column \"day\"\n", to: folder.appendingPathComponent("c.rnn"))
        let binary = try shell("exec \"$0\" c.rnn", in: folder)
        #expect(binary.status == 0, "\(binary.stderr)")
    }

    @Test("a \\r that ends a line is a line end everywhere: file sequences, chars of, lines of")
    func lineEnds() {
        let host = TestHost()
        host.files["crlf.txt"] = "ab\r\nba\r\n"
        host.files["cr.txt"] = "ab\rba\r"
        for file in ["crlf.txt", "cr.txt"] {
            let script = """
                vocab v = ['a', 'b', '\\n']
                sequence s = file "\(file)" over v predicting next
                vocab c = chars of "\(file)"
                vocab w = ['a', 'b', <stop>]
                dataset d = lines of "\(file)" over w predicting next
                """
            let result = runScript(script, format: .json, host: host)
            #expect(result.status == .ok, "\(file): \(result.errors)")
            #expect(result.output.contains("\"symbols\":[\"\\n\",\"a\",\"b\"]"), "\(file): \(result.output)")
            #expect(result.output.contains("\"lengths\":[2,2]"), "\(file): \(result.output)")
        }
        #expect(DataFiles.normalized("a\r\n\r\nb\rc\n\r") == "a\n\nb\nc\n\n")
    }

    @Test("lines of says how many lines it skipped: blank ones, and one-symbol ones without <stop>")
    func linesOfSkipped() {
        let host = TestHost()
        host.files["l.txt"] = "ab\n\n   \nb\nba\n"
        let script = "vocab v = ['a', 'b']\ndataset d = lines of \"l.txt\" over v predicting next\n"
        let text = runScript(script, host: host)
        #expect(text.status == .ok, "\(text.errors)")
        #expect(text.output.contains("    d: 2 sequences, 1 to 1 steps\n      skipped 3 lines of the file: 2 blank, 1 of one symbol (nothing to predict)\n"),
                "\(text.output)")
        let json = runScript(script, format: .json, host: host)
        #expect(json.output.contains("\"skipped_lines\":{\"blank\":2,\"one_symbol\":1}"), "\(json.output)")
        // Nothing skipped: no note (a final line end is not a blank line).
        host.files["ok.txt"] = "ab\nba\n"
        let clean = runScript("vocab v = ['a', 'b']\ndataset d = lines of \"ok.txt\" over v predicting next\n", host: host)
        #expect(!clean.output.contains("skipped"))
        // With <stop>, a one-symbol line is a sequence of one step.
        let stop = runScript("vocab v = ['a', 'b', <stop>]\ndataset d = lines of \"l.txt\" over v predicting next\n", host: host)
        #expect(stop.output.contains("d: 3 sequences, 1 to 2 steps\n      skipped 2 lines of the file: 2 blank, 0 of one symbol"), "\(stop.output)")
    }

    // MARK: - Names with control characters

    @Test("file names with control characters are escaped: a diagnostic stays one line")
    func controlCharactersInNames() throws {
        let result = runScript("show 1 +\n", name: "x\u{1B}[31m\nred.rnn")
        #expect(result.status == .scriptError)
        #expect(result.errors.hasPrefix("x\\u{1B}[31m\\nred.rnn:1:9: error: expected an expression"), "\(result.errors)")
        #expect(!result.errors.contains("\u{1B}"))
        let load = runScript(smallModel + "load m from \"a\\nb\u{7}.json\"\n")
        #expect(load.status == .ioError)
        let first = try #require(load.errors.split(separator: "\n").first)
        #expect(first == "test.rnn:2:1: error: no such file 'a\\nb\\u{07}.json'")
        #expect(TextDecoding.printable("ok\tname\u{9B}x") == "ok\\tname\\u{9B}x")
        #expect(TextDecoding.printable("plain é name") == "plain é name")
        // From the command line.
        let folder = try scratchFolder("names")
        let binary = try shell("exec \"$0\" \"$(printf 'no\\033such\\nfile.rnn')\"", in: folder)
        #expect(binary.status == 74)
        #expect(binary.stderr == "rnnscript: error: no such file 'no\\u{1B}such\\nfile.rnn'\n")
    }

    // MARK: - Atomic writes

    @Test("a write replaces the target whole, keeping its mode and a symbolic link, and leaves no temporary")
    func atomicWrite() throws {
        let folder = try scratchFolder("atomic")
        let target = folder.appendingPathComponent("w.json").path
        try FileSystem.writeAtomically(target, shownAs: "w.json", bytes: Array("first\n".utf8))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "first\n")
        #expect(chmod(target, 0o640) == 0)
        try FileSystem.writeAtomically(target, shownAs: "w.json", bytes: Array("second\n".utf8))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "second\n")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int)
        #expect(mode == 0o640)
        let link = folder.appendingPathComponent("link.json").path
        #expect(symlink(target, link) == 0)
        try FileSystem.writeAtomically(link, shownAs: "link.json", bytes: Array("third\n".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "third\n")
        #expect(try temporaries(in: folder).isEmpty)
    }

    @Test("a write that cannot be done fails with a reason and leaves everything as it was")
    func failedWrites() throws {
        let folder = try scratchFolder("failed")
        let plain = folder.appendingPathComponent("plain.txt").path
        try write("keep\n", to: URL(fileURLWithPath: plain))
        let cases: [(String, String)] = [
            (plain + "/w.json", "not a directory"),
            (folder.path, "it is a directory; files are written whole, to a temporary file renamed over the target"),
            ("/dev/full", "it is a character device, not a regular file; files are written whole, to a temporary file renamed over the target"),
            (folder.path + "/missing/w.json", "no such folder '\(folder.path)/missing'"),
        ]
        for (path, reason) in cases {
            #expect(throws: HostError.unwritable("shown", reason: reason)) {
                try FileSystem.writeAtomically(path, shownAs: "shown", bytes: Array("x".utf8))
            }
        }
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "/dev/full is still a device")
        #expect(try String(contentsOfFile: plain, encoding: .utf8) == "keep\n")
        #expect(try temporaries(in: folder).isEmpty)
        #expect(FileSystem.writeProblem(folder.path + "/missing/r.html") == "no such folder '\(folder.path)/missing'")
        #expect(FileSystem.writeProblem(folder.path + "/r.html") == nil)
    }

    @Test("save to /dev/full, into a directory, under a file: exit 74, nothing claims it was saved")
    func saveFailures() throws {
        let folder = try scratchFolder("save")
        try write("x\n", to: folder.appendingPathComponent("plain"))
        for (target, reason) in [("/dev/full", "it is a character device, not a regular file"), ("plain/w.json", "not a directory"),
                                 (".", "it is a directory"), ("nowhere/w.json", "no such folder 'nowhere'")] {
            try write(smallModel + "save m to \"\(target)\"\n", to: folder.appendingPathComponent("s.rnn"))
            let result = try shell("exec \"$0\" s.rnn", in: folder)
            #expect(result.status == 74, "\(target)")
            #expect(result.stderr.contains("s.rnn:2:1: error: cannot write '\(target)': \(reason)"), "\(result.stderr)")
            #expect(!result.stdout.contains("saved"))
        }
        #expect(try temporaries(in: folder).isEmpty)
    }

    @Test("a write that fails part-way (a file-size limit, like a full disk) keeps the old file and leaves no temporary")
    func partialWrite() throws {
        let folder = try scratchFolder("partial")
        let target = folder.appendingPathComponent("big.json")
        try write("OLD\n", to: target)
        try write("model m = rnn { input 20; hidden 30; output 20 }\nsave m to \"big.json\"\n", to: folder.appendingPathComponent("big.rnn"))
        // 2 blocks (1–2 KiB) is far below the 47 KB the weights take.
        let result = try shell("ulimit -f 2 && exec \"$0\" big.rnn", in: folder)
        #expect(result.status == 74, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("big.rnn:2:1: error: cannot write 'big.json': file too large"), "\(result.stderr)")
        #expect(try String(contentsOf: target, encoding: .utf8) == "OLD\n")
        #expect(try temporaries(in: folder).isEmpty)
        // Without the limit the same script replaces it.
        let ok = try shell("exec \"$0\" big.rnn", in: folder)
        #expect(ok.status == 0)
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("{\n  \"format\": \"rnnscript-weights\""))
    }

    @Test("--report into a missing folder or onto a directory fails before the script runs; trace to a bad path is 74")
    func reportAndTrace() throws {
        let folder = try scratchFolder("report")
        try write("show 1\n", to: folder.appendingPathComponent("r.rnn"))
        let missing = try shell("exec \"$0\" --report nowhere/r.html r.rnn", in: folder)
        #expect(missing.status == 74)
        #expect(missing.stdout.isEmpty, "nothing ran")
        #expect(missing.stderr == "rnnscript: error: cannot write 'nowhere/r.html': no such folder 'nowhere'\n")
        let directory = try shell("exec \"$0\" --report . r.rnn", in: folder)
        #expect(directory.status == 74)
        #expect(directory.stderr == "rnnscript: error: cannot write '.': it is a directory\n")
        let ok = try shell("exec \"$0\" --report r.html r.rnn", in: folder)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8).contains("<html"))
        try write("""
            vocab v = ['a', 'b']
            sequence s = "abab" over v predicting next
            model m = rnn { input 2; hidden 2; output 2 }
            loss l = cross_entropy
            trace m on s with l to "dir.md"
            """, to: folder.appendingPathComponent("t.rnn"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir.md"), withIntermediateDirectories: false)
        let trace = try shell("exec \"$0\" t.rnn", in: folder)
        #expect(trace.status == 74)
        #expect(trace.stderr.contains("t.rnn:5:1: error: cannot write 'dir.md': it is a directory"), "\(trace.stderr)")
        #expect(try temporaries(in: folder).isEmpty)
    }

    // MARK: - Standard output

    @Test("a full or closed stdout is exit 74 with a message; a closed pipe is quiet")
    func standardOutput() throws {
        let script = packageRoot.appendingPathComponent("examples/bptt.rnn").path
        let full = try shell("exec \"$0\" '\(script)' > /dev/full", in: packageRoot)
        #expect(full.status == 74)
        #expect(full.stderr == "rnnscript: error: cannot write to standard output: no space left on device\n")
        let closed = try shell("exec \"$0\" '\(script)' >&-", in: packageRoot)
        #expect(closed.status == 74)
        #expect(closed.stderr == "rnnscript: error: cannot write to standard output: bad file descriptor\n")
        // The REPL too, and --version through the argument parser.
        let repl = try shell("exec \"$0\" > /dev/full", in: packageRoot, stdin: "show 1\n")
        #expect(repl.status == 74)
        let version = try shell("exec \"$0\" --version > /dev/full", in: packageRoot)
        #expect(version.status == 74)
        #expect(version.stderr.contains("no space left on device"))
        // A closed pipe: more output than a pipe holds, read one line. Quiet,
        // and the status is the usual one of a process ended by SIGPIPE.
        let folder = try scratchFolder("pipe")
        try write("model m = rnn { input 300; hidden 300; output 2 }\nshow m.W\nshow m.W\n", to: folder.appendingPathComponent("big.rnn"))
        let pipe = try runProgram("/usr/bin/timeout", ["60", "/bin/bash", "-c", "set -o pipefail; \"$0\" big.rnn 2> err.txt | head -1", binaryURL.path],
                                  directory: folder)
        #expect(pipe.stdout == "[1] model m = rnn { input 300; hidden 300; output 2 }\n")
        #expect(pipe.status == 128 + SIGPIPE)
        #expect(try String(contentsOf: folder.appendingPathComponent("err.txt"), encoding: .utf8) == "")
    }

    // MARK: - Signals in a batch run

    @Test("SIGINT and SIGTERM end a batch run; the cells that completed are already out", arguments: [SIGINT, SIGTERM])
    func signals(_ signal: Int32) throws {
        let folder = try scratchFolder("signal")
        try write("""
            vocab v = ['a', 'b']
            sequence s = "abab" over v predicting next
            model m = rnn { input 2; hidden 50; output 2 }
            loss l = cross_entropy
            optimizer o = sgd { lr 0.1 }
            train m on s with l, o for 100000000 epochs
            """, to: folder.appendingPathComponent("long.rnn"))
        let output = folder.appendingPathComponent("out.txt")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        let process = Process()
        process.executableURL = binaryURL
        process.arguments = ["long.rnn"]
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the fifth cell is out (training has started), then signal.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("[5] optimizer") {
            usleep(20_000)
        }
        usleep(200_000)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == signal)
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.hasPrefix("[1] vocab v = ['a', 'b']\n"))
        #expect(text.contains("[5] optimizer o = sgd { lr 0.1 }\n"))
    }

    // MARK: - The REPL

    @Test("a failed meta-command sets the exit status of a piped session like a failed statement")
    func metaCommandStatus() throws {
        let folder = try scratchFolder("meta")
        try write("seed 1\nmodel m = rnn { hiden 3 }\n", to: folder.appendingPathComponent("broken.rnn"))
        let cases: [([String], RunStatus, String)] = [
            ([":load /nonexistent/x.rnn", "show 1"], .ioError, "<repl>: error: no such file '/nonexistent/x.rnn'"),
            ([":load \(folder.path)"], .ioError, "<repl>: error: cannot read '\(folder.path)': it is a directory"),
            ([":load /dev/zero"], .ioError, "cannot read '/dev/zero': it is a character device, not a regular file"),
            ([":load \(folder.path)/broken.rnn"], .scriptError, "broken.rnn:2:17: error: unknown model entry 'hiden'"),
            (["show 1", ":save /dev/full"], .ioError, "<repl>: error: cannot write '/dev/full': it is a character device"),
            ([":save \(folder.path)/missing/s.rnn"], .ioError, "no such folder '\(folder.path)/missing'"),
            ([":frob"], .scriptError, "unknown command :frob"),
            ([":help nosuchtopic"], .scriptError, "no help on 'nosuchtopic'"),
            ([":type"], .scriptError, "usage: :type EXPR"),
            ([":type nope"], .scriptError, "cannot find 'nope'"),
            // The first failure is the status, later successes do not reset it.
            ([":load /nonexistent/x.rnn", "show 1 +", "show 2"], .ioError, "no such file"),
        ]
        for (lines, status, message) in cases {
            let session = Session.run(lines)
            #expect(session.status == status, "\(lines)")
            #expect(session.errors.contains(message), "\(lines): \(session.errors)")
        }
        let good = Session.run(["show 1", ":help", ":names", ":save \(folder.path)/ok.rnn"])
        #expect(good.status == .ok, "\(good.errors)")
    }

    @Test("the binary: piped :load of a missing file, a directory, a broken script and :save /dev/full set the status")
    func metaCommandStatusBinary() throws {
        let folder = try scratchFolder("metabin")
        try write("model m = rnn { hiden 3 }\n", to: folder.appendingPathComponent("broken.rnn"))
        for (input, status) in [(":load missing.rnn\n", 74), (":load .\n", 74), (":load broken.rnn\n", 65), ("show 1\n:save /dev/full\n", 74)] {
            let result = try shell("exec \"$0\"", in: folder, stdin: input)
            #expect(result.status == Int32(status), "\(input): \(result.stderr)")
        }
        // An endless line (stdin is /dev/zero) ends the session with a message, not a hang.
        let zero = try shell("exec \"$0\" < /dev/zero", in: folder)
        #expect(zero.status == 74)
        #expect(zero.stderr == "<repl>: error: input line 1 is longer than 64 MiB\n")
    }

    @Test("a plain line reader: \\n and \\r\\n line ends, a last line without one, bounded lines, UTF-8 only")
    func plainLineReader() throws {
        let folder = try scratchFolder("reader")
        func lines(_ bytes: [UInt8], limit: Int = 100) throws -> ([String], String?) {
            let path = folder.appendingPathComponent("in").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            let reader = PlainLineReader(fd: fd, lineLimit: limit)
            var out: [String] = []
            while let line = reader.readLine(prompt: "") { out.append(line) }
            return (out, reader.failure)
        }
        #expect(try lines(Array("a\r\nb\n\nc".utf8)) == (["a", "b", "", "c"], nil))
        #expect(try lines(Array("short\n".utf8) + Array(repeating: 0x78, count: 200)) == (["short"], "input line 2 is longer than 0 MiB"))
        #expect(try lines(Array("ok\n".utf8) + [0xFF, 0x0A]) == (["ok"], "input line 2 is not UTF-8 (byte offset 0 in the line)"))
    }

    @Test(":save rewrites relative paths so the script runs from any folder")
    func savedPaths() {
        let entries: [(text: String, folder: String)] = [
            ("series s = file \"data/n.txt\"\n", ""),
            ("series t = file \"inside.txt\"\nvocab c = chars of \"../data/x \\\"q\\\".txt\"\n", "/w/other"),
            ("save m to \"/abs/x.json\"", ""),
            ("sample m over c from \"d\" length 3", ""),
            ("dataset d = lines of \"sub/l.txt\" over c predicting next", "other"),
        ]
        let script = SessionScript.render(entries, savedTo: "/w/other/saved.rnn", workingDirectory: "/w")
        #expect(script == """
            # rnnscript session, saved with :save

            series s = file "/w/data/n.txt"
            series t = file "inside.txt"
            vocab c = chars of "/w/data/x \\"q\\".txt"
            save m to "/abs/x.json"
            sample m over c from "d" length 3
            dataset d = lines of "sub/l.txt" over c predicting next

            """)
    }

    @Test("the binary: a session saved into one folder runs from a third one")
    func savedScriptRunsAnywhere() throws {
        let root = try scratchFolder("anywhere")
        let work = root.appendingPathComponent("work"), third = root.appendingPathComponent("third")
        for folder in ["work/data", "work/other", "third"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try write("1 2 3 4 5\n", to: work.appendingPathComponent("data/n.txt"))
        try write("0.5 0.25\n", to: work.appendingPathComponent("other/inside.txt"))
        try write("series t = file \"inside.txt\"\n", to: work.appendingPathComponent("other/lib.rnn"))
        let session = try shell("exec \"$0\"", in: work, stdin: """
            series s = file "data/n.txt"
            :load other/lib.rnn
            model m = rnn { input 1; hidden 2; output 1 }
            save m to "w.json"
            :save other/saved.rnn

            """)
        #expect(session.status == 0, "\(session.stderr)")
        #expect(session.stdout.contains("saved 4 entries to other/saved.rnn"))
        let saved = try String(contentsOf: work.appendingPathComponent("other/saved.rnn"), encoding: .utf8)
        let workPath = work.resolvingSymlinksInPath().path
        #expect(saved.contains("series s = file \"\(workPath)/data/n.txt\""), "\(saved)")
        #expect(saved.contains("series t = file \"inside.txt\""), "\(saved)")
        #expect(saved.contains("save m to \"\(workPath)/w.json\""), "\(saved)")
        let rerun = try shell("exec \"$0\" ../work/other/saved.rnn", in: third)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("s: 5 values"))
        #expect(rerun.stdout.contains("t: 2 values"))
    }
}

/// Weights files of the largest models: numbers are parsed and written
/// without a boxed value each, and the bytes are those of the nested arrays.
@Suite("JSON arrays of numbers")
struct JSONNumberArrayTests {
    @Test("arrays of numbers parse unboxed; mixed arrays stay arrays; equality sees through both")
    func parse() throws {
        let json = try JSON.parse(#"{"a": [1, 2.5, -3], "b": [1, "x"], "m": [[1, 2], [3, 4]], "e": []}"#)
        guard case let .numbers(a)? = json["a"], case let .array(b)? = json["b"] else {
            Issue.record("unexpected forms: \(json)")
            return
        }
        #expect(a == [1, 2.5, -3] && b == [.number(1), .string("x")])
        #expect(json["a"] == .array([.number(1), .number(2.5), .number(-3)]))
        #expect(json["m"] == .matrix(rows: 2, cols: 2, [1, 2, 3, 4]))
        #expect(json["e"] == .array([]))
        #expect(json["m"]?.expanded == .array([.numbers([1, 2]), .numbers([3, 4])]))
    }

    @Test("a matrix and a number array write exactly as the nested arrays would", arguments: [(0, 3), (1, 0), (1, 3), (3, 2)])
    func writes(_ rows: Int, _ cols: Int) {
        let values = (0..<(rows * cols)).map { Double($0) * 0.1 - 0.35 }
        let compact = JSON.object([("data", .matrix(rows: rows, cols: cols, values)), ("row", .numbers(values))])
        let nested = JSON.object([("data", JSON.matrix(rows: rows, cols: cols, values).expanded),
                                  ("row", .array(values.map(JSON.number)))])
        #expect(compact.pretty == nested.pretty)
        #expect(compact.serialized == nested.serialized)
        #expect((try? JSON.parse(compact.pretty)) == nested)
        // Parsed back (rows as .numbers), it prints the same bytes again.
        #expect((try? JSON.parse(compact.pretty))?.pretty == nested.pretty)
    }
}
