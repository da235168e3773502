/// A row-major matrix of f32 values, e.g. logits `[tokens, vocabulary]`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// `rows × columns` values, row by row.
    public var values: [Float]

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        values = [Float](repeating: 0, count: rows * columns)
    }

    /// A matrix whose values `fill` writes (all `rows × columns` of them) through a raw pointer.
    init(rows: Int, columns: Int, fill: (UnsafeMutablePointer<Float>) -> Void) {
        self.rows = rows
        self.columns = columns
        values = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, initialized in
            fill(buffer.baseAddress!)
            initialized = rows * columns
        }
    }

    /// One row.
    public subscript(row: Int) -> ArraySlice<Float> { values[row * columns..<(row + 1) * columns] }
}
