import Checkpoint
import CompressedTensors

/// One projection of a runtime ``Linear`` as the CUDA backend runs it: its weight in f32, as the
/// CPU runtime's own decoders give it (bf16 widened, compressed formats dequantized), its bias, and
/// the quantization the CPU runtime applies to its input.
struct DecodedProjection {
    /// `outputs × inputs` values, row-major.
    let weight: [Float]
    /// `outputs` values, or nil.
    let bias: [Float]?
    let outputs: Int
    let inputs: Int
    /// How the CPU runtime rounds this projection's input, or nil when it multiplies it as is.
    let activations: ActivationQuantization?

    /// The projections of `linear` side by side in its output rows (one, or each part of a
    /// ``StackedLinear``).
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` naming `module` for a layer kind the CUDA
    ///   backend does not run.
    static func projections(of linear: any Linear, module: String) throws(RuntimeError) -> [DecodedProjection] {
        switch linear {
        case let dense as DenseLinear:
            let weight: [Float]
            switch dense.weight {
            case let .f32(values): weight = values
            case let .bf16(values): weight = values.map(BF16.float)
            }
            return [DecodedProjection(weight: weight, bias: dense.bias, outputs: dense.outputFeatures, inputs: dense.inputFeatures, activations: nil)]
        case let compressed as any CompressedProjection:
            return [compressed.decodedProjection]
        case let w8a8 as W8A8Linear:
            return [DecodedProjection(weight: decode(w8a8.weights), bias: w8a8.bias, outputs: w8a8.outputFeatures, inputs: w8a8.inputFeatures,
                                      activations: ActivationQuantization(grid: .int8, scale: .token))]
        case let stacked as StackedLinear:
            var all: [DecodedProjection] = []
            for part in stacked.parts { all += try projections(of: part, module: module) }
            return all
        default:
            throw .backendUnavailable("\(module): a \(type(of: linear)) layer does not run on cuda yet; use --device cpu")
        }
    }

    /// Every row of `weights`, dequantized by their own decoder.
    static func decode(_ weights: some WeightDecoder) -> [Float] {
        let count = weights.outputFeatures * weights.inputFeatures
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            weights.decode(rows: 0..<weights.outputFeatures, into: buffer.baseAddress!)
            initialized = count
        }
    }
}

/// A ``CompressedLinear`` whatever its weights' decoder, as a ``DecodedProjection``.
protocol CompressedProjection {
    var decodedProjection: DecodedProjection { get }
}

extension CompressedLinear: CompressedProjection {
    var decodedProjection: DecodedProjection {
        DecodedProjection(weight: DecodedProjection.decode(weights), bias: bias, outputs: outputFeatures, inputs: inputFeatures, activations: activations)
    }
}
