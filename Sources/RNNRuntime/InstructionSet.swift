import CKernels

/// The instruction sets the runtime's kernels are compiled for. Every one
/// computes the same bits (CKernels/rnn_kernels.h: one fixed operation order
/// per output); they differ only in speed. The fastest the machine runs is
/// chosen when the program starts; `select` forces another (for tests and
/// `RNNSCRIPT_ISA`).
public enum InstructionSet: String, CaseIterable, Sendable {
    case portable, avx2, avx512

    var code: Int32 {
        switch self {
        case .portable: Int32(RNN_ISA_PORTABLE)
        case .avx2: Int32(RNN_ISA_AVX2)
        case .avx512: Int32(RNN_ISA_AVX512)
        }
    }

    init(code: Int32) {
        self = Self.allCases.first { $0.code == code } ?? .portable
    }

    /// Whether this CPU and operating system run it.
    public var isSupported: Bool { rnn_isa_supported(code) != 0 }

    /// The fastest set this machine runs.
    public static var best: InstructionSet { InstructionSet(code: rnn_isa_best()) }

    /// The set in use.
    public static var current: InstructionSet { InstructionSet(code: rnn_isa_current()) }

    /// Every set this machine runs, portable first.
    public static var supported: [InstructionSet] { allCases.filter(\.isSupported) }

    /// Uses `set` from now on; false (nothing changed) when the machine lacks it.
    /// Not while a computation runs on another thread.
    @discardableResult
    public static func select(_ set: InstructionSet) -> Bool {
        rnn_isa_select(set.code) == 0
    }

    /// What a person calls it.
    public var displayName: String {
        switch self {
        case .portable: "portable"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }
}
