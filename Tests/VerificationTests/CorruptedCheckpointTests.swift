import Checkpoint
import Foundation
import Modifiers
import Recipes
import Testing
import TestSupport
import Verification

/// Corrupted checkpoints fail verification with one precise problem naming the tensor at fault.
@Suite struct CorruptedCheckpointTests {
    static let model = Fixtures.path("tiny-llama")
    static let module = "model.layers.0.self_attn.q_proj"

    /// `oneshot` of tiny-llama with `recipes/NAME.yaml`, loaded for editing.
    static func compressed(_ recipe: String, in folder: TemporaryFolder) throws -> EditableCheckpoint {
        let parsed = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/\(recipe).yaml")
        let output = folder.file("\(recipe)-\(UUID().uuidString)")
        try Compressor.run(model: model, recipe: parsed, output: output, options: OneshotOptions(threads: 2))
        return try EditableCheckpoint(output)
    }

    /// The problems of `checkpoint` once written.
    static func problems(_ checkpoint: EditableCheckpoint, in folder: TemporaryFolder, against: String? = nil) throws -> [String] {
        let path = folder.file("edited-\(UUID().uuidString)")
        try checkpoint.write(to: path)
        return try Verifier.verify(checkpoint: path, against: against, options: VerificationOptions(threads: 2)).problems.map(\.description)
    }

    @Test func theUneditedOutputsPass() throws {
        let folder = TemporaryFolder("verify-bad")
        for recipe in ["fp8_dynamic", "w4a16_asym", "nvfp4a16"] {
            #expect(try Self.problems(Self.compressed(recipe, in: folder), in: folder) == [], "\(recipe)")
        }
    }

    @Test func aMissingWeightScaleIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("w4a16_asym", in: folder)
        checkpoint.remove(Self.module + ".weight_scale")
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight_scale: missing: config group 'group_0' (pack-quantized) stores BF16 [256, 2] here",
        ])
    }

    @Test func aScaleOfTheWrongShapeIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("fp8_dynamic", in: folder)
        checkpoint.tensors[checkpoint.index(Self.module + ".weight_scale")].shape = [256]
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight_scale: shape [256], expected [256, 1] (config group 'group_0' (float-quantized))",
        ])
    }

    @Test func aScaleOfTheWrongDtypeIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("fp8_dynamic", in: folder)
        checkpoint.tensors[checkpoint.index(Self.module + ".weight_scale")].dtype = .f16
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight_scale: dtype F16, expected BF16 (config group 'group_0' (float-quantized))",
        ])
    }

    @Test func anUnexpectedTensorIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("fp8_dynamic", in: folder)
        checkpoint.tensors.append((Self.module + ".weight_zero_point", .i8, [256, 1], [UInt8](repeating: 0, count: 256)))
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight_zero_point: unexpected: config group 'group_0' (float-quantized) stores no 'weight_zero_point' for module '\(Self.module)'",
        ])
    }

    @Test func aQuantizedModuleLeftInBF16IsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("w4a16_asym", in: folder)
        for parameter in ["weight_packed", "weight_scale", "weight_shape", "weight_zero_point"] { checkpoint.remove(Self.module + "." + parameter) }
        let original = try Checkpoint(directory: Self.model)
        let weight = try #require(original.tensor(named: Self.module + ".weight"))
        checkpoint.tensors.append((weight.name, weight.info.dtype, weight.info.shape, Array(original.data(weight))))
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight: stored unquantized as BF16, but config group 'group_0' (pack-quantized) quantizes module '\(Self.module)'",
        ])
    }

    @Test func aGroupSizeThatDoesNotDivideTheColumnsIsNamedPerWeight() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("w4a16_asym", in: folder)
        checkpoint.setQuantizationConfig(["config_groups", "group_0", "weights", "group_size"], .integer(96))
        let problems = try Self.problems(checkpoint, in: folder)
        // Every weight: 256 or 512 columns are no whole number of 96-column groups, and the scales
        // hold 2 or 4 groups a row instead of 3 or 6.
        #expect(problems.count == 14 * 3)
        #expect(problems.contains { $0.hasPrefix("\(Self.module).weight: config group 'group_0' (pack-quantized): 256 columns are not divisible by group_size 96") })
        #expect(problems.contains("\(Self.module).weight_scale: shape [256, 2], expected [256, 3] (config group 'group_0' (pack-quantized))"))
    }

    @Test func aGroupSizeThatDisagreesWithTheScalesIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("w4a16_asym", in: folder)
        checkpoint.setQuantizationConfig(["config_groups", "group_0", "weights", "group_size"], .integer(64))
        let problems = try Self.problems(checkpoint, in: folder)
        #expect(problems.contains("\(Self.module).weight_scale: shape [256, 2], expected [256, 4] (config group 'group_0' (pack-quantized))"))
        #expect(problems.contains("\(Self.module).weight_zero_point: shape [32, 2], expected [32, 4] (config group 'group_0' (pack-quantized))"))
    }

    @Test func aZeroScaleIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("fp8_dynamic", in: folder)
        let i = checkpoint.index(Self.module + ".weight_scale")
        checkpoint.tensors[i].bytes[6] = 0
        checkpoint.tensors[i].bytes[7] = 0
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight_scale: holds 0.0 at element 3; scales are positive and finite",
        ])
    }

    @Test func aWrongWeightShapeIsNamed() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("w4a16_asym", in: folder)
        let i = checkpoint.index(Self.module + ".weight_shape")
        checkpoint.tensors[i].bytes = [Int64(256), Int64(-1)].flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        #expect(try Self.problems(checkpoint, in: folder) == ["\(Self.module).weight_shape: holds [256, -1], not the [rows, columns] of a weight"])
    }

    @Test func anEmptyWeightOfHugeShapeIsRefusedWithoutOverflow() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("w4a16", in: folder)
        let i = checkpoint.index(Self.module + ".weight_packed")
        checkpoint.tensors[i].shape = [0, 1 << 62]
        checkpoint.tensors[i].bytes = []
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight_packed: shape [0, 4611686018427387904] is not that of a Linear weight",
        ])
    }

    @Test func anIgnoredModuleMustNotBeQuantized() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("fp8_dynamic", in: folder)
        checkpoint.setQuantizationConfig(["ignore"], .array([.string("lm_head"), .string(Self.module)]))
        #expect(try Self.problems(checkpoint, in: folder) == [
            "\(Self.module).weight: dtype F8_E4M3, but no config group quantizes module '\(Self.module)' (it is ignored or not targeted), so it keeps a float dtype",
            "\(Self.module).weight_scale: unexpected: no config group quantizes module '\(Self.module)' (it is ignored or not targeted)",
        ])
    }

    @Test func anUnquantizedTensorKeepsAFloatDtype() throws {
        let folder = TemporaryFolder("verify-bad")
        var checkpoint = try Self.compressed("fp8_dynamic", in: folder)
        let norm = checkpoint.index("model.norm.weight")
        checkpoint.tensors[norm].dtype = .i16
        #expect(try Self.problems(checkpoint, in: folder) == [
            "model.norm.weight: dtype I16, but no config group quantizes module 'model.norm' (it is ignored or not targeted), so it keeps a float dtype",
        ])
    }

    @Test func theQuantizationConfigMustParse() throws {
        let folder = TemporaryFolder("verify-bad")
        var typo = try Self.compressed("fp8_dynamic", in: folder)
        typo.setQuantizationConfig(["config_groups", "group_0", "weights", "nm_bits"], .integer(8))
        #expect(try Self.problems(typo, in: folder) == [
            "config.json: quantization_config: unknown key 'nm_bits' in weights of config group 'group_0'; did you mean 'num_bits'?",
        ])
        var format = try Self.compressed("fp8_dynamic", in: folder)
        format.setQuantizationConfig(["config_groups", "group_0", "format"], .string("float-quantised"))
        #expect(try Self.problems(format, in: folder).first?.hasPrefix(
            "config.json: quantization_config: invalid format 'float-quantised'; did you mean 'float-quantized'?") == true)
        var mismatch = try Self.compressed("fp8_dynamic", in: folder)
        mismatch.setQuantizationConfig(["config_groups", "group_0", "format"], .string("pack-quantized"))
        #expect(try Self.problems(mismatch, in: folder) == [
            "config.json: quantization_config: config group group_0: format 'pack-quantized' cannot hold 8-bit float weights with strategy channel (float-quantized or naive-quantized); its modules are not checked",
        ])
        var overall = try Self.compressed("fp8_dynamic", in: folder)
        overall.setQuantizationConfig(["format"], .string("pack-quantized"))
        #expect(try Self.problems(overall, in: folder) == [
            "config.json: quantization_config: format is 'pack-quantized', but its config groups are stored as 'float-quantized'",
        ])
        var status = try Self.compressed("fp8_dynamic", in: folder)
        status.setQuantizationConfig(["quantization_status"], .string("frozen"))
        #expect(try Self.problems(status, in: folder) == [
            "config.json: quantization_status is 'frozen': the weights are not stored compressed",
        ])
        var none = try Self.compressed("fp8_dynamic", in: folder)
        none.config["quantization_config"] = nil
        #expect(try Self.problems(none, in: folder) == [
            "config.json: has no quantization_config: this is not a compressed-tensors checkpoint",
        ])
    }

    @Test func anUnreadableCheckpointIsAnError() throws {
        let folder = TemporaryFolder("verify-bad")
        #expect(throws: VerificationError.unreadableCheckpoint(.cannotOpen(path: folder.file("none"), reason: "no such directory"))) {
            try Verifier.verify(checkpoint: folder.file("none"))
        }
        let shard = try folder.write("model.safetensors", SafetensorsBuilder.file(header: SafetensorsBuilder.header([
            SafetensorsBuilder.entry("w", "F32", [2], 0, 8)]), data: [0, 0, 0, 0]))
        #expect(throws: VerificationError.unreadableCheckpoint(.dataLengthMismatch(file: shard, expected: 8, actual: 4))) {
            try Verifier.verify(checkpoint: folder.path)
        }
        #expect(throws: VerificationError.self) {
            try Verifier.verify(checkpoint: Fixtures.path("tiny-llama--FP8_DYNAMIC"), against: folder.file("none"))
        }
    }
}
