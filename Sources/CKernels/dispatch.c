#include <stdlib.h>
#include "rnn_kernels.h"
#include "kernels_table.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// The XCR0 bits the OS must save for `mask` (AVX: XMM|YMM = 0x6; AVX-512 adds opmask and ZMM = 0xE6).
static int os_saves(unsigned mask) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & mask) == mask;
}

static int has_avx2_fma(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_FMA)) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & bit_AVX2)) return 0;
    return os_saves(0x6);
}

static int has_avx512f(void) {
    unsigned eax, ebx, ecx, edx;
    if (!has_avx2_fma()) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & bit_AVX512F)) return 0;
    return os_saves(0xE6);
}
#endif

int rnn_isa_supported(int isa) {
    switch (isa) {
    case RNN_ISA_PORTABLE: return 1;
#if defined(__x86_64__)
    case RNN_ISA_AVX2: return has_avx2_fma();
    case RNN_ISA_AVX512: return has_avx512f();
#endif
    default: return 0;
    }
}

int rnn_isa_best(void) {
    if (rnn_isa_supported(RNN_ISA_AVX512)) return RNN_ISA_AVX512;
    if (rnn_isa_supported(RNN_ISA_AVX2)) return RNN_ISA_AVX2;
    return RNN_ISA_PORTABLE;
}

static const rnn_kernel_table *table_for(int isa) {
    switch (isa) {
#if defined(__x86_64__)
    case RNN_ISA_AVX2: return &rnn_kernels_avx2;
    case RNN_ISA_AVX512: return &rnn_kernels_avx512;
#endif
    default: return &rnn_kernels_portable;
    }
}

static int current_isa = -1;
static const rnn_kernel_table *current = &rnn_kernels_portable;

/// The best instruction set, chosen when the program loads (before any thread starts).
__attribute__((constructor)) static void choose_best(void) {
    current_isa = rnn_isa_best();
    current = table_for(current_isa);
}

int rnn_isa_current(void) { return current_isa < 0 ? RNN_ISA_PORTABLE : current_isa; }

int rnn_isa_select(int isa) {
    if (!rnn_isa_supported(isa)) return -1;
    current_isa = isa;
    current = table_for(isa);
    return 0;
}

#define GEMM_BODY(T, fn)                                                                          \
    if (m <= 0 || n <= 0) return;                                                                 \
    const T *bp = b;                                                                              \
    T *packed = 0;                                                                                \
    if (transB && k > 0) {                                                                        \
        /* Bᵀ copied row-major (k × n) so that each row of op(B) is contiguous. */                \
        packed = (T *)malloc(sizeof(T) * (size_t)k * (size_t)n);                                  \
        if (!packed) abort();                                                                     \
        for (long j = 0; j < n; j++)                                                              \
            for (long p = 0; p < k; p++) packed[p * n + j] = b[j * ldb + p];                      \
        bp = packed;                                                                              \
        ldb = n;                                                                                  \
    }                                                                                             \
    current->fn(m, n, k, a, transA ? 1 : lda, transA ? lda : 1, bp, ldb, beta, c, ldc);           \
    free(packed);

void rnn_gemm_f64(int transA, int transB, long m, long n, long k, const double *a, long lda,
                  const double *b, long ldb, int beta, double *c, long ldc) {
    GEMM_BODY(double, gemm_f64)
}

void rnn_gemm_f32(int transA, int transB, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, int beta, float *c, long ldc) {
    GEMM_BODY(float, gemm_f32)
}

double rnn_exp(double x) { return current->exp(x); }
double rnn_log(double x) { return current->log(x); }
double rnn_log1p(double x) { return current->log1p(x); }
double rnn_tanh(double x) { return current->tanh(x); }
double rnn_sigmoid(double x) { return current->sigmoid(x); }
void rnn_tanh_array(long n, const double *x, double *y) { current->tanh_array(n, x, y); }
void rnn_sigmoid_array(long n, const double *x, double *y) { current->sigmoid_array(n, x, y); }
