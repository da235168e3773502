/* The public entry points: the path chosen once by CPUID (or COMPRESS_KERNELS), the checks of
 * which scale layouts the kernels take, and the calls into the chosen table. */
#include <stdatomic.h>
#include <stdlib.h>
#include <strings.h>
#include "kernels.h"

static _Atomic(int) chosen = CK_CHOSEN;
/* The path ck_use_path set on this thread, or CK_CHOSEN. */
static _Thread_local int thread_path = CK_CHOSEN;
/* Whether ck_use_bf16_instructions(0) turned AVX512_BF16's instructions off on this thread. */
static _Thread_local int bf16_instructions_off = 0;

int ck_path_supported(ck_path path) {
    switch (path) {
    case CK_CHOSEN:
    case CK_PORTABLE: return 1;
    case CK_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case CK_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("f16c");
    }
    return 0;
}

/* COMPRESS_KERNELS when it names a path this CPU runs, else the best one it runs. */
static ck_path initial_path(void) {
    const char *wanted = getenv("COMPRESS_KERNELS");
    for (int p = CK_PORTABLE; p <= CK_AVX512 && wanted; p++)
        if (strcasecmp(wanted, ck_path_name((ck_path)p)) == 0 && ck_path_supported((ck_path)p)) return (ck_path)p;
    return ck_path_supported(CK_AVX512) ? CK_AVX512 : ck_path_supported(CK_AVX2) ? CK_AVX2 : CK_PORTABLE;
}

/* The process's path, chosen on first use. */
static ck_path process_path(void) {
    int path = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (path == CK_CHOSEN) {
        int expected = CK_CHOSEN;
        atomic_compare_exchange_strong(&chosen, &expected, (int)initial_path());
        path = atomic_load(&chosen);
    }
    return (ck_path)path;
}

ck_path ck_current_path(void) { return thread_path != CK_CHOSEN ? (ck_path)thread_path : process_path(); }

const char *ck_path_name(ck_path path) {
    switch (path) {
    case CK_CHOSEN: return ck_path_name(process_path());
    case CK_PORTABLE: return "portable";
    case CK_AVX2: return "avx2";
    case CK_AVX512: return "avx512";
    }
    return "unknown";
}

int ck_use_path(ck_path path) {
    if (!ck_path_supported(path)) return 0;
    thread_path = path;
    return 1;
}

int ck_bf16_instructions(void) {
    return !bf16_instructions_off && ck_current_path() == CK_AVX512 && __builtin_cpu_supports("avx512bf16");
}

int ck_use_bf16_instructions(int use) {
    if (use && !__builtin_cpu_supports("avx512bf16")) return 0;
    bf16_instructions_off = !use;
    return 1;
}

static const ck_table *table(void) {
    switch (ck_current_path()) {
    case CK_AVX512: return &ck_avx512_table;
    case CK_AVX2: return &ck_avx2_table;
    default: return &ck_portable_table;
    }
}

/* ---- Which scale layouts the fused kernels take: every group a whole number of 16-column runs
 * (or one group a row), and zero points only with few enough groups. ---- */

static int takes(const ck_scales *s, size_t columns) {
    if (!s || !s->values || s->block_rows == 0 || s->group == 0) return 0;
    if (s->group < columns && s->group % 16 != 0) return 0;
    size_t g = s->group < columns ? s->group : columns;
    if (s->stride < (columns + g - 1) / g) return 0;
    return !s->zero_points || (columns + g - 1) / g <= CK_MAX_ZERO_POINT_GROUPS;
}

int ck_fp8_takes(const ck_scales *scales, size_t columns) { return takes(scales, columns); }
int ck_int8_takes(const ck_scales *scales, size_t columns) { return takes(scales, columns); }
int ck_int4_takes(const ck_scales *scales, size_t columns) { return takes(scales, columns); }
int ck_fp4_takes(const ck_scales *scales, size_t columns) { return takes(scales, columns); }

/* ---- Helpers of the implementations ---- */

void ck_group_sums(size_t rows, size_t k, const float *x, size_t ldx, size_t group, float *sums) {
    size_t g = group < k ? group : k, groups = (k + g - 1) / g;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < groups; i++) {
            float sum = 0;
            for (size_t c = i * g; c < (i + 1) * g && c < k; c++) sum += x[r * ldx + c];
            sums[r * groups + i] = sum;
        }
}

float ck_zero_point_term(const ck_scales *s, size_t o, const float *x_sums, size_t groups) {
    size_t index = (o / s->block_rows) * s->stride;
    float term = 0;
    for (size_t g = 0; g < groups; g++) term += s->values[index + g] * s->zero_points[index + g] * x_sums[g];
    return term;
}

/* ---- Entry points ---- */

/* The values of a 4-bit integer nibble (stored as q + 8) and of an FP4 E2M1 nibble. */
static const float int4_values[16] = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};
static const float fp4_values[16] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0.0f, -0.5f, -1, -1.5f, -2, -3, -4, -6};

static void run(int kind, size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const void *w,
                size_t row_bytes, const ck_scales *scales, int32_t flip_mask, const float *lookup, float unit, float *y,
                size_t ldy) {
    if (m == 0 || count == 0) return;
    ck_weights weights = {(const uint8_t *)w, row_bytes, scales, flip_mask, lookup, unit};
    table()->matmul[kind](m, first, count, k, x, ldx, &weights, y, ldy);
}

void ck_matmul_f32(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const float *w,
                   size_t ldw, float *y, size_t ldy) {
    run(CK_W_F32, m, first, count, k, x, ldx, w, ldw * sizeof(float), NULL, 0, NULL, 1, y, ldy);
}

void ck_matmul_bf16(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const uint16_t *w,
                    size_t ldw, float *y, size_t ldy) {
    run(CK_W_BF16, m, first, count, k, x, ldx, w, ldw * sizeof(uint16_t), NULL, 0, NULL, 1, y, ldy);
}

void ck_matmul_bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                           const uint16_t *w, size_t ldw, float *y, size_t ldy) {
    if (m == 0 || count == 0) return;
    ck_weights weights = {(const uint8_t *)w, ldw * sizeof(uint16_t), NULL, 0, NULL, 1};
    ck_matmul_fn kernel = ck_bf16_instructions() ? ck_avx512_bf16_matmul_bf16_inputs : table()->matmul_bf16_inputs;
    kernel(m, first, count, k, x, ldx, &weights, y, ldy);
}

int ck_split_runs(void) { return ck_bf16_instructions(); }

/* Whether this CPU has the split products' instructions, whatever a thread's path: the check that
 * keeps their functions from faulting, the same on every thread of one product. */
static int split_supported(void) { return ck_path_supported(CK_AVX512) && __builtin_cpu_supports("avx512bf16"); }

void *ck_split_rows_buffer(size_t m, size_t k) { return ck_scratch(CK_SCRATCH_SPLIT_ROWS, ck_split_rows_bytes(m, k)); }

void ck_split_pack(size_t first, size_t count, size_t k, const float *x, size_t ldx, void *packed, size_t m) {
    if (count > 0 && packed && split_supported()) ck_avx512_bf16_split_pack(first, count, k, x, ldx, packed, m);
}

void ck_matmul_bf16_split(size_t m, size_t first, size_t count, size_t k, const void *packed, const float *x,
                          size_t ldx, const uint16_t *w, size_t ldw, float *y, size_t ldy) {
    if (m == 0 || count == 0) return;
    ck_weights weights = {(const uint8_t *)w, ldw * sizeof(uint16_t), NULL, 0, NULL, 1};
    if (!packed || k > CK_SPLIT_MAX_COLUMNS || !split_supported() ||
        !ck_avx512_bf16_matmul_bf16_split(m, first, count, k, packed, &weights, y, ldy))
        ck_matmul_bf16(m, first, count, k, x, ldx, w, ldw, y, ldy);
}

void ck_matmul_fp8(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const uint8_t *w,
                   size_t ldw, const ck_scales *scales, float *y, size_t ldy) {
    run(CK_W_FP8, m, first, count, k, x, ldx, w, ldw, scales, 0, NULL, 256, y, ldy);
}

void ck_matmul_int8(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const uint8_t *w,
                    size_t ldw, uint8_t flip, const ck_scales *scales, float *y, size_t ldy) {
    run(CK_W_INT8, m, first, count, k, x, ldx, w, ldw, scales, (int32_t)(int8_t)flip, NULL, 1, y, ldy);
}

void ck_matmul_int4(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const uint32_t *w,
                    size_t ldw, const ck_scales *scales, float *y, size_t ldy) {
    run(CK_W_INT4, m, first, count, k, x, ldx, w, ldw * sizeof(uint32_t), scales, 0, int4_values, 1, y, ldy);
}

void ck_matmul_fp4(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx, const uint8_t *w,
                   size_t ldw, const ck_scales *scales, float *y, size_t ldy) {
    run(CK_W_FP4, m, first, count, k, x, ldx, w, ldw, scales, 0, fp4_values, 1, y, ldy);
}

void ck_quantize_int8(size_t m, size_t k, const float *x, size_t ldx, int8_t *q, size_t ldq, float *scales) {
    table()->quantize_int8(m, k, x, ldx, q, ldq, scales);
}

void ck_int8_row_sums(size_t rows, size_t k, const int8_t *w, size_t ldw, int32_t *sums) {
    for (size_t o = 0; o < rows; o++) {
        int32_t sum = 0;
        for (size_t c = 0; c < k; c++) sum += w[o * ldw + c];
        sums[o] = sum;
    }
}

void ck_matmul_w8a8(size_t m, size_t first, size_t count, size_t k, const int8_t *q, size_t ldq, const float *x_scales,
                    const int8_t *w, size_t ldw, const int32_t *w_sums, const float *w_scales, float *y, size_t ldy) {
    if (m == 0 || count == 0) return;
    table()->matmul_w8a8(m, first, count, k, q, ldq, x_scales, w, ldw, w_sums, w_scales, y, ldy);
}

size_t ck_mse_scratch_floats(size_t group_size) { return CK_MAX_LANES * group_size; }

void ck_mse_errors(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                   const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                   float *errors) {
    if (groups == 0 || group_size == 0 || steps == 0) return;
    table()->mse_errors(grid, groups, group_size, values, lo, hi, factors, steps, scratch, errors, NULL);
}

void ck_mse_improvements(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                         const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                         uint64_t *improvements) {
    if (groups == 0 || steps == 0) return;
    table()->mse_errors(grid, groups, group_size, values, lo, hi, factors, steps, scratch, NULL, improvements);
}

void ck_fp8_block_row_bf16(size_t columns, const uint8_t *codes, const float *scales, size_t block, uint16_t *out) {
    if (columns == 0 || block == 0) return;
    table()->fp8_block_row_bf16(columns, codes, scales, block, out);
}

void ck_group_maxima16(size_t groups, const uint16_t *values, uint16_t *maxima) {
    if (groups == 0) return;
    table()->group_maxima16(groups, values, maxima);
}

void ck_nvfp4_quantize(ck_mse_dtype dtype, size_t groups, const uint16_t *values, const uint16_t *maxima, float global,
                       uint8_t *packed, uint8_t *scale_codes) {
    if (groups == 0) return;
    table()->nvfp4_quantize(dtype, groups, values, maxima, global, packed, scale_codes);
}

size_t ck_gptq_scratch_floats(size_t width) { return CK_GPTQ_SCRATCH_TILES * CK_GPTQ_TILE_ROWS * width; }

void ck_gptq_columns(const ck_gptq_grid *grid, size_t first, size_t count, size_t width, const size_t *columns,
                     float *w, size_t ldw, const float *h, size_t ldh, float *errors, float *row_loss,
                     float *scratch) {
    if (count == 0 || width == 0) return;
    table()->gptq_columns(grid, first, count, width, columns, w, ldw, h, ldh, errors, row_loss, scratch);
}
