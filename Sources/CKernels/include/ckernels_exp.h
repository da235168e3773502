/* Exponential kernels of the runtime's elementwise work (scoring's log-softmax, attention's
 * softmax, the SiLU gate) and the maximum that shifts them, on the path ck_current_path() names.
 * e^x is taken to within about 2 ulp for x in [-87, 88], inputs outside clamped (very negative
 * inputs give about 1e-38, not 0):
 * x = n·ln2 + r, a degree-7 Taylor polynomial for e^r, 2^n built in the exponent bits, every
 * step rounded on its own. Every path gives the same bits. */
#ifndef CKERNELS_EXP_H
#define CKERNELS_EXP_H

#include <stddef.h>

/* Σ e^(x[i] − shift) over i < n: value i added to f32 lane i mod 8 within blocks of 256 values,
 * each block's lanes (lane 0 first) and the last n mod 8 values added one by one in f64. When out
 * is not NULL, e^(x[i] − shift) is also written to out[i] (out may be x). */
double ck_exp_sum(const float *x, size_t n, float shift, float *out);

/* out[i] = gate[i] / (1 + e^−gate[i]) · up[i] for i < n (SwiGLU's gated product). */
void ck_silu_product(const float *gate, const float *up, float *out, size_t n);

/* The largest of x[0..<n] (n ≥ 1), for inputs without NaN (a NaN is skipped, or kept where it
 * comes first in a vector lane); the same value on every path. The shift of a softmax. */
float ck_maximum(const float *x, size_t n);

#endif
