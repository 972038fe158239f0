import Foundation
import Testing
import RNNScript
@testable import RNNScriptCLI

/// The Jupyter kernel's pieces that need no sockets: signing, framing,
/// the connection file, `is_complete`, completion ranges and `inspect`.
@Suite("Jupyter kernel protocol")
struct JupyterKernelTests {
    let signer = MessageSigner(key: "a0436f6c-1916-498b-8eb9-e81ab9368e84")

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// A message as a client would send it, signed with `signer`.
    func clientFrames(type: String = "execute_request", content: String = #"{"code":"1 + 1"}"#,
                      identities: [[UInt8]] = [Array("client-1".utf8)], signer: MessageSigner? = nil) -> [[UInt8]] {
        let parts = [#"{"msg_id":"m1","session":"s","username":"u","date":"2026-01-01T00:00:00Z","msg_type":"\#(type)","version":"5.3"}"#,
                     "{}", "{}", content].map(bytes)
        return identities + [JupyterMessage.delimiter, bytes((signer ?? self.signer).signature(of: parts))] + parts
    }

    @Test("HMAC-SHA256 matches a published test vector (RFC 4231, case 2)")
    func hmacVector() {
        let rfc = MessageSigner(key: "Jefe")
        #expect(rfc.signature(of: [bytes("what do ya want "), bytes("for nothing?")])
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("an empty key signs with an empty signature and accepts anything")
    func unsigned() {
        let none = MessageSigner(key: "")
        #expect(none.signature(of: [bytes("x")]) == "")
        #expect(none.isValid(signature: bytes("whatever"), of: [bytes("x")]))
    }

    @Test("a signed message decodes: identities, header, parent, metadata, content")
    func decodes() throws {
        var seen = Set<[UInt8]>()
        let message = try JupyterMessage.decode(clientFrames(identities: [bytes("a"), bytes("b")]), signer: signer, seen: &seen)
        #expect(message.identities == [bytes("a"), bytes("b")])
        #expect(message.type == "execute_request")
        #expect(message.id == "m1")
        #expect(message.content["code"]?.stringValue == "1 + 1")
        #expect(message.parentHeader == .object([]))
        #expect(message.metadata == .object([]))
        #expect(seen.count == 1)
    }

    @Test("a bad signature, another key, a replay or a tampered frame is refused")
    func refuses() {
        var seen = Set<[UInt8]>()
        var frames = clientFrames()
        frames[2] = bytes(String(repeating: "0", count: 64))
        #expect(throws: JupyterMessage.WireError.badSignature) { try JupyterMessage.decode(frames, signer: signer, seen: &seen) }
        #expect(throws: JupyterMessage.WireError.badSignature) {
            try JupyterMessage.decode(clientFrames(signer: MessageSigner(key: "another key")), signer: signer, seen: &seen)
        }
        var tampered = clientFrames()
        tampered[6] = bytes(#"{"code":"train net"}"#)
        #expect(throws: JupyterMessage.WireError.badSignature) { try JupyterMessage.decode(tampered, signer: signer, seen: &seen) }
        var notHex = clientFrames()
        notHex[2] = bytes(String(repeating: "z", count: 64))
        #expect(throws: JupyterMessage.WireError.badSignature) { try JupyterMessage.decode(notHex, signer: signer, seen: &seen) }
        #expect(seen.isEmpty)
        #expect((try? JupyterMessage.decode(clientFrames(), signer: signer, seen: &seen)) != nil)
        #expect(throws: JupyterMessage.WireError.replayed) { try JupyterMessage.decode(clientFrames(), signer: signer, seen: &seen) }
    }

    @Test("framing: no delimiter, too few frames, bad JSON")
    func malformed() {
        var seen = Set<[UInt8]>()
        let frames = clientFrames()
        #expect(throws: JupyterMessage.WireError.malformed("no <IDS|MSG> delimiter")) {
            try JupyterMessage.decode(frames.filter { $0 != JupyterMessage.delimiter }, signer: signer, seen: &seen)
        }
        #expect(throws: JupyterMessage.WireError.self) { try JupyterMessage.decode(Array(frames.dropLast()), signer: signer, seen: &seen) }
        let parts = ["not json", "{}", "{}", "{}"].map(bytes)
        let bad = [JupyterMessage.delimiter, bytes(signer.signature(of: parts))] + parts
        #expect(throws: JupyterMessage.WireError.self) { try JupyterMessage.decode(bad, signer: signer, seen: &seen) }
    }

    @Test("a reply goes back to the request's identities, with its header as parent, and verifies")
    func replyRoundTrip() throws {
        var seen = Set<[UInt8]>()
        let request = try JupyterMessage.decode(clientFrames(identities: [bytes("peer")]), signer: signer, seen: &seen)
        let reply = JupyterMessage(type: "execute_reply", content: .object([("status", .string("ok")), ("execution_count", .number(3))]),
                                   parent: request, session: "kernel-session")
        let frames = reply.frames(signedWith: signer)
        #expect(frames[0] == bytes("peer"))
        #expect(frames[1] == JupyterMessage.delimiter)
        #expect(String(decoding: frames[6], as: UTF8.self) == #"{"status":"ok","execution_count":3}"#)
        var kernelSeen = Set<[UInt8]>()
        let back = try JupyterMessage.decode(frames, signer: signer, seen: &kernelSeen)
        #expect(back.parentHeader == request.header)
        #expect(back.type == "execute_reply")
        #expect(back.header["version"]?.stringValue == "5.3")
        #expect(back.header["session"]?.stringValue == "kernel-session")
        #expect(back.id.count == 32)
        let date = back.header["date"]?.stringValue ?? ""
        #expect(date.count == 27 && date.hasSuffix("Z") && date.dropFirst(10).first == "T")
    }

    @Test("the connection file gives the addresses and the key")
    func connectionFile() throws {
        let info = try ConnectionInfo(json: """
            {"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005,
             "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "rnnscript"}
            """)
        #expect(info.address(info.shellPort) == "tcp://127.0.0.1:5001")
        #expect(info.address(info.heartbeatPort) == "tcp://127.0.0.1:5005")
        #expect(info.key == "k")
        let ipc = try ConnectionInfo(json: #"{"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"ip":"/tmp/k","transport":"ipc"}"#)
        #expect(ipc.address(ipc.iopubPort) == "ipc:///tmp/k-2")
        #expect(throws: ConnectionInfo.Problem.self) { try ConnectionInfo(json: #"{"shell_port": 1}"#) }
        #expect(throws: ConnectionInfo.Problem.self) {
            try ConnectionInfo(json: #"{"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"signature_scheme":"hmac-md5"}"#)
        }
    }

    @Test("kernel.json runs this binary with the connection file")
    func kernelSpec() throws {
        let spec = try JSON.parse(KernelSpec(executable: "/opt/bin/rnnscript").json)
        #expect(spec["argv"] == .array(["/opt/bin/rnnscript", "kernel", "--connection-file", "{connection_file}"].map(JSON.string)))
        #expect(spec["language"]?.stringValue == "rnnscript")
        #expect(spec["interrupt_mode"]?.stringValue == "signal")
    }

    @Test("is_complete: an open block or list asks for more, an error is invalid", arguments: [
        ("model m = rnn {", KernelLanguage.Completeness.incomplete(indent: "  ")),
        ("model m = rnn { input 4\n hidden 3", .incomplete(indent: "  ")),
        ("vocab v = ['a', 'b',", .incomplete(indent: "  ")),
        ("model m = rnn { input 4; hidden 3; output 4 }", .complete),
        ("seed 1\nlet x = 2", .complete),
        ("", .complete),
        (":help train", .complete),
        ("model m = = }", .invalid),
    ])
    func isComplete(code: String, expected: KernelLanguage.Completeness) {
        #expect(KernelLanguage.completeness(of: code) == expected)
    }

    @Test("completion ranges are code points of the whole cell; the line goes to readline's logic in bytes")
    func completionSite() {
        let code = "let é = 1\nshow n"
        let site = KernelLanguage.completionSite(code: code, cursor: code.unicodeScalars.count)
        #expect(site.line == "show n")
        #expect((site.start, site.end) == (5, 6))
        #expect((site.cursorStart, site.cursorEnd) == (15, 16))
        let middle = KernelLanguage.completionSite(code: "let é = tr 1", cursor: 10)
        #expect(middle.line == "let é = tr 1")
        #expect((middle.start, middle.end) == (9, 11))
        #expect((middle.cursorStart, middle.cursorEnd) == (8, 10))
    }

    @Test("completion offers keywords and declared names, and members after a dot")
    func completes() throws {
        let runner = ScriptRunner(host: MemoryHost(), output: { _ in }, errors: { _ in })
        _ = runner.runEntry(SourceFile(name: "t", text: "model net = rnn { input 4; hidden 3; output 4 }"))
        let (matches, site) = KernelLanguage.complete(code: "forward ne", cursor: 10, state: runner.state, listFiles: { _ in [] })
        #expect(matches == ["net", "next"])
        #expect((site.cursorStart, site.cursorEnd) == (8, 10))
        let (members, memberSite) = KernelLanguage.complete(code: "show net.W", cursor: 10, state: runner.state, listFiles: { _ in [] })
        #expect(members.contains("net.W"))
        #expect(members.allSatisfy { $0.hasPrefix("net.W") })
        #expect(memberSite.cursorStart == 5)
        let (keywords, _) = KernelLanguage.complete(code: "tra", cursor: 3, state: runner.state, listFiles: { _ in [] })
        #expect(keywords.contains("train"))
    }

    @Test("inspect: help for a keyword, the description of a declared name, nothing for an unknown word")
    func inspects() {
        let runner = ScriptRunner(host: MemoryHost(), output: { _ in }, errors: { _ in })
        _ = runner.runEntry(SourceFile(name: "t", text: "model net = rnn { input 4; hidden 3; output 4 }"))
        #expect(KernelLanguage.inspect(code: "train net", cursor: 2, state: runner.state) == Help.topic("train"))
        let net = KernelLanguage.inspect(code: "show net.W", cursor: 7, state: runner.state) ?? ""
        #expect(net.hasPrefix("net: model: "))
        #expect(net.contains("parameters"))
        #expect(KernelLanguage.inspect(code: "zzz", cursor: 1, state: runner.state) == nil)
    }
}

/// `rnnscript kernel install` and `rnnscript kernel` as a user runs them.
@Suite("rnnscript kernel on the command line", .serialized)
struct KernelCommandLineTests {
    @Test("kernel install --prefix writes kernel.json that runs this binary")
    func installs() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("rnnscript-kernelspec-\(getpid())")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let result = try runBinary(["kernel", "install", "--prefix", prefix.path])
        #expect(result.status == 0)
        let file = prefix.appendingPathComponent("share/jupyter/kernels/rnnscript/kernel.json").path
        #expect(result.stdout == "installed kernelspec rnnscript in \(prefix.path)/share/jupyter/kernels/rnnscript\n")
        let spec = try JSON.parse(String(contentsOfFile: file, encoding: .utf8))
        #expect(spec["argv"] == .array([binaryURL.resolvingSymlinksInPath().path, "kernel", "--connection-file", "{connection_file}"].map(JSON.string)))
        #expect(spec["display_name"]?.stringValue == "rnnscript")
    }

    @Test("kernel without a connection file, or with a bad one, is refused")
    func refuses() throws {
        #expect(try runBinary(["kernel"]).status == 64)
        #expect(try runBinary(["kernel", "install", "--user", "--prefix", "/tmp"]).status == 64)
        let missing = try runBinary(["kernel", "--connection-file", "/nonexistent/connection.json"])
        #expect(missing.status == 74)
        #expect(missing.stderr.contains("no such file"))
    }
}
