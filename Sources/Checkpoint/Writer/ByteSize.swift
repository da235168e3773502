/// Sizes written as people write them: "5GB", "500MB", "2GiB", "1000000".
public enum ByteSize {
    /// Parses `text`; decimal units (KB, MB, GB, TB) are powers of 1000 as in transformers, binary
    /// ones (KiB, MiB, GiB, TiB) powers of 1024. Returns nil for anything else or for zero.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("TIB", 1 << 40),
                                      ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            return scaled(String(trimmed.dropLast(suffix.count)), factor)
        }
        return scaled(trimmed, 1)
    }

    private static func scaled(_ number: String, _ factor: Int) -> Int? {
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else { return nil }
        let bytes = value * Double(factor)
        guard bytes >= 1, bytes < 9e18 else { return nil }
        return Int(bytes)
    }
}
