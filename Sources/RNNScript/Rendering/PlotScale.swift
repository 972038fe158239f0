/// Where plotted values fall on a scale, for every renderer that draws them
/// (sparklines, shaded heat maps, SVG charts).
///
/// Non-finite values are ordinary data, but no shade, tick or coordinate can
/// show them: a range is taken over the finite values only, positions are
/// computed without overflow (the span of −1e308 … 1e308 is not a Double),
/// and NaN and ±∞ are drawn as marks (text) or gaps and marked cells (SVG),
/// so neither ever reaches an `Int(…)` or an SVG attribute.
enum PlotScale {
    /// The smallest and largest finite values; nil when none is finite.
    static func finiteRange(_ values: some Sequence<Double>) -> (lo: Double, hi: Double)? {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return lo <= hi ? (lo, hi) : nil
    }

    /// (v − lo) / (hi − lo) for lo < hi, computed from halves: halving is
    /// exact (above the subnormals) and v/2 − lo/2 cannot overflow, so this is
    /// the plain quotient wherever that one is finite. NaN when lo ≥ hi or v is NaN.
    static func position(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
        (v / 2 - lo / 2) / (hi / 2 - lo / 2)
    }

    /// `position` clamped to [0, 1]; 0 when it is NaN (v NaN, or an empty range).
    static func fraction(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
        let t = position(v, lo, hi)
        if t.isNaN { return 0 }
        return min(1, max(0, t))
    }

    /// The level 0…levels−1 of a value: the nearest of `levels` equally
    /// spaced steps from lo to hi (always a valid index).
    static func level(_ v: Double, _ lo: Double, _ hi: Double, levels: Int) -> Int {
        Int(fraction(v, lo, hi) * Double(levels - 1) + 0.5)
    }

    /// The names of the non-finite values, in this order.
    static let nonFiniteNames = ["nan", "inf", "-inf"]

    /// The name of a non-finite value (`nan`, `inf`, `-inf`); nil for a finite one.
    static func nonFiniteName(_ v: Double) -> String? {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return nil
    }

    /// How many values of each non-finite kind there are, the kinds present
    /// only, in the order nan, inf, -inf: `[("nan", 1), ("-inf", 2)]`.
    static func nonFiniteCounts(_ values: some Sequence<Double>) -> [(name: String, count: Int)] {
        var counts = [0, 0, 0]
        for v in values where !v.isFinite {
            counts[v.isNaN ? 0 : v > 0 ? 1 : 2] += 1
        }
        return zip(nonFiniteNames, counts).filter { $0.1 > 0 }.map { ($0.0, $0.1) }
    }
}
