/* W8A8 of many rows on AVX-512 (matmul_w8a8 from CK_PANEL_MIN_ROWS rows of q on): VNNI's products
 * as outer products. The weights' int8 rows, CK_PANEL_OUTPUTS at a time, are laid out quad by quad
 * (4 columns a 32-bit word, pack_words) in a panel that stays in L2 while every row of q streams
 * past it, CK_PANEL_ROWS rows at a time: one broadcast of a row's quad (biased to unsigned, as
 * i8_load_x biases it) times each panel vector, one vpdpbusd a vector. Each output's integer sum
 * is exact in any order, and its f32 value is computed as w8a8_rows computes it, so the outputs
 * are w8a8_rows' bit for bit, at up to four times the products a cycle of its dot-product tiles. */

/* R rows of biased q (quads words a row) times the panel's n outputs into y: the sums less the
 * bias' (`biases`, 128 · each output's Σw), times the row's scale, times the output's. */
ALWAYS_INLINE void w8a8_panel_rows(const int R, size_t quads, const uint32_t *q, const float *panel, const int32_t *biases,
                                   const float *x_scales, const float *w_scales, size_t rows, size_t n, float *y, size_t ldy) {
    const int V = CK_PANEL_VECTORS;
    __m512i acc[CK_PANEL_VECTORS * CK_PANEL_ROWS];
    CK_UNROLL
    for (int i = 0; i < V * R; i++) acc[i] = _mm512_setzero_si512();
    for (size_t c = 0; c < quads; c++) {
        __m512i wv[CK_PANEL_VECTORS];
        CK_UNROLL
        for (int v = 0; v < V; v++) wv[v] = _mm512_loadu_si512(panel + c * CK_PANEL_OUTPUTS + v * CK_LANES);
        CK_UNROLL
        for (int r = 0; r < R; r++) {
            __m512i xv = _mm512_set1_epi32((int)q[(size_t)r * quads + c]);
            CK_UNROLL
            for (int v = 0; v < V; v++) acc[V * r + v] = _mm512_dpbusd_epi32(acc[V * r + v], xv, wv[v]);
        }
    }
    vf out[CK_PANEL_VECTORS * CK_PANEL_ROWS];
    CK_UNROLL
    for (int v = 0; v < V; v++) {
        __m512i bias = _mm512_loadu_si512(biases + v * CK_LANES);
        vf scale = vf_load(w_scales + v * CK_LANES);
        CK_UNROLL
        for (int r = 0; r < R; r++)
            out[V * r + v] = vf_mul(vf_mul(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[V * r + v], bias)), vf_set1(x_scales[r])), scale);
    }
    panel_store(out, rows, n, y, ldy);
}

/* matmul_w8a8 by panels: q's rows biased once a call (in blocks of CK_X_BLOCK_BYTES), each panel
 * of outputs packed once a block; returns 0 when no buffer could be had. */
ALWAYS_INLINE int w8a8_panels(size_t m, size_t first, size_t count, size_t k, const int8_t *q, size_t ldq,
                              const float *x_scales, const int8_t *w, size_t ldw, const int32_t *w_sums, const float *w_scales,
                              float *y, size_t ldy) {
    const size_t quads = (k + 3) / 4;
    const size_t block = x_block_rows(m, quads * 4, CK_PANEL_ROWS);
    uint32_t *biased = ck_scratch(CK_SCRATCH_ROWS_OF_X, block * quads * 4);
    float *panel = ck_scratch(CK_SCRATCH_PANEL, (quads + 2) * CK_PANEL_OUTPUTS * sizeof(float));
    if (!biased || !panel) return 0;
    int32_t *biases = (int32_t *)(panel + quads * CK_PANEL_OUTPUTS);
    float *scales = panel + (quads + 1) * CK_PANEL_OUTPUTS;
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (size_t b0 = 0; b0 < m; b0 += block) {
        size_t rows = m - b0 < block ? m - b0 : block;
        for (size_t r = 0; r < rows; r++) {
            uint8_t *out = (uint8_t *)(biased + r * quads);
            for (size_t c = 0; c < 4 * quads; c += 64) {
                __mmask64 in = c + 64 <= k ? ~(__mmask64)0 : c < k ? ((__mmask64)1 << (k - c)) - 1 : 0;
                __mmask64 all = c + 64 <= 4 * quads ? ~(__mmask64)0 : ((__mmask64)1 << (4 * quads - c)) - 1;
                __m512i v = _mm512_maskz_loadu_epi8(in, q + (b0 + r) * ldq + c);
                _mm512_mask_storeu_epi8(out + c, all, _mm512_xor_si512(v, flip));
            }
        }
        float *yb = y + b0 * ldy;
        for (size_t o0 = first; o0 < first + count; o0 += CK_PANEL_OUTPUTS) {
            size_t n = first + count - o0 < CK_PANEL_OUTPUTS ? first + count - o0 : CK_PANEL_OUTPUTS;
            pack_words((const uint8_t *)w, ldw, o0, n, k, panel);
            for (size_t j = 0; j < CK_PANEL_OUTPUTS; j++) {
                biases[j] = j < n ? CK_I8_BIAS * w_sums[o0 + j] : 0;
                scales[j] = j < n ? w_scales[o0 + j] : 0;
            }
            size_t r0 = 0;
            for (; r0 + CK_PANEL_ROWS <= rows; r0 += CK_PANEL_ROWS)
                w8a8_panel_rows(CK_PANEL_ROWS, quads, biased + r0 * quads, panel, biases, x_scales + b0 + r0, scales,
                                CK_PANEL_ROWS, n, yb + r0 * ldy + o0, ldy);
            for (; r0 < rows; r0++)
                w8a8_panel_rows(1, quads, biased + r0 * quads, panel, biases, x_scales + b0 + r0, scales, 1, n,
                                yb + r0 * ldy + o0, ldy);
        }
    }
    return 1;
}
