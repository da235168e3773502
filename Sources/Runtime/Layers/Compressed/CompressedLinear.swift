import CompressedTensors

/// A linear layer whose weight stays compressed in memory: a CKernels kernel multiplies it
/// straight from its stored format (decoding it in registers for a few rows of input, a tile of
/// rows at a time into a small buffer for more), split over the compute threads by output rows.
/// Layouts no kernel takes (widths other than 4 and 8 bits, scale groups that are not whole runs of
/// 16 columns) are decoded a tile of rows at a time into an f32 scratch buffer instead and
/// multiplied by the f32 kernel, or for a few rows with dot products on every core; either way no
/// decompressed copy of the whole weight ever exists.
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
    /// The weights as a kernel multiplies them in their stored form, when one takes their layout.
    let kernel: (any KernelWeights)?

    /// - Parameter tileRows: weight rows per tile; by default about 2 MiB of f32, at least 16 rows.
    init(weights: Weights, activations: ActivationQuantization?, bias: [Float]?, tileRows: Int? = nil) {
        self.weights = weights
        self.activations = activations
        self.bias = bias
        self.tileRows = max(1, min(weights.outputFeatures, tileRows ?? max(16, (1 << 19) / max(weights.inputFeatures, 1))))
        kernel = (weights as? any KernelWeights).flatMap { $0.multipliesInPlace ? $0 : nil }
    }

    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures
        withActivations(input, rows: rows) { x in
            if let kernel {
                CPUKernels.forEachShare(outputs: n, work: rows * n * k) { share in
                    kernel.multiply(x, rows: rows, outputs: share, into: output)
                }
            } else if rows <= Self.fewRows {
                applyFewRows(x, rows: rows, into: output)
            } else {
                applyTiled(x, rows: rows, into: output)
            }
        }
        VectorMath.add(bias, toRows: output, rows: rows)
    }

    /// Calls `body` with the input as the weights multiply it: quantized and dequantized in a
    /// temporary copy when the scheme quantizes activations, else `input` itself.
    private func withActivations(_ input: UnsafePointer<Float>, rows: Int, _ body: (UnsafePointer<Float>) -> Void) {
        guard let activations else { return body(input) }
        let count = rows * inputFeatures
        withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { copy in
            let x = copy.baseAddress!
            x.initialize(from: input, count: count)
            activations.apply(x, rows: rows, columns: inputFeatures)
            body(x)
        }
    }

    /// `output = x · Wᵀ`, one tile of weight rows at a time, each decoded to f32 and multiplied by the f32 kernel.
    private func applyTiled(_ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures, tile = tileRows
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)
        defer { scratch.deallocate() }
        var start = 0
        while start < n {
            let count = min(tile, n - start)
            weights.decode(rows: start..<(start + count), into: scratch)
            CPUKernels.multiply(x, ldx: k, rows: rows, by: scratch, ldw: k, outputs: count, columns: k, into: output + start, ldy: n)
            start += count
        }
    }
}
