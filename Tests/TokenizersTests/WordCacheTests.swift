import Testing
import TestSupport
@testable import Tokenizers

/// The flat word cache gives back what was put in it, as a dictionary would, while its table
/// grows from its first size, and forgets everything once it holds its capacity.
@Suite struct WordCacheTests {
    static func randomWord(_ random: inout SeededRandom) -> [Unicode.Scalar] {
        let alphabet = Array("abcĠé中😀 ".unicodeScalars)
        return (0..<Int.random(in: 0...6, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
    }

    func lookup(_ word: [Unicode.Scalar], in cache: WordCache) -> [Int]? {
        var ids = [-1]
        let found = word.withUnsafeBufferPointer { cache.appendIds(of: $0, hash: WordCache.hash($0), to: &ids) }
        return found ? Array(ids.dropFirst()) : nil
    }

    func insert(_ word: [Unicode.Scalar], _ ids: [Int], into cache: WordCache) {
        word.withUnsafeBufferPointer { cache.insert($0, hash: WordCache.hash($0), ids: ids[...]) }
    }

    @Test func cachedIdsAreTheIdsPutInWhileTheTableGrows() {
        var random = SeededRandom(seed: 7)
        let cache = WordCache(capacity: 5000)
        var expected: [[Unicode.Scalar]: [Int]] = [:]
        for _ in 0..<20000 {
            let word = Self.randomWord(&random)
            if let ids = expected[word] {
                #expect(lookup(word, in: cache) == ids)
            } else {
                #expect(lookup(word, in: cache) == nil)
                let ids = (0..<Int.random(in: 0...5, using: &random)).map { _ in Int.random(in: 0..<100_000, using: &random) }
                insert(word, ids, into: cache)
                expected[word] = ids
            }
            if expected.count == 5000 { break }
        }
        #expect(expected.count > WordCache.initialSlotCount)
        #expect(cache.slotCount > WordCache.initialSlotCount && cache.slotCount <= 16384)
        for (word, ids) in expected { #expect(lookup(word, in: cache) == ids) }
    }

    @Test func aFullCacheIsEmptied() {
        let cache = WordCache(capacity: 3)
        let words: [[Unicode.Scalar]] = [["a"], ["b"], ["c"], ["d"]]
        for (id, word) in words.enumerated() { insert(word, [id], into: cache) }
        #expect(lookup(["a"], in: cache) == nil)
        #expect(lookup(["c"], in: cache) == nil)
        #expect(lookup(["d"], in: cache) == [3])
        #expect(lookup([], in: cache) == nil)
        insert([], [9, 8], into: cache)
        #expect(lookup([], in: cache) == [9, 8])
    }
}
