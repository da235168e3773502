// The element-wise steps of a decoder block's forward pass.
// Launch: one thread per element (per output element for the gated product), 256 a block.
#include "common.cuh"

// y[i] += x[i] for `count` values (the residual adds).
extern "C" __global__ void add_f32(float* __restrict__ y, const float* __restrict__ x, long long count) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] += x[i];
}

// The gated MLP's product, out[r, c] = act(gate[r, c]) · up[r, c], where row r of gate_up is
// [gate | up], 2·inner values, and out rows hold `inner` values. activation: 0 SiLU (x·σ(x)),
// 1 GELU with the tanh approximation, 2 GELU with the error function (the CPU's Activation).
extern "C" __global__ void gated_activation_f32(const float* __restrict__ gate_up, float* __restrict__ out, int rows, int inner,
                                                int activation) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * inner) return;
    const long long r = i / inner, c = i % inner;
    const float g = gate_up[r * 2 * inner + c], u = gate_up[r * 2 * inner + inner + c];
    float a;
    if (activation == 0) {
        a = g / (1.0f + expf(-g));
    } else if (activation == 1) {
        a = 0.5f * g * (1.0f + tanhf(0.7978845608028654f * (g + 0.044715f * g * g * g)));
    } else {
        a = 0.5f * g * (1.0f + erff(g * 0.7071067811865475f));
    }
    out[i] = a * u;
}

// Copies `rows` rows of `width` floats, `ldx` apart in x, to rows `ldy` apart in y (the keys and
// values of a [q | k | v] row packed as the attention kernels read them).
extern "C" __global__ void copy_rows_f32(const float* __restrict__ x, long long ldx, float* __restrict__ y, long long ldy, int rows,
                                         int width) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * width) return;
    const long long r = i / width, c = i % width;
    y[r * ldy + c] = x[r * ldx + c];
}

// y[r, o] += bias[o] for `rows` rows of `outputs` values, `ldy` floats apart (a projection's bias,
// added after its GEMM into its own columns of a wider row: y points at the first of them).
extern "C" __global__ void add_bias_rows_f32(float* __restrict__ y, long long ldy, const float* __restrict__ bias, int rows, int outputs) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)rows * outputs) return;
    const long long r = i / outputs, o = i % outputs;
    y[r * ldy + o] += bias[o];
}
