/* ck_gptq_columns on the primitives of simd_avx512.h or simd_avx2.h, included by simd_kernels.h.
 *
 * One row a lane: a tile of CK_GPTQ_ROWS rows is transposed into scratch, each column of the block
 * becoming CK_GPTQ_VECTORS vectors (column i, vector v holds rows v·CK_LANES … of the tile), so that
 * a column is fake-quantized for all the tile's rows at once and the rank-1 update of the later
 * columns is one product and one difference per vector, with the factor's value broadcast. Every
 * lane does its row's operations in the portable kernel's order; products and differences are
 * separate instructions (never fused), so the results are the same bits. */

/* Vectors of rows a tile holds: two give each column's chain of division, rounding and update
 * another row vector's work to overlap with. */
#define CK_GPTQ_VECTORS 2
#define CK_GPTQ_ROWS (CK_GPTQ_VECTORS * CK_LANES)
_Static_assert(CK_GPTQ_TILE_ROWS % CK_GPTQ_ROWS == 0, "CK_GPTQ_TILE_ROWS is a whole number of tiles on every path");

/* a rounded to the weight's dtype, nearest even (bf16's rounding as BF16Storage.rounded, on the bits). */
ALWAYS_INLINE vf gptq_round(const ck_gptq_dtype t, vf a) {
    switch (t) {
    case CK_GPTQ_BF16: return vf_round_bits(a, 16);
    case CK_GPTQ_F16: return vf_round_f16(a);
    default: return a;
    }
}

/* The fake quantization of x with scale s and zero point z (see ck_gptq_columns): the clamp as
 * selects, so that NaN stays NaN as Swift's max and min keep it. */
ALWAYS_INLINE vf gptq_fake_quantize(const ck_gptq_dtype t, const int symmetric, vf x, vf s, vf z, vf qmin, vf qmax) {
    vf v = vf_div(x, s);
    if (!symmetric) v = vf_add(v, z);
    v = vf_select(vm_le(v, qmin), qmin, v);
    v = vf_select(vm_lt(qmax, v), qmax, v);
    vf q = vf_round_even(v);
    return gptq_round(t, vf_mul(symmetric ? q : vf_sub(q, z), s));
}

/* Rows r0..<r0+n (n ≤ CK_GPTQ_ROWS) of the block into tile, transposed; missing rows read as zero. */
ALWAYS_INLINE void gptq_tile_in(const float *w, size_t ldw, size_t r0, size_t n, size_t width, float *tile) {
    for (size_t v = 0; v < CK_GPTQ_VECTORS; v++)
        for (size_t c0 = 0; c0 < width; c0 += CK_LANES) {
            size_t columns = width - c0 < CK_LANES ? width - c0 : CK_LANES;
            vf a[CK_LANES];
            CK_UNROLL
            for (size_t l = 0; l < CK_LANES; l++) {
                size_t r = v * CK_LANES + l;
                if (r >= n) a[l] = vf_zero();
                else if (columns == CK_LANES) a[l] = vf_load(w + (r0 + r) * ldw + c0);
                else a[l] = vf_load_n(w + (r0 + r) * ldw + c0, columns);
            }
            vf_transpose(a);
            for (size_t c = 0; c < columns; c++) vf_store(tile + ((c0 + c) * CK_GPTQ_VECTORS + v) * CK_LANES, a[c]);
        }
}

/* The inverse of gptq_tile_in: tile's columns back into rows r0..<r0+n of out (rows ld apart). */
ALWAYS_INLINE void gptq_tile_out(const float *tile, size_t r0, size_t n, size_t width, float *out, size_t ld) {
    for (size_t v = 0; v < CK_GPTQ_VECTORS; v++)
        for (size_t c0 = 0; c0 < width; c0 += CK_LANES) {
            size_t columns = width - c0 < CK_LANES ? width - c0 : CK_LANES;
            vf a[CK_LANES];
            CK_UNROLL
            for (size_t c = 0; c < CK_LANES; c++)
                a[c] = c < columns ? vf_load(tile + ((c0 + c) * CK_GPTQ_VECTORS + v) * CK_LANES) : vf_zero();
            vf_transpose(a);
            for (size_t l = 0; l < CK_LANES && v * CK_LANES + l < n; l++) {
                float *p = out + (r0 + v * CK_LANES + l) * ld + c0;
                if (columns == CK_LANES) vf_store(p, a[l]);
                else vf_store_n(p, a[l], columns);
            }
        }
}

/* The scales (and zero points) of rows r0..<r0+n at each of the block's columns, laid out as the
 * tile; missing rows repeat row r0's. */
ALWAYS_INLINE void gptq_tile_scales(const ck_scales *s, size_t r0, size_t n, size_t width, const size_t *columns,
                                    float *scales, float *zeros) {
    size_t base[CK_GPTQ_ROWS];
    for (size_t l = 0; l < CK_GPTQ_ROWS; l++) base[l] = ((r0 + (l < n ? l : 0)) / s->block_rows) * s->stride;
    for (size_t i = 0; i < width; i++) {
        size_t g = columns[i] / s->group;
        for (size_t l = 0; l < CK_GPTQ_ROWS; l++) scales[i * CK_GPTQ_ROWS + l] = s->values[base[l] + g];
        if (zeros)
            for (size_t l = 0; l < CK_GPTQ_ROWS; l++) zeros[i * CK_GPTQ_ROWS + l] = s->zero_points[base[l] + g];
    }
}

/* The column loop on one transposed tile: tile's values become their fake quantizations, errors
 * their errors, and loss[v] each lane's Σ e·e in column order. */
ALWAYS_INLINE void gptq_tile_columns(const ck_gptq_dtype t, const int symmetric, const ck_gptq_grid *grid, size_t width,
                                     const float *h, size_t ldh, float *tile, float *errors, const float *scales,
                                     const float *zeros, vf *loss) {
    vf qmin = vf_set1(grid->qmin), qmax = vf_set1(grid->qmax);
    CK_UNROLL
    for (size_t v = 0; v < CK_GPTQ_VECTORS; v++) loss[v] = vf_zero();
    for (size_t i = 0; i < width; i++) {
        const float *hi = h + i * ldh;
        vf diagonal = vf_set1(hi[i]), e[CK_GPTQ_VECTORS];
        CK_UNROLL
        for (size_t v = 0; v < CK_GPTQ_VECTORS; v++) {
            size_t at = (i * CK_GPTQ_VECTORS + v) * CK_LANES;
            vf x = vf_load(tile + at), z = symmetric ? vf_zero() : vf_load(zeros + at);
            vf q = gptq_fake_quantize(t, symmetric, x, vf_load(scales + at), z, qmin, qmax);
            e[v] = vf_div(vf_sub(x, q), diagonal);
            vf_store(tile + at, q);
            vf_store(errors + at, e[v]);
            loss[v] = vf_add(loss[v], vf_mul(e[v], e[v]));
        }
        for (size_t j = i + 1; j < width; j++) {
            vf hj = vf_set1(hi[j]);
            CK_UNROLL
            for (size_t v = 0; v < CK_GPTQ_VECTORS; v++) {
                float *p = tile + (j * CK_GPTQ_VECTORS + v) * CK_LANES;
                vf_store(p, vf_sub(vf_load(p), vf_mul(e[v], hj)));
            }
        }
    }
}

ALWAYS_INLINE void gptq_rows(const ck_gptq_dtype t, const int symmetric, const ck_gptq_grid *grid, size_t first,
                             size_t count, size_t width, const size_t *columns, float *w, size_t ldw, const float *h,
                             size_t ldh, float *errors, float *row_loss, float *scratch) {
    float *tile = scratch, *tile_errors = tile + width * CK_GPTQ_ROWS, *scales = tile_errors + width * CK_GPTQ_ROWS;
    float *zeros = symmetric ? NULL : scales + width * CK_GPTQ_ROWS;
    for (size_t r0 = first; r0 < first + count; r0 += CK_GPTQ_ROWS) {
        size_t n = first + count - r0 < CK_GPTQ_ROWS ? first + count - r0 : CK_GPTQ_ROWS;
        gptq_tile_in(w, ldw, r0, n, width, tile);
        gptq_tile_scales(&grid->scales, r0, n, width, columns, scales, zeros);
        vf loss[CK_GPTQ_VECTORS];
        gptq_tile_columns(t, symmetric, grid, width, h, ldh, tile, tile_errors, scales, zeros, loss);
        gptq_tile_out(tile, r0, n, width, w, ldw);
        gptq_tile_out(tile_errors, r0, n, width, errors, width);
        float sums[CK_GPTQ_ROWS];
        CK_UNROLL
        for (size_t v = 0; v < CK_GPTQ_VECTORS; v++) vf_store(sums + v * CK_LANES, loss[v]);
        for (size_t l = 0; l < n; l++) row_loss[r0 + l] += sums[l] / 2;
    }
}

ALWAYS_INLINE void gptq_rows_in(const ck_gptq_dtype t, const ck_gptq_grid *grid, size_t first, size_t count,
                                size_t width, const size_t *columns, float *w, size_t ldw, const float *h, size_t ldh,
                                float *errors, float *row_loss, float *scratch) {
    if (grid->symmetric) gptq_rows(t, 1, grid, first, count, width, columns, w, ldw, h, ldh, errors, row_loss, scratch);
    else gptq_rows(t, 0, grid, first, count, width, columns, w, ldw, h, ldh, errors, row_loss, scratch);
}

static void gptq_columns(const ck_gptq_grid *grid, size_t first, size_t count, size_t width, const size_t *columns,
                         float *w, size_t ldw, const float *h, size_t ldh, float *errors, float *row_loss,
                         float *scratch) {
    switch (grid->dtype) {
    case CK_GPTQ_BF16: gptq_rows_in(CK_GPTQ_BF16, grid, first, count, width, columns, w, ldw, h, ldh, errors, row_loss, scratch); break;
    case CK_GPTQ_F16: gptq_rows_in(CK_GPTQ_F16, grid, first, count, width, columns, w, ldw, h, ldh, errors, row_loss, scratch); break;
    case CK_GPTQ_F32: gptq_rows_in(CK_GPTQ_F32, grid, first, count, width, columns, w, ldw, h, ldh, errors, row_loss, scratch); break;
    }
}
