/* ck_mse_errors and ck_mse_improvements on the primitives of simd_avx512.h or simd_avx2.h, included by simd_kernels.h.
 *
 * One group a lane: CK_LANES groups are copied to scratch as f32, value c of every group side by
 * side, so each lane sums its own group's terms in order, as the portable kernel does. Every step's
 * candidate is computed for all lanes at once, then the values are run through it.
 *
 * x / s is the one division per value. For bf16 it is taken as x · (1/s), which rounds to the same
 * bf16: x / s = (m1 / m2) · 2^k with integer significands m1, m2 < 256, and a bf16 tie of that
 * binade, (2j + 1) / 2^9 · 2^k' in those terms, would need 512 · m1 = (2j + 1) · m2 (which no m2 < 256
 * satisfies), so x / s lies at least 2^-17 (relative) from every tie, while x · (1/s) is within
 * 3 · 2^-24 of it as long as both stay well inside the normal range (checked once per tile of values
 * and per candidate; otherwise it divides). */

/* The grids of ck_mse_errors as the kernel specialises on them. */
enum { MSE_INT_SYMMETRIC, MSE_INT_ASYMMETRIC, MSE_FP8, MSE_FP4 };

ALWAYS_INLINE vf mse_round(const ck_mse_dtype t, vf a) { return t == CK_MSE_BF16 ? vf_round_bits(a, 16) : vf_round_f16(a); }

/* The scale, zero point and reciprocal of the scale of each lane's candidate. */
typedef struct {
    vf scale, zero, reciprocal;
} mse_candidate;

ALWAYS_INLINE mse_candidate mse_candidate_of(const ck_mse_dtype t, const int kind, const ck_mse_grid *grid, vf lo, vf hi,
                                             float factor) {
    vf p = vf_set1(factor), zero = vf_zero();
    vf low = vf_min(mse_round(t, vf_mul(lo, p)), zero), high = vf_max(mse_round(t, vf_mul(hi, p)), zero);
    vf largest = vf_max(vf_sub(zero, low), high), s, z = zero;
    float range = grid->qmax - grid->qmin;
    switch (kind) {
    case MSE_INT_SYMMETRIC: s = mse_round(t, vf_div(largest, vf_set1(range / 2))); break;
    case MSE_INT_ASYMMETRIC:
        s = mse_round(t, vf_div(mse_round(t, vf_sub(high, low)), vf_set1(range)));
        z = mse_round(t, vf_sub(vf_set1(grid->qmin), mse_round(t, vf_div(low, s))));
        z = vf_select(vm_isnan(z), zero, vf_round_even(vf_min(vf_max(z, vf_set1(grid->qmin)), vf_set1(grid->qmax))));
        break;
    default: s = mse_round(t, vf_div(largest, vf_set1(kind == MSE_FP8 ? 448.0f : 6.0f))); break;
    }
    s = vf_select(vm_eq(s, zero), vf_set1(grid->eps), s);
    mse_candidate c = {s, z, vf_div(vf_set1(1.0f), s)};
    return c;
}

/* R(x / s), multiplying by 1/s for bf16 unless `exact` (see the top of this file). */
ALWAYS_INLINE vf mse_quotient(const ck_mse_dtype t, int exact, vf x, const mse_candidate *c) {
    if (t != CK_MSE_BF16 || exact) return mse_round(t, vf_div(x, c->scale));
    return vf_round_bits(vf_mul(x, c->reciprocal), 16);
}

/* The nearest E4M3 value of each lane (|v| ≤ 448): 3 fraction bits, multiples of 2^-9 below 2^-6. */
ALWAYS_INLINE vf mse_round_fp8(vf v) {
    vf subnormal = vf_mul(vf_round_even(vf_mul(v, vf_set1(512.0f))), vf_set1(0x1p-9f));
    return vf_select(vm_lt(vf_abs(v), vf_set1(0x1p-6f)), subnormal, vf_round_bits(v, 20));
}

/* The nearest E2M1 value of each lane (|v| ≤ 6), ties to even: below 1 the nearest multiple of
 * 1/2 (2·v rounded to an integer, nearest even, then halved), from 1 on v rounded to one fraction
 * bit (vf_round_bits). E2M1's even codes are those whose value has a zero last bit in these terms
 * (0 and 1 below 1.5; 1, 2, 4 and 6 for the rest), so both roundings tie as it does. */
ALWAYS_INLINE vf mse_round_fp4(vf v) {
    vf small = vf_mul(vf_round_even(vf_mul(v, vf_set1(2.0f))), vf_set1(0.5f));
    return vf_select(vm_lt(vf_abs(v), vf_set1(1.0f)), small, vf_round_bits(v, 22));
}

/* |R(q(x) − x)|^norm of each lane's value x under its candidate. */
ALWAYS_INLINE vf mse_term(const ck_mse_dtype t, const int kind, const ck_mse_grid *grid, const vf_powers *powers, int exact,
                          vf x, const mse_candidate *c) {
    vf v = mse_quotient(t, exact, x, c), q;
    switch (kind) {
    case MSE_INT_SYMMETRIC:
    case MSE_INT_ASYMMETRIC: {
        vf shifted = kind == MSE_INT_SYMMETRIC ? v : mse_round(t, vf_add(v, c->zero));
        vf code = vf_round_even(vf_min(vf_max(shifted, vf_set1(grid->qmin)), vf_set1(grid->qmax)));
        q = vf_mul(kind == MSE_INT_SYMMETRIC ? code : vf_sub(code, c->zero), c->scale);
        break;
    }
    case MSE_FP8: q = vf_mul(mse_round_fp8(vf_min(vf_max(v, vf_set1(-448.0f)), vf_set1(448.0f))), c->scale); break;
    default: q = vf_mul(mse_round_fp4(vf_min(vf_max(v, vf_set1(-6.0f)), vf_set1(6.0f))), c->scale); break;
    }
    vf d = mse_round(t, vf_sub(mse_round(t, q), x));
    return t == CK_MSE_BF16 ? vf_power_bf16(d, powers) : vf_power_f16(d, grid->power);
}

/* Copies groups first..<first+n (n ≤ CK_LANES; missing lanes repeat the first group) to tile as
 * f32, value c of lane j at tile[c·CK_LANES + j]; whether every value is 0 or of magnitude within
 * [2^-80, 2^80], where x · (1/s) stays normal for scales within [2^-40, 2^40]. */
ALWAYS_INLINE int mse_tile(const ck_mse_dtype t, const uint16_t *values, size_t first, size_t n, size_t group_size,
                           float *tile) {
    int moderate = 1;
    for (size_t j = 0; j < CK_LANES; j++) {
        const uint16_t *group = values + (first + (j < n ? j : 0)) * group_size;
        for (size_t c = 0; c < group_size; c++) {
            float x;
            if (t == CK_MSE_BF16) {
                uint32_t bits = (uint32_t)group[c] << 16;
                memcpy(&x, &bits, 4);
            } else {
                x = f16_value(group[c]);
            }
            float a = x < 0 ? -x : x;
            moderate &= a == 0 || (a >= 0x1p-80f && a <= 0x1p80f);
            tile[c * CK_LANES + j] = x;
        }
    }
    return moderate;
}

/* Each step's sums into errors, or (improvements not NULL) the steps improving each group's best,
 * every lane comparing its sums rounded to the dtype. */
ALWAYS_INLINE void mse_search(const ck_mse_dtype t, const int kind, const ck_mse_grid *grid, size_t groups,
                              size_t group_size, const uint16_t *values, const float *lo, const float *hi,
                              const float *factors, size_t steps, float *tile, float *errors, uint64_t *improvements) {
    size_t words = (steps + 63) / 64;
    const vf_powers powers = vf_powers_load(grid->power, t == CK_MSE_BF16 ? grid->parts : NULL);
    for (size_t first = 0; first < groups; first += CK_LANES) {
        size_t n = groups - first < CK_LANES ? groups - first : CK_LANES;
        int moderate = mse_tile(t, values, first, n, group_size, tile);
        float lows[CK_LANES], highs[CK_LANES], sums[CK_LANES];
        for (size_t j = 0; j < CK_LANES; j++) {
            lows[j] = lo[first + (j < n ? j : 0)];
            highs[j] = hi[first + (j < n ? j : 0)];
        }
        vf low = vf_load(lows), high = vf_load(highs), best = vf_set1(ck_mse_largest(t));
        if (improvements) memset(improvements + first * words, 0, n * words * sizeof(uint64_t));
        for (size_t i = 0; i < steps; i++) {
            mse_candidate c = mse_candidate_of(t, kind, grid, low, high, factors[i]);
            vf s = c.scale;
            int exact = !moderate || vm_any(vm_or(vm_lt(s, vf_set1(0x1p-40f)), vm_lt(vf_set1(0x1p40f), s)));
            vf sum = vf_zero();
            for (size_t v = 0; v < group_size; v++) sum = vf_add(sum, mse_term(t, kind, grid, &powers, exact, vf_load(tile + v * CK_LANES), &c));
            if (improvements) {
                vf error = mse_round(t, sum);
                vmask better = vm_lt(error, best);
                best = vf_select(better, error, best);
                for (unsigned lanes = vm_bits(better) & ((1u << n) - 1); lanes; lanes &= lanes - 1)
                    improvements[(first + (size_t)__builtin_ctz(lanes)) * words + i / 64] |= 1ull << (i % 64);
            } else {
                vf_store(sums, sum);
                for (size_t j = 0; j < n; j++) errors[(first + j) * steps + i] = sums[j];
            }
        }
    }
}

ALWAYS_INLINE void mse_search_in(const ck_mse_dtype t, const ck_mse_grid *grid, size_t groups, size_t group_size,
                                 const uint16_t *values, const float *lo, const float *hi, const float *factors,
                                 size_t steps, float *tile, float *errors, uint64_t *improvements) {
    switch (grid->element) {
    case CK_MSE_INT:
        if (grid->symmetric)
            mse_search(t, MSE_INT_SYMMETRIC, grid, groups, group_size, values, lo, hi, factors, steps, tile, errors, improvements);
        else
            mse_search(t, MSE_INT_ASYMMETRIC, grid, groups, group_size, values, lo, hi, factors, steps, tile, errors, improvements);
        break;
    case CK_MSE_FP8: mse_search(t, MSE_FP8, grid, groups, group_size, values, lo, hi, factors, steps, tile, errors, improvements); break;
    case CK_MSE_FP4: mse_search(t, MSE_FP4, grid, groups, group_size, values, lo, hi, factors, steps, tile, errors, improvements); break;
    }
}

static void mse_errors(const ck_mse_grid *grid, size_t groups, size_t group_size, const uint16_t *values,
                       const float *lo, const float *hi, const float *factors, size_t steps, float *scratch,
                       float *errors, uint64_t *improvements) {
    if (grid->dtype == CK_MSE_BF16)
        mse_search_in(CK_MSE_BF16, grid, groups, group_size, values, lo, hi, factors, steps, scratch, errors, improvements);
    else
        mse_search_in(CK_MSE_F16, grid, groups, group_size, values, lo, hi, factors, steps, scratch, errors, improvements);
}
