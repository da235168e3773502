import Checkpoint
import Foundation
import Testing
import TestSupport

/// `compress convert --dequantize`, and FP8-block inputs that are not what their config says,
/// refused by `convert` and `oneshot` alike with one line naming the tensor.
@Suite struct ConvertCommandTests {
    static let fp8 = Fixtures.path("models/llama_fp8block")
    static let scale = "model.layers.1.mlp.down_proj.weight_scale_inv"

    @Test func dequantizeWritesWhatFP8BlockDequantizerGives() throws {
        let folder = TemporaryFolder("convert")
        let result = try CompressBinary.run(["convert", "--dequantize", Self.fp8, folder.file("out"), "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("14 tensors dequantized to BF16, 7 copied"))
        let manifest = try ReferenceManifest(path: Fixtures.path("quantized-input/llama_fp8block--DEQUANTIZED/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        #expect(FileManager.default.fileExists(atPath: folder.file("out/generation_config.json")))
    }

    /// A checkpoint `oneshot` wrote (pack-quantized, asymmetric) converts back as compressed-tensors dequantizes it.
    @Test func dequantizeReadsCompressedTensorsCheckpoints() throws {
        let folder = TemporaryFolder("convert-ct")
        let oneshot = try CompressBinary.run(["oneshot", "--model", Fixtures.path("models/llama"), "--output", folder.file("w4"),
                                              "--recipe", Fixtures.path("references/llama--W4A16_ASYM/recipe.yaml"), "--quiet"])
        #expect(oneshot.status == 0, "\(oneshot.stderr)")
        let result = try CompressBinary.run(["convert", "--dequantize", folder.file("w4"), folder.file("out")])
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try ReferenceManifest(path: Fixtures.path("quantized-input/dequantized/llama--W4A16_ASYM.json"))
        #expect(try manifest.differences(from: folder.file("out")).isEmpty)
    }

    @Test func aCheckpointThatIsNotQuantizedIsRefused() throws {
        let folder = TemporaryFolder("convert-plain")
        let result = try CompressBinary.run(["convert", "--dequantize", Fixtures.path("models/llama"), folder.file("out")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not quantized"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func convertNeedsDequantize() throws {
        let result = try CompressBinary.run(["convert", Self.fp8, "/tmp/unused-convert-output"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--dequantize"))
    }

    /// Broken FP8-block inputs: each refused before anything is written, naming the scale tensor.
    enum Fault: String, CaseIterable {
        case missingScale, wrongShape, nanScale, infiniteScale
    }

    @Test(arguments: Fault.allCases)
    func brokenFP8InputIsRefusedNamingTheTensor(_ fault: Fault) throws {
        let folder = TemporaryFolder("fp8-fault")
        try Self.write(fault, to: folder.file("model"))
        let commands = [
            ["convert", "--dequantize", folder.file("model"), folder.file("out")],
            ["oneshot", "--model", folder.file("model"), "--recipe", Fixtures.path("quantized-input/llama_fp8block--W4A16/recipe.yaml"),
             "--output", folder.file("out"), "--quiet"],
        ]
        for command in commands {
            let result = try CompressBinary.run(command)
            #expect(result.status == 1, "\(command[0]): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("'\(Self.scale)'"), "\(command[0]): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
        }
    }

    /// The FP8 fixture with `fault` applied to layer 1's down_proj scales ([2, 3] F32).
    static func write(_ fault: Fault, to path: String) throws {
        let checkpoint = try Checkpoint(directory: fp8)
        var builder = ModelBuilder(modelType: "")
        for tensor in checkpoint.tensors {
            var shape = tensor.info.shape, bytes = Array(checkpoint.data(tensor))
            if tensor.name == scale {
                switch fault {
                case .missingScale: continue
                case .wrongShape: shape = [3, 2]
                case .nanScale: bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init))
                case .infiniteScale: bytes.replaceSubrange(8..<12, with: withUnsafeBytes(of: Float.infinity.bitPattern.littleEndian, Array.init))
                }
            }
            builder.tensors.append((tensor.name, tensor.info.dtype, shape, bytes))
        }
        try builder.write(to: path)
        try FileManager.default.removeItem(atPath: path + "/config.json")
        try FileManager.default.copyItem(atPath: fp8 + "/config.json", toPath: path + "/config.json")
    }
}
