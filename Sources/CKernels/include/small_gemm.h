#ifndef RNNSCRIPT_SMALL_GEMM_H
#define RNNSCRIPT_SMALL_GEMM_H

/// C (m×n) = A (m×k) · B (k×n) + beta·C, row-major, beta 0 or 1, in single
/// precision, for the recurrent step products of a batch (m ≤ 32 rows).
///
/// OpenBLAS packs both operands on every call; at these shapes packing the
/// weight matrix costs as much as the arithmetic, for every one of the 64
/// steps of a chunk. Here B is packed once per pass (`rnn_pack_panels`) into
/// panels of 32 columns, each k × 32 floats in a row, and the kernel keeps an
/// 8-row × 32-column block of C in AVX-512 registers while it streams a panel.
///
/// In C because Swift can neither target AVX-512 for one function nor pick
/// it at run time; `rnn_small_sgemm_available` says whether this CPU and OS
/// have it (callers use BLAS otherwise).
int rnn_small_sgemm_available(void);

/// Floats `rnn_pack_panels` writes for a k × n matrix: k · 32 · ⌈n / 32⌉.
long rnn_panels_size(long k, long n);
/// Packs op(B) (k × n) into panels: B row-major with leading dimension ldb,
/// or, with `transposed`, op(B) = Bᵀ for B stored n × k. Columns past n are zero.
void rnn_pack_panels(long k, long n, const float *b, long ldb, int transposed, float *panels);
/// C = A · op(B) + beta·C with op(B) packed by `rnn_pack_panels`.
void rnn_panel_sgemm(long m, long n, long k, const float *a, long lda, const float *panels,
                     float beta, float *c, long ldc);

#endif
