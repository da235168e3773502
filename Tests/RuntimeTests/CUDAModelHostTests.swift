import Checkpoint
import Foundation
@testable import Runtime
import Testing
import TestSupport

/// The host side of ``CUDADecoderModel``, without a GPU: which models it refuses, and that the
/// projections it uploads (f32 weights from the runtime's decoders, inputs rounded as
/// ``CUDAInputQuantization`` says) compute what each CPU layer computes.
@Suite struct CUDAModelHostTests {
    @Test func denseLlamaRunsAndOtherFamiliesAreRefusedNamingWhy() throws {
        #expect(CUDADecoderModel.unsupportedFeature(of: try DecoderModel(directory: Fixtures.path("models/llama_calib"))) == nil)
        #expect(CUDADecoderModel.unsupportedFeature(of: try DecoderModel(directory: Fixtures.path("models/gemma2"))) == nil)
        let refused = [("mixtral", "mixture-of-experts"), ("deepseek_v3", "latent attention"), ("qwen3", "per-head query and key norms")]
        for (name, feature) in refused {
            let reason = CUDADecoderModel.unsupportedFeature(of: try DecoderModel(directory: Fixtures.path("models/" + name)))
            #expect(reason?.contains(feature) == true, "\(name): \(reason ?? "not refused")")
        }
    }

    @Test func inputRoundingMapsPerTokenAndStaticScalesAndRefusesTheRest() throws {
        #expect(try CUDAInputQuantization(ActivationQuantization(grid: .fp8, scale: .token), module: "m") == .fp8PerToken)
        #expect(try CUDAInputQuantization(ActivationQuantization(grid: .int8, scale: .token), module: "m") == .int8PerToken)
        #expect(try CUDAInputQuantization(ActivationQuantization(grid: .fp8, scale: .fixed(0.5)), module: "m") == .fp8Static(scale: 0.5))
        #expect(try CUDAInputQuantization(ActivationQuantization(grid: .int8, scale: .fixed(0.5), zeroPoint: 3), module: "m")
            == .int8Static(scale: 0.5, zeroPoint: 3))
        for refused in [ActivationQuantization(grid: .fp8, scale: .group(size: 128)), ActivationQuantization(grid: .fp4, scale: .nvfp4(global: 2)),
                        ActivationQuantization(grid: .fp8, scale: .tensor), ActivationQuantization(grid: .int8, scale: .token, zeroPoint: 1)] {
            #expect {
                try CUDAInputQuantization(refused, module: "model.layers.0.mlp.down_proj")
            } throws: { error in
                guard case let RuntimeError.backendUnavailable(message) = error else { return false }
                return message.hasPrefix("model.layers.0.mlp.down_proj: ") && message.contains("does not run on cuda yet")
            }
        }
    }

    static let schemes = ["FP8_DYNAMIC", "W8A8", "W4A16", "NVFP4A16", "NVFP4"]

    /// Each layer of tiny-llama compressed with `scheme`, against its decoded projections multiplied
    /// in f64 after the rounding of their group (NVFP4's inputs are refused instead).
    @Test(arguments: schemes) func decodedProjectionsComputeWhatEachLayerComputes(_ scheme: String) throws {
        let folder = TemporaryFolder("cuda-projections")
        let model = try DecoderModel(directory: try CompressedLinearTests.compress(scheme, into: folder))
        var random = RandomSource(seed: 3)
        for (index, layer) in model.layers.enumerated() {
            guard case let .dense(gateUp, down) = layer.feedForward else { Issue.record("not dense"); return }
            for (name, linear) in [("qkv", layer.queryKeyValue), ("o", layer.output), ("gate_up", gateUp), ("down", down), ("head", model.head)] {
                let module = "layer \(index) \(name)"
                guard let groups = Self.groups(of: linear, module: module, scheme: scheme) else { continue }
                #expect(scheme != "NVFP4" || name == "head", "\(scheme) \(module): NVFP4 inputs were not refused")
                // Stacked parts of one scheme are one launch (the head is dense and unrounded).
                #expect(groups.count == 1)
                let rows = 3, k = linear.inputFeatures, n = linear.outputFeatures
                let x = (0..<rows * k).map { _ in Float(random.unit() - 0.5) * 4 }
                var expected = [Float](repeating: 0, count: rows * n)
                linear.apply(x, rows: rows, into: &expected)
                var got = [Float](repeating: 0, count: rows * n), column = 0
                for group in groups {
                    var input = x
                    if let activations = group.parts[0].activations { activations.apply(&input, rows: rows, columns: k) }
                    for part in group.parts {
                        #expect(part.weight.count == part.outputs * k && part.inputs == k)
                        for r in 0..<rows {
                            for o in 0..<part.outputs {
                                let sum = (0..<k).reduce(0.0) { $0 + Double(input[r * k + $1]) * Double(part.weight[o * k + $1]) }
                                got[r * n + column + o] = Float(sum) + (part.bias?[o] ?? 0)
                            }
                        }
                        column += part.outputs
                    }
                }
                #expect(column == n)
                let largest = expected.map(abs).max() ?? 0, worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * largest, "\(scheme) \(module): error \(worst) of \(largest)")
            }
        }
    }

    /// The launch groups of `linear`, or nil (recorded as expected only for NVFP4's inputs) when refused.
    static func groups(of linear: any Linear, module: String, scheme: String) -> [(input: CUDAInputQuantization?, parts: [DecodedProjection])]? {
        do {
            return try CUDALinear.groups(DecodedProjection.projections(of: linear, module: module), module: module)
        } catch {
            let refused = "\(error)"
            #expect(scheme == "NVFP4" && refused.contains("does not run on cuda yet"), "\(scheme) \(module): \(refused)")
            return nil
        }
    }
}
