/// A seeded xorshift64 generator, so that a test drawing random values reproduces its failures.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    /// A generator starting from `seed` (not zero).
    public init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) { state = seed }

    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
