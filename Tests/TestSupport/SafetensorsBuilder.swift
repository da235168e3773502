/// Builds safetensors files byte by byte, well-formed or deliberately broken, for tests.
public enum SafetensorsBuilder {
    /// A file whose header is exactly `header` (no padding), preceded by `declaredLength` (default:
    /// the header's true length), followed by `data`.
    public static func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        var length = (declaredLength ?? UInt64(headerBytes.count)).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + headerBytes + data
    }

    /// A header entry: `"name":{"dtype":..,"shape":[..],"data_offsets":[a,b]}`.
    public static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}"
    }

    /// A whole header object from entries.
    public static func header(_ entries: [String]) -> String { "{" + entries.joined(separator: ",") + "}" }
}
