/* ck_nvfp4_quantize on the primitives of simd_avx512.h or simd_avx2.h, included by simd_kernels.h.
 *
 * CK_LANES groups' scales s = R(m / 6), scale codes and divisors at once (nvfp4_scale_codes), then
 * each group's 16 values divided and cast to FP4 CK_LANES at a time. */

/* CK_LANES dtype values at p as f32. */
ALWAYS_INLINE vf nvfp4_load(const ck_mse_dtype t, const uint16_t *p) {
    return t == CK_MSE_BF16 ? decode_bf16((const uint8_t *)p) : decode_f16(p);
}

ALWAYS_INLINE void nvfp4_groups(const ck_mse_dtype t, size_t groups, const uint16_t *values, const uint16_t *maxima,
                                float global, uint8_t *packed, uint8_t *scale_codes) {
    for (size_t first = 0; first < groups; first += CK_LANES) {
        size_t n = groups - first < CK_LANES ? groups - first : CK_LANES;
        uint16_t m[CK_LANES] = {0};
        memcpy(m, maxima + first, n * sizeof(uint16_t));
        vf s = vf_div(nvfp4_load(t, m), vf_set1(6.0f));
        uint8_t codes[CK_LANES];
        float divisors[CK_LANES];
        nvfp4_scale_codes(t == CK_MSE_BF16 ? vf_round_bits(s, 16) : vf_round_f16(s), global, codes, divisors);
        memcpy(scale_codes + first, codes, n);
        for (size_t j = 0; j < n; j++) {
            uint8_t *out = packed + (first + j) * (CK_NVFP4_GROUP / 2);
            if (codes[j] == CK_NVFP4_NAN_SCALE) {
                memset(out, 0, CK_NVFP4_GROUP / 2);
                continue;
            }
            vf d = vf_set1(divisors[j]);
            CK_UNROLL for (size_t c = 0; c < CK_NVFP4_GROUP; c += CK_LANES)
                fp4_store(vf_div(nvfp4_load(t, values + (first + j) * CK_NVFP4_GROUP + c), d), out + c / 2);
        }
    }
}

/* Each group's 16 magnitudes (sign bits cleared) folded to 8 by an unsigned maximum, then the largest found as
 * 0x7FFF minus the smallest of 0x7FFF minus them (SSE4.1's minpos), which is exact because no
 * magnitude exceeds 0x7FFF. */
static void group_maxima16(size_t groups, const uint16_t *values, uint16_t *maxima) {
    __m128i mask = _mm_set1_epi16(0x7FFF);
    for (size_t g = 0; g < groups; g++) {
        const __m128i *p = (const __m128i *)(values + g * CK_NVFP4_GROUP);
        __m128i m = _mm_max_epu16(_mm_and_si128(_mm_loadu_si128(p), mask), _mm_and_si128(_mm_loadu_si128(p + 1), mask));
        maxima[g] = (uint16_t)(0x7FFF - (_mm_cvtsi128_si32(_mm_minpos_epu16(_mm_sub_epi16(mask, m))) & 0xFFFF));
    }
}

static void nvfp4_quantize(ck_mse_dtype t, size_t groups, const uint16_t *values, const uint16_t *maxima, float global,
                           uint8_t *packed, uint8_t *scale_codes) {
    if (t == CK_MSE_BF16)
        nvfp4_groups(CK_MSE_BF16, groups, values, maxima, global, packed, scale_codes);
    else
        nvfp4_groups(CK_MSE_F16, groups, values, maxima, global, packed, scale_codes);
}
