// The AVX-512 unit: 512-bit vectors, 32 registers (taller blocks).
// Never contract a·b + c into a fused multiply-add: every fma is written out,
// so each result has one operation sequence whatever the compiler or the
// instruction set (clang contracts within an expression by default).
#pragma STDC FP_CONTRACT OFF
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#define UNIT(x) x##_avx512
#define UNIT_TABLE rnn_kernels_avx512
#define D_KW 8
#define D_KMR 6
#define D_KNR 3
#define D_KNW 16
#define S_KW 16
#define S_KMR 6
#define S_KNR 3
#define S_KNW 16
#include "kernels_unit.h"
#pragma clang attribute pop
#endif
