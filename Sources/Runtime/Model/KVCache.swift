/// The keys and values of every position a model has seen, per layer, so that later tokens attend
/// to them without recomputing. Keys are stored after the rotation.
///
/// Each layer holds `count × width` keys and as many values, row-major (`width` is
/// `num_key_value_heads × head_dim`). Sliding-window layers keep every position and mask the old
/// ones out. Memory grows as positions come, doubling when full, so it stays within twice what
/// the positions cached need (beyond the capacity reserved at the start).
public final class KVCache {
    /// The number of positions cached.
    public private(set) var count = 0
    /// The positions the cache holds memory for.
    public var capacity: Int { keys.first.map { $0.capacity / width } ?? 0 }
    /// Values per position of one layer's keys (or values).
    public let width: Int
    var keys: [[Float]]
    var values: [[Float]]

    /// An empty cache for `layers` layers, with room reserved for `capacity` positions.
    public init(layers: Int, width: Int, capacity: Int = 0) {
        self.width = width
        keys = Array(repeating: [], count: layers)
        values = Array(repeating: [], count: layers)
        if capacity > 0 {
            for l in 0..<layers {
                keys[l].reserveCapacity(capacity * width)
                values[l].reserveCapacity(capacity * width)
            }
        }
    }

    /// Appends `rows` positions to `layer`, reading keys and values `stride` values apart.
    func append(layer: Int, rows: Int, keys newKeys: UnsafePointer<Float>, values newValues: UnsafePointer<Float>, stride: Int) {
        for r in 0..<rows {
            keys[layer].append(contentsOf: UnsafeBufferPointer(start: newKeys + r * stride, count: width))
            values[layer].append(contentsOf: UnsafeBufferPointer(start: newValues + r * stride, count: width))
        }
    }

    /// Records that every layer now holds `rows` more positions.
    func advance(by rows: Int) { count += rows }

    /// Forgets everything, keeping the memory.
    public func clear() {
        for l in keys.indices {
            keys[l].removeAll(keepingCapacity: true)
            values[l].removeAll(keepingCapacity: true)
        }
        count = 0
    }
}
