// Dynamic per-token activation quantization (FP8_DYNAMIC's and W8A8's inputs): each row's scale
// is absmax / 448 (FP8 E4M3) or absmax / 127 (int8), each value becomes the code of x / scale.
// A row of zeros (or a non-finite scale) gets zero codes.
// Launch: one block per row, blockDim.x a multiple of 32 (256).
#include "common.cuh"

// The scale of this block's row of `width` values: its absmax / maximum, the same in every thread.
__device__ float row_scale(const float* __restrict__ row, int width, float maximum) {
    __shared__ float scratch[32];
    float absmax = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) absmax = fmaxf(absmax, fabsf(row[i]));
    return block_reduce(absmax, MaxOp(), 0.0f, scratch) / maximum;
}

template <class Code, class Encode>
__device__ void quantize_row(const float* __restrict__ x, Code* __restrict__ codes, float* __restrict__ scales, int width,
                             float maximum, Encode encode) {
    const float* row = x + (long long)blockIdx.x * width;
    Code* out = codes + (long long)blockIdx.x * width;
    const float scale = row_scale(row, width, maximum);
    if (threadIdx.x == 0) scales[blockIdx.x] = scale;
    const bool usable = scale > 0.0f && isfinite(scale);
    for (int i = threadIdx.x; i < width; i += blockDim.x) out[i] = usable ? encode(row[i] / scale) : (Code)0;
}

struct EncodeFP8 {
    __device__ __forceinline__ u8 operator()(float v) const { return float_to_fp8_e4m3(v); }
};
struct EncodeInt8 {
    __device__ __forceinline__ signed char operator()(float v) const { return float_to_int8(v); }
};

extern "C" __global__ void quantize_fp8_per_token(const float* x, u8* codes, float* scales, int width) {
    quantize_row(x, codes, scales, width, 448.0f, EncodeFP8());
}

extern "C" __global__ void quantize_int8_per_token(const float* x, signed char* codes, float* scales, int width) {
    quantize_row(x, codes, scales, width, 127.0f, EncodeInt8());
}

// Fake quantization, as the CPU runtime's ActivationQuantization emulates a layer's quantized
// input in f32: y = q(x / scale) · scale, with q the rounding of the codes above (FP8 E4M3
// saturating at ±448, or int8 half to even clamped to -128...127 about a zero point), and zeros
// where the scale is zero or not finite. x and y may not overlap.
struct RoundFP8 {
    __device__ __forceinline__ float operator()(float v) const { return fp8_e4m3_to_float(float_to_fp8_e4m3(v)); }
};
struct RoundInt8 {
    float zero_point;
    __device__ __forceinline__ float operator()(float v) const {
        return fminf(127.0f, fmaxf(-128.0f, rintf(v) + zero_point)) - zero_point;
    }
};

// Dynamic per token: each row's scale is its absmax / maximum. Launch: one block per row, blockDim.x
// a multiple of 32 (256).
template <class Round>
__device__ void fake_quantize_row(const float* __restrict__ x, float* __restrict__ y, int width, float maximum, Round round) {
    const float* row = x + (long long)blockIdx.x * width;
    float* out = y + (long long)blockIdx.x * width;
    const float scale = row_scale(row, width, maximum);
    const bool usable = scale > 0.0f && isfinite(scale);
    for (int i = threadIdx.x; i < width; i += blockDim.x) out[i] = usable ? round(row[i] / scale) * scale : 0.0f;
}

extern "C" __global__ void fake_quantize_fp8_per_token(const float* x, float* y, int width) {
    fake_quantize_row(x, y, width, 448.0f, RoundFP8());
}

extern "C" __global__ void fake_quantize_int8_per_token(const float* x, float* y, int width) {
    RoundInt8 round = {0.0f};
    fake_quantize_row(x, y, width, 127.0f, round);
}

// A static scale (the checkpoint's input_scale) over `count` values; int8 with its zero point
// (0 when symmetric). Launch: one thread per value, 256 a block.
extern "C" __global__ void fake_quantize_fp8_static(const float* __restrict__ x, float* __restrict__ y, long long count, float scale) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    y[i] = scale > 0.0f && isfinite(scale) ? RoundFP8()(x[i] / scale) * scale : 0.0f;
}

extern "C" __global__ void fake_quantize_int8_static(const float* __restrict__ x, float* __restrict__ y, long long count, float scale,
                                                     float zero_point) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    RoundInt8 round = {zero_point};
    y[i] = scale > 0.0f && isfinite(scale) ? round(x[i] / scale) * scale : 0.0f;
}
