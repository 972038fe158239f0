// One instruction set's kernels: included once per translation unit
// (kernels_portable.c, kernels_avx2.c, kernels_avx512.c) after defining
//   KT      the element type (double or float)      KW   lanes per vector
//   KMR     rows of C per block                      KNR  vectors of C per row of a block
//   KNW     vectors of C per block when C is one row (a matrix-vector product:
//           more independent accumulators hide the fma latency)
//   KNAME(x) the unit's name for x
// and, for x86 units, a `#pragma clang attribute` giving every function the
// unit's target. The source is the same for every unit, so the results are:
//
// The arithmetic contract. Every element of C = beta·C + op(A)·op(B) is
//   acc = beta ? C[i][j] : +0;  for p = 0, 1, …, k−1:  acc = fma(op(A)[i][p], op(B)[p][j], acc)
// one fused multiply-add per term, in increasing p, whatever the vector
// width, the blocking or the thread. Vectors only hold independent outputs
// (neighbouring j); no reduction is ever split across lanes. Hence every
// instruction set gives the same bits by construction.

typedef KT KNAME(vec) __attribute__((ext_vector_type(KW)));
#define KVEC KNAME(vec)

static inline __attribute__((always_inline)) KVEC KNAME(load)(const KT *p) {
    KVEC v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
static inline __attribute__((always_inline)) void KNAME(store)(KT *p, KVEC v) {
    __builtin_memcpy(p, &v, sizeof v);
}

/// A block of `mr` (≤ KMR, a constant after inlining) rows × `nv` (≤ KNR) full
/// vectors of C, accumulated over all k in registers.
static inline __attribute__((always_inline)) void KNAME(block)(
    const int mr, const int nv, long k, const KT *a, long ars, long acs,
    const KT *b, long ldb, int beta, KT *c, long ldc) {
    KVEC acc[KMR > 1 ? KMR : 1][KNR > KNW ? KNR : KNW];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) acc[r][v] = beta ? KNAME(load)(c + r * ldc + v * KW) : (KVEC)(KT)0;
    for (long p = 0; p < k; p++) {
        KVEC bv[KNR > KNW ? KNR : KNW];
        for (int v = 0; v < nv; v++) bv[v] = KNAME(load)(b + p * ldb + v * KW);
        for (int r = 0; r < mr; r++) {
            KVEC av = (KVEC)(a[r * ars + p * acs]);
            for (int v = 0; v < nv; v++) acc[r][v] = __builtin_elementwise_fma(av, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) KNAME(store)(c + r * ldc + v * KW, acc[r][v]);
}

/// Columns j0 ≤ j < j1 (fewer than one vector) of rows [0, m), one element at a time.
static void KNAME(columns)(long m, long j0, long j1, long k, const KT *a, long ars, long acs,
                           const KT *b, long ldb, int beta, KT *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = j0; j < j1; j++) {
            KT acc = beta ? c[i * ldc + j] : (KT)0;
            for (long p = 0; p < k; p++) acc = __builtin_elementwise_fma(a[i * ars + p * acs], b[p * ldb + j], acc);
            c[i * ldc + j] = acc;
        }
    }
}

/// Rows [0, m) of one column block of `nv` full vectors, KMR rows at a time.
#define KNAME_ROWS(nv_) \
    static void KNAME(rows_##nv_)(long m, long k, const KT *a, long ars, long acs, const KT *b, long ldb, \
                                   int beta, KT *c, long ldc) { \
        long i = 0; \
        for (; i + KMR <= m; i += KMR) KNAME(block)(KMR, nv_, k, a + i * ars, ars, acs, b, ldb, beta, c + i * ldc, ldc); \
        if (KMR > 4 && m - i >= 4) { KNAME(block)(KMR > 4 ? 4 : 1, nv_, k, a + i * ars, ars, acs, b, ldb, beta, c + i * ldc, ldc); i += KMR > 4 ? 4 : 1; } \
        switch (m - i) { \
        case 0: break; \
        case 1: KNAME(block)(1, nv_, k, a + i * ars, ars, acs, b, ldb, beta, c + i * ldc, ldc); break; \
        case 2: KNAME(block)(2, nv_, k, a + i * ars, ars, acs, b, ldb, beta, c + i * ldc, ldc); break; \
        case 3: KNAME(block)(3, nv_, k, a + i * ars, ars, acs, b, ldb, beta, c + i * ldc, ldc); break; \
        default: for (; i < m; i++) KNAME(block)(1, nv_, k, a + i * ars, ars, acs, b, ldb, beta, c + i * ldc, ldc); \
        } \
    }
KNAME_ROWS(1)
KNAME_ROWS(KNR)
#undef KNAME_ROWS

/// One row of C, KNW vectors at a time.
static void KNAME(row)(long n, long k, const KT *a, long acs, const KT *b, long ldb, int beta, KT *c) {
    const long wide = (long)KNW * KW;
    long j = 0;
    for (; j + wide <= n; j += wide) KNAME(block)(1, KNW, k, a, 0, acs, b + j, ldb, beta, c + j, 0);
    for (; j + KW <= n; j += KW) KNAME(block)(1, 1, k, a, 0, acs, b + j, ldb, beta, c + j, 0);
    if (j < n) KNAME(columns)(1, j, n, k, a, 0, acs, b, ldb, beta, c, 0);
}

/// C (m × n, row stride ldc) = beta·C + op(A)·B with op(A)[i][p] = a[i·ars + p·acs]
/// and B row-major (k × n, row stride ldb).
static void KNAME(gemm)(long m, long n, long k, const KT *a, long ars, long acs,
                        const KT *b, long ldb, int beta, KT *c, long ldc) {
    if (m == 1) {
        KNAME(row)(n, k, a, acs, b, ldb, beta, c);
        return;
    }
    const long wide = (long)KNR * KW;
    long j = 0;
    for (; j + wide <= n; j += wide) KNAME(rows_KNR)(m, k, a, ars, acs, b + j, ldb, beta, c + j, ldc);
    for (; j + KW <= n; j += KW) KNAME(rows_1)(m, k, a, ars, acs, b + j, ldb, beta, c + j, ldc);
    if (j < n) KNAME(columns)(m, j, n, k, a, ars, acs, b, ldb, beta, c, ldc);
}
/// One row block (`mr` ≤ KMR rows, a constant after inlining) against a whole
/// panel slice of `w` columns: the block's A slice (mr × ks) stays in the L1
/// cache while it passes every vector of the slice.
static inline __attribute__((always_inline)) void KNAME(packed_block_row)(
    const int mr, long w, long ks, const KT *ap, const KT *b, long pw, int bt, KT *c, long ldc) {
    const long wide = (long)KNR * KW;
    long j = 0;
    for (; j + wide <= w; j += wide) KNAME(block)(mr, KNR, ks, ap, 1, KMR, b + j, pw, bt, c + j, ldc);
    for (; j + KW <= w; j += KW) KNAME(block)(mr, 1, ks, ap, 1, KMR, b + j, pw, bt, c + j, ldc);
    for (int r = 0; r < mr && j < w; r++)
        KNAME(columns)(1, j, w, ks, ap + r, 1, KMR, b, pw, bt, c + r * ldc, ldc);
}

/// The product on packed operands: `ap` holds A (m × k) in blocks of KMR
/// rows, block b at ap + b·k·KMR with element (r, p) at p·KMR + r (rows past
/// m zero), so a block's terms stream from one place; `panels` holds op(B) in
/// column panels of `pw` columns (rnn_pack_*). Panels are taken `kc` rows at
/// a time so that a slice stays in the L1 cache while every row block passes
/// over it; between slices the partial sums wait in C (exactly: each element
/// still adds its terms in increasing p).
static void KNAME(gemm_packed)(long m, long n, long k, const KT *ap, const KT *panels, long pw, long kc,
                               int beta, KT *c, long ldc) {
    for (long j0 = 0, panel = 0; j0 < n; j0 += pw, panel++) {
        const long w = n - j0 < pw ? n - j0 : pw;
        const KT *bp = panels + panel * k * pw;
        for (long p0 = 0; p0 < k || (k == 0 && p0 == 0); p0 += kc) {
            const long ks = k - p0 < kc ? k - p0 : kc;
            const int bt = p0 > 0 ? 1 : beta;
            const KT *bs = bp + p0 * pw;
            long i = 0;
#define KROWS(mr_) KNAME(packed_block_row)(mr_, w, ks, ap + (i / KMR) * k * KMR + p0 * KMR, bs, pw, bt, c + i * ldc + j0, ldc)
            for (; i + KMR <= m; i += KMR) KROWS(KMR);
            // The last block's rows (its rows past m are zero padding, never read).
            switch (m - i) {
            case 0: break;
            case 1: KROWS(1); break;
            case 2: KROWS(2); break;
            case 3: KROWS(3); break;
            case 4: KROWS(KMR > 4 ? 4 : 1); break;
            default: KROWS(KMR > 5 ? 5 : 1); break;
            }
#undef KROWS
            if (k == 0) break;
        }
    }
}

/// Packs A (m × k; a[i·ars + p·acs]) for gemm_packed: blocks of KMR rows, zero-padded.
/// The source is walked in its memory order (a transposed A column by column of op(A)).
static void KNAME(pack_a)(long m, long k, const KT *a, long ars, long acs, KT *ap) {
    const long blocks = (m + KMR - 1) / KMR;
    if (ars == 1 && acs != 1) {
        for (long p = 0; p < k; p++) {
            const KT *col = a + p * acs;
            for (long b = 0; b < blocks; b++) {
                KT *dst = ap + b * k * KMR + p * KMR;
                for (int r = 0; r < KMR; r++) {
                    long i = b * KMR + r;
                    dst[r] = i < m ? col[i] : (KT)0;
                }
            }
        }
        return;
    }
    for (long b = 0; b < blocks; b++) {
        KT *blk = ap + b * k * KMR;
        for (long p = 0; p < k; p++)
            for (int r = 0; r < KMR; r++) {
                long i = b * KMR + r;
                blk[p * KMR + r] = i < m ? a[i * ars + p * acs] : (KT)0;
            }
    }
}

#undef KVEC
