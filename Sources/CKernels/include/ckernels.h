/* Matrix kernels of the runtime's linear layers: y = x · Wᵀ for f32 activations x and weights W
 * stored as f32, bf16, FP8 E4M3, int8, packed int4 or FP4 E2M1, and the int8 × int8 product of
 * W8A8. The interface knows pointers, strides, scales and group sizes only, not checkpoint formats.
 *
 * Every kernel has three implementations (AVX-512, AVX2/FMA, portable C); one is chosen once, on
 * first use, from the environment variable COMPRESS_KERNELS (portable, avx2 or avx512) or else the
 * best this CPU runs. Kernels allocate nothing on the heap, except ck_matmul_f32/bf16 for more than
 * a few rows of x, and are safe to call from several threads on disjoint output ranges.
 */
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An implementation of the kernels; CK_CHOSEN is the one the process chose at start. */
typedef enum {
    CK_CHOSEN = -1,
    CK_PORTABLE = 0,
    CK_AVX2 = 1,
    CK_AVX512 = 2,
} ck_path;

/* The implementation kernels called on this thread use: the one ck_use_path set on it, else the
 * process's (chosen on first use). */
ck_path ck_current_path(void);

/* "portable", "avx2" or "avx512" (CK_CHOSEN: the process's). */
const char *ck_path_name(ck_path path);

/* Whether this CPU runs `path` (AVX-512 needs F, BW, VL, DQ and VNNI; AVX2 needs FMA and F16C). */
int ck_path_supported(ck_path path);

/* Makes `path` the one kernels called on this thread use (for tests and benchmarks; CK_CHOSEN
 * goes back to the process's); returns 0 and changes nothing when this CPU cannot run it. */
int ck_use_path(ck_path path);

/* The scales (and zero points) of a quantized weight: row o, column c has scale
 * values[(o / block_rows) * stride + c / group] and, when zero_points is not NULL, the zero point
 * at the same index: w = (q − zero) · scale. A per-tensor scale is block_rows = rows,
 * group = columns; per channel block_rows = 1, group = columns; a group scale block_rows = 1; a
 * block scale both. */
typedef struct {
    const float *values;
    const float *zero_points;
    size_t block_rows;
    size_t group;
    size_t stride;
} ck_scales;

/* The fused kernels below read weights in whole groups of 16 lanes: they take a weight only when
 * each group lies inside such a run or is a whole number of them (the condition differs by
 * format). Returns whether the kernel of that format takes `scales` for rows of `columns`. */
int ck_fp8_takes(const ck_scales *scales, size_t columns);
int ck_int8_takes(const ck_scales *scales, size_t columns);
int ck_int4_takes(const ck_scales *scales, size_t columns);
int ck_fp4_takes(const ck_scales *scales, size_t columns);

/* The largest |x[i]| for i < n (0 when n is 0), NaNs skipped: the absmax of a dynamic scale. */
float ck_largest_magnitude(const float *x, size_t n);

/* destination[c·rows + r] = source[r·stride + c] for r < rows, c < columns: the transpose, packed,
 * of a rows × columns matrix whose rows lie stride values apart. */
void ck_transpose_f32(const float *source, size_t rows, size_t columns, size_t stride, float *destination);

/* y[r·ldy + o] = Σ_c x[r·ldx + c] · w[o·ldw + c] for rows r < m of x and outputs
 * first ≤ o < first + count. */
void ck_matmul_f32(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                   const float *w, size_t ldw, float *y, size_t ldy);

/* As ck_matmul_f32 with bf16 weights (the top halves of f32s), widened exactly. */
void ck_matmul_bf16(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                    const uint16_t *w, size_t ldw, float *y, size_t ldy);

/* The product of a bf16 model (PyTorch's bf16 Linear on a CPU with AVX512_BF16, what calibrating
 * a bf16 checkpoint in bf16 computes): each row of x rounded to bf16 (nearest even), times bf16
 * weights (ldw values a row), accumulated in f32: y[r·ldy + o] for rows r < m and outputs
 * first ≤ o < first + count is, from zero, for each pair of columns (2p, 2p + 1) in order (a column
 * k, past the last, counted as zero), sum += bf16(x[2p+1])·w[2p+1], then sum += bf16(x[2p])·w[2p],
 * each product exact and each sum rounded once: the order of AVX512_BF16's vdpbf16ps, which the
 * AVX-512 path runs when the CPU has it (see ck_bf16_instructions) and every other path emulates
 * with FMAs. Every path gives the same bits on inputs without denormals (the instruction reads
 * them as zero and flushes denormal sums; NaN payloads may differ). Twice the multiply-adds a cycle
 * of ck_matmul_bf16 with the instruction; lays the rounded rows of x and a panel of weights out in the
 * calling thread's scratch. */
void ck_matmul_bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                           const uint16_t *w, size_t ldw, float *y, size_t ldy);

/* Whether ck_matmul_bf16_inputs runs vdpbf16ps on this thread: the AVX-512 path on a CPU with
 * AVX512_BF16, unless ck_use_bf16_instructions(0) turned it off. */
int ck_bf16_instructions(void);

/* Turns AVX512_BF16's instructions on (1, the default) or off (0: the AVX-512 path emulates them,
 * as on a CPU without them) on this thread, for tests and benchmarks; returns 0 and changes nothing
 * when turning them on on a CPU without them. */
int ck_use_bf16_instructions(int use);

/* ---- Split products: bf16 weights times f32 inputs for three quarters of ck_matmul_bf16's
 * multiply instructions, with an error a few percent of bf16 rounding's, on CPUs with AVX512_BF16
 * (and the VNNI the AVX-512 path has). Each input x is split into hi = bf16(x) (nearest even) and
 * lo = x − hi; y sums hi·w exactly in f32 (vdpbf16ps) plus lo·w in int8 (lo quantized per row of
 * x, w per output, both scale = max |value| / 127; the codes' products summed exactly in int32 by
 * vpdpbusd), scaled once into each sum. ---- */

/* Whether this thread runs the split products: the AVX-512 path on a CPU with AVX512_BF16 (see
 * ck_bf16_instructions); callers decide by it once a product. On a CPU without AVX512_BF16,
 * ck_split_pack packs nothing and ck_matmul_bf16_split is ck_matmul_bf16, on any thread. */
int ck_split_runs(void);

/* The calling thread's buffer (kept from call to call, like the kernels' own) for m packed rows
 * of k columns; NULL when memory is short, which the two functions below take: nothing is packed
 * and the product is ck_matmul_bf16's. */
void *ck_split_rows_buffer(size_t m, size_t k);

/* Rows first..<first+count of x packed into `packed`, a buffer for m rows of k columns (or NULL):
 * each row independent of the others, so threads may pack disjoint ranges. */
void ck_split_pack(size_t first, size_t count, size_t k, const float *x, size_t ldx, void *packed, size_t m);

/* The most columns the split products sum in int32: k · 255 · 127 stays below 2³¹. */
#define CK_SPLIT_MAX_COLUMNS 65536

/* y[r·ldy + o] ≈ Σ_c x[r·ldx + c] · w[o·ldw + c] for the m rows of x that `packed` holds and outputs
 * first ≤ o < first + count, by the split products; ck_matmul_bf16 (from x) when `packed` is NULL,
 * for more than CK_SPLIT_MAX_COLUMNS columns, on a CPU without AVX512_BF16, or when no buffer for a
 * panel could be had. */
void ck_matmul_bf16_split(size_t m, size_t first, size_t count, size_t k, const void *packed, const float *x,
                          size_t ldx, const uint16_t *w, size_t ldw, float *y, size_t ldy);

/* As ck_matmul_f32 with FP8 E4M3 weight codes (one byte each, ldw bytes a row; the NaN codes
 * 0x7F/0xFF read as ±480) and their scales. Needs ck_fp8_takes. */
void ck_matmul_fp8(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                   const uint8_t *w, size_t ldw, const ck_scales *scales, float *y, size_t ldy);

/* As ck_matmul_f32 with 8-bit integer weights: q = (int8_t)(byte ^ flip), so flip 0 reads signed
 * bytes and flip 0x80 unsigned bytes stored as q + 128 (8-bit pack-quantized words). Needs
 * ck_int8_takes. */
void ck_matmul_int8(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                    const uint8_t *w, size_t ldw, uint8_t flip, const ck_scales *scales, float *y, size_t ldy);

/* As ck_matmul_f32 with 4-bit integer weights packed eight to a 32-bit word, column c of a row in
 * bits 4·(c mod 8) of word c / 8, stored as q + 8 (ldw words a row). Needs ck_int4_takes. */
void ck_matmul_int4(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                    const uint32_t *w, size_t ldw, const ck_scales *scales, float *y, size_t ldy);

/* As ck_matmul_f32 with FP4 E2M1 weights two to a byte, the even column in the low nibble (ldw
 * bytes a row). Needs ck_fp4_takes. */
void ck_matmul_fp4(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                   const uint8_t *w, size_t ldw, const ck_scales *scales, float *y, size_t ldy);

/* Per-token dynamic int8 quantization as vLLM does it: for each row r < m of x, scale = absmax / 127
 * and q = x · (127 / absmax) rounded half to even and clamped to −128…127 (a row of zeros gives
 * zeros and scale 0). Writes q[r·ldq + c] and scales[r]. */
void ck_quantize_int8(size_t m, size_t k, const float *x, size_t ldx, int8_t *q, size_t ldq, float *scales);

/* Σ_c w[o·ldw + c] for `rows` rows of int8 weights: the correction ck_matmul_w8a8 needs. */
void ck_int8_row_sums(size_t rows, size_t k, const int8_t *w, size_t ldw, int32_t *sums);

/* W8A8: y[r·ldy + o] = ((float)Σ_c q[r·ldq + c] · w[o·ldw + c] · x_scales[r]) · w_scales[o], the
 * integer sum exact (k < 2^17), for rows r < m and outputs first ≤ o < first + count; w_sums
 * from ck_int8_row_sums. Bit-identical on every path. */
void ck_matmul_w8a8(size_t m, size_t first, size_t count, size_t k, const int8_t *q, size_t ldq,
                    const float *x_scales, const int8_t *w, size_t ldw, const int32_t *w_sums,
                    const float *w_scales, float *y, size_t ldy);

/* The candidates an MSE weight observer (llm-compressor's `_grid_search_mse`) tries on groups of
 * bf16 or f16 weights: each is compressed-tensors' fake_quantize with the scale (and zero point)
 * that calculate_qparams gives a shrunk range, every operation rounded to the weights' dtype R:
 *   range   lo' = min(R(lo·p), 0), hi' = max(R(hi·p), 0) for the step's factor p;
 *   INT     symmetric s = R(max(−lo', hi') / ((qmax − qmin) / 2)), z = 0; asymmetric
 *           s = R(R(hi' − lo') / (qmax − qmin)), z = round_even(clamp(R(qmin − R(lo' / s)))) (NaN → 0);
 *           q(x) = R((round_even(clamp(R(R(x / s) + z), qmin, qmax)) − z) · s);
 *   FP8/FP4 s = R(max(−lo', hi') / 448 or 6), q(x) = R(e(clamp(R(x / s), ±448 or ±6)) · s), e rounding
 *           to the nearest E4M3 / E2M1 value, ties to even;
 * a zero s becomes eps. The error of a candidate is Σ power[|R(q(x) − x)|] over the group's values
 * in order, summed in f32 and not rounded, power being indexed by the magnitude bits of the dtype. */
typedef enum { CK_MSE_BF16 = 0, CK_MSE_F16 = 1 } ck_mse_dtype;
typedef enum { CK_MSE_INT = 0, CK_MSE_FP8 = 1, CK_MSE_FP4 = 2 } ck_mse_element;

/* The bf16 power table (ck_mse_grid.power) in parts small enough for vector registers, for
 * exponents p with 32p an integer below 124 (norm 2.4 is 2.40625 = 77/32 in bf16): a magnitude
 * 2^(E−127)·(1 + m/128) (biased exponent E, 7 mantissa bits m) has the power
 *   R(R(2^(p·j) · (1 + m/128)^p) · 2^(32p·(c − 4))), j = (E + 1) mod 32, c = (E + 1) div 32,
 * the inner product in f32 and R rounding to bf16, which equals the table wherever the table's
 * value is a normal float: every magnitude from `smallest_exponent` on is checked against the
 * table when the parts are made. The AVX-512 path computes the power so (zero's as zero), without
 * a gather; smaller magnitudes, and the other paths, look the table up. */
typedef struct {
    float exponent_powers[32];  /* R(2^(p·j)) */
    float mantissa_powers[128]; /* R((1 + m/128)^p) */
    float scale_exponents[16];  /* 32p·(c − 4) for c ≤ 8, zeros past */
    int32_t smallest_exponent;  /* the smallest biased exponent E computed from the parts */
} ck_mse_power_parts;

/* The parts of `table` (the 32768 bf16 powers of ck_mse_grid.power) for exponent p, into parts;
 * 0 when p is not of that form or the parts cover too few magnitudes (then the table is used). */
int ck_mse_power_parts_make(double p, const float *table, ck_mse_power_parts *parts);

typedef struct {
    ck_mse_dtype dtype;
    ck_mse_element element;
    int symmetric;      /* INT only; FP8 and FP4 are symmetric */
    float qmin, qmax;   /* INT only */
    float eps;          /* the scale that replaces a zero scale */
    const float *power; /* |d|^norm rounded to the dtype for each of the 32768 magnitude bit patterns */
    const ck_mse_power_parts *parts; /* bf16 only, optional: the table in parts (ck_mse_power_parts_make) */
} ck_mse_grid;

/* Floats of scratch ck_mse_errors needs for groups of `group_size` values. */
size_t ck_mse_scratch_floats(size_t group_size);

/* errors[g·steps + i] = the error of step i's candidate (factor factors[i]) on group g, for
 * `groups` groups of `group_size` consecutive finite values (values + g·group_size) whose range is
 * [lo[g], hi[g]]. Identical on every path. */
void ck_mse_errors(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                   const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                   float *errors);

/* The steps at which an MSE search improves each group, with the arguments of ck_mse_errors: bit
 * i % 64 of improvements[g·words + i / 64] (words = ⌈steps / 64⌉, every one written) is set when
 * step i's error on group g, rounded to the dtype, is below every earlier step's (step 0's below
 * the dtype's largest finite value). Identical on every path. */
void ck_mse_improvements(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                         const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                         uint64_t *improvements);

/* NVFP4 weights as compressed-tensors writes them, for `groups` groups of 16 consecutive bf16 or
 * f16 values (the dtype as in ck_mse_dtype), with the global scale `global`: group g's scale is
 * s = R(m / 6) for the dtype value m of bits maxima[g] (its largest magnitude, or the range an
 * observer chose), R rounding to the dtype; its scale code scale_codes[g] is the E4M3 code of
 * global · s (float32, nearest even, saturating at 448; a zero code becomes 0x20, a NaN product
 * 0x7F); each value x becomes the FP4 E2M1 code of x / (e4m3(code) / global), both divisions in
 * float32, with cast_to_fp4's ties (see FP4E2M1.encode) and bit 3 set for x / … < 0, packed two a
 * byte at packed + 8·g, the even value in the low nibble (a 0x7F group writes zero bytes).
 * Identical on every path. */
void ck_nvfp4_quantize(ck_mse_dtype dtype, size_t groups, const uint16_t *values, const uint16_t *maxima, float global,
                       uint8_t *packed, uint8_t *scale_codes);

/* maxima[g] = the largest of values[16·g + c] & 0x7FFF for c < 16 and g < groups: the bits of
 * each group's largest magnitude for bf16 and f16 values (at or above the dtype's infinity
 * when the group holds NaN or Inf). Identical on every path. */
void ck_group_maxima16(size_t groups, const uint16_t *values, uint16_t *maxima);

/* A row of an FP8 block weight dequantized as compressed-tensors' FP8BlockDequantizer does it:
 * out[c] = the bf16 bits, nearest even, of the float32 product e4m3(codes[c]) · scales[c / block]
 * for c < columns; a NaN product and the NaN codes 0x7F and 0xFF give 0x7FC0. Identical on every path. */
void ck_fp8_block_row_bf16(size_t columns, const uint8_t *codes, const float *scales, size_t block, uint16_t *out);

/* GPTQ's column loop (llm-compressor's quantize_weight, one block of `width` columns) on integer
 * weights, for rows first ≤ r < first + count of the working weight: row r of the block at
 * w + r·ldw, its columns in quantization order, column i being column columns[i] of the weight;
 * h + i·ldh is row i of the inverse Hessian factor's block (h[i·ldh + i] its diagonal). For each
 * column i in order, each row's value x becomes q = fq(x), and
 *   e = (x − q) / h[i·ldh + i], errors[r·width + i] = e,
 *   w[j] = w[j] − e·h[i·ldh + j] for i < j < width (the product rounded, then the difference),
 * and row_loss[r] += (Σ_i e·e, summed in column order from 0) / 2. With the scale s and zero
 * point z of row r, column columns[i] (`scales`, as ck_scales reads them; z only when not symmetric):
 *   symmetric   fq(x) = R(round_even(clamp(x / s)) · s),
 *   asymmetric  fq(x) = R((round_even(clamp(x / s + z)) − z) · s),
 * clamp(v) = min(max(v, qmin), qmax) with a NaN v kept, R rounding to the weight's dtype, nearest
 * even (bf16 on the bits: (u + 0x7FFF + bit 16) with the low half cleared; f16 as IEEE, a NaN
 * becoming the quiet NaN of its sign; f32 none). `scratch` holds ck_gptq_scratch_floats(width)
 * floats. Identical on every path. */
typedef enum { CK_GPTQ_BF16 = 0, CK_GPTQ_F16 = 1, CK_GPTQ_F32 = 2 } ck_gptq_dtype;

typedef struct {
    ck_gptq_dtype dtype;
    int symmetric;
    float qmin, qmax;
    ck_scales scales;
} ck_gptq_grid;

/* Rows ck_gptq_columns works on at once on the widest path: ranges of rows that are multiples of
 * it (all but the last) fill every tile on every path. */
#define CK_GPTQ_TILE_ROWS 32

/* Floats of scratch ck_gptq_columns needs for a block of `width` columns. */
size_t ck_gptq_scratch_floats(size_t width);

void ck_gptq_columns(const ck_gptq_grid *grid, size_t first, size_t count, size_t width, const size_t *columns,
                     float *w, size_t ldw, const float *h, size_t ldh, float *errors, float *row_loss,
                     float *scratch);

#ifdef __cplusplus
}
#endif

#endif
