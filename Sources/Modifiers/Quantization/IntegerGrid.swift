/// The integer range of an `n`-bit quantization and the arithmetic compressed-tensors 0.19 uses
/// to pick a group's scale and zero point and to quantize its values, reproduced step by step in
/// the weight's own dtype `S` (every intermediate result rounded to it, nearest-even):
///
/// - range (`calculate_range`): `qmin = -2^(n-1)`, `qmax = 2^(n-1) - 1`;
/// - statistics (memoryless min-max observer): `lo = min(min(w), 0)`, `hi = max(max(w), 0)`;
/// - symmetric (`calculate_qparams`): `scale = S(max(|lo|, |hi|) / ((qmax - qmin) / 2))`, zero point 0;
/// - asymmetric: `scale = S(S(hi - lo) / (qmax - qmin))`,
///   `zp = clamp(S(qmin - S(lo / scale)), qmin, qmax)` computed with the scale *before* a zero scale
///   is replaced, then `zp = int8(round(zp))` (a NaN zero point, from `0 / 0`, becomes 0);
/// - a zero scale becomes the dtype's eps;
/// - values (`_quantize`): `q = round(clamp(S(S(w / scale) + zp), qmin, qmax))`, `torch.round`
///   being round-half-to-even.
///
/// A group holding NaN or Inf (`NonFiniteWeights`, when allowed) follows the same formulas in
/// IEEE arithmetic, NaN becoming 0 where torch casts it to an integer (x86 gives 0 for a NaN
/// int8): a NaN inside makes the scale NaN, the zero point 0 and every code 0; an infinity (and
/// no NaN) makes the scale +Inf, so finite values get the zero point as their code (0 when
/// symmetric; `qmin` when asymmetric, or 0 if the group holds -Inf, whose `-Inf / Inf` zero
/// point is NaN) and the infinities 0 (`Inf / Inf` is NaN).
struct IntegerGrid: Sendable, Equatable {
    let bits: Int
    let symmetric: Bool
    let qmin: Float
    let qmax: Float

    init(bits: Int, symmetric: Bool) {
        self.bits = bits
        self.symmetric = symmetric
        qmin = -Float(1 << (bits - 1))
        qmax = Float((1 << (bits - 1)) - 1)
    }

    /// `qmax - qmin` (`2^n - 1`), exact in every weight dtype for `n <= 8`.
    var range: Float { qmax - qmin }

    /// Scale (as `S`'s bits) and integer zero point of a group whose smallest and largest values
    /// are `minimum` and `maximum` (finite).
    @inline(__always)
    func parameters<S: WeightStorage>(_: S.Type, minimum: Float, maximum: Float) -> (scale: S.Bits, zeroPoint: Int8) {
        let lo = Swift.min(minimum, 0), hi = Swift.max(maximum, 0)
        if symmetric {
            let s = S.rounded(Swift.max(-lo, hi) / (range / 2))
            return (S.bits(s == 0 ? S.eps : s), 0)
        }
        let s = S.rounded(S.rounded(hi - lo) / range)
        var zp = S.rounded(qmin - S.rounded(lo / s))
        if !zp.isNaN { zp = Swift.min(Swift.max(zp, qmin), qmax) }
        let code: Int8 = zp.isNaN ? 0 : Int8(zp.rounded(.toNearestOrEven))
        return (S.bits(s == 0 ? S.eps : s), code)
    }

    /// The value a code stands for, as compressed-tensors dequantizes it in the dtype `S`:
    /// `S(S(code - zp) · scale)`, `code - zp` being exact in every dtype for up to 8 bits.
    @inline(__always)
    func dequantize<S: WeightStorage>(_: S.Type, _ code: Int8, scale: Float, zeroPoint: Int8) -> Float {
        S.rounded(Float(Int(code) - Int(zeroPoint)) * scale)
    }

    /// Scale and zero point of a group whose statistics are not finite, as described above.
    func nonFiniteParameters<S: WeightStorage>(_: S.Type, _ statistics: GroupStatistics<S>) -> (scale: S.Bits, zeroPoint: Int8) {
        if statistics.holdsNaN { return (S.nanBits, 0) }
        let zeroPoint: Int8 = symmetric || statistics.minimum == -.infinity ? 0 : Int8(qmin)
        return (S.infinityBits, zeroPoint)
    }

    /// Codes of `count` values at `input`, in a group holding NaN or Inf whose scale and zero
    /// point `nonFiniteParameters` gave, as described above.
    func quantizeNonFinite<S: WeightStorage>(_: S.Type, _ input: UnsafePointer<S.Bits>, count: Int, scale: S.Bits, zeroPoint: Int8,
                                             into output: UnsafeMutablePointer<Int8>) {
        let scaleIsNaN = scale > S.infinityBits
        for i in 0..<count {
            output[i] = scaleIsNaN || input[i] & S.magnitudeMask >= S.infinityBits ? 0 : zeroPoint
        }
    }

    /// Quantizes `count` values at `input` with one scale and zero point into `output`.
    /// Branch-free, so the loop vectorizes: `round` is the add-and-subtract of 1.5 * 2^23, exact
    /// round-half-to-even for the clamped values, whose integer sits in the low mantissa bits.
    @inline(__always)
    func quantize<S: WeightStorage>(_: S.Type, _ input: UnsafePointer<S.Bits>, count: Int, scale: S.Bits, zeroPoint: Int8,
                                    into output: UnsafeMutablePointer<Int8>) {
        let divisor = S.float(scale), lo = qmin, hi = qmax
        let magic: Float = 0x1.8p23, magicBits = Int32(bitPattern: magic.bitPattern)
        if symmetric {
            for i in 0..<count {
                let x = Swift.min(Swift.max(S.rounded(S.float(input[i]) / divisor), lo), hi)
                output[i] = Int8(truncatingIfNeeded: Int32(bitPattern: (x + magic).bitPattern) &- magicBits)
            }
        } else {
            let zp = Float(zeroPoint)
            for i in 0..<count {
                let x = Swift.min(Swift.max(S.rounded(S.rounded(S.float(input[i]) / divisor) + zp), lo), hi)
                output[i] = Int8(truncatingIfNeeded: Int32(bitPattern: (x + magic).bitPattern) &- magicBits)
            }
        }
    }
}

/// Running minimum and maximum of weight values, kept as order keys of their bit patterns so the
/// loop is a pair of integer min/max reductions, which vectorize (float min/max selects do not).
/// A key is the bit pattern with every bit flipped for negative values and only the sign bit
/// flipped otherwise: unsigned key order is numeric order, -0 just below +0, and NaN and Inf
/// land at both ends.
struct GroupStatistics<S: WeightStorage> {
    /// Keys of the smallest and largest values; both start at +0's key, which is what
    /// compressed-tensors' clamp of the statistics to include zero gives.
    var minimumKey: S.Bits = Self.signBit
    var maximumKey: S.Bits = Self.signBit

    private static var signBit: S.Bits { ~S.magnitudeMask }

    @inline(__always)
    private static func key(_ bits: S.Bits) -> S.Bits {
        bits ^ ((0 &- (bits >> (S.Bits.bitWidth - 1))) | signBit)
    }

    @inline(__always)
    private static func value(_ key: S.Bits) -> Float {
        S.float(key & signBit != 0 ? key ^ signBit : ~key)
    }

    var minimum: Float { Self.value(minimumKey) }
    var maximum: Float { Self.value(maximumKey) }

    /// Whether every value seen is finite: keys of Inf and NaN lie beyond those of ±the largest finite value.
    var isFinite: Bool {
        maximumKey < Self.key(S.infinityBits) && minimumKey > Self.key(S.infinityBits | Self.signBit)
    }

    /// Whether a NaN was seen: keys of positive NaNs lie above +Inf's, those of negative NaNs below -Inf's.
    var holdsNaN: Bool {
        maximumKey > Self.key(S.infinityBits) || minimumKey < Self.key(S.infinityBits | Self.signBit)
    }

    /// Folds in `count` values at `input`.
    @inline(__always)
    mutating func add(_ input: UnsafePointer<S.Bits>, count: Int) {
        var lo = minimumKey, hi = maximumKey
        for i in 0..<count {
            let k = Self.key(input[i])
            lo = Swift.min(lo, k)
            hi = Swift.max(hi, k)
        }
        minimumKey = lo
        maximumKey = hi
    }

    /// The statistics of both.
    func merged(with other: GroupStatistics) -> GroupStatistics {
        GroupStatistics(minimumKey: Swift.min(minimumKey, other.minimumKey), maximumKey: Swift.max(maximumKey, other.maximumKey))
    }
}
