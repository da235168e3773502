import CUDA

/// An ``RMSNorm`` on the GPU (`rms_norm_f32`): its effective weight uploaded once.
struct CUDANorm {
    let weight: DeviceBuffer
    let width: Int
    let epsilon: Float

    init(_ norm: RMSNorm, context: CUDAContext) throws(CUDAError) {
        weight = try context.buffer(norm.weight)
        width = norm.weight.count
        epsilon = norm.epsilon
    }

    /// Normalizes `rows` packed rows of `x` into `y` (which may be `x`).
    func apply(_ x: DeviceBuffer, rows: Int, into y: DeviceBuffer, context: CUDAContext) throws(CUDAError) {
        try context.launch("rms_norm_f32", .perRow(rows: rows), [
            .pointer(x), .pointer(weight), .pointer(y), .int32(Int32(width)), .int64(Int64(width)), .float(epsilon),
        ])
    }
}
