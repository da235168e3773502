import CKernels
import CompressedTensors

/// A W8A8 layer (int8 weights with one scale per output row, int8 input activations with a
/// dynamic scale per token) computed as vLLM computes it: each input row quantized with scale
/// absmax / 127 (x · 127 / absmax rounded half to even), int8 × int8 dot products summed exactly
/// in int32, then scaled by the row's and the output's scales.
struct W8A8Linear: Linear {
    let weights: Int8Weights
    /// The weight scale of each output row.
    let outputScales: [Float]
    /// The sum of each weight row's values (the AVX-512 kernel's correction for biasing x to unsigned).
    let rowSums: [Int32]
    /// `outputFeatures` values, or nil.
    let bias: [Float]?

    var inputFeatures: Int { weights.inputFeatures }
    var outputFeatures: Int { weights.outputFeatures }

    /// The integer form of `weights`, or nil when they have zero points or more than one scale per
    /// row (those run in ``CompressedLinear``, emulated in f32).
    init?(weights: Int8Weights, bias: [Float]?) {
        let scales = weights.scales, k = weights.inputFeatures, n = weights.outputFeatures
        guard weights.zeroPoints == nil, scales.blockColumns >= k else { return nil }
        self.weights = weights
        self.bias = bias
        outputScales = (0..<n).map { scales.values[($0 / scales.blockRows) * scales.width] }
        rowSums = [Int32](unsafeUninitializedCapacity: n) { sums, initialized in
            weights.values.withUnsafeBufferPointer { ck_int8_row_sums(n, k, $0.baseAddress, k, sums.baseAddress) }
            initialized = n
        }
    }

    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: rows * k) { quantized in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { rowScales in
                let q = quantized.baseAddress!, s = rowScales.baseAddress!
                ck_quantize_int8(rows, k, input, k, q, k, s)
                weights.values.withUnsafeBufferPointer { w in
                    rowSums.withUnsafeBufferPointer { sums in
                        outputScales.withUnsafeBufferPointer { scales in
                            CPUKernels.forEachShare(outputs: n, work: rows * n * k / 4) { share in
                                ck_matmul_w8a8(rows, share.lowerBound, share.count, k, q, k, s, w.baseAddress, k,
                                               sums.baseAddress, scales.baseAddress, output, n)
                            }
                        }
                    }
                }
            }
        }
        VectorMath.add(bias, toRows: output, rows: rows)
    }
}
