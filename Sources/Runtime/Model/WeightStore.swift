import Checkpoint

/// The tensors of a checkpoint under the runtime's names, read into f32 with their shapes checked.
struct WeightStore {
    let checkpoint: Checkpoint
    let tensors: [String: Checkpoint.Tensor]
    /// The checkpoint's `quantization_config`, read once for every compressed module.
    var quantization: QuantizationConfig? = nil
    /// Values that replace the checkpoint's, by runtime name (the weights calibration has changed).
    var replacements: [String: [Float]] = [:]
    /// What dense layers stored in bf16 multiply; with ``DenseLinear/Products/bfloat16`` their
    /// replaced values are rounded to bf16 (nearest even), as a bf16 model holds them.
    var bf16Products: DenseLinear.Products = .float32

    func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The values of `name`, which must have `shape`, widened to f32.
    func floats(_ name: String, shape: [Int]) throws(RuntimeError) -> [Float] {
        let tensor = try validated(name, shape: shape)
        if let replaced = replacements[name] { return replaced }
        let count = tensor.info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            widen(tensor, into: buffer.baseAddress!)
            initialized = count
        }
    }

    /// Rows `indices` of the matrix `name`, which must have `shape` (`[rows, columns]`), widened to
    /// f32 one after another: what embedding a few tokens reads of a whole table.
    /// - Precondition: every index is in `0..<shape[0]`.
    func rows(_ indices: [Int], of name: String, shape: [Int]) throws(RuntimeError) -> [Float] {
        let tensor = try validated(name, shape: shape)
        let width = shape[1], replaced = replacements[name]
        return [Float](unsafeUninitializedCapacity: indices.count * width) { buffer, initialized in
            for (i, row) in indices.enumerated() {
                let destination = buffer.baseAddress! + i * width
                if let replaced {
                    replaced.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + row * width, count: width) }
                } else {
                    checkpoint.widen(tensor, elements: (row * width)..<((row + 1) * width), into: destination)
                }
            }
            initialized = indices.count * width
        }
    }

    /// A dense layer from `names` stacked by rows (one name for a plain projection), each
    /// `[outputs[i], inputFeatures]`, with biases `NAME.bias` when present; `requireBias` makes a
    /// missing bias an error. Kept in bf16 when every part is stored so and none is replaced (or,
    /// multiplying ``DenseLinear/Products/bfloat16``, replaced parts rounded to bf16), else widened
    /// to f32.
    func linear(_ names: [String], outputs: [Int], inputFeatures: Int, requireBias: Bool) throws(RuntimeError) -> DenseLinear {
        let total = outputs.reduce(0, +)
        let hasBias = requireBias || names.contains { contains($0 + ".bias") }
        var parts: [(name: String, tensor: Checkpoint.Tensor)] = []
        for (name, rows) in zip(names, outputs) {
            parts.append((name + ".weight", try validated(name + ".weight", shape: [rows, inputFeatures])))
        }
        let weight: DenseLinear.Weight
        let roundsReplaced = parts.allSatisfy { bf16Products.roundsInputs(ofWeightsIn: $0.tensor.info.dtype) }
        if roundsReplaced || parts.allSatisfy({ keepsBF16($0.name) }) {
            weight = .bf16([UInt16](unsafeUninitializedCapacity: total * inputFeatures) { buffer, initialized in
                var destination = buffer.baseAddress!
                for part in parts {
                    let count = part.tensor.info.elementCount
                    if let replaced = replacements[part.name] {
                        replaced.withUnsafeBufferPointer { BF16.bits($0, into: UnsafeMutableBufferPointer(start: destination, count: count)) }
                    } else {
                        UnsafeMutableRawPointer(destination).copyMemory(from: checkpoint.data(part.tensor).baseAddress!, byteCount: count * 2)
                    }
                    destination += count
                }
                initialized = total * inputFeatures
            })
        } else {
            weight = .f32([Float](unsafeUninitializedCapacity: total * inputFeatures) { buffer, initialized in
                var row = 0
                for (part, rows) in zip(parts, outputs) {
                    if let replaced = replacements[part.name] {
                        (buffer.baseAddress! + row * inputFeatures).update(from: replaced, count: rows * inputFeatures)
                    } else {
                        widen(part.tensor, into: buffer.baseAddress! + row * inputFeatures)
                    }
                    row += rows
                }
                initialized = total * inputFeatures
            })
        }
        var bias: [Float]? = nil
        if hasBias {
            var values: [Float] = []
            values.reserveCapacity(total)
            for (name, rows) in zip(names, outputs) {
                values += try floats(name + ".bias", shape: [rows])
            }
            bias = values
        }
        return DenseLinear(weight: weight, bias: bias, outputFeatures: total, inputFeatures: inputFeatures, products: bf16Products)
    }

    /// Whether tensor `name` is stored in bf16 and not replaced, so that a layer can keep it as stored.
    func keepsBF16(_ name: String) -> Bool {
        tensors[name]?.info.dtype == .bf16 && replacements[name] == nil
    }

    /// The tensor `name`, checked to have `shape` and a dtype ``widen(_:into:)`` reads.
    private func validated(_ name: String, shape: [Int]) throws(RuntimeError) -> Checkpoint.Tensor {
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        guard tensor.info.shape == shape else { throw .tensorShape(tensor: name, expected: shape, actual: tensor.info.shape) }
        guard [.bf16, .f16, .f32].contains(tensor.info.dtype) else { throw .unsupportedDType(tensor: name, dtype: tensor.info.dtype) }
        return tensor
    }

    /// Widens a validated BF16, F16 or F32 tensor into `destination`.
    private func widen(_ tensor: Checkpoint.Tensor, into destination: UnsafeMutablePointer<Float>) {
        checkpoint.widen(tensor, elements: 0..<tensor.info.elementCount, into: destination)
    }
}
