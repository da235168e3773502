import Foundation

/// The BPE model's ids by word, in flat storage: an open-addressing table (linear probing) of slots
/// pointing into one buffer of word scalars and one of ids, so that a lookup hashes the word once
/// and allocates nothing. Emptied when it holds `capacity` words. Not thread-safe on its own.
/// A class, so that the model's calls reach the buffers without copying (retaining) them.
final class WordCache {
    private struct Slot {
        /// The word's hash; 0 marks an empty slot.
        var hash: UInt32 = 0
        var wordStart: Int32 = 0
        var idsStart: Int32 = 0
        var wordCount: UInt16 = 0
        var idsCount: UInt16 = 0
    }

    /// Words longer than this are not cached.
    static let maxWordLength = 256
    private let capacity: Int
    /// A power of two, at least twice `capacity`; allocated at the first insertion.
    private var slots = UnsafeMutableBufferPointer<Slot>(start: nil, count: 0)
    private var words: [Unicode.Scalar] = []
    private var ids: [Int32] = []
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    deinit { slots.deallocate() }

    /// The hash `appendIds` and `insert` take: FNV-1a over the scalar values, then mixed; never 0.
    static func hash(_ word: UnsafeBufferPointer<Unicode.Scalar>) -> UInt32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for scalar in word { hash = (hash ^ UInt64(scalar.value)) &* 0x0000_0100_0000_01B3 }
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return UInt32(truncatingIfNeeded: hash) | 1
    }

    /// Appends the cached ids of `word` to `output`; false when `word` is not cached.
    func appendIds(of word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32, to output: inout [Int]) -> Bool {
        guard let index = slotIndex(of: word, hash: hash), slots[index].hash != 0 else { return false }
        let slot = slots[index]
        ids.withUnsafeBufferPointer { ids in
            output.append(contentsOf: ids[Int(slot.idsStart)..<(Int(slot.idsStart) + Int(slot.idsCount))].lazy.map(Int.init))
        }
        return true
    }

    /// Caches `wordIds` as the ids of `word` (at most `maxWordLength` scalars; longer ones are not kept).
    func insert(_ word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32, ids wordIds: some Collection<Int32>) {
        guard word.count <= WordCache.maxWordLength, wordIds.count <= Int(UInt16.max) else { return }
        if slots.isEmpty || count >= capacity {
            var size = 1
            while size < 2 * capacity { size *= 2 }
            if slots.count != size {
                slots.deallocate()
                slots = .allocate(capacity: size)
            }
            slots.initialize(repeating: Slot())
            words.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
            count = 0
        }
        guard let index = slotIndex(of: word, hash: hash), slots[index].hash == 0 else { return }
        slots[index] = Slot(hash: hash, wordStart: Int32(words.count), idsStart: Int32(ids.count),
                            wordCount: UInt16(word.count), idsCount: UInt16(wordIds.count))
        words.append(contentsOf: word)
        ids.append(contentsOf: wordIds)
        count += 1
    }

    /// The slot holding `word`, else the empty slot where it would go; nil before the first insertion.
    private func slotIndex(of word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var index = Int(hash) & mask
        let slots = slots
        return words.withUnsafeBufferPointer { words in
            while true {
                let slot = slots[index]
                if slot.hash == 0 { return index }
                if slot.hash == hash && Int(slot.wordCount) == word.count
                    && (word.isEmpty || memcmp(words.baseAddress! + Int(slot.wordStart), word.baseAddress!,
                                               word.count * MemoryLayout<Unicode.Scalar>.stride) == 0) {
                    return index
                }
                index = (index + 1) & mask
            }
        }
    }
}
