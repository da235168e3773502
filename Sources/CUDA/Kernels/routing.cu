// Mixture-of-experts routing: per token, the softmax of the router's logits and the k experts of
// largest probability (the lower index first among equal ones), their weights renormalized to
// sum to 1 when `normalize` is set. A pick that finds no expert (NaN logits) is id -1, weight 0.
// Launch: one thread per token, any blockDim.x.
#include "common.cuh"

extern "C" __global__ void softmax_top_k(const float* __restrict__ logits, int tokens, int experts, int k, int normalize,
                                         int* __restrict__ ids, float* __restrict__ weights) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= tokens) return;
    const float* row = logits + (long long)t * experts;
    float largest = -F32_INFINITY;
    for (int e = 0; e < experts; ++e) largest = fmaxf(largest, row[e]);
    float total = 0.0f;
    for (int e = 0; e < experts; ++e) total += expf(row[e] - largest);
    // Each pick is the best expert ranked strictly after the previous pick: (value descending, index ascending).
    float previous_value = F32_INFINITY;
    int previous_index = -1;
    float chosen = 0.0f;
    for (int j = 0; j < k; ++j) {
        int best = -1;
        float best_value = -F32_INFINITY;
        for (int e = 0; e < experts; ++e) {
            const float v = row[e];
            const bool after_previous = v < previous_value || (v == previous_value && e > previous_index);
            if (after_previous && (best < 0 || v > best_value)) { best = e; best_value = v; }
        }
        const float p = best < 0 ? 0.0f : expf(best_value - largest) / total;
        previous_value = best_value;
        previous_index = best;
        ids[(long long)t * k + j] = best;
        weights[(long long)t * k + j] = p;
        chosen += p;
    }
    if (normalize && chosen > 0.0f) {
        for (int j = 0; j < k; ++j) weights[(long long)t * k + j] /= chosen;
    }
}
