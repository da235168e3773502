extension Checkpoint {
    /// Elements `elements` (row-major) of `tensor`, a BF16, F16 or F32 tensor, widened to f32 at
    /// `destination`. Mapped data that is not aligned for its dtype is copied first.
    /// - Precondition: the dtype is BF16, F16 or F32 and `elements` lies within the tensor.
    public func widen(_ tensor: Tensor, elements: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let stride = tensor.info.dtype == .f32 ? 4 : 2
        precondition(tensor.info.dtype.isQuantizableFloat, "widen: \(tensor.info.dtype) is not a float dtype")
        precondition(elements.lowerBound >= 0 && elements.upperBound <= tensor.info.elementCount, "widen: elements outside the tensor")
        let bytes = UnsafeRawBufferPointer(rebasing: data(tensor)[(elements.lowerBound * stride)..<(elements.upperBound * stride)])
        let out = UnsafeMutableBufferPointer(start: destination, count: elements.count)
        switch tensor.info.dtype {
        case .bf16: Self.withAligned(bytes, of: UInt16.self) { BF16.floats($0, into: out) }
        case .f16: Self.withAligned(bytes, of: UInt16.self) { F16.floats($0, into: out) }
        default: UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes)
        }
    }

    /// The values of an I64 or I32 tensor (such as a packed weight's `weight_shape`), or nil for other dtypes.
    public func integers(_ tensor: Tensor) -> [Int]? {
        let bytes = data(tensor), count = tensor.info.elementCount
        switch tensor.info.dtype {
        case .i64: return (0..<count).map { Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        case .i32: return (0..<count).map { Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        default: return nil
        }
    }

    /// Calls `body` with `bytes` as values of `T`, copying them first when they are not aligned for `T`.
    private static func withAligned<T>(_ bytes: UnsafeRawBufferPointer, of _: T.Type, _ body: (UnsafeBufferPointer<T>) -> Void) {
        let count = bytes.count / MemoryLayout<T>.stride
        if let base = bytes.baseAddress, Int(bitPattern: base) % MemoryLayout<T>.alignment == 0 {
            body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: T.self), count: count))
        } else {
            let copy = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
            defer { copy.deallocate() }
            UnsafeMutableRawBufferPointer(copy).copyMemory(from: bytes)
            body(UnsafeBufferPointer(copy))
        }
    }
}
