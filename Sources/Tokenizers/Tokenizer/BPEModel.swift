import Foundation

/// tokenizer.json's `model` of type `BPE`: a vocabulary and ranked merge rules.
///
/// A word starts as one symbol per Unicode scalar (its vocabulary id; with `byte_fallback`, the
/// `<0xXX>` tokens of its UTF-8 bytes when the scalar is not in the vocabulary; else `unk_token`),
/// then the adjacent pair with the lowest merge rank is merged, leftmost first, until no pair
/// has a rule. Results are cached per word (`WordCache`).
///
/// Supported options: `unk_token`, `fuse_unk`, `byte_fallback`, `ignore_merges`,
/// `continuing_subword_prefix`, `end_of_word_suffix`; merges as `"a b"` strings or `["a", "b"]`
/// pairs. `dropout` must be null or 0.
final class BPEModel: @unchecked Sendable {
    /// Token id by token text, keyed by scalars so that canonically equivalent spellings stay distinct.
    private let vocabulary: [[Unicode.Scalar]: Int]
    /// Token text by id; nil where the vocabulary has a hole.
    let tokens: [String?]
    /// Ids of single-scalar tokens, for the common case without prefix or suffix.
    private let scalarIds: [UInt32: Int32]
    /// Direct table for scalars below `scalarTableSize`; -1 where there is no token.
    private let scalarTable: [Int32]
    private static let scalarTableSize = 0x800
    /// `(left id << 32 | right id)` → `(rank << 32 | merged id)`.
    private let merges: [UInt64: UInt64]
    /// The `<0xXX>` token id of each byte (-1 where the vocabulary lacks it), when `byte_fallback` is on.
    private let byteFallbackIds: [Int32]?
    private let unknownId: Int?
    private let fuseUnknown: Bool
    private let ignoreMerges: Bool
    private let continuingSubwordPrefix: [Unicode.Scalar]
    private let endOfWordSuffix: [Unicode.Scalar]

    private let cacheLock = NSLock()
    /// Ids by word, as the model sees words.
    private let cache = WordCache(capacity: 100_000)
    /// Ids by the text of a byte-level word, before its bytes are mapped to their alphabet
    /// (`encodeByteLevelWord`), so that a word seen before is not mapped again.
    private let byteLevelCache = WordCache(capacity: 100_000)
    /// Ids above this are refused: the token table is allocated up to the largest id.
    private static let maxVocabularyId = 1 << 22

    /// Reads a `model` object of type BPE.
    init(_ node: ConfigNode) throws(TokenizerError) {
        if let dropout = try node.optional("dropout"), dropout.value.numberValue != 0 {
            throw dropout.invalid("BPE dropout is not supported")
        }
        var vocabulary: [[Unicode.Scalar]: Int] = [:]
        var tokens: [String?] = []
        var scalarIds: [UInt32: Int32] = [:]
        var scalarTable = [Int32](repeating: -1, count: BPEModel.scalarTableSize)
        let vocabNode = try node.required("vocab")
        for (token, idNode) in try vocabNode.members() {
            let id = try idNode.integer()
            guard id <= BPEModel.maxVocabularyId else { throw idNode.invalid("token id \(id) is too large") }
            let scalars = Array(token.unicodeScalars)
            vocabulary[scalars] = id
            if tokens.count <= id { tokens.append(contentsOf: repeatElement(nil, count: id + 1 - tokens.count)) }
            tokens[id] = token
            if scalars.count == 1 {
                scalarIds[scalars[0].value] = Int32(id)
                if scalars[0].value < BPEModel.scalarTableSize { scalarTable[Int(scalars[0].value)] = Int32(id) }
            }
        }
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.scalarIds = scalarIds
        self.scalarTable = scalarTable

        continuingSubwordPrefix = Array(try node.string("continuing_subword_prefix", default: "").unicodeScalars)
        endOfWordSuffix = Array(try node.string("end_of_word_suffix", default: "").unicodeScalars)
        fuseUnknown = try node.bool("fuse_unk", default: false)
        ignoreMerges = try node.bool("ignore_merges", default: false)
        if let unkNode = try node.optional("unk_token") {
            guard let id = vocabulary[Array(try unkNode.string().unicodeScalars)] else {
                throw unkNode.invalid("the unknown token is not in the vocabulary")
            }
            unknownId = id
        } else {
            unknownId = nil
        }
        if try node.bool("byte_fallback", default: false) {
            byteFallbackIds = (0..<256).map { byte in
                Int32(vocabulary[Array(BPEModel.byteTokenName(UInt8(byte)).unicodeScalars)] ?? -1)
            }
        } else {
            byteFallbackIds = nil
        }
        merges = try BPEModel.readMerges(try node.required("merges"), vocabulary: vocabulary,
                                         prefixLength: continuingSubwordPrefix.count)
    }

    /// The byte-fallback token of `byte`: `<0x0A>` for a newline.
    static func byteTokenName(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x\(hex.count == 1 ? "0" + hex : hex)>"
    }

    private static func readMerges(_ node: ConfigNode, vocabulary: [[Unicode.Scalar]: Int], prefixLength: Int) throws(TokenizerError) -> [UInt64: UInt64] {
        let entries = try node.array()
        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(entries.count)
        for (rank, entry) in entries.enumerated() {
            let left: [Unicode.Scalar], right: [Unicode.Scalar]
            switch entry.value {
            case let .string(text):
                let parts = text.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw .invalidMerge(file: node.file, index: rank, reason: "\(text.debugDescription) is not two tokens separated by one space")
                }
                left = Array(parts[0])
                right = Array(parts[1])
            case let .array(items):
                guard items.count == 2, let a = items[0].stringValue, let b = items[1].stringValue else {
                    throw .invalidMerge(file: node.file, index: rank, reason: "expected a pair of strings")
                }
                left = Array(a.unicodeScalars)
                right = Array(b.unicodeScalars)
            default:
                throw .invalidMerge(file: node.file, index: rank, reason: "expected a string or a pair, found \(entry.value.kindName)")
            }
            guard let leftId = vocabulary[left] else {
                throw .invalidMerge(file: node.file, index: rank, reason: "token \(String(String.UnicodeScalarView(left)).debugDescription) is not in the vocabulary")
            }
            guard let rightId = vocabulary[right] else {
                throw .invalidMerge(file: node.file, index: rank, reason: "token \(String(String.UnicodeScalarView(right)).debugDescription) is not in the vocabulary")
            }
            let merged = left + right.dropFirst(min(prefixLength, right.count))
            guard let mergedId = vocabulary[merged] else {
                throw .invalidMerge(file: node.file, index: rank, reason: "merged token \(String(String.UnicodeScalarView(merged)).debugDescription) is not in the vocabulary")
            }
            merges[UInt64(leftId) << 32 | UInt64(rightId)] = UInt64(rank) << 32 | UInt64(mergedId)
        }
        return merges
    }

    /// The id of a token given by its text.
    func id(of token: [Unicode.Scalar]) -> Int? { vocabulary[token] }

    /// Appends the ids of one pre-tokenized word to `output`.
    func encode(_ word: [Unicode.Scalar], into output: inout [Int]) {
        withCache { encode(word, into: &output, cache: $0) }
    }

    /// Runs `body` holding the word cache, for `encode(_:into:cache:)` calls: many words for one
    /// lock and unlock.
    func withCache<Result>(_ body: (HeldWordCache) -> Result) -> Result {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        return body(HeldWordCache(cache: cache, byteLevelCache: byteLevelCache))
    }

    /// Appends the ids of one pre-tokenized word to `output`, the cache held by `withCache`.
    func encode(_ word: [Unicode.Scalar], into output: inout [Int], cache held: HeldWordCache) {
        guard !word.isEmpty else { return }
        let cacheable = word.count <= WordCache.maxWordLength
        let hash = cacheable ? word.withUnsafeBufferPointer(WordCache.hash) : 0
        if cacheable && word.withUnsafeBufferPointer({ held.cache.appendIds(of: $0, hash: hash, to: &output) }) { return }
        let ids: [Int32]
        if ignoreMerges, let id = vocabulary[word] {
            ids = [Int32(id)]
        } else {
            ids = merge(initialSymbols(word))
        }
        let start = output.count
        for id in ids { output.append(Int(id)) }
        if cacheable { word.withUnsafeBufferPointer { held.cache.insert($0, hash: hash, ids: output[start...]) } }
    }

    /// Appends the ids of a byte-level pre-tokenizer's word given by its `text`, the scalars before
    /// the byte-level mapping: those cached for that text, else those of the mapped word `mapped()`
    /// gives (what `encode(_:into:cache:)` gives it), then cached for the text.
    func encodeByteLevelWord(text: UnsafeBufferPointer<Unicode.Scalar>, into output: inout [Int], cache held: HeldWordCache,
                             mapped: () -> [Unicode.Scalar]) {
        let cacheable = text.count <= WordCache.maxWordLength
        let hash = cacheable ? WordCache.hash(text) : 0
        if cacheable && held.byteLevelCache.appendIds(of: text, hash: hash, to: &output) { return }
        let start = output.count
        encode(mapped(), into: &output, cache: held)
        if cacheable { held.byteLevelCache.insert(text, hash: hash, ids: output[start...]) }
    }

    /// The word caches while `withCache` holds their lock; only valid inside its body.
    struct HeldWordCache {
        fileprivate let cache: WordCache
        fileprivate let byteLevelCache: WordCache
    }

    /// One symbol per scalar, with byte fallback and unknown-token handling.
    private func initialSymbols(_ word: [Unicode.Scalar]) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        let plain = continuingSubwordPrefix.isEmpty && endOfWordSuffix.isEmpty
        var pendingUnknown = false
        for (i, scalar) in word.enumerated() {
            var id: Int32?
            var text = [scalar]
            if plain {
                id = scalar.value < BPEModel.scalarTableSize ? scalarTable[Int(scalar.value)] : (scalarIds[scalar.value] ?? -1)
                if id == -1 { id = nil }
            } else {
                if i > 0 { text = continuingSubwordPrefix + text }
                if i == word.count - 1 { text += endOfWordSuffix }
                id = vocabulary[text].map(Int32.init)
            }
            if let id {
                if pendingUnknown, let unknownId { symbols.append(Int32(unknownId)) }
                pendingUnknown = false
                symbols.append(id)
                continue
            }
            if let byteFallbackIds {
                // As in the `tokenizers` library, a pending unknown token stays pending across byte tokens.
                let bytes = text.flatMap { UTF8.encode($0)! }
                if bytes.allSatisfy({ byteFallbackIds[Int($0)] >= 0 }) {
                    for byte in bytes { symbols.append(byteFallbackIds[Int(byte)]) }
                    continue
                }
            }
            guard let unknownId else { continue }
            if pendingUnknown && !fuseUnknown { symbols.append(Int32(unknownId)) }
            pendingUnknown = true
        }
        if pendingUnknown, let unknownId { symbols.append(Int32(unknownId)) }
        return symbols
    }

    /// Applies merge rules by rank, leftmost first among equal ranks.
    /// - Complexity: O(n log n) for n symbols.
    private func merge(_ initial: [Int32]) -> [Int32] {
        var ids = initial
        let count = ids.count
        guard count > 1 else { return ids }
        var next = [Int32](0..<Int32(count)).map { $0 + 1 }
        var previous = [Int32](0..<Int32(count)).map { $0 - 1 }
        var alive = [Bool](repeating: true, count: count)
        var queue = MergeQueue()
        for i in 0..<(count - 1) {
            if let rule = merges[UInt64(UInt32(ids[i])) << 32 | UInt64(UInt32(ids[i + 1]))] {
                queue.push(rank: UInt32(rule >> 32), position: UInt32(i))
            }
        }
        while let (rank, position32) = queue.pop() {
            let position = Int(position32)
            guard alive[position], next[position] < count else { continue }
            let right = Int(next[position])
            guard let rule = merges[UInt64(UInt32(ids[position])) << 32 | UInt64(UInt32(ids[right]))],
                  UInt32(rule >> 32) == rank else { continue }
            ids[position] = Int32(truncatingIfNeeded: rule & 0xFFFF_FFFF)
            alive[right] = false
            next[position] = next[right]
            if next[right] < count { previous[Int(next[right])] = Int32(position) }
            if previous[position] >= 0 {
                let left = Int(previous[position])
                if let rule = merges[UInt64(UInt32(ids[left])) << 32 | UInt64(UInt32(ids[position]))] {
                    queue.push(rank: UInt32(rule >> 32), position: UInt32(left))
                }
            }
            if next[position] < count {
                if let rule = merges[UInt64(UInt32(ids[position])) << 32 | UInt64(UInt32(ids[Int(next[position])]))] {
                    queue.push(rank: UInt32(rule >> 32), position: UInt32(position))
                }
            }
        }
        var result: [Int32] = []
        result.reserveCapacity(count)
        for i in 0..<count where alive[i] { result.append(ids[i]) }
        return result
    }
}

/// A binary min-heap of candidate merges ordered by rank, then position.
struct MergeQueue {
    private var heap: [UInt64] = []

    mutating func push(rank: UInt32, position: UInt32) {
        heap.append(UInt64(rank) << 32 | UInt64(position))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (rank: UInt32, position: UInt32)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                let right = left + 1
                let smallest = right < heap.count && heap[right] < heap[left] ? right : left
                guard heap[smallest] < heap[parent] else { break }
                heap.swapAt(smallest, parent)
                parent = smallest
            }
        }
        return (UInt32(top >> 32), UInt32(truncatingIfNeeded: top))
    }
}
