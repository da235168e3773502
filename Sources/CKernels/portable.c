/* The portable kernels: plain C for any CPU, one weight at a time, and the reference the SIMD
 * paths are tested against. */
#include <math.h>
#include "kernels.h"

/* The value of weight column c of `row`, unscaled. */
static float weight(int kind, const uint8_t *row, size_t c, const ck_weights *w) {
    switch (kind) {
    case CK_W_F32: {
        float v;
        memcpy(&v, row + 4 * c, 4);
        return v;
    }
    case CK_W_BF16: {
        uint16_t h;
        memcpy(&h, row + 2 * c, 2);
        uint32_t bits = (uint32_t)h << 16;
        float v;
        memcpy(&v, &bits, 4);
        return v;
    }
    case CK_W_FP8: {
        uint8_t code = row[c];
        int e = (code >> 3) & 15, f = code & 7;
        float magnitude = e ? ldexpf((float)(8 + f), e - 10) : ldexpf((float)f, -9);
        return code & 0x80 ? -magnitude : magnitude;
    }
    case CK_W_INT8: return (float)(int8_t)(row[c] ^ (uint8_t)w->flip_mask);
    default: return w->table[(row[c / 2] >> (4 * (c % 2))) & 15];
    }
}

/* Every weight layout: y = Σ_groups scale·Σ_c (q − zero)·x. */
static void matmul(int kind, size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                   const ck_weights *w, float *y, size_t ldy) {
    const ck_scales *s = w->scales;
    size_t g = s && s->group < k ? s->group : k;
    for (size_t r = 0; r < m; r++)
        for (size_t o = first; o < first + count; o++) {
            const uint8_t *row = w->data + o * w->row_bytes;
            size_t index = s ? (o / s->block_rows) * s->stride : 0;
            float total = 0;
            for (size_t c0 = 0, gi = 0; c0 < k; c0 += g, gi++) {
                float zero = s && s->zero_points ? s->zero_points[index + gi] : 0, sum = 0;
                for (size_t c = c0; c < c0 + g && c < k; c++) sum += (weight(kind, row, c, w) - zero) * x[r * ldx + c];
                total += (s ? s->values[index + gi] : 1) * sum;
            }
            y[r * ldy + o] = total;
        }
}

/* FP8 decodes to its exact value here, so these ignore ck_weights.unit. */
CK_MATMUL_FORMATS(matmul)

static void quantize_int8(size_t m, size_t k, const float *x, size_t ldx, int8_t *q, size_t ldq, float *scales) {
    for (size_t r = 0; r < m; r++) {
        float absmax = 0;
        for (size_t c = 0; c < k; c++) absmax = fmaxf(absmax, fabsf(x[r * ldx + c]));
        scales[r] = absmax / 127.0f;
        float inverse = absmax > 0 ? 127.0f / absmax : 0;
        for (size_t c = 0; c < k; c++) {
            float v = nearbyintf(x[r * ldx + c] * inverse);
            q[r * ldq + c] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
        }
    }
}

static void matmul_w8a8(size_t m, size_t first, size_t count, size_t k, const int8_t *q, size_t ldq,
                        const float *x_scales, const int8_t *w, size_t ldw, const int32_t *w_sums, const float *w_scales,
                        float *y, size_t ldy) {
    (void)w_sums;
    for (size_t r = 0; r < m; r++)
        for (size_t o = first; o < first + count; o++) {
            int32_t dot = 0;
            for (size_t c = 0; c < k; c++) dot += (int32_t)q[r * ldq + c] * (int32_t)w[o * ldw + c];
            y[r * ldy + o] = ((float)dot * x_scales[r]) * w_scales[o];
        }
}

const ck_table ck_portable_table = CK_TABLE_OF_FORMATS;
