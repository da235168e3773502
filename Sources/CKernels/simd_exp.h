/* The vector kernels of ckernels_exp.h, written against exp_vf (EXP_LANES f32 lanes) and the
 * ev_* primitives; EXP_NAME(name) gives each path's names. Included by exp_kernels.c once per path,
 * inside its target attribute region. */

/* e^x lane by lane, as exp_scalar computes it. */
static inline exp_vf EXP_NAME(exp)(exp_vf x) {
    x = ev_clamp(x, exp_low, exp_high);
    exp_vf t = ev_fma(x, ev_set1(log2e), ev_set1(shifter)), n = ev_sub(t, ev_set1(shifter));
    exp_vf r = ev_fnma(n, ev_set1(ln2_low), ev_fnma(n, ev_set1(ln2_high), x));
    exp_vf p = ev_set1(taylor[0]);
    for (int i = 1; i < 8; i++) p = ev_fma(p, r, ev_set1(taylor[i]));
    return ev_mul(p, ev_power(t));
}

static double EXP_NAME(exp_sum)(const float *x, size_t n, float shift, float *out) {
    double total = 0;
    exp_vf s = ev_set1(shift);
    for (size_t i = 0; i < n;) {
        size_t end = i + EXP_BLOCK < n ? i + EXP_BLOCK : n;
        exp_vf lanes = ev_set1(0);
        for (; i < end; i += EXP_LANES) {
            size_t count = end - i < EXP_LANES ? end - i : EXP_LANES;
            /* A partial vector's lanes past count hold e^(0 − shift): only its first count lanes
             * are added (one by one), and only they are stored. */
            exp_vf e = EXP_NAME(exp)(ev_sub(ev_load_n(x + i, count), s));
            if (out) ev_store_n(out + i, e, count);
            if (count == EXP_LANES) {
                lanes = ev_add(lanes, e);
            } else {
                float tail[EXP_LANES];
                ev_store_n(tail, e, EXP_LANES);
                for (size_t j = 0; j < count; j++) total += tail[j];
            }
        }
        total += ev_sum(lanes);
    }
    return total;
}

static void EXP_NAME(silu_product)(const float *gate, const float *up, float *out, size_t n) {
    for (size_t i = 0; i < n; i += EXP_LANES) {
        size_t count = n - i < EXP_LANES ? n - i : EXP_LANES;
        exp_vf g = ev_load_n(gate + i, count);
        exp_vf e = EXP_NAME(exp)(ev_sub(ev_set1(0), g));
        ev_store_n(out + i, ev_mul(ev_div(g, ev_add(ev_set1(1), e)), ev_load_n(up + i, count)), count);
    }
}
