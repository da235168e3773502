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
        .matmul_bf16_inputs = matmul_bf16_inputs,                                                             \
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
    /* ck_matmul_bf16_inputs, the weights as ck_weights holds them. */
    ck_matmul_fn matmul_bf16_inputs;
} ck_table;

extern const ck_table ck_portable_table;
extern const ck_table ck_avx2_table;
extern const ck_table ck_avx512_table;
/* ck_matmul_bf16_inputs on AVX512_BF16's vdpbf16ps (avx512_bf16.c), for CPUs that have it. */
void ck_avx512_bf16_matmul_bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                                       const ck_weights *w, float *y, size_t ldy);

/* Quads of columns (4 a quad, the last padded) of the split products' rows of k columns. */
static inline size_t ck_split_quads(size_t k) { return (k + 3) / 4; }

/* Bytes of m rows of k columns packed for the split products (simd_bf16_split.h's split_layout):
 * a row's hi, 2 words a quad, and its lo codes, a word a quad, then a scale a row. */
static inline size_t ck_split_rows_bytes(size_t m, size_t k) { return m * (3 * 4 * ck_split_quads(k) + 4); }

/* ck_split_pack and ck_matmul_bf16_split on AVX512_BF16 and VNNI (avx512_bf16.c); the product
 * returns 0 when it could not have its panel's buffer. */
void ck_avx512_bf16_split_pack(size_t first, size_t count, size_t k, const float *x, size_t ldx, void *packed, size_t m);
int ck_avx512_bf16_matmul_bf16_split(size_t m, size_t first, size_t count, size_t k, const void *packed,
                                     const ck_weights *w, float *y, size_t ldy);

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

/* ---- bf16 × bf16 products (ck_matmul_bf16_inputs): the steps every path shares. ---- */

/* The bf16 bits of v, nearest even (a NaN becomes a quiet NaN of its sign; denormals round as any
 * other value, and vdpbf16ps then reads them as zero). */
static inline uint16_t ck_bf16_nearest(float v) {
    uint32_t u = ck_bits_of(v);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

/* Row r of x (k values) rounded to bf16 into the words words[r·ld …], each 32-bit word a pair of
 * columns, the even one in the low half; for an odd k the last word's high half is zero. */
static inline void ck_bf16_pairs(size_t m, size_t k, const float *x, size_t ldx, uint32_t *words, size_t ld) {
    for (size_t r = 0; r < m; r++) {
        const float *row = x + r * ldx;
        uint32_t *out = words + r * ld;
        size_t p = 0;
        for (; 2 * p + 1 < k; p++) out[p] = (uint32_t)ck_bf16_nearest(row[2 * p]) | (uint32_t)ck_bf16_nearest(row[2 * p + 1]) << 16;
        if (2 * p < k) out[p] = ck_bf16_nearest(row[2 * p]);
    }
}

/* The f32 value of bf16 bits. */
static inline float ck_bf16_value(uint16_t h) { return ck_float_of((uint32_t)h << 16); }

/* ck_matmul_bf16_inputs one value at a time, in the order every path keeps: for each pair of
 * columns (2p, 2p + 1), a column past k being zero, sum += x·w of the odd column, then of the
 * even one, each an FMA (exact product, one rounding). The portable path, and the SIMD paths'
 * fallback when memory is short. */
static inline void ck_bf16_inputs_scalar(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                                         const ck_weights *w, float *y, size_t ldy) {
    for (size_t r = 0; r < m; r++)
        for (size_t o = first; o < first + count; o++) {
            const uint8_t *row = w->data + o * w->row_bytes;
            float sum = 0;
            for (size_t c = 0; c < k; c += 2) {
                uint16_t even, odd = 0;
                memcpy(&even, row + 2 * c, 2);
                if (c + 1 < k) memcpy(&odd, row + 2 * c + 2, 2);
                float x_odd = c + 1 < k ? ck_bf16_value(ck_bf16_nearest(x[r * ldx + c + 1])) : 0.0f;
                sum = __builtin_fmaf(x_odd, ck_bf16_value(odd), sum);
                sum = __builtin_fmaf(ck_bf16_value(ck_bf16_nearest(x[r * ldx + c])), ck_bf16_value(even), sum);
            }
            y[r * ldy + o] = sum;
        }
}

/* The buffers a thread keeps for the kernels' calls: x's rows as a kernel lays them out, a panel
 * of weights, decoded weight rows. A kernel takes each slot once a call and calls no kernel. */
typedef enum { CK_SCRATCH_ROWS_OF_X, CK_SCRATCH_PANEL, CK_SCRATCH_DECODED, CK_SCRATCH_SPLIT_ROWS, CK_SCRATCH_SLOTS } ck_scratch_slot;

/* At least `bytes` of the calling thread's buffer `slot`, page-aligned, valid until the thread's
 * next call for that slot; NULL when memory is short. Kept from call to call (grown when a call
 * needs more) and unmapped when the thread ends: mapping and faulting in megabytes on every
 * product cost 5-9% of scoring with bf16 products. Pages rather than malloc's: freeing a block
 * that large raises glibc's mmap threshold to its size, after which every smaller allocation of
 * the process stays in the heap (40-80 MB more peak memory in calibration). */
void *ck_scratch(ck_scratch_slot slot, size_t bytes);

#endif
