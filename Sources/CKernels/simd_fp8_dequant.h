/* ck_fp8_block_row_bf16 on the primitives of simd_avx512.h or simd_avx2.h, included by
 * simd_kernels.h: each block's whole runs of CK_LANES codes in vectors, the rest one at a time. */

static void fp8_block_row_bf16(size_t columns, const uint8_t *codes, const float *scales, size_t block, uint16_t *out) {
    for (size_t start = 0, b = 0; start < columns; start += block, b++) {
        size_t end = columns - start < block ? columns : start + block, c = start;
        vf scale = vf_set1(scales[b]);
        for (; c + CK_LANES <= end; c += CK_LANES) fp8_scaled_bf16_store(codes + c, scale, out + c);
        for (; c < end; c++) out[c] = ck_fp8_scaled_bf16(codes[c], scales[b]);
    }
}
