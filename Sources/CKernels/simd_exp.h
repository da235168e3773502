/* The vector kernels of ckernels_exp.h, written against exp_vf (EXP_LANES f32 lanes) and the
 * ev_* primitives; EXP_NAME(name) gives each path's names. Included by exp_kernels.c once per path,
 * inside its target attribute region. */

/* e^x lane by lane, as exp_scalar computes it (the same operations, each rounded on its own). */
static inline exp_vf EXP_NAME(exp)(exp_vf x) {
    x = ev_min(ev_set1(exp_high), ev_max(ev_set1(exp_low), x)); /* NaN lanes stay NaN */
    exp_vf t = ev_add(ev_mul(x, ev_set1(log2e)), ev_set1(shifter)), n = ev_sub(t, ev_set1(shifter));
    exp_vf r = ev_sub(ev_sub(x, ev_mul(n, ev_set1(ln2_high))), ev_mul(n, ev_set1(ln2_low)));
    exp_vf p = ev_set1(taylor[0]);
    for (int i = 1; i < 8; i++) p = ev_add(ev_mul(p, r), ev_set1(taylor[i]));
    return ev_mul(p, ev_power(t));
}

/* As exp_sum_portable: whole groups of eight summed lane by lane in blocks of EXP_BLOCK, the rest
 * one at a time. */
static double EXP_NAME(exp_sum)(const float *x, size_t n, float shift, float *out) {
    double total = 0;
    size_t whole = n & ~(size_t)(EXP_SUM_LANES - 1), i = 0;
    exp_vf s = ev_set1(shift);
    while (i < whole) {
        size_t end = i + EXP_BLOCK < whole ? i + EXP_BLOCK : whole;
        __m256 sums = _mm256_setzero_ps();
        for (; i < end; i += EXP_LANES) {
            size_t count = end - i < EXP_LANES ? end - i : EXP_LANES; /* a multiple of 8 */
            exp_vf e = EXP_NAME(exp)(ev_sub(ev_load_n(x + i, count), s));
            if (out) ev_store_n(out + i, e, count);
            sums = ev_accumulate(sums, e, count);
        }
        float lanes[EXP_SUM_LANES];
        _mm256_storeu_ps(lanes, sums);
        total += lanes_sum(lanes);
    }
    return total + exp_sum_tail(x, whole, n, shift, out);
}

static void EXP_NAME(silu_product)(const float *gate, const float *up, float *out, size_t n) {
    for (size_t i = 0; i < n; i += EXP_LANES) {
        size_t count = n - i < EXP_LANES ? n - i : EXP_LANES;
        exp_vf g = ev_load_n(gate + i, count);
        exp_vf e = EXP_NAME(exp)(ev_sub(ev_set1(0), g));
        ev_store_n(out + i, ev_mul(ev_div(g, ev_add(ev_set1(1), e)), ev_load_n(up + i, count)), count);
    }
}

/* As maximum_portable, on four vectors of running maxima (each lane keeping its value unless a
 * later one is greater), then their lanes in order and the values past the last whole vector. */
static float EXP_NAME(maximum)(const float *x, size_t n) {
    if (n < 4 * EXP_LANES) return maximum_portable(x, 0, n, x[0]);
    exp_vf m[4];
    for (int j = 0; j < 4; j++) m[j] = ev_load_n(x + j * EXP_LANES, EXP_LANES);
    size_t i = 4 * EXP_LANES;
    for (; i + 4 * EXP_LANES <= n; i += 4 * EXP_LANES)
        for (int j = 0; j < 4; j++) m[j] = ev_max(ev_load_n(x + i + j * EXP_LANES, EXP_LANES), m[j]);
    float lanes[4 * EXP_LANES];
    for (int j = 0; j < 4; j++) ev_store_n(lanes + j * EXP_LANES, m[j], EXP_LANES);
    return maximum_portable(x, i, n, maximum_portable(lanes, 1, 4 * EXP_LANES, lanes[0]));
}
