import CKernels
import Checkpoint

/// FP4 E2M1 weights, two per byte with the even column in the low nibble (compressed-tensors
/// "nvfp4-pack-quantized" and "mxfp4-pack-quantized"): `w = fp4(code) · scale`, where the scale
/// is NVFP4's `e4m3(weight_scale) / weight_global_scale` per group of 16 or MXFP4's
/// `2^(weight_scale − 127)` per group of 32, decoded at load into ``ScaleGrid``.
struct FP4Weights: WeightDecoder {
    let outputFeatures: Int
    let inputFeatures: Int
    /// `outputFeatures × ceil(inputFeatures / 2)` bytes.
    let bytes: [UInt8]
    let scales: ScaleGrid

    var bytesPerRow: Int { (inputFeatures + 1) / 2 }

    /// The two values of every byte, low nibble first: one load and one 8-byte store per byte.
    static let pairs: [SIMD2<Float>] = (0...255).map { SIMD2(value(UInt8($0) & 0xF), value(UInt8($0) >> 4)) }

    func decode(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = bytesPerRow
        Self.pairs.withUnsafeBufferPointer { pairs in
            bytes.withUnsafeBufferPointer { bytes in
                for (i, r) in rows.enumerated() {
                    let source = bytes.baseAddress! + r * width, row = destination + i * k
                    let out = UnsafeMutableRawPointer(row)
                    for b in 0..<(k / 2) { out.storeBytes(of: pairs[Int(source[b])], toByteOffset: 8 * b, as: SIMD2<Float>.self) }
                    if k % 2 == 1 { row[k - 1] = Self.value(source[k / 2] & 0xF) }
                    scales.apply(row: r, columns: k, to: row, zeroPoints: nil)
                }
            }
        }
    }

    var multipliesInPlace: Bool { scales.taken(by: ck_fp4_takes, columns: inputFeatures, zeroPoints: nil) }

    func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let k = inputFeatures, width = bytesPerRow
        bytes.withUnsafeBufferPointer { bytes in
            scales.withKernelScales(zeroPoints: nil) { scales in
                ck_matmul_fp4(rows, outputs.lowerBound, outputs.count, k, x, k, bytes.baseAddress, width, scales, y, outputFeatures)
            }
        }
    }

    /// The value of an FP4 nibble, computed without a table; equal to ``FP4E2M1/decode(_:)``. Codes 2...7 are normal (exponent and mantissa bits shifted into a
    /// float32 with the bias 1 turned into 127), code 1 is 0.5, code 0 zero; bit 3 is the sign.
    @inline(__always)
    static func value(_ nibble: UInt8) -> Float {
        let code = UInt32(nibble & 0x7)
        let magnitude: UInt32 = code == 0 ? 0 : (code >= 2 ? code << 22 : 0) &+ 0x3F00_0000
        return Float(bitPattern: magnitude | UInt32(nibble & 0x8) << 28)
    }
}

/// A linear layer over NVFP4 or MXFP4 weights (NVFP4A16, MXFP4A16).
typealias FP4Linear = CompressedLinear<FP4Weights>
