// The body of one instruction-set unit: the double and single precision
// products of kernels_template.h, the elementary functions of elementary.h,
// the Float32 activations of gates_template.h and the optimizers of
// optimizer_template.h, collected into a kernel table named by UNIT_TABLE.
// Expects UNIT(x) (a name suffixer) and the vector shapes D_* and S_*.
#include "elementary.h"
#include "kernels_table.h"

#define KT double
#define KW D_KW
#define KMR D_KMR
#define KNR D_KNR
#define KNW D_KNW
#define KNAME(x) UNIT(x##_f64)
#include "kernels_template.h"
#undef KT
#undef KW
#undef KMR
#undef KNR
#undef KNW
#undef KNAME

#define KT float
#define KW S_KW
#define KMR S_KMR
#define KNR S_KNR
#define KNW S_KNW
#define KNAME(x) UNIT(x##_f32)
#include "kernels_template.h"
#undef KT
#undef KW
#undef KMR
#undef KNR
#undef KNW
#undef KNAME

#define GW S_KW
#define GNAME(x) UNIT(x##_f32g)
#include "gates_template.h"
#undef GW
#undef GNAME

#define OT double
#define OW D_KW
#define ONAME(x) UNIT(x##_f64)
#include "optimizer_template.h"
#undef OT
#undef OW
#undef ONAME

#define OT float
#define OW S_KW
#define ONAME(x) UNIT(x##_f32)
#include "optimizer_template.h"
#undef OT
#undef OW
#undef ONAME

static double UNIT(exp)(double x) { return rnn_exp_f64(x); }
static double UNIT(log)(double x) { return rnn_log_f64(x); }
static double UNIT(log1p)(double x) { return rnn_log1p_f64(x); }
static double UNIT(tanh)(double x) { return rnn_tanh_f64(x); }
static double UNIT(sigmoid)(double x) { return rnn_sigmoid_f64(x); }
static void UNIT(tanh_array)(long n, const double *x, double *y) {
    for (long i = 0; i < n; i++) y[i] = rnn_tanh_f64(x[i]);
}
static void UNIT(sigmoid_array)(long n, const double *x, double *y) {
    for (long i = 0; i < n; i++) y[i] = rnn_sigmoid_f64(x[i]);
}

const rnn_kernel_table UNIT_TABLE = {
    UNIT(gemm_f64), UNIT(gemm_f32),
    D_KMR, S_KMR,
    UNIT(gemm_packed_f64), UNIT(gemm_packed_f32),
    UNIT(pack_a_f64), UNIT(pack_a_f32),
    UNIT(exp), UNIT(log), UNIT(log1p), UNIT(tanh), UNIT(sigmoid),
    UNIT(tanh_array), UNIT(sigmoid_array),
    UNIT(tanh_array_f32g), UNIT(sigmoid_array_f32g),
    UNIT(update_f64), UNIT(update_f32),
};
