/* ck_transpose_f32: a matrix's transpose in 4 × 4 blocks (SSE's shuffles where the target has
 * them, which every x86-64 does), the edges value by value. */
#include "kernels.h"
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

void ck_transpose_f32(const float *source, size_t rows, size_t columns, size_t stride, float *destination) {
    size_t r = 0;
#if defined(__SSE__)
    for (; r + 4 <= rows; r += 4) {
        const float *s = source + r * stride;
        float *d = destination + r;
        size_t c = 0;
        for (; c + 4 <= columns; c += 4) {
            __m128 a = _mm_loadu_ps(s + c), b = _mm_loadu_ps(s + stride + c);
            __m128 e = _mm_loadu_ps(s + 2 * stride + c), f = _mm_loadu_ps(s + 3 * stride + c);
            _MM_TRANSPOSE4_PS(a, b, e, f);
            _mm_storeu_ps(d + c * rows, a);
            _mm_storeu_ps(d + (c + 1) * rows, b);
            _mm_storeu_ps(d + (c + 2) * rows, e);
            _mm_storeu_ps(d + (c + 3) * rows, f);
        }
        for (; c < columns; c++)
            for (size_t i = 0; i < 4; i++) d[c * rows + i] = s[i * stride + c];
    }
#endif
    for (; r < rows; r++)
        for (size_t c = 0; c < columns; c++) destination[c * rows + r] = source[r * stride + c];
}
