import Checkpoint

extension CompressedWeightLayout {
    /// The tensors (name, dtype, shape) stored in place of `weight`, the 2-D weight of `module`,
    /// in the order they are written. Scales that keep the weight's dtype take `weight.dtype`.
    public func tensors(module: String, weight: TensorInfo) -> [OutputTensor] {
        let rows = weight.shape[0], columns = weight.shape[1]
        func tensor(_ parameter: String, _ dtype: DType, _ shape: [Int]) -> OutputTensor {
            OutputTensor(name: module + "." + parameter, dtype: dtype, shape: shape)
        }
        switch encoding {
        case let .fp8(scales):
            let scaleShape: [Int]
            switch scales {
            case .tensor: scaleShape = [1]
            case .channel: scaleShape = [rows, 1]
            case let .block(blockRows, blockColumns):
                scaleShape = [(rows + blockRows - 1) / blockRows, (columns + blockColumns - 1) / blockColumns]
            }
            return [tensor("weight", .f8e4m3, weight.shape), tensor("weight_scale", weight.dtype, scaleShape)]
        case let .integers(integers, packed: false):
            let scaleShape = integers.granularity.scaleShape(rows: rows, columns: columns)
            return [tensor("weight", .i8, weight.shape), tensor("weight_scale", weight.dtype, scaleShape)]
                + (integers.symmetric ? [] : [tensor("weight_zero_point", .i8, scaleShape)])
        case let .integers(integers, packed: true):
            let bits = integers.bits, scaleShape = integers.granularity.scaleShape(rows: rows, columns: columns)
            var tensors = [tensor("weight_packed", .i32, [rows, Int32Packing.wordCount(columns, bits: bits)]),
                           tensor("weight_scale", weight.dtype, scaleShape),
                           tensor("weight_shape", .i64, [2])]
            if !integers.symmetric {
                tensors.append(integers.packsZeroPoints
                    ? tensor("weight_zero_point", .i32, [Int32Packing.wordCount(scaleShape[0], bits: bits), scaleShape[1]])
                    : tensor("weight_zero_point", .i8, scaleShape))
            }
            return tensors
        case .nvfp4:
            return [tensor("weight_packed", .u8, [rows, FP4Nibble.byteCount(columns)]),
                    tensor("weight_scale", .f8e4m3, [rows, columns / WeightEncoding.nvfp4GroupSize]),
                    tensor("weight_global_scale", .f32, [1])]
        case .mxfp4:
            return [tensor("weight_packed", .u8, [rows, FP4Nibble.byteCount(columns)]),
                    tensor("weight_scale", .u8, [rows, columns / WeightEncoding.mxGroupSize])]
        case .mxfp6:
            return [tensor("weight_packed", .u8, [rows, FP6Code.byteCount(columns)]),
                    tensor("weight_scale", .u8, [rows, columns / WeightEncoding.mxGroupSize])]
        case .mxfp8:
            return [tensor("weight", .f8e4m3, weight.shape), tensor("weight_scale", .u8, [rows, columns / WeightEncoding.mxGroupSize])]
        }
    }
}

extension IntegerEncoding {
    /// Whether "pack-quantized" packs the zero points (along dimension 0, per group or channel);
    /// a per-tensor zero point stays one I8 value, which compressed-tensors does not pack.
    public var packsZeroPoints: Bool { granularity != .tensor }
}
