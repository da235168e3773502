/// Statistics as one rank sends them: integers and floats, little-endian, in the order the
/// receiving code reads them back (``StatisticsReader``).
struct StatisticsPayload {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// `values`, preceded by their count.
    mutating func append(_ values: [Float]) {
        append(values.count)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// `values`, preceded by their count.
    mutating func append(_ values: [Double]) {
        append(values.count)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// `values`, preceded by their count.
    mutating func append(_ values: [UInt8]) {
        append(values.count)
        bytes.append(contentsOf: values)
    }
}

/// Reads a ``StatisticsPayload`` back; a payload shorter than what is read (ranks that disagree
/// on what they send) is an error, never a read past its end.
struct StatisticsReader {
    let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ count: Int) throws(ModifierError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw .mpi("a rank sent \(bytes.count) bytes of statistics where more were expected: the ranks are not running the same calibration")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func int() throws(ModifierError) -> Int {
        let raw = try take(8).withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
        return Int(Int64(littleEndian: raw))
    }

    mutating func double() throws(ModifierError) -> Double {
        let raw = try take(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        return Double(bitPattern: UInt64(littleEndian: raw))
    }

    mutating func floats() throws(ModifierError) -> [Float] { try values(of: Float.self) }

    mutating func doubles() throws(ModifierError) -> [Double] { try values(of: Double.self) }

    /// A count, then that many values of `type`, as ``StatisticsPayload`` appends an array.
    private mutating func values<Value: BitwiseCopyable>(of type: Value.Type) throws(ModifierError) -> [Value] {
        let count = try int(), size = MemoryLayout<Value>.size
        let slice = try take(count <= Int.max / size ? count * size : -1)
        return slice.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * size, as: Value.self) } }
    }

    mutating func byteArray() throws(ModifierError) -> [UInt8] {
        Array(try take(try int()))
    }
}
