import RNNRuntime

/// Fixed, explicit number formats for everything a golden file compares
/// (never `Double.description`). Every digit comes from `ExactDecimal`, the
/// exact conversion written here: the same bytes on every libc and locale,
/// `nan`, `inf` and `-inf` for the values that are not finite.
public enum NumberFormatting {
    /// `x` with a fixed number of decimals (C's `"%.Nf"`); `-0.0000` prints as `0.0000`.
    public static func fixed(_ x: Double, _ decimals: Int = 4) -> String {
        let text = ExactDecimal.fixed(x, decimals)
        if text.hasPrefix("-"), text.utf8.dropFirst().allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ".") }) {
            return String(text.dropFirst())
        }
        return text
    }

    /// Scientific with `digits` decimals (C's `"%.Ne"`): `1.2346e-05`.
    public static func scientific(_ x: Double, _ digits: Int = 4) -> String {
        ExactDecimal.scientific(x, digits)
    }

    /// `digits` significant digits without trailing zeros (C's `"%.Ng"`):
    /// `0.1`, `1e-08`, `0.999`, `1.23e+06`.
    public static func significant(_ x: Double, _ digits: Int = 6) -> String {
        ExactDecimal.general(x, digits)
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
        if x == x.rounded(), abs(x) < 1e15 { return ExactDecimal.fixed(x, 0) }
        return ExactDecimal.roundTrip(x)
    }

    /// A column format for every entry of a matrix: fixed 4 decimals when all
    /// nonzero magnitudes are in [1e-3, 1e5), scientific otherwise.
    public static func matrixCells(_ m: Matrix) -> [String] {
        let format = matrixFormat(m)
        return m.storage.map(format)
    }

    /// The cell format of `matrixCells` (fixed when every entry suits it, else scientific).
    static func matrixFormat(_ m: Matrix) -> (Double) -> String {
        let useFixed = m.storage.allSatisfy { v in
            let a = abs(v)
            return a == 0 || (a >= 1e-3 && a < 1e5) || !v.isFinite
        }
        return useFixed ? { fixed($0) } : { scientific($0) }
    }

    /// The width of the widest of `matrixCells(m)`, formatting a few entries
    /// instead of all (a text view of a 4400 × 4400 matrix shows 10 × 10).
    /// Per sign, a cell's length never decreases with |v| in fixed format, and in
    /// scientific format it grows only with the exponent's digits, so it is
    /// largest at the largest or the smallest nonzero |v|; zeros and non-finite
    /// cells are a few kinds, each formatted once.
    static func matrixCellWidth(_ m: Matrix) -> Int {
        let format = matrixFormat(m)
        var extremes: [FloatingPointSign: (low: Double, high: Double)] = [:]
        var others: [Double] = []
        for v in m.storage {
            guard v.isFinite && v != 0 else {
                if !others.contains(where: { $0.bitPattern == v.bitPattern || ($0.isNaN && v.isNaN) }) { others.append(v) }
                continue
            }
            let a = v.magnitude
            if let e = extremes[v.sign] { extremes[v.sign] = (min(e.low, a), max(e.high, a)) } else { extremes[v.sign] = (a, a) }
        }
        var candidates = others
        for (sign, e) in extremes {
            candidates.append(Double(sign: sign, exponent: 0, significand: e.low))
            candidates.append(Double(sign: sign, exponent: 0, significand: e.high))
        }
        return candidates.map { format($0).count }.max() ?? 0
    }
}
