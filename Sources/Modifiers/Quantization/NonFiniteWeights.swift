import Checkpoint

/// How weights holding NaN or Inf are quantized when a run allows them
/// (`OneshotOptions.rejectNonFinite` false, `compress oneshot --allow-nonfinite`).
///
/// NaN and Inf flow through llm-compressor's arithmetic as torch computes it: `torch.amax` and
/// `torch.amin` propagate NaN, so the statistic of a scale group (a row, a block, a group of
/// columns, the whole tensor for per-tensor scales) that holds a NaN is NaN, and that of a group
/// holding an infinity (and no NaN) is infinite. Only those groups change; every other group is
/// quantized exactly as without NaN or Inf. What each format then writes is documented where it
/// is computed: here for FP8 elements, in `IntegerGrid` for integers, in `NVFP4Quantizer` and
/// `MXQuantizer` for FP4 and MX. Every NaN is written as its format's one positive quiet NaN
/// (torch's NaN sign bits depend on which of its kernels ran, so they are not reproduced).
enum NonFiniteWeights {
    /// The scale of an FP8 or integer group whose largest magnitude has bits `absmax`, at or above
    /// `S.infinityBits`: NaN when the group holds a NaN, else +Inf.
    @inline(__always)
    static func scale<S: WeightStorage>(_: S.Type, absmax: S.Bits) -> S.Bits {
        absmax > S.infinityBits ? S.nanBits : S.infinityBits
    }

    /// The FP8 E4M3 codes of `count` values under a NaN or infinite scale (`scaleIsNaN` says
    /// which), as compressed-tensors' `x / scale + 0` gives them: under a NaN scale every code is
    /// NaN (`0x7F`); under an infinite scale finite values become +0 (`0x00`, the added zero
    /// point turning -0 into +0) and infinities NaN (`Inf / Inf`).
    static func fp8Codes<S: WeightStorage>(_: S.Type, _ values: UnsafePointer<S.Bits>, count: Int, scaleIsNaN: Bool,
                                           into out: UnsafeMutablePointer<UInt8>) {
        for c in 0..<count {
            out[c] = scaleIsNaN || values[c] & S.magnitudeMask >= S.infinityBits ? FP8E4M3.nanCode : 0
        }
    }
}
