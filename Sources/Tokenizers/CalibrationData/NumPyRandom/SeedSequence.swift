/// NumPy's `SeedSequence` for an integer seed (no spawn key): the seed's 32-bit words are mixed
/// into a pool of four words with NumPy's hash constants, and the pool is stretched into as many
/// words as a bit generator asks for. `numpy.random.default_rng(seed)` seeds its PCG64 this way.
enum SeedSequence {
    private static let poolSize = 4
    private static let initA: UInt32 = 0x43B0_D7E5
    private static let multA: UInt32 = 0x931E_8875
    private static let initB: UInt32 = 0x8B51_F9DD
    private static let multB: UInt32 = 0x58F3_8DED
    private static let mixMultL: UInt32 = 0xCA01_F9DD
    private static let mixMultR: UInt32 = 0x4973_F715

    /// The first `count` 64-bit words of the state `SeedSequence(seed).generate_state(count, np.uint64)` gives.
    static func state(seed: UInt64, count: Int) -> [UInt64] {
        let pool = mixedPool(entropy: words(of: seed))
        var hashConstant = initB
        let halves = (0..<2 * count).map { index -> UInt32 in
            var value = pool[index % poolSize] ^ hashConstant
            hashConstant = hashConstant &* multB
            value = value &* hashConstant
            return value ^ (value >> 16)
        }
        return (0..<count).map { UInt64(halves[2 * $0]) | UInt64(halves[2 * $0 + 1]) << 32 }
    }

    /// The seed as NumPy splits an integer: 32-bit words, least significant first; `[0]` for 0.
    private static func words(of seed: UInt64) -> [UInt32] {
        seed >> 32 == 0 ? [UInt32(seed)] : [UInt32(truncatingIfNeeded: seed), UInt32(seed >> 32)]
    }

    private static func mixedPool(entropy: [UInt32]) -> [UInt32] {
        var hashConstant = initA
        func hashMix(_ input: UInt32) -> UInt32 {
            var value = input ^ hashConstant
            hashConstant = hashConstant &* multA
            value = value &* hashConstant
            return value ^ (value >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let result = mixMultL &* x &- mixMultR &* y
            return result ^ (result >> 16)
        }
        var pool = (0..<poolSize).map { hashMix($0 < entropy.count ? entropy[$0] : 0) }
        for source in 0..<poolSize {
            for destination in 0..<poolSize where source != destination {
                pool[destination] = mix(pool[destination], hashMix(pool[source]))
            }
        }
        for source in poolSize..<max(poolSize, entropy.count) {
            for destination in 0..<poolSize { pool[destination] = mix(pool[destination], hashMix(entropy[source])) }
        }
        return pool
    }
}
