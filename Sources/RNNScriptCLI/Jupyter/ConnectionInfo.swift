import RNNScript

/// What a Jupyter connection file says: where to bind the five sockets and
/// the key that signs every message.
struct ConnectionInfo: Equatable {
    var transport: String
    var ip: String
    var shellPort: Int
    var controlPort: Int
    var iopubPort: Int
    var stdinPort: Int
    var heartbeatPort: Int
    var key: String

    /// Parses the file's JSON; the message names what is missing or wrong.
    init(json text: String) throws(ConnectionInfo.Problem) {
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw Problem(message: "not JSON: \(error.description)") }
        func string(_ name: String, default value: String? = nil) throws(Problem) -> String {
            if let s = json[name]?.stringValue { return s }
            if let value, json[name] == nil { return value }
            throw Problem(message: "'\(name)' is missing or not a string")
        }
        func port(_ name: String) throws(Problem) -> Int {
            guard let p = json[name]?.intValue, (0...65535).contains(p) else { throw Problem(message: "'\(name)' is missing or not a port number") }
            return p
        }
        transport = try string("transport", default: "tcp")
        ip = try string("ip", default: "127.0.0.1")
        shellPort = try port("shell_port")
        controlPort = try port("control_port")
        iopubPort = try port("iopub_port")
        stdinPort = try port("stdin_port")
        heartbeatPort = try port("hb_port")
        key = try string("key", default: "")
        let scheme = try string("signature_scheme", default: "hmac-sha256")
        guard scheme == "hmac-sha256" else { throw Problem(message: "signature scheme '\(scheme)' is not supported (only hmac-sha256)") }
        guard transport == "tcp" || transport == "ipc" else { throw Problem(message: "transport '\(transport)' is not supported (tcp or ipc)") }
    }

    struct Problem: Error, Equatable {
        var message: String
    }

    /// The ZeroMQ endpoint of a port: `tcp://IP:PORT`, or `ipc://IP-PORT` as
    /// jupyter_client names IPC sockets.
    func address(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}
