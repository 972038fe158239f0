// What each instruction-set unit (kernels_*.c) provides; dispatch.c picks one.
#ifndef RNNSCRIPT_KERNELS_TABLE_H
#define RNNSCRIPT_KERNELS_TABLE_H

#include "rnn_kernels.h"

typedef struct {
    /// C = beta·C + op(A)·B, op(A)[i][p] = a[i·ars + p·acs], B row-major (see kernels_template.h).
    void (*gemm_f64)(long m, long n, long k, const double *a, long ars, long acs, const double *b, long ldb,
                     int beta, double *c, long ldc);
    void (*gemm_f32)(long m, long n, long k, const float *a, long ars, long acs, const float *b, long ldb,
                     int beta, float *c, long ldc);
    /// Rows per block (the packing of A for the packed products).
    int mr_f64, mr_f32;
    /// C = beta·C + A·op(B) with A packed by pack_a_* and op(B) in panels of pw columns.
    void (*gemm_packed_f64)(long m, long n, long k, const double *ap, const double *panels, long pw, long kc,
                            int beta, double *c, long ldc);
    void (*gemm_packed_f32)(long m, long n, long k, const float *ap, const float *panels, long pw, long kc,
                            int beta, float *c, long ldc);
    void (*pack_a_f64)(long m, long k, const double *a, long ars, long acs, double *ap);
    void (*pack_a_f32)(long m, long k, const float *a, long ars, long acs, float *ap);
    double (*exp)(double);
    double (*log)(double);
    double (*log1p)(double);
    double (*tanh)(double);
    double (*sigmoid)(double);
    void (*tanh_array)(long n, const double *x, double *y);
    void (*sigmoid_array)(long n, const double *x, double *y);
    /// Float32 gates (gates_template.h): FastFloat's tanh and logistic.
    void (*tanh_array_f32)(long n, const float *x, float *y);
    void (*sigmoid_array_f32)(long n, const float *x, float *y);
    /// One optimizer update (optimizer_template.h).
    long (*update_f64)(const rnn_update_rule *rule, long n, const double *p, const double *g, const double *m,
                       const double *v, const double *a, double *np, double *nm, double *nv, double *na);
    long (*update_f32)(const rnn_update_rule *rule, long n, const float *p, const float *g, const float *m,
                       const float *v, const float *a, float *np, float *nm, float *nv, float *na);
} rnn_kernel_table;

extern const rnn_kernel_table rnn_kernels_portable;
#if defined(__x86_64__)
extern const rnn_kernel_table rnn_kernels_avx2;
extern const rnn_kernel_table rnn_kernels_avx512;
#endif

#endif
