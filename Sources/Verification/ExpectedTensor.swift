import Checkpoint
import CompressedTensors

/// A tensor a quantized module must (or may) hold, with the dtype and shape its config implies
/// (the layouts of ``CompressedWeightLayout``, ``ActivationLayout`` and ``KeyValueCacheLayout``).
typealias ExpectedTensor = StoredTensor

extension StoredTensor {
    /// The dtypes that count as float: what unquantized tensors and scales in the weight's dtype are stored as.
    static let floatDTypes: Set<DType> = [.bf16, .f16, .f32, .f64]

    /// The dtype layouts are given for weights of unknown dtype. No layout stores a tensor of a
    /// fixed BF16 dtype, so an expected BF16 then means "the weight's dtype".
    static let placeholder = DType.bf16

    /// `output` of a layout computed for a weight of dtype `weightDType` (nil: unknown, computed
    /// with ``placeholder``).
    init(_ output: OutputTensor, weightDType: DType?) {
        self.init(name: output.name, dtype: weightDType == nil && output.dtype == Self.placeholder ? nil : output.dtype,
                  shape: output.shape)
    }

    /// What is wrong with `tensor` for this expectation, or nil.
    func mismatch(_ tensor: TensorInfo) -> String? {
        if let dtype, tensor.dtype != dtype { return "dtype \(tensor.dtype.rawValue), expected \(dtype.rawValue)" }
        if dtype == nil, !Self.floatDTypes.contains(tensor.dtype) {
            return "dtype \(tensor.dtype.rawValue), expected a float dtype (the weight's)"
        }
        if let shape, tensor.shape != shape { return "shape \(tensor.shape), expected \(shape)" }
        return nil
    }

    /// "BF16 [256, 1]", "a float [1]", for messages.
    var summary: String {
        (dtype?.rawValue ?? "a float") + (shape.map { " \($0)" } ?? "")
    }
}
