/// GPT-2's reversible map between the 256 byte values and 256 printable Unicode scalars, used by
/// byte-level pre-tokenizers, normalizers and decoders: printable Latin-1 bytes (`!`…`~`, `¡`…`¬`,
/// `®`…`ÿ`) stand for themselves, the other 68 bytes, in increasing order, for U+0100 onwards.
enum ByteLevelAlphabet {
    /// The scalar standing for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet scalar stands for, indexed by scalar value; -1 for scalars outside the alphabet.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The byte `scalar` stands for, or nil when it is not in the alphabet.
    @inline(__always)
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return nil }
        return UInt8(byteForScalar[value])
    }

    /// Replaces every scalar by the alphabet scalars of its UTF-8 bytes.
    /// - Complexity: O(n).
    static func encode(_ scalars: some Collection<Unicode.Scalar>) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count + scalars.count / 2)
        append(scalars, to: &result)
        return result
    }

    /// Appends the alphabet scalars of the UTF-8 bytes of `scalars` to `result`.
    /// - Complexity: O(n).
    static func append(_ scalars: some Sequence<Unicode.Scalar>, to result: inout [Unicode.Scalar]) {
        scalarForByte.withUnsafeBufferPointer { table in
            for scalar in scalars {
                if scalar.value < 0x80 {
                    result.append(table[Int(scalar.value)])
                } else {
                    for byte in UTF8.encode(scalar)! { result.append(table[Int(byte)]) }
                }
            }
        }
    }
}
