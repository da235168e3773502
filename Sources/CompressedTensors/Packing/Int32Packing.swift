/// compressed-tensors 0.19's dense int32 packing of `n`-bit integers (`pack_to_int32`,
/// compressors/pack_quantized/helpers.py), for `1 <= n <= 8`:
///
/// - each value `v` (in `-2^(n-1) ..< 2^(n-1)`) is stored as `v + 2^(n-1)`, an unsigned `n`-bit field;
/// - along the packed dimension, value `i` occupies bits `i*n ..< (i+1)*n` of a little-endian
///   bit stream of int32 words (bit `b` is bit `b % 32` of word `b / 32`), a field that crosses a
///   word boundary being split between the two words; the stream is zero-padded and
///   `ceil(count * n / 32)` words are kept;
/// - weights are packed along each row (dimension 1), zero points along each column (dimension 0).
///
/// `pack` writes the stream, `field` and `unpack` read it back.
public enum Int32Packing {
    /// Words holding `count` packed `bits`-bit values.
    public static func wordCount(_ count: Int, bits: Int) -> Int { (count * bits + 31) / 32 }

    /// What a `bits`-bit value is stored plus: `2^(bits-1)`.
    public static func offset(bits: Int) -> Int32 { 1 << (bits - 1) }

    /// Packs `count` values at `values` into `wordCount(count, bits:)` words at `words`.
    @inline(__always)
    public static func pack(_ values: UnsafePointer<Int8>, count: Int, bits: Int, into words: UnsafeMutablePointer<UInt32>) {
        if bits == 4 {
            packNibbles(values, count: count, into: words)
        } else if bits == 8 {
            packBytes(values, count: count, into: words)
        } else if 32 % bits == 0 {
            packAligned(values, count: count, bits: bits, into: words)
        } else {
            packStraddling(values, count: count, bits: bits, into: words)
        }
    }

    /// 4 bits, eight values per word: `v + 8` is the low nibble of `v` with its top bit flipped, and
    /// the nibbles of eight bytes are gathered into 32 bits with three shift-or-mask steps.
    @inline(__always)
    private static func packNibbles(_ values: UnsafePointer<Int8>, count: Int, into words: UnsafeMutablePointer<UInt32>) {
        let full = count / 8
        let raw = UnsafeRawPointer(values)
        for w in 0..<full {
            var x = raw.loadUnaligned(fromByteOffset: w * 8, as: UInt64.self)
            x = (x & 0x0F0F_0F0F_0F0F_0F0F) ^ 0x0808_0808_0808_0808
            x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF
            x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF
            words[w] = UInt32(truncatingIfNeeded: x | (x >> 16))
        }
        if count > full * 8 {
            packAligned(values + full * 8, count: count - full * 8, bits: 4, into: words + full)
        }
    }

    /// 8 bits, four values per word: `v + 128` is `v`'s byte with its top bit flipped.
    @inline(__always)
    private static func packBytes(_ values: UnsafePointer<Int8>, count: Int, into words: UnsafeMutablePointer<UInt32>) {
        let full = count / 4
        let raw = UnsafeRawPointer(values)
        for w in 0..<full {
            words[w] = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: w * 4, as: UInt32.self)) ^ 0x8080_8080
        }
        if count > full * 4 {
            packAligned(values + full * 4, count: count - full * 4, bits: 8, into: words + full)
        }
    }

    /// `bits` divides 32: whole fields per word, a fixed-trip branch-free inner loop.
    @inline(__always)
    private static func packAligned(_ values: UnsafePointer<Int8>, count: Int, bits: Int, into words: UnsafeMutablePointer<UInt32>) {
        let perWord = 32 / bits, offset = offset(bits: bits)
        let full = count / perWord
        for w in 0..<full {
            let base = values + w * perWord
            var word: UInt32 = 0
            for k in 0..<perWord {
                word |= UInt32(truncatingIfNeeded: Int32(base[k]) &+ offset) << UInt32(k * bits)
            }
            words[w] = word
        }
        let rest = count - full * perWord
        if rest > 0 {
            var word: UInt32 = 0
            for k in 0..<rest {
                word |= UInt32(truncatingIfNeeded: Int32(values[full * perWord + k]) &+ offset) << UInt32(k * bits)
            }
            words[full] = word
        }
    }

    /// `bits` of 3, 5, 6 or 7: fields cross word boundaries; a 64-bit accumulator carries them.
    private static func packStraddling(_ values: UnsafePointer<Int8>, count: Int, bits: Int, into words: UnsafeMutablePointer<UInt32>) {
        let offset = offset(bits: bits)
        var accumulator: UInt64 = 0, filled = 0, w = 0
        for i in 0..<count {
            accumulator |= UInt64(UInt32(truncatingIfNeeded: Int32(values[i]) &+ offset)) << UInt64(filled)
            filled += bits
            if filled >= 32 {
                words[w] = UInt32(truncatingIfNeeded: accumulator)
                w += 1
                accumulator >>= 32
                filled -= 32
            }
        }
        if filled > 0 { words[w] = UInt32(truncatingIfNeeded: accumulator) }
    }

    /// Packs a `[rows, columns]` matrix of values along dimension 0: column `c`'s values become
    /// the words at `[0 ..< wordCount(rows, bits:), c]` of the `[wordCount, columns]` row-major `result`.
    public static func packColumns(_ values: UnsafePointer<Int8>, rows: Int, columns: Int, bits: Int, into result: UnsafeMutablePointer<UInt32>) {
        let height = wordCount(rows, bits: bits)
        let column = UnsafeMutablePointer<Int8>.allocate(capacity: rows)
        let packed = UnsafeMutablePointer<UInt32>.allocate(capacity: height)
        defer { column.deallocate(); packed.deallocate() }
        for c in 0..<columns {
            for r in 0..<rows { column[r] = values[r * columns + c] }
            pack(column, count: rows, bits: bits, into: packed)
            for h in 0..<height { result[h * columns + c] = packed[h] }
        }
    }

    /// Field `index` of the `bits`-bit stream at `words`, minus `2^(bits-1)`.
    @inline(__always)
    static func field(_ words: UnsafePointer<UInt32>, index: Int, bits: Int, count: Int) -> Int32 {
        let bit = index * bits, w = bit >> 5, shift = UInt64(bit & 31)
        var pair = UInt64(words[w])
        if w + 1 < count { pair |= UInt64(words[w + 1]) << 32 }
        let mask = (UInt64(1) << UInt64(bits)) - 1
        return Int32(truncatingIfNeeded: (pair >> shift) & mask) - (Int32(1) << (bits - 1))
    }

    /// Unpacks the fields of the whole words of a row for a `bits` that divides 32 (inlined with
    /// a constant `bits`, so the per-word loop is unrolled); returns how many values it wrote.
    @inline(__always)
    static func unpackWholeWords(_ source: UnsafePointer<UInt32>, into row: UnsafeMutablePointer<Float>, columns: Int, bits: Int) -> Int {
        let perWord = 32 / bits, full = columns / perWord
        let mask = (UInt32(1) << UInt32(bits)) - 1, offset = offset(bits: bits)
        for w in 0..<full {
            let word = source[w]
            for f in 0..<perWord {
                row[w * perWord + f] = Float(Int32(bitPattern: (word >> UInt32(f * bits)) & mask) - offset)
            }
        }
        return full * perWord
    }

    /// The `[rows, columns]` values `packColumns` packed into the `[wordCount(rows, bits:), columns]`
    /// row-major `words`, row-major.
    static func unpackColumns(_ words: [UInt32], rows: Int, columns: Int, bits: Int) -> [Int32] {
        let height = wordCount(rows, bits: bits)
        var values = [Int32](repeating: 0, count: rows * columns)
        var column = [UInt32](repeating: 0, count: height)
        for c in 0..<columns {
            for h in 0..<height { column[h] = words[h * columns + c] }
            column.withUnsafeBufferPointer { packed in
                for r in 0..<rows { values[r * columns + c] = field(packed.baseAddress!, index: r, bits: bits, count: height) }
            }
        }
        return values
    }
}
