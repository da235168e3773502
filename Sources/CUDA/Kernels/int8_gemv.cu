// W8A8 (int8 weights with one scale per output row, int8 input codes with one scale per row, as
// quantize_int8_per_token writes them), for a few input rows, summed in int32 as vLLM does:
//   y[m, o] = (Σ_c xq[m, c] · wq[o, c]) · x_scale[m] · w_scale[o]
// Launch: one warp per output row (blockDim.x a multiple of 32), at most GEMV_MAX_ROWS input rows per launch.
#include "common.cuh"

extern "C" __global__ void int8_gemv(const signed char* __restrict__ x, const float* __restrict__ x_scales, int rows,
                                     const signed char* __restrict__ weights, const float* __restrict__ w_scales, int outputs,
                                     int columns, float* __restrict__ y) {
    const int o = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5);
    if (o >= outputs) return;  // the whole warp leaves together
    const signed char* w = weights + (long long)o * columns;
    const float w_scale = w_scales[o];
    auto weight = [&](int c) { return (int)w[c]; };
    auto input = [&](int m, int c) { return (int)x[(long long)m * columns + c]; };
    auto finish = [&](int total, int m) { return (float)total * x_scales[m] * w_scale; };
    warp_gemv<int>(rows, columns, outputs, o, input, weight, finish, y);
}
