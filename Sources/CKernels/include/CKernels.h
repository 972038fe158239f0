// The runtime's C kernels: AVX-512 code chosen at run time.
#include "small_gemm.h"
#include "gates.h"
