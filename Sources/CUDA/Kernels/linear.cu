// Dense f32 linear layer: y[r, o] = Σ_c x[r, c] · w[o, c] (+ bias[o]), summed in f32.
// x holds `rows` rows `ldx` floats apart; w is [outputs, columns] row-major (as checkpoints store
// it); y rows are `ldy` floats apart, so one part of a stacked projection ([q | k | v]) writes its
// own columns of a wider row. bias may be null.
// Each block computes a tile of LINEAR_TILE rows × LINEAR_TILE outputs, LINEAR_DEPTH columns at a
// time through shared memory; thread (ty, tx) of the 16 × 16 sums rows ty + 16i and outputs
// tx + 16j (i, j < 4).
// Launch: grid (ceil(outputs / 64), ceil(rows / 64)), 256 threads.
#include "common.cuh"

#define LINEAR_TILE 64
#define LINEAR_DEPTH 16

extern "C" __global__ void linear_f32(const float* __restrict__ x, long long ldx, int rows, const float* __restrict__ weight, int outputs,
                                      int columns, const float* __restrict__ bias, float* __restrict__ y, long long ldy) {
    // One float of padding per row staggers the banks of the transposed stores.
    __shared__ float xs[LINEAR_DEPTH][LINEAR_TILE + 1];
    __shared__ float ws[LINEAR_DEPTH][LINEAR_TILE + 1];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int row0 = blockIdx.y * LINEAR_TILE, out0 = blockIdx.x * LINEAR_TILE;
    float sums[4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j) sums[i][j] = 0.0f;
    }
    for (int k0 = 0; k0 < columns; k0 += LINEAR_DEPTH) {
        // 64 × 16 values of each operand, 4 per thread; consecutive threads read consecutive columns.
        for (int i = tid; i < LINEAR_TILE * LINEAR_DEPTH; i += 256) {
            const int t = i / LINEAR_DEPTH, c = i % LINEAR_DEPTH, k = k0 + c;
            const int r = row0 + t, o = out0 + t;
            xs[c][t] = (r < rows && k < columns) ? x[(long long)r * ldx + k] : 0.0f;
            ws[c][t] = (o < outputs && k < columns) ? weight[(long long)o * columns + k] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int c = 0; c < LINEAR_DEPTH; ++c) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) a[i] = xs[c][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; ++j) b[j] = ws[c][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; ++i) {
#pragma unroll
                for (int j = 0; j < 4; ++j) sums[i][j] += a[i] * b[j];
            }
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int r = row0 + ty + 16 * i;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int o = out0 + tx + 16 * j;
            if (r < rows && o < outputs) y[(long long)r * ldy + o] = sums[i][j] + (bias ? bias[o] : 0.0f);
        }
    }
}
