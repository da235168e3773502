import Checkpoint

/// Conversions between f32 values calibration works on and the bytes of a tensor's dtype.
enum StoredValues {
    /// `values` as the bytes of `dtype` (BF16, F16 or F32), rounded to nearest even.
    static func bytes(_ values: [Float], as dtype: DType) -> [UInt8] {
        switch dtype {
        case .bf16, .f16:
            var bits = [UInt16](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { source in
                bits.withUnsafeMutableBufferPointer { target in
                    if dtype == .bf16 { BF16.bits(source, into: target) } else { F16.bits(source, into: target) }
                }
            }
            return bits.withUnsafeBytes { Array($0) }
        default:
            return values.withUnsafeBytes { Array($0) }
        }
    }

    /// `values` rounded to what `dtype` holds, so that later passes see the values that are written.
    static func rounded(_ values: [Float], to dtype: DType) -> [Float] {
        guard dtype == .bf16 || dtype == .f16 else { return values }
        let bits = bytes(values, as: dtype)
        var result = [Float](repeating: 0, count: values.count)
        bits.withUnsafeBytes { raw in
            result.withUnsafeMutableBufferPointer { target in
                let source = raw.bindMemory(to: UInt16.self)
                if dtype == .bf16 { BF16.floats(source, into: target) } else { F16.floats(source, into: target) }
            }
        }
        return result
    }
}
