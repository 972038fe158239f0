import RNNRuntime

/// Exact decimal conversion of Doubles, written here so that every number the
/// program prints is the same on every machine (no libc `printf`, no locale).
///
/// A finite Double is m · 2^e exactly (m < 2^53). Rounding it at any decimal
/// place means computing round(m · 2^e · 10^p) for an integer p, with the
/// exact value's ties going to even, which is what glibc's printf does; the
/// functions here do that with a small unsigned big integer, so `fixed(x, 4)` is
/// byte-identical to glibc's `"%.4f"` for every finite x, and likewise for
/// `"%.Ne"` and `"%.Ng"`. NaN prints as `nan` (never `-nan`), infinities as
/// `inf` and `-inf`.
enum ExactDecimal {
    // MARK: - C-style formats

    /// C's `"%.Nf"`: `decimals` digits after the point (`-0.0` keeps its sign).
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        if let special = nonFinite(x) { return special }
        let n = max(0, decimals)
        let (m, e) = parts(x)
        // round(|x| · 10^n) without leading zeros (none for 0).
        let digits = m == 0 ? [] : roundedDigits(m, e, scale: n)
        return digits.withUnsafeBufferPointer { buffer in
            let d = buffer.baseAddress, count = buffer.count
            return text(capacity: count + n + 3) { out in
                if x.sign == .minus { out.append(minus) }
                if count > n { out.append(d, 0, count - n) } else { out.append(zero) }
                if n > 0 {
                    out.append(point)
                    out.append(zero, times: n - count)
                    out.append(d, max(0, count - n), count)
                }
            }
        }
    }

    /// C's `"%.Ne"`: one digit, `digits` more after the point, and an exponent
    /// of at least two digits with its sign: `1.2346e-05`, `1e+300`.
    static func scientific(_ x: Double, _ digits: Int) -> String {
        if let special = nonFinite(x) { return special }
        let n = max(0, digits)
        let (m, e) = parts(x)
        let (significant, exponent) = m == 0 ? ([zero], 0) : significantDigits(m, e, count: n + 1)
        return significant.withUnsafeBufferPointer { buffer in
            let d = buffer.baseAddress, count = buffer.count  // n + 1, or 1 for zero
            return text(capacity: n + 10) { out in
                if x.sign == .minus { out.append(minus) }
                out.append(d, 0, 1)
                if n > 0 {
                    out.append(point)
                    out.append(d, 1, count)
                    out.append(zero, times: n + 1 - count)
                }
                out.appendExponent(exponent)
            }
        }
    }

    /// C's `"%.Ng"`: `precision` significant digits (0 counts as 1), fixed
    /// notation when the decimal exponent X of the rounded value satisfies
    /// −4 ≤ X < precision and scientific otherwise, trailing zeros removed.
    static func general(_ x: Double, _ precision: Int) -> String {
        if let special = nonFinite(x) { return special }
        let p = max(1, precision)
        let (m, e) = parts(x)
        if m == 0 { return x.sign == .minus ? "-0" : "0" }
        let (digits, exponent) = significantDigits(m, e, count: p)
        return generalText(negative: x.sign == .minus, digits, exponent)
    }

    /// The text of `%.Pg` for the P significant digits of a nonzero value
    /// and their decimal exponent.
    static func generalText(negative: Bool, _ digits: [UInt8], _ exponent: Int) -> String {
        digits.withUnsafeBufferPointer { buffer in
            let d = buffer.baseAddress, p = buffer.count
            var length = p  // without trailing zeros
            while length > 1 && d![length - 1] == zero { length -= 1 }
            return text(capacity: p + 12) { out in
                if negative { out.append(minus) }
                if exponent >= -4 && exponent < p {
                    if exponent >= 0 {
                        let integerCount = exponent + 1
                        out.append(d, 0, min(length, integerCount))
                        out.append(zero, times: integerCount - length)
                        if length > integerCount {
                            out.append(point)
                            out.append(d, integerCount, length)
                        }
                    } else {
                        out.append(zero)
                        out.append(point)
                        out.append(zero, times: -exponent - 1)
                        out.append(d, 0, length)
                    }
                } else {
                    out.append(d, 0, 1)
                    if length > 1 {
                        out.append(point)
                        out.append(d, 1, length)
                    }
                    out.appendExponent(exponent)
                }
            }
        }
    }

    /// The first of `"%.15g"`, `"%.16g"` and `"%.17g"` whose value rounds back
    /// to x (17 digits always do).
    ///
    /// Fast path: Swift's `description` gives the shortest digits that read
    /// back (and of those, the closest to x), computed by the Swift runtime in
    /// integer arithmetic, the same on every machine. With n such digits:
    /// - n ≤ 15: they are `%.15g`'s. |x − D| ≤ ulp/2 < 2⁻⁵³·|x| is below half
    ///   the spacing of 15-digit decimals (≥ 5·10⁻¹⁶·|x|), so D is the
    ///   15-digit rounding of x, and it reads back.
    /// - n = 17: neither 15 nor 16 digits read back, and the 17-digit rounding
    ///   (which always reads back) is the closest 17-digit decimal: it is D.
    ///   An exact tie between two 17-digit decimals needs x's exact decimal
    ///   value to end after 18 digits, which only doubles with a short binary
    ///   fraction (lowest set bit ≥ 2⁻²⁵) can do; those take the exact path.
    /// - n = 16: `%.16g` reads back exactly when its digits are D; one exact
    ///   rounding decides, and otherwise it is `%.17g`.
    /// Subnormal numbers take the exact path. `roundTripSearch` is the
    /// definition, and a test compares the two.
    static func roundTrip(_ x: Double) -> String {
        if let special = nonFinite(x) { return special }
        let (m, e) = parts(x)
        if m == 0 { return x.sign == .minus ? "-0" : "0" }
        // Subnormals have fewer significant bits, so the bound above does not hold: exact path.
        guard x.isNormal, let (shortest, exponent) = shortestDigits(x) else { return roundTripSearch(x) }
        let negative = x.sign == .minus
        switch shortest.count {
        case ...15: return generalText(negative: negative, shortest + [UInt8](repeating: zero, count: 15 - shortest.count), exponent)
        case 16:
            let (digits, exponent16) = significantDigits(m, e, count: 16)
            if digits == shortest && exponent16 == exponent { return generalText(negative: negative, digits, exponent) }
            let (digits17, exponent17) = significantDigits(m, e, count: 17)
            return generalText(negative: negative, digits17, exponent17)
        default:
            let lowestBit = e + m.trailingZeroBitCount
            if lowestBit >= -25 { return roundTripSearch(x) }
            return generalText(negative: negative, shortest, exponent)
        }
    }

    /// The shortest digits that read back as x (Swift's `description`), without
    /// trailing zeros, and the decimal exponent of the first; nil if the text
    /// is not in a form this reads (then the exact search decides).
    static func shortestDigits(_ x: Double) -> (digits: [UInt8], exponent: Int)? {
        // d₁d₂…d_k with the point after `integerDigits` of them, times 10^power.
        var mantissa: [UInt8] = []
        mantissa.reserveCapacity(20)
        var integerDigits: Int? = nil, power = 0, powerSign = 1, inPower = false
        for byte in x.magnitude.description.utf8 {
            switch byte {
            case zero...(zero + 9):
                if inPower { power = power * 10 + Int(byte - zero) } else { mantissa.append(byte) }
            case point where !inPower && integerDigits == nil: integerDigits = mantissa.count
            case UInt8(ascii: "e") where !inPower: inPower = true
            case UInt8(ascii: "-") where inPower: powerSign = -1
            case UInt8(ascii: "+") where inPower: break
            default: return nil
            }
        }
        let leadingZeros = mantissa.prefix { $0 == zero }.count
        var digits = Array(mantissa.dropFirst(leadingZeros))
        while digits.last == zero { digits.removeLast() }
        if digits.isEmpty || power > 400 { return nil }
        return (digits, (integerDigits ?? mantissa.count) - 1 - leadingZeros + powerSign * power)
    }

    /// The definition of `roundTrip`: `"%.15g"`, `"%.16g"` and `"%.17g"` in turn,
    /// each rounded exactly and checked by reading it back exactly.
    static func roundTripSearch(_ x: Double) -> String {
        if let special = nonFinite(x) { return special }
        let (m, e) = parts(x)
        if m == 0 { return x.sign == .minus ? "-0" : "0" }
        for p in 15...16 {
            let (digits, exponent) = significantDigits(m, e, count: p)
            if readsBack(digits, exponent, m, e) { return generalText(negative: x.sign == .minus, digits, exponent) }
        }
        let (digits, exponent) = significantDigits(m, e, count: 17)
        return generalText(negative: x.sign == .minus, digits, exponent)
    }

    /// A String of at most `capacity` ASCII bytes written in place.
    static func text(capacity: Int, _ body: (inout ASCII) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            var out = ASCII(base: buffer.baseAddress!, capacity: capacity)
            body(&out)
            return out.count
        }
    }

    // MARK: - Decimal exponents and powers of ten

    /// The Double nearest to 10^k (ties to even), exactly as a correct
    /// `strtod("1ek")` gives it: 0 below 10^-343, infinity above 10^308.
    static func powerOfTen(_ k: Int) -> Double {
        if k > 308 { return .infinity }
        if k < -343 { return 0 }
        if k >= 0 && k <= 22 {
            var p = 1.0
            for _ in 0..<k { p *= 10 }  // every partial product is exact
            return p
        }
        // One IEEE division of two exact values is correctly rounded.
        if k < 0 && k >= -22 { return 1 / powerOfTen(-k) }
        if k > 0 {
            // 10^k = 5^k · 2^k; 5^k has more than 53 bits here.
            return withLimbs(capacity: k * 7 / 96 + 4) { n in
                n.set(1)
                n.multiplyByPowerOfFive(k)
                return n.toDouble(binaryExponent: k, sticky: false)
            }
        }
        // 10^k = 2^k / 5^-k: ⌊2^s / 5^-k⌋ with s large enough for 56 bits.
        let fives = -k
        let s = fives * 7 / 3 + 60
        return withLimbs(capacity: s / 32 + 3) { n in
            n.set(1)
            n.shiftLeft(s)
            let sticky = n.divideByPowerOfFive(fives)
            return n.toDouble(binaryExponent: k - s, sticky: sticky)
        }
    }

    /// ⌊log10 x⌋ for x > 0 finite, computed exactly, where x is taken as 10^k
    /// when it is the Double nearest to 10^k (so both 1e23 and 0.001 are decades).
    static func floorLog10(_ x: Double) -> Int {
        precondition(x > 0 && x.isFinite)
        let (m, e) = parts(x)
        let exponent = decimalExponent(m, e, estimate: estimatedExponent(m, e))
        return x == powerOfTen(exponent + 1) ? exponent + 1 : exponent
    }

    /// ⌈log10 x⌉ for x > 0 finite, with the same convention as `floorLog10`.
    static func ceilLog10(_ x: Double) -> Int {
        let floor = floorLog10(x)
        return x == powerOfTen(floor) ? floor : floor + 1
    }

    /// log10 x for plot coordinates: exactly k for the Double nearest to 10^k,
    /// ln x / ln 10 otherwise, with the runtime's own logarithm (not libm's).
    static func log10(_ x: Double) -> Double {
        let r = Math.log(x) / Math.log(10)
        let k = r.rounded()
        // Within 0.01: even the subnormal nearest to 1e-323 (9.88e-324) is.
        if abs(r - k) < 0.01, abs(k) < 400, x == powerOfTen(Int(k)) { return k }
        return r
    }

    // MARK: - The exact conversions

    static let zero = UInt8(ascii: "0"), point = UInt8(ascii: "."), minus = UInt8(ascii: "-")

    static func nonFinite(_ x: Double) -> String? {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        return nil
    }

    /// |x| = m · 2^e exactly, m < 2^53 (m = 0 for ±0).
    static func parts(_ x: Double) -> (m: UInt64, e: Int) {
        let fraction = x.significandBitPattern, biased = Int(x.exponentBitPattern)
        if biased == 0 { return (fraction, -1074) }
        return (fraction | (1 << 52), biased - 1075)
    }

    /// round(m · 2^e · 10^p), ties to even, as ASCII digits without leading
    /// zeros (empty for 0).
    static func roundedDigits(_ m: UInt64, _ e: Int, scale p: Int) -> [UInt8] {
        // ⌊m · 2^e · 10^k⌋ for k = p + 1 and whether anything was cut off;
        // its last digit and that flag decide the rounding. 10^k = 5^k · 2^k,
        // so the powers of two go into one shift.
        let k = p + 1, b = e + k
        let bits = 64 + (k > 0 ? k * 7 / 3 + 1 : 0) + max(b, 0)
        return withLimbs(capacity: bits / 32 + 4) { n in
            n.set(m)
            var sticky = false
            if k > 0 { n.multiplyByPowerOfFive(k) }
            if b > 0 { n.shiftLeft(b) }
            if k < 0 && n.divideByPowerOfFive(-k) { sticky = true }
            if b < 0 && n.shiftRight(-b) { sticky = true }
            let last = n.divide(by: 10)
            if last > 5 || (last == 5 && (sticky || n.isOdd)) { n.increment() }
            return n.decimalDigits()
        }
    }

    /// The `count` significant digits of m · 2^e > 0 rounded to nearest
    /// (ties to even) and the decimal exponent of that rounded value.
    static func significantDigits(_ m: UInt64, _ e: Int, count: Int) -> (digits: [UInt8], exponent: Int) {
        var exponent = estimatedExponent(m, e)
        while true {
            var digits = roundedDigits(m, e, scale: count - 1 - exponent)
            if digits.count == count {
                // 10…0 may also be a value just below 10^exponent rounded one
                // place too coarsely: then a place further gives all its digits.
                if isOneFollowedByZeros(digits) {
                    let finer = roundedDigits(m, e, scale: count - exponent)
                    if finer.count == count { return (finer, exponent - 1) }
                }
                return (digits, exponent)
            }
            if digits.count == count + 1 && isOneFollowedByZeros(digits) {
                // Rounding carried into a new digit: 9.99… → 10.0….
                digits.removeLast()
                return (digits, exponent + 1)
            }
            exponent += digits.count > count ? 1 : -1
        }
    }

    static func isOneFollowedByZeros(_ digits: [UInt8]) -> Bool {
        digits.withUnsafeBufferPointer { buffer in
            guard let d = buffer.baseAddress, d[0] == UInt8(ascii: "1") else { return false }
            for i in 1..<buffer.count where d[i] != zero { return false }
            return true
        }
    }

    /// ⌊log10 x⌋ to within one, from the binary exponent and a short series.
    /// Only a first guess: every use checks it exactly.
    static func estimatedExponent(_ m: UInt64, _ e: Int) -> Int {
        let length = 64 - m.leadingZeroBitCount
        let s = Double(sign: .plus, exponent: 1 - length, significand: Double(m))  // in [1, 2), exact
        let t = (s - 1) / (s + 1), t2 = t * t
        let ln = 2 * t * (1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 / 7)))
        let log10 = (Double(length - 1 + e) + ln * 1.4426950408889634) * 0.30102999566398120
        return Int(log10.rounded(.down))
    }

    /// The exact E with 10^E ≤ m · 2^e < 10^(E+1), from a guess.
    static func decimalExponent(_ m: UInt64, _ e: Int, estimate: Int) -> Int {
        var exponent = estimate
        while true {
            if compare(decimal: 1, exponent: exponent, binary: m, exponent: e) > 0 {
                exponent -= 1
            } else if compare(decimal: 1, exponent: exponent + 1, binary: m, exponent: e) <= 0 {
                exponent += 1
            } else {
                return exponent
            }
        }
    }

    /// Whether the decimal digits · 10^(exponent + 1 − count) round to m · 2^e
    /// (ties to even), as any correct `strtod` reads them.
    static func readsBack(_ digits: [UInt8], _ exponent: Int, _ m: UInt64, _ e: Int) -> Bool {
        let d = digits.withUnsafeBufferPointer { buffer in
            var value: UInt64 = 0
            for i in 0..<buffer.count { value = value * 10 + UInt64(buffer.baseAddress![i] - zero) }
            return value
        }
        let q = exponent + 1 - digits.count
        let even = m & 1 == 0
        // The neighbours' midpoints: (2m ± 1) · 2^(e−1), but the one below is
        // (4m − 1) · 2^(e−2) at a power of two, where the spacing halves.
        let (lowC, lowF): (UInt64, Int) = m == 1 << 52 && e > -1074 ? (4 * m - 1, e - 2) : (2 * m - 1, e - 1)
        let low = compare(decimal: d, exponent: q, binary: lowC, exponent: lowF)
        let high = compare(decimal: d, exponent: q, binary: 2 * m + 1, exponent: e - 1)
        return even ? low >= 0 && high <= 0 : low > 0 && high < 0
    }

    /// The sign of d · 10^q − c · 2^f.
    static func compare(decimal d: UInt64, exponent q: Int, binary c: UInt64, exponent f: Int) -> Int {
        // d · 5^q · 2^q against c · 2^f, each side times what makes it whole.
        var leftTwos = max(q, 0) + max(-f, 0), rightTwos = max(f, 0) + max(-q, 0)
        let common = min(leftTwos, rightTwos)
        leftTwos -= common
        rightTwos -= common
        let leftCapacity = (64 + max(q, 0) * 7 / 3 + leftTwos) / 32 + 4
        let rightCapacity = (64 + max(-q, 0) * 7 / 3 + rightTwos) / 32 + 4
        return withLimbs(capacity: leftCapacity) { left in
            left.set(d)
            if q > 0 { left.multiplyByPowerOfFive(q) }
            left.shiftLeft(leftTwos)
            return withLimbs(capacity: rightCapacity) { right in
                right.set(c)
                if q < 0 { right.multiplyByPowerOfFive(-q) }
                right.shiftLeft(rightTwos)
                return left.compare(to: right)
            }
        }
    }

    static func withLimbs<R>(capacity: Int, _ body: (inout Limbs) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity) { buffer in
            var limbs = Limbs(base: buffer.baseAddress!, capacity: capacity)
            return body(&limbs)
        }
    }
}
