/* ck_matmul_bf16_inputs and the split products (ck_split_pack, ck_matmul_bf16_split) on
 * AVX512_BF16: the AVX-512 path's instructions plus vdpbf16ps, every function in this file compiled
 * for them, and called only when the CPU has them. */
#include <stdint.h>
#include <stddef.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512bf16,f16c,fma,avx2"))), apply_to = function)
#define CK_DOT_BF16
#include "simd_avx512.h"
#include "simd_panel.h"
#include "simd_bf16_inputs.h"
#include "simd_bf16_split.h"

void ck_avx512_bf16_matmul_bf16_inputs(size_t m, size_t first, size_t count, size_t k, const float *x, size_t ldx,
                                       const ck_weights *w, float *y, size_t ldy) {
    bf16_inputs(m, first, count, k, x, ldx, w, y, ldy);
}

void ck_avx512_bf16_split_pack(size_t first, size_t count, size_t k, const float *x, size_t ldx, void *packed, size_t m) {
    split_rows_layout layout = split_layout(packed, m, k);
    const size_t quads = ck_split_quads(k);
    for (size_t r = first; r < first + count; r++)
        split_pack_row(k, x + r * ldx, layout.hi + r * 2 * quads, layout.lo + r * quads, layout.scales + r);
}

int ck_avx512_bf16_matmul_bf16_split(size_t m, size_t first, size_t count, size_t k, const void *packed,
                                     const ck_weights *w, float *y, size_t ldy) {
    return bf16_split(m, first, count, k, packed, w, y, ldy);
}
#pragma clang attribute pop
