// Float32 activations of one instruction-set unit: included by kernels_unit.h
// after defining GW (float lanes per vector) and GNAME(x) (the unit's name).
//
// exp, the logistic and tanh are FastFloat's (RNNRuntime/FastMath.swift)
// operation for operation: IEEE additions, multiplications, divisions,
// comparisons and bit moves only, no fused multiply-adds (this file is
// compiled with -ffp-contract=off). Each lane computes what the scalar
// formula computes, so every width, and the Swift formula, give the same bits.

typedef float GNAME(fvec) __attribute__((ext_vector_type(GW)));
typedef int GNAME(ivec) __attribute__((ext_vector_type(GW)));
typedef unsigned GNAME(uvec) __attribute__((ext_vector_type(GW)));
#define GF GNAME(fvec)
#define GI GNAME(ivec)
#define GU GNAME(uvec)

static inline __attribute__((always_inline)) GF GNAME(fload)(const float *p) {
    GF v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
static inline __attribute__((always_inline)) void GNAME(fstore)(float *p, GF v) { __builtin_memcpy(p, &v, sizeof v); }
static inline __attribute__((always_inline)) GU GNAME(bits)(GF v) { return __builtin_bit_cast(GU, v); }
static inline __attribute__((always_inline)) GF GNAME(from_bits)(GU v) { return __builtin_bit_cast(GF, v); }
/// Lanes of `yes` where `mask` (a comparison's all-ones or zero) is set, else `no`.
static inline __attribute__((always_inline)) GF GNAME(select)(GI mask, GF yes, GF no) {
    GU m = __builtin_bit_cast(GU, mask);
    return GNAME(from_bits)((GNAME(bits)(yes) & m) | (GNAME(bits)(no) & ~m));
}

/// eˣ: Cody–Waite reduction, degree-7 Taylor polynomial, 2ⁿ in the exponent bits.
static inline __attribute__((always_inline)) GF GNAME(exp)(GF x) {
    GF clamped = GNAME(select)(x > -87.0f, x, (GF)-87.0f);
    clamped = GNAME(select)(clamped < 88.0f, clamped, (GF)88.0f);
    const GF shifter = (GF)12582912.0f;
    GF shifted = clamped * 1.44269504f + shifter;
    GF n = shifted - shifter;
    GF r = clamped - n * 0.693359375f - n * -2.1219444e-4f;
    GF p = (GF)1.984126984e-4f;
    p = p * r + 1.388888889e-3f;
    p = p * r + 8.333333333e-3f;
    p = p * r + 4.166666667e-2f;
    p = p * r + 1.666666667e-1f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    GU exponent = (GNAME(bits)(shifted) - GNAME(bits)(shifter)) + 127u;
    GF result = p * GNAME(from_bits)(exponent << 23);
    return GNAME(select)(x != x, x, result);
}

/// 1 / (1 + e⁻ˣ).
static inline __attribute__((always_inline)) GF GNAME(sigmoid)(GF x) { return 1.0f / (1.0f + GNAME(exp)(-x)); }

/// tanh x: the odd Taylor series below |x| = 0.55, 1 − 2/(e²ˣ + 1) above.
static inline __attribute__((always_inline)) GF GNAME(tanh)(GF x) {
    const GU sign = (GU)0x80000000u;
    GF a = GNAME(from_bits)(GNAME(bits)(x) & ~sign);
    GF x2 = x * x;
    GF s = (GF)-1.455834387e-3f;
    s = s * x2 + 3.592128037e-3f;
    s = s * x2 + -8.863235530e-3f;
    s = s * x2 + 2.186948854e-2f;
    s = s * x2 + -5.396825397e-2f;
    s = s * x2 + 1.333333333e-1f;
    s = s * x2 + -3.333333333e-1f;
    GF small = x + x * x2 * s;
    GF large = 1.0f - 2.0f / (GNAME(exp)(2.0f * a) + 1.0f);
    GF signed_large = GNAME(from_bits)((GNAME(bits)(large) & ~sign) | (GNAME(bits)(x) & sign));
    return GNAME(select)(x != x, x, GNAME(select)(a < 0.55f, small, signed_large));
}

/// y[i] = f(x[i]) for i < n, whole vectors, then the tail through a zero-padded vector
/// (the same lane arithmetic). x and y may be the same buffer.
#define GATES_ARRAY(f)                                                                            \
    static void GNAME(f##_array)(long n, const float *x, float *y) {                               \
        long i = 0;                                                                               \
        for (; i + GW <= n; i += GW) GNAME(fstore)(y + i, GNAME(f)(GNAME(fload)(x + i)));         \
        if (i < n) {                                                                              \
            float lanes[GW] = {0};                                                                \
            __builtin_memcpy(lanes, x + i, sizeof(float) * (size_t)(n - i));                      \
            GNAME(fstore)(lanes, GNAME(f)(GNAME(fload)(lanes)));                                   \
            __builtin_memcpy(y + i, lanes, sizeof(float) * (size_t)(n - i));                      \
        }                                                                                         \
    }
GATES_ARRAY(tanh)
GATES_ARRAY(sigmoid)
#undef GATES_ARRAY

#undef GF
#undef GI
#undef GU
