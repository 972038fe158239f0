// The runtime's C kernels: products, elementary functions and Float32 gates
// with one fixed operation order (rnn_kernels.h).
#include "rnn_kernels.h"
