// Never contract a·b + c into a fused multiply-add: every fma is written out,
// so each result has one operation sequence whatever the compiler or the
// instruction set (clang contracts within an expression by default).
#pragma STDC FP_CONTRACT OFF
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
/// Read once per call by each kernel entry (tests switch it while other threads compute;
/// every unit computes the same bits, but a packed operand must be used by the unit that packed it).
static const rnn_kernel_table *volatile current = &rnn_kernels_portable;

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

/// Per-thread buffers for packing (grown, never shrunk):
/// [0] for op(B)'s panels inside rnn_gemm, [1] for A packed into row blocks.
static _Thread_local void *scratch[2] = {0, 0};
static _Thread_local size_t scratch_bytes[2] = {0, 0};

static void *scratch_for(int which, size_t bytes) {
    if (bytes > scratch_bytes[which]) {
        free(scratch[which]);
        scratch[which] = malloc(bytes);
        if (!scratch[which]) abort();
        scratch_bytes[which] = bytes;
    }
    return scratch[which];
}

/// Panels: op(B) (k × n) cut into column blocks of RNN_PANEL_F64 / RNN_PANEL_F32
/// columns, each stored as k contiguous rows (the last block zero-padded).
/// The layout is the same for every instruction set; a product on panels
/// reads B as unit-stride rows, never a row of a large matrix per step
/// (whose 4 KiB strides alias in the L1 cache and the TLB).
#define PANELS_BODY(T, PW)                                                                        \
    const long blocks = (n + PW - 1) / PW;                                                        \
    if (transB) {                                                                                 \
        /* op(B)[p][j] = b[j·ldb + p]: walk B's rows (j) in order, each one a column of a panel. */ \
        for (long block = 0; block < blocks; block++) {                                           \
            T *panel = panels + block * k * PW;                                                   \
            long j0 = block * PW, w = n - j0 < PW ? n - j0 : PW;                                  \
            for (long j = 0; j < w; j++)                                                          \
                for (long p = 0; p < k; p++) panel[p * PW + j] = b[(j0 + j) * ldb + p];           \
            for (long p = 0; p < k; p++)                                                          \
                for (long j = w; j < PW; j++) panel[p * PW + j] = 0;                              \
        }                                                                                         \
    } else {                                                                                      \
        /* Row p of B in order, cut across the panels (sequential reads of a large B). */         \
        for (long p = 0; p < k; p++) {                                                            \
            const T *row = b + p * ldb;                                                           \
            for (long block = 0; block < blocks; block++) {                                       \
                T *dst = panels + block * k * PW + p * PW;                                        \
                long j0 = block * PW, w = n - j0 < PW ? n - j0 : PW;                              \
                if (w == PW) __builtin_memcpy(dst, row + j0, sizeof(T) * PW);                     \
                else {                                                                            \
                    for (long j = 0; j < w; j++) dst[j] = row[j0 + j];                            \
                    for (long j = w; j < PW; j++) dst[j] = 0;                                     \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
    }

long rnn_panels_size_f64(long k, long n) { return k * RNN_PANEL_F64 * ((n + RNN_PANEL_F64 - 1) / RNN_PANEL_F64); }
long rnn_panels_size_f32(long k, long n) { return k * RNN_PANEL_F32 * ((n + RNN_PANEL_F32 - 1) / RNN_PANEL_F32); }

void rnn_pack_f64(int transB, long k, long n, const double *b, long ldb, double *panels) { PANELS_BODY(double, RNN_PANEL_F64) }
void rnn_pack_f32(int transB, long k, long n, const float *b, long ldb, float *panels) { PANELS_BODY(float, RNN_PANEL_F32) }

/// Rows of a panel taken at a time (a slice of 128 × 48 floats or 128 × 24
/// doubles, 24 KiB, stays in the L1 cache while every row block of A passes
/// over it). Between slices the partial sums wait in C, exactly: each
/// element still adds its terms in increasing p, one fma each.
#define RNN_PANEL_ROWS 128

/// A packed into blocks of the instruction set's row count (scratch[1]), then
/// the packed product. Packing only moves numbers: the arithmetic is rnn_gemm's.
#define PACKED_BODY(T, SUFFIX, PW)                                                                \
    if (m <= 0 || n <= 0) return;                                                                 \
    /* One table for the whole call: A's packing depends on the instruction set. */               \
    const rnn_kernel_table *unit = current;                                                       \
    const long mr = unit->mr_##SUFFIX;                                                            \
    T *ap = (T *)scratch_for(1, sizeof(T) * (size_t)((m + mr - 1) / mr * mr) * (size_t)(k > 0 ? k : 1)); \
    unit->pack_a_##SUFFIX(m, k, a, transA ? 1 : lda, transA ? lda : 1, ap);                       \
    unit->gemm_packed_##SUFFIX(m, n, k, ap, panels, PW, RNN_PANEL_ROWS, beta, c, ldc);

void rnn_gemm_packed_f64(int transA, long m, long n, long k, const double *a, long lda, const double *panels,
                         int beta, double *c, long ldc) { PACKED_BODY(double, f64, RNN_PANEL_F64) }
void rnn_gemm_packed_f32(int transA, long m, long n, long k, const float *a, long lda, const float *panels,
                         int beta, float *c, long ldc) { PACKED_BODY(float, f32, RNN_PANEL_F32) }


/// Packing pays when several rows of A reuse each panel; a one-row product
/// reads B once anyway, and Bᵀ must be packed whatever m is.
#define GEMM_BODY(T, SUFFIX)                                                                      \
    if (m <= 0 || n <= 0) return;                                                                 \
    if (k > 0 && (transB || (m >= 4 && n * k >= 4096))) {                                         \
        T *panels = (T *)scratch_for(0, sizeof(T) * (size_t)rnn_panels_size_##SUFFIX(k, n));       \
        rnn_pack_##SUFFIX(transB, k, n, b, ldb, panels);                                          \
        rnn_gemm_packed_##SUFFIX(transA, m, n, k, a, lda, panels, beta, c, ldc);                  \
        return;                                                                                   \
    }                                                                                             \
    current->gemm_##SUFFIX(m, n, k, a, transA ? 1 : lda, transA ? lda : 1, b, ldb, beta, c, ldc);

void rnn_gemm_f64(int transA, int transB, long m, long n, long k, const double *a, long lda,
                  const double *b, long ldb, int beta, double *c, long ldc) {
    GEMM_BODY(double, f64)
}

void rnn_gemm_f32(int transA, int transB, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, int beta, float *c, long ldc) {
    GEMM_BODY(float, f32)
}
double rnn_exp(double x) { return current->exp(x); }
double rnn_log(double x) { return current->log(x); }
double rnn_log1p(double x) { return current->log1p(x); }
double rnn_tanh(double x) { return current->tanh(x); }
double rnn_sigmoid(double x) { return current->sigmoid(x); }
void rnn_tanh_array(long n, const double *x, double *y) { current->tanh_array(n, x, y); }
void rnn_sigmoid_array(long n, const double *x, double *y) { current->sigmoid_array(n, x, y); }
void rnn_tanh_array_f32(long n, const float *x, float *y) { current->tanh_array_f32(n, x, y); }
void rnn_sigmoid_array_f32(long n, const float *x, float *y) { current->sigmoid_array_f32(n, x, y); }
long rnn_update_f64(const rnn_update_rule *rule, long n, const double *p, const double *g, const double *m,
                    const double *v, const double *a, double *np, double *nm, double *nv, double *na) {
    return current->update_f64(rule, n, p, g, m, v, a, np, nm, nv, na);
}
long rnn_update_f32(const rnn_update_rule *rule, long n, const float *p, const float *g, const float *m,
                    const float *v, const float *a, float *np, float *nm, float *nv, float *na) {
    return current->update_f32(rule, n, p, g, m, v, a, np, nm, nv, na);
}
