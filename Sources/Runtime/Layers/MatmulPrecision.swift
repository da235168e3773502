import CKernels

/// How exactly the dense layers stored in bf16 multiply f32 inputs, named as PyTorch's
/// `torch.set_float32_matmul_precision` names its levels: `--matmul-precision` of `eval`,
/// `generate` and `bench`, `matmul_precision` of `llmc_perplexity`. Only ``ComputeDType/float32``
/// reads it; ``ComputeDType/auto`` multiplies bf16 inputs.
public enum MatmulPrecision: String, Sendable, CaseIterable {
    /// Every product the f32 product of the stored values: the runtime's reference arithmetic,
    /// and what calibration multiplies at `--calibration-dtype float32` (calibration never runs
    /// the split products).
    case highest
    /// Products of many rows (scoring, a prompt's pass) split each input into its bf16 rounding
    /// and an int8 remainder (`ck_matmul_bf16_split`), on CPUs with AVX512_BF16: three quarters
    /// of `highest`'s multiply instructions, an error a few percent of bf16 rounding's (SmolLM2-135M's
    /// logits within 7.2e-4 of each row's largest). Elsewhere, and for a few rows (decoding), as
    /// `highest`.
    case high

    /// Whether ``high`` runs the split products on this CPU's kernel path.
    public static var splitRuns: Bool { ck_split_runs() != 0 }
}
