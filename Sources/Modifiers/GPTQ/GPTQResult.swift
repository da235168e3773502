import Checkpoint

/// What GPTQ made of one Linear weight: the bytes of the tensors its config group's layout
/// writes, and the fake-quantized weight the next layers' calibration inputs are computed with.
struct GPTQResult: Sendable {
    /// The weight quantized.
    let tensor: TensorInfo
    /// The bytes of the layout's tensors for the weight, in the layout's order (values, scales,
    /// global scale or zero points, as the group's data-free quantizer emits them).
    let outputs: [[UInt8]]
    /// The weight the codes stand for (`rows × columns`, row-major), which the next layers'
    /// calibration inputs are computed with. compressed-tensors derives the codes again from
    /// GPTQ's output, in the weight's dtype, so on rare values this differs from GPTQ's own output
    /// by one step of the grid; llm-compressor's quantized forward passes see this one.
    let weight: [Float]
    /// GPTQ's loss, as llm-compressor logs it: the sum over every value of `e² / 2`, `e` being its
    /// quantization error divided by the factor's diagonal.
    let loss: Float
    /// Whether the Hessian was not positive definite, so the weight was rounded to nearest
    /// (llm-compressor warns about such layers).
    let usedFallback: Bool

    /// Passes the bytes of each output to `emit`, in the layout's order; `count` is the number of
    /// tensors the layout names for the weight.
    func write(count: Int, emit: (UnsafeRawBufferPointer) throws(CheckpointError) -> Void) throws(ModifierError) {
        guard outputs.count == count else {
            throw .unquantizableWeight(tensor: tensor.name, reason: "GPTQ made \(outputs.count) tensors where its format writes \(count)")
        }
        do {
            for bytes in outputs { try bytes.withTypedUnsafeBytes { (bytes) throws(CheckpointError) in try emit(bytes) } }
        } catch { throw .checkpoint(error) }
    }
}
