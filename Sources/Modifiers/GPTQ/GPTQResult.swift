import Checkpoint

/// What GPTQ made of one Linear weight: the codes, scales and zero points compressed-tensors
/// writes, and the fake-quantized weight the next layers' calibration inputs are computed with.
struct GPTQResult: Sendable {
    /// The weight quantized.
    let tensor: TensorInfo
    /// The integer grid and the granularity of the scales.
    let kernel: IntegerWeightKernel
    /// `rows × columns` codes, row-major, in the grid's range.
    let codes: [Int8]
    /// The scales (values of the weight's dtype), row-major in `scaleShape`.
    let scales: [Float]
    /// The zero points, one per scale (all zero for symmetric quantization).
    let zeroPoints: [Int8]
    /// The weight the codes stand for (`rows × columns`, row-major; values of the weight's dtype),
    /// which the next layers' calibration inputs are computed with. compressed-tensors derives the
    /// codes again from GPTQ's output, in the weight's dtype, so on rare values this differs from
    /// GPTQ's own output by one step of the grid; llm-compressor's quantized forward passes see this one.
    let weight: [Float]
    /// GPTQ's loss, as llm-compressor logs it: the sum over every value of `e² / 2`, `e` being its
    /// quantization error divided by the factor's diagonal.
    let loss: Float
    /// Whether the Hessian was not positive definite, so the weight was rounded to nearest
    /// (llm-compressor warns about such layers).
    let usedFallback: Bool

    /// Shape of `weight_scale` (and of the unpacked zero points).
    var scaleShape: [Int] { kernel.granularity.scaleShape(rows: tensor.shape[0], columns: tensor.shape[1]) }

    /// Passes the bytes of the tensors the layout of `quantizer`'s group names to `emit`, in that
    /// order, as the data-free int-quantized or pack-quantized quantizer of the same scheme lays them out.
    func write(through quantizer: any WeightQuantizer, threads: Int,
               emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        guard let writer = quantizer as? any IntegerWeightWriter, writer.kernel == kernel else {
            throw .unquantizableWeight(tensor: tensor.name, reason: "GPTQ's integer codes cannot be written by \(type(of: quantizer)) "
                + "(it needs an int-quantized or pack-quantized format of the same bits, symmetry and strategy)")
        }
        switch tensor.dtype {
        case .bf16: try write(BF16Storage.self, writer, threads: threads, emit: emit)
        case .f16: try write(F16Storage.self, writer, threads: threads, emit: emit)
        default: try write(F32Storage.self, writer, threads: threads, emit: emit)
        }
    }

    private func write<S: WeightStorage>(_: S.Type, _ writer: some IntegerWeightWriter, threads: Int,
                                         emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        let scaleBits = scales.map(S.bits)
        try codes.withUnsafeBufferPointer { (codes) throws(ModifierError) in
            try scaleBits.withUnsafeBufferPointer { (scales) throws(ModifierError) in
                try zeroPoints.withUnsafeBufferPointer { (zeroPoints) throws(ModifierError) in
                    try writer.write(S.self, weight: tensor, codes: codes.baseAddress!, scales: scales.baseAddress!,
                                     zeroPoints: zeroPoints.baseAddress!, threads: threads, emit: emit)
                }
            }
        }
    }
}
