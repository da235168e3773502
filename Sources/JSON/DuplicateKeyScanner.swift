/// json-c keeps the last of two members with the same key and says nothing; this scan of the raw
/// text finds such keys, in any object at any depth, so that a header cannot hide a tensor.
///
/// Keys are compared as they are written (escapes as written), and held as positions in the text
/// with the number of their object: the scan copies no string and makes one set per text.
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

    /// Throws `.duplicateKey` for the first key that repeats within one object; depth 1 is the top level.
    /// - Complexity: O(n) in the length of the text.
    static func check(_ bytes: UnsafeRawBufferPointer) throws(JSONParser.Failure) {
        guard let base = bytes.baseAddress else { return }
        let text = base.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        // The number of each open container's object; arrays carry nil.
        var stack: [Int?] = []
        var objects = 0
        var seen = Set<Key>()
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
                if let key = lastString, let object = stack.last ?? nil {
                    let written = UnsafeRawBufferPointer(rebasing: bytes[key])
                    if !seen.insert(Key(object: object, bytes: written)).inserted {
                        throw .duplicateKey(String(decoding: written, as: UTF8.self), depth: stack.count)
                    }
                }
                lastString = nil
            case UInt8(ascii: "{"): stack.append(objects); objects += 1; lastString = nil
            case UInt8(ascii: "["): stack.append(nil); lastString = nil
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast(); lastString = nil
            case UInt8(ascii: ","): lastString = nil
            default: break
            }
            i += 1
        }
    }
}
