#if canImport(Glibc)
import Glibc
#endif
import Testing
import RNNRuntime
@testable import RNNScript

/// The exact formatter against glibc's printf, which converts exactly and rounds
/// the exact binary value half to even: byte equality for every finite value.
/// glibc is called only here, as the reference.
@Suite("NumberFormatting: exact decimal conversion, byte-identical to glibc")
struct NumberFormattingTests {
    // MARK: - The reference

    /// glibc's `vsnprintf` with room for any Double (`%.17f` of DBL_MAX is 328 bytes).
    static func glibc(_ format: String, _ x: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            let written = withVaList([x]) { vsnprintf(buffer.baseAddress!, 512, format, $0) }
            precondition(written >= 0 && written < 512)
            return String(cString: buffer.baseAddress!)
        }
    }

    static let fFormats = (0...17).map { "%.\($0)f" }
    static let eFormats = (0...17).map { "%.\($0)e" }
    static let gFormats = (0...17).map { "%.\($0)g" }

    /// The formats as `NumberFormatting` produced them with `vsnprintf` before
    /// it had its own conversion, for finite values.
    static func oldFixed(_ x: Double, _ decimals: Int) -> String {
        let text = glibc(fFormats[decimals], x)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    static func oldRoundTrip(_ x: Double) -> String {
        if x == 0 { return x.sign == .minus ? "-0" : "0" }
        if x == x.rounded(), abs(x) < 1e15 { return glibc("%.0f", x) }
        for digits in 15...17 {
            let text = glibc(gFormats[digits], x)
            if strtod(text, nil) == x { return text }
        }
        return glibc("%.17g", x)
    }

    static func oldGeneral(_ x: Double) -> String {
        let a = abs(x)
        if a == 0 || (a >= 1e-3 && a < 1e5) { return oldFixed(x, 4) }
        return glibc("%.4e", x)
    }

    // MARK: - Values

    /// SplitMix64: a fixed-seed generator, the same values on every run.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: UInt64) -> UInt64 { next() % n }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(below(UInt64(range.count))) }
    }

    static let powersOfTen: [Double] = (-323...308).map { strtod("1e\($0)", nil) }

    /// One value of one of eight kinds, chosen by i.
    static func value(_ i: Int, _ g: inout Generator) -> Double {
        var x: Double
        switch i % 8 {
        case 0, 1:  // any finite bit pattern
            repeat { x = Double(bitPattern: g.next()) } while !x.isFinite
        case 2, 3:  // a full 53-bit significand at the magnitudes printed most (1e-25 … 1e25)
            x = Double(sign: .plus, exponent: g.int(-84...84), significand: 1 + Double(g.below(1 << 52)) / 0x1p52)
        case 4:  // short decimals, often exactly halfway at some digit (2.5, 0.125, 0.000015)
            let n = Double(g.below([10, 1000, 100_000, 10_000_000][g.int(0...3)]))
            x = (n + (g.below(2) == 0 ? 0.5 : 0)) / powersOfTen[323 + g.int(0...9)]
        case 5:  // dyadic fractions n / 2^j: exact ties at many decimal places
            x = Double(g.below(1 << 20)) / Double(sign: .plus, exponent: g.int(0...60), significand: 1)
        case 6:  // integers and powers of ten and their neighbours
            switch g.below(4) {
            case 0: x = Double(g.below(1 << 53))
            case 1: x = Double(g.below(100_000)) * powersOfTen[323 + g.int(0...30)]
            case 2: x = powersOfTen[g.int(0...(powersOfTen.count - 1))]
            default:
                let p = powersOfTen[g.int(0...(powersOfTen.count - 1))]
                x = g.below(2) == 0 ? p.nextUp : p.nextDown
            }
        default:  // the extremes: subnormals, near DBL_MIN and near DBL_MAX
            switch g.below(3) {
            case 0: x = Double(bitPattern: g.below(1 << 52))
            case 1: x = Double(sign: .plus, exponent: g.int(-1022...(-1000)), significand: 1 + Double(g.below(1 << 52)) / 0x1p52)
            default: x = Double(sign: .plus, exponent: g.int(1000...1023), significand: 1 + Double(g.below(1 << 52)) / 0x1p52)
            }
        }
        return g.below(2) == 0 ? x : -x
    }

    static let hardValues: [Double] = {
        var values: [Double] = [
            0.5, 1.5, 2.5, 3.5, 0.125, 0.375, 0.0625, 0.05, 0.15, 0.25, 0.35, 0.45, 1.005, 2.675, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3,
            9.5, 99.5, 999.5, 9.995, 0.9999999999999999, 1 - 0x1p-53, 99999.5, 0.00099995, 9.999999999999999e-5, 123456789012345680,
            1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 8.5e22, 9007199254740994, 9007199254740992, 4503599627370496.5,
            0x0.0000000000001p-1022, 0x0.0000000000002p-1022, 2.2250738585072014e-308, Double.leastNormalMagnitude.nextDown, .leastNormalMagnitude, .leastNonzeroMagnitude,
            .greatestFiniteMagnitude, 1.7976931348623157e308, 8.98846567431158e307, 1e308, 1e-300, Double(bitPattern: 0x0000_B815_7268_FDAF), 1e63, 1e64, 123e63,
            0.000123456789, 1234567.891, 0x1p-1022, 0x1p1023, 0x1.fffffffffffffp-1, 0x1p-60, 0x1p60, 0x1p64, 0x1p100,
        ]
        values += (0...30).flatMap { k -> [Double] in let p = powersOfTen[323 + k]; return [p, p.nextUp, p.nextDown, 5 * p, 0.5 * p] }
        values += (1...30).flatMap { k -> [Double] in let p = powersOfTen[323 - k]; return [p, p.nextUp, p.nextDown, 5 * p, 0.5 * p] }
        values += (0...64).map { Double(sign: .plus, exponent: -$0, significand: 1) }
        return values + values.map { -$0 }
    }()

    // MARK: - Byte equality with glibc

    @Test("200,000 values of every magnitude: %.Nf, %.Ne (N = 0…17) and %.15g/%.16g/%.17g equal glibc's")
    func randomValuesMatchGlibc() {
        var g = Generator(state: 0x5EED_F00D_2024_0010)
        var failures: [String] = []
        var checked = 0
        for i in 0..<200_000 {
            let x = Self.value(i, &g)
            let f = Int(g.below(18)), e = Int(g.below(18)), p = 15 + i % 3
            let checks = [
                (Self.fFormats[f], ExactDecimal.fixed(x, f)),
                (Self.eFormats[e], ExactDecimal.scientific(x, e)),
                (Self.gFormats[p], ExactDecimal.general(x, p)),
            ]
            for (format, ours) in checks {
                let expected = Self.glibc(format, x)
                checked += 1
                if ours != expected, failures.count < 20 {
                    failures.append("\(format) of \(Self.glibc("%a", x)): \(ours), glibc \(expected)")
                }
            }
        }
        #expect(checked == 600_000)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test("Ties, powers of ten, integers and the extremes: every digit count 0…17 of f, e and g")
    func hardValuesMatchGlibc() {
        var failures: [String] = []
        for x in Self.hardValues {
            for n in 0...17 {
                let checks = [
                    (Self.fFormats[n], ExactDecimal.fixed(x, n)),
                    (Self.eFormats[n], ExactDecimal.scientific(x, n)),
                    (Self.gFormats[n], ExactDecimal.general(x, n)),
                ]
                for (format, ours) in checks where ours != Self.glibc(format, x) && failures.count < 20 {
                    failures.append("\(format) of \(Self.glibc("%a", x)): \(ours), glibc \(Self.glibc(format, x))")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(ExactDecimal.fixed(0.125, 2) == "0.12")
        #expect(ExactDecimal.fixed(0.375, 2) == "0.38")
        #expect(ExactDecimal.fixed(2.5, 0) == "2")
        #expect(ExactDecimal.fixed(3.5, 0) == "4")
        #expect(ExactDecimal.scientific(1e23, 17) == "9.99999999999999916e+22")
        #expect(ExactDecimal.scientific(.leastNonzeroMagnitude, 17) == "4.94065645841246544e-324")
        #expect(ExactDecimal.scientific(1.2345678e-5, 4) == "1.2346e-05")
        #expect(ExactDecimal.scientific(1e300, 4) == "1.0000e+300")
    }

    @Test("The public formats are what the vsnprintf versions printed, for finite values")
    func publicFormatsUnchanged() {
        var g = Generator(state: 0xF0_4A77)
        var failures: [String] = []
        for i in 0..<20_000 {
            let x = i < Self.hardValues.count ? Self.hardValues[i] : Self.value(i, &g)
            let pairs = [
                (NumberFormatting.fixed(x), Self.oldFixed(x, 4)), (NumberFormatting.fixed(x, 1), Self.oldFixed(x, 1)),
                (NumberFormatting.scientific(x), Self.glibc("%.4e", x)), (NumberFormatting.scientific(x, 2), Self.glibc("%.2e", x)),
                (NumberFormatting.general(x), Self.oldGeneral(x)), (NumberFormatting.roundTrip(x), Self.oldRoundTrip(x)),
                (NumberFormatting.significant(x), Self.glibc("%g", x)), (NumberFormatting.significant(x, 3), Self.glibc("%.3g", x)),
            ]
            for (ours, old) in pairs where ours != old && failures.count < 20 {
                failures.append("\(Self.glibc("%a", x)): \(ours), before \(old)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        let m = Matrix(rows: 2, cols: 2, storage: [0.5, -0.00001, 0, 12])
        #expect(NumberFormatting.matrixCells(m) == ["5.0000e-01", "-1.0000e-05", "0.0000e+00", "1.2000e+01"])
        let n = Matrix(rows: 1, cols: 3, storage: [0.5, -0.0, -1e-7 + 1e-7])
        #expect(NumberFormatting.matrixCells(n) == ["0.5000", "0.0000", "0.0000"])
    }

    @Test("roundTrip's fast path (Swift's shortest digits) equals the exact search")
    func roundTripFastPath() {
        var g = Generator(state: 0x5_17D1)
        var failures: [String] = []
        func check(_ x: Double) {
            let fast = ExactDecimal.roundTrip(x), exact = ExactDecimal.roundTripSearch(x)
            if fast != exact && failures.count < 20 { failures.append("\(Self.glibc("%a", x)): \(fast), exact \(exact)") }
        }
        for i in 0..<150_000 { check(i < Self.hardValues.count ? Self.hardValues[i] : Self.value(i, &g)) }
        // Short binary fractions (where decimal ties can happen), integers around 2⁵³, powers of two and ten.
        for j in 0...70 { for k in stride(from: 1, to: 4001, by: 2) { check(Double(k) * Double(sign: .plus, exponent: -j, significand: 1)) } }
        for k in -3000...3000 { check(9_007_199_254_740_992 + Double(k) * 2) }
        for j in -1074...1023 { check(Double(sign: .plus, exponent: j, significand: 1)) }
        for j in -323...308 { check(Double("1e\(j)")!) }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test("the matrix cell width from a few extremes equals the widest of all formatted cells")
    func matrixWidth() {
        var g = Generator(state: 0x3A7_0C)
        let edges: [Double] = [9.99995, 9.99994, 99999.99995, 99999.9999, 0.00099999, 0.001, 9.99995e99, 9.99994e99, 1e-99,
                               9.99995e-100, 1e-100, 0, -0.0, .nan, .infinity, -.infinity, 1e300, .leastNonzeroMagnitude, 12345.67895]
        for trial in 0..<3000 {
            let count = 1 + trial % 9
            let values = (0..<count).map { i -> Double in
                let pick = Int(g.next() % UInt64(edges.count + 3))
                let x = pick < edges.count ? edges[pick] : Self.value(trial * 16 + i, &g)
                return g.next() % 2 == 0 ? x : -x
            }
            let m = Matrix(rows: 1, cols: count, storage: values)
            let widest = NumberFormatting.matrixCells(m).map(\.count).max() ?? 0
            #expect(NumberFormatting.matrixCellWidth(m) == widest, "\(values)")
        }
    }

    @Test("nan, inf and -inf in every format, and negative zero")
    func nonFiniteAndNegativeZero() {
        let negativeNaN = -Double.nan
        #expect(negativeNaN.sign == .minus)
        #expect(Self.glibc("%f", negativeNaN) == "-nan")  // what the old formatter let through
        for x in [Double.nan, negativeNaN, Double.signalingNaN] {
            #expect(NumberFormatting.fixed(x) == "nan")
            #expect(NumberFormatting.scientific(x) == "nan")
            #expect(NumberFormatting.significant(x) == "nan")
            #expect(NumberFormatting.general(x) == "nan")
            #expect(NumberFormatting.roundTrip(x) == "nan")
            #expect(ExactDecimal.fixed(x, 1) == "nan")
        }
        for (x, text) in [(Double.infinity, "inf"), (-Double.infinity, "-inf")] {
            #expect(NumberFormatting.fixed(x) == text)
            #expect(NumberFormatting.scientific(x) == text)
            #expect(NumberFormatting.significant(x) == text)
            #expect(NumberFormatting.general(x) == text)
            #expect(NumberFormatting.roundTrip(x) == text)
        }
        #expect(NumberFormatting.matrixCells(Matrix(rows: 1, cols: 3, storage: [.nan, .infinity, -.infinity])) == ["nan", "inf", "-inf"])
        #expect(NumberFormatting.fixed(-0.0) == "0.0000")
        #expect(NumberFormatting.fixed(-0.00004) == "0.0000")
        #expect(NumberFormatting.fixed(-0.00005) == "-0.0001")  // the Double is -0.0000500000000000000024
        #expect(NumberFormatting.fixed(-0.000049999) == "0.0000")
        #expect(NumberFormatting.roundTrip(-0.0) == "-0")
        #expect(NumberFormatting.scientific(-0.0) == "-0.0000e+00")
        #expect(ExactDecimal.fixed(-0.0, 1) == "-0.0")
        #expect(ExactDecimal.general(-0.0, 6) == "-0")
        #expect(ExactDecimal.scientific(0, 0) == "0e+00")
    }

    @Test("Numbers of 64 characters and more in fixed format are printed in full")
    func longFixedNumbers() {
        for x in [1e63, 1e64, -1.5e70, 1e100, 1e308, .greatestFiniteMagnitude] {
            for n in [0, 4, 17] {
                #expect(ExactDecimal.fixed(x, n) == Self.glibc(Self.fFormats[n], x))
            }
        }
        let dblMax = NumberFormatting.fixed(.greatestFiniteMagnitude)
        #expect(dblMax.count == 309 + 5)
        #expect(dblMax.hasPrefix("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878") && dblMax.hasSuffix(".0000"))
        #expect(NumberFormatting.fixed(1e63, 0).count == 64)
        #expect(NumberFormatting.fixed(1e63, 0) == Self.glibc("%.0f", 1e63))
        #expect(NumberFormatting.fixed(1e63, 0).hasPrefix("100000000000000005"))
    }

    // MARK: - Powers of ten and decades

    @Test("powerOfTen(k) is the Double strtod reads for 1ek; floorLog10 and ceilLog10 bracket x")
    func powersOfTenAndDecades() {
        for k in -350...315 {
            #expect(ExactDecimal.powerOfTen(k) == strtod("1e\(k)", nil), "10^\(k)")
        }
        var g = Generator(state: 42)
        var values = Self.hardValues.filter { $0 > 0 }
        for i in 0..<20_000 { values.append(abs(Self.value(i, &g))) }
        var failures: [String] = []
        for x in values where x > 0 {
            let f = ExactDecimal.floorLog10(x), c = ExactDecimal.ceilLog10(x)
            let ok = ExactDecimal.powerOfTen(f) <= x && x < ExactDecimal.powerOfTen(f + 1)
                && ExactDecimal.powerOfTen(c - 1) < x && x <= ExactDecimal.powerOfTen(c)
            if !ok && failures.count < 20 { failures.append("\(Self.glibc("%a", x)): floor \(f), ceil \(c)") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        for k in -323...308 {
            #expect(ExactDecimal.log10(Self.powersOfTen[323 + k]) == Double(k))
            #expect(ExactDecimal.floorLog10(Self.powersOfTen[323 + k]) == k)
            #expect(ExactDecimal.ceilLog10(Self.powersOfTen[323 + k]) == k)
        }
        #expect(ExactDecimal.floorLog10(999.9999999999999) == 2)
        #expect(ExactDecimal.ceilLog10(1000.0000000000001) == 4)
        #expect(abs(ExactDecimal.log10(2) - 0.30102999566398120) < 1e-14)
    }
}
