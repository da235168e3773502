/* bf16 × bf16 products accumulated in f32 (ck_matmul_bf16_inputs), written against the
 * primitives of simd_avx512.h or simd_avx2.h and the panels' shape (simd_panel.h). Included by
 * simd_kernels.h, and by avx512_bf16.c, whose vf_dot_bf16_pairs is AVX512_BF16's vdpbf16ps where
 * the others emulate it with two FMAs.
 *
 * Laid out as panel_gemm's: the rows of x are rounded to bf16 once a call (in blocks of rows
 * of CK_X_BLOCK_BYTES), as pairs of columns (ck_bf16_pairs); CK_PANEL_OUTPUTS weight rows at a time are laid out pair by pair in a panel
 * (panel[p·CK_PANEL_OUTPUTS + j] = the 32-bit word of columns 2p, 2p + 1 of output o0 + j, as
 * stored: CK_LANES × CK_LANES blocks of words transposed in registers), which stays in L2 while
 * every row of x streams past it, CK_PAIR_ROWS rows at a time: one broadcast of a row's pair
 * times each panel vector, one vdpbf16ps (or two FMAs) a vector. Each output is summed in the
 * order of ck_bf16_inputs_scalar, whatever the rows of x, the range of outputs and the path. */

/* Rows of x per step: on AVX2 the emulation's halves of the panel's vectors and of a broadcast
 * need registers too. */
#define CK_PAIR_ROWS (CK_LANES == 16 ? CK_PANEL_ROWS : 4)

/* R rows of x's pairs (rows ≤ R of them stored) times the panel's n ≤ CK_PANEL_OUTPUTS outputs
 * into y. */
ALWAYS_INLINE void pair_rows(const int R, size_t pairs, const uint32_t *x, size_t ldx, const float *panel, size_t rows,
                             size_t n, float *y, size_t ldy) {
    const int V = CK_PANEL_VECTORS;
    vf acc[CK_PANEL_VECTORS * CK_PAIR_ROWS];
    CK_UNROLL
    for (int i = 0; i < V * R; i++) acc[i] = vf_zero();
    for (size_t p = 0; p < pairs; p++) {
        vf wv[CK_PANEL_VECTORS];
        CK_UNROLL
        for (int v = 0; v < V; v++) wv[v] = vf_load(panel + p * CK_PANEL_OUTPUTS + (size_t)v * CK_LANES);
        CK_UNROLL
        for (int r = 0; r < R; r++) {
            vf xv = vf_set1_bits(x[r * ldx + p]);
            CK_UNROLL
            for (int v = 0; v < V; v++) acc[V * r + v] = vf_dot_bf16_pairs(acc[V * r + v], wv[v], xv);
        }
    }
    panel_store(acc, rows, n, y, ldy);
}

/* The panel of bf16 weight rows o0..<o0+n (n ≤ CK_PANEL_OUTPUTS), pair by pair; zeros past the
 * last output. */
ALWAYS_INLINE void pack_pairs(const ck_weights *w, size_t o0, size_t n, size_t k, float *panel) {
    pack_words(w->data, w->row_bytes, o0, n, 2 * k, panel);
}

/* x (m rows, rounded here a block of rows at a time) times bf16 outputs first..<first+count, one
 * panel at a time; one value at a time when no buffer could be had. */
ALWAYS_INLINE void bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                               const ck_weights *w, float *y, size_t ldy) {
    const size_t pairs = (k + 1) / 2;
    const size_t block = x_block_rows(m, pairs * 4, CK_PAIR_ROWS);
    const size_t bytes = block * pairs * 4;
    uint32_t *words = ck_scratch(CK_SCRATCH_ROWS_OF_X, bytes);
    float *panel = ck_scratch(CK_SCRATCH_PANEL, pairs * CK_PANEL_OUTPUTS * sizeof(float));
    if (!words || !panel) {
        ck_bf16_inputs_scalar(m, first, count, k, x, ldx, w, y, ldy);
        return;
    }
    for (size_t b0 = 0; b0 < m; b0 += block) {
        size_t rows = m - b0 < block ? m - b0 : block;
        float *yb = y + b0 * ldy;
        ck_bf16_pairs(rows, k, x + b0 * ldx, ldx, words, pairs);
        for (size_t o0 = first; o0 < first + count; o0 += CK_PANEL_OUTPUTS) {
            size_t n = first + count - o0 < CK_PANEL_OUTPUTS ? first + count - o0 : CK_PANEL_OUTPUTS;
            pack_pairs(w, o0, n, k, panel);
            size_t r0 = 0;
            for (; r0 + CK_PAIR_ROWS <= rows; r0 += CK_PAIR_ROWS)
                pair_rows(CK_PAIR_ROWS, pairs, words + r0 * pairs, pairs, panel, CK_PAIR_ROWS, n, yb + r0 * ldy + o0, ldy);
            for (; r0 + 4 <= rows; r0 += 4) pair_rows(4, pairs, words + r0 * pairs, pairs, panel, 4, n, yb + r0 * ldy + o0, ldy);
            for (; r0 < rows; r0++) pair_rows(1, pairs, words + r0 * pairs, pairs, panel, 1, n, yb + r0 * ldy + o0, ldy);
        }
    }
}
