// The portable unit: plain C with 16-byte vectors (SSE2 on x86-64, NEON on
// arm64). Where the CPU has no fused multiply-add instruction, fma is the C
// library's, which is correctly rounded everywhere: slower, same bits.
// Never contract a·b + c into a fused multiply-add: every fma is written out,
// so each result has one operation sequence whatever the compiler or the
// instruction set (clang contracts within an expression by default).
#pragma STDC FP_CONTRACT OFF
#define UNIT(x) x##_portable
#define UNIT_TABLE rnn_kernels_portable
#define D_KW 2
#define D_KMR 4
#define D_KNR 2
#define D_KNW 6
#define S_KW 4
#define S_KMR 4
#define S_KNR 2
#define S_KNW 6
#include "kernels_unit.h"
