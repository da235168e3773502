/* ckernels_exp.h: one implementation per path (portable scalar, AVX2/FMA with 8 lanes, AVX-512
 * with 16), the AVX ones compiled for their instructions and called only when the CPU has them. */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "ckernels.h"
#include "ckernels_exp.h"

/* Values summed in f32 lanes before the lanes go to the f64 total. */
#define EXP_BLOCK 256

/* The constants of the range reduction: 1.5·2^23 rounds to an integer in the low mantissa bits;
 * ln2 split in a high part exact in f32 and a low remainder. */
static const float exp_low = -87, exp_high = 88, log2e = 1.44269504f, shifter = 12582912.0f;
static const float ln2_high = 0.693145752f, ln2_low = 1.4286068e-6f;
static const float taylor[8] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1, 1};

/* ---- Portable ---- */

static float exp_scalar(float x) {
    x = x < exp_low ? exp_low : x > exp_high ? exp_high : x;
    float t = fmaf(x, log2e, shifter), n = t - shifter;
    float r = fmaf(-n, ln2_low, fmaf(-n, ln2_high, x));
    float p = taylor[0];
    for (int i = 1; i < 8; i++) p = fmaf(p, r, taylor[i]);
    uint32_t bits;
    memcpy(&bits, &t, 4);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

static double exp_sum_portable(const float *x, size_t n, float shift, float *out) {
    double total = 0;
    for (size_t i = 0; i < n;) {
        size_t end = i + EXP_BLOCK < n ? i + EXP_BLOCK : n;
        float block = 0;
        for (; i < end; i++) {
            float e = exp_scalar(x[i] - shift);
            if (out) out[i] = e;
            block += e;
        }
        total += block;
    }
    return total;
}

static void silu_product_portable(const float *gate, const float *up, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = gate[i] / (1 + exp_scalar(-gate[i])) * up[i];
}

/* ---- AVX2 and AVX-512: simd_exp.h on 8 and 16 lanes ---- */

#define EXP_NAME(name) name##_avx2
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
/* Lanes i < n all ones. */
static inline __m256i lanes_avx2(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline float sum_avx2(__m256 v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}
#define exp_vf __m256
#define EXP_LANES 8
#define ev_set1 _mm256_set1_ps
#define ev_load_n(p, n) _mm256_maskload_ps((p), lanes_avx2(n))
#define ev_store_n(p, v, n) _mm256_maskstore_ps((p), lanes_avx2(n), (v))
#define ev_fma _mm256_fmadd_ps
#define ev_fnma _mm256_fnmadd_ps
#define ev_mul _mm256_mul_ps
#define ev_add _mm256_add_ps
#define ev_sub _mm256_sub_ps
#define ev_div _mm256_div_ps
#define ev_clamp(x, lo, hi) _mm256_min_ps(_mm256_max_ps((x), _mm256_set1_ps(lo)), _mm256_set1_ps(hi))
/* 2^(bits of t − 0x4B400000), t from the shifter's rounding. */
#define ev_power(t) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000 - 127)), 23))
#define ev_sum sum_avx2
#include "simd_exp.h"
#pragma clang attribute pop
#undef EXP_NAME
#undef exp_vf
#undef EXP_LANES
#undef ev_set1
#undef ev_load_n
#undef ev_store_n
#undef ev_fma
#undef ev_fnma
#undef ev_mul
#undef ev_add
#undef ev_sub
#undef ev_div
#undef ev_clamp
#undef ev_power
#undef ev_sum

#define EXP_NAME(name) name##_avx512
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,fma"))), apply_to = function)
#define exp_vf __m512
#define EXP_LANES 16
#define ev_set1 _mm512_set1_ps
#define ev_load_n(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1), (p))
#define ev_store_n(p, v, n) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (n)) - 1), (v))
#define ev_fma _mm512_fmadd_ps
#define ev_fnma _mm512_fnmadd_ps
#define ev_mul _mm512_mul_ps
#define ev_add _mm512_add_ps
#define ev_sub _mm512_sub_ps
#define ev_div _mm512_div_ps
#define ev_clamp(x, lo, hi) _mm512_min_ps(_mm512_max_ps((x), _mm512_set1_ps(lo)), _mm512_set1_ps(hi))
#define ev_power(t) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000 - 127)), 23))
#define ev_sum _mm512_reduce_add_ps
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
