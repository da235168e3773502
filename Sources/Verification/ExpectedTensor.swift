import Checkpoint

/// A tensor a quantized module must (or may) hold, with the dtype and shape its config implies.
struct ExpectedTensor {
    let name: String
    /// The dtype, or nil for a tensor stored in the original weight's float dtype when that is
    /// not known: any float dtype then passes.
    let dtype: DType?
    /// The shape, or nil when the config does not fix it.
    let shape: [Int]?
    /// Whether the tensor may be absent.
    var optional = false

    /// The dtypes that count as float: what unquantized tensors and scales in the weight's dtype are stored as.
    static let floatDTypes: Set<DType> = [.bf16, .f16, .f32, .f64]

    /// The dtype layouts are given for weights of unknown dtype. No layout stores a tensor of a
    /// fixed BF16 dtype, so an expected BF16 then means "the weight's dtype".
    static let placeholder = DType.bf16

    /// `output` of a layout computed for a weight of dtype `weightDType` (nil: unknown, computed
    /// with ``placeholder``).
    init(_ output: OutputTensor, weightDType: DType?) {
        name = output.name
        dtype = weightDType == nil && output.dtype == Self.placeholder ? nil : output.dtype
        shape = output.shape
    }

    init(name: String, dtype: DType?, shape: [Int]?, optional: Bool = false) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.optional = optional
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
