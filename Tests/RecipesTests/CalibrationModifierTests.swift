import Testing
@testable import Recipes

/// What GPTQModifier, SmoothQuantModifier and AWQModifier hold after parsing: llm-compressor
/// 0.14's defaults, every field written, GPTQ's activation ordering resolved into its config
/// groups, and the mappings the model's defaults fill in.
@Suite struct CalibrationModifierTests {
    static func modifiers(_ yaml: String) throws -> [RecipeModifier] {
        try Recipe.parse(yaml: yaml, file: "r.yaml").modifiers
    }

    @Test func gptqDefaults() throws {
        let modifiers = try Self.modifiers("GPTQModifier:\n  scheme: W4A16\n")
        guard case let .gptq(spec) = modifiers.first else { Issue.record("\(modifiers)"); return }
        #expect(spec.blockSize == 128)
        #expect(spec.dampeningFrac == 0.01)
        #expect(spec.actorder == .unset)
        #expect(spec.batchedQuantization == .auto)
        #expect(spec.quantization.requiresCalibrationData)
        #expect(spec.quantization.targets == ["Linear"])
        #expect(spec.quantization.group == "default")
        #expect(modifiers[0].name == "GPTQModifier")
        #expect(modifiers[0].position == SourcePosition(file: "r.yaml", line: 1, column: 1))
        // The preset's weights get llm-compressor's default "static" ordering.
        #expect(spec.quantization.configGroups[0].scheme.weights?.actorder == nil)
        #expect(spec.resolvedConfigGroups[0].scheme.weights?.actorder == "static")
    }

    @Test func gptqTakesEveryQuantizationModifierKey() throws {
        let modifiers = try Self.modifiers("""
            quant_stage:
              quant_modifiers:
                GPTQModifier:
                  targets: Linear
                  ignore: [lm_head, 're:.*gate$']
                  scheme: FP8
                  kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false}
                  weight_observer: mse
                  bypass_divisibility_checks: true
                  requires_calibration_data: false
                  index: 3
                  block_size: 64
                  dampening_frac: 0.1
                  actorder: weight
                  batched_quantization: 8
            """)
        guard case let .gptq(spec) = modifiers.first else { Issue.record("\(modifiers)"); return }
        #expect(spec.quantization.group == "quant")
        #expect(spec.quantization.targets == ["Linear"])
        #expect(spec.quantization.ignore == ["lm_head", "re:.*gate$"])
        #expect(spec.quantization.scheme == .preset("FP8"))
        #expect(spec.quantization.kvCacheScheme?.type == .float)
        #expect(spec.quantization.configGroups[0].scheme.weights?.observer == "mse")
        #expect(spec.quantization.bypassDivisibilityChecks)
        // A KV cache scheme needs calibration whatever is written (llm-compressor's validator).
        #expect(spec.quantization.requiresCalibrationData)
        #expect(spec.quantization.index == 3)
        #expect(spec.blockSize == 64)
        #expect(spec.dampeningFrac == 0.1)
        #expect(spec.actorder == .written("weight"))
        #expect(spec.batchedQuantization == .maxBatch(8))
        #expect(spec.resolvedConfigGroups[0].scheme.weights?.actorder == "weight")
    }

    /// llm-compressor's `resolve_actorder`, group by group.
    @Test(arguments: [
        // (GPTQ actorder line, group actorder, resolved)
        ("", nil, "static"),
        ("", "weight", "weight"),
        ("actorder: null", nil, nil),
        ("actorder: weight", nil, "weight"),
        ("actorder: static", "weight", "static"),
        ("actorder: weight", "static", "weight"),
    ] as [(String, String?, String?)])
    func gptqActorderResolution(modifierLine: String, groupActorder: String?, resolved: String?) throws {
        let modifiers = try Self.modifiers("""
            GPTQModifier:
              \(modifierLine)
              config_groups:
                g0:
                  targets: [Linear]
                  weights: {num_bits: 4, group_size: 64\(groupActorder.map { ", actorder: \($0)" } ?? "")}
                g1:
                  targets: [Embedding]
                  input_activations: {num_bits: 8, strategy: token, dynamic: true}
            """)
        guard case let .gptq(spec) = modifiers.first else { Issue.record("\(modifiers)"); return }
        #expect(spec.quantization.configGroups[0].scheme.weights?.actorder == groupActorder)
        #expect(spec.resolvedConfigGroups[0].scheme.weights?.actorder == resolved)
        // A group without weights is left as it is.
        #expect(spec.resolvedConfigGroups[1].scheme == spec.quantization.configGroups[1].scheme)
    }

    @Test func smoothQuantDefaultsAndFields() throws {
        guard case let .smoothQuant(defaults) = try Self.modifiers("SmoothQuantModifier: {}\n").first else { Issue.record("not SmoothQuant"); return }
        #expect(defaults.smoothingStrength == 0.5)
        #expect(defaults.mappings == nil)
        #expect(defaults.ignore == nil)
        #expect(defaults.algorithm == .smoothQuant)
        #expect(defaults.base.requiresCalibrationData)

        let modifiers = try Self.modifiers("""
            SmoothQuantModifier:
              smoothing_strength: 1
              mappings:
                - [["re:.*q_proj", "re:.*k_proj"], "re:.*input_layernorm"]
                - ["re:.*fc1", "re:.*final_layer_norm"]
              ignore: [model.norm]
              num_calibration_steps: 16
              algorithm: log_equalization
              start: -1
            """)
        guard case let .smoothQuant(spec) = modifiers.first else { Issue.record("\(modifiers)"); return }
        #expect(spec.smoothingStrength == 1)
        #expect(spec.mappings == [
            SmoothQuantMapping(balanceLayers: ["re:.*q_proj", "re:.*k_proj"], smoothLayer: "re:.*input_layernorm"),
            SmoothQuantMapping(balanceLayers: ["re:.*fc1"], smoothLayer: "re:.*final_layer_norm", form: .listWithSingleBalance),
        ])
        #expect(spec.ignore == ["model.norm"])
        #expect(spec.numCalibrationSteps == 16)
        #expect(spec.algorithm == .logEqualization)
        #expect(spec.base.start == -1)
        // Saved as written: a single balance layer stays a string.
        #expect(Recipe(stages: [RecipeStage(name: "s", modifiers: modifiers)]).savedYAML().contains(
            "  - - ['re:.*q_proj', 're:.*k_proj']\n        - re:.*input_layernorm\n      - ['re:.*fc1', 're:.*final_layer_norm']\n"))
    }

    @Test func awqDefaultsAndFields() throws {
        let modifiers = try Self.modifiers("""
            AWQModifier:
              mappings:
                - smooth_layer: re:.*input_layernorm$
                  balance_layers: ["re:.*q_proj$"]
                - {smooth_layer: re:.*up_proj$, balance_layers: ["re:.*down_proj$"], activation_hook_target: mlp}
              offload_device: cuda:1
              duo_scaling: both
              n_grid: 4
            GPTQModifier: {scheme: W4A16}
            """)
        guard case let .awq(spec) = modifiers.first else { Issue.record("\(modifiers)"); return }
        #expect(spec.mappings == [
            AWQMapping(smoothLayer: "re:.*input_layernorm$", balanceLayers: ["re:.*q_proj$"]),
            AWQMapping(smoothLayer: "re:.*up_proj$", balanceLayers: ["re:.*down_proj$"], activationHookTarget: "mlp"),
        ])
        #expect(spec.offloadDevice == .device("cuda:1"))
        #expect(spec.duoScaling == .both)
        #expect(spec.nGrid == 4)

        guard case let .awq(defaults) = try Self.modifiers("AWQModifier: {}\nQuantizationModifier: {scheme: W4A16}\n").first else {
            Issue.record("not AWQ"); return
        }
        #expect(defaults.mappings == nil)
        #expect(defaults.offloadDevice == .notWritten)
        #expect(defaults.duoScaling == .on)
        #expect(defaults.nGrid == 20)
        guard case let .awq(noOffload) = try Self.modifiers("AWQModifier: {offload_device: null, duo_scaling: false}\nGPTQModifier: {scheme: W4A16}\n").first else {
            Issue.record("not AWQ"); return
        }
        #expect(noOffload.offloadDevice == .none)
        #expect(noOffload.duoScaling == .off)
    }

    /// A mixture-of-experts model's defaults, and a dense model's.
    static let mixtureDefaults = ModelDefaults(architecture: "MoeForCausalLM", smoothQuantMappings: [("re:.*input_layernorm", ["re:.*q_proj"])],
                                               awqMappings: [("re:.*v_proj$", ["re:.*o_proj$"])], isMixtureOfExperts: true)
    static let denseDefaults = ModelDefaults(architecture: "DenseForCausalLM", smoothQuantMappings: [], awqMappings: [], isMixtureOfExperts: false)

    /// What llm-compressor's `on_initialize` changes: inferred mappings, SmoothQuant's ignore, the
    /// AWQ offload device of mixture-of-experts models. Written values are kept.
    @Test func initializedFillsInWhatLLMCompressorInfers() throws {
        let recipe = try Recipe.parse(yaml: """
            SmoothQuantModifier: {}
            AWQModifier: {}
            GPTQModifier: {scheme: W4A16}
            """, file: "r.yaml")
        let mixture = try recipe.initialized(for: Self.mixtureDefaults).modifiers
        guard case let .smoothQuant(smoothQuant) = mixture[0], case let .awq(awq) = mixture[1] else { Issue.record("\(mixture)"); return }
        #expect(smoothQuant.mappings?.map(\.smoothLayer) == ["re:.*input_layernorm"])
        #expect(smoothQuant.mappings?.map(\.balanceLayers) == [["re:.*q_proj"]])
        #expect(smoothQuant.ignore == [])
        #expect(awq.mappings == [AWQMapping(smoothLayer: "re:.*v_proj$", balanceLayers: ["re:.*o_proj$"])])
        #expect(awq.offloadDevice == .torchDevice("cpu"))

        let dense = try recipe.initialized(for: Self.denseDefaults).modifiers
        guard case let .awq(denseAWQ) = dense[1] else { Issue.record("\(dense)"); return }
        #expect(denseAWQ.offloadDevice == .none)

        let written = try Recipe.parse(yaml: """
            SmoothQuantModifier: {mappings: [[[a], b]], ignore: [c]}
            AWQModifier: {mappings: [{smooth_layer: d, balance_layers: [e]}], offload_device: cpu}
            GPTQModifier: {scheme: W4A16}
            """, file: "r.yaml")
        let kept = try written.initialized(for: Self.mixtureDefaults).modifiers
        guard case let .smoothQuant(keptSmoothQuant) = kept[0], case let .awq(keptAWQ) = kept[1] else { Issue.record("\(kept)"); return }
        #expect(keptSmoothQuant.mappings == [SmoothQuantMapping(balanceLayers: ["a"], smoothLayer: "b")])
        #expect(keptSmoothQuant.ignore == ["c"])
        #expect(keptAWQ.mappings == [AWQMapping(smoothLayer: "d", balanceLayers: ["e"])])
        #expect(keptAWQ.offloadDevice == .device("cpu"))
    }

    /// llm-compressor saves the device it picks for a mixture-of-experts model as a Python object
    /// (`!!python/object/apply:torch.device [cpu]`); that recipe.yaml reads back and saves the same.
    @Test func aSavedTorchDeviceReadsBack() throws {
        let recipe = try Recipe.parse(yaml: "AWQModifier: {}\nGPTQModifier: {scheme: W4A16}\n", file: "r.yaml")
        let saved = try recipe.initialized(for: Self.mixtureDefaults).savedYAML()
        #expect(saved.contains("offload_device: !!python/object/apply:torch.device"))
        let reread = try Recipe.parse(yaml: saved, file: "recipe.yaml")
        guard case let .awq(awq) = reread.modifiers.first else { Issue.record("\(reread.modifiers)"); return }
        #expect(awq.offloadDevice == .torchDevice("cpu"))
        #expect(reread.savedYAML() == saved)
        #expect(throws: RecipeError.self) {
            try Recipe.parse(yaml: "AWQModifier: {offload_device: !!python/object/apply:torch.device [gpu]}\nGPTQModifier: {scheme: W4A16}\n",
                             file: "r.yaml")
        }
    }
}
