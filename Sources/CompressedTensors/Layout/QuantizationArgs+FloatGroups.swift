import Recipes

extension QuantizationArgs {
    /// Whether these symmetric args scale groups of 32 by E8M0 powers of two, the MX formats
    /// (compressed-tensors' `should_generate_mx_scales`: `torch.uint8` scales over groups of 32).
    public var hasMXScales: Bool {
        symmetric && strategy == .group && groupSize == WeightEncoding.mxGroupSize && scaleDtype == "torch.uint8"
    }

    /// Whether these symmetric args scale groups of 16 by FP8 E4M3 scales under a global scale, NVFP4.
    public var hasNVFP4Scales: Bool {
        symmetric && strategy == .tensorGroup && groupSize == WeightEncoding.nvfp4GroupSize && scaleDtype == "torch.float8_e4m3fn"
    }
}
