import Foundation
import Modifiers
import Recipes
@testable import Runtime
import Tokenizers
import Testing
import TestSupport
import Verification

/// `oneshot` → `verify --against` → `eval` on the tiny calibrated Llama, whose layers are 128 or
/// 256 columns wide, so that every format fits it (groups of 16, 32, 64 and 128, blocks of 128).
struct RoundTrip {
    static let model = Fixtures.path("models/llama_calib")
    /// GPL-3 tokenized with the model's tokenizer, as `compress eval` tokenizes it.
    static let tokens: Result<[Int], any Error> = Result {
        let text = try String(contentsOfFile: Fixtures.path("text/GPL-3"), encoding: .utf8)
        return try Tokenizer(path: model).encode(text, addSpecialTokens: false)
    }

    let report: VerificationReport
    let compressed: DecoderModel
    let perplexity: Double

    /// Compresses the model with the QuantizationModifier `modifier` (YAML, indented as the
    /// modifier's body) into `folder`, verifies it against the model and scores 4 windows of 128 tokens.
    init(modifier: String, in folder: TemporaryFolder) throws {
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n" + modifier, file: "recipe.yaml")
        let output = folder.file("out")
        try Compressor.run(model: Self.model, recipe: recipe, output: output, options: OneshotOptions(threads: 2))
        report = try Verifier.verify(checkpoint: output, against: Self.model, options: VerificationOptions(threads: 2))
        compressed = try DecoderModel(directory: output, threads: 2)
        perplexity = try Perplexity.evaluate(model: compressed, tokens: try Self.tokens.get(), context: 128, windows: 4).perplexity
    }

    /// The config group name and format `verify` reports for each quantized module.
    var groups: [String: (group: String, format: String)] {
        Dictionary(uniqueKeysWithValues: report.layers.map { ($0.module, ($0.group, $0.format)) })
    }

    /// How the runtime holds each quantized projection of the model: "fp8", "int8", "packed", "fp4"
    /// or "dense", by the checkpoint's module name.
    var runtimeKinds: [String: String] {
        var kinds: [String: String] = [:]
        for (l, layer) in compressed.layers.enumerated() {
            let attention = "model.layers.\(l).self_attn.", mlp = "model.layers.\(l).mlp."
            guard case let .dense(gateUp, down) = layer.feedForward else { continue }
            let projections: [(names: [String], linear: any Linear)] = [
                (["q_proj", "k_proj", "v_proj"].map { attention + $0 }, layer.queryKeyValue), ([attention + "o_proj"], layer.output),
                (["gate_proj", "up_proj"].map { mlp + $0 }, gateUp), ([mlp + "down_proj"], down),
            ]
            for (names, linear) in projections {
                for (name, kind) in zip(names, Self.kinds(of: linear)) { kinds[name] = kind }
            }
        }
        return kinds
    }

    /// The runtime kind a format's layers load as.
    static func kind(ofFormat format: String) -> String {
        switch format {
        case "float-quantized", "naive-quantized": return "fp8"
        case "int-quantized": return "int8"
        case "pack-quantized": return "packed"
        case "nvfp4-pack-quantized", "mxfp4-pack-quantized": return "fp4"
        default: return format
        }
    }

    private static func kinds(of linear: any Linear) -> [String] {
        switch linear {
        case let stacked as StackedLinear: return stacked.parts.flatMap(kinds)
        case is FP8Linear: return ["fp8"]
        case is Int8Linear, is W8A8Linear: return ["int8"]
        case is PackedIntLinear: return ["packed"]
        case is FP4Linear: return ["fp4"]
        default: return ["dense"]
        }
    }
}
