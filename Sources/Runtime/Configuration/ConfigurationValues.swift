import Checkpoint

/// Reads of config.json values that refuse, naming the key, what no model holds: sizes and counts
/// outside 1...2^40 (``TensorInfo/largestDimension``, the bound `compress verify` puts on a
/// weight's dimensions, so that no size arithmetic overflows) and numbers that are not positive
/// and finite.
extension KeyedDecodingContainer {
    /// The size or count at `key`.
    func decodeSize(forKey key: Key) throws -> Int {
        try size(decode(Int.self, forKey: key), forKey: key)
    }

    /// The size or count at `key`, nil when absent or null.
    func decodeSizeIfPresent(forKey key: Key) throws -> Int? {
        guard let value = try decodeIfPresent(Int.self, forKey: key) else { return nil }
        return try size(value, forKey: key)
    }

    /// `value`, read at `key`, when it is a size from 1 to 2^40.
    func size(_ value: Int, forKey key: Key) throws -> Int {
        guard (1...TensorInfo.largestDimension).contains(value) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(value) is not a size from 1 to 2^40")
        }
        return value
    }

    /// The positive finite number at `key`, nil when absent or null.
    func decodePositiveIfPresent<T: BinaryFloatingPoint & Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = try decodeIfPresent(T.self, forKey: key) else { return nil }
        guard value > 0, value.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(value) is not a positive finite number")
        }
        return value
    }
}
