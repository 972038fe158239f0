import CKernels

/// The elementary functions of the runtime and the language, in one place:
/// the runtime's own (CKernels/elementary.h), never the C library's, so that
/// every machine computes the same bits (see the README's reproducibility section).
public enum Math {
    @inline(__always) public static func exp(_ x: Double) -> Double { rnn_exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { rnn_log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { rnn_log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { rnn_tanh(x) }
    /// 1 / (1 + e⁻ˣ)
    @inline(__always) public static func sigmoid(_ x: Double) -> Double { rnn_sigmoid(x) }
    /// log(1 + eˣ) without overflow.
    @inline(__always) public static func softplus(_ x: Double) -> Double {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }
    /// xⁿ for an integer n ≥ 0 by binary powering: a fixed sequence of
    /// multiplications (for Adam's bias corrections β^t).
    public static func power(_ x: Double, _ n: Int) -> Double {
        precondition(n >= 0)
        var result = 1.0, base = x, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            e >>= 1
            if e > 0 { base *= base }
        }
        return result
    }
}
