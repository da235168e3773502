import Checkpoint
import CompressedTensors
import Modifiers
import Recipes

/// The checkpoint's quantization_config, read and turned into what each config group's modules
/// must hold, with the problems of the config itself.
struct QuantizationSetup {
    /// How the weights of one config group are stored.
    enum Weights {
        /// Quantized, with these tensors per weight.
        case compressed(CompressedWeightLayout)
        /// Not quantized (a scheme of activations only): the weight keeps its float dtype.
        case dense
        /// The group's scheme cannot be checked; its problem is reported and its modules skipped.
        case unverifiable

        /// The group's compressed-tensors format, nil when unverifiable.
        var format: String? {
            switch self {
            case let .compressed(layout): return layout.format
            case .dense: return "dense"
            case .unverifiable: return nil
            }
        }
    }

    let config: CompressedTensorsConfig
    let weights: [Weights]
    let assignment: ConfigGroupAssignment

    /// Why the quantization_config cannot be used at all.
    private struct Refusal: Error { let message: String }

    /// The setup of `checkpoint`, or nil, with the reason among `problems`, when its config.json
    /// has no usable quantization_config. Problems of single config groups are added too.
    static func load(_ checkpoint: Checkpoint, problems: inout [VerificationReport.Problem]) -> QuantizationSetup? {
        do {
            return try QuantizationSetup(checkpoint, problems: &problems)
        } catch {
            problems.append(.init(tensor: ModelConfig.fileName, message: error.message))
            return nil
        }
    }

    private init(_ checkpoint: Checkpoint, problems: inout [VerificationReport.Problem]) throws(Refusal) {
        guard let modelConfig = checkpoint.config else {
            throw Refusal(message: "missing: a compressed checkpoint has a config.json with a quantization_config")
        }
        guard let json = modelConfig.json["quantization_config"] else {
            throw Refusal(message: "has no quantization_config: this is not a compressed-tensors checkpoint")
        }
        do {
            config = try CompressedTensorsConfig(json: json, file: ModelConfig.fileName)
        } catch {
            throw Refusal(message: error.message)
        }
        if let status = config.quantizationStatus, status != "compressed" {
            throw Refusal(message: "quantization_status is '\(status)': the weights are not stored compressed")
        }
        var weights: [Weights] = []
        for (name, scheme) in config.configGroups {
            guard scheme.weights != nil else { weights.append(.dense); continue }
            do {
                weights.append(.compressed(try CompressedWeightLayout(group: name, scheme: scheme)))
            } catch {
                problems.append(.init(tensor: ModelConfig.fileName,
                                      message: "quantization_config: config group \(error.description); its modules are not checked"))
                weights.append(.unverifiable)
            }
        }
        let formats = weights.compactMap(\.format)
        let stored = CompressedTensorsConfig.overallFormat(formats)
        if let format = config.format, formats.count == weights.count, format != stored {
            problems.append(.init(tensor: ModelConfig.fileName,
                                  message: "quantization_config: format is '\(format)', but its config groups are stored as '\(stored)'"))
        }
        self.weights = weights
        assignment = ConfigGroupAssignment(config: config, file: ModelConfig.fileName)
    }
}
