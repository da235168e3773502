/* ck_gptq_columns in plain C, one row and one value at a time: the reference of the SIMD paths
 * (simd_gptq.h), included by portable.c. Products and differences are separate statements, so
 * that no compiler fuses them. */

/* v rounded to the weight's dtype, nearest even; a NaN stays NaN (an f16 one as the quiet NaN of its sign). */
static float gptq_round(ck_gptq_dtype t, float v) {
    uint32_t u = ck_bits_of(v);
    switch (t) {
    case CK_GPTQ_BF16: return ck_float_of((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000u);
    case CK_GPTQ_F16: return v != v ? ck_float_of((u & 0x80000000u) | 0x7FC00000u) : round_to(CK_MSE_F16, v);
    default: return v;
    }
}

/* x fake-quantized with scale s and zero point z (see ck_gptq_columns). */
static float gptq_fake_quantize(const ck_gptq_grid *grid, float x, float s, float z) {
    float v = x / s;
    if (!grid->symmetric) v = v + z;
    v = grid->qmin >= v ? grid->qmin : v;
    v = grid->qmax < v ? grid->qmax : v;
    float q = nearbyintf(v);
    if (!grid->symmetric) q = q - z;
    float product = q * s;
    return gptq_round(grid->dtype, product);
}

static void gptq_columns(const ck_gptq_grid *grid, size_t first, size_t count, size_t width, const size_t *columns,
                         float *w, size_t ldw, const float *h, size_t ldh, float *errors, float *row_loss,
                         float *scratch) {
    (void)scratch;
    const ck_scales *s = &grid->scales;
    for (size_t r = first; r < first + count; r++) {
        float *row = w + r * ldw, *error = errors + r * width, loss = 0;
        size_t base = (r / s->block_rows) * s->stride;
        for (size_t i = 0; i < width; i++) {
            size_t at = base + columns[i] / s->group;
            float x = row[i];
            float q = gptq_fake_quantize(grid, x, s->values[at], grid->symmetric ? 0 : s->zero_points[at]);
            const float *hi = h + i * ldh;
            float e = (x - q) / hi[i];
            row[i] = q;
            error[i] = e;
            float square = e * e;
            loss = loss + square;
            for (size_t j = i + 1; j < width; j++) {
                float product = e * hi[j];
                row[j] = row[j] - product;
            }
        }
        row_loss[r] += loss / 2;
    }
}
