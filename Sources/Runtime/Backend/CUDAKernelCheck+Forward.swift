import CUDA

/// The kernels of ``CUDADecoderModel``'s forward pass against the CPU runtime's code, and the model
/// itself against ``DecoderModel``.
extension CUDAKernelCheck {
    /// Every forward-pass kernel case.
    mutating func forwardKernels() throws(CUDAError) {
        try linear(rows: 70, outputs: 130, columns: 100, bias: true)
        try linear(rows: 5, outputs: 64, columns: 2048, bias: false)
        try linear(rows: 1, outputs: 300, columns: 1024, bias: true)
        try linear(rows: 256, outputs: 1000, columns: 1024, bias: true)
        try addBiasRows(rows: 9, outputs: 300)
        try add(count: 1000)
        for activation in [Activation.silu, .geluTanh, .gelu] { try gatedActivation(rows: 9, inner: 300, activation: activation) }
        try copyRows(rows: 13, width: 96, sourceStride: 200, destinationStride: 100)
        for grid in [ActivationQuantization.Grid.fp8, .int8] {
            try fakeQuantization(rows: 9, width: 1000, quantization: ActivationQuantization(grid: grid, scale: .token))
            try fakeQuantization(rows: 9, width: 1000, quantization: ActivationQuantization(grid: grid, scale: .fixed(0.02)))
        }
        try fakeQuantization(rows: 9, width: 1000, quantization: ActivationQuantization(grid: .int8, scale: .fixed(0.02), zeroPoint: 7))
    }

    /// ``CUDALinear/multiply(_:rowStride:rows:weight:bias:outputs:inputs:into:offset:outputStride:context:)``
    /// (cuBLAS SGEMM, then `add_bias_rows_f32`) from rows of x 5 floats wider than its inputs into columns
    /// 3... of rows of y 7 wider than its outputs, against ``DenseLinear``; the other columns of y must keep their values.
    mutating func linear(rows: Int, outputs: Int, columns: Int, bias: Bool) throws(CUDAError) {
        let weight = values(outputs * columns, scale: 0.05), b = bias ? values(outputs) : nil
        let xStride = columns + 5, stride = outputs + 7, offset = 3
        let x = values(rows * xStride), before = values(rows * stride)
        let packed = (0..<rows).flatMap { x[$0 * xStride..<$0 * xStride + columns] }
        var expected = [Float](repeating: 0, count: rows * outputs)
        DenseLinear(weight: weight, bias: b, outputFeatures: outputs, inputFeatures: columns).apply(packed, rows: rows, into: &expected)
        let output = try context.buffer(before)
        try CUDALinear.multiply(try context.buffer(x), rowStride: xStride, rows: rows, weight: try context.buffer(weight),
                                bias: try b.map { v throws(CUDAError) in try context.buffer(v) }, outputs: outputs, inputs: columns,
                                into: output, offset: offset, outputStride: stride, context: context)
        let all = try output.download(rows * stride, as: Float.self)
        // The product's columns, then the others with the values they held.
        var got: [Float] = [], outside: [Float] = [], kept: [Float] = []
        for r in 0..<rows {
            for c in 0..<stride {
                if (offset..<offset + outputs).contains(c) {
                    got.append(all[r * stride + c])
                } else {
                    outside.append(all[r * stride + c])
                    kept.append(before[r * stride + c])
                }
            }
        }
        let name = "cublasSgemm_v2 \(rows)x\(columns) (rows \(xStride) apart) -> \(outputs)\(bias ? " + bias" : "") into columns \(offset)... of \(stride)"
        record(name, got: got, expected: expected, tolerance: 1e-5)
        record(name + ": other columns kept", got: outside, expected: kept, tolerance: 0)
    }

    /// `add_bias_rows_f32` into columns 4... of rows wider than the bias (exact: one f32 addition each).
    mutating func addBiasRows(rows: Int, outputs: Int) throws(CUDAError) {
        let stride = outputs + 9, offset = 4
        let y = values(rows * stride), bias = values(outputs)
        var expected = y
        for r in 0..<rows {
            for o in 0..<outputs { expected[r * stride + offset + o] += bias[o] }
        }
        let buffer = try context.buffer(y)
        try context.launch("add_bias_rows_f32", .elementwise(count: rows * outputs), [
            .pointer(buffer, offset: 4 * offset), .int64(Int64(stride)), .pointer(try context.buffer(bias)), .int32(Int32(rows)),
            .int32(Int32(outputs)),
        ])
        record("add_bias_rows_f32 \(rows)x\(outputs) into columns \(offset)... of \(stride)", got: try buffer.download(y.count, as: Float.self),
               expected: expected, tolerance: 0)
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
