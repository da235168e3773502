/* What the panel kernels (panel_gemm in simd_kernels.h, simd_bf16_inputs.h, simd_bf16_split.h,
 * simd_w8a8_panel.h) share: their shape, how a step's sums are stored and how panels of 32-bit
 * words are packed. Written against the primitives of simd_avx512.h or
 * simd_avx2.h, whichever the including file put in scope. */
#ifndef CK_SIMD_PANEL_H
#define CK_SIMD_PANEL_H

#define ALWAYS_INLINE static inline __attribute__((always_inline))
/* Loops over registers must unroll, or their vectors live on the stack. */
#define CK_UNROLL _Pragma("clang loop unroll(full)")

/* Outputs of a panel: CK_PANEL_VECTORS vectors of them. */
#define CK_PANEL_VECTORS (CK_LANES == 16 ? 3 : 2)
#define CK_PANEL_OUTPUTS (CK_PANEL_VECTORS * CK_LANES)
/* Rows of x per step: CK_PANEL_VECTORS · CK_PANEL_ROWS accumulators, the panel's vectors and a
 * broadcast fit the 32 (AVX-512) or 16 (AVX2) vector registers. Eight rows, not more: rows of x
 * a multiple of 4 KiB long (2048 columns) share one L1 set, which holds eight lines. */
#define CK_PANEL_ROWS (CK_LANES == 16 ? 8 : 6)
/* Rows of x from which the panels' layout pays for itself. */
#define CK_PANEL_MIN_ROWS 64

/* The sums of `rows` rows of x (CK_PANEL_VECTORS vectors a row in acc) for the panel's first
 * n ≤ CK_PANEL_OUTPUTS outputs, stored into y (rows ldy apart). */
ALWAYS_INLINE void panel_store(const vf *acc, size_t rows, size_t n, float *y, size_t ldy) {
    const int V = CK_PANEL_VECTORS;
    for (size_t r = 0; r < rows; r++) {
        float *out = y + r * ldy;
        const vf *sums = acc + (size_t)V * r;
        CK_UNROLL
        for (int v = 0; v < V; v++) {
            size_t lane = (size_t)v * CK_LANES;
            if (n >= lane + CK_LANES) vf_store(out + lane, sums[v]);
            else if (n > lane) vf_store_n(out + lane, sums[v], n - lane);
        }
    }
}

/* Bytes of x laid out at a time by the kernels that lay x's rows out once a call (bf16 pairs,
 * W8A8's biased quads): a bound on the memory a call takes (each block of rows packs the panels
 * again; at 4 MiB, 3 times for 1024 rows of 5632 columns, under 1% of the time). */
#define CK_X_BLOCK_BYTES (4u << 20)

/* Rows of x in a block of CK_X_BLOCK_BYTES, `row_bytes` a row laid out: a multiple of `step` (at
 * least one step), at most m. */
ALWAYS_INLINE size_t x_block_rows(size_t m, size_t row_bytes, size_t step) {
    size_t block = row_bytes ? CK_X_BLOCK_BYTES / row_bytes / step * step : m;
    if (block < step) block = step;
    return block > m ? m : block;
}

/* The CK_LANES 32-bit words of a weight row from byte `p`, of which `left` bytes belong to the row:
 * zeros past them. */
ALWAYS_INLINE vf load_words(const uint8_t *p, size_t left) {
    if (left >= CK_LANES * 4) return vf_load((const float *)p);
    uint8_t copy[CK_LANES * 4] = {0};
    memcpy(copy, p, left);
    return vf_load((const float *)copy);
}

/* A panel of 32-bit words of weight rows o0..<o0+n (n ≤ CK_PANEL_OUTPUTS; rows `row_bytes` apart in
 * `data`, `bytes` of each used): panel[i·CK_PANEL_OUTPUTS + j] = word i of row o0 + j (its bytes
 * 4i … 4i + 3 as stored, zeros past `bytes` and past the last output), CK_LANES × CK_LANES blocks
 * of words transposed in registers. bf16 pairs (ck_matmul_bf16_inputs) and int8 quads (W8A8) are
 * laid out so. */
ALWAYS_INLINE void pack_words(const uint8_t *data, size_t row_bytes, size_t o0, size_t n, size_t bytes, float *panel) {
    const size_t count = (bytes + 3) / 4;
    for (size_t p = 0; p < count; p += CK_LANES) {
        size_t words = count - p < CK_LANES ? count - p : CK_LANES;
        CK_UNROLL
        for (int h = 0; h < CK_PANEL_VECTORS; h++) {
            vf v[CK_LANES];
            CK_UNROLL
            for (int i = 0; i < CK_LANES; i++) {
                size_t j = (size_t)(h * CK_LANES + i);
                v[i] = j < n ? load_words(data + (o0 + j) * row_bytes + 4 * p, bytes - 4 * p) : vf_zero();
            }
            vf_transpose(v);
            float *out = panel + p * CK_PANEL_OUTPUTS + (size_t)h * CK_LANES;
            CK_UNROLL
            for (int i = 0; i < CK_LANES; i++)
                if ((size_t)i < words) vf_store(out + (size_t)i * CK_PANEL_OUTPUTS, v[i]);
        }
    }
}

#endif
