#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CZMQ

/// A ZeroMQ socket (libzmq), used from one thread at a time: multipart
/// send and receive, nothing more.
final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    let name: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func lastError() -> String { String(cString: zmq_strerror(zmq_errno())) }

    /// A socket of `type` (ZMQ_ROUTER, ZMQ_PUB, ZMQ_REP) bound to `address`.
    init(context: UnsafeMutableRawPointer, type: Int32, bindTo address: String, name: String) throws(Failure) {
        guard let handle = zmq_socket(context, type) else { throw Failure(description: "cannot create the \(name) socket: \(Self.lastError())") }
        self.handle = handle
        self.name = name
        // Do not hold the process at exit for messages nobody reads.
        var linger: Int32 = 1000
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_bind(handle, address) == 0 else {
            let reason = Self.lastError()
            zmq_close(handle)
            throw Failure(description: "cannot bind the \(name) socket to \(address): \(reason)")
        }
    }

    /// Receives every frame of the next message (blocking).
    func receive() -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            while zmq_msg_recv(&message, handle, 0) < 0 {
                if zmq_errno() != EINTR { return nil }
            }
            let size = zmq_msg_size(&message)
            if let data = zmq_msg_data(&message), size > 0 {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Sends the frames as one message; false if libzmq refused.
    @discardableResult
    func send(_ frames: [[UInt8]]) -> Bool {
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? Int32(0) : ZMQ_SNDMORE
            var sent: Int32 = -1
            repeat {
                sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            } while sent < 0 && zmq_errno() == EINTR
            if sent < 0 { return false }
        }
        return true
    }

    func close() { zmq_close(handle) }
}
