import CKernels
import CompressedTensors

/// Compressed weights that a CKernels kernel multiplies straight from their stored form, read as
/// CompressedTensors lays it out (codes, packed words, scale grid, zero points): the kernel decodes
/// them in registers or a small tile, never a whole-matrix copy.
protocol KernelWeights: WeightDecoder {
    /// Whether a kernel takes this layout (bits, scale groups, zero points), so that
    /// ``multiply(_:rows:outputs:into:)`` may be called.
    var multipliesInPlace: Bool { get }
    /// `y[r·outputFeatures + o] = Σ_c x[r·inputFeatures + c] · w[o, c]` for `rows` rows of x and
    /// the outputs `outputs`.
    /// - Precondition: ``multipliesInPlace``.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>)
}

extension FP8Weights: KernelWeights {
    var multipliesInPlace: Bool { scales.taken(by: ck_fp8_takes, columns: inputFeatures, zeroPoints: nil) }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        codes.withUnsafeBufferPointer { codes in
            scales.withKernelScales(zeroPoints: nil) { scales in
                ck_matmul_fp8(rows, outputs.lowerBound, outputs.count, k, x, k, codes.baseAddress, k, scales, y, outputFeatures)
            }
        }
    }
}

extension Int8Weights: KernelWeights {
    var multipliesInPlace: Bool { scales.taken(by: ck_int8_takes, columns: inputFeatures, zeroPoints: zeroPoints) }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures
        values.withUnsafeBytes { bytes in
            scales.withKernelScales(zeroPoints: zeroPoints) { scales in
                ck_matmul_int8(rows, outputs.lowerBound, outputs.count, k, x, k, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), k,
                               0, scales, y, outputFeatures)
            }
        }
    }
}

extension PackedIntWeights: KernelWeights {
    /// 4-bit weights run in the int4 kernel, 8-bit ones (a word's bytes in column order, each
    /// q + 128) in the int8 kernel; other widths only decode.
    var multipliesInPlace: Bool {
        switch bits {
        case 4: scales.taken(by: ck_int4_takes, columns: inputFeatures, zeroPoints: zeroPoints)
        case 8: scales.taken(by: ck_int8_takes, columns: inputFeatures, zeroPoints: zeroPoints)
        default: false
        }
    }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, n = outputFeatures, width = wordsPerRow, bits = bits
        words.withUnsafeBufferPointer { words in
            scales.withKernelScales(zeroPoints: zeroPoints) { scales in
                if bits == 4 {
                    ck_matmul_int4(rows, outputs.lowerBound, outputs.count, k, x, k, words.baseAddress, width, scales, y, n)
                } else {
                    let bytes = UnsafeRawPointer(words.baseAddress!).assumingMemoryBound(to: UInt8.self)
                    let flip = UInt8(Int32Packing.offset(bits: 8))
                    ck_matmul_int8(rows, outputs.lowerBound, outputs.count, k, x, k, bytes, 4 * width, flip, scales, y, n)
                }
            }
        }
    }
}

extension FP4Weights: KernelWeights {
    var multipliesInPlace: Bool { scales.taken(by: ck_fp4_takes, columns: inputFeatures, zeroPoints: nil) }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = bytesPerRow
        bytes.withUnsafeBufferPointer { bytes in
            scales.withKernelScales(zeroPoints: nil) { scales in
                ck_matmul_fp4(rows, outputs.lowerBound, outputs.count, k, x, k, bytes.baseAddress, width, scales, y, outputFeatures)
            }
        }
    }
}

extension ScaleGrid {
    /// Calls `body` with these scales (and `zeroPoints`, laid out as the scales) as the kernels
    /// read them.
    func withKernelScales<R>(zeroPoints: [Float]?, _ body: (UnsafePointer<ck_scales>) -> R) -> R {
        values.withUnsafeBufferPointer { values in
            zeroPoints.withUnsafeValues { zeroPoints in
                var scales = ck_scales(values: values.baseAddress, zero_points: zeroPoints, block_rows: blockRows,
                                       group: blockColumns, stride: width)
                return body(&scales)
            }
        }
    }

    /// Whether `takes` (a kernel's ck_*_takes) accepts these scales for rows of `columns`.
    func taken(by takes: (UnsafePointer<ck_scales>?, Int) -> Int32, columns: Int, zeroPoints: [Float]?) -> Bool {
        withKernelScales(zeroPoints: zeroPoints) { takes($0, columns) != 0 }
    }
}
