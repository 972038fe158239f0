#include "small_gemm.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int rnn_small_sgemm_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    // The OS saves XMM, YMM, the opmask registers and all of ZMM.
    if ((xcr0_low & 0xE6) != 0xE6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & bit_AVX512F) != 0;
}

#define TARGET __attribute__((target("avx512f")))

/// Masks for the 32 columns starting at j: all of them, or those before n.
#define COLUMN_MASKS(j, n)                                                                          \
    __mmask16 m0 = (j) + 16 <= (n) ? 0xFFFF : (__mmask16)((1u << ((n) > (j) ? (n) - (j) : 0)) - 1);  \
    __mmask16 m1 = (j) + 32 <= (n) ? 0xFFFF : (__mmask16)((1u << ((n) > (j) + 16 ? (n) - (j) - 16 : 0)) - 1);

#define LOAD_ROW(r)                                                                                 \
    __m512 lo##r = beta != 0 ? _mm512_maskz_loadu_ps(m0, c + (r) * ldc + j) : _mm512_setzero_ps();  \
    __m512 hi##r = beta != 0 ? _mm512_maskz_loadu_ps(m1, c + (r) * ldc + j + 16) : _mm512_setzero_ps();
#define FMA_ROW(r)                                                                                  \
    { __m512 x = _mm512_set1_ps(a[(r) * lda + p]);                                                  \
      lo##r = _mm512_fmadd_ps(x, w0, lo##r); hi##r = _mm512_fmadd_ps(x, w1, hi##r); }
#define STORE_ROW(r)                                                                                \
    _mm512_mask_storeu_ps(c + (r) * ldc + j, m0, lo##r);                                            \
    _mm512_mask_storeu_ps(c + (r) * ldc + j + 16, m1, hi##r);

/// Eight rows of C, columns j … j+31: sixteen accumulators in registers,
/// each row of B loaded once for the eight rows.
TARGET static void block8(long j, long n, long k, const float *a, long lda, const float *b, long ldb,
                          float beta, float *c, long ldc) {
    COLUMN_MASKS(j, n)
    LOAD_ROW(0) LOAD_ROW(1) LOAD_ROW(2) LOAD_ROW(3) LOAD_ROW(4) LOAD_ROW(5) LOAD_ROW(6) LOAD_ROW(7)
    for (long p = 0; p < k; p++) {
        const float *row = b + p * ldb + j;
        __m512 w0 = _mm512_maskz_loadu_ps(m0, row);
        __m512 w1 = _mm512_maskz_loadu_ps(m1, row + 16);
        FMA_ROW(0) FMA_ROW(1) FMA_ROW(2) FMA_ROW(3) FMA_ROW(4) FMA_ROW(5) FMA_ROW(6) FMA_ROW(7)
    }
    STORE_ROW(0) STORE_ROW(1) STORE_ROW(2) STORE_ROW(3) STORE_ROW(4) STORE_ROW(5) STORE_ROW(6) STORE_ROW(7)
}

/// One row of C, columns j … j+31 (the rows left over after blocks of eight).
TARGET static void block1(long j, long n, long k, const float *a, long lda, const float *b, long ldb,
                          float beta, float *c, long ldc) {
    (void)lda;
    COLUMN_MASKS(j, n)
    LOAD_ROW(0)
    for (long p = 0; p < k; p++) {
        const float *row = b + p * ldb + j;
        __m512 w0 = _mm512_maskz_loadu_ps(m0, row);
        __m512 w1 = _mm512_maskz_loadu_ps(m1, row + 16);
        FMA_ROW(0)
    }
    STORE_ROW(0)
}

TARGET void rnn_small_sgemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                            float beta, float *c, long ldc) {
    long i = 0;
    for (; i + 8 <= m; i += 8)
        for (long j = 0; j < n; j += 32) block8(j, n, k, a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc);
    for (; i < m; i++)
        for (long j = 0; j < n; j += 32) block1(j, n, k, a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc);
}
#else
int rnn_small_sgemm_available(void) { return 0; }
void rnn_small_sgemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
}
#endif
