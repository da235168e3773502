/* The SIMD kernels, written once against the primitives of simd_avx512.h or simd_avx2.h (whichever
 * the including file put in scope, with CK_TABLE naming the table to define).
 *
 * Few rows of x (decoding): each weight vector is decoded in registers and multiplied with up to
 * CK_GEMV_ROWS rows of x at once, several outputs at a time; weights are read once per pass.
 * Packed 4- and 8-bit integer words take their own GEMV (simd_packed_gemv.h), without a lookup.
 * More rows (prefill, scoring): CK_DECODED_ROWS weight rows at a time are decoded to f32 (scales
 * applied) into a buffer, then multiplied with every row of x of one pass (about CK_X_BYTES of x)
 * by a register-tiled dot-product kernel of CK_GEMM_ROWS × CK_GEMM_OUTPUTS accumulators. */
#include <stdlib.h>
#include "kernels.h"
#include "simd_panel.h"

/* Rows of x multiplied together with one decoded weight vector. */
#define CK_GEMV_ROWS 4
/* Weight rows decoded to f32 at a time (they stay in L2), and rows of x multiplied with them per
 * pass (they stay in L1). */
#define CK_DECODED_ROWS 32
#define CK_X_ROWS 8

ALWAYS_INLINE vf decode(const int kind, const uint8_t *p, const ck_weights *w) {
    switch (kind) {
    case CK_W_F32: return decode_f32(p);
    case CK_W_BF16: return decode_bf16(p);
    case CK_W_FP8: return decode_fp8(p);
    case CK_W_INT8: return decode_int8(p, w->flip_mask);
    case CK_W_INT4: return decode_int4(p, w->table);
    default: return decode_fp4(p, w->table);
    }
}

/* The first n < CK_LANES columns at p, through a zeroed copy so that nothing past them is read;
 * the lanes after them are finite. */
ALWAYS_INLINE vf decode_n(const int kind, const uint8_t *p, size_t n, const ck_weights *w) {
    uint8_t copy[64] = {0};
    memcpy(copy, p, (n * (size_t)ck_bits(kind) + 7) / 8);
    return decode(kind, copy, w);
}

/* One vector of columns c..<c+n (n ≤ CK_LANES, a whole vector unless it ends the row) of R rows of
 * x and O weight rows into acc[r·O + j]; scaled by scale[j][gi] when scale is not NULL. */
ALWAYS_INLINE void gemv_step(const int kind, const int R, const int O, size_t c, size_t n, const float *x, size_t ldx,
                             const uint8_t *const *row, const float *const *scale, size_t gi, const ck_weights *w,
                             vf *acc) {
    const size_t bits = (size_t)ck_bits(kind);
    vf xv[CK_GEMV_ROWS];
    CK_UNROLL
    for (int r = 0; r < R; r++) xv[r] = n == CK_LANES ? vf_load(x + r * ldx + c) : vf_load_n(x + r * ldx + c, n);
    CK_UNROLL
    for (int j = 0; j < O; j++) {
        vf v = n == CK_LANES ? decode(kind, row[j] + c * bits / 8, w) : decode_n(kind, row[j] + c * bits / 8, n, w);
        if (scale) v = vf_mul(v, vf_set1(scale[j][gi]));
        CK_UNROLL
        for (int r = 0; r < R; r++) acc[r * O + j] = vf_fma(v, xv[r], acc[r * O + j]);
    }
}

/* R rows of x (a constant after inlining) times outputs first..<first+count, O outputs at a time
 * (R·O ≤ CK_LANES accumulators, so that the FMAs of one step do not wait on each other). A
 * partial block repeats its last output, whose results are dropped. With several scale groups a
 * row, each decoded vector is scaled before it is accumulated; one group is scaled at the end. */
ALWAYS_INLINE void gemv_rows(const int kind, const int R, const int O, size_t first, size_t count, size_t k,
                             const float *x, size_t ldx, const ck_weights *w, const float *x_sums, float *y, size_t ldy) {
    const ck_scales *s = w->scales;
    const size_t g = s && s->group < k ? s->group : k, groups = (k + g - 1) / g;
    for (size_t o0 = first; o0 < first + count; o0 += (size_t)O) {
        size_t outputs = first + count - o0 < (size_t)O ? first + count - o0 : (size_t)O;
        const uint8_t *row[CK_LANES];
        const float *scale[CK_LANES];
        CK_UNROLL
        for (int j = 0; j < O; j++) {
            size_t o = o0 + ((size_t)j < outputs ? (size_t)j : outputs - 1);
            row[j] = w->data + o * w->row_bytes;
            scale[j] = s ? s->values + (o / s->block_rows) * s->stride : NULL;
        }
        vf acc[CK_LANES];
        CK_UNROLL
        for (int i = 0; i < CK_LANES; i++) acc[i] = vf_zero();
        for (size_t c0 = 0, gi = 0; c0 < k; c0 += g, gi++) {
            size_t c1 = c0 + g < k ? c0 + g : k;
            size_t c = c0;
            for (; c + CK_LANES <= c1; c += CK_LANES)
                gemv_step(kind, R, O, c, CK_LANES, x, ldx, row, groups > 1 ? scale : NULL, gi, w, acc);
            if (c < c1) gemv_step(kind, R, O, c, c1 - c, x, ldx, row, groups > 1 ? scale : NULL, gi, w, acc);
        }
        float sums[CK_LANES];
        vf_store(sums, vf_sums(acc));
        for (size_t j = 0; j < outputs; j++) {
            float times = groups > 1 || !s ? w->unit : scale[j][0] * w->unit;
            CK_UNROLL
            for (int r = 0; r < R; r++) {
                float v = sums[r * O + (int)j] * times;
                if (x_sums) v -= ck_zero_point_term(s, o0 + j, x_sums + r * groups, groups);
                y[r * ldy + o0 + j] = v;
            }
        }
    }
}

ALWAYS_INLINE void gemv(const int kind, size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                        const ck_weights *w, float *y, size_t ldy) {
    for (size_t r0 = 0; r0 < m; r0 += CK_GEMV_ROWS) {
        size_t rows = m - r0 < CK_GEMV_ROWS ? m - r0 : CK_GEMV_ROWS;
        const float *xr = x + r0 * ldx;
        float *yr = y + r0 * ldy;
        float sums[CK_GEMV_ROWS * CK_MAX_ZERO_POINT_GROUPS];
        const float *x_sums = NULL;
        if (w->scales && w->scales->zero_points) {
            ck_group_sums(rows, k, xr, ldx, w->scales->group, sums);
            x_sums = sums;
        }
        switch (rows) {
        case 1: gemv_rows(kind, 1, CK_LANES, first, count, k, xr, ldx, w, x_sums, yr, ldy); break;
        case 2: gemv_rows(kind, 2, CK_LANES / 2, first, count, k, xr, ldx, w, x_sums, yr, ldy); break;
        case 3: gemv_rows(kind, 3, CK_LANES / 4, first, count, k, xr, ldx, w, x_sums, yr, ldy); break;
        default: gemv_rows(kind, 4, CK_LANES / 4, first, count, k, xr, ldx, w, x_sums, yr, ldy); break;
        }
    }
}

/* Weight rows first..<first+count decoded and scaled into `out` (rows `ld` apart, ld a multiple of
 * CK_LANES ≥ k; the columns past k hold finite values, multiplied by zeros). */
ALWAYS_INLINE void decode_rows(const int kind, const ck_weights *w, size_t first, size_t count, size_t k, float *out,
                               size_t ld) {
    const ck_scales *s = w->scales;
    const size_t bits = (size_t)ck_bits(kind);
    const size_t g = s && s->group < k ? s->group : k;
    for (size_t i = 0; i < count; i++) {
        size_t o = first + i;
        const uint8_t *row = w->data + o * w->row_bytes;
        size_t index = s ? (o / s->block_rows) * s->stride : 0;
        for (size_t c0 = 0, gi = 0; c0 < k; c0 += g, gi++) {
            size_t c1 = c0 + g < k ? c0 + g : k;
            float scale = s ? s->values[index + gi] : 1.0f;
            vf times = vf_set1(scale * w->unit);
            vf shift = vf_set1(s && s->zero_points ? -s->zero_points[index + gi] * scale : 0.0f);
            for (size_t c = c0; c < c1; c += CK_LANES) {
                vf v = c + CK_LANES <= c1 ? decode(kind, row + c * bits / 8, w) : decode_n(kind, row + c * bits / 8, c1 - c, w);
                vf_store(out + i * ld + c, vf_fma(v, times, shift));
            }
        }
    }
}

/* The CK_GEMM_ROWS × CK_GEMM_OUTPUTS dot products of rows x[r] and w[j] over k columns; results
 * for the first `rows` × `outputs` written to y[r·ldy + j]. */
#define CK_GEMM_TILE (CK_GEMM_ROWS * CK_GEMM_OUTPUTS)
#define CK_GEMM_SUMS ((CK_GEMM_TILE + CK_LANES - 1) / CK_LANES * CK_LANES)
ALWAYS_INLINE void tile(size_t k, const float *const *x, const float *const *w, size_t rows, size_t outputs, float *y,
                        size_t ldy) {
    vf acc[CK_GEMM_SUMS];
    CK_UNROLL
    for (int i = 0; i < CK_GEMM_SUMS; i++) acc[i] = vf_zero();
    size_t c = 0;
    for (; c + CK_LANES <= k; c += CK_LANES) {
        vf xv[CK_GEMM_ROWS];
        CK_UNROLL
        for (int r = 0; r < CK_GEMM_ROWS; r++) xv[r] = vf_load(x[r] + c);
        CK_UNROLL
        for (int j = 0; j < CK_GEMM_OUTPUTS; j++) {
            vf wv = vf_load(w[j] + c);
            CK_UNROLL
            for (int r = 0; r < CK_GEMM_ROWS; r++) acc[r * CK_GEMM_OUTPUTS + j] = vf_fma(xv[r], wv, acc[r * CK_GEMM_OUTPUTS + j]);
        }
    }
    if (c < k) {
        vf xv[CK_GEMM_ROWS];
        CK_UNROLL
        for (int r = 0; r < CK_GEMM_ROWS; r++) xv[r] = vf_load_n(x[r] + c, k - c);
        CK_UNROLL
        for (int j = 0; j < CK_GEMM_OUTPUTS; j++) {
            vf wv = vf_load_n(w[j] + c, k - c);
            CK_UNROLL
            for (int r = 0; r < CK_GEMM_ROWS; r++) acc[r * CK_GEMM_OUTPUTS + j] = vf_fma(xv[r], wv, acc[r * CK_GEMM_OUTPUTS + j]);
        }
    }
    float sums[CK_GEMM_SUMS];
    CK_UNROLL
    for (int i = 0; i < CK_GEMM_SUMS; i += CK_LANES) vf_store(sums + i, vf_sums(acc + i));
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < outputs; j++) y[r * ldy + j] = sums[r * CK_GEMM_OUTPUTS + j];
}

/* x (m rows) times `count` weight rows of f32 at `rows`, `ld` apart, into y columns 0..<count. A
 * partial tile repeats its last row of x or weight row, whose results are dropped. */
static void multiply_rows(size_t m, size_t count, size_t k, const float *x, size_t ldx, const float *rows, size_t ld,
                          float *y, size_t ldy) {
    for (size_t r0 = 0; r0 < m; r0 += CK_X_ROWS) {
        size_t chunk = m - r0 < CK_X_ROWS ? m - r0 : CK_X_ROWS;
        for (size_t j0 = 0; j0 < count; j0 += CK_GEMM_OUTPUTS) {
            size_t outputs = count - j0 < CK_GEMM_OUTPUTS ? count - j0 : CK_GEMM_OUTPUTS;
            const float *wp[CK_GEMM_OUTPUTS];
            for (size_t j = 0; j < CK_GEMM_OUTPUTS; j++) wp[j] = rows + (j0 + (j < outputs ? j : outputs - 1)) * ld;
            for (size_t i0 = 0; i0 < chunk; i0 += CK_GEMM_ROWS) {
                size_t n = chunk - i0 < CK_GEMM_ROWS ? chunk - i0 : CK_GEMM_ROWS;
                const float *xp[CK_GEMM_ROWS];
                for (size_t r = 0; r < CK_GEMM_ROWS; r++) xp[r] = x + (r0 + i0 + (r < n ? r : n - 1)) * ldx;
                tile(k, xp, wp, n, outputs, y + (r0 + i0) * ldy + j0, ldy);
            }
        }
    }
}

/* Bytes of x that one pass over the weights multiplies: they stay in L2 while the weights stream. */
#define CK_X_BYTES (1u << 20)

ALWAYS_INLINE void gemm(const int kind, size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                        const ck_weights *w, float *y, size_t ldy) {
    size_t ld = (k + CK_LANES - 1) / CK_LANES * CK_LANES;
    float *buffer = NULL;
    if (kind != CK_W_F32 && !(buffer = ck_scratch(CK_SCRATCH_DECODED, CK_DECODED_ROWS * ld * sizeof(float)))) {
        gemv(kind, m, first, count, k, x, ldx, w, y, ldy);
        return;
    }
    /* Rows of x per pass: as many whole CK_X_ROWS chunks as CK_X_BYTES hold, at least one. */
    size_t block = k ? CK_X_BYTES / (k * sizeof(float)) / CK_X_ROWS * CK_X_ROWS : m;
    if (block < CK_X_ROWS) block = CK_X_ROWS;
    for (size_t r0 = 0; r0 < m; r0 += block) {
        size_t rows = m - r0 < block ? m - r0 : block;
        const float *xr = x + r0 * ldx;
        float *yr = y + r0 * ldy;
        for (size_t o0 = first; o0 < first + count; o0 += CK_DECODED_ROWS) {
            size_t n = first + count - o0 < CK_DECODED_ROWS ? first + count - o0 : CK_DECODED_ROWS;
            if (kind == CK_W_F32) {
                multiply_rows(rows, n, k, xr, ldx, (const float *)(w->data + o0 * w->row_bytes), w->row_bytes / sizeof(float), yr + o0, ldy);
            } else {
                decode_rows(kind, w, o0, n, k, buffer, ld);
                multiply_rows(rows, n, k, xr, ldx, buffer, ld, yr + o0, ldy);
            }
        }
    }
}

/* ---- Many rows (calibration's batches, scoring): packed panels ----
 *
 * CK_PANEL_OUTPUTS weight rows at a time are decoded (as decode_rows does) and laid out column by
 * column in a panel (panel[c·CK_PANEL_OUTPUTS + j] = w[o0 + j][c], zeros past the last output),
 * which stays in L2 while every row of x streams past it: CK_PANEL_ROWS rows of x at a time
 * multiply it with outer-product steps (one broadcast of x[r][c] times each panel vector), each
 * output the sum of its products in column order. The panel's shape is simd_panel.h's. */
/* R rows of x (rows ≤ R of them stored) times the panel's n ≤ CK_PANEL_OUTPUTS outputs into y. */
ALWAYS_INLINE void panel_rows(const int R, size_t k, const float *x, size_t ldx, const float *panel, size_t rows, size_t n,
                              float *y, size_t ldy) {
    const int V = CK_PANEL_VECTORS;
    vf acc[CK_PANEL_VECTORS * CK_PANEL_ROWS];
    CK_UNROLL
    for (int i = 0; i < V * R; i++) acc[i] = vf_zero();
    for (size_t c = 0; c < k; c++) {
        vf wv[CK_PANEL_VECTORS];
        CK_UNROLL
        for (int v = 0; v < V; v++) wv[v] = vf_load(panel + c * CK_PANEL_OUTPUTS + (size_t)v * CK_LANES);
        CK_UNROLL
        for (int r = 0; r < R; r++) {
            vf xv = vf_set1(x[r * ldx + c]);
            CK_UNROLL
            for (int v = 0; v < V; v++) acc[V * r + v] = vf_fma(xv, wv[v], acc[V * r + v]);
        }
    }
    panel_store(acc, rows, n, y, ldy);
}

/* Whether a format's panels are packed from the weights as stored (decoded in registers), not
 * through rows that decode_rows laid out first. */
#define CK_PACKS_DIRECTLY(kind) ((kind) == CK_W_F32 || (kind) == CK_W_BF16)

/* The panel of weight rows o0..<o0+n (n ≤ CK_PANEL_OUTPUTS): CK_LANES × CK_LANES blocks of
 * weights (f32 and bf16 as stored, other formats through `rows`, CK_PANEL_OUTPUTS rows `ld`
 * apart, which decode_rows fills) transposed in registers; zeros past the last output. */
ALWAYS_INLINE void pack_panel(const int kind, const ck_weights *w, size_t o0, size_t n, size_t k, float *rows, size_t ld,
                              float *panel) {
    const size_t bits = (size_t)ck_bits(kind);
    if (!CK_PACKS_DIRECTLY(kind)) decode_rows(kind, w, o0, n, k, rows, ld);
    for (size_t c = 0; c < k; c += CK_LANES) {
        size_t columns = k - c < CK_LANES ? k - c : CK_LANES;
        CK_UNROLL
        for (int h = 0; h < CK_PANEL_OUTPUTS / CK_LANES; h++) {
            vf v[CK_LANES];
            CK_UNROLL
            for (int i = 0; i < CK_LANES; i++) {
                size_t j = (size_t)(h * CK_LANES + i);
                if (j >= n) {
                    v[i] = vf_zero();
                } else if (CK_PACKS_DIRECTLY(kind)) {
                    const uint8_t *p = w->data + (o0 + j) * w->row_bytes + c * bits / 8;
                    v[i] = columns == CK_LANES ? decode(kind, p, w) : decode_n(kind, p, columns, w);
                } else {
                    v[i] = vf_load(rows + j * ld + c);
                }
            }
            vf_transpose(v);
            float *out = panel + c * CK_PANEL_OUTPUTS + (size_t)h * CK_LANES;
            CK_UNROLL
            for (int i = 0; i < CK_LANES; i++)
                if ((size_t)i < columns) vf_store(out + (size_t)i * CK_PANEL_OUTPUTS, v[i]);
        }
    }
}

/* x (m rows) times outputs first..<first+count, one panel at a time; false when no buffer could
 * be had. */
ALWAYS_INLINE int panel_gemm(const int kind, size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                             const ck_weights *w, float *y, size_t ldy) {
    size_t ld = (k + CK_LANES - 1) / CK_LANES * CK_LANES;
    float *panel = ck_scratch(CK_SCRATCH_PANEL, k * CK_PANEL_OUTPUTS * sizeof(float));
    float *rows = CK_PACKS_DIRECTLY(kind) || !panel ? NULL : ck_scratch(CK_SCRATCH_DECODED, CK_PANEL_OUTPUTS * ld * sizeof(float));
    if (!panel || (!CK_PACKS_DIRECTLY(kind) && !rows)) return 0;
    for (size_t o0 = first; o0 < first + count; o0 += CK_PANEL_OUTPUTS) {
        size_t n = first + count - o0 < CK_PANEL_OUTPUTS ? first + count - o0 : CK_PANEL_OUTPUTS;
        pack_panel(kind, w, o0, n, k, rows, ld, panel);
        size_t r0 = 0;
        for (; r0 + CK_PANEL_ROWS <= m; r0 += CK_PANEL_ROWS)
            panel_rows(CK_PANEL_ROWS, k, x + r0 * ldx, ldx, panel, CK_PANEL_ROWS, n, y + r0 * ldy + o0, ldy);
        for (; r0 + 4 <= m; r0 += 4) panel_rows(4, k, x + r0 * ldx, ldx, panel, 4, n, y + r0 * ldy + o0, ldy);
        for (; r0 < m; r0++) panel_rows(1, k, x + r0 * ldx, ldx, panel, 1, n, y + r0 * ldy + o0, ldy);
    }
    return 1;
}

#include "simd_packed_gemv.h"
#include "simd_bf16_gemv.h"
#include "simd_bf16_inputs.h"

/* Few rows: packed integer weights by packed_gemv where it takes their layout, bf16 weights by
 * bf16_gemv, else gemv; many rows by panel_gemm; between them (or without a panel's buffer) gemm. */
ALWAYS_INLINE void matmul(const int kind, size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                          const ck_weights *w, float *y, size_t ldy) {
    if (m >= CK_PANEL_MIN_ROWS && panel_gemm(kind, m, first, count, k, x, ldx, w, y, ldy)) return;
    if (m > CK_GEMV_MAX_ROWS) gemm(kind, m, first, count, k, x, ldx, w, y, ldy);
    else if (!((kind == CK_W_INT4 || kind == CK_W_INT8) && packed_gemv(kind, m, first, count, k, x, ldx, w, y, ldy)) &&
             !(kind == CK_W_BF16 && bf16_gemv(m, first, count, k, x, ldx, w, y, ldy)))
        gemv(kind, m, first, count, k, x, ldx, w, y, ldy);
}

CK_MATMUL_FORMATS(matmul)

static void matmul_bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                               const ck_weights *w, float *y, size_t ldy) {
    bf16_inputs(m, first, count, k, x, ldx, w, y, ldy);
}

static void quantize_int8(size_t m, size_t k, const float *x, size_t ldx, int8_t *q, size_t ldq, float *scales) {
    for (size_t r = 0; r < m; r++) {
        float absmax = vf_absmax(x + r * ldx, k);
        scales[r] = absmax / 127.0f;
        if (absmax > 0) quantize_row(x + r * ldx, k, 127.0f / absmax, q + r * ldq);
        else memset(q + r * ldq, 0, k);
    }
}

/* ---- W8A8 ---- */

/* Σ_c q[r][c]·w[j][c] for R rows and C weight rows (R·C = CK_LANES), plus CK_I8_BIAS·Σw, into
 * sums[r·C + j]. One or two rows of q (decoding) take the weight rows one after the other, so that
 * the weights are read front to back as one stream the hardware prefetcher follows (C rows side by
 * side took twice the CPU time on SmolLM2-135M's matrices); tiles of more rows, which multiply
 * weights chunked to stay in cache, go step by step and load each q vector once for C weight rows
 * (row by row, they took 1.4x the time on 512 rows). The integer sums are the same either way. */
ALWAYS_INLINE void tile_i8(const int R, const int C, size_t k, const int8_t *const *q, const int8_t *const *w,
                           int32_t *sums) {
    vacc acc[CK_LANES];
    CK_UNROLL
    for (int i = 0; i < CK_LANES; i++) acc[i] = acc_zero();
    if (R <= 2) {
        CK_UNROLL
        for (int j = 0; j < C; j++)
            for (size_t c = 0; c < k; c += CK_I8_STEP) {
                size_t n = k - c;
                vi wv = i8_load_w(w[j] + c, n);
                CK_UNROLL
                for (int r = 0; r < R; r++) acc[r * C + j] = i8_dot(acc[r * C + j], i8_load_x(q[r] + c, n), wv);
            }
    } else {
        for (size_t c = 0; c < k; c += CK_I8_STEP) {
            size_t n = k - c;
            vi wv[CK_LANES];
            CK_UNROLL
            for (int j = 0; j < C; j++) wv[j] = i8_load_w(w[j] + c, n);
            CK_UNROLL
            for (int r = 0; r < R; r++) {
                vi xv = i8_load_x(q[r] + c, n);
                CK_UNROLL
                for (int j = 0; j < C; j++) acc[r * C + j] = i8_dot(acc[r * C + j], xv, wv[j]);
            }
        }
    }
    acc_store(sums, acc_sums(acc));
}

/* Up to R rows of q (the last repeated to fill R) times outputs first..<first+count, C at a time. */
ALWAYS_INLINE void w8a8_rows(const int R, const int C, size_t rows, size_t first, size_t count, size_t k,
                             const int8_t *q, size_t ldq, const float *x_scales, const int8_t *w, size_t ldw,
                             const int32_t *w_sums, const float *w_scales, float *y, size_t ldy) {
    const int8_t *qp[CK_LANES];
    CK_UNROLL
    for (int r = 0; r < R; r++) qp[r] = q + ((size_t)r < rows ? (size_t)r : rows - 1) * ldq;
    for (size_t j0 = first; j0 < first + count; j0 += (size_t)C) {
        size_t outputs = first + count - j0 < (size_t)C ? first + count - j0 : (size_t)C;
        const int8_t *wp[CK_LANES];
        CK_UNROLL
        for (int j = 0; j < C; j++) wp[j] = w + (j0 + ((size_t)j < outputs ? (size_t)j : outputs - 1)) * ldw;
        int32_t sums[CK_LANES];
        tile_i8(R, C, k, qp, wp, sums);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < outputs; j++) {
                int32_t dot = sums[r * (size_t)C + j] - CK_I8_BIAS * w_sums[j0 + j];
                y[r * ldy + j0 + j] = ((float)dot * x_scales[r]) * w_scales[j0 + j];
            }
    }
}

#if CK_LANES == 16
#include "simd_w8a8_panel.h"
#endif

/* Outputs in chunks of about 512 KiB of weights, each multiplied with every row of q: CK_TILE_ROWS
 * rows at a time, and one or two remaining rows with tiles of more outputs; on AVX-512, from
 * CK_PANEL_MIN_ROWS rows on, by panels (simd_w8a8_panel.h). */
static void matmul_w8a8(size_t m, size_t first, size_t count, size_t k, const int8_t *q, size_t ldq,
                        const float *x_scales, const int8_t *w, size_t ldw, const int32_t *w_sums, const float *w_scales,
                        float *y, size_t ldy) {
#if CK_LANES == 16
    if (m >= CK_PANEL_MIN_ROWS && w8a8_panels(m, first, count, k, q, ldq, x_scales, w, ldw, w_sums, w_scales, y, ldy)) return;
#endif
    size_t chunk = ((512u << 10) / (k ? k : 1)) / CK_LANES * CK_LANES;
    if (chunk < CK_LANES) chunk = CK_LANES;
    for (size_t o0 = first; o0 < first + count; o0 += chunk) {
        size_t n = first + count - o0 < chunk ? first + count - o0 : chunk;
        for (size_t i = 0; i < m;) {
            size_t left = m - i;
            const int8_t *qi = q + i * ldq;
            float *yi = y + i * ldy;
            if (left == 1) {
                w8a8_rows(1, CK_LANES, 1, o0, n, k, qi, ldq, x_scales + i, w, ldw, w_sums, w_scales, yi, ldy);
                i += 1;
            } else if (left == 2) {
                w8a8_rows(2, CK_LANES / 2, 2, o0, n, k, qi, ldq, x_scales + i, w, ldw, w_sums, w_scales, yi, ldy);
                i += 2;
            } else {
                size_t rows = left < CK_TILE_ROWS ? left : CK_TILE_ROWS;
                w8a8_rows(CK_TILE_ROWS, CK_TILE_OUTPUTS, rows, o0, n, k, qi, ldq, x_scales + i, w, ldw, w_sums, w_scales, yi, ldy);
                i += rows;
            }
        }
    }
}

#include "simd_mse.h"
#include "simd_nvfp4.h"
#include "simd_fp8_dequant.h"
#include "simd_gptq.h"

const ck_table CK_TABLE = CK_TABLE_OF_FORMATS;
