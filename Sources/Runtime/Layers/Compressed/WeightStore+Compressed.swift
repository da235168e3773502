import Checkpoint
import Foundation

extension WeightStore {
    /// A projection from `names` stacked by rows, as ``linear(_:outputs:inputFeatures:requireBias:)``
    /// gives it, except that modules stored compressed (compressed-tensors `weight` in F8_E4M3 or I8
    /// with a `weight_scale`, or `weight_packed`) stay compressed: each becomes a
    /// ``CompressedLinear`` (a ``W8A8Linear`` for int8 weights with per-token int8 activations)
    /// and several parts a ``StackedLinear``.
    func projection(_ names: [String], outputs: [Int], inputFeatures: Int, requireBias: Bool) throws(RuntimeError) -> any Linear {
        if names.allSatisfy(isDense) {
            return try linear(names, outputs: outputs, inputFeatures: inputFeatures, requireBias: requireBias)
        }
        var parts: [any Linear] = []
        for (name, rows) in zip(names, outputs) {
            parts.append(isDense(name)
                ? try linear([name], outputs: [rows], inputFeatures: inputFeatures, requireBias: requireBias)
                : try compressed(name, rows: rows, columns: inputFeatures, requireBias: requireBias))
        }
        return parts.count == 1 ? parts[0] : StackedLinear(parts)
    }

    /// Whether module `name` is a plain f32/bf16/f16 weight (or missing, which the dense loader reports).
    private func isDense(_ name: String) -> Bool {
        if contains(name + ".weight_packed") { return false }
        guard let weight = tensors[name + ".weight"] else { return true }
        return [.bf16, .f16, .f32].contains(weight.info.dtype)
    }

    /// The compressed layer of module `name`, a `[rows, columns]` weight, picked by its tensors'
    /// dtypes; activation quantization and scale blocks come from the config group targeting it.
    private func compressed(_ name: String, rows: Int, columns: Int, requireBias: Bool) throws(RuntimeError) -> any Linear {
        let config = QuantizationConfig(checkpoint.config, file: checkpoint.directory + "/" + ModelConfig.fileName)
        let group = try config?.group(for: name)
        let bias = requireBias || contains(name + ".bias") ? try floats(name + ".bias", shape: [rows]) : nil
        var activations: ActivationQuantization? = nil
        if let config, let group {
            activations = try config.activations(of: group, module: name) { () throws(RuntimeError) -> Float? in
                guard let scale = tensors[name + ".input_scale"] else { return nil }
                return try floats(scale.name, shape: scale.info.shape).first
            }
        }
        let weights = try weightDecoder(name, rows: rows, columns: columns, bits: group?.weightBits, block: group?.weightBlock)
        if activations != nil, contains(name + ".weight_packed") {
            throw .unsupportedQuantization(module: name, reason: "quantized activations with packed weights")
        }
        if let int8 = weights as? Int8Weights, activations?.isInt8PerToken == true, let layer = W8A8Linear(weights: int8, bias: bias) {
            return layer
        }
        return compressedLinear(weights, activations: activations, bias: bias)
    }

    /// A ``CompressedLinear`` over `weights`, whatever their decoder.
    private func compressedLinear<Weights: WeightDecoder>(_ weights: Weights, activations: ActivationQuantization?, bias: [Float]?) -> any Linear {
        CompressedLinear(weights: weights, activations: activations, bias: bias)
    }

    /// The decoder of module `name`'s compressed `[rows, columns]` weight, picked by its tensors'
    /// dtypes: `weight` F8_E4M3 or I8 with `weight_scale` (and an I8 `weight_zero_point`), or
    /// `weight_packed` I32 (`bits`-bit integers) or U8 (FP4). `block` is the config's scale block.
    func weightDecoder(_ name: String, rows: Int, columns: Int, bits: Int?, block: [Int]?) throws(RuntimeError) -> any WeightDecoder {
        if let weight = tensors[name + ".weight"] {
            guard weight.info.shape == [rows, columns] else {
                throw .tensorShape(tensor: weight.name, expected: [rows, columns], actual: weight.info.shape)
            }
            let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
            switch weight.info.dtype {
            case .f8e4m3:
                if contains(name + ".weight_zero_point") {
                    throw .unsupportedQuantization(module: name, reason: "asymmetric \(weight.info.dtype.rawValue) weights")
                }
                return FP8Weights(outputFeatures: rows, inputFeatures: columns, codes: bytes(weight), scales: scales)
            case .i8:
                return Int8Weights(outputFeatures: rows, inputFeatures: columns, values: bytes(weight).map { Int8(bitPattern: $0) },
                                   scales: scales, zeroPoints: try zeroPoints(name, scales: scales, bits: bits))
            default:
                throw .unsupportedQuantization(module: name, reason: "\(weight.info.dtype.rawValue) weights")
            }
        }

        guard let packed = tensors[name + ".weight_packed"] else { throw .missingTensor(name + ".weight") }
        switch packed.info.dtype {
        case .i32:
            return try packedIntegers(name, packed: packed, rows: rows, columns: columns, bits: bits, block: block)
        case .u8:
            guard packed.info.shape == [rows, (columns + 1) / 2] else {
                throw .tensorShape(tensor: packed.name, expected: [rows, (columns + 1) / 2], actual: packed.info.shape)
            }
            let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
            return FP4Weights(outputFeatures: rows, inputFeatures: columns, bytes: bytes(packed), scales: scales)
        default:
            throw .unsupportedQuantization(module: name, reason: "\(packed.info.dtype.rawValue) weight_packed")
        }
    }

    /// Packed integer weights: `weight_shape` must be `[rows, columns]`, `bits` (the config
    /// group's `num_bits`) 1...8.
    private func packedIntegers(_ name: String, packed: Checkpoint.Tensor, rows: Int, columns: Int,
                                bits: Int?, block: [Int]?) throws(RuntimeError) -> PackedIntWeights {
        guard let bits, (1...8).contains(bits) else {
            throw .unsupportedQuantization(module: name, reason: "pack-quantized weights need a config group with num_bits 1...8")
        }
        let shapeName = name + ".weight_shape"
        guard let shapeTensor = tensors[shapeName] else { throw .missingTensor(shapeName) }
        let stored = checkpoint.integers(shapeTensor) ?? []
        guard stored == [rows, columns] else { throw .tensorShape(tensor: shapeName, expected: [rows, columns], actual: stored) }
        let width = (columns * bits + 31) / 32
        guard packed.info.shape == [rows, width] else { throw .tensorShape(tensor: packed.name, expected: [rows, width], actual: packed.info.shape) }
        let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
        return PackedIntWeights(outputFeatures: rows, inputFeatures: columns, bits: bits, words: words(packed), scales: scales,
                                zeroPoints: try zeroPoints(name, scales: scales, bits: bits))
    }

    /// The zero points of module `name` laid out as `scales`, or nil when it stores none: I8 as
    /// many as the scales, or I32 `bits`-bit values packed along dimension 0.
    private func zeroPoints(_ name: String, scales: ScaleGrid, bits: Int?) throws(RuntimeError) -> [Float]? {
        guard let zero = tensors[name + ".weight_zero_point"] else { return nil }
        if zero.info.dtype == .i8, zero.info.elementCount == scales.values.count {
            return bytes(zero).map { Float(Int8(bitPattern: $0)) }
        }
        guard zero.info.dtype == .i32, let bits, (1...8).contains(bits) else {
            throw .unsupportedQuantization(module: name, reason: "weight_zero_point \(zero.info.dtype.rawValue) \(zero.info.shape)")
        }
        let scaleRows = scales.values.count / scales.width
        let height = (scaleRows * bits + 31) / 32
        guard zero.info.shape == [height, scales.width] else {
            throw .tensorShape(tensor: zero.name, expected: [height, scales.width], actual: zero.info.shape)
        }
        let words = self.words(zero)
        var values = [Float](repeating: 0, count: scales.values.count)
        var column = [UInt32](repeating: 0, count: height)
        for g in 0..<scales.width {
            for h in 0..<height { column[h] = words[h * scales.width + g] }
            column.withUnsafeBufferPointer { c in
                for r in 0..<scaleRows {
                    values[r * scales.width + g] = Float(PackedIntWeights.field(c.baseAddress!, index: r, bits: bits, count: height))
                }
            }
        }
        return values
    }

    /// The scales `name` of a `rows × columns` weight, decoded to f32: BF16/F16/F32 as stored,
    /// F8_E4M3 (NVFP4) divided by the module's `weight_global_scale`, U8/F8_E8M0 (MXFP4) as powers of two.
    private func scaleGrid(_ name: String, rows: Int, columns: Int, block: [Int]?) throws(RuntimeError) -> ScaleGrid {
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        let values: [Float]
        switch tensor.info.dtype {
        case .bf16, .f16, .f32:
            values = try floats(name, shape: tensor.info.shape)
        case .f8e4m3:
            let globalName = String(name.dropLast("weight_scale".count)) + "weight_global_scale"
            guard let global = tensors[globalName] else { throw .missingTensor(globalName) }
            guard let divisor = try floats(globalName, shape: global.info.shape).first else { throw .tensorShape(tensor: globalName, expected: [1], actual: global.info.shape) }
            values = bytes(tensor).map { FP8E4M3.decode($0) / divisor }
        case .u8, .f8e8m0:
            values = bytes(tensor).map(E8M0.decode)
        default:
            throw .unsupportedDType(tensor: name, dtype: tensor.info.dtype)
        }
        return try ScaleGrid(values: values, shape: tensor.info.shape, name: name, rows: rows, columns: columns, block: block)
    }

    /// The stored bytes of `tensor`.
    private func bytes(_ tensor: Checkpoint.Tensor) -> [UInt8] {
        Array(checkpoint.data(tensor).prefix(tensor.info.byteCount))
    }

    /// The stored 32-bit words of an I32 `tensor`, little-endian.
    private func words(_ tensor: Checkpoint.Tensor) -> [UInt32] {
        let data = checkpoint.data(tensor)
        return (0..<tensor.info.elementCount).map { UInt32(littleEndian: data.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
    }
}

extension WeightStore {
    /// The FP8 key/value cache of attention module `attention` (`model.layers.N.self_attn`) when the
    /// checkpoint holds its `k_scale` and `v_scale` (compressed-tensors' `kv_cache_scheme`); nil without them.
    /// - Throws: `unsupportedQuantization` for a cache other than symmetric 8-bit float, `tensorShape`
    ///   for scales that are neither one per tensor nor one per key/value head.
    func keyValueCache(_ attention: String, heads: Int, headDim: Int) throws(RuntimeError) -> KeyValueCacheQuantization? {
        guard let key = tensors[attention + ".k_scale"], let value = tensors[attention + ".v_scale"] else { return nil }
        let scheme = checkpoint.config?.json["quantization_config"]?.objectValue?["kv_cache_scheme"]?.objectValue
        let type = scheme?["type"]?.stringValue ?? "int", bits = scheme?["num_bits"]?.integerValue ?? 8
        guard type == "float", bits == 8, scheme?["symmetric"]?.boolValue ?? true else {
            throw .unsupportedQuantization(
                module: attention, reason: "a \(bits)-bit \(type) KV cache (kv_cache_scheme); only symmetric FP8 runs here")
        }
        func scales(_ tensor: Checkpoint.Tensor) throws(RuntimeError) -> [Float] {
            let values = try floats(tensor.name, shape: tensor.info.shape)
            guard values.count == 1 || values.count == heads else {
                throw .tensorShape(tensor: tensor.name, expected: [heads, 1, 1], actual: tensor.info.shape)
            }
            return values
        }
        return KeyValueCacheQuantization(keyScales: try scales(key), valueScales: try scales(value), heads: heads, headDim: headDim)
    }
}
