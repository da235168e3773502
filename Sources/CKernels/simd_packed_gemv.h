/* The GEMV of integer weights packed in 32-bit words (4-bit: eight a word; 8-bit: four), for the
 * few rows of x of decoding. Included by simd_kernels.h, written against the primitives of
 * simd_avx512.h or simd_avx2.h plus the word operations below.
 *
 * Weights are streamed once per pass as whole vectors of CK_LANES words and never looked up in a
 * table: after one xor, field j of each word masked in place is an integer times 2^(bits·j),
 * converted to f32 exactly (one and, one convert, one FMA per vector of weights): the top field
 * the signed q, the others q + 2^(bits−1), unsigned. So that lane i of field j multiplies the
 * right column, x is laid out once per call in a stack buffer: for each step of CK_LANES words,
 * field j's vector holds x of column (word i)·fields + j times 2^−(bits·j), one more vector
 * −2^(bits−1)·Σ x over each word's lower fields (which starts its sum and takes the offset back),
 * and one each word's sum of x (for zero points). A step's products are summed per lane, each
 * lane being one word inside one scale group, then scaled by its group's scale, fetched with one
 * load and one permute per step. Each step prefetches the same words of the next outputs. Rows
 * longer than the buffer holds are taken in chunks of whole steps, each adding to y. */

/* ---- Word operations ---- */

#if CK_LANES == 16
typedef __m512i vword;
static inline vword vword_load(const uint8_t *p, size_t n) {
    return n == CK_LANES ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi32(lanes_mask(n), p);
}
static inline vword vword_set1(uint32_t v) { return _mm512_set1_epi32((int)v); }
static inline vword vword_xor(vword a, vword b) { return _mm512_xor_si512(a, b); }
/* The bits of v in `mask`, as a signed integer in f32. */
static inline vf vword_field(vword v, vword mask) { return _mm512_cvtepi32_ps(_mm512_and_si512(v, mask)); }
static inline vword vword_load_index(const int32_t *p) { return _mm512_loadu_si512(p); }
static inline vf vf_permute(vf table, vword index) { return _mm512_permutexvar_ps(index, table); }
#else
typedef __m256i vword;
static inline vword vword_load(const uint8_t *p, size_t n) {
    return n == CK_LANES ? _mm256_loadu_si256((const __m256i *)p) : _mm256_maskload_epi32((const int *)p, lanes_mask(n));
}
static inline vword vword_set1(uint32_t v) { return _mm256_set1_epi32((int)v); }
static inline vword vword_xor(vword a, vword b) { return _mm256_xor_si256(a, b); }
static inline vf vword_field(vword v, vword mask) { return _mm256_cvtepi32_ps(_mm256_and_si256(v, mask)); }
static inline vword vword_load_index(const int32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline vf vf_permute(vf table, vword index) { return _mm256_permutevar8x32_ps(table, index); }
#endif

/* Floats of the x layout one pass keeps on the stack (64 KiB), for all its rows of x. */
#define CK_PACKED_FLOATS 16384
/* The most steps a chunk may have: CK_PACKED_FLOATS over the floats of a step of 8-bit weights. */
#define CK_PACKED_MAX_STEPS (CK_PACKED_FLOATS / (6 * CK_LANES))

/* How one call reads its weights. */
typedef struct {
    int bits, fields;             /* bits of a field, fields a word */
    uint32_t flip;                /* xor that makes the top field q and the others q + 2^(bits−1) */
    size_t columns;               /* columns of the chunk, from column `start` of the row */
    size_t start;                 /* a multiple of fields · CK_LANES */
    size_t words, steps;          /* words of the chunk that hold columns, steps of CK_LANES words */
    size_t layout;                /* floats of one row of the chunk laid out: steps · (fields + 2) · CK_LANES */
    size_t groups;                /* scale groups a row */
    const ck_scales *scales;
    /* Per step: the group of its first word, how many scales from there it reads, and per lane its
     * word's group relative to the first. */
    size_t first_group[CK_PACKED_MAX_STEPS], scale_count[CK_PACKED_MAX_STEPS];
    int32_t group_of_lane[CK_PACKED_MAX_STEPS * CK_LANES];
} packed_plan;

/* Whether this kernel takes rows of k columns (no word straddling two scale groups, rows of whole
 * words). */
static int packed_takes(const int kind, size_t k, const ck_weights *w) {
    const size_t fields = (size_t)(32 / ck_bits(kind)), g = w->scales->group < k ? w->scales->group : k;
    return w->row_bytes % 4 == 0 && !(g < k && g % fields != 0) && (k + fields - 1) / fields * 4 <= w->row_bytes;
}

/* The plan for the chunk of `columns` columns from column `start` (a multiple of fields · CK_LANES)
 * of rows of k columns, at most CK_PACKED_MAX_STEPS steps; the rows are ones packed_takes. */
static void packed_plan_make(const int kind, size_t k, size_t start, size_t columns, const ck_weights *w, packed_plan *plan) {
    const ck_scales *s = w->scales;
    plan->bits = ck_bits(kind);
    plan->fields = 32 / plan->bits;
    const size_t fields = (size_t)plan->fields;
    const size_t g = s->group < k ? s->group : k;
    plan->start = start;
    plan->columns = columns;
    plan->words = (columns + fields - 1) / fields;
    plan->steps = (plan->words + CK_LANES - 1) / CK_LANES;
    plan->layout = plan->steps * (fields + 2) * CK_LANES;
    /* q is the field xor `flip` read signed: 8 for int4 (stored q + 8), the byte flip for int8;
     * xor 2^(bits−1) more gives q + 2^(bits−1). */
    const uint32_t flip = kind == CK_W_INT4 ? 8u : (uint32_t)w->flip_mask & 0xFFu, half = 1u << (plan->bits - 1);
    plan->flip = flip << (32 - plan->bits);
    for (size_t j = 0; j + 1 < fields; j++) plan->flip |= (flip ^ half) << (plan->bits * j);
    plan->groups = (k + g - 1) / g;
    plan->scales = s;
    for (size_t step = 0; step < plan->steps; step++) {
        size_t first = (start + step * CK_LANES * fields) / g;
        plan->first_group[step] = first;
        plan->scale_count[step] = plan->groups - first < CK_LANES ? plan->groups - first : CK_LANES;
        for (size_t i = 0; i < CK_LANES; i++) {
            size_t group = (start + (step * CK_LANES + i) * fields) / g;
            plan->group_of_lane[step * CK_LANES + i] = (int32_t)((group < plan->groups ? group : plan->groups - 1) - first);
        }
    }
}

/* The chunk's columns of row x laid out for the plan at `out` (plan->layout floats). */
static void packed_layout_x(const packed_plan *plan, const float *x, float *out) {
    const size_t k = plan->columns;
    x += plan->start;
    const size_t fields = (size_t)plan->fields, per_step = (fields + 2) * CK_LANES;
    const float half = (float)(1u << (plan->bits - 1));
    for (size_t step = 0; step < plan->steps; step++) {
        float *block = out + step * per_step;
        for (size_t i = 0; i < CK_LANES; i++) {
            float lower = 0, sum = 0, unit = 1;
            for (size_t j = 0; j < fields; j++, unit /= (float)(1u << plan->bits)) {
                size_t c = (step * CK_LANES + i) * fields + j;
                float v = c < k ? x[c] : 0.0f;
                block[j * CK_LANES + i] = v * unit;
                if (j + 1 < fields) lower += v;
                sum += v;
            }
            block[fields * CK_LANES + i] = -half * lower;
            block[(fields + 1) * CK_LANES + i] = sum;
        }
    }
}

/* The scales (or zero points) of one step of row `values` (a scale row). */
ALWAYS_INLINE vf packed_step_scales(const packed_plan *plan, size_t step, const float *values) {
    const float *p = values + plan->first_group[step];
    size_t n = plan->scale_count[step];
    vf loaded = n == CK_LANES ? vf_load(p) : vf_load_n(p, n);
    return vf_permute(loaded, vword_load_index(plan->group_of_lane + step * CK_LANES));
}

/* R rows of x laid out at `xs` (plan->layout apart) times the chunk of outputs first..<first+count,
 * O at a time, stored into y or added to it when `add`; a partial block repeats its last output,
 * whose results are dropped. */
ALWAYS_INLINE void packed_rows(const int kind, const int R, const int O, const packed_plan *plan, size_t first,
                               size_t count, const float *xs, const ck_weights *w, int add, float *y, size_t ldy) {
    const ck_scales *s = plan->scales;
    const int bits = ck_bits(kind), fields = 32 / bits;
    const size_t per_step = (size_t)(fields + 2) * CK_LANES;
    const vword flip = vword_set1(plan->flip);
    vword mask[8];
    CK_UNROLL
    for (int f = 0; f < fields; f++) mask[f] = vword_set1(((1u << bits) - 1) << (bits * f));
    for (size_t o0 = first; o0 < first + count; o0 += (size_t)O) {
        size_t outputs = first + count - o0 < (size_t)O ? first + count - o0 : (size_t)O;
        const uint8_t *row[CK_LANES];
        size_t scale_row[CK_LANES];
        CK_UNROLL
        for (int j = 0; j < O; j++) {
            size_t o = o0 + ((size_t)j < outputs ? (size_t)j : outputs - 1);
            row[j] = w->data + o * w->row_bytes + plan->start / (size_t)fields * 4;
            scale_row[j] = (o / s->block_rows) * s->stride;
        }
        vf total[CK_LANES];
        CK_UNROLL
        for (int i = 0; i < R * O; i++) total[i] = vf_zero();
        for (size_t step = 0; step < plan->steps; step++) {
            size_t words = plan->words - step * CK_LANES < CK_LANES ? plan->words - step * CK_LANES : CK_LANES;
            const float *xstep = xs + step * per_step;
            vf acc[CK_LANES];
            CK_UNROLL
            for (int r = 0; r < R; r++) {
                vf offset = vf_load(xstep + (size_t)r * plan->layout + (size_t)fields * CK_LANES);
                CK_UNROLL
                for (int j = 0; j < O; j++) acc[r * O + j] = offset;
            }
            vword packed[CK_LANES];
            CK_UNROLL
            for (int j = 0; j < O; j++) {
                packed[j] = vword_xor(vword_load(row[j] + step * CK_LANES * 4, words), flip);
                /* The same words of the next block of outputs: the rows are short, so the hardware
                 * prefetcher alone leaves the loads waiting on memory (1.6-2x slower). */
                _mm_prefetch((const char *)(row[j] + (size_t)O * w->row_bytes + step * CK_LANES * 4), _MM_HINT_T0);
            }
            CK_UNROLL
            for (int f = 0; f < fields; f++) {
                vf xv[CK_GEMV_ROWS];
                CK_UNROLL
                for (int r = 0; r < R; r++) xv[r] = vf_load(xstep + (size_t)r * plan->layout + (size_t)f * CK_LANES);
                CK_UNROLL
                for (int j = 0; j < O; j++) {
                    vf q = vword_field(packed[j], mask[f]);
                    CK_UNROLL
                    for (int r = 0; r < R; r++) acc[r * O + j] = vf_fma(q, xv[r], acc[r * O + j]);
                }
            }
            CK_UNROLL
            for (int j = 0; j < O; j++) {
                vf scale = packed_step_scales(plan, step, s->values + scale_row[j]);
                vf minus_zero = s->zero_points
                                    ? vf_mul(packed_step_scales(plan, step, s->zero_points + scale_row[j]), vf_set1(-1.0f))
                                    : vf_zero();
                CK_UNROLL
                for (int r = 0; r < R; r++) {
                    vf sum = acc[r * O + j];
                    if (s->zero_points) {
                        vf word_sums = vf_load(xstep + (size_t)r * plan->layout + (size_t)(fields + 1) * CK_LANES);
                        sum = vf_fma(minus_zero, word_sums, sum);
                    }
                    total[r * O + j] = vf_fma(sum, scale, total[r * O + j]);
                }
            }
        }
        for (size_t j = 0; j < outputs; j++) {
            CK_UNROLL
            for (int r = 0; r < R; r++) {
                float sum = vf_sum(total[r * O + (int)j]);
                y[(size_t)r * ldy + o0 + j] = add ? y[(size_t)r * ldy + o0 + j] + sum : sum;
            }
        }
    }
}

/* y = x · Wᵀ for m ≤ CK_GEMV_MAX_ROWS rows of x and packed integer weights (CK_W_INT4, or
 * CK_W_INT8 in whole words); returns 0, having done nothing, when the layout does not suit it. */
ALWAYS_INLINE int packed_gemv(const int kind, size_t m, size_t first, size_t count, size_t k, const float *x,
                              size_t ldx, const ck_weights *w, float *y, size_t ldy) {
    if (!w->scales || !packed_takes(kind, k, w)) return 0;
    packed_plan plan;
    float layout[CK_PACKED_FLOATS] __attribute__((aligned(64)));
    const size_t fields = (size_t)(32 / ck_bits(kind)), step_columns = fields * CK_LANES;
    const size_t per_step = (fields + 2) * CK_LANES, steps = (k + step_columns - 1) / step_columns;
    for (size_t r0 = 0; r0 < m; r0 += CK_GEMV_ROWS) {
        size_t rows = m - r0 < CK_GEMV_ROWS ? m - r0 : CK_GEMV_ROWS;
        /* Steps a chunk: as many as the buffer holds for these rows. */
        size_t chunk = CK_PACKED_FLOATS / (per_step * rows);
        if (chunk > CK_PACKED_MAX_STEPS) chunk = CK_PACKED_MAX_STEPS;
        if (chunk > steps) chunk = steps;
        float *yr = y + r0 * ldy;
        for (size_t start = 0; start < k; start += chunk * step_columns) {
            size_t columns = k - start < chunk * step_columns ? k - start : chunk * step_columns;
            packed_plan_make(kind, k, start, columns, w, &plan);
            for (size_t r = 0; r < rows; r++) packed_layout_x(&plan, x + (r0 + r) * ldx, layout + r * plan.layout);
            int add = start > 0;
            switch (rows) {
            case 1: packed_rows(kind, 1, CK_LANES / 2, &plan, first, count, layout, w, add, yr, ldy); break;
            case 2: packed_rows(kind, 2, CK_LANES / 4, &plan, first, count, layout, w, add, yr, ldy); break;
            case 3: packed_rows(kind, 3, CK_LANES / 8, &plan, first, count, layout, w, add, yr, ldy); break;
            default: packed_rows(kind, 4, CK_LANES / 8, &plan, first, count, layout, w, add, yr, ldy); break;
            }
        }
    }
    return 1;
}
