/// Scales are positive and finite: compressed-tensors replaces a zero scale by its dtype's eps,
/// so a zero, negative, infinite or NaN scale marks a corrupted checkpoint. `compress verify` reports
/// such scales, and the runtime refuses to run on them.
public enum ScaleValues {
    /// Why the values of `tensor` (BF16, F16, F32, F8_E4M3 or E8M0 codes in U8/F8_E8M0) are no
    /// valid scales, or nil when they are (or their dtype holds no scales).
    public static func problem(_ tensor: Checkpoint.Tensor, in checkpoint: Checkpoint) -> String? {
        let count = tensor.info.elementCount
        switch tensor.info.dtype {
        case .bf16, .f16, .f32:
            let chunk = 1 << 14
            let values = UnsafeMutablePointer<Float>.allocate(capacity: chunk)
            defer { values.deallocate() }
            var start = 0
            while start < count {
                let end = min(count, start + chunk)
                checkpoint.widen(tensor, elements: start..<end, into: values)
                for i in 0..<(end - start) where !(values[i] > 0 && values[i].isFinite) {
                    return message(values[i], at: start + i)
                }
                start = end
            }
        case .f8e4m3:
            let codes = checkpoint.data(tensor)
            if let i = codes.firstIndex(where: { $0 & 0x80 != 0 || $0 & 0x7F == 0 || $0 & 0x7F == 0x7F }) {
                return message(FP8E4M3.decode(codes[i]), at: i)
            }
        case .u8, .f8e8m0:
            let codes = checkpoint.data(tensor)
            if let i = codes.firstIndex(of: 0xFF) { return message(E8M0.decode(codes[i]), at: i) }
        default:
            break
        }
        return nil
    }

    private static func message(_ value: Float, at index: Int) -> String {
        "holds \(value) at element \(index); scales are positive and finite"
    }
}
