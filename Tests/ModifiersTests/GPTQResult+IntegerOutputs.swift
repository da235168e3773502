import Checkpoint
@testable import Modifiers
import Recipes

extension GPTQSolver {
    /// GPTQ into the int-quantized format (unpacked codes) of integer `args`.
    static func quantize(weight: UnsafeBufferPointer<Float>, tensor: TensorInfo, hessian: [Float], args: QuantizationArgs,
                         blockSize: Int = 128, dampeningFrac: Double = 0.01, threads: Int) throws(ModifierError) -> GPTQResult {
        let kernel = try IntegerSchemes.kernel(group: "g", weights: args, observer: .minMax)
        return try quantize(weight: weight, tensor: tensor, hessian: hessian, args: args, quantizer: IntQuantizer(kernel: kernel),
                            blockSize: blockSize, dampeningFrac: dampeningFrac, threads: threads)
    }
}

/// The int-quantized outputs of a result read back: `weight` (I8 codes), `weight_scale` (the
/// weight's dtype) and, when asymmetric, `weight_zero_point` (I8).
extension GPTQResult {
    var codes: [Int8] { outputs[0].map { Int8(bitPattern: $0) } }

    var scales: [Float] {
        outputs[1].withUnsafeBytes { bytes in
            switch tensor.dtype {
            case .bf16: return bytes.bindMemory(to: UInt16.self).map(BF16.float)
            case .f16: return bytes.bindMemory(to: UInt16.self).map(F16.float)
            default: return Array(bytes.bindMemory(to: Float.self))
            }
        }
    }

    var zeroPoints: [Int8] {
        outputs.count > 2 ? outputs[2].map { Int8(bitPattern: $0) } : [Int8](repeating: 0, count: scales.count)
    }
}
