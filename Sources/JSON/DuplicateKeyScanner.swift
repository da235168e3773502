/// json-c keeps the last of two members with the same key and says nothing; this scan of the raw
/// text finds such keys, in any object at any depth, so that a header cannot hide a tensor.
enum DuplicateKeyScanner {
    /// Throws `.duplicateKey` for the first key that repeats within one object; depth 1 is the top level.
    /// - Complexity: O(n) in the length of the text.
    static func check(_ bytes: UnsafeRawBufferPointer) throws(JSONParser.Failure) {
        // One set of seen keys per open container; arrays carry nil.
        var stack: [Set<[UInt8]>?] = []
        var i = 0
        var lastString: [UInt8]? = nil
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                var raw: [UInt8] = []
                i += 1
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { raw.append(bytes[i]); i += 1 }
                    raw.append(bytes[i])
                    i += 1
                }
                lastString = raw
            case UInt8(ascii: ":"):
                if let key = lastString, let top = stack.indices.last, stack[top] != nil {
                    if stack[top]!.insert(key).inserted == false {
                        throw .duplicateKey(String(decoding: key, as: UTF8.self), depth: stack.count)
                    }
                }
                lastString = nil
            case UInt8(ascii: "{"): stack.append([]); lastString = nil
            case UInt8(ascii: "["): stack.append(nil); lastString = nil
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast(); lastString = nil
            case UInt8(ascii: ","): lastString = nil
            default: break
            }
            i += 1
        }
    }
}
