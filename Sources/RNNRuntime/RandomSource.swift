/// The runtime's own seeded generator: xoshiro256** seeded through SplitMix64.
///
/// The conversion to Double is ours too (the top 53 bits scaled by 2⁻⁵³), so a
/// seed gives the same numbers on every platform and Swift release, which
/// `Double.random(in:using:)` does not promise.
public struct RandomSource: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The generator's four state words (s0, s1, s2, s3): enough for another
    /// implementation of xoshiro256** (an emitted PyTorch program's) to go on
    /// drawing exactly the numbers this one would.
    public var stateWords: [UInt64] { [s0, s1, s2, s3] }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    public mutating func nextUInt64() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1): the top 53 bits of the next output times 2⁻⁵³.
    public mutating func nextUnit() -> Double {
        Double(nextUInt64() >> 11) * 0x1.0p-53
    }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * nextUnit()
    }

    /// Normal(mean, std) by Marsaglia's polar method: a point (u, v) uniform
    /// in the unit disc (pairs outside it, or at its centre, are drawn again)
    /// gives u·√(−2 ln s / s), s = u² + v². It needs only the runtime's own log
    /// and an IEEE square root (no cosine), so every machine draws the same value.
    public mutating func normal(mean: Double, std: Double) -> Double {
        while true {
            let u = 2 * nextUnit() - 1, v = 2 * nextUnit() - 1
            let s = u * u + v * v
            if s >= 1 || s == 0 { continue }
            return mean + std * (u * (-2 * Math.log(s) / s).squareRoot())
        }
    }

    /// An index in 0..<n, unbiased (rejection sampling on the top bits).
    public mutating func index(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let v = nextUInt64()
            if v < limit { return Int(v % bound) }
        }
    }
}
