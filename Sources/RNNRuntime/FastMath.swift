/// Branch-free exp, logistic and tanh for Float32: the definition of the
/// Float32 activations. `CKernels/gates_template.h` computes the same formulas,
/// operation for operation, over arrays in each instruction set's vectors
/// (the cells call those); these scalar forms serve single values and are the
/// reference a test holds the C arrays to, bit for bit. Accurate to about
/// 2 ulp over the whole range (see FastMathTests); NaN in gives NaN out, so
/// the non-finite checks still see a diverging run. Float64 uses the
/// runtime's own double-precision functions (`Math.swift`, CKernels/elementary.h).
enum FastFloat {
    /// eˣ: x = n·ln 2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln 2), eʳ by its
    /// degree-7 Taylor polynomial (truncation < 1e-8), 2ⁿ built in the exponent bits.
    @inline(__always) static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.0), 88.0)
        // Adding 1.5·2²³ rounds to an integer and leaves it in the low mantissa bits.
        let shifter: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = clamped - n * 0.693_359_375 - n * -2.121_944_4e-4
        // 1/7!, 1/6!, 1/5!, 1/4!, 1/3!, 1/2
        var p: Float = 1.984_126_984e-4
        p = p * r + 1.388_888_889e-3
        p = p * r + 8.333_333_333e-3
        p = p * r + 4.166_666_667e-2
        p = p * r + 1.666_666_667e-1
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (shifted.bitPattern &- shifter.bitPattern) &+ 127
        let result = p * Float(bitPattern: exponent &<< 23)
        return x.isNaN ? x : result
    }

    /// 1 / (1 + e⁻ˣ).
    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// tanh x: the odd Taylor series up to x¹⁵ below |x| = 0.55 (where
    /// 1 − 2/(e²ˣ + 1) would lose bits to cancellation), that formula above.
    @inline(__always) static func tanh(_ x: Float) -> Float {
        let a = x.magnitude
        let x2 = x * x
        // −929569/638512875, 21844/6081075, −1382/155925, 62/2835, −17/315, 2/15, −1/3
        var s: Float = -1.455_834_387e-3
        s = s * x2 + 3.592_128_037e-3
        s = s * x2 + -8.863_235_530e-3
        s = s * x2 + 2.186_948_854e-2
        s = s * x2 + -5.396_825_397e-2
        s = s * x2 + 1.333_333_333e-1
        s = s * x2 + -3.333_333_333e-1
        let small = x + x * x2 * s
        let large = 1 - 2 / (exp(2 * a) + 1)
        let result = a < 0.55 ? small : Float(signOf: x, magnitudeOf: large)
        return x.isNaN ? x : result
    }
}
