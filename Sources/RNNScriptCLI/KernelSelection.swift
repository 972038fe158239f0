#if canImport(Glibc)
import Glibc
#endif
import RNNRuntime

/// `RNNSCRIPT_ISA=portable|avx2|avx512` forces the runtime's kernel path
/// (every path prints the same bytes; the variable exists so that tests and
/// users can check that on one machine). Unset or empty: the fastest path.
enum KernelSelection {
    /// The instruction set the environment asks for, or a message saying why it cannot be used.
    static func requested(_ value: String?) -> Result<InstructionSet?, UsageMessage> {
        guard let value, !value.isEmpty else { return .success(nil) }
        guard let set = InstructionSet(rawValue: value.lowercased()) else {
            let names = InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(UsageMessage(text: "RNNSCRIPT_ISA must be one of \(names), not '\(value)'"))
        }
        guard set.isSupported else {
            let available = InstructionSet.supported.map(\.rawValue).joined(separator: ", ")
            return .failure(UsageMessage(
                text: "RNNSCRIPT_ISA=\(set.rawValue): this CPU (or its operating system) does not run \(set.displayName) kernels; it runs: \(available)"))
        }
        return .success(set)
    }

    /// Applies `RNNSCRIPT_ISA` from the environment; the message when it cannot.
    static func applyEnvironment() -> UsageMessage? {
        switch requested(getenv("RNNSCRIPT_ISA").map { String(cString: $0) }) {
        case let .success(set):
            if let set { InstructionSet.select(set) }
            return nil
        case let .failure(message):
            return message
        }
    }

    struct UsageMessage: Error, Equatable {
        let text: String
    }
}
