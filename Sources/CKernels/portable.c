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

/* ---- MSE grid search (see ck_mse_errors): one group, one candidate, one value at a time. ---- */

static float from_bits(uint32_t u) {
    float v;
    memcpy(&v, &u, 4);
    return v;
}

static uint32_t to_bits(float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    return u;
}

/* The value of an f16 bit pattern. */
static float f16_value(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 31, fraction = h & 0x3FF;
    if (exponent == 0) return from_bits(sign | to_bits((float)fraction * 0x1p-24f));
    if (exponent == 31) return from_bits(sign | 0x7F800000u | fraction << 13);
    return from_bits(sign | (exponent + 112) << 23 | fraction << 13);
}

/* Nearest, ties to even, by adding and subtracting 1.5 · 2^23 (|v| < 2^22). */
static float round_even(float v) { return (v + 0x1.8p23f) - 0x1.8p23f; }

/* v (finite) rounded to the dtype, nearest even, and widened back. */
static float round_to(ck_mse_dtype dtype, float v) {
    uint32_t u = to_bits(v);
    if (dtype == CK_MSE_BF16) return from_bits((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000u);
    uint32_t sign = u & 0x80000000u, a = u & 0x7FFFFFFFu;
    if (a >= 0x477FF000u) return from_bits(sign | 0x7F800000u);
    if (a < 0x38800000u) return from_bits(sign | to_bits(round_even(from_bits(a) * 0x1p24f) * 0x1p-24f));
    return from_bits(sign | ((a + 0xFFF + ((a >> 13) & 1)) & ~0x1FFFu));
}

/* The magnitude bits of d (finite, already of the dtype) in the dtype. */
static uint32_t magnitude_bits(ck_mse_dtype dtype, float d) {
    uint32_t a = to_bits(d) & 0x7FFFFFFFu;
    if (dtype == CK_MSE_BF16) return a >> 16;
    if (a >= 0x47800000u) return 0x7C00;
    if (a < 0x38800000u) return (uint32_t)(from_bits(a) * 0x1p24f);
    return (a >> 13) - (112u << 10);
}

/* The nearest E4M3 value of |v| ≤ 448 (normal above 2^-6, multiples of 2^-9 below). */
static float round_fp8(float v) {
    uint32_t u = to_bits(v), a = u & 0x7FFFFFFFu;
    if (a < 0x3C800000u) return round_even(v * 512.0f) / 512.0f;
    return from_bits((u & 0x80000000u) | ((a + 0x7FFFF + ((a >> 20) & 1)) & 0xFFF00000u));
}

/* The nearest E2M1 value of |v| ≤ 6, ties to even, keeping the sign. */
static float round_fp4(float v) {
    float a = fabsf(v);
    float m = a <= 0.25f ? 0 : a < 0.75f ? 0.5f : a <= 1.25f ? 1 : a < 1.75f ? 1.5f : a <= 2.5f ? 2 : a < 3.5f ? 3 : a <= 5 ? 4 : 6;
    return copysignf(m, v);
}

static void mse_errors(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                       const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                       float *errors) {
    (void)scratch;
    ck_mse_dtype t = grid->dtype;
    float half = grid->element == CK_MSE_FP8 ? 448.0f : grid->element == CK_MSE_FP4 ? 6.0f : 0;
    float range = grid->qmax - grid->qmin;
    for (size_t g = 0; g < groups; g++) {
        const uint16_t *group = values + g * group_size;
        for (size_t i = 0; i < steps; i++) {
            float low = fminf(round_to(t, lo[g] * factors[i]), 0), high = fmaxf(round_to(t, hi[g] * factors[i]), 0);
            float s, z = 0;
            if (grid->element != CK_MSE_INT) {
                s = round_to(t, fmaxf(-low, high) / half);
            } else if (grid->symmetric) {
                s = round_to(t, fmaxf(-low, high) / (range / 2));
            } else {
                s = round_to(t, round_to(t, high - low) / range);
                z = round_to(t, grid->qmin - round_to(t, low / s));
                z = isnan(z) ? 0 : round_even(fminf(fmaxf(z, grid->qmin), grid->qmax));
            }
            if (s == 0) s = grid->eps;
            float sum = 0;
            for (size_t c = 0; c < group_size; c++) {
                uint32_t bits = t == CK_MSE_BF16 ? (uint32_t)group[c] << 16 : 0;
                float x = t == CK_MSE_BF16 ? from_bits(bits) : f16_value(group[c]);
                float q;
                if (grid->element == CK_MSE_INT) {
                    float shifted = round_to(t, round_to(t, x / s) + z);
                    float code = round_even(fminf(fmaxf(shifted, grid->qmin), grid->qmax));
                    q = round_to(t, (code - z) * s);
                } else {
                    float clamped = fminf(fmaxf(round_to(t, x / s), -half), half);
                    q = round_to(t, (grid->element == CK_MSE_FP8 ? round_fp8(clamped) : round_fp4(clamped)) * s);
                }
                sum += grid->power[magnitude_bits(t, round_to(t, q - x))];
            }
            errors[g * steps + i] = sum;
        }
    }
}

const ck_table ck_portable_table = CK_TABLE_OF_FORMATS;
