/// json-c keeps the last of two members with the same key and says nothing; this scan of the raw
/// text finds such keys, in any object at any depth, so that a header cannot hide a tensor.
///
/// Keys are compared as they are written (escapes as written), and held as positions in the text:
/// the scan copies no string.
enum DuplicateKeyScanner {
    /// A key as written in the text, within the object numbered `object`.
    private struct Key: Hashable {
        let object: Int
        let bytes: UnsafeRawBufferPointer

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.object == rhs.object && lhs.bytes.elementsEqual(rhs.bytes)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(object)
            hasher.combine(bytes: bytes)
        }
    }

    /// A key is compared with the earlier keys of its object one by one while they are fewer than
    /// this, through a set of them beyond.
    private static let linearSearchLimit = 16

    /// Throws `.duplicateKey` for the first key that repeats within one object; depth 1 is the top level.
    /// - Complexity: O(n) in the length of the text.
    static func check(_ bytes: UnsafeRawBufferPointer) throws(JSONParser.Failure) {
        guard let base = bytes.baseAddress else { return }
        let text = base.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        func written(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }
        // Per open container: an object's number and the position of its first key in `keys`; nil for an array.
        var stack: [(object: Int, firstKey: Int)?] = []
        // The keys of the open objects, outermost first.
        var keys: [Range<Int>] = []
        // The keys of the objects with `linearSearchLimit` keys or more.
        var seen = Set<Key>()
        var objects = 0
        var i = 0
        var lastString: Range<Int>? = nil
        while i < count {
            switch text[i] {
            case UInt8(ascii: "\""):
                let start = i + 1
                i = start
                while i < count, text[i] != UInt8(ascii: "\"") {
                    i += text[i] == UInt8(ascii: "\\") && i + 1 < count ? 2 : 1
                }
                lastString = start..<min(i, count)
            case UInt8(ascii: ":"):
                if let key = lastString, let open = stack.last ?? nil {
                    let earlierKeys = keys.count - open.firstKey
                    let repeated: Bool
                    if earlierKeys < linearSearchLimit {
                        repeated = keys[open.firstKey...].contains { written($0).elementsEqual(written(key)) }
                    } else {
                        if earlierKeys == linearSearchLimit {
                            for earlier in keys[open.firstKey...] { seen.insert(Key(object: open.object, bytes: written(earlier))) }
                        }
                        repeated = !seen.insert(Key(object: open.object, bytes: written(key))).inserted
                    }
                    if repeated { throw .duplicateKey(String(decoding: written(key), as: UTF8.self), depth: stack.count) }
                    keys.append(key)
                }
                lastString = nil
            case UInt8(ascii: "{"): stack.append((objects, keys.count)); objects += 1; lastString = nil
            case UInt8(ascii: "["): stack.append(nil); lastString = nil
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let closed = stack.popLast() ?? nil { keys.removeSubrange(closed.firstKey...) }
                lastString = nil
            case UInt8(ascii: ","): lastString = nil
            default: break
            }
            i += 1
        }
    }
}
