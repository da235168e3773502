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

/* The value of an f16 bit pattern. */
static float f16_value(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 31, fraction = h & 0x3FF;
    if (exponent == 0) return ck_float_of(sign | ck_bits_of((float)fraction * 0x1p-24f));
    if (exponent == 31) return ck_float_of(sign | 0x7F800000u | fraction << 13);
    return ck_float_of(sign | (exponent + 112) << 23 | fraction << 13);
}

/* Nearest, ties to even, by adding and subtracting 1.5 · 2^23 (|v| < 2^22). */
static float round_even(float v) { return (v + 0x1.8p23f) - 0x1.8p23f; }

/* v (finite) rounded to the dtype, nearest even, and widened back. */
static float round_to(ck_mse_dtype dtype, float v) {
    uint32_t u = ck_bits_of(v);
    if (dtype == CK_MSE_BF16) return ck_float_of((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000u);
    uint32_t sign = u & 0x80000000u, a = u & 0x7FFFFFFFu;
    if (a >= 0x477FF000u) return ck_float_of(sign | 0x7F800000u);
    if (a < 0x38800000u) return ck_float_of(sign | ck_bits_of(round_even(ck_float_of(a) * 0x1p24f) * 0x1p-24f));
    return ck_float_of(sign | ((a + 0xFFF + ((a >> 13) & 1)) & ~0x1FFFu));
}

/* The magnitude bits of d (finite, already of the dtype) in the dtype. */
static uint32_t magnitude_bits(ck_mse_dtype dtype, float d) {
    uint32_t a = ck_bits_of(d) & 0x7FFFFFFFu;
    if (dtype == CK_MSE_BF16) return a >> 16;
    if (a >= 0x47800000u) return 0x7C00;
    if (a < 0x38800000u) return (uint32_t)(ck_float_of(a) * 0x1p24f);
    return (a >> 13) - (112u << 10);
}

/* The nearest E4M3 value of |v| ≤ 448 (normal above 2^-6, multiples of 2^-9 below). */
static float round_fp8(float v) {
    uint32_t u = ck_bits_of(v), a = u & 0x7FFFFFFFu;
    if (a < 0x3C800000u) return round_even(v * 512.0f) / 512.0f;
    return ck_float_of((u & 0x80000000u) | ((a + 0x7FFFF + ((a >> 20) & 1)) & 0xFFF00000u));
}

/* The nearest E2M1 value of |v| ≤ 6, ties to even, keeping the sign. */
static float round_fp4(float v) {
    float a = fabsf(v);
    float m = a <= 0.25f ? 0 : a < 0.75f ? 0.5f : a <= 1.25f ? 1 : a < 1.75f ? 1.5f : a <= 2.5f ? 2 : a < 3.5f ? 3 : a <= 5 ? 4 : 6;
    return copysignf(m, v);
}

static void mse_errors(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                       const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                       float *errors, uint64_t *improvements) {
    (void)scratch;
    ck_mse_dtype t = grid->dtype;
    size_t words = (steps + 63) / 64;
    float half = grid->element == CK_MSE_FP8 ? 448.0f : grid->element == CK_MSE_FP4 ? 6.0f : 0;
    float range = grid->qmax - grid->qmin;
    for (size_t g = 0; g < groups; g++) {
        const uint16_t *group = values + g * group_size;
        float best = ck_mse_largest(t);
        if (improvements) memset(improvements + g * words, 0, words * sizeof(uint64_t));
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
                float x = t == CK_MSE_BF16 ? ck_float_of(bits) : f16_value(group[c]);
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
            if (!improvements) {
                errors[g * steps + i] = sum;
            } else if (round_to(t, sum) < best) {
                best = round_to(t, sum);
                improvements[g * words + i / 64] |= 1ull << (i % 64);
            }
        }
    }
}

/* ---- NVFP4 (see ck_nvfp4_quantize): one group, one value at a time. ---- */

/* The FP4 E2M1 code of q (not NaN): from 1 on the exponent rebiased and the fraction rounded to
 * one bit by integer addition (saturating at code 7), below 1 2·|q| rounded by the 1.5·2^23
 * addition; bit 3 for q < 0. */
static uint8_t fp4_code(float q) {
    uint32_t a = ck_bits_of(q) & 0x7FFFFFFFu;
    uint32_t normal = (a - (126u << 23) + 0x1FFFFF + ((a >> 22) & 1)) >> 22;
    if (normal > 7) normal = 7;
    uint32_t small = ck_bits_of(ck_float_of(a) * 2 + 0x1.8p23f) - 0x4B400000u;
    return (uint8_t)((a >= 0x3F800000u ? normal : small) | (q < 0 ? 8 : 0));
}

/* The scale code of a group whose scale (already rounded to the dtype) is s, and the divisor of
 * its values. */
static uint8_t nvfp4_scale_code(float s, float global, float *divisor) {
    float product = global * s;
    if (product != product) {
        *divisor = 1;
        return CK_NVFP4_NAN_SCALE;
    }
    uint8_t code = ck_e4m3_code(product);
    if (code == 0) code = 0x20;
    *divisor = ck_e4m3_value(code) / global;
    return code;
}

static void nvfp4_quantize(ck_mse_dtype t, size_t groups, const uint16_t *values, const uint16_t *maxima, float global,
                           uint8_t *packed, uint8_t *scale_codes) {
    for (size_t g = 0; g < groups; g++) {
        float m = t == CK_MSE_BF16 ? ck_float_of((uint32_t)maxima[g] << 16) : f16_value(maxima[g]);
        float s = m != m ? m : round_to(t, m / 6), divisor;
        uint8_t code = nvfp4_scale_code(s, global, &divisor), *out = packed + g * (CK_NVFP4_GROUP / 2);
        scale_codes[g] = code;
        const uint16_t *x = values + g * CK_NVFP4_GROUP;
        for (size_t p = 0; p < CK_NVFP4_GROUP / 2; p++) {
            float even = t == CK_MSE_BF16 ? ck_float_of((uint32_t)x[2 * p] << 16) : f16_value(x[2 * p]);
            float odd = t == CK_MSE_BF16 ? ck_float_of((uint32_t)x[2 * p + 1] << 16) : f16_value(x[2 * p + 1]);
            out[p] = code == CK_NVFP4_NAN_SCALE ? 0 : (uint8_t)(fp4_code(even / divisor) | fp4_code(odd / divisor) << 4);
        }
    }
}

static void group_maxima16(size_t groups, const uint16_t *values, uint16_t *maxima) {
    for (size_t g = 0; g < groups; g++) {
        uint16_t m = 0;
        for (size_t c = 0; c < CK_NVFP4_GROUP; c++) {
            uint16_t a = values[g * CK_NVFP4_GROUP + c] & 0x7FFF;
            m = a > m ? a : m;
        }
        maxima[g] = m;
    }
}

/* ---- FP8 block dequantization (see ck_fp8_block_row_bf16). ---- */

static void fp8_block_row_bf16(size_t columns, const uint8_t *codes, const float *scales, size_t block, uint16_t *out) {
    for (size_t c = 0; c < columns; c++) out[c] = ck_fp8_scaled_bf16(codes[c], scales[c / block]);
}

#include "gptq_portable.h"

static void matmul_bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                               const ck_weights *w, float *y, size_t ldy) {
    ck_bf16_inputs_scalar(m, first, count, k, x, ldx, w, y, ldy);
}

const ck_table ck_portable_table = CK_TABLE_OF_FORMATS;
