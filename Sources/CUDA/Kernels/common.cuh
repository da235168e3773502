// Shared helpers of the CUDA kernels: number formats and block-wide reductions.
// Compiled by NVRTC only (no CUDA headers are included: NVRTC declares the device intrinsics itself).
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define F32_INFINITY __int_as_float(0x7f800000)

// bf16 bits to f32: the bf16 is the high half of the f32.
__device__ __forceinline__ float bf16_to_float(u16 bits) { return __uint_as_float(((u32)bits) << 16); }

// FP8 E4M3 code to f32, as the CPU decoder does: the 7 magnitude bits placed at f32 bits 20...26
// give 2^(e-127)·1.m (or the subnormal m·2^-129), and 2^120 rebiases that to 2^(e-7)·1.m.
__device__ __forceinline__ float fp8_e4m3_to_float(u8 code) {
    const float rebias = __uint_as_float(0x7B800000u);  // 2^120
    float magnitude = __uint_as_float(((u32)code & 0x7Fu) << 20) * rebias;
    return (code & 0x80u) ? -magnitude : magnitude;
}

// f32 to the nearest FP8 E4M3 code (ties to even), saturating at ±448; NaN becomes 448.
__device__ __forceinline__ u8 float_to_fp8_e4m3(float v) {
    u32 sign = (__float_as_uint(v) >> 24) & 0x80u;
    float a = fminf(fabsf(v), 448.0f);
    u32 code;
    if (a < 0.015625f) {
        // Below 2^-6 the grid is the subnormals' steps of 2^-9; 8 steps is the smallest normal's code.
        code = (u32)rintf(a * 512.0f);
    } else {
        int e;
        float f = frexpf(a, &e);                          // a = f·2^e, f in [0.5, 1)
        u32 q = (u32)rintf((2.0f * f - 1.0f) * 8.0f);      // the 3 mantissa bits, 8 when rounding carries
        u32 exponent = (u32)(e - 1 + 7);
        if (q == 8u) { q = 0u; exponent += 1u; }
        code = (exponent << 3) | q;
        if (code > 0x7Eu) code = 0x7Eu;
    }
    return (u8)(sign | code);
}

// f32 to int8: round half to even, clamp to -128...127.
__device__ __forceinline__ signed char float_to_int8(float v) {
    float q = fminf(127.0f, fmaxf(-128.0f, rintf(v)));
    return (signed char)(int)q;
}

// FP4 E2M1 code (low 4 bits) to f32: magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6; bit 3 is the sign.
__device__ __forceinline__ float fp4_e2m1_to_float(u32 code) {
    u32 m = code & 7u;
    // Codes 2...7 are 2^(e-1)·(1 + m/2) with e = code >> 1, m = code & 1; codes 0 and 1 are 0 and 0.5.
    float magnitude = m < 2u ? 0.5f * (float)m : (float)(1u << ((m >> 1) - 1u)) * (1.0f + 0.5f * (float)(m & 1u));
    return (code & 8u) ? -magnitude : magnitude;
}

// E8M0 scale code to f32: 2^(code-127); code 0 is 2^-127.
__device__ __forceinline__ float e8m0_to_float(u8 code) {
    return __uint_as_float(code == 0 ? 0x00400000u : ((u32)code << 23));
}

struct SumOp {
    template <class T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
    __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <class T, class Op> __device__ __forceinline__ T warp_reduce(T v, Op op) {
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// The reduction of every thread's `v` over the block (blockDim.x a multiple of 32, at most 1024),
// returned to every thread. `scratch` holds 32 values; it may be reused after the call.
template <class T, class Op> __device__ T block_reduce(T v, Op op, T identity, T* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_reduce(v, op);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        T w = threadIdx.x < warps ? scratch[threadIdx.x] : identity;
        w = warp_reduce(w, op);
        if (lane == 0) scratch[0] = w;
    }
    __syncthreads();
    T result = scratch[0];
    __syncthreads();
    return result;
}

// Input rows one GEMV launch multiplies (LaunchPlan.gemvRows on the host).
#define GEMV_MAX_ROWS 8

// One warp's output row o of a GEMV over `rows` (at most GEMV_MAX_ROWS) input rows:
//   y[m, o] = finish(Σ_c input(m, c) · weight(c), m)
// summed in Accumulator, each lane taking every 32nd column. Launch one warp per output row.
template <class Accumulator, class Input, class Weight, class Finish>
__device__ __forceinline__ void warp_gemv(int rows, int columns, int outputs, int o, Input input, Weight weight, Finish finish,
                                          float* __restrict__ y) {
    const int lane = threadIdx.x & 31;
    Accumulator sums[GEMV_MAX_ROWS];
#pragma unroll
    for (int m = 0; m < GEMV_MAX_ROWS; ++m) sums[m] = 0;
    for (int c = lane; c < columns; c += 32) {
        const Accumulator w = weight(c);
#pragma unroll
        for (int m = 0; m < GEMV_MAX_ROWS; ++m) {
            if (m < rows) sums[m] += input(m, c) * w;
        }
    }
#pragma unroll
    for (int m = 0; m < GEMV_MAX_ROWS; ++m) {
        const Accumulator total = warp_reduce(sums[m], SumOp());
        if (m < rows && lane == 0) y[(long long)m * outputs + o] = finish(total, m);
    }
}
