import Checkpoint

extension CompressedWeightReader {
    /// The decoder of module `name`'s compressed `[rows, columns]` weight (``checked(module:rows:columns:bits:block:)``), its codes read.
    func decoder(module name: String, rows: Int, columns: Int, bits: Int?, block: [Int]?) throws(CompressedTensorsError) -> any WeightDecoder {
        try checked(module: name, rows: rows, columns: columns, bits: bits, block: block).decoder()
    }

    /// Module `name`'s compressed `[rows, columns]` weight with its tensors' shapes, scales and
    /// zero points checked, its codes not read yet; its format picked by its tensors' dtypes:
    /// `weight` F8_E4M3 or I8 with `weight_scale` (and an I8 `weight_zero_point`), or
    /// `weight_packed` I32 (`bits`-bit integers) or U8 (FP6 when `bits` is 6, else FP4). `block` is the config's scale block.
    func checked(module name: String, rows: Int, columns: Int, bits: Int?, block: [Int]?) throws(CompressedTensorsError) -> CheckedWeight {
        if let weight = tensors[name + ".weight"] {
            guard weight.info.shape == [rows, columns] else {
                throw .tensorShape(tensor: weight.name, expected: [rows, columns], actual: weight.info.shape)
            }
            let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
            switch weight.info.dtype {
            case .f8e4m3:
                if tensors[name + ".weight_zero_point"] != nil {
                    throw .unsupportedFormat(module: name, reason: "asymmetric \(weight.info.dtype.rawValue) weights")
                }
                return CheckedWeight { FP8Weights(outputFeatures: rows, inputFeatures: columns, codes: bytes(weight), scales: scales) }
            case .i8:
                let zeroPoints = try zeroPoints(name, scales: scales, bits: bits)
                return CheckedWeight {
                    Int8Weights(outputFeatures: rows, inputFeatures: columns, values: bytes(weight).map { Int8(bitPattern: $0) },
                                scales: scales, zeroPoints: zeroPoints)
                }
            default:
                throw .unsupportedFormat(module: name, reason: "\(weight.info.dtype.rawValue) weights")
            }
        }

        guard let packed = tensors[name + ".weight_packed"] else { throw .missingTensor(name + ".weight") }
        switch packed.info.dtype {
        case .i32:
            return try packedIntegers(name, packed: packed, rows: rows, columns: columns, bits: bits, block: block)
        case .u8 where bits == 6:
            guard columns % 4 == 0, packed.info.shape == [rows, FP6Code.byteCount(columns)] else {
                throw .tensorShape(tensor: packed.name, expected: [rows, FP6Code.byteCount(columns)], actual: packed.info.shape)
            }
            let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
            return CheckedWeight { FP6Weights(outputFeatures: rows, inputFeatures: columns, bytes: bytes(packed), scales: scales) }
        case .u8:
            let width = FP4Nibble.byteCount(columns)
            guard packed.info.shape == [rows, width] else {
                throw .tensorShape(tensor: packed.name, expected: [rows, width], actual: packed.info.shape)
            }
            let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
            return CheckedWeight { FP4Weights(outputFeatures: rows, inputFeatures: columns, bytes: bytes(packed), scales: scales) }
        default:
            throw .unsupportedFormat(module: name, reason: "\(packed.info.dtype.rawValue) weight_packed")
        }
    }

    /// Packed integer weights: `weight_shape` must be `[rows, columns]`, `bits` (the config
    /// group's `num_bits`) 1...8.
    private func packedIntegers(_ name: String, packed: Checkpoint.Tensor, rows: Int, columns: Int,
                                bits: Int?, block: [Int]?) throws(CompressedTensorsError) -> CheckedWeight {
        guard let bits, (1...8).contains(bits) else {
            throw .unsupportedFormat(module: name, reason: "pack-quantized weights need a config group with num_bits 1...8")
        }
        let shapeName = name + ".weight_shape"
        guard let shapeTensor = tensors[shapeName] else { throw .missingTensor(shapeName) }
        let stored = checkpoint.integers(shapeTensor) ?? []
        guard stored == [rows, columns] else { throw .tensorShape(tensor: shapeName, expected: [rows, columns], actual: stored) }
        let width = Int32Packing.wordCount(columns, bits: bits)
        guard packed.info.shape == [rows, width] else { throw .tensorShape(tensor: packed.name, expected: [rows, width], actual: packed.info.shape) }
        let scales = try scaleGrid(name + ".weight_scale", rows: rows, columns: columns, block: block)
        let zeroPoints = try zeroPoints(name, scales: scales, bits: bits)
        return CheckedWeight {
            PackedIntWeights(outputFeatures: rows, inputFeatures: columns, bits: bits, words: words(packed), scales: scales, zeroPoints: zeroPoints)
        }
    }

    /// The zero points of module `name` laid out as `scales`, or nil when it stores none: I8 as
    /// many as the scales, or I32 `bits`-bit values packed along dimension 0.
    private func zeroPoints(_ name: String, scales: ScaleGrid, bits: Int?) throws(CompressedTensorsError) -> [Float]? {
        guard let zero = tensors[name + ".weight_zero_point"] else { return nil }
        if zero.info.dtype == .i8, zero.info.elementCount == scales.values.count {
            return bytes(zero).map { Float(Int8(bitPattern: $0)) }
        }
        guard zero.info.dtype == .i32, let bits, (1...8).contains(bits) else {
            throw .unsupportedFormat(module: name, reason: "weight_zero_point \(zero.info.dtype.rawValue) \(zero.info.shape)")
        }
        let scaleRows = scales.values.count / scales.width
        let height = Int32Packing.wordCount(scaleRows, bits: bits)
        guard zero.info.shape == [height, scales.width] else {
            throw .tensorShape(tensor: zero.name, expected: [height, scales.width], actual: zero.info.shape)
        }
        return Int32Packing.unpackColumns(words(zero), rows: scaleRows, columns: scales.width, bits: bits).map(Float.init)
    }

    /// The scales `name` of a `rows × columns` weight, decoded to f32: BF16/F16/F32 as stored,
    /// F8_E4M3 (NVFP4) divided by the module's `weight_global_scale`, U8/F8_E8M0 (MXFP4) as powers of two;
    /// each, and the global scale, positive and finite.
    private func scaleGrid(_ name: String, rows: Int, columns: Int, block: [Int]?) throws(CompressedTensorsError) -> ScaleGrid {
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        let values: [Float]
        switch tensor.info.dtype {
        case .bf16, .f16, .f32:
            values = try scales(tensor)
        case .f8e4m3:
            let globalName = String(name.dropLast("weight_scale".count)) + "weight_global_scale"
            guard let global = tensors[globalName] else { throw .missingTensor(globalName) }
            guard let divisor = try scales(global).first else { throw .tensorShape(tensor: globalName, expected: [1], actual: global.info.shape) }
            try requireScales(tensor)
            values = bytes(tensor).map { FP8E4M3.decode($0) / divisor }
        case .u8, .f8e8m0:
            try requireScales(tensor)
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

/// A compressed weight whose tensors are checked, its codes not read: ``decoder()`` reads them.
struct CheckedWeight {
    let decoder: () -> any WeightDecoder
}
