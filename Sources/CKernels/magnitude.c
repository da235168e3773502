/* ck_largest_magnitude: one implementation per path, the AVX-512 one compiled for its
 * instructions and called only on that path; the largest of a set does not depend on the order
 * it is taken in, so every path gives the same value. */
#include <immintrin.h>
#include "ckernels.h"

/* |x[i]| > best ? |x[i]| : best, from i = start: a NaN never replaces the best. */
static float largest_magnitude_portable(const float *x, size_t start, size_t n, float best) {
    for (size_t i = start; i < n; i++) {
        float m = x[i] < 0 ? -x[i] : x[i];
        best = m > best ? m : best;
    }
    return best;
}

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq"))), apply_to = function)
/* Four vectors of running maxima; vmaxps returns its second operand when either is NaN, so the
 * running maximum, second, is kept where a value is NaN. */
static float largest_magnitude_avx512(const float *x, size_t n) {
    __m512 best[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int v = 0; v < 4; v++) best[v] = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + i + 16 * v)), best[v]);
    float lanes = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(best[0], best[1]), _mm512_max_ps(best[2], best[3])));
    return largest_magnitude_portable(x, i, n, lanes);
}
#pragma clang attribute pop

float ck_largest_magnitude(const float *x, size_t n) {
    return ck_current_path() == CK_AVX512 ? largest_magnitude_avx512(x, n) : largest_magnitude_portable(x, 0, n, 0);
}
