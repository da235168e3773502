import CUDA

/// The rounding the CPU runtime applies to a projection's input (``ActivationQuantization``), as the
/// `fake_quantize_*` kernels compute it on the GPU: the same codes, read back to f32.
enum CUDAInputQuantization: Equatable {
    /// FP8 E4M3 with a dynamic scale per token (FP8_DYNAMIC).
    case fp8PerToken
    /// Int8 with a dynamic scale per token (W8A8).
    case int8PerToken
    /// FP8 E4M3 with the checkpoint's static `input_scale`.
    case fp8Static(scale: Float)
    /// Int8 with the checkpoint's static `input_scale` and zero point (0 when symmetric).
    case int8Static(scale: Float, zeroPoint: Float)

    /// The GPU form of `quantization`.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` naming `module` for the kinds the kernels do
    ///   not compute yet (per-group, per-tensor dynamic, NVFP4 and MX inputs).
    init(_ quantization: ActivationQuantization, module: String) throws(RuntimeError) {
        switch (quantization.grid, quantization.scale) {
        case (.fp8, .token): self = .fp8PerToken
        case (.int8, .token) where quantization.zeroPoint == 0: self = .int8PerToken
        case let (.fp8, .fixed(scale)): self = .fp8Static(scale: scale)
        case let (.int8, .fixed(scale)): self = .int8Static(scale: scale, zeroPoint: quantization.zeroPoint)
        default:
            throw .backendUnavailable(
                "\(module): its input quantization (\(quantization.grid), \(quantization.scale)) does not run on cuda yet, "
                    + "only FP8 and int8 per token or with a static scale; use --device cpu")
        }
    }

    /// Writes the `rows × columns` values of `x` (packed), rounded, to `y`.
    func apply(_ x: DeviceBuffer, rows: Int, columns: Int, into y: DeviceBuffer, context: CUDAContext) throws(CUDAError) {
        let count = rows * columns
        switch self {
        case .fp8PerToken:
            try context.launch("fake_quantize_fp8_per_token", .perRow(rows: rows), [.pointer(x), .pointer(y), .int32(Int32(columns))])
        case .int8PerToken:
            try context.launch("fake_quantize_int8_per_token", .perRow(rows: rows), [.pointer(x), .pointer(y), .int32(Int32(columns))])
        case let .fp8Static(scale):
            try context.launch("fake_quantize_fp8_static", .elementwise(count: count), [.pointer(x), .pointer(y), .int64(Int64(count)), .float(scale)])
        case let .int8Static(scale, zeroPoint):
            try context.launch("fake_quantize_int8_static", .elementwise(count: count),
                               [.pointer(x), .pointer(y), .int64(Int64(count)), .float(scale), .float(zeroPoint)])
        }
    }
}
