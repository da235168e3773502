// Causal attention over a KV cache, one query row and head per block:
//   query row r is position past + r; it attends cached positions first ... past + r, where
//   first is past + r − window + 1 (clamped at 0) under a sliding window, else 0;
//   scores are (q · k) · scale, soft-capped as cap · tanh(s / cap) when cap > 0, softmaxed in f32;
//   the output is the weighted sum of the values.
// Grouped-query attention: head h reads KV head h / (heads / kv_heads).
// Layouts: queries row r at r·query_stride, head h at h·head_dim; the cache holds, per position,
// kv_heads·head_dim keys (values alike); output is [rows, heads·head_dim].
// The FP8 cache variant stores E4M3 codes and multiplies keys by k_scale and values by v_scale.
// Launch: grid (rows, heads), blockDim.x a multiple of 32, dynamic shared memory of
// (past + rows) floats for the scores.
#include "common.cuh"

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
    const int r = blockIdx.x, h = blockIdx.y;
    const int kv_head = h / (heads / kv_heads);
    const long long kv_width = (long long)kv_heads * head_dim;
    const float* q = queries + (long long)r * query_stride + (long long)h * head_dim;
    const int last = past + r;
    const int first = window > 0 ? max(0, last - window + 1) : 0;

    float largest = -F32_INFINITY;
    for (int j = first + threadIdx.x; j <= last; j += blockDim.x) {
        const long long base = (long long)j * kv_width + (long long)kv_head * head_dim;
        float dot = 0.0f;
        for (int d = 0; d < head_dim; ++d) dot += q[d] * cache.key(base + d);
        float s = dot * scale;
        if (softcap > 0.0f) s = softcap * tanhf(s / softcap);
        scores[j - first] = s;
        largest = fmaxf(largest, s);
    }
    largest = block_reduce(largest, MaxOp(), -F32_INFINITY, scratch);
    float total = 0.0f;
    for (int j = first + threadIdx.x; j <= last; j += blockDim.x) {
        const float e = expf(scores[j - first] - largest);
        scores[j - first] = e;
        total += e;
    }
    total = block_reduce(total, SumOp(), 0.0f, scratch);  // its barriers also publish the scores
    const float inverse = 1.0f / total;
    float* out = output + ((long long)r * heads + h) * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int j = first; j <= last; ++j) sum += scores[j - first] * cache.value((long long)j * kv_width + (long long)kv_head * head_dim + d);
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
