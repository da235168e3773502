/// The bit layout of a weight dtype, for rules that work on bit patterns (MX power-of-two scales)
/// or need the smallest normal value (NVFP4's global scale).
extension WeightStorage {
    /// Stored fraction bits: 7 (bf16), 10 (f16), 23 (f32).
    static var fractionBits: Int { Bits.bitWidth - 1 - exponentBits }
    /// Exponent field width: 8 (bf16, f32), 5 (f16).
    static var exponentBits: Int { dtype == .f16 ? 5 : 8 }
    /// The exponent bias: 127 (bf16, f32), 15 (f16).
    static var exponentBias: Int { (1 << (exponentBits - 1)) - 1 }
    /// `torch.finfo(dtype).tiny`, the smallest normal magnitude.
    static var tiny: Float { Float(sign: .plus, exponent: 1 - exponentBias, significand: 1) }
}

extension WeightStorage {
    /// The canonical quiet NaN, positive: `0x7FC0` (bf16), `0x7E00` (f16), `0x7FC0_0000` (f32).
    static var nanBits: Bits { infinityBits | (Bits(1) << (fractionBits - 1)) }
}
