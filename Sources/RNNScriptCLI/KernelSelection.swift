#if canImport(Glibc)
import Glibc
#endif

/// Picks OpenBLAS's AVX-512 ("SkylakeX") kernels for single-precision scripts
/// on CPUs that have AVX-512. OpenBLAS chooses its kernels once, when it is
/// loaded, from `OPENBLAS_CORETYPE` or its own detection, and machines (this
/// one among them) often pin its AVX2 kernels, which halve SGEMM throughput.
/// So the command re-executes itself once with the variable set, before any work.
///
/// Only for `precision float32` (the precision one asks for speed): the kernels
/// sum in another order, and Float64 output (the examples' golden transcripts)
/// must stay byte-identical to the usual kernels'. Never a kernel the CPU (or
/// the OS, which hides the flags it cannot save) lacks; never when the
/// environment already names an AVX-512 core or sets `RNNSCRIPT_KEEP_CORETYPE`.
enum KernelSelection {
    static let coreType = "SkylakeX"
    /// OpenBLAS cores with AVX-512 kernels: nothing to gain from switching.
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    /// The CPU flags OpenBLAS's SkylakeX kernels use.
    static let requiredFlags: Set<Substring> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    /// Whether to re-execute with `OPENBLAS_CORETYPE=SkylakeX`.
    static func shouldSelectAVX512(cpuInfo: String, currentCoreType: String?, keep: Bool, singlePrecision: Bool) -> Bool {
        guard singlePrecision && !keep else { return false }
        if let current = currentCoreType, avx512Cores.contains(current.lowercased()) { return false }
        guard let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = flagsLine.firstIndex(of: ":") else { return false }
        let flags = Set(flagsLine[flagsLine.index(after: colon)...].split(separator: " "))
        return requiredFlags.isSubset(of: flags)
    }

    /// Re-executes the running binary with the AVX-512 kernels when
    /// `shouldSelectAVX512` says so; returns (doing nothing) otherwise or if
    /// the exec fails.
    static func selectForScript(singlePrecision: Bool) {
        let current = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        guard singlePrecision, let cpuInfo = readSmallFile("/proc/cpuinfo"),
              shouldSelectAVX512(cpuInfo: cpuInfo, currentCoreType: current,
                                 keep: getenv("RNNSCRIPT_KEEP_CORETYPE") != nil, singlePrecision: true) else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the exec failed; go on with the kernels already loaded.
        if let current { setenv("OPENBLAS_CORETYPE", current, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
    }

    /// The first 64 KiB of a file (the first processor's block of
    /// /proc/cpuinfo holds its flags).
    private static func readSmallFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = fread(&buffer, 1, buffer.count, file)
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
