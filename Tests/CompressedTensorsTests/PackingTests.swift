import Checkpoint
@testable import CompressedTensors
import Testing

/// The pack and unpack routines of compressed-tensors' formats undo each other, and the fast
/// decoders equal the exact codecs.
@Suite struct PackingTests {
    @Test func fp4DecodingEqualsTheCodec() {
        for nibble in UInt8(0)..<16 { #expect(FP4Nibble.value(nibble).bitPattern == FP4E2M1.decode(nibble).bitPattern, "\(nibble)") }
    }

    /// Every FP4 value packed two a byte reads back from the byte's pair, low nibble first.
    @Test func fp4PairsUnpackWhatPackWrote() {
        let values = (0..<16).map { FP4E2M1.decode(UInt8($0)) }
        for low in values {
            for high in values {
                var byte: UInt8 = 0
                [low, high].withUnsafeBufferPointer { FP4Nibble.pack($0.baseAddress!, count: 2, into: &byte) }
                let pair = FP4Nibble.pairs[Int(byte)]
                // -0 packs as +0, as compressed-tensors casts it: compared as values, they are equal.
                #expect(pair[0] == low && pair[1] == high, "\(low), \(high)")
            }
        }
    }

    /// Rows and columns of 1- to 8-bit values packed along dimension 0 (zero points) read back,
    /// whether or not a value straddles two words.
    @Test(arguments: 1...8) func columnsUnpackWhatPackColumnsWrote(_ bits: Int) {
        let rows = 37, columns = 5
        let low = -(1 << (bits - 1)), high = (1 << (bits - 1)) - 1
        let values = (0..<(rows * columns)).map { Int8(low + ($0 * 7 + $0 / 3) % (high - low + 1)) }
        var words = [UInt32](repeating: 0, count: Int32Packing.wordCount(rows, bits: bits) * columns)
        values.withUnsafeBufferPointer { v in
            words.withUnsafeMutableBufferPointer { Int32Packing.packColumns(v.baseAddress!, rows: rows, columns: columns, bits: bits, into: $0.baseAddress!) }
        }
        #expect(Int32Packing.unpackColumns(words, rows: rows, columns: columns, bits: bits) == values.map(Int32.init))
    }

    /// A row packed along dimension 1 reads back field by field and through the whole-word fast path.
    @Test(arguments: [2, 3, 4, 8]) func rowsUnpackWhatPackWrote(_ bits: Int) {
        let count = 61
        let low = -(1 << (bits - 1)), span = 1 << bits
        let values = (0..<count).map { Int8(low + ($0 * 5 + 1) % span) }
        let width = Int32Packing.wordCount(count, bits: bits)
        var words = [UInt32](repeating: 0, count: width)
        values.withUnsafeBufferPointer { v in words.withUnsafeMutableBufferPointer { Int32Packing.pack(v.baseAddress!, count: count, bits: bits, into: $0.baseAddress!) } }
        words.withUnsafeBufferPointer { w in
            #expect((0..<count).map { Int32Packing.field(w.baseAddress!, index: $0, bits: bits, count: width) } == values.map(Int32.init))
            var row = [Float](repeating: .nan, count: count)
            let done = 32 % bits == 0 ? Int32Packing.unpackWholeWords(w.baseAddress!, into: &row, columns: count, bits: bits) : 0
            #expect(zip(row.prefix(done), values).allSatisfy { $0 == Float($1) })
        }
    }
}
