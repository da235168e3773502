import Checkpoint
import Foundation
@testable import Modifiers
import Recipes
import Testing
import TestSupport

/// The activation and cache forms of llm-compressor 0.14 beyond per-tensor symmetric input scales,
/// against its outputs (`scripts/make-activation-forms-references.py`): static asymmetric int8
/// inputs with zero points, KV-cache-only recipes per tensor and per head, an `lm_head` with static
/// inputs (calibrated within StaticActivationTests' tolerance: 1% for scales, one step for zero
/// points), and Embedding targets (data-free, byte for byte).
@Suite struct ActivationFormsTests {
    struct Reference {
        let recipes: [String: [String: Any]]

        /// The calibrated references in fixture `file`, as scripts/tiny_fixture.py's `run_calibrated` lays them out.
        init(_ file: String = "activation-forms-reference.json") throws {
            let json = try JSONSerialization.jsonObject(with: Fixtures.data(file)) as! [String: Any]
            recipes = json["recipes"] as! [String: [String: Any]]
        }

        func recipe(_ name: String) throws -> Recipe {
            try Recipe.parse(yaml: recipes[name]!["recipe"] as! String, file: name)
        }

        /// The reference's tensors of recipe `name`: dtype, shape and (small ones) values.
        func tensors(_ name: String) -> [String: [String: Any]] {
            recipes[name]!["tensors"] as! [String: [String: Any]]
        }
    }

    /// Runs reference recipe `name` on the calibration model with the calibration reference's samples.
    static func compress(_ name: String, _ reference: Reference) throws -> TemporaryFolder {
        try StaticActivationTests.compress(reference.recipe(name), samples: StaticActivationTests.Reference().samples)
    }

    /// Every reference tensor whose name ends with one of `suffixes` is in the output with the
    /// reference's shape and agrees with it: scales within 1%, zero points within one step.
    /// Returns how many were compared.
    static func compareScales(_ name: String, suffixes: [String], reference: Reference, output: String) throws -> Int {
        let reader = try TensorReader(directory: output)
        var compared = 0
        for (tensor, record) in reference.tensors(name) where suffixes.contains(where: tensor.hasSuffix) {
            let expected = (record["values"] as! [Double]).map(Float.init)
            let info = try #require(reader.info(tensor), "\(tensor) missing")
            #expect(info.shape == record["shape"] as! [Int], "\(tensor)")
            if tensor.hasSuffix("zero_point") {
                #expect(info.dtype == .i8)
                let actual = reader.checkpoint.tensors.first { $0.name == tensor }.map { Array(reader.checkpoint.data($0)) }!
                    .map { Float(Int8(bitPattern: $0)) }
                #expect(zip(actual, expected).allSatisfy { abs($0 - $1) <= 1 }, "\(tensor): \(actual) vs \(expected)")
            } else {
                #expect(info.dtype == .bf16, "\(tensor)")
                let actual = try reader.floats(tensor)
                #expect(actual.count == expected.count)
                #expect(zip(actual, expected).allSatisfy { abs($0 - $1) <= 0.01 * $1 }, "\(tensor): \(actual) vs \(expected)")
            }
            compared += 1
        }
        return compared
    }

    /// The output's quantization_config and saved recipe are llm-compressor's, and it holds the
    /// reference's tensors (with their shapes), no more.
    static func expectSameConfigAndTensors(_ name: String, reference: Reference, output: String) throws {
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/config.json"))) as! [String: Any]
        let expected = reference.recipes[name]!["quantization_config"] as! [String: Any]
        #expect(NSDictionary(dictionary: config["quantization_config"] as! [String: Any]).isEqual(to: expected), "\(name)")
        let saved = try String(contentsOfFile: output + "/recipe.yaml", encoding: .utf8)
        #expect(saved == reference.recipes[name]!["saved_recipe"] as! String, "\(name)")
        let reader = try TensorReader(directory: output)
        #expect(Set(reader.names) == Set(reference.tensors(name).keys), "\(name)")
    }

    @Test func asymmetricStaticInputsMatchLlmCompressor() throws {
        let reference = try Reference()
        let name = "int8_asymmetric_static_inputs"
        let folder = try Self.compress(name, reference)
        try Self.expectSameConfigAndTensors(name, reference: reference, output: folder.file("out"))
        // 7 Linear layers a block, 2 blocks, each with a scale and a zero point.
        #expect(try Self.compareScales(name, suffixes: ["input_scale", "input_zero_point"], reference: reference, output: folder.file("out")) == 28)
    }

    @Test(arguments: ["kv_cache_only", "kv_cache_only_attn_head", "fp8_attn_head_kv_cache"])
    func keyValueCacheFormsMatchLlmCompressor(_ name: String) throws {
        let reference = try Reference()
        let folder = try Self.compress(name, reference)
        try Self.expectSameConfigAndTensors(name, reference: reference, output: folder.file("out"))
        #expect(try Self.compareScales(name, suffixes: ["k_scale", "v_scale"], reference: reference, output: folder.file("out")) == 4)
    }

    @Test func aKeyValueCacheOnlyRecipeCopiesEveryWeight() throws {
        let reference = try Reference()
        let folder = try Self.compress("kv_cache_only", reference)
        let input = try Checkpoint(directory: StaticActivationTests.model)
        let output = try Checkpoint(directory: folder.file("out"))
        for tensor in input.tensors {
            let copy = try #require(output.tensors.first { $0.name == tensor.name })
            #expect(Array(output.data(copy)) == Array(input.data(tensor)), "\(tensor.name)")
        }
    }

    @Test func lmHeadStaticInputsAreCalibratedAfterTheLastBlock() throws {
        let reference = try Reference()
        let name = "fp8_lm_head_static_inputs"
        let folder = try Self.compress(name, reference)
        try Self.expectSameConfigAndTensors(name, reference: reference, output: folder.file("out"))
        #expect(try Self.compareScales(name, suffixes: ["input_scale"], reference: reference, output: folder.file("out")) == 15)
    }

    @Test(arguments: ["tiny-llama--EMBEDDING_W8_CHANNEL", "tiny-llama--EMBEDDING_W4_G32_LINEAR_W4A16"])
    func embeddingTargetsMatchLlmCompressorByteForByte(_ reference: String) throws {
        let recipe = try Recipe.load(path: Fixtures.path("references/\(reference)/recipe.yaml"))
        let folder = TemporaryFolder("embedding")
        try Compressor.run(model: Fixtures.path("tiny-llama"), recipe: recipe, output: folder.file("out"), options: OneshotOptions(threads: 2))
        let manifest = try ReferenceManifest(path: Fixtures.path("references/\(reference)/manifest.json"))
        let differences = try manifest.differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// An Embedding reads token ids: a scheme quantizing its activations is refused, naming it.
    @Test func anEmbeddingWithActivationsIsRefused() throws {
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  targets: [Embedding]\n  scheme: FP8_DYNAMIC\n", file: "embedding.yaml")
        #expect {
            _ = try OneshotPlan(model: Fixtures.path("tiny-llama"), recipe: recipe)
        } throws: { error in
            "\(error)".contains("'model.embed_tokens' is an Embedding")
        }
    }

    /// Attention quantization (examples/quantization_attention: a config group of input
    /// activations only on the attention modules) against llm-compressor 0.14
    /// (`scripts/make-attention-references.py`): the same config (the attention group stored
    /// `dense`, its arguments as the `kv_cache_scheme`) and tensors, `k_scale`/`v_scale` within 1%,
    /// zero points zero; `q_scale` within 1% of the post-RoPE queries' scale llm-compressor
    /// calibrates when its query hook runs (its own run leaves q_scale uninitialized).
    @Test(arguments: [("attention_fp8_attn_head", [4, 1, 1]), ("fp8_with_attention_tensor", [1])])
    func attentionQuantizationMatchesLlmCompressor(_ name: String, queryShape: [Int]) throws {
        let reference = try Reference("attention-reference.json")
        let folder = try Self.compress(name, reference)
        let output = folder.file("out")
        try Self.expectSameConfigAndTensors(name, reference: reference, output: output)
        #expect(try Self.compareScales(name, suffixes: ["k_scale", "v_scale"], reference: reference, output: output) == 4)
        let reader = try TensorReader(directory: output)
        let hooked = reference.recipes[name]!["hooked_query_scales"] as! [String: [Double]]
        #expect(hooked.count == 2)
        for (tensor, values) in hooked {
            #expect(reader.info(tensor)?.shape == queryShape)
            let actual = try reader.floats(tensor)
            #expect(zip(actual, values.map(Float.init)).allSatisfy { abs($0 - $1) <= 0.01 * $1 }, "\(tensor): \(actual) vs \(values)")
        }
        for tensor in reader.names where tensor.hasSuffix("_zero_point") {
            #expect(reader.info(tensor)?.dtype == .f8e4m3)
            let bytes = try #require(reader.checkpoint.tensors.first { $0.name == tensor }.map { Array(reader.checkpoint.data($0)) })
            #expect(bytes.allSatisfy { $0 == 0 }, "\(tensor)")
        }
    }

    /// compressed-tensors quantizes an attention module only for a target that matches it
    /// narrowly (`is_narrow_match`): by its class, its name or a pattern ending at it; a pattern
    /// that also matches its projections applies the group to them as Linear layers, where a
    /// scheme without weights is refused.
    @Test func attentionTargetsMustNameTheAttentionModuleItself() throws {
        func plan(_ target: String) throws -> OneshotPlan {
            let yaml = """
                QuantizationModifier:
                  config_groups:
                    attention:
                      targets: ['\(target)']
                      input_activations: {num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}
                """
            return try OneshotPlan(model: StaticActivationTests.model, recipe: Recipe.parse(yaml: yaml, file: "attention.yaml"))
        }
        for target in ["LlamaAttention", "re:.*self_attn$", "model.layers.1.self_attn"] {
            let modules = try plan(target).quantization.attention.map(\.module)
            #expect(modules == (target.hasPrefix("model.") ? [target] : ["model.layers.0.self_attn", "model.layers.1.self_attn"]), "\(target)")
        }
        #expect {
            _ = try plan("re:.*self_attn.*")
        } throws: { error in
            "\(error)".contains("a scheme without weight quantization is not supported")
        }
    }

    /// Attention quantization's group takes input activations only: weights on attention modules
    /// are refused in one line, naming the module, as compressed-tensors refuses them.
    @Test func attentionQuantizationWithWeightsIsRefused() throws {
        let yaml = """
            QuantizationModifier:
              config_groups:
                attention:
                  targets: [LlamaAttention]
                  weights: {num_bits: 8, type: float, strategy: channel}
                  input_activations: {num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}
            """
        let recipe = try Recipe.parse(yaml: yaml, file: "attention.yaml")
        #expect {
            _ = try OneshotPlan(model: StaticActivationTests.model, recipe: recipe)
        } throws: { error in
            let line = "\(error)"
            return line.contains("attention module 'model.layers.0.self_attn'") && !line.contains("\n")
        }
    }

    @Test(arguments: ["{num_bits: 8, type: float, symmetric: false, strategy: tensor, dynamic: false}",
                      "{num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: true}",
                      "{num_bits: 8, type: int, symmetric: true, strategy: channel, dynamic: false}"])
    func keyValueCacheSchemesThatCannotBeCalibratedAreRefused(_ scheme: String) throws {
        let recipe = try Recipe.parse(yaml: "QuantizationModifier:\n  kv_cache_scheme: \(scheme)\n", file: "kv.yaml")
        #expect {
            _ = try OneshotPlan(model: StaticActivationTests.model, recipe: recipe)
        } throws: { error in
            "\(error)".contains("kv_cache_scheme") && "\(error)".contains("not supported")
        }
    }
}
