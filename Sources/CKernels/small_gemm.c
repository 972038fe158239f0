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

/// Eight rows of C against one packed panel (k × 32 floats in a row):
/// sixteen accumulators in registers, each panel row loaded once for eight rows.
TARGET static void panel8(long j, long n, long k, const float *a, long lda, const float *panel,
                          float beta, float *c, long ldc) {
    COLUMN_MASKS(j, n)
    LOAD_ROW(0) LOAD_ROW(1) LOAD_ROW(2) LOAD_ROW(3) LOAD_ROW(4) LOAD_ROW(5) LOAD_ROW(6) LOAD_ROW(7)
    for (long p = 0; p < k; p++) {
        __m512 w0 = _mm512_loadu_ps(panel + p * 32);
        __m512 w1 = _mm512_loadu_ps(panel + p * 32 + 16);
        FMA_ROW(0) FMA_ROW(1) FMA_ROW(2) FMA_ROW(3) FMA_ROW(4) FMA_ROW(5) FMA_ROW(6) FMA_ROW(7)
    }
    STORE_ROW(0) STORE_ROW(1) STORE_ROW(2) STORE_ROW(3) STORE_ROW(4) STORE_ROW(5) STORE_ROW(6) STORE_ROW(7)
}

/// One row of C (the rows left over after blocks of eight).
TARGET static void panel1(long j, long n, long k, const float *a, long lda, const float *panel,
                          float beta, float *c, long ldc) {
    (void)lda;
    COLUMN_MASKS(j, n)
    LOAD_ROW(0)
    for (long p = 0; p < k; p++) {
        __m512 w0 = _mm512_loadu_ps(panel + p * 32);
        __m512 w1 = _mm512_loadu_ps(panel + p * 32 + 16);
        FMA_ROW(0)
    }
    STORE_ROW(0)
}

TARGET void rnn_panel_sgemm(long m, long n, long k, const float *a, long lda, const float *panels,
                            float beta, float *c, long ldc) {
    long i = 0;
    for (; i + 8 <= m; i += 8)
        for (long j = 0; j < n; j += 32) panel8(j, n, k, a + i * lda, lda, panels + (j / 32) * k * 32, beta, c + i * ldc, ldc);
    for (; i < m; i++)
        for (long j = 0; j < n; j += 32) panel1(j, n, k, a + i * lda, lda, panels + (j / 32) * k * 32, beta, c + i * ldc, ldc);
}
#else
int rnn_small_sgemm_available(void) { return 0; }
void rnn_panel_sgemm(long m, long n, long k, const float *a, long lda, const float *panels,
                     float beta, float *c, long ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)panels; (void)beta; (void)c; (void)ldc;
}
#endif

long rnn_panels_size(long k, long n) { return k * 32 * ((n + 31) / 32); }

void rnn_pack_panels(long k, long n, const float *b, long ldb, int transposed, float *panels) {
    for (long j = 0; j < n; j += 32) {
        float *panel = panels + (j / 32) * k * 32;
        long width = n - j < 32 ? n - j : 32;
        for (long p = 0; p < k; p++) {
            float *out = panel + p * 32;
            if (transposed) {
                for (long c = 0; c < width; c++) out[c] = b[(j + c) * ldb + p];
            } else {
                for (long c = 0; c < width; c++) out[c] = b[p * ldb + j + c];
            }
            for (long c = width; c < 32; c++) out[c] = 0;
        }
    }
}
