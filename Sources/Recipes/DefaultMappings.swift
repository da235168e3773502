/// The SmoothQuant and AWQ mappings llm-compressor 0.14 infers from a model's architecture (the
/// class name in config.json's `architectures`) when a recipe gives none, for the architectures
/// this port runs. Architectures llm-compressor has no entry for get its default mappings, as
/// there; those it has its own entries for that are not carried here give nil (write `mappings`).
public enum DefaultMappings {
    /// SmoothQuant mappings for `architecture`, nil when llm-compressor has mappings of its own for
    /// it that this port does not carry.
    public static func smoothQuant(architecture: String) -> [SmoothQuantMapping]? {
        let layerMaps: [(balance: [String], smooth: String)]
        switch architecture {
        case "MixtralForCausalLM":
            // Mixture-of-experts models smooth attention only (one scale across experts unbalances them).
            layerMaps = [(["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"], "re:.*input_layernorm")]
        case "Qwen2MoeForCausalLM", "Qwen3MoeForCausalLM":
            layerMaps = [(["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"], "re:.*input_layernorm$")]
        case "Phi3ForCausalLM":
            layerMaps = [(["re:.*qkv_proj"], "re:.*input_layernorm"), (["re:.*gate_up_proj"], "re:.*post_attention_layernorm")]
        default:
            if smoothQuantSpecialArchitectures.contains(architecture) { return nil }
            layerMaps = [
                (["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"], "re:.*input_layernorm"),
                (["re:.*gate_proj", "re:.*up_proj"], "re:.*post_attention_layernorm"),
            ]
        }
        return layerMaps.map { SmoothQuantMapping(balanceLayers: $0.balance, smoothLayer: $0.smooth, form: .namedTuple) }
    }

    /// AWQ mappings for `architecture`, nil when llm-compressor has mappings of its own for it that
    /// this port does not carry.
    public static func awq(architecture: String) -> [AWQMapping]? {
        let feedForwardNorm: String
        var mlpBalance = ["re:.*gate_proj$", "re:.*up_proj$"]
        switch architecture {
        case "Phi3ForCausalLM":
            return [
                AWQMapping(smoothLayer: "re:.*input_layernorm$", balanceLayers: ["re:.*qkv_proj$"]),
                AWQMapping(smoothLayer: "re:.*qkv_proj$", balanceLayers: ["re:.*o_proj$"]),
                AWQMapping(smoothLayer: "re:.*post_attention_layernorm$", balanceLayers: ["re:.*gate_up_proj$"]),
                AWQMapping(smoothLayer: "re:.*gate_up_proj$", balanceLayers: ["re:.*down_proj$"]),
            ]
        case "Gemma2ForCausalLM":
            feedForwardNorm = "re:.*pre_feedforward_layernorm$"
        case "Qwen2MoeForCausalLM", "Qwen3MoeForCausalLM":
            feedForwardNorm = "re:.*post_attention_layernorm$"
            mlpBalance = ["re:.*mlp.gate$", "re:.*mlp.experts.*.gate_proj$", "re:.*mlp.experts.*.up_proj$"]
        default:
            if awqSpecialArchitectures.contains(architecture) { return nil }
            feedForwardNorm = "re:.*post_attention_layernorm$"
        }
        return [
            AWQMapping(smoothLayer: "re:.*input_layernorm$", balanceLayers: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]),
            AWQMapping(smoothLayer: "re:.*v_proj$", balanceLayers: ["re:.*o_proj$"]),
            AWQMapping(smoothLayer: feedForwardNorm, balanceLayers: mlpBalance),
            AWQMapping(smoothLayer: "re:.*up_proj$", balanceLayers: ["re:.*down_proj$"]),
        ]
    }

    /// Whether llm-compressor 0.14 treats a model of `architecture` as a mixture of experts (AWQ
    /// then offloads its cached activations to the CPU unless the recipe says otherwise).
    public static func isMixtureOfExperts(architecture: String) -> Bool {
        ["MixtralForCausalLM", "Qwen2MoeForCausalLM", "Qwen3MoeForCausalLM"].contains(architecture)
    }

    /// Architectures with SmoothQuant mappings of their own in llm-compressor 0.14 not carried here.
    private static let smoothQuantSpecialArchitectures: Set<String> = [
        "AfmoeForCausalLM", "BloomForCausalLM", "ChatGLMForConditionalGeneration", "Cohere2ForCausalLM",
        "Cohere2MoeForCausalLM", "Cohere2VisionForConditionalGeneration", "CohereForCausalLM", "DeepseekV2ForCausalLM",
        "DeepseekV3ForCausalLM", "Ernie4_5_MoeForCausalLM", "Glm4MoeLiteForCausalLM", "GlmMoeDsaForCausalLM",
        "Phi3VForCausalLM", "Qwen3_5ForCausalLM", "Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForCausalLM",
        "Qwen3_5MoeForConditionalGeneration", "WhisperForConditionalGeneration",
    ]

    /// Architectures with AWQ mappings of their own in llm-compressor 0.14 not carried here.
    private static let awqSpecialArchitectures: Set<String> = [
        "AfmoeForCausalLM", "BloomForCausalLM", "Cohere2ForCausalLM", "Cohere2MoeForCausalLM",
        "Cohere2VisionForConditionalGeneration", "CohereForCausalLM", "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM",
        "Exaone4ForCausalLM", "Gemma3ForCausalLM", "Gemma3ForConditionalGeneration", "Glm4MoeForCausalLM",
        "Glm4MoeLiteForCausalLM", "GlmMoeDsaForCausalLM", "Llama4ForConditionalGeneration", "MuseGlimmerForConditionalGeneration",
        "Olmo3ForCausalLM", "OlmoForCausalLM", "Phi3VForCausalLM", "Qwen2_5_VLForConditionalGeneration",
        "Qwen3NextForCausalLM", "Qwen3_5ForCausalLM", "Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForCausalLM",
        "Qwen3_5MoeForConditionalGeneration", "Step3p5ForCausalLM",
    ]
}
