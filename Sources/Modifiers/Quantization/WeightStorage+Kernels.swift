import CKernels

extension WeightStorage {
    /// The dtype as the `CKernels` kernels on 16-bit weights take it (`ck_mse_errors`,
    /// `ck_nvfp4_quantize`); nil for f32, which they do not take.
    static var kernelDType: ck_mse_dtype? {
        switch dtype {
        case .bf16: CK_MSE_BF16
        case .f16: CK_MSE_F16
        default: nil
        }
    }
}
