// The runtime's C kernels: products and elementary functions with one fixed
// operation order (rnn_kernels.h), and the AVX-512 LSTM gates (gates.h).
#include "rnn_kernels.h"
#include "gates.h"
