// What each instruction-set unit (kernels_*.c) provides; dispatch.c picks one.
#ifndef RNNSCRIPT_KERNELS_TABLE_H
#define RNNSCRIPT_KERNELS_TABLE_H

typedef struct {
    /// C = beta·C + op(A)·B, op(A)[i][p] = a[i·ars + p·acs], B row-major (see kernels_template.h).
    void (*gemm_f64)(long m, long n, long k, const double *a, long ars, long acs, const double *b, long ldb,
                     int beta, double *c, long ldc);
    void (*gemm_f32)(long m, long n, long k, const float *a, long ars, long acs, const float *b, long ldb,
                     int beta, float *c, long ldc);
    double (*exp)(double);
    double (*log)(double);
    double (*log1p)(double);
    double (*tanh)(double);
    double (*sigmoid)(double);
    void (*tanh_array)(long n, const double *x, double *y);
    void (*sigmoid_array)(long n, const double *x, double *y);
} rnn_kernel_table;

extern const rnn_kernel_table rnn_kernels_portable;
#if defined(__x86_64__)
extern const rnn_kernel_table rnn_kernels_avx2;
extern const rnn_kernel_table rnn_kernels_avx512;
#endif

#endif
