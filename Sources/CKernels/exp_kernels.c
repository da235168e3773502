/* ckernels_exp.h: one implementation per path (portable scalar, AVX2 with 8 lanes, AVX-512 with
 * 16), the AVX ones compiled for their instructions and called only when the CPU has them. Every
 * path rounds each step separately (no fused multiply-adds) and sums in the same order, so all
 * paths give the same bits: those of the runtime's earlier SIMD8 exponential. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include "ckernels.h"
#include "ckernels_exp.h"

/* Values summed in eight f32 lanes before the lanes go, one after the other, to the f64 total. */
#define EXP_BLOCK 256
#define EXP_SUM_LANES 8

/* The constants of the range reduction: 1.5·2^23 rounds to an integer in the low mantissa bits;
 * ln2 split in a high part exact in f32 and a low remainder. */
static const float exp_low = -87, exp_high = 88, log2e = 1.44269504f, shifter = 12582912.0f;
static const float ln2_high = 0.69314575f, ln2_low = 1.4286068e-6f;
static const float taylor[8] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1, 1};

/* ---- Portable ---- */

/* e^x with each product and sum rounded on its own (one operation per statement: C may fuse an
 * expression's multiply and add). A NaN stays NaN. */
static float exp_scalar(float x) {
    x = x < exp_low ? exp_low : x > exp_high ? exp_high : x;
    float t = x * log2e;
    t = t + shifter;
    float n = t - shifter;
    float high = n * ln2_high, low = n * ln2_low;
    float r = x - high;
    r = r - low;
    float p = taylor[0];
    for (int i = 1; i < 8; i++) {
        p = p * r;
        p = p + taylor[i];
    }
    uint32_t bits;
    memcpy(&bits, &t, 4);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

/* The eight lanes' sum, lane 0 first. */
static double lanes_sum(const float lanes[EXP_SUM_LANES]) {
    float sum = 0;
    for (int j = 0; j < EXP_SUM_LANES; j++) sum += lanes[j];
    return sum;
}

/* The values past the last whole group of eight, one at a time. */
static double exp_sum_tail(const float *x, size_t start, size_t n, float shift, float *out) {
    double total = 0;
    for (size_t i = start; i < n; i++) {
        float e = exp_scalar(x[i] - shift);
        if (out) out[i] = e;
        total += e;
    }
    return total;
}

static double exp_sum_portable(const float *x, size_t n, float shift, float *out) {
    double total = 0;
    size_t whole = n & ~(size_t)(EXP_SUM_LANES - 1), i = 0;
    while (i < whole) {
        size_t end = i + EXP_BLOCK < whole ? i + EXP_BLOCK : whole;
        float lanes[EXP_SUM_LANES] = {0};
        for (; i < end; i++) {
            float e = exp_scalar(x[i] - shift);
            if (out) out[i] = e;
            lanes[i % EXP_SUM_LANES] += e;
        }
        total += lanes_sum(lanes);
    }
    return total + exp_sum_tail(x, whole, n, shift, out);
}

/* The largest of best and x[start..<n]: each value taken when greater than the largest so far. */
static float maximum_portable(const float *x, size_t start, size_t n, float best) {
    for (size_t i = start; i < n; i++) best = x[i] > best ? x[i] : best;
    return best;
}

static void silu_product_portable(const float *gate, const float *up, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = gate[i] / (1 + exp_scalar(-gate[i])) * up[i];
}

/* ---- AVX2 and AVX-512: simd_exp.h on 8 and 16 lanes, summing in 8 ---- */

#define EXP_NAME(name) name##_avx2
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
/* Lanes i < n all ones. */
static inline __m256i lanes_avx2(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#define exp_vf __m256
#define EXP_LANES 8
#define ev_set1 _mm256_set1_ps
#define ev_load_n(p, n) _mm256_maskload_ps((p), lanes_avx2(n))
#define ev_store_n(p, v, n) _mm256_maskstore_ps((p), lanes_avx2(n), (v))
#define ev_mul _mm256_mul_ps
#define ev_add _mm256_add_ps
#define ev_sub _mm256_sub_ps
#define ev_div _mm256_div_ps
#define ev_min _mm256_min_ps
#define ev_max _mm256_max_ps
/* 2^(bits of t − 0x4B400000), t from the shifter's rounding. */
#define ev_power(t) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000 - 127)), 23))
/* The eight-lane sums plus e's first `count` (8) values. */
#define ev_accumulate(sums, e, count) _mm256_add_ps((sums), (e))
#include "simd_exp.h"
#pragma clang attribute pop
#undef EXP_NAME
#undef exp_vf
#undef EXP_LANES
#undef ev_set1
#undef ev_load_n
#undef ev_store_n
#undef ev_mul
#undef ev_add
#undef ev_sub
#undef ev_div
#undef ev_min
#undef ev_max
#undef ev_power
#undef ev_accumulate

#define EXP_NAME(name) name##_avx512
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq"))), apply_to = function)
/* e's low eight lanes, then (a whole vector) its high eight, added to the sums in that order. */
static inline __m256 accumulate_avx512(__m256 sums, __m512 e, size_t count) {
    sums = _mm256_add_ps(sums, _mm512_castps512_ps256(e));
    return count > 8 ? _mm256_add_ps(sums, _mm512_extractf32x8_ps(e, 1)) : sums;
}
#define exp_vf __m512
#define EXP_LANES 16
#define ev_set1 _mm512_set1_ps
#define ev_load_n(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1), (p))
#define ev_store_n(p, v, n) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (n)) - 1), (v))
#define ev_mul _mm512_mul_ps
#define ev_add _mm512_add_ps
#define ev_sub _mm512_sub_ps
#define ev_div _mm512_div_ps
#define ev_min _mm512_min_ps
#define ev_max _mm512_max_ps
#define ev_power(t) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000 - 127)), 23))
#define ev_accumulate accumulate_avx512
#include "simd_exp.h"
#pragma clang attribute pop

/* ---- Entry points ---- */

double ck_exp_sum(const float *x, size_t n, float shift, float *out) {
    switch (ck_current_path()) {
    case CK_AVX512: return exp_sum_avx512(x, n, shift, out);
    case CK_AVX2: return exp_sum_avx2(x, n, shift, out);
    default: return exp_sum_portable(x, n, shift, out);
    }
}

void ck_silu_product(const float *gate, const float *up, float *out, size_t n) {
    switch (ck_current_path()) {
    case CK_AVX512: silu_product_avx512(gate, up, out, n); break;
    case CK_AVX2: silu_product_avx2(gate, up, out, n); break;
    default: silu_product_portable(gate, up, out, n);
    }
}

float ck_maximum(const float *x, size_t n) {
    switch (ck_current_path()) {
    case CK_AVX512: return maximum_avx512(x, n);
    case CK_AVX2: return maximum_avx2(x, n);
    default: return maximum_portable(x, 1, n, x[0]);
    }
}
