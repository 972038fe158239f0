#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CZMQ
import RNNScript

/// `rnnscript kernel --connection-file F`: a Jupyter kernel speaking the
/// messaging protocol 5.3 over ZeroMQ. Shell and control are ROUTER sockets
/// served by one loop on the main thread (control first); IOPub is a PUB
/// socket for outputs and status; stdin is bound but never asks for input;
/// the heartbeat is a REP socket echoing on its own thread, so the front end
/// sees the kernel alive while a long `train` runs.
///
/// Every incoming message's signature is checked before anything else; a
/// message with a bad or already-seen signature is logged on stderr and
/// dropped. One session (a `ScriptRunner`) lives as long as the kernel, so
/// declarations persist across cells.
final class JupyterKernel {
    let connection: ConnectionInfo
    let signer: MessageSigner
    let session = JupyterMessage.newIdentifier()
    /// Signatures of every message accepted so far: a replay is refused.
    var seenSignatures = Set<[UInt8]>()
    let context: UnsafeMutableRawPointer
    let shell: ZMQSocket
    let control: ZMQSocket
    let iopub: ZMQSocket
    let stdinSocket: ZMQSocket
    let host: FileHost
    let runner: ScriptRunner
    var executionCount = 0
    /// The request whose outputs IOPub is sending now (their parent).
    var currentRequest: JupyterMessage?
    /// The first error of the cell running now, for its `execute_reply`.
    var cellError: (name: String, value: String, traceback: [String])?
    /// A `silent` execute_request: its outputs are not broadcast.
    var cellIsSilent = false
    /// What the runner printed as errors during the cell running now.
    let cellErrorText: TextBuffer

    final class TextBuffer {
        var text = ""
    }

    init(connection: ConnectionInfo) throws(ZMQSocket.Failure) {
        self.connection = connection
        self.signer = MessageSigner(key: connection.key)
        guard let context = zmq_ctx_new() else { throw ZMQSocket.Failure(description: "cannot create a ZeroMQ context: \(ZMQSocket.lastError())") }
        self.context = context
        shell = try ZMQSocket(context: context, type: ZMQ_ROUTER, bindTo: connection.address(connection.shellPort), name: "shell")
        control = try ZMQSocket(context: context, type: ZMQ_ROUTER, bindTo: connection.address(connection.controlPort), name: "control")
        iopub = try ZMQSocket(context: context, type: ZMQ_PUB, bindTo: connection.address(connection.iopubPort), name: "iopub")
        stdinSocket = try ZMQSocket(context: context, type: ZMQ_ROUTER, bindTo: connection.address(connection.stdinPort), name: "stdin")
        let heartbeat = try ZMQSocket(context: context, type: ZMQ_REP, bindTo: connection.address(connection.heartbeatPort), name: "heartbeat")
        host = FileHost(baseDirectory: "", showProgress: false)
        // Outputs come through the runner's output observer; its printed
        // errors are kept only for a failure that has no diagnostic.
        let errorText = TextBuffer()
        cellErrorText = errorText
        runner = ScriptRunner(host: host, format: .text, useColor: false, output: { _ in }, errors: { errorText.text += $0 })
        Self.startHeartbeat(heartbeat)
    }

    /// Echoes every heartbeat on a thread of its own, for the life of the process.
    static func startHeartbeat(_ socket: ZMQSocket) {
        var thread = pthread_t()
        let retained = Unmanaged.passRetained(socket).toOpaque()
        let started = pthread_create(&thread, nil, { argument in
            let socket = Unmanaged<ZMQSocket>.fromOpaque(argument!).takeRetainedValue()
            while let frames = socket.receive() { socket.send(frames) }
            return nil
        }, retained)
        if started != 0 { log("cannot start the heartbeat thread (error \(started))") }
    }

    static func log(_ text: String) { Terminal.writeError("rnnscript kernel: \(text)\n") }

    /// Serves requests until a `shutdown_request`; returns the exit status.
    func serve() -> Int32 {
        // The runner reports through the kernel, not the terminal.
        let runner = self.runner
        runner.outputObserver = { [unowned self] output in self.cellOutput(output) }
        host.progressLine = { [unowned self] line in self.cellOutput(.stream(name: "stderr", text: line)) }
        installInterruptHandler()
        var items = [
            zmq_pollitem_t(socket: control.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
            zmq_pollitem_t(socket: shell.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
        ]
        while true {
            if zmq_poll(&items, Int32(items.count), -1) < 0 {
                if zmq_errno() == EINTR { continue }
                Self.log("polling failed: \(ZMQSocket.lastError())")
                return 1
            }
            for (index, socket) in [control, shell].enumerated() where items[index].revents & Int16(ZMQ_POLLIN) != 0 {
                // Take every message waiting, so a busy shell never starves control.
                while let frames = receiveNow(socket) {
                    if let status = handle(frames, on: socket) { return status }
                }
            }
        }
    }

    /// The next message on `socket` if one is waiting.
    private func receiveNow(_ socket: ZMQSocket) -> [[UInt8]]? {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(socket.handle, ZMQ_EVENTS, &events, &size) == 0, events & ZMQ_POLLIN != 0 else { return nil }
        return socket.receive()
    }

    /// A SIGINT (interrupt_mode "signal") asks a running `train` to stop
    /// after its current update; it keeps the parameters so far.
    private func installInterruptHandler() {
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigprocmask(SIG_UNBLOCK, &mask, nil)
        signal(SIGINT) { _ in Interrupt.requested = 1 }
    }

    /// Verifies, then answers one message. Returns an exit status when the kernel should stop.
    func handle(_ frames: [[UInt8]], on socket: ZMQSocket) -> Int32? {
        let request: JupyterMessage
        do {
            request = try JupyterMessage.decode(frames, signer: signer, seen: &seenSignatures)
        } catch {
            Self.log("dropped a message on the \(socket.name) socket: \(Self.describe(error))")
            return nil
        }
        currentRequest = request
        publish("status", ["execution_state": .string("busy")])
        defer { publish("status", ["execution_state": .string("idle")]) }
        switch request.type {
        case "kernel_info_request":
            reply(to: request, on: socket, "kernel_info_reply", kernelInfo())
        case "execute_request":
            execute(request, on: socket)
        case "is_complete_request":
            let completeness = KernelLanguage.completeness(of: request.content["code"]?.stringValue ?? "")
            var content: [(String, JSON)] = [("status", .string(completeness.status))]
            if case let .incomplete(indent) = completeness { content.append(("indent", .string(indent))) }
            reply(to: request, on: socket, "is_complete_reply", .object(content))
        case "complete_request":
            let code = request.content["code"]?.stringValue ?? ""
            let cursor = request.content["cursor_pos"]?.intValue ?? code.unicodeScalars.count
            let (matches, site) = KernelLanguage.complete(code: code, cursor: cursor, state: runner.state)
            reply(to: request, on: socket, "complete_reply", .object([
                ("status", .string("ok")), ("matches", .array(matches.map(JSON.string))),
                ("cursor_start", .number(Double(site.cursorStart))), ("cursor_end", .number(Double(site.cursorEnd))),
                ("metadata", .object([])),
            ]))
        case "inspect_request":
            let code = request.content["code"]?.stringValue ?? ""
            let cursor = request.content["cursor_pos"]?.intValue ?? code.unicodeScalars.count
            let text = KernelLanguage.inspect(code: code, cursor: cursor, state: runner.state)
            reply(to: request, on: socket, "inspect_reply", .object([
                ("status", .string("ok")), ("found", .bool(text != nil)),
                ("data", .object(text.map { [("text/plain", .string($0))] } ?? [])), ("metadata", .object([])),
            ]))
        case "comm_info_request":
            reply(to: request, on: socket, "comm_info_reply", .object([("status", .string("ok")), ("comms", .object([]))]))
        case "history_request":
            reply(to: request, on: socket, "history_reply", .object([("status", .string("ok")), ("history", .array([]))]))
        case "interrupt_request":
            // Only reached between cells (the loop is not reading while a cell runs): nothing to stop.
            reply(to: request, on: socket, "interrupt_reply", .object([("status", .string("ok"))]))
        case "shutdown_request":
            let restart = request.content["restart"]?.boolValue ?? false
            reply(to: request, on: socket, "shutdown_reply", .object([("status", .string("ok")), ("restart", .bool(restart))]))
            return 0
        default:
            Self.log("ignored a message of type '\(TextDecoding.printable(request.type))'")
        }
        return nil
    }

    static func describe(_ error: JupyterMessage.WireError) -> String {
        switch error {
        case let .malformed(reason): return "malformed (\(reason))"
        case .badSignature: return "bad signature"
        case .replayed: return "replayed signature"
        case let .badJSON(reason): return "bad JSON (\(reason))"
        }
    }

    func kernelInfo() -> JSON {
        .object([
            ("status", .string("ok")), ("protocol_version", .string(JupyterMessage.protocolVersion)),
            ("implementation", .string("rnnscript")), ("implementation_version", .string(RNNScriptCommand.version)),
            ("language_info", .object([
                ("name", .string("rnnscript")), ("version", .string(RNNScriptCommand.version)),
                ("mimetype", .string("text/x-rnnscript")), ("file_extension", .string(".rnn")),
                ("pygments_lexer", .string("text")),
            ])),
            ("banner", .string("rnnscript \(RNNScriptCommand.version): declare RNNs, run BPTT, train, inspect (:help)")),
            ("help_links", .array([])),
        ])
    }

    /// Sends a reply on the socket the request came from.
    func reply(to request: JupyterMessage, on socket: ZMQSocket, _ type: String, _ content: JSON) {
        let message = JupyterMessage(type: type, content: content, parent: request, session: session)
        if !socket.send(message.frames(signedWith: signer)) { Self.log("cannot send \(type): \(ZMQSocket.lastError())") }
    }

    /// Broadcasts on IOPub, as a child of the current request.
    func publish(_ type: String, _ content: KeyValuePairs<String, JSON>) {
        publish(type, .object(content.map { ($0.key, $0.value) }))
    }

    func publish(_ type: String, _ content: JSON) {
        var message = JupyterMessage(type: type, content: content, parent: currentRequest, session: session)
        message.identities = [Array(type.utf8)]
        iopub.send(message.frames(signedWith: signer))
    }
}
