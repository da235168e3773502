import Testing
@testable import Recipes

/// How GPTQModifier, SmoothQuantModifier and AWQModifier keys are refused: what llm-compressor
/// 0.14 refuses, plus what it accepts but fails on once calibration has run.
extension RecipeErrorTests {
    @Test func gptqUnknownAndMovedKeys() {
        expectError("GPTQModifier:\n  scheme: W4A16\n  blocksize: 64\n", line: 3, column: 3,
                    "unknown key 'blocksize' in GPTQModifier", "did you mean 'block_size'?")
        expectError("GPTQModifier:\n  scheme: W4A16\n  dampening_fraction: 0.1\n", line: 3, column: 3, "did you mean 'dampening_frac'?")
        expectError("GPTQModifier:\n  scheme: W4A16\n  sequential_targets: [LlamaDecoderLayer]\n", line: 3, column: 3,
                    "key 'sequential_targets' is not supported", "argument of oneshot")
        expectError("GPTQModifier:\n  scheme: W4A16\n  offload_hessians: true\n", line: 3, column: 3,
                    "key 'offload_hessians' is not supported", "no longer has it")
        expectError("GPTQModifier:\n  scheme: W4A16\n  group: quant\n", line: 3, column: 3, "key 'group' is not supported")
    }

    @Test func gptqNeedsAScheme() throws {
        // Without any quantization field it solves an earlier modifier's layers (llm-compressor's
        // `has_config()` false); targets or ignore written make it a configuration without a scheme.
        let bare = try Recipe.parse(yaml: "GPTQModifier:\n  block_size: 64\n", file: "r.yaml")
        guard case let .gptq(spec)? = bare.modifiers.first else { Issue.record("not a GPTQModifier"); return }
        #expect(!spec.hasConfiguration && spec.blockSize == 64)
        expectError("GPTQModifier:\n  block_size: 64\n  ignore: [lm_head]\n", line: 1, column: 1,
                    "GPTQModifier needs 'scheme', 'config_groups' or 'kv_cache_scheme'")
        expectError("GPTQModifier:\n  targets: [Embedding]\n", line: 1, column: 1, "GPTQModifier needs 'scheme'")
        expectError("GPTQModifier:\n", line: 1, column: 1, "GPTQModifier needs 'scheme'")
        expectError("""
            GPTQModifier:
              scheme: W4A16
              config_groups: {g: {targets: [Linear], weights: {num_bits: 4}}}
            """, line: 3, column: 3, "GPTQModifier takes either 'scheme' or 'config_groups', not both")
        // The QuantizationMixin keys are validated as QuantizationModifier's are.
        expectError("GPTQModifier:\n  scheme: W4A61\n", line: 2, column: 11, "unknown preset scheme 'W4A61'", "did you mean 'W4A16'?")
        expectError("GPTQModifier:\n  scheme: W4A16\n  ignore: ['re:(']\n", line: 3, column: 12, "invalid regular expression 're:('")
    }

    @Test func gptqValues() {
        expectError("GPTQModifier:\n  scheme: W4A16\n  block_size: 0\n", line: 3, column: 15, "invalid block_size 0", "positive")
        expectError("GPTQModifier:\n  scheme: W4A16\n  block_size: '64'\n", line: 3, column: 15, "'block_size' must be an integer")
        expectError("GPTQModifier:\n  scheme: W4A16\n  dampening_frac: null\n", line: 3, column: 19, "invalid dampening_frac null")
        expectError("GPTQModifier:\n  scheme: W4A16\n  dampening_frac: -0.1\n", line: 3, column: 19, "invalid dampening_frac -0.1", "≥ 0")
        expectError("GPTQModifier:\n  scheme: W4A16\n  dampening_frac: .nan\n", line: 3, column: 19, "invalid dampening_frac")
        expectError("GPTQModifier:\n  scheme: W4A16\n  batched_quantization: 0\n", line: 3, column: 25, "invalid batched_quantization 0")
        expectError("GPTQModifier:\n  scheme: W4A16\n  batched_quantization: Auto\n", line: 3, column: 25,
                    "invalid batched_quantization 'Auto'", "did you mean 'auto'?")
        expectError("GPTQModifier:\n  scheme: W4A16\n  batched_quantization: true\n", line: 3, column: 25, "'batched_quantization' must be")
    }

    @Test func gptqActorder() {
        expectError("GPTQModifier:\n  scheme: W4A16\n  actorder: group\n", line: 3, column: 13,
                    "invalid actorder 'group'", "expected one of: weight, static")
        expectError("GPTQModifier:\n  scheme: W4A16\n  actorder: Static\n", line: 3, column: 13, "invalid actorder 'Static'", "did you mean 'static'?")
        expectError("GPTQModifier:\n  scheme: W4A16\n  actorder: true\n", line: 3, column: 13, "'actorder' must be")
        // A written actorder must agree with the config groups' own ("static" and "weight" agree).
        let groups = """
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 4, group_size: 64, actorder: weight}
            """
        expectError("GPTQModifier:\n  actorder: null\n" + groups, line: 2, column: 13,
                    "GPTQModifier actorder null differs from actorder 'weight' of config group 'group_0'")
        #expect(parseError("GPTQModifier:\n  actorder: static\n" + groups) == nil)
    }

    /// compressed-tensors 0.19 removed the "group" activation ordering and `actorder: true`.
    @Test func quantizationArgsActorder() {
        func weights(_ actorder: String) -> String {
            "QuantizationModifier:\n  config_groups:\n    g:\n      targets: [Linear]\n      weights: {num_bits: 4, group_size: 64, actorder: \(actorder)}\n"
        }
        expectError(weights("group"), line: 5, column: 56, "actorder 'group' was removed in compressed-tensors 0.19")
        expectError(weights("dynamic"), line: 5, column: 56, "actorder 'dynamic' was removed")
        expectError(weights("true"), line: 5, column: 56, "actorder: true (which meant 'group') was removed")
        expectError(weights("Weight"), line: 5, column: 56, "invalid actorder 'Weight'", "did you mean 'weight'?")
        #expect(parseError(weights("false")) == nil)
    }

    @Test func smoothQuantValues() {
        expectError("SmoothQuantModifier:\n  smoothing_strength: 1.5\n", line: 2, column: 23, "invalid smoothing_strength 1.5", "between 0 and 1")
        expectError("SmoothQuantModifier:\n  smoothing_strength: -0.1\n", line: 2, column: 23, "between 0 and 1")
        expectError("SmoothQuantModifier:\n  smoothing_strength: high\n", line: 2, column: 23, "'smoothing_strength' must be a number")
        expectError("SmoothQuantModifier:\n  algorithm: log\n", line: 2, column: 14, "invalid algorithm 'log'",
                    "expected one of: smoothquant, log_equalization")
        expectError("SmoothQuantModifier:\n  ignore: lm_head\n", line: 2, column: 11, "'ignore' must be a list of strings")
        expectError("SmoothQuantModifier:\n  num_calibration_steps: 0\n", line: 2, column: 26, "invalid num_calibration_steps 0")
        expectError("SmoothQuantModifier:\n  calibration_function: forward\n", line: 2, column: 3,
                    "key 'calibration_function' is not supported", "Python function")
        expectError("SmoothQuantModifier:\n  end: 2\n", line: 2, column: 8, "invalid end 2", "one-shot")
        expectError("SmoothQuantModifier:\n  smoothing_strenght: 0.8\n", line: 2, column: 3, "did you mean 'smoothing_strength'?")
        expectError("SmoothQuantModifier:\n  scheme: W8A8\n", line: 2, column: 3,
                    "key 'scheme' is not supported", "SmoothQuantModifier does not quantize")
        expectError("SmoothQuantModifier:\n", line: 1, column: 21, "'SmoothQuantModifier' must be a mapping")
    }

    @Test func smoothQuantMappings() {
        expectError("SmoothQuantModifier:\n  mappings: ['re:.*q_proj']\n", line: 2, column: 14,
                    "'mappings' must be a list of [[balance layers], smooth layer] pairs", "found the string")
        expectError("SmoothQuantModifier:\n  mappings: [[[a], b, c]]\n", line: 2, column: 14, "found a list of 3 items")
        expectError("SmoothQuantModifier:\n  mappings: [[[a, 3], b]]\n", line: 2, column: 19, "a list holding the integer 3")
        expectError("SmoothQuantModifier:\n  mappings: [[[], b]]\n", line: 2, column: 15, "non-empty list")
        expectError("SmoothQuantModifier:\n  mappings: [[[a], 're:(']]\n", line: 2, column: 20, "invalid regular expression 're:('")
        expectError("SmoothQuantModifier:\n  mappings: {a: b}\n", line: 2, column: 13, "'mappings' must be a list")
    }

    @Test func awqValues() {
        let quantization = "QuantizationModifier:\n  scheme: W4A16\n"
        expectError("AWQModifier:\n  duo_scaling: Both\n" + quantization, line: 2, column: 16, "invalid duo_scaling 'Both'", "did you mean 'both'?")
        expectError("AWQModifier:\n  duo_scaling: 1\n" + quantization, line: 2, column: 16, "'duo_scaling' must be true, false or \"both\"")
        expectError("AWQModifier:\n  n_grid: 2.5\n" + quantization, line: 2, column: 11, "'n_grid' must be an integer")
        expectError("AWQModifier:\n  n_grid: 3\n  duo_scaling: both\n" + quantization, line: 2, column: 11, "invalid n_grid 3", "at least 4")
        expectError("AWQModifier:\n  n_grid: 2\n" + quantization, line: 2, column: 11, "at least 3")
        expectError("AWQModifier:\n  n_grid: 1\n  duo_scaling: false\n" + quantization, line: 2, column: 11, "at least 2")
        #expect(parseError("AWQModifier:\n  n_grid: 2\n  duo_scaling: false\n" + quantization) == nil)
        expectError("AWQModifier:\n  offload_device: gpu\n" + quantization, line: 2, column: 19, "invalid offload_device 'gpu'")
        expectError("AWQModifier:\n  offload_device: 'cuda:'\n" + quantization, line: 2, column: 19, "invalid offload_device 'cuda:'")
        expectError("AWQModifier:\n  offload_device: cpux\n" + quantization, line: 2, column: 19, "did you mean 'cpu'?")
    }

    /// In llm-compressor 0.14 AWQModifier only scales: the scheme goes in a modifier after it.
    @Test func awqQuantizationKeysAndOrder() {
        expectError("AWQModifier:\n  scheme: W4A16\n  ignore: [lm_head]\nQuantizationModifier:\n  scheme: W4A16\n", line: 2, column: 3,
                    "key 'scheme' is not supported", "AWQModifier does not quantize", "QuantizationModifier or GPTQModifier after it")
        expectError("AWQModifier: {}\n", line: 1, column: 1, "AWQModifier needs a QuantizationModifier or GPTQModifier after it")
        expectError("QuantizationModifier:\n  scheme: W4A16\nAWQModifier: {}\n", line: 3, column: 1, "needs a QuantizationModifier")
        expectError("""
            awq_stage:
              awq_modifiers:
                AWQModifier: {}
                SmoothQuantModifier: {}
            """, line: 3, column: 5, "needs a QuantizationModifier")
        // A quantizing modifier in a later stage is enough.
        #expect(parseError("""
            awq_stage:
              awq_modifiers:
                AWQModifier: {}
            quant_stage:
              quant_modifiers:
                GPTQModifier: {scheme: W4A16}
            """) == nil)
    }

    @Test func awqMappings() {
        let quantization = "QuantizationModifier:\n  scheme: W4A16\n"
        expectError("AWQModifier:\n  mappings: [{smooth_layer: a}]\n" + quantization, line: 2, column: 14, "AWQ mapping needs 'balance_layers'")
        expectError("AWQModifier:\n  mappings: [{balance_layers: [a]}]\n" + quantization, line: 2, column: 14, "AWQ mapping needs 'smooth_layer'")
        expectError("AWQModifier:\n  mappings: [{smooth_layer: a, balance_layers: [b], smooth_layers: c}]\n" + quantization, line: 2, column: 53,
                    "unknown key 'smooth_layers' in AWQ mapping", "did you mean 'smooth_layer'?")
        expectError("AWQModifier:\n  mappings: [{smooth_layer: a, balance_layers: b}]\n" + quantization, line: 2, column: 48,
                    "'balance_layers' must be a list of strings")
        expectError("AWQModifier:\n  mappings: [[a, [b]]]\n" + quantization, line: 2, column: 14, "a list holding a list")
    }

    @Test func mappingsForAnArchitectureNotCarried() throws {
        let recipe = try Recipe.parse(yaml: "SmoothQuantModifier: {}\nGPTQModifier: {scheme: W8A8}\n", file: "r.yaml")
        let cohere = ModelDefaults(architecture: "CohereForCausalLM", smoothQuantMappings: nil, awqMappings: nil, isMixtureOfExperts: false)
        #expect(throws: RecipeError.noDefaultMappings(SourcePosition(file: "r.yaml", line: 1, column: 1),
                                                      modifier: "SmoothQuantModifier", architecture: "CohereForCausalLM")) {
            try recipe.initialized(for: cohere)
        }
    }
}
