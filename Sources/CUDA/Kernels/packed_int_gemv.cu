// W{2..8}A16 (compressed-tensors pack-quantized) products for a few input rows:
//   y[m, o] = Σ_c x[m, c] · (q[o, c] − z[o, g]) · s[o, g],  g = c / group_size,
// where q[o, c] is the field at bits c·bits ..< (c+1)·bits of row o's little-endian int32 words,
// stored as q + 2^(bits-1). Scales and zero points (nil for symmetric weights) are f32, decoded on
// the host, groups_per_row per output row.
// Launch: one warp per output row (blockDim.x a multiple of 32), at most GEMV_MAX_ROWS input rows
// per launch (the host launches again for the next ones with x and y offset).
#include "common.cuh"

extern "C" __global__ void packed_int_gemv(const float* __restrict__ x, int rows, const u32* __restrict__ words, int words_per_row,
                                           int bits, const float* __restrict__ scales, const float* __restrict__ zero_points,
                                           int group_size, int groups_per_row, int outputs, int columns, float* __restrict__ y) {
    const int o = (int)((blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5);
    if (o >= outputs) return;  // the whole warp leaves together
    const u32* w = words + (long long)o * words_per_row;
    const float* s = scales + (long long)o * groups_per_row;
    const float* z = zero_points ? zero_points + (long long)o * groups_per_row : 0;
    const u64 mask = (1ull << bits) - 1ull;
    const int offset = 1 << (bits - 1);
    auto weight = [&](int c) {
        const long long bit = (long long)c * bits;
        const int index = (int)(bit >> 5), shift = (int)(bit & 31);
        u64 pair = w[index];
        if (shift + bits > 32) pair |= (u64)w[index + 1] << 32;
        const int q = (int)((pair >> shift) & mask) - offset;
        const int g = c / group_size;
        return ((float)q - (z ? z[g] : 0.0f)) * s[g];
    };
    auto input = [&](int m, int c) { return x[(long long)m * columns + c]; };
    auto finish = [](float total, int) { return total; };
    warp_gemv<float>(rows, columns, outputs, o, input, weight, finish, y);
}
