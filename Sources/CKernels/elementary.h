// The runtime's own elementary functions in double precision, built only from
// IEEE-754 operations that are correctly rounded on every machine (+ − × ÷,
// fma and exact bit manipulation), so that no libm, compiler or CPU changes a
// bit of their results. Included by each instruction-set translation unit
// (kernels_*.c); every unit computes the same bits, only faster or slower.
//
// Accuracy (measured by ElementaryFunctionTests against an extended-precision
// reference over a million points each): exp, tanh and the logistic within
// 0.52 ulp, log and log1p within 0.8 ulp (all faithfully rounded); exp of
// a subnormal result within 1 ulp (it is rounded twice).
//
// The file is compiled with -ffp-contract=off: every fused multiply-add here
// is written out as __builtin_fma and no other product is fused.
#ifndef RNNSCRIPT_ELEMENTARY_H
#define RNNSCRIPT_ELEMENTARY_H

#include <stdint.h>
#include <string.h>
#include "exp_table.h"

#define RNN_INLINE static inline __attribute__((always_inline))

RNN_INLINE uint64_t rnn_bits(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
RNN_INLINE double rnn_from_bits(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }
/// 2^e for -1022 ≤ e ≤ 1023, exactly.
RNN_INLINE double rnn_pow2(int64_t e) { return rnn_from_bits((uint64_t)(e + 1023) << 52); }

/// s + t = a + b exactly (Knuth's two-sum, no ordering needed).
RNN_INLINE void rnn_two_sum(double a, double b, double *s, double *t) {
    double sum = a + b;
    double bb = sum - a;
    *t = (a - (sum - bb)) + (b - bb);
    *s = sum;
}

// ln 2 / 128 split so that k·C_HI needs few bits; 128 / ln 2 rounded.
#define RNN_EXP_C_HI 0x1.62e42fefa39efp-8
#define RNN_EXP_C_LO 0x1.abc9e3b39803fp-63
#define RNN_EXP_INV_C 0x1.71547652b82fep+7
#define RNN_SHIFTER 0x1.8p52

/// eˣ as hi·2^e + lo·2^e with hi + lo accurate to about 2⁻⁶⁰ relative, for
/// |x| ≤ 709 (callers handle the rest). x = k·ln2/128 + r with |r| ≤ ln2/256,
/// 2^(k/128) from the table as a double-double, eʳ − 1 by its degree-6 Taylor
/// polynomial (truncation below 2⁻⁶⁶).
RNN_INLINE void rnn_exp_parts(double x, double *hi, double *lo, int64_t *e) {
    double kd = x * RNN_EXP_INV_C + RNN_SHIFTER;
    kd -= RNN_SHIFTER;
    int64_t k = (int64_t)kd;
    double r = __builtin_fma(-kd, RNN_EXP_C_HI, x);
    r = __builtin_fma(-kd, RNN_EXP_C_LO, r);
    double q = __builtin_fma(r, 1.0 / 720, 1.0 / 120);
    q = __builtin_fma(r, q, 1.0 / 24);
    q = __builtin_fma(r, q, 1.0 / 6);
    q = __builtin_fma(r, q, 0.5);
    double p = __builtin_fma(r * r, q, r);
    int64_t j = k & 127;
    *e = k >> 7;  // floor division: k = 128·e + j
    double t_hi = rnn_exp_table[j][0], t_lo = rnn_exp_table[j][1];
    *hi = t_hi;
    *lo = __builtin_fma(t_hi, p, t_lo);
}

/// eˣ.
RNN_INLINE double rnn_exp_f64(double x) {
    if (!(x <= 709.0)) {                      // NaN, or large
        if (x != x) return x + x;
        if (x > 709.782712893383973096) return __builtin_inf();
    }
    if (x < -708.0) {
        if (x < -746.0) return 0.0;
        // A subnormal result: scale into the normal range, round once there, then once more onto the subnormal grid.
        double hi, lo; int64_t e;
        rnn_exp_parts(x, &hi, &lo, &e);
        double scaled = (hi + lo) * rnn_pow2(e + 200);
        return scaled * 0x1p-200;
    }
    double hi, lo; int64_t e;
    rnn_exp_parts(x, &hi, &lo, &e);
    if (e > 1023) return ((hi + lo) * rnn_pow2(e - 1)) * 2.0;
    return (hi + lo) * rnn_pow2(e);
}

/// eˣ as an unevaluated sum hi + lo (|x| ≤ 708).
RNN_INLINE void rnn_exp_dd(double x, double *hi, double *lo) {
    double h, l; int64_t e;
    rnn_exp_parts(x, &h, &l, &e);
    double s = rnn_pow2(e);
    double sh, sl;
    rnn_two_sum(h, l, &sh, &sl);
    *hi = sh * s;
    *lo = sl * s;
}

/// tanh x: its odd Taylor polynomial below |x| = 1/16, above that
/// 1 − 2/(e²ˣ + 1) in double-double arithmetic (e²ˣ from rnn_exp_dd, the
/// quotient refined with an exact fma remainder), so the subtraction from 1
/// loses nothing that matters; ±1 beyond |x| = 22.
RNN_INLINE double rnn_tanh_f64(double x) {
    double a = __builtin_fabs(x);
    if (a < 0x1p-28) return x;  // tanh x = x to far below an ulp (and ±0 keeps its sign)
    if (a < 0.0625) {
        double z = x * x;
        double q = __builtin_fma(z, -929569.0 / 638512875, 21844.0 / 6081075);
        q = __builtin_fma(z, q, -1382.0 / 155925);
        q = __builtin_fma(z, q, 62.0 / 2835);
        q = __builtin_fma(z, q, -17.0 / 315);
        q = __builtin_fma(z, q, 2.0 / 15);
        q = __builtin_fma(z, q, -1.0 / 3);
        return __builtin_fma(x * z, q, x);
    }
    if (!(a <= 22.0)) {
        if (x != x) return x + x;
        return __builtin_copysign(1.0, x);
    }
    double e_hi, e_lo;
    rnn_exp_dd(2 * a, &e_hi, &e_lo);
    double d_hi, d_lo;
    rnn_two_sum(e_hi, 1.0, &d_hi, &d_lo);
    d_lo += e_lo;
    double q_hi = 2.0 / d_hi;
    double rem = __builtin_fma(-q_hi, d_hi, 2.0);
    rem = __builtin_fma(-q_hi, d_lo, rem);
    double q_lo = rem / d_hi;
    double s, t;
    rnn_two_sum(1.0, -q_hi, &s, &t);
    double y = s + (t - q_lo);
    return __builtin_copysign(y, x);
}

/// The logistic 1 / (1 + e⁻ˣ), in double-double arithmetic like tanh; eˣ
/// itself below x = −45 (where the two differ by e⁻⁴⁵ ≈ 3·10⁻²⁰ relative).
RNN_INLINE double rnn_sigmoid_f64(double x) {
    if (x != x) return x + x;
    if (x < -45.0) return rnn_exp_f64(x);
    if (x > 40.0) return 1.0;
    double e_hi, e_lo;
    rnn_exp_dd(-__builtin_fabs(x), &e_hi, &e_lo);
    double d_hi, d_lo;
    rnn_two_sum(1.0, e_hi, &d_hi, &d_lo);
    d_lo += e_lo;
    // x ≥ 0: 1 / (1 + e⁻ˣ); x < 0: eˣ / (1 + eˣ).
    double n_hi = x >= 0 ? 1.0 : e_hi, n_lo = x >= 0 ? 0.0 : e_lo;
    double q = n_hi / d_hi;
    double rem = __builtin_fma(-q, d_hi, n_hi) + n_lo;
    rem = __builtin_fma(-q, d_lo, rem);
    return q + rem / d_hi;
}

// ln 2 with 42 significant bits (so e·LN2_HI is exact for any exponent), and the rest.
#define RNN_LN2_HI 0x1.62e42fefa3800p-1
#define RNN_LN2_LO 0x1.ef35793c76730p-45
#define RNN_SQRT2 0x1.6a09e667f3bcdp+0

/// e·ln 2 + log(1 + f) + c for √2/2 − 1 ≤ f ≤ √2 − 1 and a small correction c:
/// with s = f/(2 + f), log(1 + f) = 2·atanh(s) = f − (f²/2 − s·(f²/2 + R)),
/// R = Σ_{i=1..10} 2s²ⁱ/(2i + 1) (the Taylor series of atanh; the next term
/// is below 2⁻⁶⁰ of the result).
RNN_INLINE double rnn_log_core(double f, double e, double c) {
    double s = f / (2.0 + f);
    double z = s * s;
    double r = __builtin_fma(z, 2.0 / 21, 2.0 / 19);
    r = __builtin_fma(z, r, 2.0 / 17);
    r = __builtin_fma(z, r, 2.0 / 15);
    r = __builtin_fma(z, r, 2.0 / 13);
    r = __builtin_fma(z, r, 2.0 / 11);
    r = __builtin_fma(z, r, 2.0 / 9);
    r = __builtin_fma(z, r, 2.0 / 7);
    r = __builtin_fma(z, r, 2.0 / 5);
    r = __builtin_fma(z, r, 2.0 / 3);
    r = z * r;
    double hfsq = 0.5 * f * f;
    return e * RNN_LN2_HI - ((hfsq - (s * (hfsq + r) + (e * RNN_LN2_LO + c))) - f);
}

/// Splits a positive finite x into 2^e · (1 + f), √2/2 ≤ 1 + f < √2.
RNN_INLINE void rnn_log_split(double x, double *f, double *e) {
    int64_t shift = 0;
    if (x < 0x1p-1022) { x *= 0x1p54; shift = -54; }  // subnormal
    uint64_t u = rnn_bits(x);
    int64_t ex = (int64_t)(u >> 52) - 1023;
    double m = rnn_from_bits((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    if (m >= RNN_SQRT2) { m *= 0.5; ex += 1; }
    *f = m - 1.0;
    *e = (double)(ex + shift);
}

/// The natural logarithm.
RNN_INLINE double rnn_log_f64(double x) {
    if (!(x > 0.0) || x == __builtin_inf()) {
        if (x == 0.0) return -__builtin_inf();
        if (x != x || x < 0.0) return __builtin_nan("");
        return x;  // +∞
    }
    double f, e;
    rnn_log_split(x, &f, &e);
    return rnn_log_core(f, e, 0.0);
}

/// log(1 + x), exact in its argument where 1 + x lies in [√2/2, √2); else
/// log(u) for u = 1 + x rounded, plus the correction (x − (u − 1))/u.
RNN_INLINE double rnn_log1p_f64(double x) {
    if (!(x > -1.0) || x == __builtin_inf()) {
        if (x == -1.0) return -__builtin_inf();
        if (x != x || x < -1.0) return __builtin_nan("");
        return x;  // +∞
    }
    if (__builtin_fabs(x) < 0x1p-54) return x;
    if (x > -0.2928932188134524 && x < 0.4142135623730950) return rnn_log_core(x, 0.0, 0.0);
    double u = 1.0 + x;
    double c = (x - (u - 1.0)) / u;
    double f, e;
    rnn_log_split(u, &f, &e);
    return rnn_log_core(f, e, c);
}

#endif
