import JSON
import Testing
@testable import Recipes

/// Recipe shapes beyond the presets: stages, config_groups, scheme maps, KV cache, observers,
/// YAML anchors and merge keys, and what llm-compressor saves for each.
@Suite struct RecipeParsingTests {
    static let configGroupsRecipe = """
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              ignore: ["lm_head", "re:.*mlp.gate$"]
              config_groups:
                group_0:
                  weights:
                    num_bits: 8
                    type: "float"
                    symmetric: true
                    strategy: "channel"
                    dynamic: false
                  input_activations:
                    num_bits: 8
                    type: "float"
                    symmetric: true
                    strategy: "token"
                    dynamic: true
                  targets: ["Linear"]
        """

    static let configGroupsSaved = """
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights:
                    num_bits: 8
                    type: float
                    symmetric: true
                    group_size: null
                    strategy: channel
                    block_structure: null
                    dynamic: false
                    actorder: null
                    scale_dtype: null
                    zp_dtype: null
                    observer: memoryless_minmax
                    observer_kwargs: {}
                  input_activations:
                    num_bits: 8
                    type: float
                    symmetric: true
                    group_size: null
                    strategy: token
                    block_structure: null
                    dynamic: true
                    actorder: null
                    scale_dtype: null
                    zp_dtype: null
                    observer: null
                    observer_kwargs: {}
                  output_activations: null
                  format: null
              targets: [Linear]
              ignore: [lm_head, 're:.*mlp.gate$']
              bypass_divisibility_checks: false
              requires_calibration_data: false

        """

    @Test func configGroupsEqualThePreset() throws {
        let recipe = try Recipe.parse(yaml: Self.configGroupsRecipe, file: "cg.yaml")
        #expect(recipe.stages.map(\.name) == ["quant_stage"])
        let spec = try #require(recipe.onlyQuantization)
        #expect(spec.group == "quant")
        #expect(spec.scheme == nil)
        #expect(spec.configGroupsWritten)
        #expect(spec.position == SourcePosition(file: "cg.yaml", line: 3, column: 5))
        #expect(spec.configGroups.map(\.name) == ["group_0"])
        #expect(spec.configGroups[0].scheme == SchemePresets.scheme(named: "FP8_DYNAMIC", targets: ["Linear"]))
        #expect(recipe.savedYAML() == Self.configGroupsSaved)
        // The saved form parses back to the same recipe and saves identically.
        #expect(try Recipe.parse(yaml: Self.configGroupsSaved, file: "s.yaml").savedYAML() == Self.configGroupsSaved)
    }

    @Test func schemeMapKVCacheAndObservers() throws {
        let yaml = """
            default_modifiers:
              QuantizationModifier:
                ignore: [lm_head]
                scheme:
                  W8A8: "re:.*self_attn.*"
                  W4A16: ["re:.*mlp.*"]
                kv_cache_scheme: {num_bits: 8, type: float, symmetric: true, strategy: tensor}
                weight_observer: mse
                bypass_divisibility_checks: true
                start: 0
            """
        let recipe = try Recipe.parse(yaml: yaml, file: "m.yaml")
        #expect(recipe.stages.map(\.name) == ["default_stage"])
        let spec = try #require(recipe.onlyQuantization)
        #expect(spec.configGroups.map(\.name) == ["group_0", "group_1"])
        #expect(spec.configGroups[0].scheme.targets == ["re:.*self_attn.*"])
        #expect(spec.configGroups[1].scheme.targets == ["re:.*mlp.*"])
        #expect(spec.configGroups.allSatisfy { $0.scheme.weights?.observer == "mse" })
        #expect(spec.configGroups[0].scheme.inputActivations?.observer == nil)
        #expect(spec.resolvedTargets == ["re:.*self_attn.*", "re:.*mlp.*"])
        #expect(spec.kvCacheScheme?.strategy == .tensor)
        #expect(spec.kvCacheScheme?.observer == nil)  // never resolved, unlike config groups
        #expect(spec.requiresCalibrationData)  // a KV cache scheme needs calibration data
        #expect(spec.bypassDivisibilityChecks)
        #expect(recipe.savedYAML() == """
            default_stage:
              default_modifiers:
                QuantizationModifier:
                  targets: [Linear]
                  ignore: [lm_head]
                  scheme:
                    W8A8: ['re:.*self_attn.*']
                    W4A16: ['re:.*mlp.*']
                  kv_cache_scheme:
                    num_bits: 8
                    type: float
                    symmetric: true
                    group_size: null
                    strategy: tensor
                    block_structure: null
                    dynamic: false
                    actorder: null
                    scale_dtype: null
                    zp_dtype: null
                    observer: null
                    observer_kwargs: {}
                  weight_observer: mse
                  bypass_divisibility_checks: true
                  requires_calibration_data: true
                  start: 0.0

            """)
    }

    @Test func kvCacheOnlyGetsAnEmptyGroup() throws {
        let recipe = try Recipe.parse(yaml: """
            quant_stage:
              quant_modifiers:
                QuantizationModifier:
                  kv_cache_scheme:
                    {num_bits: 8, type: float, symmetric: true, strategy: tensor}
            """, file: "kv.yaml")
        let spec = try #require(recipe.onlyQuantization)
        #expect(spec.configGroups.count == 1)
        #expect(spec.configGroups[0].scheme == QuantizationScheme(targets: ["Linear"]))
        #expect(!spec.configGroups[0].scheme.requiresCalibration)
        #expect(spec.requiresCalibrationData)
    }

    @Test func calibrationPresetsParseButAreFlagged() throws {
        for preset in ["FP8", "NVFP4"] {
            let spec = try #require(try Recipe.parse(yaml: "QuantizationModifier: {scheme: \(preset)}", file: "c.yaml").onlyQuantization)
            #expect(spec.configGroups[0].scheme.requiresCalibration)
            #expect(spec.requiresCalibrationData)
            #expect(spec.targets == ["Linear"] && spec.ignore == [])
        }
    }

    @Test func staticActivationsFromConfigGroupsNeedCalibration() throws {
        let spec = try #require(try Recipe.parse(yaml: """
            QuantizationModifier:
              config_groups:
                g:
                  targets: [Linear]
                  weights: {num_bits: 8, type: int, strategy: channel}
                  input_activations: {num_bits: 8, symmetric: false, dynamic: false, strategy: tensor, type: int, observer: static_minmax}
            """, file: "s.yaml").onlyQuantization)
        let scheme = spec.configGroups[0].scheme
        #expect(spec.configGroups[0].name == "g")
        #expect(scheme.requiresCalibration)
        #expect(scheme.inputActivations?.configJSON["zp_dtype"] == .string("torch.int8"))
    }

    @Test func argsNormalisation() throws {
        let spec = try #require(try Recipe.parse(yaml: """
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 4, type: INT, group_size: 64, actorder: static, observer: mse, observer_kwargs: {maxshrink: 0.2, grid: 100}, zp_dtype: int8, scale_dtype: half}
                  format: pack-quantized
            """, file: "n.yaml").onlyQuantization)
        let w = try #require(spec.configGroups[0].scheme.weights)
        #expect(w.type == .int)
        #expect(w.strategy == .group)  // inferred from group_size
        #expect(w.actorder == "static")
        #expect(w.canonicalActorder == "weight")
        #expect(w.zpDtype == "torch.int8")
        #expect(w.scaleDtype == "torch.float16")
        #expect(w.observerKwargs == JSONObject([("maxshrink", .double(0.2)), ("grid", .integer(100))]))
        #expect(spec.configGroups[0].scheme.format == "pack-quantized")
        #expect(spec.configGroups[0].scheme.configJSON()["format"] == .string("pack-quantized"))

        let channel = try #require(try Recipe.parse(yaml: """
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, group_size: -1, block_structure: null}
                  input_activations: {num_bits: 8, strategy: token, dynamic: true, observer: minmax}
            """, file: "n.yaml").onlyQuantization)
        #expect(channel.configGroups[0].scheme.weights?.strategy == .channel)
        // A dynamic activation gets no default observer but keeps one it is given.
        #expect(channel.configGroups[0].scheme.inputActivations?.observer == "minmax")

        let block = try #require(try Recipe.parse(yaml: """
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, type: float, strategy: block, block_structure: "64x128"}
            """, file: "n.yaml").onlyQuantization)
        #expect(block.configGroups[0].scheme.weights?.blockStructure == [64, 128])
    }

    @Test func targetsAsStringAndPresetCase() throws {
        let spec = try #require(try Recipe.parse(yaml: "QuantizationModifier: {targets: Linear, scheme: w4a16}", file: "t.yaml").onlyQuantization)
        #expect(spec.targets == ["Linear"])
        #expect(spec.scheme == .preset("w4a16"))
        #expect(spec.configGroups[0].scheme == SchemePresets.scheme(named: "W4A16", targets: ["Linear"]))
    }

    @Test func anchorsMergeKeysAndStages() throws {
        let yaml = """
            first_stage:
              a_modifiers:
                QuantizationModifier: &q
                  targets: [Linear]
                  ignore: [lm_head]
                  scheme: W8A16
            second_stage:
              b_modifiers:
                QuantizationModifier:
                  <<: *q
                  ignore: [lm_head, "re:.*gate"]
                  scheme: W4A16
            """
        let recipe = try Recipe.parse(yaml: yaml, file: "a.yaml")
        #expect(recipe.stages.map(\.name) == ["first_stage", "second_stage"])
        guard case let .quantization(second) = recipe.stages[1].modifiers[0] else { return }
        #expect(second.group == "b")
        #expect(second.ignore == ["lm_head", "re:.*gate"])
        #expect(second.targets == ["Linear"])
        #expect(second.scheme == .preset("W4A16"))
        #expect(recipe.savedYAML().hasPrefix("first_stage:\n  a_modifiers:\n    QuantizationModifier:\n"))
        #expect(recipe.savedYAML().contains("second_stage:\n  b_modifiers:\n    QuantizationModifier:\n"))
    }

    @Test func observerMapWinsAndRevalidates() throws {
        let spec = try #require(try Recipe.parse(yaml: """
            QuantizationModifier:
              scheme: FP8
              observer: {weights: MSE, input: minmax}
            """, file: "o.yaml").onlyQuantization)
        let scheme = spec.configGroups[0].scheme
        #expect(scheme.weights?.observer == "MSE")
        #expect(scheme.inputActivations?.observer == "minmax")
        #expect(spec.observerOverrides?.map(\.key) == ["weights", "input"])
    }

    @Test func flatGroupsAndMixedTopLevel() throws {
        let recipe = try Recipe.parse(yaml: """
            QuantizationModifier: {scheme: W4A16, targets: [re:.*mlp.*]}
            quant_stage:
              quant_modifiers:
                QuantizationModifier: {scheme: W8A8, targets: [re:.*self_attn.*]}
            """, file: "f.yaml")
        #expect(recipe.stages.map(\.name) == ["default_stage", "quant_stage"])
        #expect(recipe.modifiers.count == 2)
    }
}
