import Checkpoint
import Foundation
import Testing
import TestSupport
import Verification

/// With an original model, tampered weights, copied tensors that differ and errors beyond the
/// limits are problems naming the tensor.
@Suite struct AgainstOriginalTests {
    static let model = CorruptedCheckpointTests.model
    static let module = CorruptedCheckpointTests.module

    @Test func aTamperedCopiedTensorIsNamed() throws {
        let folder = TemporaryFolder("verify-against")
        var checkpoint = try CorruptedCheckpointTests.compressed("w4a16_asym", in: folder)
        checkpoint.tensors[checkpoint.index("model.norm.weight")].bytes[9] ^= 1
        #expect(try CorruptedCheckpointTests.problems(checkpoint, in: folder, against: Self.model) == [
            "model.norm.weight: differs from the original from byte 9 on",
        ])
    }

    @Test func aTamperedQuantizedWeightExceedsTheLimit() throws {
        let folder = TemporaryFolder("verify-against")
        var checkpoint = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        // Row 5's scale made 2^16 times larger (its exponent raised by 16): its dequantized values are far off the original.
        let scale = checkpoint.index(Self.module + ".weight_scale")
        checkpoint.tensors[scale].bytes[11] &+= 8
        let problems = try CorruptedCheckpointTests.problems(checkpoint, in: folder, against: Self.model)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("\(Self.module).weight: relative RMS error ") == true)
        #expect(problems.first?.hasSuffix(" exceeds the limit 1") == true)
    }

    @Test func theLimitsApplyToEveryLayer() throws {
        let folder = TemporaryFolder("verify-against")
        let checkpoint = try CorruptedCheckpointTests.compressed("w4a16_asym", in: folder)
        try checkpoint.write(to: folder.file("out"))
        let loose = try Verifier.verify(checkpoint: folder.file("out"), against: Self.model,
                                        options: VerificationOptions(maxRelativeRMSError: 0.5, maxAbsError: 1, threads: 2))
        #expect(loose.passed)
        let worst = try #require(loose.layers.compactMap(\.relativeRMSError).max())
        let largest = try #require(loose.layers.compactMap(\.maxAbsError).max())
        let strict = try Verifier.verify(checkpoint: folder.file("out"), against: Self.model,
                                         options: VerificationOptions(maxRelativeRMSError: worst * 0.999, maxAbsError: largest * 0.999, threads: 2))
        #expect(strict.problems.count >= 2)
        #expect(strict.problems.allSatisfy { $0.tensor.hasSuffix(".weight") })
        #expect(strict.problems.contains { $0.message == "relative RMS error \(String(format: "%.4g", worst)) exceeds the limit \(String(format: "%.4g", worst * 0.999))" })
        #expect(strict.problems.contains { $0.message == "maximum absolute error \(String(format: "%.4g", largest)) exceeds the limit \(String(format: "%.4g", largest * 0.999))" })
    }

    @Test func anotherModelIsNotTheOriginal() throws {
        let folder = TemporaryFolder("verify-against")
        // The same shapes and names, other values: the layers are no closer to it than zero is.
        var other = try EditableCheckpoint(Self.model)
        for i in other.tensors.indices where other.tensors[i].name.hasSuffix("proj.weight") {
            other.tensors[i].bytes = .bf16((0..<(other.tensors[i].bytes.count / 2)).map { Float(($0 * 37) % 19 - 9) / 64 })
        }
        try other.write(to: folder.file("other"))
        let checkpoint = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        let problems = try CorruptedCheckpointTests.problems(checkpoint, in: folder, against: folder.file("other"))
        #expect(problems.count == 14)
        #expect(problems.allSatisfy { $0.contains(".weight: relative RMS error ") })
    }

    @Test func tensorsMissingOnEitherSideAreNamed() throws {
        let folder = TemporaryFolder("verify-against")
        var checkpoint = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        checkpoint.remove("model.layers.1.input_layernorm.weight")
        checkpoint.tensors.append(("model.extra.weight", .bf16, [2], [0, 0, 0, 0]))
        #expect(try CorruptedCheckpointTests.problems(checkpoint, in: folder, against: Self.model) == [
            "model.extra.weight: not in the original model, and no config group writes it",
            "model.layers.1.input_layernorm.weight: in the original model, missing from the checkpoint",
        ])
    }

    @Test func theScaleDtypeFollowsTheOriginalWeight() throws {
        let folder = TemporaryFolder("verify-against")
        var checkpoint = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        // config.json claims float16: without the original, BF16 scales then disagree with it.
        checkpoint.config["dtype"] = .string("float16")
        let path = folder.file("f16-claim")
        try checkpoint.write(to: path)
        #expect(try Verifier.verify(checkpoint: path).problems.count == 14)
        #expect(try Verifier.verify(checkpoint: path, against: Self.model).problems.map(\.description) == [])
    }

    /// An empty Linear weight (no columns or no rows) in both models is a problem, not a division by zero.
    @Test(arguments: [[512, 0], [0, 256]]) func anEmptyWeightIsAProblem(_ shape: [Int]) throws {
        let folder = TemporaryFolder("verify-against")
        let name = "model.layers.0.mlp.extra_proj.weight"
        var original = try EditableCheckpoint(Self.model)
        original.tensors.append((name, .bf16, shape, []))
        try original.write(to: folder.file("original"))
        var checkpoint = try CorruptedCheckpointTests.compressed("fp8_dynamic", in: folder)
        checkpoint.tensors.append((name, .f8e4m3, shape, []))
        checkpoint.tensors.append((name + "_scale", .bf16, [shape[0], 1], .bf16(Array(repeating: 1, count: shape[0]))))
        #expect(try CorruptedCheckpointTests.problems(checkpoint, in: folder, against: folder.file("original")) == [
            "\(name): config group 'group_0' (float-quantized): shape \(shape) is empty; a Linear weight to quantize has at least one row and one column",
        ])
    }
}
