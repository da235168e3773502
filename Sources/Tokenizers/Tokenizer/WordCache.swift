/// The BPE model's ids by word, in flat storage: an open-addressing table (linear probing) of slots
/// pointing into one buffer of word scalars and one of ids, so that a lookup hashes the word once,
/// allocates nothing and retains nothing. The table starts small and doubles while the words
/// outgrow half of it, so that the slots of a text's few thousand distinct words stay in the
/// processor's cache; it is emptied when it holds `capacity` words. Not thread-safe on its own.
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
    /// The table's first size, in slots.
    static let initialSlotCount = 1024
    private let capacity: Int
    /// The table's largest size: the first power of two at least twice `capacity`.
    private let maxSlotCount: Int
    /// A power of two; allocated at the first insertion.
    private var slots = UnsafeMutableBufferPointer<Slot>(start: nil, count: 0)
    private var words = GrowingBuffer<Unicode.Scalar>()
    private var ids = GrowingBuffer<Int>()
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        var size = WordCache.initialSlotCount
        while size < 2 * capacity { size *= 2 }
        maxSlotCount = size
    }

    deinit {
        slots.deallocate()
        words.deallocate()
        ids.deallocate()
    }

    /// The number of slots of the table (for tests); 0 before the first insertion.
    var slotCount: Int { slots.count }

    /// The hash `appendIds` and `insert` take: FNV-1a over the scalar values two at a time (half
    /// the chain of dependent multiplications a lookup waits for), then mixed; never 0.
    static func hash(_ word: UnsafeBufferPointer<Unicode.Scalar>) -> UInt32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var index = 0
        while index + 2 <= word.count {
            let pair = UInt64(word[index].value) | UInt64(word[index + 1].value) << 32
            hash = (hash ^ pair) &* 0x0000_0100_0000_01B3
            index += 2
        }
        if index < word.count { hash = (hash ^ UInt64(word[index].value)) &* 0x0000_0100_0000_01B3 }
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return UInt32(truncatingIfNeeded: hash) | 1
    }

    /// Appends the cached ids of `word` to `output`; false when `word` is not cached.
    func appendIds(of word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32, to output: inout [Int]) -> Bool {
        guard let index = slotIndex(of: word, hash: hash), slots[index].hash != 0 else { return false }
        let slot = slots[index]
        output.append(contentsOf: UnsafeBufferPointer(start: ids.base + Int(slot.idsStart), count: Int(slot.idsCount)))
        return true
    }

    /// Caches `wordIds` as the ids of `word` (at most `maxWordLength` scalars; longer ones are not kept).
    func insert(_ word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32, ids wordIds: UnsafeBufferPointer<Int>) {
        guard word.count <= WordCache.maxWordLength, wordIds.count <= Int(UInt16.max) else { return }
        if slots.isEmpty || count >= capacity {
            reallocateSlots(count: slots.isEmpty ? WordCache.initialSlotCount : slots.count)
            words.removeAll()
            ids.removeAll()
            count = 0
        } else if 2 * (count + 1) > slots.count && slots.count < maxSlotCount {
            grow()
        }
        guard let index = slotIndex(of: word, hash: hash), slots[index].hash == 0 else { return }
        slots[index] = Slot(hash: hash, wordStart: Int32(words.count), idsStart: Int32(ids.count),
                            wordCount: UInt16(word.count), idsCount: UInt16(wordIds.count))
        words.append(word)
        ids.append(wordIds)
        count += 1
    }

    /// An empty table of `count` slots.
    private func reallocateSlots(count: Int) {
        if slots.count != count {
            slots.deallocate()
            slots = .allocate(capacity: count)
        }
        slots.initialize(repeating: Slot())
    }

    /// The table at twice its size, its slots placed again by their hashes.
    private func grow() {
        let old = slots
        slots = .allocate(capacity: old.count * 2)
        slots.initialize(repeating: Slot())
        let mask = slots.count - 1
        for slot in old where slot.hash != 0 {
            var index = Int(slot.hash) & mask
            while slots[index].hash != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
        old.deallocate()
    }

    /// The slot holding `word`, else the empty slot where it would go; nil before the first insertion.
    private func slotIndex(of word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var index = Int(hash) & mask
        while true {
            let slot = slots[index]
            if slot.hash == 0 { return index }
            if slot.hash == hash && Int(slot.wordCount) == word.count && WordCache.equal(words.base + Int(slot.wordStart), word) {
                return index
            }
            index = (index + 1) & mask
        }
    }
}

extension WordCache {
    /// Whether the `word.count` scalars at `stored` are those of `word`: compared in place, words
    /// being a few scalars long, rather than through a call to `memcmp`.
    @inline(__always)
    fileprivate static func equal(_ stored: UnsafePointer<Unicode.Scalar>, _ word: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        for (offset, scalar) in word.enumerated() where stored[offset] != scalar { return false }
        return true
    }
}

/// A manually managed array of trivial elements that `WordCache` reads through its base pointer
/// without retaining anything; its owner deallocates it.
private struct GrowingBuffer<Element> {
    private(set) var base = UnsafeMutablePointer<Element>(bitPattern: MemoryLayout<Element>.alignment)!
    private(set) var count = 0
    private var capacity = 0

    mutating func append(_ elements: UnsafeBufferPointer<Element>) {
        if count + elements.count > capacity {
            let newCapacity = max(1024, 2 * capacity, count + elements.count)
            let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
            newBase.moveInitialize(from: base, count: count)
            if capacity > 0 { base.deallocate() }
            base = newBase
            capacity = newCapacity
        }
        if let source = elements.baseAddress { (base + count).initialize(from: source, count: elements.count) }
        count += elements.count
    }

    /// Forgets the elements (trivial ones: nothing to deinitialize), keeping the storage.
    mutating func removeAll() { count = 0 }

    func deallocate() {
        if capacity > 0 { base.deallocate() }
    }
}

extension WordCache {
    /// Caches the ids `wordIds` (the end of an output array) for `word`.
    func insert(_ word: UnsafeBufferPointer<Unicode.Scalar>, hash: UInt32, ids wordIds: ArraySlice<Int>) {
        wordIds.withUnsafeBufferPointer { insert(word, hash: hash, ids: $0) }
    }
}
