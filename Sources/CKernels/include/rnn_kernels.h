#ifndef RNNSCRIPT_RNN_KERNELS_H
#define RNNSCRIPT_RNN_KERNELS_H

/// The runtime's own numeric kernels: matrix products and elementary
/// functions that give the same bits on every CPU, C library and thread
/// count. Each is written once (kernels_template.h, elementary.h) and
/// compiled for several instruction sets; one is chosen at start-up.
///
/// Products: every element of C is accumulated over its reduction index in
/// increasing order, one fused multiply-add per term, starting from C (beta 1)
/// or +0 (beta 0). Vectors hold only independent outputs, so every
/// instruction set computes the same bits.

enum {
    RNN_ISA_PORTABLE = 0,  ///< plain C, any CPU (fma from the C library where the CPU has none)
    RNN_ISA_AVX2 = 1,      ///< x86-64 with AVX2 and FMA
    RNN_ISA_AVX512 = 2,    ///< x86-64 with AVX-512F
};

/// Whether this CPU and operating system can run `isa`.
int rnn_isa_supported(int isa);
/// The fastest instruction set this machine runs (the default).
int rnn_isa_best(void);
/// The instruction set in use.
int rnn_isa_current(void);
/// Uses `isa` from now on: 0, or −1 (nothing changed) when the machine lacks it.
/// Call before any computation starts (not thread-safe against running kernels).
int rnn_isa_select(int isa);

/// C (m × n, row stride ldc) = beta·C + op(A)·op(B), beta 0 or 1, row-major:
/// op(A) = A (m × k, stride lda) or, with transA, Aᵀ for A stored k × m;
/// op(B) = B (k × n, stride ldb) or, with transB, Bᵀ for B stored n × k.
void rnn_gemm_f64(int transA, int transB, long m, long n, long k, const double *a, long lda,
                  const double *b, long ldb, int beta, double *c, long ldc);
void rnn_gemm_f32(int transA, int transB, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, int beta, float *c, long ldc);

/// Products whose op(B) is used many times (a weight matrix over every step
/// of a pass) can pack it once: `rnn_pack_*` writes op(B) (k × n; B stored
/// k × n, or n × k with transB) into `rnn_panels_size_*(k, n)` elements of
/// column panels, and `rnn_gemm_packed_*` multiplies by them. The panel
/// layout is the same on every instruction set, and the arithmetic is
/// rnn_gemm's, bit for bit.
#define RNN_PANEL_F64 24
#define RNN_PANEL_F32 48
long rnn_panels_size_f64(long k, long n);
long rnn_panels_size_f32(long k, long n);
void rnn_pack_f64(int transB, long k, long n, const double *b, long ldb, double *panels);
void rnn_pack_f32(int transB, long k, long n, const float *b, long ldb, float *panels);
void rnn_gemm_packed_f64(int transA, long m, long n, long k, const double *a, long lda, const double *panels,
                         int beta, double *c, long ldc);
void rnn_gemm_packed_f32(int transA, long m, long n, long k, const float *a, long lda, const float *panels,
                         int beta, float *c, long ldc);

/// Double-precision elementary functions (see elementary.h for the method and accuracy).
double rnn_exp(double x);
double rnn_log(double x);
double rnn_log1p(double x);
double rnn_tanh(double x);
/// 1 / (1 + e⁻ˣ)
double rnn_sigmoid(double x);
/// y[i] = tanh(x[i]) / σ(x[i]) for i < n (x and y may be the same buffer).
void rnn_tanh_array(long n, const double *x, double *y);
void rnn_sigmoid_array(long n, const double *x, double *y);

/// Float32 gates: FastFloat's branch-free tanh and logistic (RNNRuntime/FastMath.swift),
/// operation for operation with IEEE operations only, vectorised for the instruction set
/// (x and y may be the same buffer).
void rnn_tanh_array_f32(long n, const float *x, float *y);
void rnn_sigmoid_array_f32(long n, const float *x, float *y);

/// One optimizer update over flat buffers (torch.optim's rules): the kinds,
/// and the settings with the per-step constants the caller computes once
/// (Adagrad's decayed rate; Adam's lr/(1 − β₁ᵗ) and √(1 − β₂ᵗ)), in double,
/// rounded to the element type as the update starts.
enum { RNN_UPDATE_SGD = 0, RNN_UPDATE_ADAGRAD = 1, RNN_UPDATE_RMSPROP = 2, RNN_UPDATE_ADAM = 3 };
typedef struct {
    int kind;
    int first_step;  ///< SGD: the momentum buffer starts as the gradient
    int nesterov;
    int centered;
    double lr, weight_decay, eps, momentum, dampening, alpha, beta1, beta2;
    double adagrad_lr, adam_step_size, adam_root_bc2;
} rnn_update_rule;

/// Writes the new parameters to `np` and the new state to nm (momentum, Adagrad's
/// sum, Adam's m), nv (RMSprop's and Adam's second moment) and na (centred RMSprop's
/// mean), reading p, the gradients g and the old state m, v, a; buffers a rule does
/// not use may be anything. Returns −1, or the first position of np that is not finite.
long rnn_update_f64(const rnn_update_rule *rule, long n, const double *p, const double *g, const double *m,
                    const double *v, const double *a, double *np, double *nm, double *nv, double *na);
long rnn_update_f32(const rnn_update_rule *rule, long n, const float *p, const float *g, const float *m,
                    const float *v, const float *a, float *np, float *nm, float *nv, float *na);

#endif
