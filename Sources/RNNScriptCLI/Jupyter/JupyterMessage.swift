#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Crypto
import RNNScript

/// One message of the Jupyter messaging protocol (5.3), as it travels over
/// ZeroMQ: the routing identities, the `<IDS|MSG>` delimiter, the HMAC
/// signature (lowercase hex), then four JSON frames — header, parent header,
/// metadata, content — and any binary buffers.
///
///     [identity…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer…]
///
/// The signature is HMAC-SHA256, keyed with the connection file's `key`, of
/// the four JSON frames exactly as they were sent.
struct JupyterMessage {
    static let delimiter = Array("<IDS|MSG>".utf8)
    static let protocolVersion = "5.3"

    var identities: [[UInt8]] = []
    var header: JSON
    var parentHeader: JSON = .object([])
    var metadata: JSON = .object([])
    var content: JSON
    var buffers: [[UInt8]] = []

    /// `header.msg_type` ("" when missing).
    var type: String { header["msg_type"]?.stringValue ?? "" }
    /// `header.msg_id` ("" when missing).
    var id: String { header["msg_id"]?.stringValue ?? "" }

    /// A new message answering or caused by `parent`: same routing identities
    /// (for a reply on the socket it came from), the parent's header as
    /// `parent_header`, and a fresh header from `session`.
    init(type: String, content: JSON, parent: JupyterMessage?, session: String) {
        self.header = Self.header(type: type, session: session)
        self.parentHeader = parent?.header ?? .object([])
        self.identities = parent?.identities ?? []
        self.content = content
    }

    init(identities: [[UInt8]] = [], header: JSON, parentHeader: JSON = .object([]), metadata: JSON = .object([]), content: JSON) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        self.metadata = metadata
        self.content = content
    }

    static func header(type: String, session: String) -> JSON {
        .object([
            ("msg_id", .string(newIdentifier())), ("session", .string(session)), ("username", .string("rnnscript")),
            ("date", .string(timestamp())), ("msg_type", .string(type)), ("version", .string(protocolVersion)),
        ])
    }

    /// The frames to send, signed with `signer`.
    func frames(signedWith signer: MessageSigner) -> [[UInt8]] {
        let parts = [header, parentHeader, metadata, content].map { Array($0.serialized.utf8) }
        return identities + [Self.delimiter, Array(signer.signature(of: parts).utf8)] + parts + buffers
    }

    /// Why a received multipart message was not accepted.
    enum WireError: Error, Equatable {
        /// No `<IDS|MSG>` frame, or fewer than five frames after it.
        case malformed(String)
        /// The signature does not match the frames and the key.
        case badSignature
        /// A signature seen before: the same message sent again.
        case replayed
        /// A JSON frame that does not parse, or a header that is not an object.
        case badJSON(String)
    }

    /// Parses and verifies received frames. The signature is checked (in
    /// constant time) before any JSON is parsed, and recorded in `seen` so
    /// that the same message cannot be played again.
    static func decode(_ frames: [[UInt8]], signer: MessageSigner, seen: inout Set<[UInt8]>) throws(WireError) -> JupyterMessage {
        guard let split = frames.firstIndex(of: delimiter) else { throw .malformed("no <IDS|MSG> delimiter") }
        let rest = Array(frames[(split + 1)...])
        guard rest.count >= 5 else { throw .malformed("\(rest.count) frames after the delimiter, expected at least 5") }
        let signature = rest[0], parts = Array(rest[1...4])
        guard signer.isValid(signature: signature, of: parts) else { throw .badSignature }
        if signer.isSigning {
            guard !seen.contains(signature) else { throw .replayed }
            seen.insert(signature)
        }
        var json: [JSON] = []
        for (name, part) in zip(["header", "parent_header", "metadata", "content"], parts) {
            do {
                json.append(try JSON.parse(String(decoding: part, as: UTF8.self)))
            } catch {
                throw .badJSON("\(name): \(error.description)")
            }
        }
        guard case .object = json[0] else { throw .badJSON("header: not an object") }
        var message = JupyterMessage(identities: Array(frames[..<split]), header: json[0], parentHeader: json[1],
                                     metadata: json[2], content: json[3])
        message.buffers = Array(rest[5...])
        return message
    }

    /// 32 random hex digits (a UUID's worth of randomness, without dashes).
    static func newIdentifier() -> String {
        MessageSigner.hex(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
    }

    /// The current UTC time in ISO 8601 with microseconds, as Jupyter writes it.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(now.tv_nsec / 1000, 6))Z"
    }
}

/// Signs and verifies messages with HMAC-SHA256 (swift-crypto). An empty
/// key means the connection is unsigned: the signature is empty and every
/// message is accepted, as the protocol specifies.
struct MessageSigner {
    private let key: SymmetricKey?

    init(key: String) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Array(key.utf8))
    }

    var isSigning: Bool { key != nil }

    /// The hex HMAC of the concatenated frames ("" without a key).
    func signature(of parts: [[UInt8]]) -> String {
        guard let key else { return "" }
        var hmac = HMAC<SHA256>(key: key)
        for part in parts { hmac.update(data: part) }
        return Self.hex(Array(hmac.finalize()))
    }

    /// Whether `signature` (hex, as received) is the HMAC of the frames,
    /// compared in constant time by swift-crypto.
    func isValid(signature: [UInt8], of parts: [[UInt8]]) -> Bool {
        guard let key else { return true }
        guard let code = Self.bytes(fromHex: signature), code.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: parts.flatMap { $0 }, using: key)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower- or uppercase hex digits to bytes; nil for anything else.
    static func bytes(fromHex text: [UInt8]) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        var index = 0
        while index < text.count {
            guard let high = value(text[index]), let low = value(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

extension JSON {
    /// The string inside `.string`, else nil.
    var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// An integral number as an Int, else nil.
    var intValue: Int? {
        if case let .number(x) = self, x == x.rounded(), abs(x) < 1e15 { return Int(x) }
        return nil
    }

    var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }
}
