#ifndef RNNSCRIPT_CBLAS_SHIM_H
#define RNNSCRIPT_CBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS's own API (not in cblas.h on every distribution).
void openblas_set_num_threads(int num_threads);
#endif
