// W8A8 (int8 weights with one scale per output row, int8 input codes with one scale per row, as
// quantize_int8_per_token writes them), for a few input rows, summed in int32 as vLLM does:
//   y[m, o] = (Σ_c xq[m, c] · wq[o, c]) · x_scale[m] · w_scale[o]
// Launch: one warp per output row (blockDim.x a multiple of 32), at most 8 input rows per launch.
#include "common.cuh"

#define INT8_GEMV_MAX_ROWS 8

extern "C" __global__ void int8_gemv(const signed char* __restrict__ x, const float* __restrict__ x_scales, int rows,
                                     const signed char* __restrict__ weights, const float* __restrict__ w_scales, int outputs,
                                     int columns, float* __restrict__ y) {
    const int o = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5);
    const int lane = threadIdx.x & 31;
    if (o >= outputs) return;  // the whole warp leaves together
    const signed char* w = weights + (long long)o * columns;
    int sums[INT8_GEMV_MAX_ROWS];
#pragma unroll
    for (int m = 0; m < INT8_GEMV_MAX_ROWS; ++m) sums[m] = 0;
    for (int c = lane; c < columns; c += 32) {
        const int weight = w[c];
#pragma unroll
        for (int m = 0; m < INT8_GEMV_MAX_ROWS; ++m) {
            if (m < rows) sums[m] += (int)x[(long long)m * columns + c] * weight;
        }
    }
#pragma unroll
    for (int m = 0; m < INT8_GEMV_MAX_ROWS; ++m) {
        const int total = warp_reduce(sums[m], SumOp());
        if (m < rows && lane == 0) y[(long long)m * outputs + o] = (float)total * x_scales[m] * w_scales[o];
    }
}
