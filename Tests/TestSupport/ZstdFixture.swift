import CZstd

/// Zstandard data made in a test with libzstd, so that no large fixture is stored.
public enum ZstdFixture {
    /// One frame holding `count` copies of `chunk`: a few kilobytes that expand to
    /// `count × chunk.count` bytes (a "zstd bomb" when that is large).
    public static func frame(repeating chunk: [UInt8], count: Int) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { preconditionFailure("libzstd cannot create a compression context") }
        defer { ZSTD_freeCCtx(context) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        for i in 0..<count {
            let directive = i == count - 1 ? ZSTD_e_end : ZSTD_e_continue
            chunk.withUnsafeBytes { source in
                var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
                var remaining = 1
                while input.pos < input.size || (directive == ZSTD_e_end && remaining != 0) {
                    buffer.withUnsafeMutableBytes { target in
                        var out = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                        remaining = ZSTD_compressStream2(context, &out, &input, directive)
                        precondition(ZSTD_isError(remaining) == 0, "zstd compression failed")
                        output += target.prefix(out.pos)
                    }
                }
            }
        }
        return output
    }
}
