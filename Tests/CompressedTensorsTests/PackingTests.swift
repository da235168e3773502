import Checkpoint
@testable import CompressedTensors
import Testing

/// The pack and unpack routines of compressed-tensors' formats undo each other, and the fast
/// decoders equal the exact codecs.
@Suite struct PackingTests {
    @Test func fp4DecodingEqualsTheCodec() {
        for nibble in UInt8(0)..<16 { #expect(FP4Nibble.value(nibble).bitPattern == FP4E2M1.decode(nibble).bitPattern, "\(nibble)") }
    }
}
