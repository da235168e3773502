// Rotary position embedding, halves paired (value i with value i + rotary_dim/2, as the CPU's
// RotaryEmbedding), on the first rotary_dim values of every head, in place.
// Launch: grid (rows, heads), any blockDim.x. Row r of x starts r·stride floats in; cos and sin
// hold rotary_dim/2 values per row.
#include "common.cuh"

extern "C" __global__ void rotary_f32(float* x, const float* __restrict__ cos_table, const float* __restrict__ sin_table,
                                      long long stride, int head_dim, int rotary_dim) {
    const int r = blockIdx.x, h = blockIdx.y, half = rotary_dim / 2;
    float* v = x + (long long)r * stride + (long long)h * head_dim;
    const float* c = cos_table + (long long)r * half;
    const float* s = sin_table + (long long)r * half;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        const float a = v[i], b = v[i + half];
        v[i] = a * c[i] - b * s[i];
        v[i + half] = b * c[i] + a * s[i];
    }
}
