/* bf16 weights times f32 inputs split in two (ck_split_pack, ck_matmul_bf16_split), on AVX-512
 * with AVX512_BF16 and VNNI only: included by avx512_bf16.c after simd_bf16_inputs.h, whose panel
 * of weight pairs it shares.
 *
 * Each input x is hi + lo: hi = bf16(x), nearest even, and lo = x − hi, exact in f32 and at most
 * 2⁻⁹·|x|. x·w = hi·w + lo·w: hi·w by vdpbf16ps (every product exact, summed in f32), and lo·w,
 * a 2⁻⁹ correction, in int8: lo quantized per row of x (scale = max |lo| / 127), w per output
 * (scale = max |w| / 127), their products summed exactly in int32 by vpdpbusd (lo biased by 128 to
 * unsigned, the bias taken back with each output's sum of codes) and scaled into the f32 sum once.
 * The correction's own error is a few percent of it (each int8 code within half a step of
 * max/127), for three quarters of the f32 product's multiply instructions: 32 products a
 * vdpbf16ps and 64 a vpdpbusd, where an FMA makes 16. */

/* Rows of x per step: 3 · CK_SPLIT_ROWS f32 and as many int32 accumulators, and one quad's panel
 * vectors, in the 32 registers. */
#define CK_SPLIT_ROWS 4

/* Where the packed rows of x lie (for m rows, ck_split_rows_bytes of them): hi as bf16 pairs,
 * 2 · quads words a row; lo's codes biased to unsigned, one word (4 columns) a quad; each row's
 * scale of lo. */
typedef struct {
    uint32_t *hi;
    uint32_t *lo;
    float *scales;
} split_rows_layout;

ALWAYS_INLINE split_rows_layout split_layout(void *packed, size_t m, size_t k) {
    size_t quads = ck_split_quads(k);
    uint32_t *words = packed;
    split_rows_layout layout = {words, words + m * 2 * quads, (float *)(words + m * 3 * quads)};
    return layout;
}

/* Row `x` (k values) packed: hi into hi_row (4 · quads bf16 values, zeros past k), lo's codes
 * into lo_row (quads words, code 128 past k) and lo's scale into *scale. */
ALWAYS_INLINE void split_pack_row(size_t k, const float *x, uint32_t *hi_row, uint32_t *lo_row, float *scale) {
    const size_t padded = 4 * ck_split_quads(k);
    uint16_t *hi = (uint16_t *)hi_row;
    uint8_t *lo = (uint8_t *)lo_row;
    __m512 largest = _mm512_setzero_ps();
    for (size_t c = 0; c < k; c += CK_LANES) {
        __mmask16 mask = c + CK_LANES <= k ? (__mmask16)0xFFFF : lanes_mask(k - c);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + c);
        __m256i h = (__m256i)_mm512_cvtneps_pbh(v);
        _mm256_mask_storeu_epi16(hi + c, mask, h);
        __m512 rest = _mm512_sub_ps(v, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)));
        largest = _mm512_max_ps(largest, _mm512_abs_ps(rest));
    }
    for (size_t c = k; c < padded; c++) hi[c] = 0;
    float absmax = _mm512_reduce_max_ps(largest);
    *scale = absmax / 127.0f;
    __m512 inverse = _mm512_set1_ps(absmax > 0 ? 127.0f / absmax : 0.0f);
    const __m512i bias = _mm512_set1_epi32(128);
    for (size_t c = 0; c < k; c += CK_LANES) {
        __mmask16 mask = c + CK_LANES <= k ? (__mmask16)0xFFFF : lanes_mask(k - c);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + c);
        __m512 h = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, hi + c)), 16));
        __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(v, h), inverse)), bias);
        _mm_mask_storeu_epi8(lo + c, mask, _mm512_cvtepi32_epi8(q));
    }
    for (size_t c = k; c < padded; c++) lo[c] = 128;
}

/* The weights' int8 side of a panel: from the pairs panel (pairs rows of CK_PANEL_OUTPUTS words,
 * an even count), each output's scale (max |w| / 127) into scales, 128 · its codes' sum into
 * biases, and its codes, quad by quad, into quads (quads[q·CK_PANEL_OUTPUTS + j]: columns
 * 4q … 4q + 3 of output j, a byte each). */
ALWAYS_INLINE void split_pack_panel(const float *panel, size_t quads, uint32_t *codes, int32_t *biases, float *scales) {
    const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u), bytes = _mm512_set1_epi32(0xFF);
    CK_UNROLL
    for (int v = 0; v < CK_PANEL_VECTORS; v++) {
        const float *column = panel + v * CK_LANES;
        __m512 largest = _mm512_setzero_ps();
        for (size_t p = 0; p < 2 * quads; p++) {
            __m512i words = _mm512_loadu_si512(column + p * CK_PANEL_OUTPUTS);
            largest = _mm512_max_ps(largest, _mm512_abs_ps(_mm512_castsi512_ps(_mm512_slli_epi32(words, 16))));
            largest = _mm512_max_ps(largest, _mm512_abs_ps(_mm512_castsi512_ps(_mm512_and_si512(words, high))));
        }
        __mmask16 nonzero = _mm512_cmp_ps_mask(largest, _mm512_setzero_ps(), _CMP_GT_OQ);
        __m512 inverse = _mm512_maskz_div_ps(nonzero, _mm512_set1_ps(127.0f), largest);
        __m512i sums = _mm512_setzero_si512();
        for (size_t q = 0; q < quads; q++) {
            __m512i even = _mm512_loadu_si512(column + 2 * q * CK_PANEL_OUTPUTS);
            __m512i odd = _mm512_loadu_si512(column + (2 * q + 1) * CK_PANEL_OUTPUTS);
            __m512i parts[4] = {_mm512_slli_epi32(even, 16), _mm512_and_si512(even, high), _mm512_slli_epi32(odd, 16),
                                _mm512_and_si512(odd, high)};
            __m512i word = _mm512_setzero_si512();
            CK_UNROLL
            for (int i = 0; i < 4; i++) {
                __m512i code = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_castsi512_ps(parts[i]), inverse));
                sums = _mm512_add_epi32(sums, code);
                word = _mm512_or_si512(word, _mm512_slli_epi32(_mm512_and_si512(code, bytes), 8 * i));
            }
            _mm512_storeu_si512(codes + q * CK_PANEL_OUTPUTS + v * CK_LANES, word);
        }
        _mm512_storeu_si512(biases + v * CK_LANES, _mm512_slli_epi32(sums, 7));
        _mm512_storeu_ps(scales + v * CK_LANES, _mm512_div_ps(largest, _mm512_set1_ps(127.0f)));
    }
}

/* R rows of packed x (rows ≤ R of them stored) times the panel's n outputs into y. */
ALWAYS_INLINE void split_tile(const int R, size_t quads, const uint32_t *hi, const uint32_t *lo, const float *x_scales,
                              const float *pairs, const uint32_t *codes, const int32_t *biases, const float *w_scales,
                              size_t rows, size_t n, float *y, size_t ldy) {
    const int V = CK_PANEL_VECTORS;
    __m512 sums[CK_PANEL_VECTORS * CK_SPLIT_ROWS];
    __m512i corrections[CK_PANEL_VECTORS * CK_SPLIT_ROWS];
    CK_UNROLL
    for (int i = 0; i < V * R; i++) {
        sums[i] = _mm512_setzero_ps();
        corrections[i] = _mm512_setzero_si512();
    }
    for (size_t q = 0; q < quads; q++) {
        CK_UNROLL
        for (int h = 0; h < 2; h++) {
            __m512 wv[CK_PANEL_VECTORS];
            CK_UNROLL
            for (int v = 0; v < V; v++) wv[v] = _mm512_loadu_ps(pairs + (2 * q + h) * CK_PANEL_OUTPUTS + v * CK_LANES);
            CK_UNROLL
            for (int r = 0; r < R; r++) {
                __m512bh xv = (__m512bh)_mm512_set1_epi32((int)hi[(size_t)r * 2 * quads + 2 * q + h]);
                CK_UNROLL
                for (int v = 0; v < V; v++) sums[V * r + v] = _mm512_dpbf16_ps(sums[V * r + v], (__m512bh)wv[v], xv);
            }
        }
        __m512i cv[CK_PANEL_VECTORS];
        CK_UNROLL
        for (int v = 0; v < V; v++) cv[v] = _mm512_loadu_si512(codes + q * CK_PANEL_OUTPUTS + v * CK_LANES);
        CK_UNROLL
        for (int r = 0; r < R; r++) {
            __m512i xv = _mm512_set1_epi32((int)lo[(size_t)r * quads + q]);
            CK_UNROLL
            for (int v = 0; v < V; v++) corrections[V * r + v] = _mm512_dpbusd_epi32(corrections[V * r + v], xv, cv[v]);
        }
    }
    CK_UNROLL
    for (int v = 0; v < V; v++) {
        __m512i bias = _mm512_loadu_si512(biases + v * CK_LANES);
        __m512 scale = _mm512_loadu_ps(w_scales + v * CK_LANES);
        CK_UNROLL
        for (int r = 0; r < R; r++) {
            __m512 correction = _mm512_cvtepi32_ps(_mm512_sub_epi32(corrections[V * r + v], bias));
            sums[V * r + v] = _mm512_fmadd_ps(correction, _mm512_mul_ps(scale, _mm512_set1_ps(x_scales[r])), sums[V * r + v]);
        }
    }
    panel_store(sums, rows, n, y, ldy);
}

/* Packed rows of x (m of them, laid out by split_layout) times bf16 outputs first..<first+count,
 * one panel at a time; returns 0 when no buffer could be had. */
ALWAYS_INLINE int bf16_split(size_t m, size_t first, size_t count, size_t k, const void *packed, const ck_weights *w,
                             float *y, size_t ldy) {
    const size_t quads = ck_split_quads(k), pairs = 2 * quads;
    const size_t pair_floats = pairs * CK_PANEL_OUTPUTS;
    float *panel = ck_scratch(CK_SCRATCH_PANEL, (pair_floats + quads * CK_PANEL_OUTPUTS + 2 * CK_PANEL_OUTPUTS) * 4);
    if (!panel) return 0;
    uint32_t *codes = (uint32_t *)(panel + pair_floats);
    int32_t *biases = (int32_t *)(codes + quads * CK_PANEL_OUTPUTS);
    float *w_scales = (float *)(biases + CK_PANEL_OUTPUTS);
    split_rows_layout x = split_layout((void *)packed, m, k);
    for (size_t o0 = first; o0 < first + count; o0 += CK_PANEL_OUTPUTS) {
        size_t n = first + count - o0 < CK_PANEL_OUTPUTS ? first + count - o0 : CK_PANEL_OUTPUTS;
        pack_pairs(w, o0, n, k, panel);
        if ((k + 1) / 2 < pairs) memset(panel + (pairs - 1) * CK_PANEL_OUTPUTS, 0, CK_PANEL_OUTPUTS * 4);
        split_pack_panel(panel, quads, codes, biases, w_scales);
        size_t r0 = 0;
        for (; r0 + CK_SPLIT_ROWS <= m; r0 += CK_SPLIT_ROWS)
            split_tile(CK_SPLIT_ROWS, quads, x.hi + r0 * pairs, x.lo + r0 * quads, x.scales + r0, panel, codes, biases,
                       w_scales, CK_SPLIT_ROWS, n, y + r0 * ldy + o0, ldy);
        for (; r0 < m; r0++)
            split_tile(1, quads, x.hi + r0 * pairs, x.lo + r0 * quads, x.scales + r0, panel, codes, biases, w_scales, 1,
                       n, y + r0 * ldy + o0, ldy);
    }
    return 1;
}
