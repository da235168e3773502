import Checkpoint
import CompressedTensors
import Foundation
import JSON
import Modifiers
import Recipes
import Runtime
import Testing
import TestSupport

/// A compressed checkpoint whose quantization_config or scales break compressed-tensors' rules is
/// refused by the runtime as `compress verify` refuses it, naming the key or tensor: no division
/// by a zero block or group size, no weights divided by a zero global scale.
@Suite struct HostileCompressedCheckpointTests {
    static let module = "model.layers.0.self_attn.q_proj"

    /// tiny-llama compressed with `scheme` (every Linear but lm_head) into `folder/NAME`.
    static func compress(_ scheme: String, into folder: TemporaryFolder) throws -> String {
        let recipe = try Recipe.parse(yaml: """
            QuantizationModifier:
              targets: [Linear]
              scheme: \(scheme)
              ignore: [lm_head]
            """, file: "\(scheme).yaml")
        let output = folder.file(scheme)
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: output, options: OneshotOptions(threads: 2))
        return output
    }

    /// Replaces the weights arguments of config group `group_0` in the config.json of `checkpoint`.
    static func setWeights(_ weights: String, of checkpoint: String) throws {
        let path = checkpoint + "/config.json"
        var config = try ModelConfig(path: path).json
        guard case var .object(quantization)? = config["quantization_config"],
              case var .object(groups)? = quantization["config_groups"],
              case var .object(group)? = groups["group_0"] else { Issue.record("no group_0"); return }
        group["weights"] = try JSONParser.parse(weights)
        groups["group_0"] = .object(group)
        quantization["config_groups"] = .object(groups)
        config["quantization_config"] = .object(quantization)
        try Data(JSONWriter.pretty(.object(config)).utf8).write(to: URL(fileURLWithPath: path))
    }

    static func loadingError(_ directory: String) -> RuntimeError? {
        do {
            _ = try DecoderModel(directory: directory, threads: 1)
            return nil
        } catch {
            return error
        }
    }

    @Test func aZeroGroupSizeIsRefusedAsTheVerifierRefusesIt() throws {
        let folder = TemporaryFolder("hostile-compressed")
        let checkpoint = try Self.compress("W4A16", into: folder)
        try Self.setWeights(#"{"num_bits": 4, "type": "int", "symmetric": true, "strategy": "group", "group_size": 0}"#, of: checkpoint)
        #expect(Self.loadingError(checkpoint)?.description == checkpoint + "/config.json: "
            + "quantization_config: invalid quantization arguments: weights of config group 'group_0': "
            + "strategy 'group' requires group_size to be set to a positive value")
    }

    @Test func anEmptyScaleBlockIsRefusedAsTheVerifierRefusesIt() throws {
        let folder = TemporaryFolder("hostile-compressed")
        let checkpoint = try Self.compress("FP8_BLOCK", into: folder)
        try Self.setWeights(#"{"num_bits": 8, "type": "float", "strategy": "block", "block_structure": [0, 128]}"#, of: checkpoint)
        #expect(Self.loadingError(checkpoint)?.description == checkpoint + "/config.json: "
            + "quantization_config: invalid quantization arguments: weights of config group 'group_0': "
            + "invalid block_structure [0, 128]: must be two positive integers [rows, cols]")
        // Read directly, as `verify --against` reads weights, the block is refused too.
        let reader = CompressedWeightReader(checkpoint: try Checkpoint(directory: checkpoint))
        #expect(throws: CompressedTensorsError.invalidScaleBlock("'\(Self.module).weight_scale': scale blocks of 0×128 elements cannot tile a 256×256 weight")) {
            _ = try reader.weight(module: Self.module, rows: 256, columns: 256, bits: nil, block: [0, 128])
        }
    }

    @Test func aZeroGlobalScaleIsNamed() throws {
        let folder = TemporaryFolder("hostile-compressed")
        let checkpoint = try Self.compress("NVFP4A16", into: folder)
        let edited = folder.file("edited")
        try ModelBuilder.writeCopy(of: checkpoint, to: edited) { name, _, bytes in
            if name == Self.module + ".weight_global_scale" { bytes = [UInt8](repeating: 0, count: bytes.count) }
        }
        #expect(Self.loadingError(edited) == .compressedTensors(.invalidTensor(
            tensor: Self.module + ".weight_global_scale", reason: "holds 0.0 at element 0; scales are positive and finite")))
    }

    @Test(arguments: [[512, 0], [0, 256]]) func anEmptyCompressedWeightIsAnErrorWhenRead(_ shape: [Int]) throws {
        let folder = TemporaryFolder("hostile-compressed")
        var builder = ModelBuilder(modelType: "llama")
        builder.tensors.append(("m.weight", .f8e4m3, shape, []))
        builder.bf16("m.weight_scale", [shape[0], 1], Array(repeating: 1, count: shape[0]))
        try builder.write(to: folder.path)
        let reader = CompressedWeightReader(checkpoint: try Checkpoint(directory: folder.path))
        #expect(throws: CompressedTensorsError.invalidScaleBlock("'m.weight_scale' scales an empty \(shape[0])×\(shape[1]) weight")) {
            _ = try reader.weight(module: "m", rows: shape[0], columns: shape[1], bits: nil, block: nil)
        }
    }
}
