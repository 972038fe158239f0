// The AVX2 + FMA unit (x86-64 CPUs since 2013): 256-bit vectors, blocks of
// 6 rows × 2 vectors (12 accumulators, 2 loads and a broadcast: 15 of the 16 registers).
// Never contract a·b + c into a fused multiply-add: every fma is written out,
// so each result has one operation sequence whatever the compiler or the
// instruction set (clang contracts within an expression by default).
#pragma STDC FP_CONTRACT OFF
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define UNIT(x) x##_avx2
#define UNIT_TABLE rnn_kernels_avx2
#define D_KW 4
#define D_KMR 6
#define D_KNR 2
#define D_KNW 12
#define S_KW 8
#define S_KMR 6
#define S_KNR 2
#define S_KNW 12
#include "kernels_unit.h"
#pragma clang attribute pop
#endif
