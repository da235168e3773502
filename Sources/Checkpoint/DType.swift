/// The element types a safetensors file can declare, spelled as in its header.
public enum DType: String, CaseIterable, Sendable, Codable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0"
    case u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
    case u32 = "U32", i32 = "I32", f32 = "F32"
    case u64 = "U64", i64 = "I64", f64 = "F64"
    /// Sub-byte floats: read and copied as opaque bytes.
    case f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2"

    /// Bits per element.
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0: return 8
        case .u16, .i16, .f16, .bf16: return 16
        case .u32, .i32, .f32: return 32
        case .u64, .i64, .f64: return 64
        }
    }

    /// Whether the type is a floating-point type that a linear layer's weight can hold and we can quantize.
    public var isQuantizableFloat: Bool { self == .bf16 || self == .f16 || self == .f32 }

    /// Bytes taken by `count` elements, or nil when the count overflows or does not fill whole bytes.
    public func byteCount(elements count: Int) -> Int? {
        let (bits, overflow) = count.multipliedReportingOverflow(by: bitWidth)
        guard !overflow, bits % 8 == 0 else { return nil }
        return bits / 8
    }
}
