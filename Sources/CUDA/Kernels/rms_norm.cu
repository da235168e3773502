// RMSNorm: y = x / sqrt(mean(x²) + ε) · w per row, the mean of squares accumulated in f64 as on the CPU.
// Launch: one block per row, blockDim.x a multiple of 32 (256). Rows are `stride` floats apart in
// x and y; y may be x.
#include "common.cuh"

extern "C" __global__ void rms_norm_f32(const float* x, const float* __restrict__ weight, float* y, int width,
                                        long long stride, float epsilon) {
    __shared__ double scratch[32];
    const float* row = x + (long long)blockIdx.x * stride;
    float* out = y + (long long)blockIdx.x * stride;
    double squares = 0.0;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        double v = (double)row[i];
        squares += v * v;
    }
    squares = block_reduce(squares, SumOp(), 0.0, scratch);
    const float inverse = 1.0f / sqrtf((float)(squares / (double)width) + epsilon);
    for (int i = threadIdx.x; i < width; i += blockDim.x) out[i] = weight[i] * (row[i] * inverse);
}
