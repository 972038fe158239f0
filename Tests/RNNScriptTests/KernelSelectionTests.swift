import Testing
@testable import RNNScript
@testable import RNNScriptCLI

/// Which OpenBLAS kernels the command asks for: AVX-512 for float32 scripts on
/// CPUs that have it, never otherwise.
@Suite("BLAS kernel selection")
struct KernelSelectionTests {
    static let avx512 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16\n"
    static let avx2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
    static let partial = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512cd\n"  // Xeon Phi-like: no BW/DQ/VL

    @Test("float32 on an AVX-512 CPU: switch, whether OpenBLAS was pinned to AVX2 or left to itself")
    func switches() {
        #expect(KernelSelection.shouldSelectAVX512(cpuInfo: Self.avx512, currentCoreType: nil, keep: false, singlePrecision: true))
        #expect(KernelSelection.shouldSelectAVX512(cpuInfo: Self.avx512, currentCoreType: "Haswell", keep: false, singlePrecision: true))
    }

    @Test("never for float64, a CPU without every AVX-512 flag, an AVX-512 core already chosen, or RNNSCRIPT_KEEP_CORETYPE")
    func keeps() {
        #expect(!KernelSelection.shouldSelectAVX512(cpuInfo: Self.avx512, currentCoreType: nil, keep: false, singlePrecision: false))
        #expect(!KernelSelection.shouldSelectAVX512(cpuInfo: Self.avx2, currentCoreType: nil, keep: false, singlePrecision: true))
        #expect(!KernelSelection.shouldSelectAVX512(cpuInfo: Self.partial, currentCoreType: nil, keep: false, singlePrecision: true))
        #expect(!KernelSelection.shouldSelectAVX512(cpuInfo: "", currentCoreType: nil, keep: false, singlePrecision: true))
        for core in ["SkylakeX", "COOPERLAKE", "sapphirerapids"] {
            #expect(!KernelSelection.shouldSelectAVX512(cpuInfo: Self.avx512, currentCoreType: core, keep: false, singlePrecision: true))
        }
        #expect(!KernelSelection.shouldSelectAVX512(cpuInfo: Self.avx512, currentCoreType: "Haswell", keep: true, singlePrecision: true))
    }

    @Test("a script asks for single precision only with a precision float32 statement")
    func singlePrecision() {
        func asks(_ text: String) -> Bool { ScriptRunner.requestsSinglePrecision(SourceFile(name: "t.rnn", text: text)) }
        #expect(asks("seed 1\nprecision float32\nmodel m = rnn { input 2; hidden 3; output 2 }"))
        #expect(!asks("seed 1\nmodel m = rnn { input 2; hidden 3; output 2 }"))
        #expect(!asks("precision float64"))
        #expect(!asks("# precision float32\nlet x = 1"))
        #expect(asks("precision float32\nthis is not rnnscript"))
    }
}
