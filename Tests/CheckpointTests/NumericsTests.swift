import Foundation
import Testing
@testable import Checkpoint

/// The exact numeric conversions of `Sources/Checkpoint/Numerics`, checked exhaustively against
/// PyTorch's casts (`Tests/Fixtures/casts`, see its README) and on the rounding edge cases.
@Suite struct NumericsTests {

    // MARK: - Fixtures and helpers

    static let castsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/casts")

    static func bytes(_ name: String) throws -> [UInt8] {
        let data = try Data(contentsOf: castsFolder.appendingPathComponent(name))
        return [UInt8](data)
    }

    /// A table of little-endian float32 values, as bit patterns.
    static func float32Bits(_ name: String) throws -> [UInt32] {
        let raw = try bytes(name)
        #expect(raw.count % 4 == 0)
        return stride(from: 0, to: raw.count, by: 4).map { i in
            UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24
        }
    }

    /// Indices where `actual` and `expected` differ, described (at most `limit` of them).
    static func mismatches(_ actual: (Int) -> UInt8, _ expected: [UInt8], limit: Int = 8) -> [String] {
        var found: [String] = []
        for i in expected.indices where actual(i) != expected[i] {
            found.append("0x\(String(i, radix: 16)): got 0x\(String(actual(i), radix: 16)), want 0x\(String(expected[i], radix: 16))")
            if found.count == limit { break }
        }
        return found
    }

    static func f(_ bits: UInt32) -> Float { Float(bitPattern: bits) }

    // MARK: - FP8 against PyTorch, exhaustively

    struct CastTable: CustomTestStringConvertible, Sendable {
        let file: String
        let source: @Sendable (UInt16) -> Float
        let encode: @Sendable (Float) -> UInt8
        let table: @Sendable () -> [UInt8]
        var testDescription: String { file }
    }

    static let castTables: [CastTable] = [
        CastTable(file: "bf16_to_e4m3.bin", source: { BF16.float($0) }, encode: { FP8E4M3.encode($0) }, table: { FP8E4M3.fromBF16 }),
        CastTable(file: "bf16_to_e5m2.bin", source: { BF16.float($0) }, encode: { FP8E5M2.encode($0) }, table: { FP8E5M2.fromBF16 }),
        CastTable(file: "f16_to_e4m3.bin", source: { F16.float($0) }, encode: { FP8E4M3.encode($0) }, table: { FP8E4M3.fromF16 }),
        CastTable(file: "f16_to_e5m2.bin", source: { F16.float($0) }, encode: { FP8E5M2.encode($0) }, table: { FP8E5M2.fromF16 }),
    ]

    @Test("every 16-bit code casts to FP8 as PyTorch does", arguments: castTables)
    func fp8MatchesTorchExhaustively(_ c: CastTable) throws {
        let expected = try Self.bytes(c.file)
        try #require(expected.count == 65_536)
        let viaEncode = Self.mismatches({ c.encode(c.source(UInt16($0))) }, expected)
        #expect(viaEncode.isEmpty, "encode(float(bits)) differs from \(c.file): \(viaEncode)")
        let table = c.table()
        try #require(table.count == 65_536)
        let viaTable = Self.mismatches({ table[$0] }, expected)
        #expect(viaTable.isEmpty, "lookup table differs from \(c.file): \(viaTable)")
    }

    @Test("every FP8 code decodes as PyTorch does, bit for bit", arguments: [
        ("e4m3_to_f32.bin", { FP8E4M3.decode($0) } as @Sendable (UInt8) -> Float),
        ("e5m2_to_f32.bin", { FP8E5M2.decode($0) } as @Sendable (UInt8) -> Float),
    ])
    func fp8DecodeMatchesTorch(_ file: String, _ decode: @Sendable (UInt8) -> Float) throws {
        let expected = try Self.float32Bits(file)
        try #require(expected.count == 256)
        for code in 0...255 {
            let got = decode(UInt8(code))
            let want = Self.f(expected[code])
            // Same bits (NaNs included, which PyTorch makes quiet with a given payload)...
            #expect(got.bitPattern == expected[code], "\(file) code 0x\(String(code, radix: 16)): \(got) vs \(want)")
            // ...and, stated separately, NaN exactly where PyTorch has NaN.
            #expect(got.isNaN == want.isNaN)
        }
    }

    @Test func fp8DecodeThenEncodeIsIdentityOnCodes() {
        for code in 0...255 {
            let c = UInt8(code)
            #expect(FP8E4M3.encode(FP8E4M3.decode(c)) == c, "e4m3 0x\(String(code, radix: 16))")
            #expect(FP8E5M2.encode(FP8E5M2.decode(c)) == (c & 0x7F > 0x7C ? (c & 0x80) | 0x7F : c),
                    "e5m2 0x\(String(code, radix: 16))")
        }
    }

    /// Float32 inputs that no bf16/f16 table covers, against a brute-force nearest-value search
    /// written independently of the implementation (ties to the even code, then the format's
    /// overflow rule).
    @Test func fp8EncodeMatchesBruteForceOnArbitraryFloats() {
        func bruteForce(_ x: Float, decode: (UInt8) -> Float, maxCode: UInt8, overflow: UInt8) -> UInt8 {
            let a = Double(x.magnitude)
            var best: UInt8 = 0
            var bestDistance = Double.infinity
            for code in 0...maxCode {
                let d = abs(Double(decode(code)) - a)
                if d < bestDistance || (d == bestDistance && code & 1 == 0) { best = code; bestDistance = d }
            }
            let maxValue = Double(decode(maxCode))
            let nextPower = maxValue + (maxValue - Double(decode(maxCode - 1)))  // 480 or 65536
            if a > (maxValue + nextPower) / 2 || (a == (maxValue + nextPower) / 2 && maxCode & 1 == 1) {
                best = overflow
            }
            return (x.sign == .minus ? 0x80 : 0) | best
        }
        var rng = SplitMix64(seed: 0x5EED)
        var checked = 0
        while checked < 10_000 {
            // Magnitudes spread over the whole FP8 range (2^-20 ... 2^17) with random fraction bits.
            let exponent = UInt32(107 + rng.next() % 38)
            let bits = UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF | exponent << 23
            let x = Float(bitPattern: bits)
            #expect(FP8E4M3.encode(x) == bruteForce(x, decode: FP8E4M3.decode, maxCode: 0x7E, overflow: 0x7E), "e4m3 \(x)")
            #expect(FP8E5M2.encode(x) == bruteForce(x, decode: FP8E5M2.decode, maxCode: 0x7B, overflow: 0x7C), "e5m2 \(x)")
            checked += 1
        }
    }

    // MARK: - FP8 edge cases

    @Test func e4m3EdgeCases() {
        let cases: [(Float, UInt8)] = [
            (448, 0x7E), (-448, 0xFE),
            (463.99997, 0x7E),                  // below the tie
            (464, 0x7E),                        // tie between 448 and the missing 480: even, 448
            (464.00003, 0x7E),                  // above the tie: would be 480, saturates
            (480, 0x7E), (1e6, 0x7E), (-1e6, 0xFE),
            (.infinity, 0x7E), (-.infinity, 0xFE),
            (.greatestFiniteMagnitude, 0x7E),
            (0x1p-9, 0x01),                     // smallest subnormal
            (0x1p-10, 0x00),                    // half of it: tie, to even (zero)
            (-0x1p-10, 0x80),
            (Float(0x1p-10).nextUp, 0x01), (Float(0x1p-10).nextDown, 0x00),
            (3 * 0x1p-10, 0x02),                // tie between codes 1 and 2: even
            (5 * 0x1p-10, 0x02),                // tie between codes 2 and 3: even
            (0x1p-6, 0x08),                     // smallest normal
            (0x1p-6 - 0x1p-10, 0x08),           // tie between 0x07 and 0x08: even
            (1, 0x38), (1.0625, 0x38), (Float(1.0625).nextUp, 0x39), (1.1875, 0x3A),
            (240, 0x77), (-2.5, 0xC2),
            (0, 0x00), (-0.0, 0x80),
            (.leastNonzeroMagnitude, 0x00), (-Float.leastNonzeroMagnitude, 0x80),
        ]
        for (x, code) in cases {
            #expect(FP8E4M3.encode(x) == code, "e4m3(\(x)) = 0x\(String(FP8E4M3.encode(x), radix: 16)), want 0x\(String(code, radix: 16))")
        }
        #expect(FP8E4M3.encode(.nan) == 0x7F)
        #expect(FP8E4M3.encode(-Float.nan) == 0xFF)
        #expect(FP8E4M3.encode(.signalingNaN) == 0x7F)
        #expect(FP8E4M3.decode(0x7E) == FP8E4M3.maxFinite)
        #expect(FP8E4M3.decode(0x01) == 0x1p-9)
        #expect(FP8E4M3.decode(0x80).sign == .minus && FP8E4M3.decode(0x80) == 0)
        #expect(FP8E4M3.decode(0x7F).isNaN && FP8E4M3.decode(0xFF).isNaN)
    }

    @Test func e5m2EdgeCases() {
        let cases: [(Float, UInt8)] = [
            (57344, 0x7B), (-57344, 0xFB),
            (61439.996, 0x7B),                  // below the tie
            (61440, 0x7C),                      // tie between 57344 (odd) and 65536 (inf): even, inf
            (448, 0x5F), (464, 0x5F), (480, 0x60),  // 480 is the tie between 448 (odd) and 512
            (1e6, 0x7C), (-1e6, 0xFC), (.infinity, 0x7C), (-.infinity, 0xFC),
            (0x1p-16, 0x01), (0x1p-17, 0x00), (Float(0x1p-17).nextUp, 0x01), (3 * 0x1p-17, 0x02),
            (0x1p-14, 0x04), (1, 0x3C), (1.125, 0x3C), (1.375, 0x3E),
            (0, 0x00), (-0.0, 0x80),
        ]
        for (x, code) in cases {
            #expect(FP8E5M2.encode(x) == code, "e5m2(\(x)) = 0x\(String(FP8E5M2.encode(x), radix: 16)), want 0x\(String(code, radix: 16))")
        }
        #expect(FP8E5M2.encode(.nan) == 0x7F)
        #expect(FP8E5M2.encode(-Float.nan) == 0xFF)
        #expect(FP8E5M2.decode(0x7B) == FP8E5M2.maxFinite)
        #expect(FP8E5M2.decode(0x7C) == .infinity && FP8E5M2.decode(0xFC) == -.infinity)
        #expect(FP8E5M2.decode(0x7D).isNaN && FP8E5M2.decode(0xFF).isNaN)
    }

    // MARK: - BF16

    @Test func bf16RoundTripsEveryCode() {
        var failures: [String] = []
        for code in 0...0xFFFF {
            let bits = UInt16(code)
            let x = BF16.float(bits)
            #expect(x.bitPattern == UInt32(bits) << 16)
            let back = BF16.bits(x)
            let ok = x.isNaN ? BF16.float(back).isNaN : back == bits
            if !ok && failures.count < 8 { failures.append("0x\(String(code, radix: 16)) -> 0x\(String(back, radix: 16))") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func bf16RoundingEdgeCases() {
        let cases: [(UInt32, UInt16, String)] = [
            (0x3F80_8000, 0x3F80, "tie above 1.0 (even): down"),
            (0x3F81_8000, 0x3F82, "tie above 0x3F81 (odd): up"),
            (0xBF81_8000, 0xBF82, "negative tie: up in magnitude"),
            (0x3F80_8001, 0x3F81, "just above a tie"),
            (0x3F80_7FFF, 0x3F80, "just below a tie"),
            (0x3F81_7FFF, 0x3F81, "just below an odd tie"),
            (0x3F80_FFFF, 0x3F81, "carry within the mantissa"),
            (0x3FFF_FFFF, 0x4000, "carry into the exponent"),
            (0x7F7F_0000, 0x7F7F, "largest finite bf16"),
            (0x7F7F_7FFF, 0x7F7F, "just below the overflow tie"),
            (0x7F7F_8000, 0x7F80, "overflow tie (odd): infinity"),
            (0x7F7F_FFFF, 0x7F80, "largest float: infinity"),
            (0xFF7F_FFFF, 0xFF80, "most negative float: -infinity"),
            (0x7F80_0000, 0x7F80, "infinity"),
            (0xFF80_0000, 0xFF80, "-infinity"),
            (0x0000_0001, 0x0000, "smallest subnormal: zero"),
            (0x0000_8000, 0x0000, "subnormal tie (even): zero"),
            (0x0000_8001, 0x0001, "just above the subnormal tie"),
            (0x0001_8000, 0x0002, "subnormal tie (odd): up"),
            (0x007F_FFFF, 0x0080, "largest subnormal rounds to the smallest normal"),
            (0x8000_0000, 0x8000, "-0.0"),
            (0x0000_0000, 0x0000, "+0.0"),
        ]
        for (input, want, why) in cases {
            let got = BF16.bits(Self.f(input))
            #expect(got == want, "\(why): 0x\(String(input, radix: 16)) -> 0x\(String(got, radix: 16)), want 0x\(String(want, radix: 16))")
        }
        // PyTorch's c10::BFloat16 turns every NaN into the positive quiet NaN 0x7FC0.
        for nan: UInt32 in [0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0x7FFF_FFFF, 0xFF80_1234] {
            #expect(BF16.bits(Self.f(nan)) == 0x7FC0)
        }
    }

    /// Random float32 values against an independent check: the result is one of the two
    /// bfloat16 neighbours, the nearer one, and on a tie the even one.
    @Test func bf16RoundsToNearestEvenOnRandomFloats() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<50_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard x.isFinite else { continue }
            let down = UInt16(x.bitPattern >> 16)  // truncation toward zero
            let up = down &+ 1
            let a = Double(BF16.float(down)), b = Double(BF16.float(up)), v = Double(x)
            let da = abs(v - a), db = b.isFinite ? abs(b - v) : 0x1p128 - abs(v)  // the missing next value, 2^128
            let want = da < db || (da == db && down & 1 == 0) ? down : up
            #expect(BF16.bits(x) == want, "\(x)")
        }
    }

    // MARK: - F16

    @Test func f16RoundTripsEveryCode() {
        var failures: [String] = []
        for code in 0...0xFFFF {
            let bits = UInt16(code)
            let x = F16.float(bits)
            let back = F16.bits(x)
            let ok = x.isNaN ? F16.float(back).isNaN : back == bits
            if !ok && failures.count < 8 { failures.append("0x\(String(code, radix: 16)) -> 0x\(String(back, radix: 16))") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// `Float16` (LLVM's conversions) as an independent oracle, for every non-NaN code and for
    /// random float32 inputs.
    @Test func f16AgreesWithSwiftFloat16() {
        for code in 0...0xFFFF {
            let h = Float16(bitPattern: UInt16(code))
            guard !h.isNaN else { continue }
            #expect(F16.float(UInt16(code)).bitPattern == Float(h).bitPattern, "0x\(String(code, radix: 16))")
        }
        var rng = SplitMix64(seed: 16)
        for _ in 0..<50_000 {
            // Magnitudes from 2^-30 to 2^19: below the subnormals, through them, up past 65520.
            let exponent = UInt32(97 + rng.next() % 50)
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF | exponent << 23)
            guard !x.isNaN else { continue }
            #expect(F16.bits(x) == Float16(x).bitPattern, "\(x)")
        }
    }

    @Test func f16RoundingEdgeCases() {
        let cases: [(Float, UInt16, String)] = [
            (1 + 0x1p-11, 0x3C00, "tie above 1.0 (even): down"),
            (1 + 3 * 0x1p-11, 0x3C02, "tie above 0x3C01 (odd): up"),
            (Float(1 + 0x1p-11).nextUp, 0x3C01, "just above a tie"),
            (Float(1 + 0x1p-11).nextDown, 0x3C00, "just below a tie"),
            (65504, 0x7BFF, "largest finite half"),
            (65519.996, 0x7BFF, "just below the overflow tie"),
            (65520, 0x7C00, "overflow tie (odd): infinity"),
            (1e6, 0x7C00, "overflow"), (-1e6, 0xFC00, "negative overflow"),
            (.infinity, 0x7C00, "infinity"), (-.infinity, 0xFC00, "-infinity"),
            (0x1p-24, 0x0001, "smallest subnormal"),
            (0x1p-25, 0x0000, "half of it: tie (even), zero"),
            (Float(0x1p-25).nextUp, 0x0001, "just above that tie"),
            (3 * 0x1p-25, 0x0002, "subnormal tie (odd): up"),
            (0x1p-14, 0x0400, "smallest normal"),
            (0x1p-14 - 0x1p-25, 0x0400, "tie between the largest subnormal (odd) and the smallest normal"),
            (0x1p-14 - 0x1p-24, 0x03FF, "largest subnormal"),
            (.leastNonzeroMagnitude, 0x0000, "float32 subnormal"),
            (-0.0, 0x8000, "-0.0"), (0, 0x0000, "+0.0"),
        ]
        for (x, want, why) in cases {
            let got = F16.bits(x)
            #expect(got == want, "\(why): \(x) -> 0x\(String(got, radix: 16)), want 0x\(String(want, radix: 16))")
        }
        // NaN: the quiet NaN 0x7E00 with the input's sign, as c10::Half.
        #expect(F16.bits(.nan) == 0x7E00)
        #expect(F16.bits(-Float.nan) == 0xFE00)
        #expect(F16.bits(Self.f(0x7F80_0001)) == 0x7E00)
        // Half NaNs widen quiet, keeping sign and payload.
        #expect(F16.float(0x7D00).bitPattern == 0x7FE0_0000)
        #expect(F16.float(0xFE00).bitPattern == 0xFFC0_0000)
    }

    // MARK: - Bulk conversions

    @Test func bulkConversionsMatchScalar() {
        let codes = (0...0xFFFF).map { UInt16($0) }
        var floats = [Float](repeating: 0, count: codes.count + 3)
        codes.withUnsafeBufferPointer { src in
            floats.withUnsafeMutableBufferPointer { BF16.floats(src, into: $0) }
        }
        #expect(codes.indices.allSatisfy { floats[$0].bitPattern == BF16.float(codes[$0]).bitPattern })
        #expect(floats[codes.count] == 0, "writes past the source count")

        codes.withUnsafeBufferPointer { src in
            floats.withUnsafeMutableBufferPointer { F16.floats(src, into: $0) }
        }
        let f16Bad = codes.indices.filter { floats[$0].bitPattern != F16.float(codes[$0]).bitPattern }
        #expect(f16Bad.isEmpty, "F16.floats differs at \(f16Bad.prefix(8))")

        var rng = SplitMix64(seed: 99)
        var inputs = (0..<20_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        inputs += [.nan, -.nan, .infinity, -.infinity, 0, -0.0, 0x1p-25, 65520, Self.f(0x3F80_8000)]
        var out = [UInt16](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { BF16.bits(src, into: $0) } }
        #expect(inputs.indices.allSatisfy { out[$0] == BF16.bits(inputs[$0]) })
        inputs.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { F16.bits(src, into: $0) } }
        #expect(inputs.indices.allSatisfy { out[$0] == F16.bits(inputs[$0]) })

        // Empty buffers are fine.
        BF16.floats(UnsafeBufferPointer(start: nil, count: 0), into: UnsafeMutableBufferPointer(start: nil, count: 0))
        F16.floats(UnsafeBufferPointer(start: nil, count: 0), into: UnsafeMutableBufferPointer(start: nil, count: 0))
    }

    // MARK: - E8M0

    @Test func e8m0DecodeTable() {
        #expect(E8M0.decode(0).bitPattern == 0x0040_0000)  // 2^-127, a float32 subnormal
        #expect(E8M0.decode(0) == 0x1p-127)
        #expect(E8M0.decode(127) == 1)
        #expect(E8M0.decode(128) == 2)
        #expect(E8M0.decode(126) == 0.5)
        #expect(E8M0.decode(1) == 0x1p-126)
        #expect(E8M0.decode(254) == 0x1p127)
        #expect(E8M0.decode(255).isNaN)
        for code in 1...254 {
            #expect(E8M0.decode(UInt8(code)) == Float(sign: .plus, exponent: code - 127, significand: 1))
        }
    }

    /// Matches `c10::detail::fp8e8m0fnu_from_fp32_value` (PyTorch `c10/util/Float8_e8m0fnu.h`):
    /// sign ignored, NaN/inf -> 255, the exponent rounded up from a fraction of one half for
    /// normals (ties up, the implicit bit being odd) and above one half for subnormals.
    @Test func e8m0EncodeFollowsTorch() {
        let cases: [(Float, UInt8, String)] = [
            (1, 127, "1"), (2, 128, "2"), (0.5, 126, "0.5"), (0x1p127, 254, "2^127"), (0x1p-126, 1, "2^-126"),
            (1.25, 127, "between powers, below the middle"),
            (1.4999999, 127, "just below 1.5"),
            (1.5, 128, "1.5: tie, rounds up"),
            (1.5000001, 128, "just above 1.5"),
            (1.9999999, 128, "just below 2"),
            (3, 129, "3 -> 4"), (0.75, 127, "0.75 -> 1"), (0.7, 126, "0.7 -> 0.5"),
            (6, 130, "6 -> 8"), (5.9, 129, "5.9 -> 4"),
            (-4, 129, "sign ignored"), (-1.5, 128, "sign ignored, tie up"),
            (0, 0, "zero -> code 0 (2^-127)"), (-0.0, 0, "-0.0 -> code 0"),
            (0x1p-127, 0, "2^-127 (subnormal, tie with an even implicit bit): stays 0"),
            (Float(0x1p-127).nextUp, 1, "just above 2^-127: 2^-126"),
            (0x1p-128, 0, "2^-128"), (.leastNonzeroMagnitude, 0, "smallest subnormal"),
            (0x1.7FFFFEp127, 254, "just below 1.5 * 2^127"),
            (0x1.8p127, 255, "1.5 * 2^127 rounds past 2^127: NaN"),
            (.greatestFiniteMagnitude, 255, "largest float: NaN"),
            (.infinity, 255, "inf"), (-.infinity, 255, "-inf"),
        ]
        for (x, want, why) in cases {
            #expect(E8M0.encode(x) == want, "\(why): \(x) -> \(E8M0.encode(x)), want \(want)")
        }
        #expect(E8M0.encode(.nan) == 255)
        #expect(E8M0.encode(-Float.nan) == 255)
        for code in 0...255 {
            #expect(E8M0.encode(E8M0.decode(UInt8(code))) == UInt8(code))
        }
    }

    // MARK: - FP4 E2M1

    @Test func fp4DecodeTable() {
        let magnitudes: [Float] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
        for nibble in 0..<16 {
            let v = FP4E2M1.decode(UInt8(nibble))
            #expect(v.magnitude == magnitudes[nibble & 7])
            #expect((v.sign == .minus) == (nibble >= 8), "nibble \(nibble)")
            #expect(FP4E2M1.decode(UInt8(nibble) | 0xF0) == v, "high bits ignored")
        }
        #expect(FP4E2M1.decode(8).bitPattern == (-Float(0)).bitPattern)
    }

    /// Matches compressed-tensors 0.19 `cast_to_fp4` (CPU path, `quantization/utils/fp4_utils.py`)
    /// followed by `pack_fp4_to_uint8` (`compressors/nvfp4/helpers.py`): nearest value, ties to
    /// the even code, saturating at 6, sign bit when `x < 0`.
    @Test func fp4EncodeFollowsCompressedTensors() {
        let exact: [(Float, UInt8)] = [(0, 0), (0.5, 1), (1, 2), (1.5, 3), (2, 4), (3, 5), (4, 6), (6, 7)]
        for (x, code) in exact {
            #expect(FP4E2M1.encode(x) == code, "\(x)")
            #expect(FP4E2M1.encode(-x) == (x == 0 ? 0 : code | 8), "-\(x)")
        }
        // Midpoints: (value, code of the tie, code just below, code just above).
        let ties: [(Float, UInt8, UInt8, UInt8)] = [
            (0.25, 0, 0, 1), (0.75, 2, 1, 2), (1.25, 2, 2, 3), (1.75, 4, 3, 4),
            (2.5, 4, 4, 5), (3.5, 6, 5, 6), (5, 6, 6, 7),
        ]
        for (m, tie, below, above) in ties {
            #expect(FP4E2M1.encode(m) == tie, "tie \(m)")
            #expect(tie & 1 == 0, "ties go to the even code")
            #expect(FP4E2M1.encode(m.nextDown) == below, "below \(m)")
            #expect(FP4E2M1.encode(m.nextUp) == above, "above \(m)")
            #expect(FP4E2M1.encode(-m) == tie | 8, "-tie \(m)")
        }
        let more: [(Float, UInt8, String)] = [
            (0.6, 1, "between powers"), (2.7, 5, ""), (4.9, 6, ""), (5.5, 7, ""),
            (6.5, 7, "saturates"), (1e9, 7, "saturates"), (.infinity, 7, "inf saturates"),
            (-7, 0xF, "negative saturates"), (-.infinity, 0xF, "-inf"),
            (-3.2, 0xD, "negative"),
            (-0.1, 0x8, "negative that rounds to zero keeps the sign: sign(x) * 0 = -0.0"),
            (-0.25, 0x8, "negative tie to zero"),
            (-0.0, 0x0, "torch.sign(-0.0) is +0, so -0.0 packs as +0"),
            (.leastNonzeroMagnitude, 0, "tiny"),
        ]
        for (x, want, why) in more {
            #expect(FP4E2M1.encode(x) == want, "\(why): \(x) -> \(FP4E2M1.encode(x)), want \(want)")
        }
        #expect(FP4E2M1.encode(.nan) == 0)
        #expect(FP4E2M1.encode(-Float.nan) == 0)
        for nibble in UInt8(0)..<16 where nibble != 8 {
            #expect(FP4E2M1.encode(FP4E2M1.decode(nibble)) == nibble)
        }
    }
}

/// A small deterministic generator, so random-input tests are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The branch-free E4M3 encoder used on hot paths agrees with the reference encoder.
@Suite struct FP8E4M3FiniteTests {
    @Test func agreesOnEveryNonNaNBF16AndF16Code() {
        for code in 0...0xFFFF {
            let b = BF16.float(UInt16(code)), h = F16.float(UInt16(code))
            if !b.isNaN { #expect(FP8E4M3.encodeFinite(b) == FP8E4M3.encode(b), "bf16 \(code)") }
            if !h.isNaN { #expect(FP8E4M3.encodeFinite(h) == FP8E4M3.encode(h), "f16 \(code)") }
        }
    }

    @Test func agreesOnFloat32Values() {
        var state: UInt32 = 12345
        for _ in 0..<1_000_000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            // Magnitudes from 2^-20 to 2^12, all fraction bits random: exercises every rounding case.
            let bits = (state & 0x807F_FFFF) | ((107 + (state >> 23) % 33) << 23)
            let v = Float(bitPattern: bits)
            #expect(FP8E4M3.encodeFinite(v) == FP8E4M3.encode(v), "\(v)")
        }
    }
}
