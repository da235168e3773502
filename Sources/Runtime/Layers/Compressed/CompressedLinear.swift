import CompressedTensors

/// A linear layer whose weight stays compressed in memory: each call dequantizes a tile of
/// weight rows at a time into an f32 scratch buffer and multiplies it (with OpenBLAS, or for a
/// few rows with dot products on every core), so no decompressed copy of the whole weight ever
/// exists.
///
/// When the scheme quantizes activations (W8A8: FP8 or INT8), the input is first quantized and
/// dequantized as the checkpoint's `input_activations` say, which gives in f32 exactly the
/// numbers an FP8/INT8 kernel multiplies.
struct CompressedLinear<Weights: WeightDecoder>: Linear {
    let weights: Weights
    let activations: ActivationQuantization?
    /// `outputFeatures` values, or nil.
    let bias: [Float]?

    var inputFeatures: Int { weights.inputFeatures }
    var outputFeatures: Int { weights.outputFeatures }

    /// Weight rows decoded per tile.
    let tileRows: Int

    /// - Parameter tileRows: weight rows per tile; by default about 2 MiB of f32, at least 16 rows.
    init(weights: Weights, activations: ActivationQuantization?, bias: [Float]?, tileRows: Int? = nil) {
        self.weights = weights
        self.activations = activations
        self.bias = bias
        self.tileRows = max(1, min(weights.outputFeatures, tileRows ?? max(16, (1 << 19) / max(weights.inputFeatures, 1))))
    }

    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures
        var quantized: UnsafeMutablePointer<Float>? = nil
        if let activations {
            let copy = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)
            copy.initialize(from: input, count: rows * k)
            activations.apply(copy, rows: rows, columns: k)
            quantized = copy
        }
        defer { quantized?.deallocate() }
        let x = UnsafePointer(quantized) ?? input
        if rows <= Self.fewRows {
            applyFewRows(x, rows: rows, into: output)
        } else {
            applyTiled(x, rows: rows, into: output)
        }
        guard let bias else { return }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { VectorMath.add(b.baseAddress!, to: output + r * n, count: n) }
        }
    }

    /// `output = x · Wᵀ`, one tile of weight rows at a time, each multiplied with OpenBLAS.
    private func applyTiled(_ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures, tile = tileRows
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)
        defer { scratch.deallocate() }
        var start = 0
        while start < n {
            let count = min(tile, n - start)
            weights.decode(rows: start..<(start + count), into: scratch)
            BLAS.gemm(m: rows, n: count, k: k, a: x, lda: k, b: scratch, ldb: k, transposeB: true, c: output + start, ldc: n)
            start += count
        }
    }
}
