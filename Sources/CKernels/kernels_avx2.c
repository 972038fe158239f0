// The AVX2 + FMA unit (x86-64 CPUs since 2013): 256-bit vectors.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define UNIT(x) x##_avx2
#define UNIT_TABLE rnn_kernels_avx2
#define D_KW 4
#define D_KMR 4
#define D_KNR 3
#define D_KNW 12
#define S_KW 8
#define S_KMR 4
#define S_KNR 3
#define S_KNW 12
#include "kernels_unit.h"
#pragma clang attribute pop
#endif
