/* What the implementations of the kernels share: the weight description they are called with, the
 * table each path fills, and helpers that need no SIMD. */
#ifndef CK_KERNELS_INTERNAL_H
#define CK_KERNELS_INTERNAL_H

#include <stdint.h>
#include <string.h>
#include "ckernels.h"

/* Weight formats, in the order of ck_table.matmul. */
enum { CK_W_F32, CK_W_BF16, CK_W_FP8, CK_W_INT8, CK_W_INT4, CK_W_FP4, CK_W_FORMATS };

/* Bits of one weight in `kind`. */
static inline int ck_bits(int kind) {
    static const int bits[CK_W_FORMATS] = {32, 16, 8, 8, 4, 4};
    return bits[kind];
}

/* Rows of x up to which kernels decode weights in registers rather than into a buffer. */
#define CK_GEMV_MAX_ROWS 8
/* The most scale groups per row the kernels take with zero points (their sums of x live on the stack). */
#define CK_MAX_ZERO_POINT_GROUPS 1024

/* A weight matrix as the kernels read it: row o starts at data + o·row_bytes. A decoded value
 * times `unit` is the stored integer or float before scaling (FP8 decodes 2^-8 too small). */
typedef struct {
    const uint8_t *data;
    size_t row_bytes;
    const ck_scales *scales;
    int32_t flip_mask;
    const float *table;
    float unit;
} ck_weights;

typedef void (*ck_matmul_fn)(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                             const ck_weights *w, float *y, size_t ldy);

/* The entries of ck_table.matmul, matmul_f32 … matmul_fp4, each `impl(kind, ...)` for its format. */
#define CK_MATMUL_FORMAT(name, impl, kind)                                                                    \
    static void name(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,            \
                     const ck_weights *w, float *y, size_t ldy) {                                           \
        impl(kind, m, first, count, k, x, ldx, w, y, ldy);                                                  \
    }
#define CK_MATMUL_FORMATS(impl)                                                                               \
    CK_MATMUL_FORMAT(matmul_f32, impl, CK_W_F32)                                                              \
    CK_MATMUL_FORMAT(matmul_bf16, impl, CK_W_BF16)                                                            \
    CK_MATMUL_FORMAT(matmul_fp8, impl, CK_W_FP8)                                                              \
    CK_MATMUL_FORMAT(matmul_int8, impl, CK_W_INT8)                                                            \
    CK_MATMUL_FORMAT(matmul_int4, impl, CK_W_INT4)                                                            \
    CK_MATMUL_FORMAT(matmul_fp4, impl, CK_W_FP4)
/* A ck_table of those entries and the two W8A8 functions. */
#define CK_TABLE_OF_FORMATS                                                                                   \
    {                                                                                                         \
        .matmul = {matmul_f32, matmul_bf16, matmul_fp8, matmul_int8, matmul_int4, matmul_fp4},                \
        .quantize_int8 = quantize_int8, .matmul_w8a8 = matmul_w8a8, .mse_errors = mse_errors,                 \
        .nvfp4_quantize = nvfp4_quantize, .group_maxima16 = group_maxima16,                                   \
        .fp8_block_row_bf16 = fp8_block_row_bf16, .gptq_columns = gptq_columns,                               \
    }

/* One implementation of every kernel. */
typedef struct {
    ck_matmul_fn matmul[CK_W_FORMATS];
    void (*quantize_int8)(size_t m, size_t k, const float *x, size_t ldx, int8_t *q, size_t ldq, float *scales);
    void (*matmul_w8a8)(size_t m, size_t first, size_t count, size_t k, const int8_t *q, size_t ldq,
                        const float *x_scales, const int8_t *w, size_t ldw, const int32_t *w_sums,
                        const float *w_scales, float *y, size_t ldy);
    /* ck_mse_errors into errors, or ck_mse_improvements into improvements when that is not NULL. */
    void (*mse_errors)(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                       const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                       float *errors, uint64_t *improvements);
    void (*nvfp4_quantize)(ck_mse_dtype dtype, size_t groups, const uint16_t *values, const uint16_t *maxima,
                           float global, uint8_t *packed, uint8_t *scale_codes);
    void (*group_maxima16)(size_t groups, const uint16_t *values, uint16_t *maxima);
    void (*fp8_block_row_bf16)(size_t columns, const uint8_t *codes, const float *scales, size_t block, uint16_t *out);
    void (*gptq_columns)(const ck_gptq_grid *grid, size_t first, size_t count, size_t width, const size_t *columns,
                         float *w, size_t ldw, const float *h, size_t ldh, float *errors, float *row_loss,
                         float *scratch);
} ck_table;

extern const ck_table ck_portable_table;
extern const ck_table ck_avx2_table;
extern const ck_table ck_avx512_table;

/* sums[r·groups + g] = Σ of row r of x over scale group g (`group` columns; groups = ⌈k / group⌉). */
void ck_group_sums(size_t rows, size_t k, const float *x, size_t ldx, size_t group, float *sums);

/* Σ_g scale·zero·x_sums[g] over the groups of output row o: what zero points take from its sum. */
float ck_zero_point_term(const ck_scales *s, size_t o, const float *x_sums, size_t groups);

/* The most lanes of any path: ck_mse_errors' scratch holds this many groups' values. */
#define CK_MAX_LANES 16
/* Tiles of CK_GPTQ_TILE_ROWS rows ck_gptq_columns' scratch holds: values, errors, scales, zero points. */
#define CK_GPTQ_SCRATCH_TILES 4

/* ---- NVFP4 (ck_nvfp4_quantize): the scalar steps every path shares. ---- */

#define CK_NVFP4_GROUP 16
#define CK_NVFP4_NAN_SCALE 0x7F

static inline float ck_float_of(uint32_t u) {
    float v;
    memcpy(&v, &u, 4);
    return v;
}

static inline uint32_t ck_bits_of(float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    return u;
}

/* The largest finite value of an MSE search's dtype: where ck_mse_improvements' comparisons start. */
static inline float ck_mse_largest(ck_mse_dtype dtype) { return dtype == CK_MSE_BF16 ? ck_float_of(0x7F7F0000u) : 65504.0f; }

/* The E4M3 code of v (not NaN), nearest even, saturating at ±448: the fraction rounded to 3 bits
 * by integer addition from 2^-6 on, |v|·2^9 rounded by the 1.5·2^23 addition below. */
static inline uint8_t ck_e4m3_code(float v) {
    uint32_t u = ck_bits_of(v), a = u & 0x7FFFFFFFu, sign = (u >> 24) & 0x80;
    uint32_t normal = ((a + 0x7FFFF + ((a >> 20) & 1)) >> 20) - (120u << 3);
    if (normal > 0x7E) normal = 0x7E;
    uint32_t subnormal = ck_bits_of(ck_float_of(a) * 512.0f + 0x1.8p23f) - 0x4B400000u;
    return (uint8_t)(sign | (a >= 0x3C800000u ? normal : subnormal));
}

/* The value of a finite E4M3 code. */
static inline float ck_e4m3_value(uint8_t code) {
    uint32_t e = (code >> 3) & 15, m = code & 7, sign = (uint32_t)(code & 0x80) << 24;
    float magnitude = e == 0 ? (float)m * 0x1p-9f : ck_float_of((e + 120) << 23 | m << 20);
    return ck_float_of(sign | ck_bits_of(magnitude));
}

/* The bf16 bits of e4m3(code) · scale (see ck_fp8_block_row_bf16). */
static inline uint16_t ck_fp8_scaled_bf16(uint8_t code, float scale) {
    if ((code & 0x7F) == 0x7F) return 0x7FC0;
    uint32_t u = ck_bits_of(ck_e4m3_value(code) * scale);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
    return (uint16_t)((u + ((u >> 16) & 1) + 0x7FFF) >> 16);
}

/* `floats` floats, 64-byte aligned, to free(); NULL when memory is short. */
float *ck_buffer(size_t floats);

#endif
