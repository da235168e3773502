/* The vector primitives simd_kernels.h is written against, for AVX2 with FMA and F16C: 8 f32
 * lanes. Included by avx2.c only, inside its target attribute region. AVX2 has no masked byte
 * loads, so partial vectors are read through a zeroed copy. */
#include <immintrin.h>
#include <string.h>

#define CK_LANES 8
#define CK_GEMM_ROWS 2
#define CK_GEMM_OUTPUTS 4
#define CK_TILE_ROWS 2
#define CK_TILE_OUTPUTS 4

typedef __m256 vf;
typedef __m256i vi;

static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_set1(float v) { return _mm256_set1_ps(v); }
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline vi lanes_mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/* The first n < CK_LANES values at p, zeros after; reads nothing past them. */
static inline vf vf_load_n(const float *p, size_t n) { return _mm256_maskload_ps(p, lanes_mask(n)); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline void vf_store_n(float *p, vf v, size_t n) { _mm256_maskstore_ps(p, lanes_mask(n), v); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline float vf_sum(vf v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* A vector of the 32-bit pattern u. */
static inline vf vf_set1_bits(uint32_t u) { return _mm256_castsi256_ps(_mm256_set1_epi32((int)u)); }

/* vdpbf16ps emulated (see simd_avx512.h): acc plus the odd bf16 halves' product of each lane of w
 * and x, then plus the even halves', each an FMA. */
static inline vf vf_dot_bf16_pairs(vf acc, vf w, vf x) {
    const vi high = _mm256_set1_epi32((int)0xFFFF0000u);
    vi wi = _mm256_castps_si256(w), xi = _mm256_castps_si256(x);
    acc = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(xi, high)), _mm256_castsi256_ps(_mm256_and_si256(wi, high)), acc);
    return _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(xi, 16)), _mm256_castsi256_ps(_mm256_slli_epi32(wi, 16)), acc);
}

/* Lane i of the result is the sum of the lanes of a[i]; a has CK_LANES vectors. */
static inline vf vf_sums(const vf *a) {
    vf t[4], u[2];
    for (int i = 0; i < 4; i++)
        t[i] = _mm256_add_ps(_mm256_unpacklo_ps(a[2 * i], a[2 * i + 1]), _mm256_unpackhi_ps(a[2 * i], a[2 * i + 1]));
    for (int i = 0; i < 2; i++)
        u[i] = _mm256_add_ps(_mm256_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm256_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    return _mm256_add_ps(_mm256_permute2f128_ps(u[0], u[1], 0x20), _mm256_permute2f128_ps(u[0], u[1], 0x31));
}

/* Transposes the CK_LANES × CK_LANES matrix whose rows are a[0..7] in place: afterwards a[c]
 * holds column c. Pairs of rows interleaved, then 4 × 4 blocks within each 128-bit lane, then
 * the lanes' halves exchanged. */
static inline void vf_transpose(vf *a) {
    vf t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(a[2 * i], a[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(a[2 * i], a[2 * i + 1]);
    }
    /* u[4g + q], lane L: rows 4g..4g+3 of column 4L + q. */
    for (int g = 0; g < 2; g++) {
        u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int q = 0; q < 4; q++) {
        a[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
        a[4 + q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
    }
}

/* ---- Weight decoders: CK_LANES consecutive columns starting at byte p, unscaled. ---- */

static inline vf decode_f32(const uint8_t *p) { return _mm256_loadu_ps((const float *)p); }

static inline vf decode_bf16(const uint8_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

/* E4M3 through f16, as in simd_avx512.h. */
static inline vf decode_fp8(const uint8_t *p) {
    __m128i h = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p));
    h = _mm_and_si128(_mm_slli_epi16(h, 7), _mm_set1_epi16((short)0xBFFF));
    return _mm256_cvtph_ps(h);
}

static inline vf decode_int8(const uint8_t *p, int32_t flip_mask) {
    vi v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p));
    return _mm256_cvtepi32_ps(_mm256_xor_si256(v, _mm256_set1_epi32(flip_mask)));
}

/* A 16-entry table lookup from the low four bits of each lane: two 8-entry permutes, chosen by bit 3. */
static inline vf lookup16(vi index, const float *table) {
    vf low = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table), index);
    vf high = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 8), index);
    return _mm256_blendv_ps(low, high, _mm256_castsi256_ps(_mm256_slli_epi32(index, 28)));
}

/* One word of eight nibbles, nibble l to lane l. */
static inline vf decode_int4(const uint8_t *p, const float *table) {
    uint32_t word;
    memcpy(&word, p, 4);
    vi shifted = _mm256_srlv_epi32(_mm256_set1_epi32((int)word), _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28));
    return lookup16(shifted, table);
}

/* Four bytes of two nibbles, the low one first. */
static inline vf decode_fp4(const uint8_t *p, const float *table) {
    uint32_t four;
    memcpy(&four, p, 4);
    vi bytes = _mm256_cvtepu8_epi32(_mm_cvtsi32_si128((int)four));
    vi spread = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
    return lookup16(_mm256_srlv_epi32(spread, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4)), table);
}

/* ---- Per-token int8 quantization: q = clamp(round_half_even(x · inverse)). ---- */

static inline float vf_absmax(const float *x, size_t k) {
    vf sign = vf_set1(-0.0f), m = vf_zero();
    size_t c = 0;
    for (; c + CK_LANES <= k; c += CK_LANES) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, vf_load(x + c)));
    if (c < k) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, vf_load_n(x + c, k - c)));
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline void quantize_row(const float *x, size_t k, float inverse, int8_t *q) {
    vf s = vf_set1(inverse), lo = vf_set1(-128.0f), hi = vf_set1(127.0f);
    for (size_t c = 0; c < k; c += CK_LANES) {
        size_t n = k - c < CK_LANES ? k - c : CK_LANES;
        vf v = _mm256_min_ps(_mm256_max_ps(vf_mul(vf_load_n(x + c, n), s), lo), hi);
        __m256i ints = _mm256_cvtps_epi32(v);  /* the default rounding: to nearest, ties to even */
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(ints), _mm256_extracti128_si256(ints, 1));
        int8_t bytes[16];
        _mm_storeu_si128((__m128i *)bytes, _mm_packs_epi16(words, words));
        memcpy(q + c, bytes, n);
    }
}

/* ---- W8A8 int8 dot products: both sides sign-extended to int16, vpmaddwd into int32, 16 bytes
 * a step; exact, so no bias. ---- */

#define CK_I8_STEP 16
#define CK_I8_BIAS 0

typedef __m256i vacc;

static inline vacc acc_zero(void) { return _mm256_setzero_si256(); }
static inline vi i8_load(const int8_t *p, size_t n) {
    if (n >= CK_I8_STEP) return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p));
    int8_t copy[CK_I8_STEP] = {0};
    memcpy(copy, p, n);
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)copy));
}
static inline vi i8_load_x(const int8_t *p, size_t n) { return i8_load(p, n); }
static inline vi i8_load_w(const int8_t *p, size_t n) { return i8_load(p, n); }
static inline vacc i8_dot(vacc acc, vi x, vi w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }

static inline vi acc_sums(const vacc *a) {
    vi t[4], u[2];
    for (int i = 0; i < 4; i++)
        t[i] = _mm256_add_epi32(_mm256_unpacklo_epi32(a[2 * i], a[2 * i + 1]), _mm256_unpackhi_epi32(a[2 * i], a[2 * i + 1]));
    for (int i = 0; i < 2; i++)
        u[i] = _mm256_add_epi32(
            _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(t[2 * i]), _mm256_castsi256_ps(t[2 * i + 1]), _MM_SHUFFLE(1, 0, 1, 0))),
            _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(t[2 * i]), _mm256_castsi256_ps(t[2 * i + 1]), _MM_SHUFFLE(3, 2, 3, 2))));
    return _mm256_add_epi32(_mm256_permute2x128_si256(u[0], u[1], 0x20), _mm256_permute2x128_si256(u[0], u[1], 0x31));
}
static inline void acc_store(int32_t *p, vi v) { _mm256_storeu_si256((__m256i *)p, v); }

/* ---- MSE grid search (simd_mse.h): compares give all-ones lanes. ---- */

typedef __m256 vmask;

static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vf_abs(vf a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF))); }
static inline vf vf_round_even(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf vf_select(vmask m, vf yes, vf no) { return _mm256_blendv_ps(no, yes, m); }
static inline vmask vm_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vmask vm_le(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline vmask vm_eq(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline vmask vm_isnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline vmask vm_or(vmask a, vmask b) { return _mm256_or_ps(a, b); }
static inline int vm_any(vmask m) { return _mm256_movemask_ps(m) != 0; }
/* Bit j set when lane j is. */
static inline unsigned vm_bits(vmask m) { return (unsigned)_mm256_movemask_ps(m); }
/* a (finite) with its low `drop` bits rounded off, nearest even: bf16 drops 16, E4M3 20. */
static inline vf vf_round_bits(vf a, int drop) {
    vi u = _mm256_castps_si256(a);
    vi odd = _mm256_and_si256(_mm256_srli_epi32(u, drop), _mm256_set1_epi32(1));
    u = _mm256_add_epi32(u, _mm256_add_epi32(odd, _mm256_set1_epi32((1 << (drop - 1)) - 1)));
    return _mm256_castsi256_ps(_mm256_and_si256(u, _mm256_set1_epi32(-(1 << drop))));
}
static inline vf vf_round_f16(vf a) { return _mm256_cvtph_ps(_mm256_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
/* What vf_power_bf16 reads: here the table alone (its parts are for AVX-512's registers). */
typedef struct {
    const float *table;
} vf_powers;
static inline vf_powers vf_powers_load(const float *table, const ck_mse_power_parts *parts) {
    (void)parts;
    vf_powers p = {table};
    return p;
}
/* table[magnitude bits of d] for d of bf16 (or f16) values. */
static inline vf vf_power_bf16(vf d, const vf_powers *p) {
    vi index = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(d), 16), _mm256_set1_epi32(0x7FFF));
    return _mm256_i32gather_ps(p->table, index, 4);
}
static inline vf vf_power_f16(vf d, const float *table) {
    vi index = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    return _mm256_i32gather_ps(table, _mm256_and_si256(index, _mm256_set1_epi32(0x7FFF)), 4);
}
/* The value of an f16 bit pattern. */
static inline float f16_value(uint16_t h) { return _cvtsh_ss(h); }

/* ---- NVFP4 quantization (simd_nvfp4.h). ---- */

static inline vf decode_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

/* The FP4 E2M1 codes of q (no NaN), as in simd_avx512.h, into CK_LANES / 2 bytes at out: each
 * 64-bit lane's pair folded into its low byte, those bytes gathered to the bottom of each half. */
static inline void fp4_store(vf q, uint8_t *out) {
    vi a = _mm256_and_si256(_mm256_castps_si256(q), _mm256_set1_epi32(0x7FFFFFFF));
    vi odd = _mm256_and_si256(_mm256_srli_epi32(a, 22), _mm256_set1_epi32(1));
    vi normal = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(a, _mm256_set1_epi32(0x1FFFFF - (126 << 23))), odd), 22);
    normal = _mm256_min_epu32(normal, _mm256_set1_epi32(7));
    vf twice = _mm256_add_ps(_mm256_mul_ps(_mm256_castsi256_ps(a), _mm256_set1_ps(2.0f)), _mm256_set1_ps(0x1.8p23f));
    vi small = _mm256_sub_epi32(_mm256_castps_si256(twice), _mm256_set1_epi32(0x4B400000));
    vi code = _mm256_blendv_epi8(small, normal, _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x3F7FFFFF)));
    vi negative = _mm256_castps_si256(_mm256_cmp_ps(q, _mm256_setzero_ps(), _CMP_LT_OQ));
    code = _mm256_or_si256(code, _mm256_and_si256(negative, _mm256_set1_epi32(8)));
    vi pairs = _mm256_or_si256(code, _mm256_srli_epi64(code, 28));
    pairs = _mm256_shuffle_epi8(pairs, _mm256_setr_epi8(0, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                        0, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    uint16_t low = (uint16_t)_mm256_extract_epi16(pairs, 0), high = (uint16_t)_mm256_extract_epi16(pairs, 8);
    memcpy(out, &low, 2);
    memcpy(out + 2, &high, 2);
}

/* The NVFP4 scale codes of CK_LANES groups at once, as in simd_avx512.h. */
static inline void nvfp4_scale_codes(vf s, float global, uint8_t *codes, float *divisors) {
    vf product = _mm256_mul_ps(_mm256_set1_ps(global), s);
    vi u = _mm256_castps_si256(product), a = _mm256_and_si256(u, _mm256_set1_epi32(0x7FFFFFFF));
    vi odd = _mm256_and_si256(_mm256_srli_epi32(a, 20), _mm256_set1_epi32(1));
    vi normal = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(a, _mm256_set1_epi32(0x7FFFF)), odd), 20),
                                 _mm256_set1_epi32(120 << 3));
    normal = _mm256_min_epu32(normal, _mm256_set1_epi32(0x7E));
    vf scaled = _mm256_add_ps(_mm256_mul_ps(_mm256_castsi256_ps(a), _mm256_set1_ps(512.0f)), _mm256_set1_ps(0x1.8p23f));
    vi subnormal = _mm256_sub_epi32(_mm256_castps_si256(scaled), _mm256_set1_epi32(0x4B400000));
    vi code = _mm256_blendv_epi8(subnormal, normal, _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x3C7FFFFF)));
    code = _mm256_or_si256(code, _mm256_and_si256(_mm256_srli_epi32(u, 24), _mm256_set1_epi32(0x80)));
    code = _mm256_blendv_epi8(code, _mm256_set1_epi32(0x20), _mm256_cmpeq_epi32(code, _mm256_setzero_si256()));
    vi half = _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(code, _mm256_set1_epi32(0x80)), 8),
                              _mm256_slli_epi32(_mm256_and_si256(code, _mm256_set1_epi32(0x7F)), 7));
    __m128i half16 = _mm_packus_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
    vf value = _mm256_mul_ps(_mm256_cvtph_ps(half16), _mm256_set1_ps(256.0f));
    vi nan = _mm256_castps_si256(_mm256_cmp_ps(product, product, _CMP_UNORD_Q));
    code = _mm256_blendv_epi8(code, _mm256_set1_epi32(CK_NVFP4_NAN_SCALE), nan);
    __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(code), _mm256_extracti128_si256(code, 1));
    _mm_storel_epi64((__m128i *)codes, _mm_packus_epi16(words, words));
    _mm256_storeu_ps(divisors, _mm256_blendv_ps(_mm256_div_ps(value, _mm256_set1_ps(global)), _mm256_set1_ps(1.0f), _mm256_castsi256_ps(nan)));
}

/* ---- FP8 block dequantization (simd_fp8_dequant.h). ---- */

/* CK_LANES codes at p times scale, as bf16 bits at out, as in simd_avx512.h. */
static inline void fp8_scaled_bf16_store(const uint8_t *p, vf scale, uint16_t *out) {
    vf v = _mm256_mul_ps(_mm256_mul_ps(decode_fp8(p), _mm256_set1_ps(256.0f)), scale);
    vi u = _mm256_castps_si256(v);
    vi bias = _mm256_add_epi32(_mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1)), _mm256_set1_epi32(0x7FFF));
    vi rounded = _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
    vi codes = _mm256_and_si256(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)), _mm256_set1_epi32(0x7F));
    vi nan = _mm256_or_si256(_mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)), _mm256_cmpeq_epi32(codes, _mm256_set1_epi32(0x7F)));
    rounded = _mm256_blendv_epi8(rounded, _mm256_set1_epi32(0x7FC0), nan);
    __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(rounded), _mm256_extracti128_si256(rounded, 1));
    _mm_storeu_si128((__m128i *)out, packed);
}
