#include "gates.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f")))
#define SET(v) _mm512_set1_ps(v)

/// FastFloat.exp: Cody–Waite reduction, degree-7 Taylor polynomial, 2ⁿ in the exponent bits.
TARGET static inline __m512 exp16(__m512 x) {
    __m512 clamped = _mm512_min_ps(_mm512_max_ps(x, SET(-87.0f)), SET(88.0f));
    const __m512 shifter = SET(12582912.0f);
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(clamped, SET(1.44269504f)), shifter);
    __m512 n = _mm512_sub_ps(shifted, shifter);
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(clamped, _mm512_mul_ps(n, SET(0.693359375f))), _mm512_mul_ps(n, SET(-2.1219444e-4f)));
    __m512 p = SET(1.984126984e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.388888889e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(8.333333333e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(4.166666667e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.666666667e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(0.5f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f));
    __m512i exponent = _mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(shifter)),
                                        _mm512_set1_epi32(127));
    __m512 result = _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(exponent, 23)));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), result, x);
}

/// FastFloat.sigmoid: 1 / (1 + e⁻ˣ).
TARGET static inline __m512 sigmoid16(__m512 x) {
    __m512 negated = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
    return _mm512_div_ps(SET(1.0f), _mm512_add_ps(SET(1.0f), exp16(negated)));
}

/// FastFloat.tanh: odd Taylor series below |x| = 0.55, 1 − 2/(e²ˣ + 1) above.
TARGET static inline __m512 tanh16(__m512 x) {
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign, _mm512_castps_si512(x)));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 s = SET(-1.455834387e-3f);
    s = _mm512_add_ps(_mm512_mul_ps(s, x2), SET(3.592128037e-3f));
    s = _mm512_add_ps(_mm512_mul_ps(s, x2), SET(-8.863235530e-3f));
    s = _mm512_add_ps(_mm512_mul_ps(s, x2), SET(2.186948854e-2f));
    s = _mm512_add_ps(_mm512_mul_ps(s, x2), SET(-5.396825397e-2f));
    s = _mm512_add_ps(_mm512_mul_ps(s, x2), SET(1.333333333e-1f));
    s = _mm512_add_ps(_mm512_mul_ps(s, x2), SET(-3.333333333e-1f));
    __m512 small = _mm512_add_ps(x, _mm512_mul_ps(_mm512_mul_ps(x, x2), s));
    __m512 large = _mm512_sub_ps(SET(1.0f), _mm512_div_ps(SET(2.0f), _mm512_add_ps(exp16(_mm512_mul_ps(SET(2.0f), a)), SET(1.0f))));
    __m512 signed_large = _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_andnot_si512(sign, _mm512_castps_si512(large)), _mm512_and_si512(sign, _mm512_castps_si512(x))));
    __m512 result = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, SET(0.55f), _CMP_LT_OQ), signed_large, small);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), result, x);
}

TARGET void rnn_lstm_forward_f32(long rows, long d, float *gates, const float *c_prev, float *c_next,
                                 float *tanh_c, float *h_next) {
    for (long b = 0; b < rows; b++) {
        float *g = gates + b * 4 * d;
        const float *cp = c_prev + b * d;
        float *cn = c_next + b * d, *tc = tanh_c + b * d, *h = h_next + b * d;
        for (long j = 0; j < d; j += 16) {
            __mmask16 m = j + 16 <= d ? 0xFFFF : (__mmask16)((1u << (d - j)) - 1);
            __m512 ig = sigmoid16(_mm512_maskz_loadu_ps(m, g + j));
            __m512 fg = sigmoid16(_mm512_maskz_loadu_ps(m, g + d + j));
            __m512 gg = tanh16(_mm512_maskz_loadu_ps(m, g + 2 * d + j));
            __m512 og = sigmoid16(_mm512_maskz_loadu_ps(m, g + 3 * d + j));
            _mm512_mask_storeu_ps(g + j, m, ig);
            _mm512_mask_storeu_ps(g + d + j, m, fg);
            _mm512_mask_storeu_ps(g + 2 * d + j, m, gg);
            _mm512_mask_storeu_ps(g + 3 * d + j, m, og);
            __m512 c = _mm512_add_ps(_mm512_mul_ps(fg, _mm512_maskz_loadu_ps(m, cp + j)), _mm512_mul_ps(ig, gg));
            __m512 t = tanh16(c);
            _mm512_mask_storeu_ps(cn + j, m, c);
            _mm512_mask_storeu_ps(tc + j, m, t);
            _mm512_mask_storeu_ps(h + j, m, _mm512_mul_ps(og, t));
        }
    }
}
#else
void rnn_lstm_forward_f32(long rows, long d, float *gates, const float *c_prev, float *c_next,
                          float *tanh_c, float *h_next) {
    (void)rows; (void)d; (void)gates; (void)c_prev; (void)c_next; (void)tanh_c; (void)h_next;
}
#endif
