// Dynamic per-token activation quantization (FP8_DYNAMIC's and W8A8's inputs): each row's scale
// is absmax / 448 (FP8 E4M3) or absmax / 127 (int8), each value becomes the code of x / scale.
// A row of zeros (or a non-finite scale) gets zero codes.
// Launch: one block per row, blockDim.x a multiple of 32 (256).
#include "common.cuh"

template <class Code, class Encode>
__device__ void quantize_row(const float* __restrict__ x, Code* __restrict__ codes, float* __restrict__ scales, int width,
                             float maximum, Encode encode) {
    __shared__ float scratch[32];
    const float* row = x + (long long)blockIdx.x * width;
    Code* out = codes + (long long)blockIdx.x * width;
    float absmax = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) absmax = fmaxf(absmax, fabsf(row[i]));
    absmax = block_reduce(absmax, MaxOp(), 0.0f, scratch);
    const float scale = absmax / maximum;
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
