/// One mapping of SmoothQuant or AWQ as llm-compressor writes it: the layer whose output is
/// smoothed and the layers that read that output, as `re:` patterns over module names.
public struct SmoothingMapping: Sendable, Equatable {
    public let smoothLayer: String
    public let balanceLayers: [String]

    public init(smooth smoothLayer: String, balance balanceLayers: [String]) {
        self.smoothLayer = smoothLayer
        self.balanceLayers = balanceLayers
    }
}

/// The mappings llm-compressor 0.14 infers for an architecture when a recipe writes none
/// (`llmcompressor/modifiers/transform/smoothquant/utils.py` and `.../awq/mappings.py`).
public struct DefaultMappings: Sendable, Equatable {
    /// SmoothQuant's; nil when llm-compressor has mappings of its own for the architecture that
    /// this port does not carry.
    public let smoothQuant: [SmoothingMapping]?
    /// AWQ's; nil likewise.
    public let awq: [SmoothingMapping]?

    public init(smoothQuant: [SmoothingMapping]?, awq: [SmoothingMapping]?) {
        self.smoothQuant = smoothQuant
        self.awq = awq
    }

    /// What llm-compressor uses for an architecture it has no entry for (Llama's mappings).
    public static let llmCompressorDefault = DefaultMappings(
        smoothQuant: [
            SmoothingMapping(smooth: "re:.*input_layernorm", balance: ["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"]),
            SmoothingMapping(smooth: "re:.*post_attention_layernorm", balance: ["re:.*gate_proj", "re:.*up_proj"]),
        ],
        awq: [
            SmoothingMapping(smooth: "re:.*input_layernorm$", balance: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]),
            SmoothingMapping(smooth: "re:.*v_proj$", balance: ["re:.*o_proj$"]),
            SmoothingMapping(smooth: "re:.*post_attention_layernorm$", balance: ["re:.*gate_proj$", "re:.*up_proj$"]),
            SmoothingMapping(smooth: "re:.*up_proj$", balance: ["re:.*down_proj$"]),
        ])
}
