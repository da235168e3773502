/* What the panel kernels (panel_gemm in simd_kernels.h, simd_bf16_inputs.h) share: their shape
 * and how a step's sums are stored. Written against the primitives of simd_avx512.h or
 * simd_avx2.h, whichever the including file put in scope. */
#ifndef CK_SIMD_PANEL_H
#define CK_SIMD_PANEL_H

#define ALWAYS_INLINE static inline __attribute__((always_inline))
/* Loops over registers must unroll, or their vectors live on the stack. */
#define CK_UNROLL _Pragma("clang loop unroll(full)")

/* Outputs of a panel: CK_PANEL_VECTORS vectors of them. */
#define CK_PANEL_VECTORS (CK_LANES == 16 ? 3 : 2)
#define CK_PANEL_OUTPUTS (CK_PANEL_VECTORS * CK_LANES)
/* Rows of x per step: CK_PANEL_VECTORS · CK_PANEL_ROWS accumulators, the panel's vectors and a
 * broadcast fit the 32 (AVX-512) or 16 (AVX2) vector registers. Eight rows, not more: rows of x
 * a multiple of 4 KiB long (2048 columns) share one L1 set, which holds eight lines. */
#define CK_PANEL_ROWS (CK_LANES == 16 ? 8 : 6)
/* Rows of x from which the panels' layout pays for itself. */
#define CK_PANEL_MIN_ROWS 64

/* The sums of `rows` rows of x (CK_PANEL_VECTORS vectors a row in acc) for the panel's first
 * n ≤ CK_PANEL_OUTPUTS outputs, stored into y (rows ldy apart). */
ALWAYS_INLINE void panel_store(const vf *acc, size_t rows, size_t n, float *y, size_t ldy) {
    const int V = CK_PANEL_VECTORS;
    for (size_t r = 0; r < rows; r++) {
        float *out = y + r * ldy;
        const vf *sums = acc + (size_t)V * r;
        CK_UNROLL
        for (int v = 0; v < V; v++) {
            size_t lane = (size_t)v * CK_LANES;
            if (n >= lane + CK_LANES) vf_store(out + lane, sums[v]);
            else if (n > lane) vf_store_n(out + lane, sums[v], n - lane);
        }
    }
}

#endif
