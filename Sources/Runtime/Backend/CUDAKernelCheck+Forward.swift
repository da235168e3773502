import CUDA

/// The kernels of ``CUDADecoderModel``'s forward pass against the CPU runtime's code, and the model
/// itself against ``DecoderModel``.
extension CUDAKernelCheck {
    /// Every forward-pass kernel case.
    mutating func forwardKernels() throws(CUDAError) {
        try linear(rows: 70, outputs: 130, columns: 100, bias: true)
        try linear(rows: 5, outputs: 64, columns: 2048, bias: false)
        try add(count: 1000)
        for activation in [Activation.silu, .geluTanh, .gelu] { try gatedActivation(rows: 9, inner: 300, activation: activation) }
        try copyRows(rows: 13, width: 96, sourceStride: 200, destinationStride: 100)
        for grid in [ActivationQuantization.Grid.fp8, .int8] {
            try fakeQuantization(rows: 9, width: 1000, quantization: ActivationQuantization(grid: grid, scale: .token))
            try fakeQuantization(rows: 9, width: 1000, quantization: ActivationQuantization(grid: grid, scale: .fixed(0.02)))
        }
        try fakeQuantization(rows: 9, width: 1000, quantization: ActivationQuantization(grid: .int8, scale: .fixed(0.02), zeroPoint: 7))
    }

    /// `linear_f32` into columns 3... of rows 7 wider than its outputs, against ``DenseLinear``.
    mutating func linear(rows: Int, outputs: Int, columns: Int, bias: Bool) throws(CUDAError) {
        let weight = values(outputs * columns, scale: 0.05), x = values(rows * columns), b = bias ? values(outputs) : nil
        var expected = [Float](repeating: 0, count: rows * outputs)
        DenseLinear(weight: weight, bias: b, outputFeatures: outputs, inputFeatures: columns).apply(x, rows: rows, into: &expected)
        let stride = outputs + 7, offset = 3
        let output = try context.buffer([Float](repeating: 0, count: rows * stride))
        try context.launch("linear_f32", .linear(rows: rows, outputs: outputs), [
            .pointer(try context.buffer(x)), .int64(Int64(columns)), .int32(Int32(rows)), .pointer(try context.buffer(weight)),
            .int32(Int32(outputs)), .int32(Int32(columns)), .pointer(try b.map { v throws(CUDAError) in try context.buffer(v) }),
            .pointer(output, offset: 4 * offset), .int64(Int64(stride)),
        ])
        let all = try output.download(rows * stride, as: Float.self)
        // The launch's columns, then the others, which must stay zero.
        var got: [Float] = [], outside: [Float] = []
        for r in 0..<rows {
            for c in 0..<stride {
                let value = all[r * stride + c]
                if (offset..<offset + outputs).contains(c) { got.append(value) } else { outside.append(value) }
            }
        }
        record("linear_f32 \(rows)x\(columns) -> \(outputs)\(bias ? " + bias" : "") into columns \(offset)... of \(stride)",
               got: got + outside, expected: expected + [Float](repeating: 0, count: outside.count), tolerance: 1e-5)
    }

    mutating func add(count: Int) throws(CUDAError) {
        let x = values(count), y = values(count)
        let buffer = try context.buffer(y)
        try context.launch("add_f32", .elementwise(count: count), [.pointer(buffer), .pointer(try context.buffer(x)), .int64(Int64(count))])
        record("add_f32 \(count)", got: try buffer.download(count, as: Float.self), expected: zip(y, x).map { $0 + $1 }, tolerance: 0)
    }

    /// `gated_activation_f32` against ``Activation/gatedProduct(gate:up:out:count:)``, row by row.
    mutating func gatedActivation(rows: Int, inner: Int, activation: Activation) throws(CUDAError) {
        let gateUp = values(rows * 2 * inner, scale: 3)
        var expected = [Float](repeating: 0, count: rows * inner)
        gateUp.withUnsafeBufferPointer { g in
            expected.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows {
                    let row = g.baseAddress! + r * 2 * inner
                    activation.gatedProduct(gate: row, up: row + inner, out: out.baseAddress! + r * inner, count: inner)
                }
            }
        }
        let output = try context.buffer(bytes: 4 * rows * inner)
        try context.launch("gated_activation_f32", .elementwise(count: rows * inner), [
            .pointer(try context.buffer(gateUp)), .pointer(output), .int32(Int32(rows)), .int32(Int32(inner)),
            .int32(CUDADecoderLayer.activationCode(activation)),
        ])
        record("gated_activation_f32 \(activation) \(rows)x\(inner)", got: try output.download(rows * inner, as: Float.self),
               expected: expected, tolerance: 1e-5)
    }

    mutating func copyRows(rows: Int, width: Int, sourceStride: Int, destinationStride: Int) throws(CUDAError) {
        let x = values(rows * sourceStride)
        let output = try context.buffer([Float](repeating: 0, count: rows * destinationStride))
        try context.launch("copy_rows_f32", .elementwise(count: rows * width), [
            .pointer(try context.buffer(x), offset: 4 * 5), .int64(Int64(sourceStride)), .pointer(output), .int64(Int64(destinationStride)),
            .int32(Int32(rows)), .int32(Int32(width)),
        ])
        var expected = [Float](repeating: 0, count: rows * destinationStride)
        for r in 0..<rows {
            for c in 0..<width { expected[r * destinationStride + c] = x[r * sourceStride + 5 + c] }
        }
        record("copy_rows_f32 \(rows)x\(width), strides \(sourceStride) -> \(destinationStride)",
               got: try output.download(rows * destinationStride, as: Float.self), expected: expected, tolerance: 0)
    }

    /// The `fake_quantize_*` kernel of `quantization` against its CPU emulation.
    mutating func fakeQuantization(rows: Int, width: Int, quantization: ActivationQuantization) throws(CUDAError) {
        var x = [Float](repeating: 0, count: width)  // a zero row first
        for r in 1..<rows { x += values(width, scale: Float(1 << r) / 64) }
        var expected = x
        quantization.apply(&expected, rows: rows, columns: width)
        let output = try context.buffer(bytes: 4 * x.count)
        guard let input = try? CUDAInputQuantization(quantization, module: "check") else {
            return record("fake quantization \(quantization.grid) \(quantization.scale): not run on cuda", got: [], expected: expected, tolerance: 0)
        }
        try input.apply(try context.buffer(x), rows: rows, columns: width, into: output, context: context)
        record("fake quantization \(input) \(rows)x\(width)", got: try output.download(x.count, as: Float.self), expected: expected, tolerance: 1e-6)
    }

    /// ``CUDADecoderModel`` against `model` on the CPU: the logits of windows of `lengths` seeded
    /// random tokens, run one after another (so that a window reuses or grows the last one's buffers).
    mutating func model(_ model: DecoderModel, name: String, lengths: [Int] = [37, 20, 100]) throws(RuntimeError) {
        let gpu = try CUDADecoderModel(model, context: context)
        for length in lengths {
            let tokens = (0..<length).map { _ in Int.random(in: 0..<model.vocabularySize, using: &random) }
            let expected = try model.logits(tokens).values
            record("model \(name): logits of \(length) tokens", got: try gpu.logits(tokens).values, expected: expected, tolerance: 1e-4)
        }
    }
}
