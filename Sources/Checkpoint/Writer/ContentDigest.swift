/// A 64-bit FNV-1a digest of bytes, as 16 hex digits: enough to tell apart the plans of split
/// runs that differ by accident (another recipe, another model), not a defence against forgery.
public struct ContentDigest: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01b3
        }
    }

    /// Adds `text`'s UTF-8 bytes and a terminating zero byte, so that ("ab", "c") and ("a", "bc")
    /// differ.
    public mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { add($0) }
    }

    public var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The digest of `parts`, each added as text.
    public static func of(_ parts: [String]) -> String {
        var digest = ContentDigest()
        for part in parts { digest.add(part) }
        return digest.hex
    }
}
