#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import RNNRuntime

/// The runtime's own double-precision exp, log, log1p, tanh and logistic
/// (CKernels/elementary.h) against an extended-precision reference: the C
/// library's long-double functions (64-bit significands, about 2⁻¹¹ ulp of a
/// double), on x86-64 where Float80 exists. Each function is sampled at a
/// million points spread over its whole range (random exponents, so tiny and
/// huge arguments are as well covered as ordinary ones), plus the special values.
@Suite("Elementary functions")
struct ElementaryFunctionTests {
    static let specials: [Double] = [
        0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
        1, -1, 0.5, 2, .ulpOfOne, 1 - .ulpOfOne / 2, 1 + .ulpOfOne, 0.0625, -0.0625, 0.0625.nextDown, 22, -22, 22.0.nextUp,
        40, -40, 40.0.nextUp, -40.0.nextDown, 708, -708, 709, 709.782712893384, 709.79, -745.13, -745.14, -746, -1000,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan,
    ]

    #if arch(x86_64)
    /// |y − exact| in units in the last place of the double nearest `exact`.
    static func ulps(_ y: Double, _ exact: Float80) -> Double {
        if exact.isNaN { return y.isNaN ? 0 : .infinity }
        let nearest = Double(exact)
        if nearest.isInfinite { return y == nearest ? 0 : .infinity }  // beyond the doubles: ±∞ is right
        if y.isInfinite { return .infinity }
        var unit = nearest.magnitude.ulp
        if nearest.significandBitPattern == 0 && Float80(nearest.magnitude) > exact.magnitude && nearest.magnitude > .leastNormalMagnitude {
            unit /= 2  // exact lies just below a power of two: the spacing there is half
        }
        if unit == 0 { unit = Double.leastNonzeroMagnitude }
        return Double(abs(Float80(y) - exact) / Float80(unit))
    }

    /// A million arguments: x = ±exp(u), u uniform over `logRange`, clipped to `range`.
    static func points(seed: UInt64, logRange: ClosedRange<Double>, range: ClosedRange<Double>, signed: Bool) -> [Double] {
        var random = RandomSource(seed: seed)
        return (0..<1_000_000).map { i in
            let u = logRange.lowerBound + (logRange.upperBound - logRange.lowerBound) * random.nextUnit()
            let magnitude = expl(Float80(u))
            let x = Double(signed && i % 2 == 1 ? -magnitude : magnitude)
            return min(max(x, range.lowerBound), range.upperBound)
        }
    }

    static func worst(_ xs: [Double], _ f: (Double) -> Double, _ exact: (Float80) -> Float80) -> (ulps: Double, at: Double) {
        var worst = (ulps: 0.0, at: 0.0)
        for x in xs {
            let e = ulps(f(x), exact(Float80(x)))
            if e > worst.ulps { worst = (e, x) }
        }
        return worst
    }

    @Test("exp within 0.51 ulp where the result is normal, within 1 ulp where it is subnormal")
    func exp() {
        let xs = Self.points(seed: 1, logRange: -40...6.6, range: -708.39...709.78, signed: true) + Self.specials
        let w = Self.worst(xs, Math.exp) { expl($0) }
        #expect(w.ulps < 0.51, "worst \(w.ulps) ulp at \(w.at)")
        // Below x ≈ −708.4 the result is rounded twice (in the normal range, then onto the subnormal grid).
        let subnormal = (0..<100_000).map { -745.2 + Double($0) * 0.000_37 }
        let s = Self.worst(subnormal, Math.exp) { expl($0) }
        #expect(s.ulps < 1, "worst \(s.ulps) ulp at \(s.at)")
        #expect(Math.exp(0) == 1 && Math.exp(-0.0) == 1)
        #expect(Math.exp(710) == .infinity && Math.exp(-750) == 0 && Math.exp(.nan).isNaN && Math.exp(-.infinity) == 0)
    }

    @Test("log within 0.8 ulp over every binade, subnormals included")
    func log() {
        var random = RandomSource(seed: 2)
        let xs = (0..<1_000_000).map { _ in Double(bitPattern: random.nextUInt64() & 0x7fef_ffff_ffff_ffff) }
            + Self.points(seed: 3, logRange: -1e-3...1e-3, range: 0...10, signed: false) + Self.specials.filter { $0 > 0 }
        let w = Self.worst(xs, Math.log) { logl($0) }
        #expect(w.ulps < 0.8, "worst \(w.ulps) ulp at \(w.at)")
        #expect(Math.log(1) == 0 && Math.log(0) == -.infinity && Math.log(-1).isNaN && Math.log(.infinity) == .infinity)
    }

    @Test("log1p within 0.8 ulp from −1 to the largest double")
    func log1p() {
        let xs = Self.points(seed: 4, logRange: -60...20, range: -1...1e300, signed: true).map { max($0, -0.999_999_999) }
            + Self.specials.filter { $0 > -1 }
        let w = Self.worst(xs, Math.log1p) { log1pl($0) }
        #expect(w.ulps < 0.8, "worst \(w.ulps) ulp at \(w.at)")
        #expect(Math.log1p(0) == 0 && Math.log1p(-1) == -.infinity && Math.log1p(-2).isNaN && Math.log1p(1e-300) == 1e-300)
    }

    @Test("tanh within 0.52 ulp, odd, ±1 in the tails")
    func tanh() {
        let xs = Self.points(seed: 5, logRange: -40...3.5, range: -30...30, signed: true) + Self.specials
        let w = Self.worst(xs, Math.tanh) { tanhl($0) }
        #expect(w.ulps < 0.52, "worst \(w.ulps) ulp at \(w.at)")
        #expect(Math.tanh(30) == 1 && Math.tanh(-30) == -1 && Math.tanh(-0.0).sign == .minus && Math.tanh(.nan).isNaN)
        for x in [0.3, 1.7, 5e-5, 21.9] { #expect(Math.tanh(-x) == -Math.tanh(x)) }
    }

    @Test("the logistic within 0.52 ulp, eˣ far left, 1 far right")
    func sigmoid() {
        let xs = Self.points(seed: 6, logRange: -40...6.6, range: -750...60, signed: true) + Self.specials
        let w = Self.worst(xs, Math.sigmoid) { 1 / (1 + expl(-$0)) }
        #expect(w.ulps < 0.52, "worst \(w.ulps) ulp at \(w.at)")
        #expect(Math.sigmoid(0) == 0.5 && Math.sigmoid(50) == 1 && Math.sigmoid(-800) == 0 && Math.sigmoid(.nan).isNaN)
    }
    #endif

    @Test("integer powers by repeated squaring: exact where the result is, close elsewhere")
    func power() {
        #expect(Math.power(2, 10) == 1024 && Math.power(0.5, 3) == 0.125 && Math.power(7, 0) == 1)
        #expect(abs(Math.power(0.9, 100) / 2.6561398887587544e-05 - 1) < 1e-14)
        #expect(abs(Math.power(0.999, 1000) / 0.36769542477096373 - 1) < 1e-14)
    }
}
