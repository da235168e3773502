// Causal attention over a KV cache, one query row and head per block:
//   query row r is position past + r; it attends cached positions first ... past + r, where
//   first is past + r − window + 1 (clamped at 0) under a sliding window, else 0;
//   scores are (q · k) · scale, soft-capped as cap · tanh(s / cap) when cap > 0, softmaxed in f32;
//   the output is the weighted sum of the values.
// Grouped-query attention: head h reads KV head h / (heads / kv_heads).
// Layouts: queries row r at r·query_stride, head h at h·head_dim; the cache holds, per position,
// kv_heads·head_dim keys (values alike); output is [rows, heads·head_dim].
// The FP8 cache variant stores E4M3 codes and multiplies keys by k_scale and values by v_scale.
// Launch: grid (rows, heads), blockDim.x a multiple of 32 up to ATTENTION_MAX_THREADS, head_dim up to
// ATTENTION_MAX_HEAD_DIM, dynamic shared memory of (past + rows) floats for the scores.
// Each warp takes positions in turn, its lanes splitting a key's dimensions (reads coalesced); the
// weighted sum of the values is split over blockDim.x / head_dim groups of positions, added at the end.
#include "common.cuh"

#define ATTENTION_MAX_THREADS 256
#define ATTENTION_MAX_HEAD_DIM 256

struct F32Cache {
    const float* keys;
    const float* values;
    __device__ __forceinline__ float key(long long i) const { return keys[i]; }
    __device__ __forceinline__ float value(long long i) const { return values[i]; }
};

struct FP8Cache {
    const u8* keys;
    const u8* values;
    float k_scale;
    float v_scale;
    __device__ __forceinline__ float key(long long i) const { return fp8_e4m3_to_float(keys[i]) * k_scale; }
    __device__ __forceinline__ float value(long long i) const { return fp8_e4m3_to_float(values[i]) * v_scale; }
};

template <class Cache>
__device__ void attend(const float* __restrict__ queries, long long query_stride, int past, Cache cache, int heads, int kv_heads,
                       int head_dim, float scale, float softcap, int window, float* __restrict__ output) {
    extern __shared__ float scores[];
    __shared__ float scratch[32];
    __shared__ float query[ATTENTION_MAX_HEAD_DIM];
    __shared__ float partial[ATTENTION_MAX_THREADS];
    const int r = blockIdx.x, h = blockIdx.y;
    const int kv_head = h / (heads / kv_heads);
    const long long kv_width = (long long)kv_heads * head_dim;
    const float* q = queries + (long long)r * query_stride + (long long)h * head_dim;
    const int last = past + r;
    const int first = window > 0 ? max(0, last - window + 1) : 0;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) query[d] = q[d];
    __syncthreads();

    // Scores: a warp per position, every lane ending with the same (butterfly-reduced) dot product.
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float largest = -F32_INFINITY;
    for (int j = first + warp; j <= last; j += warps) {
        const long long base = (long long)j * kv_width + (long long)kv_head * head_dim;
        float dot = 0.0f;
        for (int d = lane; d < head_dim; d += 32) dot += query[d] * cache.key(base + d);
        dot = warp_reduce(dot, SumOp());
        float s = dot * scale;
        if (softcap > 0.0f) s = softcap * tanhf(s / softcap);
        if (lane == 0) scores[j - first] = s;
        largest = fmaxf(largest, s);
    }
    largest = block_reduce(largest, MaxOp(), -F32_INFINITY, scratch);  // its barriers also publish the scores
    float total = 0.0f;
    for (int j = first + threadIdx.x; j <= last; j += blockDim.x) {
        const float e = expf(scores[j - first] - largest);
        scores[j - first] = e;
        total += e;
    }
    total = block_reduce(total, SumOp(), 0.0f, scratch);
    const float inverse = 1.0f / total;

    // Values: group g of `groups` sums positions first + g, first + g + groups, ...; the groups are added in order.
    const int groups = max(1, (int)blockDim.x / head_dim);
    const long long value_base = (long long)kv_head * head_dim;
    for (int i = threadIdx.x; i < groups * head_dim; i += blockDim.x) {
        const int d = i % head_dim, g = i / head_dim;
        float sum = 0.0f;
        for (int j = first + g; j <= last; j += groups) sum += scores[j - first] * cache.value((long long)j * kv_width + value_base + d);
        partial[i] = sum;
    }
    __syncthreads();
    float* out = output + ((long long)r * heads + h) * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int g = 0; g < groups; ++g) sum += partial[g * head_dim + d];
        out[d] = sum * inverse;
    }
}

extern "C" __global__ void attention_f32(const float* queries, long long query_stride, int past, const float* keys, const float* values,
                                         int heads, int kv_heads, int head_dim, float scale, float softcap, int window, float* output) {
    F32Cache cache = {keys, values};
    attend(queries, query_stride, past, cache, heads, kv_heads, head_dim, scale, softcap, window, output);
}

extern "C" __global__ void attention_fp8_cache(const float* queries, long long query_stride, int past, const u8* keys, const u8* values,
                                               float k_scale, float v_scale, int heads, int kv_heads, int head_dim, float scale,
                                               float softcap, int window, float* output) {
    FP8Cache cache = {keys, values, k_scale, v_scale};
    attend(queries, query_stride, past, cache, heads, kv_heads, head_dim, scale, softcap, window, output);
}
