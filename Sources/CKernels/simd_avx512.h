/* The vector primitives simd_kernels.h is written against, for AVX-512 (F, BW, VL, DQ, VNNI):
 * 16 f32 lanes. Included by avx512.c only, inside its target attribute region. */
#include <immintrin.h>
#include <string.h>

#define CK_LANES 16
/* Register tiles of the dot-product products, rows of x × outputs: f32 (decoded weights), and
 * W8A8 (CK_LANES accumulators). */
#ifndef CK_GEMM_ROWS
#define CK_GEMM_ROWS 4
#define CK_GEMM_OUTPUTS 4
#endif
#define CK_TILE_ROWS 4
#define CK_TILE_OUTPUTS 4

typedef __m512 vf;
typedef __m512i vi;

static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_set1(float v) { return _mm512_set1_ps(v); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline __mmask16 lanes_mask(size_t n) { return (__mmask16)((1u << n) - 1); }
/* The first n < CK_LANES values at p, zeros after; reads nothing past them. */
static inline vf vf_load_n(const float *p, size_t n) { return _mm512_maskz_loadu_ps(lanes_mask(n), p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline void vf_store_n(float *p, vf v, size_t n) { _mm512_mask_storeu_ps(p, lanes_mask(n), v); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline float vf_sum(vf v) { return _mm512_reduce_add_ps(v); }

/* A vector of the 32-bit pattern u. */
static inline vf vf_set1_bits(uint32_t u) { return _mm512_castsi512_ps(_mm512_set1_epi32((int)u)); }

/* Each lane of w and x a pair of bf16 values (the even column in the low half): acc plus the odd
 * halves' product, then plus the even halves', each product exact and each sum rounded once
 * (nearest even), as vdpbf16ps sums them. avx512_bf16.c (CK_DOT_BF16) runs vdpbf16ps itself, which
 * also reads denormal inputs as zero and flushes denormal sums to zero: on values without
 * denormals the two give the same bits (NaN payloads aside). */
static inline vf vf_dot_bf16_pairs(vf acc, vf w, vf x) {
#ifdef CK_DOT_BF16
    return _mm512_dpbf16_ps(acc, (__m512bh)w, (__m512bh)x);
#else
    const vi high = _mm512_set1_epi32((int)0xFFFF0000u);
    vi wi = _mm512_castps_si512(w), xi = _mm512_castps_si512(x);
    acc = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(xi, high)), _mm512_castsi512_ps(_mm512_and_si512(wi, high)), acc);
    return _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(xi, 16)), _mm512_castsi512_ps(_mm512_slli_epi32(wi, 16)), acc);
#endif
}

/* Lane i of the result is the sum of the lanes of a[i]; a has CK_LANES vectors. */
static inline vf vf_sums(const vf *a) {
    vf t[8], u[4];
    for (int i = 0; i < 8; i++)
        t[i] = _mm512_add_ps(_mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]), _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]));
    for (int i = 0; i < 4; i++)
        u[i] = _mm512_add_ps(_mm512_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    vf w0 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                          _mm512_shuffle_f32x4(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
    vf w1 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], _MM_SHUFFLE(2, 0, 2, 0)),
                          _mm512_shuffle_f32x4(u[2], u[3], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(w0, w1, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(w0, w1, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Transposes the CK_LANES × CK_LANES matrix whose rows are a[0..15] in place: afterwards a[c]
 * holds column c. Pairs of rows interleaved, then 4 × 4 blocks within each 128-bit lane, then
 * the 128-bit lanes of four vectors at a time. */
static inline void vf_transpose(vf *a) {
    vf t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]);
    }
    /* u[4g + q], lane L: rows 4g..4g+3 of column 4L + q. */
    for (int g = 0; g < 4; g++) {
        u[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int q = 0; q < 4; q++) {
        vf v0 = _mm512_shuffle_f32x4(u[q], u[4 + q], _MM_SHUFFLE(1, 0, 1, 0));
        vf v1 = _mm512_shuffle_f32x4(u[q], u[4 + q], _MM_SHUFFLE(3, 2, 3, 2));
        vf v2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], _MM_SHUFFLE(1, 0, 1, 0));
        vf v3 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], _MM_SHUFFLE(3, 2, 3, 2));
        a[q] = _mm512_shuffle_f32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
        a[4 + q] = _mm512_shuffle_f32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
        a[8 + q] = _mm512_shuffle_f32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
        a[12 + q] = _mm512_shuffle_f32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
    }
}

/* ---- Weight decoders: CK_LANES consecutive columns starting at byte p, unscaled. ---- */

static inline vf decode_f32(const uint8_t *p) { return _mm512_loadu_ps((const float *)p); }

static inline vf decode_bf16(const uint8_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}

/* E4M3 as the f16 with the same exponent and fraction bits, which is the value times 2^-8
 * (exponent bias 15 against 7); subnormal codes become f16 subnormals, converted exactly. The
 * sign-extended byte shifted left by 7 leaves the sign at bit 15 and a copy of it at bit 14, cleared. */
static inline vf decode_fp8(const uint8_t *p) {
    __m256i h = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p));
    h = _mm256_and_si256(_mm256_slli_epi16(h, 7), _mm256_set1_epi16((short)0xBFFF));
    return _mm512_cvtph_ps(h);
}

/* (int8_t)(byte ^ flip): sign extension then xor with flip's sign-extended image. */
static inline vf decode_int8(const uint8_t *p, int32_t flip_mask) {
    vi v = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm512_cvtepi32_ps(_mm512_xor_si512(v, _mm512_set1_epi32(flip_mask)));
}

/* Two words of eight nibbles: word l / 8 to lane l, shifted by 4·(l mod 8), then the nibble looked
 * up in a 16-entry table (vpermps reads the low four bits of each index). */
static inline vf decode_int4(const uint8_t *p, const float *table) {
    vi words = _mm512_castsi128_si512(_mm_loadl_epi64((const __m128i *)p));
    vi spread = _mm512_permutexvar_epi32(_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), words);
    vi shifted = _mm512_srlv_epi32(spread, _mm512_set_epi32(28, 24, 20, 16, 12, 8, 4, 0, 28, 24, 20, 16, 12, 8, 4, 0));
    return _mm512_permutexvar_ps(shifted, _mm512_loadu_ps(table));
}

/* Eight bytes of two nibbles, the low one first: byte l / 2 to lane l, shifted by 4·(l mod 2). */
static inline vf decode_fp4(const uint8_t *p, const float *table) {
    vi bytes = _mm512_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
    vi spread = _mm512_permutexvar_epi32(_mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0), bytes);
    vi shifted = _mm512_srlv_epi32(spread, _mm512_set_epi32(4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0));
    return _mm512_permutexvar_ps(shifted, _mm512_loadu_ps(table));
}

/* ---- Per-token int8 quantization: q = clamp(round_half_even(x · inverse)). ---- */

static inline float vf_absmax(const float *x, size_t k) {
    vf m = vf_zero();
    size_t c = 0;
    for (; c + CK_LANES <= k; c += CK_LANES) m = _mm512_max_ps(m, _mm512_abs_ps(vf_load(x + c)));
    if (c < k) m = _mm512_max_ps(m, _mm512_abs_ps(vf_load_n(x + c, k - c)));
    return _mm512_reduce_max_ps(m);
}

static inline void quantize_row(const float *x, size_t k, float inverse, int8_t *q) {
    vf s = vf_set1(inverse), lo = vf_set1(-128.0f), hi = vf_set1(127.0f);
    size_t c = 0;
    for (; c < k; c += CK_LANES) {
        size_t n = k - c < CK_LANES ? k - c : CK_LANES;
        vf v = _mm512_min_ps(_mm512_max_ps(vf_mul(vf_load_n(x + c, n), s), lo), hi);
        __m128i bytes = _mm512_cvtsepi32_epi8(_mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        _mm_mask_storeu_epi8(q + c, (__mmask16)lanes_mask(n), bytes);
    }
}

/* ---- W8A8 int8 dot products (VNNI): u8 × s8 in 64-byte steps. x is biased to unsigned by
 * flipping its sign bit (q + 128), which adds 128·Σw to each sum: subtracted with the row sums. ---- */

#define CK_I8_STEP 64
#define CK_I8_BIAS 128

typedef __m512i vacc;

static inline vacc acc_zero(void) { return _mm512_setzero_si512(); }
static inline vi i8_load_x(const int8_t *p, size_t n) {
    vi v = n >= CK_I8_STEP ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(((__mmask64)1 << n) - 1, p);
    return _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
}
static inline vi i8_load_w(const int8_t *p, size_t n) {
    return n >= CK_I8_STEP ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(((__mmask64)1 << n) - 1, p);
}
static inline vacc i8_dot(vacc acc, vi x, vi w) { return _mm512_dpbusd_epi32(acc, x, w); }

/* Lane i of the result is the sum of the lanes of a[i], exactly. */
static inline vi acc_sums(const vacc *a) {
    vi t[8], u[4];
    for (int i = 0; i < 8; i++)
        t[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(a[2 * i], a[2 * i + 1]), _mm512_unpackhi_epi32(a[2 * i], a[2 * i + 1]));
    for (int i = 0; i < 4; i++)
        u[i] = _mm512_add_epi32(
            _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(t[2 * i]), _mm512_castsi512_ps(t[2 * i + 1]), _MM_SHUFFLE(1, 0, 1, 0))),
            _mm512_castps_si512(_mm512_shuffle_ps(_mm512_castsi512_ps(t[2 * i]), _mm512_castsi512_ps(t[2 * i + 1]), _MM_SHUFFLE(3, 2, 3, 2))));
    vi w0 = _mm512_add_epi32(_mm512_shuffle_i32x4(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_i32x4(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
    vi w1 = _mm512_add_epi32(_mm512_shuffle_i32x4(u[2], u[3], _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_i32x4(u[2], u[3], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(w0, w1, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_i32x4(w0, w1, _MM_SHUFFLE(3, 1, 3, 1)));
}
static inline void acc_store(int32_t *p, vi v) { _mm512_storeu_si512(p, v); }

/* ---- MSE grid search (simd_mse.h): compares give lane masks. ---- */

typedef __mmask16 vmask;

static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vf_abs(vf a) { return _mm512_abs_ps(a); }
static inline vf vf_round_even(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf vf_select(vmask m, vf yes, vf no) { return _mm512_mask_blend_ps(m, no, yes); }
static inline vmask vm_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vmask vm_le(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vmask vm_eq(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline vmask vm_isnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline vmask vm_or(vmask a, vmask b) { return a | b; }
static inline int vm_any(vmask m) { return m != 0; }
/* Bit j set when lane j is. */
static inline unsigned vm_bits(vmask m) { return m; }
/* a (finite) with its low `drop` bits rounded off, nearest even: bf16 drops 16, E4M3 20. */
static inline vf vf_round_bits(vf a, int drop) {
    vi u = _mm512_castps_si512(a);
    vi odd = _mm512_and_si512(_mm512_srli_epi32(u, drop), _mm512_set1_epi32(1));
    u = _mm512_add_epi32(u, _mm512_add_epi32(odd, _mm512_set1_epi32((1 << (drop - 1)) - 1)));
    return _mm512_castsi512_ps(_mm512_and_si512(u, _mm512_set1_epi32(-(1 << drop))));
}
static inline vf vf_round_f16(vf a) { return _mm512_cvtph_ps(_mm512_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
/* What vf_power_bf16 reads: the table, and its parts (ck_mse_power_parts) in registers when it
 * has them. */
typedef struct {
    const float *table;
    int has_parts;
    vf exponent_powers[2], mantissa_powers[8], scale_exponents;
    vi smallest_exponent;
} vf_powers;
static inline vf_powers vf_powers_load(const float *table, const ck_mse_power_parts *parts) {
    vf_powers p;
    memset(&p, 0, sizeof p);
    p.table = table;
    p.has_parts = parts != NULL;
    if (!parts) return p;
    for (int i = 0; i < 2; i++) p.exponent_powers[i] = _mm512_loadu_ps(parts->exponent_powers + 16 * i);
    for (int i = 0; i < 8; i++) p.mantissa_powers[i] = _mm512_loadu_ps(parts->mantissa_powers + 16 * i);
    p.scale_exponents = _mm512_loadu_ps(parts->scale_exponents);
    p.smallest_exponent = _mm512_set1_epi32(parts->smallest_exponent);
    return p;
}
/* table[magnitude bits of d] for d of bf16 (or f16) values. */
static inline vf vf_power_table(vf d, const float *table) {
    vi index = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(d), 16), _mm512_set1_epi32(0x7FFF));
    return _mm512_i32gather_ps(index, table, 4);
}
/* The table's value for d of bf16 values: from the parts in registers (two-register permutes by
 * the exponent's low bits and by the mantissa, one product rounded to bf16, vscalefps) unless a
 * lane's nonzero magnitude is below the parts' smallest exponent, then by gathering. */
static inline vf vf_power_bf16(vf d, const vf_powers *p) {
    if (!p->has_parts) return vf_power_table(d, p->table);
    vi u = _mm512_and_si512(_mm512_castps_si512(d), _mm512_set1_epi32(0x7FFFFFFF));
    vi e = _mm512_srli_epi32(u, 23);
    __mmask16 nonzero = _mm512_test_epi32_mask(u, u);
    if (_mm512_mask_cmplt_epi32_mask(nonzero, e, p->smallest_exponent)) return vf_power_table(d, p->table);
    vi e1 = _mm512_add_epi32(e, _mm512_set1_epi32(1)), m = _mm512_srli_epi32(u, 16);
    vf a = _mm512_permutex2var_ps(p->exponent_powers[0], e1, p->exponent_powers[1]);
    vf b01 = _mm512_permutex2var_ps(p->mantissa_powers[0], m, p->mantissa_powers[1]);
    vf b23 = _mm512_permutex2var_ps(p->mantissa_powers[2], m, p->mantissa_powers[3]);
    vf b45 = _mm512_permutex2var_ps(p->mantissa_powers[4], m, p->mantissa_powers[5]);
    vf b67 = _mm512_permutex2var_ps(p->mantissa_powers[6], m, p->mantissa_powers[7]);
    __mmask16 bit5 = _mm512_test_epi32_mask(m, _mm512_set1_epi32(32)), bit6 = _mm512_test_epi32_mask(m, _mm512_set1_epi32(64));
    vf b = _mm512_mask_blend_ps(bit6, _mm512_mask_blend_ps(bit5, b01, b23), _mm512_mask_blend_ps(bit5, b45, b67));
    vf scale = _mm512_permutexvar_ps(_mm512_srli_epi32(e1, 5), p->scale_exponents);
    return _mm512_maskz_scalef_ps(nonzero, vf_round_bits(_mm512_mul_ps(a, b), 16), scale);
}
static inline vf vf_power_f16(vf d, const float *table) {
    vi index = _mm512_cvtepu16_epi32(_mm512_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    return _mm512_i32gather_ps(_mm512_and_si512(index, _mm512_set1_epi32(0x7FFF)), table, 4);
}
/* The value of an f16 bit pattern. */
static inline float f16_value(uint16_t h) { return _cvtsh_ss(h); }

/* ---- NVFP4 quantization (simd_nvfp4.h). ---- */

static inline vf decode_f16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

/* The FP4 E2M1 codes of q (no NaN), as fp4_code in portable.c, packed two a byte (the even lane
 * low) into CK_LANES / 2 bytes at out: each 64-bit lane's pair folded into its low byte, then
 * narrowed. */
static inline void fp4_store(vf q, uint8_t *out) {
    vi a = _mm512_and_si512(_mm512_castps_si512(q), _mm512_set1_epi32(0x7FFFFFFF));
    vi odd = _mm512_and_si512(_mm512_srli_epi32(a, 22), _mm512_set1_epi32(1));
    vi normal = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(a, _mm512_set1_epi32(0x1FFFFF - (126 << 23))), odd), 22);
    normal = _mm512_min_epu32(normal, _mm512_set1_epi32(7));
    vf twice = _mm512_add_ps(_mm512_mul_ps(_mm512_castsi512_ps(a), _mm512_set1_ps(2.0f)), _mm512_set1_ps(0x1.8p23f));
    vi small = _mm512_sub_epi32(_mm512_castps_si512(twice), _mm512_set1_epi32(0x4B400000));
    vi code = _mm512_mask_blend_epi32(_mm512_cmpge_epu32_mask(a, _mm512_set1_epi32(0x3F800000)), small, normal);
    code = _mm512_mask_or_epi32(code, _mm512_cmp_ps_mask(q, _mm512_setzero_ps(), _CMP_LT_OQ), code, _mm512_set1_epi32(8));
    vi pairs = _mm512_or_si512(code, _mm512_srli_epi64(code, 28));
    _mm_storel_epi64((__m128i *)out, _mm512_cvtepi64_epi8(pairs));
}

/* The NVFP4 scale codes (nvfp4_scale_code in portable.c) of CK_LANES groups of scales s at once, as bytes
 * at codes, and their divisors. */
static inline void nvfp4_scale_codes(vf s, float global, uint8_t *codes, float *divisors) {
    vf product = _mm512_mul_ps(_mm512_set1_ps(global), s);
    vi u = _mm512_castps_si512(product), a = _mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF));
    vi odd = _mm512_and_si512(_mm512_srli_epi32(a, 20), _mm512_set1_epi32(1));
    vi normal = _mm512_sub_epi32(_mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(a, _mm512_set1_epi32(0x7FFFF)), odd), 20),
                                 _mm512_set1_epi32(120 << 3));
    normal = _mm512_min_epu32(normal, _mm512_set1_epi32(0x7E));
    vf scaled = _mm512_add_ps(_mm512_mul_ps(_mm512_castsi512_ps(a), _mm512_set1_ps(512.0f)), _mm512_set1_ps(0x1.8p23f));
    vi subnormal = _mm512_sub_epi32(_mm512_castps_si512(scaled), _mm512_set1_epi32(0x4B400000));
    vi code = _mm512_mask_blend_epi32(_mm512_cmpge_epu32_mask(a, _mm512_set1_epi32(0x3C800000)), subnormal, normal);
    code = _mm512_or_si512(code, _mm512_and_si512(_mm512_srli_epi32(u, 24), _mm512_set1_epi32(0x80)));
    code = _mm512_mask_mov_epi32(code, _mm512_cmpeq_epi32_mask(code, _mm512_setzero_si512()), _mm512_set1_epi32(0x20));
    /* The code's value through f16 (as decode_fp8), then the divisor. */
    vi half = _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(code, _mm512_set1_epi32(0x80)), 8),
                              _mm512_slli_epi32(_mm512_and_si512(code, _mm512_set1_epi32(0x7F)), 7));
    vf value = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(half)), _mm512_set1_ps(256.0f));
    __mmask16 nan = _mm512_cmp_ps_mask(product, product, _CMP_UNORD_Q);
    code = _mm512_mask_mov_epi32(code, nan, _mm512_set1_epi32(CK_NVFP4_NAN_SCALE));
    _mm_storeu_si128((__m128i *)codes, _mm512_cvtepi32_epi8(code));
    _mm512_storeu_ps(divisors, _mm512_mask_mov_ps(_mm512_div_ps(value, _mm512_set1_ps(global)), nan, _mm512_set1_ps(1.0f)));
}

/* ---- FP8 block dequantization (simd_fp8_dequant.h). ---- */

/* CK_LANES codes at p times scale, as bf16 bits at out (ck_fp8_scaled_bf16): decode_fp8's value
 * times 256 is the code's value exactly (480 for the NaN codes, which are then replaced). */
static inline void fp8_scaled_bf16_store(const uint8_t *p, vf scale, uint16_t *out) {
    vf v = _mm512_mul_ps(_mm512_mul_ps(decode_fp8(p), _mm512_set1_ps(256.0f)), scale);
    vi u = _mm512_castps_si512(v);
    vi bias = _mm512_add_epi32(_mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1)), _mm512_set1_epi32(0x7FFF));
    vi rounded = _mm512_srli_epi32(_mm512_add_epi32(u, bias), 16);
    __m128i bytes = _mm_and_si128(_mm_loadu_si128((const __m128i *)p), _mm_set1_epi8(0x7F));
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) | _mm_cmpeq_epi8_mask(bytes, _mm_set1_epi8(0x7F));
    rounded = _mm512_mask_blend_epi32(nan, rounded, _mm512_set1_epi32(0x7FC0));
    _mm256_storeu_si256((__m256i *)out, _mm512_cvtepi32_epi16(rounded));
}
