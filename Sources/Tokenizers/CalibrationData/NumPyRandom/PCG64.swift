/// NumPy's default bit generator, PCG64 (128-bit LCG state, XSL-RR output), seeded as
/// `numpy.random.default_rng(seed)` seeds it, with the draws NumPy's `Generator` makes from it:
/// 32-bit values are the low then the high half of one 64-bit output, and `permutation(n)`
/// shuffles `0..<n` backwards, each index drawn by masked rejection (`random_interval`).
/// Hugging Face datasets' `Dataset.shuffle(seed=...)` reorders the rows by that permutation.
struct PCG64 {
    private static let multiplier: UInt128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645
    private var state: UInt128
    private let increment: UInt128
    /// The high half of the last 64-bit output, when its low half was handed out as 32 bits.
    private var pendingHalf: UInt32?

    /// The generator `numpy.random.default_rng(seed)` holds.
    init(seed: UInt64) {
        let words = SeedSequence.state(seed: seed, count: 4)
        let initialState = UInt128(words[0]) << 64 | UInt128(words[1])
        let sequence = UInt128(words[2]) << 64 | UInt128(words[3])
        increment = sequence << 1 | 1
        state = 0
        step()
        state &+= initialState
        step()
    }

    private mutating func step() { state = state &* Self.multiplier &+ increment }

    /// The next 64-bit output (NumPy's `random_raw()`).
    mutating func next64() -> UInt64 {
        step()
        let folded = UInt64(truncatingIfNeeded: state >> 64) ^ UInt64(truncatingIfNeeded: state)
        return folded.rotateRight(by: Int(state >> 122))
    }

    /// The next 32-bit value: halves of a 64-bit output, low half first.
    mutating func next32() -> UInt32 {
        if let half = pendingHalf {
            pendingHalf = nil
            return half
        }
        let next = next64()
        pendingHalf = UInt32(next >> 32)
        return UInt32(truncatingIfNeeded: next)
    }

    /// A uniform value in `0...maximum`: the low bits of draws under the smallest mask covering
    /// `maximum`, redrawn while above it (32-bit draws while `maximum` fits in 32 bits).
    mutating func interval(_ maximum: UInt64) -> UInt64 {
        guard maximum > 0 else { return 0 }
        let mask = UInt64.max >> maximum.leadingZeroBitCount
        while true {
            let value = maximum <= UInt64(UInt32.max) ? UInt64(next32()) & mask : next64() & mask
            if value <= maximum { return value }
        }
    }

    /// `Generator.permutation(count)`: `0..<count`, shuffled from the last position down.
    mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        for position in stride(from: count - 1, to: 0, by: -1) {
            indices.swapAt(position, Int(interval(UInt64(position))))
        }
        return indices
    }
}

private extension UInt64 {
    func rotateRight(by count: Int) -> UInt64 { self >> UInt64(count) | self << UInt64((64 - count) & 63) }
}
