/* The GEMV of bf16 weights, for the few rows of x of decoding. Included by simd_kernels.h after
 * simd_packed_gemv.h (whose word operations it uses), written against the primitives of
 * simd_avx512.h or simd_avx2.h.
 *
 * Weights are streamed once per pass as whole vectors of CK_LANES 32-bit words, two bf16 columns
 * a word, one output row after the other, so that a matrix is read front to back as one stream
 * that the hardware prefetcher follows (several rows read side by side, with the next rows' words
 * prefetched by hand, took 1.7x the CPU time on SmolLM2-135M's matrices, which then ran at half the
 * memory bandwidth a plain read reaches). x is laid out once per pass in a stack buffer as
 * two vectors a step of CK_LANES words, the even columns' and the odd columns' values: a word
 * shifted left by 16 is its even column's f32 value, the word with its low half cleared its odd
 * column's, each exact, so a step is two bit operations and two FMAs into two accumulators. Rows
 * longer than a buffer's worth are taken in column chunks, each adding to y.
 *
 * AVX512_BF16's vdpbf16ps was measured here against this and left out: with x rounded to one bf16
 * it misses the runtime's accuracy (errors of 2e-3 of the largest output against the f32
 * product), and with x split in two bf16 parts (hi and x − hi, two vdpbf16ps a step) it keeps it
 * but is slower than two FMAs, in cache and streaming from memory alike. */

/* Columns of x one pass lays out (4 rows of 4096: 64 KiB of stack). */
#define CK_BF16_CHUNK 4096
#define CK_BF16_FLOATS (CK_GEMV_ROWS * CK_BF16_CHUNK)

/* The products of one step's weight words and x's even and odd columns at `xs`, added to two
 * accumulators (two chains of dependent FMAs). */
static inline void bf16_step(vf *acc, vf *more, vword words, const float *xs) {
    const vword high = vword_set1(0xFFFF0000u);
#if CK_LANES == 16
    vf even = _mm512_castsi512_ps(_mm512_slli_epi32(words, 16));
    vf odd = _mm512_castsi512_ps(_mm512_and_si512(words, high));
#else
    vf even = _mm256_castsi256_ps(_mm256_slli_epi32(words, 16));
    vf odd = _mm256_castsi256_ps(_mm256_and_si256(words, high));
#endif
    *acc = vf_fma(even, vf_load(xs), *acc);
    *more = vf_fma(odd, vf_load(xs + CK_LANES), *more);
}

/* n columns of row x (n even) laid out at `out`, each step's even columns then its odd ones,
 * zeros after them to a whole step. */
static void bf16_layout_x(const float *x, size_t n, float *out) {
    const size_t per_step = 2 * CK_LANES;
    for (size_t c = 0; c < n; c += per_step)
        for (size_t i = 0; i < CK_LANES; i++) {
            out[c + i] = c + 2 * i < n ? x[c + 2 * i] : 0.0f;
            out[c + CK_LANES + i] = c + 2 * i + 1 < n ? x[c + 2 * i + 1] : 0.0f;
        }
}

/* R rows of x laid out at `xs` (`ld` floats apart) times columns of `words` words of outputs
 * first..<first+count starting at byte `offset` of each row, one output at a time; the sums are
 * stored into y, or added to it when `add`. */
ALWAYS_INLINE void bf16_rows(const int R, size_t first, size_t count, size_t words, size_t offset, const float *xs,
                             size_t ld, const ck_weights *w, int add, float *y, size_t ldy) {
    const size_t steps = (words + CK_LANES - 1) / CK_LANES, per_step = 2 * CK_LANES;
    for (size_t o = first; o < first + count; o++) {
        const uint8_t *row = w->data + o * w->row_bytes + offset;
        vf acc[CK_GEMV_ROWS], more[CK_GEMV_ROWS];
        CK_UNROLL
        for (int r = 0; r < R; r++) acc[r] = more[r] = vf_zero();
        for (size_t step = 0; step < steps; step++) {
            size_t n = words - step * CK_LANES < CK_LANES ? words - step * CK_LANES : CK_LANES;
            vword packed = vword_load(row + step * CK_LANES * 4, n);
            CK_UNROLL
            for (int r = 0; r < R; r++) bf16_step(&acc[r], &more[r], packed, xs + (size_t)r * ld + step * per_step);
        }
        CK_UNROLL
        for (int r = 0; r < R; r++) {
            float sum = vf_sum(vf_add(acc[r], more[r]));
            y[(size_t)r * ldy + o] = add ? y[(size_t)r * ldy + o] + sum : sum;
        }
    }
}

/* y = x · Wᵀ for m ≤ CK_GEMV_MAX_ROWS rows of x and bf16 weights; returns 0, having done
 * nothing, for an odd k (a row's last word would hold a column of the next row). */
ALWAYS_INLINE int bf16_gemv(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                            const ck_weights *w, float *y, size_t ldy) {
    if (k % 2 != 0) return 0;
    float layout[CK_BF16_FLOATS] __attribute__((aligned(64)));
    for (size_t r0 = 0; r0 < m; r0 += CK_GEMV_ROWS) {
        size_t rows = m - r0 < CK_GEMV_ROWS ? m - r0 : CK_GEMV_ROWS;
        float *yr = y + r0 * ldy;
        for (size_t c0 = 0; c0 < k; c0 += CK_BF16_CHUNK) {
            size_t n = k - c0 < CK_BF16_CHUNK ? k - c0 : CK_BF16_CHUNK, words = n / 2, offset = c0 * 2;
            for (size_t r = 0; r < rows; r++) bf16_layout_x(x + (r0 + r) * ldx + c0, n, layout + r * CK_BF16_CHUNK);
            int add = c0 > 0;
            switch (rows) {
            case 1: bf16_rows(1, first, count, words, offset, layout, CK_BF16_CHUNK, w, add, yr, ldy); break;
            case 2: bf16_rows(2, first, count, words, offset, layout, CK_BF16_CHUNK, w, add, yr, ldy); break;
            case 3: bf16_rows(3, first, count, words, offset, layout, CK_BF16_CHUNK, w, add, yr, ldy); break;
            default: bf16_rows(4, first, count, words, offset, layout, CK_BF16_CHUNK, w, add, yr, ldy); break;
            }
        }
    }
    return 1;
}
