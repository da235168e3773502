extension Architecture {
    /// What applies to a model whose `model_type` no family covers: llm-compressor's rules for
    /// any model. No module is a router; every 2-D weight is a Linear layer unless an embedding
    /// or a norm; the fused groups are those llm-compressor 0.14 links in every model
    /// (`FUSED_LAYER_NAMES` in `llmcompressor/observers/helpers.py`); names are Llama's. The
    /// runtime does not run it.
    public static let generic = Architecture(
        name: "generic", modelTypes: [], classNames: [], layout: DecoderLayout(), conventions: ForwardConventions(),
        defaultMappings: .llmCompressorDefault,
        fusedGroups: [["gate_proj", "up_proj"], ["q_proj", "k_proj", "v_proj"], ["q_a_proj", "kv_a_proj_with_mqa"], ["w1", "w3"]])
}

extension DefaultMappings {
    /// The mappings llm-compressor 0.14 infers for class `className`, which no family here
    /// covers: nil for those it has mappings of its own for, its defaults for the others.
    static func unregistered(className: String) -> DefaultMappings {
        DefaultMappings(smoothQuant: smoothQuantOwnMappings.contains(className) ? nil : llmCompressorDefault.smoothQuant,
                        awq: awqOwnMappings.contains(className) ? nil : llmCompressorDefault.awq)
    }

    /// Classes with SmoothQuant mappings of their own in llm-compressor 0.14, not carried here.
    private static let smoothQuantOwnMappings: Set<String> = [
        "AfmoeForCausalLM", "BloomForCausalLM", "ChatGLMForConditionalGeneration", "Cohere2ForCausalLM",
        "Cohere2MoeForCausalLM", "Cohere2VisionForConditionalGeneration", "CohereForCausalLM", "DeepseekV2ForCausalLM",
        "DeepseekV3ForCausalLM", "Ernie4_5_MoeForCausalLM", "Glm4MoeLiteForCausalLM", "GlmMoeDsaForCausalLM",
        "Phi3VForCausalLM", "Qwen3_5ForCausalLM", "Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForCausalLM",
        "Qwen3_5MoeForConditionalGeneration", "WhisperForConditionalGeneration",
    ]

    /// Classes with AWQ mappings of their own in llm-compressor 0.14, not carried here.
    private static let awqOwnMappings: Set<String> = [
        "AfmoeForCausalLM", "BloomForCausalLM", "Cohere2ForCausalLM", "Cohere2MoeForCausalLM",
        "Cohere2VisionForConditionalGeneration", "CohereForCausalLM", "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM",
        "Exaone4ForCausalLM", "Gemma3ForCausalLM", "Gemma3ForConditionalGeneration", "Glm4MoeForCausalLM",
        "Glm4MoeLiteForCausalLM", "GlmMoeDsaForCausalLM", "Llama4ForConditionalGeneration", "MuseGlimmerForConditionalGeneration",
        "Olmo3ForCausalLM", "OlmoForCausalLM", "Phi3VForCausalLM", "Qwen2_5_VLForConditionalGeneration",
        "Qwen3NextForCausalLM", "Qwen3_5ForCausalLM", "Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForCausalLM",
        "Qwen3_5MoeForConditionalGeneration", "Step3p5ForCausalLM",
    ]
}
