#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RNNRuntime

/// Fixed, explicit number formats for everything a golden file compares
/// (never `Double.description`).
public enum NumberFormatting {
    /// printf-style formatting of one Double (`"%.4f"`, `"%.3e"`, …).
    public static func printf(_ format: String, _ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let written = withVaList([value]) { vsnprintf(buffer.baseAddress!, 64, format, $0) }
            let count = Int(min(max(written, 0), 63))
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: count), as: UTF8.self)
        }
    }

    /// `x` with a fixed number of decimals; `-0.0000` prints as `0.0000`.
    public static func fixed(_ x: Double, _ decimals: Int = 4) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        let text = printf("%.\(decimals)f", x)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    /// Scientific with `digits` decimals: `1.2346e-05`.
    public static func scientific(_ x: Double, _ digits: Int = 4) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return printf("%.\(digits)e", x)
    }

    /// A general-purpose short form for a single number in text output:
    /// fixed with 4 decimals when 1e-3 ≤ |x| < 1e5 (or x = 0), scientific otherwise.
    public static func general(_ x: Double) -> String {
        let a = abs(x)
        if a == 0 || (a >= 1e-3 && a < 1e5) || !x.isFinite { return fixed(x) }
        return scientific(x)
    }

    /// The shortest of 15, 16 or 17 significant digits that reads back as the
    /// same Double: exact and stable, for JSON.
    public static func roundTrip(_ x: Double) -> String {
        if x == 0 { return x.sign == .minus ? "-0" : "0" }
        if x == x.rounded(), abs(x) < 1e15 { return printf("%.0f", x) }
        for digits in 15...17 {
            let text = printf("%.\(digits)g", x)
            if Double(text) == x { return text }
        }
        return printf("%.17g", x)
    }

    /// A column format for every entry of a matrix: fixed 4 decimals when all
    /// nonzero magnitudes are in [1e-3, 1e5), scientific otherwise.
    public static func matrixCells(_ m: Matrix) -> [String] {
        let useFixed = m.storage.allSatisfy { v in
            let a = abs(v)
            return a == 0 || (a >= 1e-3 && a < 1e5) || !v.isFinite
        }
        return m.storage.map { useFixed ? fixed($0) : scientific($0) }
    }
}
