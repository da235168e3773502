import CKernels

/// `bits`-bit integer weights packed into int32 words along each row (compressed-tensors
/// "pack-quantized", the W{2..8}A16 schemes): value `c` of a row is the field at bits
/// `c·bits ..< (c+1)·bits` of the row's little-endian word stream, stored as `q + 2^(bits-1)`;
/// `w = (q − zeroPoint) · scale`.
struct PackedIntWeights: WeightDecoder {
    let outputFeatures: Int
    let inputFeatures: Int
    let bits: Int
    /// `outputFeatures × wordsPerRow` words.
    let words: [UInt32]
    let scales: ScaleGrid
    /// Zero points laid out as `scales.values`, already unpacked; nil for symmetric weights.
    let zeroPoints: [Float]?

    var wordsPerRow: Int { (inputFeatures * bits + 31) / 32 }

    /// Field `index` of the `bits`-bit stream at `words`, minus `2^(bits-1)`.
    @inline(__always)
    static func field(_ words: UnsafePointer<UInt32>, index: Int, bits: Int, count: Int) -> Int32 {
        let bit = index * bits, w = bit >> 5, shift = UInt64(bit & 31)
        var pair = UInt64(words[w])
        if w + 1 < count { pair |= UInt64(words[w + 1]) << 32 }
        let mask = (UInt64(1) << UInt64(bits)) - 1
        return Int32(truncatingIfNeeded: (pair >> shift) & mask) - (Int32(1) << (bits - 1))
    }

    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = wordsPerRow, n = bits
        words.withUnsafeBufferPointer { words in
            zeroPoints.withUnsafeValues { zeroPoints in
                for (i, r) in rows.enumerated() {
                    let source = words.baseAddress! + r * width, row = destination + i * k
                    var done = 0
                    switch n {
                    case 4: done = Self.unpackWholeWords(source, into: row, columns: k, bits: 4)
                    case 8: done = Self.unpackWholeWords(source, into: row, columns: k, bits: 8)
                    case 2: done = Self.unpackWholeWords(source, into: row, columns: k, bits: 2)
                    default: break
                    }
                    for c in done..<k { row[c] = Float(Self.field(source, index: c, bits: n, count: width)) }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: zeroPoints)
                }
            }
        }
    }

    /// 4-bit weights run in the int4 kernel, 8-bit ones (a word's bytes in column order, each
    /// q + 128) in the int8 kernel; other widths only decode.
    var multipliesInPlace: Bool {
        switch bits {
        case 4: scales.taken(by: ck_int4_takes, columns: inputFeatures, zeroPoints: zeroPoints)
        case 8: scales.taken(by: ck_int8_takes, columns: inputFeatures, zeroPoints: zeroPoints)
        default: false
        }
    }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures, width = wordsPerRow, bits = bits
        words.withUnsafeBufferPointer { words in
            scales.withKernelScales(zeroPoints: zeroPoints) { scales in
                if bits == 4 {
                    ck_matmul_int4(rows, outputs.lowerBound, outputs.count, k, x, k, words.baseAddress, width, scales, y, n)
                } else {
                    let bytes = UnsafeRawPointer(words.baseAddress!).assumingMemoryBound(to: UInt8.self)
                    ck_matmul_int8(rows, outputs.lowerBound, outputs.count, k, x, k, bytes, 4 * width, 0x80, scales, y, n)
                }
            }
        }
    }

    /// Unpacks the fields of the whole words of a row for a `bits` that divides 32 (inlined with
    /// a constant `bits`, so the per-word loop is unrolled); returns how many values it wrote.
    @inline(__always)
    private static func unpackWholeWords(_ source: UnsafePointer<UInt32>, into row: UnsafeMutablePointer<Float>, columns: Int, bits: Int) -> Int {
        let perWord = 32 / bits, full = columns / perWord
        let mask = (UInt32(1) << UInt32(bits)) - 1, offset = Int32(1) << (bits - 1)
        for w in 0..<full {
            let word = source[w]
            for f in 0..<perWord {
                row[w * perWord + f] = Float(Int32(bitPattern: (word >> UInt32(f * bits)) & mask) - offset)
            }
        }
        return full * perWord
    }
}

/// A linear layer over packed integer weights (W4A16, W4A16_ASYM, W8A16, ...).
typealias PackedIntLinear = CompressedLinear<PackedIntWeights>
