import CUDA

/// A runtime ``Linear`` on the GPU: its f32 weights uploaded once, multiplied by cuBLAS SGEMM in FP32
/// (then `add_bias_rows_f32` for a bias), each input first rounded as the CPU runtime rounds it. Projections whose inputs are rounded alike
/// (`[q | k | v]` or `[gate | up]` of one scheme) are stacked into one weight and one launch; others
/// each write their own columns of the output rows.
struct CUDALinear {
    /// Projections multiplied together: a weight of `outputs` rows, their biases, their input's rounding.
    struct Projection {
        let weight: DeviceBuffer
        let bias: DeviceBuffer?
        let outputs: Int
        let input: CUDAInputQuantization?
    }

    let inputFeatures: Int
    let outputFeatures: Int
    let projections: [Projection]

    /// Decodes `linear` on the host and uploads it.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` naming `module` for a layer or input
    ///   quantization the backend does not run; ``RuntimeError/cuda(_:)`` for an upload that fails.
    init(_ linear: any Linear, module: String, context: CUDAContext) throws(RuntimeError) {
        let groups = try Self.groups(DecodedProjection.projections(of: linear, module: module), module: module)
        inputFeatures = linear.inputFeatures
        outputFeatures = linear.outputFeatures
        do {
            projections = try groups.map { group throws(CUDAError) in
                let parts = group.parts
                let bias = parts.contains { $0.bias != nil }
                    ? parts.flatMap { $0.bias ?? [Float](repeating: 0, count: $0.outputs) } : nil
                return Projection(
                    weight: try context.buffer(parts.count == 1 ? parts[0].weight : parts.flatMap(\.weight)),
                    bias: try bias.map { b throws(CUDAError) in try context.buffer(b) },
                    outputs: parts.reduce(0) { $0 + $1.outputs }, input: group.input)
            }
        } catch { throw .cuda(error) }
    }

    /// `projections` in runs of neighbours whose inputs are rounded alike, each run multiplied as one weight.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` naming `module` for an input rounding the kernels do not compute.
    static func groups(_ projections: [DecodedProjection], module: String) throws(RuntimeError)
        -> [(input: CUDAInputQuantization?, parts: [DecodedProjection])] {
        var groups: [(input: CUDAInputQuantization?, parts: [DecodedProjection])] = []
        for part in projections {
            let input = try part.activations.map { q throws(RuntimeError) in try CUDAInputQuantization(q, module: module) }
            if let last = groups.indices.last, groups[last].input == input {
                groups[last].parts.append(part)
            } else {
                groups.append((input, [part]))
            }
        }
        return groups
    }

    /// `y = x·Wᵀ + b` for `rows` packed rows of `x`, into packed rows of `y`; `scratch` holds the
    /// rounded input when a projection rounds it.
    func apply(_ x: DeviceBuffer, rows: Int, into y: DeviceBuffer, scratch: DeviceBuffer, context: CUDAContext) throws(CUDAError) {
        var column = 0
        var rounded: CUDAInputQuantization? = nil
        for projection in projections {
            var input = x
            if let quantization = projection.input {
                if rounded != quantization {
                    try quantization.apply(x, rows: rows, columns: inputFeatures, into: scratch, context: context)
                    rounded = quantization
                }
                input = scratch
            }
            try Self.multiply(input, rowStride: inputFeatures, rows: rows, weight: projection.weight, bias: projection.bias,
                              outputs: projection.outputs, inputs: inputFeatures, into: y, offset: column, outputStride: outputFeatures,
                              context: context)
            column += projection.outputs
        }
    }

    /// `y[r, offset + o] = Σ_c x[r, c] · weight[o, c] + bias[o]` for `rows` rows of `x` (`rowStride`
    /// floats apart) into rows of `y` `outputStride` floats apart, the other columns untouched:
    /// ``CUDAContext/matmul(x:rowStride:rows:weight:outputs:inputs:into:offset:outputStride:)``, then
    /// `add_bias_rows_f32` when there is a bias.
    static func multiply(_ x: DeviceBuffer, rowStride: Int, rows: Int, weight: DeviceBuffer, bias: DeviceBuffer?, outputs: Int, inputs: Int,
                         into y: DeviceBuffer, offset: Int, outputStride: Int, context: CUDAContext) throws(CUDAError) {
        try context.matmul(x: x, rowStride: rowStride, rows: rows, weight: weight, outputs: outputs, inputs: inputs, into: y, offset: offset,
                           outputStride: outputStride)
        guard let bias, rows > 0 else { return }
        try context.launch("add_bias_rows_f32", .elementwise(count: rows * outputs), [
            .pointer(y, offset: 4 * offset), .int64(Int64(outputStride)), .pointer(bias), .int32(Int32(rows)), .int32(Int32(outputs)),
        ])
    }
}
