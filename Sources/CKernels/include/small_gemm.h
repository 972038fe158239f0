#ifndef RNNSCRIPT_SMALL_GEMM_H
#define RNNSCRIPT_SMALL_GEMM_H

/// C (m×n) = A (m×k) · B (k×n) + beta·C, row-major, beta 0 or 1, in single
/// precision, for the recurrent step products of a batch (m ≤ 32 rows).
///
/// OpenBLAS packs both operands on every call; at these shapes packing the
/// weight matrix costs as much as the arithmetic, for every one of the 64
/// steps of a chunk. This kernel reads B in place (its rows are contiguous)
/// and keeps an 8-row × 32-column block of C in AVX-512 registers.
///
/// In C because Swift can neither target AVX-512 for one function nor pick
/// it at run time; `rnn_small_sgemm_available` says whether this CPU and OS
/// have it (callers use BLAS otherwise).
int rnn_small_sgemm_available(void);
void rnn_small_sgemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc);

#endif
