// FP8 E4M3 weights (FP8_DYNAMIC's, FP8_BLOCK's and FP8 weight-only schemes) times f32 inputs, for
// a few input rows:
//   y[m, o] = Σ_c x[m, c] · e4m3(w[o, c]) · s[(o / block_rows) · scale_width + c / block_columns]
// One scale per channel is block_rows 1, block_columns = columns, scale_width 1; per tensor,
// block_rows = outputs too; FP8_BLOCK is 128 × 128. Scales are f32, decoded on the host.
// (Dynamic FP8 activations are quantized first by quantize_fp8_per_token, then dequantized into x.)
// Launch: one warp per output row (blockDim.x a multiple of 32), at most GEMV_MAX_ROWS input rows per launch.
#include "common.cuh"

extern "C" __global__ void fp8_weight_gemv(const float* __restrict__ x, int rows, const u8* __restrict__ codes,
                                           const float* __restrict__ scales, int block_rows, int block_columns, int scale_width,
                                           int outputs, int columns, float* __restrict__ y) {
    const int o = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5);
    if (o >= outputs) return;  // the whole warp leaves together
    const u8* w = codes + (long long)o * columns;
    const float* s = scales + (long long)(o / block_rows) * scale_width;
    auto weight = [&](int c) { return fp8_e4m3_to_float(w[c]) * s[c / block_columns]; };
    auto input = [&](int m, int c) { return x[(long long)m * columns + c]; };
    auto finish = [](float total, int) { return total; };
    warp_gemv<float>(rows, columns, outputs, o, input, weight, finish, y);
}
