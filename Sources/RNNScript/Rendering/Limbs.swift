/// An unsigned integer in 32-bit limbs (least significant first) in memory
/// the caller provides, with just the operations the conversions need.
struct Limbs {
    let base: UnsafeMutablePointer<UInt32>
    let capacity: Int
    /// Limbs in use; the top one is nonzero (0 limbs is the number 0).
    var count = 0

    /// 5^13, the largest power of five below 2^32.
    static let fiveToThe13: UInt32 = 1_220_703_125
    static let powersOfFive: [UInt32] = [1, 5, 25, 125, 625, 3125, 15625, 78125, 390_625, 1_953_125, 9_765_625, 48_828_125, 244_140_625]

    init(base: UnsafeMutablePointer<UInt32>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    mutating func set(_ value: UInt64) {
        base[0] = UInt32(truncatingIfNeeded: value)
        base[1] = UInt32(truncatingIfNeeded: value >> 32)
        count = 2
        trim()
    }

    mutating func trim() {
        while count > 0 && base[count - 1] == 0 { count -= 1 }
    }

    var isOdd: Bool { count > 0 && base[0] & 1 == 1 }

    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        let f = UInt64(factor)
        var i = 0
        while i < count {
            let product = UInt64(base[i]) * f + carry
            base[i] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
            i += 1
        }
        if carry != 0 {
            precondition(count < capacity)
            base[count] = UInt32(carry)
            count += 1
        }
    }

    mutating func multiplyByPowerOfFive(_ n: Int) {
        var left = n
        while left >= 13 {
            multiply(by: Self.fiveToThe13)
            left -= 13
        }
        if left > 0 { multiply(by: Self.powersOfFive[left]) }
    }

    /// Divides in place; returns the remainder.
    mutating func divide(by divisor: UInt32) -> UInt32 {
        var remainder: UInt64 = 0
        let d = UInt64(divisor)
        var i = count - 1
        while i >= 0 {
            let current = remainder << 32 | UInt64(base[i])
            base[i] = UInt32(truncatingIfNeeded: current / d)
            remainder = current % d
            i -= 1
        }
        trim()
        return UInt32(remainder)
    }

    /// ⌊self / 5^n⌋ in place; true when the division was not exact.
    mutating func divideByPowerOfFive(_ n: Int) -> Bool {
        var inexact = false
        var left = n
        while left >= 13 && count > 0 {
            if divide(by: Self.fiveToThe13) != 0 { inexact = true }
            left -= 13
        }
        if left > 0 && left < 13 && count > 0, divide(by: Self.powersOfFive[left]) != 0 { inexact = true }
        return inexact
    }

    mutating func shiftLeft(_ n: Int) {
        guard n > 0, count > 0 else { return }
        let limbShift = n / 32, bitShift = UInt32(n % 32)
        let newCount = count + limbShift + 1
        precondition(newCount <= capacity)
        base[newCount - 1] = 0
        var i = count - 1
        while i >= 0 {
            let value = base[i]
            if bitShift == 0 {
                base[i + limbShift] = value
            } else {
                base[i + limbShift + 1] |= value >> (32 - bitShift)
                base[i + limbShift] = value << bitShift
            }
            i -= 1
        }
        var j = 0
        while j < limbShift {
            base[j] = 0
            j += 1
        }
        count = newCount
        trim()
    }

    /// ⌊self / 2^n⌋ in place; true when a nonzero bit was shifted out.
    mutating func shiftRight(_ n: Int) -> Bool {
        guard n > 0, count > 0 else { return false }
        let limbShift = n / 32, bitShift = UInt32(n % 32)
        if limbShift >= count {
            count = 0
            return true  // the number was nonzero
        }
        var inexact = false
        var j = 0
        while j < limbShift {
            if base[j] != 0 { inexact = true }
            j += 1
        }
        if bitShift != 0 && base[limbShift] & ((1 << bitShift) - 1) != 0 { inexact = true }
        let newCount = count - limbShift
        var i = 0
        while i < newCount {
            let low = base[i + limbShift] >> bitShift
            let high: UInt32 = bitShift != 0 && i + limbShift + 1 < count ? base[i + limbShift + 1] << (32 - bitShift) : 0
            base[i] = low | high
            i += 1
        }
        count = newCount
        trim()
        return inexact
    }

    mutating func increment() {
        var i = 0
        while i < count {
            base[i] &+= 1
            if base[i] != 0 { return }
            i += 1
        }
        precondition(count < capacity)
        base[count] = 1
        count += 1
    }

    func compare(to other: Limbs) -> Int {
        if count != other.count { return count < other.count ? -1 : 1 }
        var i = count - 1
        while i >= 0 {
            if base[i] != other.base[i] { return base[i] < other.base[i] ? -1 : 1 }
            i -= 1
        }
        return 0
    }

    var bitLength: Int { count == 0 ? 0 : count * 32 - base[count - 1].leadingZeroBitCount }

    /// The decimal digits in ASCII, no leading zeros (empty for 0). Consumes
    /// the number.
    mutating func decimalDigits() -> [UInt8] {
        if count == 0 { return [] }
        let capacity = count * 10 + 20
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { scratch in
            // Written from the end: nine digits per division by 10^9, then
            // the last 64 bits.
            let s = scratch.baseAddress!
            var start = capacity
            while count > 2 {
                var chunk = divide(by: 1_000_000_000)
                for _ in 0..<9 {
                    start -= 1
                    s[start] = UInt8(ascii: "0") + UInt8(chunk % 10)
                    chunk /= 10
                }
            }
            var rest = UInt64(base[0]) | (count == 2 ? UInt64(base[1]) << 32 : 0)
            count = 0
            while rest != 0 {
                start -= 1
                s[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return [UInt8](unsafeUninitializedCapacity: capacity - start) { buffer, initialized in
                (buffer.baseAddress!).update(from: s + start, count: capacity - start)
                initialized = capacity - start
            }
        }
    }

    /// The Double nearest to (self + δ) · 2^binaryExponent, where 0 ≤ δ < 1
    /// and δ > 0 exactly when `sticky`; self must have at least 55 bits
    /// unless the result is exact.
    mutating func toDouble(binaryExponent: Int, sticky: Bool) -> Double {
        let length = bitLength
        if length == 0 { return 0 }
        // Keep 53 bits, or fewer where the result is subnormal.
        let drop = max(length - 53, -1074 - binaryExponent)
        var kept: UInt64
        var exponent = binaryExponent
        if drop <= 0 {
            kept = UInt64(base[0]) | (count > 1 ? UInt64(base[1]) << 32 : 0)
            kept <<= UInt64(-drop)
            exponent += drop
        } else {
            let inexact = shiftRight(drop - 1) || sticky
            let half = isOdd
            _ = shiftRight(1)
            kept = count == 0 ? 0 : UInt64(base[0]) | (count > 1 ? UInt64(base[1]) << 32 : 0)
            if half && (inexact || kept & 1 == 1) { kept += 1 }
            exponent += drop
        }
        if kept == 1 << 53 {
            kept >>= 1
            exponent += 1
        }
        if kept == 0 { return 0 }
        if kept < 1 << 52 {
            // Subnormal (exponent is −1074 here): the bits are the value.
            return Double(bitPattern: kept)
        }
        let biased = exponent + 1075
        if biased >= 2047 { return .infinity }
        return Double(bitPattern: UInt64(biased) << 52 | (kept & ((1 << 52) - 1)))
    }
}
