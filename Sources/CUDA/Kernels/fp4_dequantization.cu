// FP4 E2M1 weights (two per byte, the even column in the low nibble) decoded to f32 tiles:
//   NVFP4: w[o, c] = fp4(code) · (e4m3(scale[o, c / 16]) / global_scale)
//   MXFP4: w[o, c] = fp4(code) · 2^(scale[o, c / 32] − 127)
// Launch: one thread per stored byte, over rows [first_row, first_row + rows) of the weight;
// out holds those rows, `columns` floats each.
#include "common.cuh"

template <class Scale>
__device__ void dequantize_fp4(const u8* __restrict__ packed, const u8* __restrict__ scales, int first_row, int rows,
                               int columns, int group_size, float* __restrict__ out, Scale scale_of) {
    const int bytes_per_row = (columns + 1) / 2, groups_per_row = (columns + group_size - 1) / group_size;
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= (long long)rows * bytes_per_row) return;
    const int r = (int)(i / bytes_per_row), b = (int)(i % bytes_per_row), o = first_row + r;
    const u32 pair = packed[(long long)o * bytes_per_row + b];
    const int c = 2 * b;
    float* row = out + (long long)r * columns;
    row[c] = fp4_e2m1_to_float(pair & 0xFu) * scale_of(scales[(long long)o * groups_per_row + c / group_size]);
    if (c + 1 < columns) row[c + 1] = fp4_e2m1_to_float(pair >> 4) * scale_of(scales[(long long)o * groups_per_row + (c + 1) / group_size]);
}

struct NVFP4Scale {
    float global_scale;
    __device__ __forceinline__ float operator()(u8 code) const { return fp8_e4m3_to_float(code) / global_scale; }
};
struct MXFP4Scale {
    __device__ __forceinline__ float operator()(u8 code) const { return e8m0_to_float(code); }
};

extern "C" __global__ void dequantize_nvfp4(const u8* packed, const u8* scales, float global_scale, int first_row, int rows,
                                            int columns, float* out) {
    NVFP4Scale scale = {global_scale};
    dequantize_fp4(packed, scales, first_row, rows, columns, 16, out, scale);
}

extern "C" __global__ void dequantize_mxfp4(const u8* packed, const u8* scales, int first_row, int rows, int columns, float* out) {
    dequantize_fp4(packed, scales, first_row, rows, columns, 32, out, MXFP4Scale());
}
