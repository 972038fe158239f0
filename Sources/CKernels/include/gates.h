#ifndef RNNSCRIPT_GATES_H
#define RNNSCRIPT_GATES_H

/// The LSTM forward gate work of one step, for `rows` sequences with hidden
/// size d, sixteen lanes at a time with AVX-512 (`rnn_small_sgemm_available`
/// must be non-zero). Row b of `gates` (stride 4d) holds the pre-activations
/// i f g o and receives σ(i) σ(f) tanh(g) σ(o); then c_t = f⊙c_{t−1} + i⊙g,
/// tanh(c_t) and h_t = o⊙tanh(c_t) (rows of stride d).
///
/// exp, tanh and the logistic are FastMath.swift's polynomials operation for
/// operation (no fused multiply-adds), so the results are bit-identical to
/// the Swift loops that do this work elsewhere; only the width differs (the
/// Swift code cannot use AVX-512 registers).
void rnn_lstm_forward_f32(long rows, long d, float *gates, const float *c_prev, float *c_next,
                          float *tanh_c, float *h_next);

#endif
