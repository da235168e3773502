import Checkpoint

/// A floating-point type a weight can be stored in (bf16, f16, f32), seen through its bit
/// patterns: compressed-tensors does its arithmetic in the weight's own dtype, so every
/// intermediate result is rounded back to it, and so do we.
protocol WeightStorage {
    associatedtype Bits: FixedWidthInteger & UnsignedInteger
    static var dtype: DType { get }
    /// Bits of the largest finite magnitude + 1: any |bits| at or above is Inf or NaN.
    static var infinityBits: Bits { get }
    /// The sign bit cleared.
    static var magnitudeMask: Bits { get }
    /// `torch.finfo(dtype).eps`, the scale that replaces a zero scale.
    static var eps: Float { get }
    static func float(_ bits: Bits) -> Float
    /// Round to nearest even into this type.
    static func bits(_ value: Float) -> Bits
    /// `value` rounded to this type (nearest, ties to even) and widened back; `value` is finite.
    static func rounded(_ value: Float) -> Float
}

extension WeightStorage {
    /// The largest finite value, `torch.finfo(dtype).max`.
    static var greatestFiniteMagnitude: Float { float(infinityBits - 1) }

    /// The largest magnitude among `count` values at `values`, as bits: for IEEE formats the order
    /// of magnitude bit patterns is the order of the magnitudes. A result at or above
    /// `infinityBits` means a NaN or an infinity is among them. The loop vectorizes.
    @inline(__always)
    static func largestMagnitude(_ values: UnsafePointer<Bits>, count: Int) -> Bits {
        var m: Bits = 0
        for c in 0..<count { m = max(m, values[c] & magnitudeMask) }
        return m
    }
}

enum BF16Storage: WeightStorage {
    static let dtype = DType.bf16
    static let infinityBits: UInt16 = 0x7F80
    static let magnitudeMask: UInt16 = 0x7FFF
    static let eps: Float = 0x1p-7
    @inline(__always) static func float(_ bits: UInt16) -> Float { BF16.float(bits) }
    @inline(__always) static func bits(_ value: Float) -> UInt16 { BF16.bits(value) }
    @inline(__always) static func rounded(_ value: Float) -> Float {
        let u = value.bitPattern
        return Float(bitPattern: (u &+ 0x7FFF &+ ((u >> 16) & 1)) & 0xFFFF_0000)
    }
}

enum F16Storage: WeightStorage {
    static let dtype = DType.f16
    static let infinityBits: UInt16 = 0x7C00
    static let magnitudeMask: UInt16 = 0x7FFF
    static let eps: Float = 0x1p-10
    @inline(__always) static func float(_ bits: UInt16) -> Float { F16.float(bits) }
    @inline(__always) static func bits(_ value: Float) -> UInt16 { F16.bits(value) }
    @inline(__always) static func rounded(_ value: Float) -> Float { F16.float(F16.bits(value)) }
}

enum F32Storage: WeightStorage {
    static let dtype = DType.f32
    static let infinityBits: UInt32 = 0x7F80_0000
    static let magnitudeMask: UInt32 = 0x7FFF_FFFF
    static let eps: Float = 0x1p-23
    @inline(__always) static func float(_ bits: UInt32) -> Float { Float(bitPattern: bits) }
    @inline(__always) static func bits(_ value: Float) -> UInt32 { value.bitPattern }
    @inline(__always) static func rounded(_ value: Float) -> Float { value }
}
