import Architectures
import Testing

/// What each family declares, fact by fact, in the names llm-compressor, transformers and vLLM
/// use. A new family needs its row here.
@Suite struct FamilyFactsTests {
    struct Facts {
        var modelType: String
        var className: String
        /// The attention's query/key/value projections, then its output projection.
        var attention = ["q_proj", "k_proj", "v_proj", "o_proj"]
        /// The dense MLP's gate/up projections, then its down projection; empty when every block is sparse.
        var mlp = ["gate_proj", "up_proj", "down_proj"]
        var fusedGroups = [["q_proj", "k_proj", "v_proj"], ["gate_proj", "up_proj"]]
        /// Block 3's router, one of its experts' projections (gate, up, down) and its shared expert's modules.
        var router: String? = nil
        var expert: [String] = []
        var sharedExpert: [String] = []
        /// The norms feeding the attention and the MLP.
        var norms = ["input_layernorm", "post_attention_layernorm"]
        var queryKeyNorms: [String] = []
        var keyProjection: String? = "k_proj"
        var tiesHeadByDefault = false
        var normScale = ForwardConventions.NormScale.weight
        /// DeepSeek's routing, dense first layers, multi-token-prediction layers and latent attention.
        var groupLimitedRouting = false
        var sparseLayers = MixtureLayout.SparseLayers.all
        var hasPredictionLayers = false
        var latentAttention = false
        /// llm-compressor's default SmoothQuant and AWQ mappings, each `smooth <- balance, ...`;
        /// nil where llm-compressor has mappings of its own for the class, not carried here.
        var smoothQuant: [String]? = llmCompressorSmoothQuant
        var awq: [String]? = llmCompressorAWQ
    }

    /// llm-compressor 0.14's mappings for an architecture it has no entry for, as its
    /// `DEFAULT_SMOOTHQUANT_MAPPINGS` and `_default_mappings` spell them.
    static let llmCompressorSmoothQuant = [
        "re:.*input_layernorm <- re:.*q_proj, re:.*k_proj, re:.*v_proj", "re:.*post_attention_layernorm <- re:.*gate_proj, re:.*up_proj",
    ]
    static let llmCompressorAWQ = [
        "re:.*input_layernorm$ <- re:.*q_proj$, re:.*k_proj$, re:.*v_proj$", "re:.*v_proj$ <- re:.*o_proj$",
        "re:.*post_attention_layernorm$ <- re:.*gate_proj$, re:.*up_proj$", "re:.*up_proj$ <- re:.*down_proj$",
    ]
    static let qwenMoESmoothQuant = ["re:.*input_layernorm$ <- re:.*q_proj$, re:.*k_proj$, re:.*v_proj$"]
    static let qwenMoEAWQ = [
        "re:.*input_layernorm$ <- re:.*q_proj$, re:.*k_proj$, re:.*v_proj$", "re:.*v_proj$ <- re:.*o_proj$",
        "re:.*post_attention_layernorm$ <- re:.*mlp.gate$, re:.*mlp.experts.*.gate_proj$, re:.*mlp.experts.*.up_proj$",
        "re:.*up_proj$ <- re:.*down_proj$",
    ]

    static let expected: [String: Facts] = [
        "Llama": Facts(modelType: "llama", className: "LlamaForCausalLM"),
        "Mistral": Facts(modelType: "mistral", className: "MistralForCausalLM"),
        "Qwen2": Facts(modelType: "qwen2", className: "Qwen2ForCausalLM"),
        "Qwen3": Facts(modelType: "qwen3", className: "Qwen3ForCausalLM", queryKeyNorms: ["q_norm", "k_norm"]),
        "Gemma": Facts(modelType: "gemma", className: "GemmaForCausalLM", tiesHeadByDefault: true, normScale: .onePlusWeight),
        "Gemma-2": Facts(
            modelType: "gemma2", className: "Gemma2ForCausalLM", norms: ["input_layernorm", "pre_feedforward_layernorm"],
            tiesHeadByDefault: true, normScale: .onePlusWeight,
            awq: [llmCompressorAWQ[0], llmCompressorAWQ[1], "re:.*pre_feedforward_layernorm$ <- re:.*gate_proj$, re:.*up_proj$", llmCompressorAWQ[3]]),
        "Phi-3": Facts(
            modelType: "phi3", className: "Phi3ForCausalLM", attention: ["qkv_proj", "o_proj"], mlp: ["gate_up_proj", "down_proj"],
            fusedGroups: [], keyProjection: nil,
            smoothQuant: ["re:.*input_layernorm <- re:.*qkv_proj", "re:.*post_attention_layernorm <- re:.*gate_up_proj"],
            awq: ["re:.*input_layernorm$ <- re:.*qkv_proj$", "re:.*qkv_proj$ <- re:.*o_proj$",
                  "re:.*post_attention_layernorm$ <- re:.*gate_up_proj$", "re:.*gate_up_proj$ <- re:.*down_proj$"]),
        "Mixtral": Facts(
            modelType: "mixtral", className: "MixtralForCausalLM", mlp: [], fusedGroups: [["q_proj", "k_proj", "v_proj"], ["w1", "w3"]],
            router: "model.layers.3.block_sparse_moe.gate",
            expert: ["model.layers.3.block_sparse_moe.experts.5.w1", "model.layers.3.block_sparse_moe.experts.5.w3",
                     "model.layers.3.block_sparse_moe.experts.5.w2"],
            smoothQuant: [llmCompressorSmoothQuant[0]]),
        "Qwen2-MoE": Facts(
            modelType: "qwen2_moe", className: "Qwen2MoeForCausalLM", router: "model.layers.3.mlp.gate",
            expert: ["model.layers.3.mlp.experts.5.gate_proj", "model.layers.3.mlp.experts.5.up_proj", "model.layers.3.mlp.experts.5.down_proj"],
            sharedExpert: ["model.layers.3.mlp.shared_expert", "model.layers.3.mlp.shared_expert_gate"],
            sparseLayers: .configuredStep, smoothQuant: qwenMoESmoothQuant, awq: qwenMoEAWQ),
        "Qwen3-MoE": Facts(
            modelType: "qwen3_moe", className: "Qwen3MoeForCausalLM", router: "model.layers.3.mlp.gate",
            expert: ["model.layers.3.mlp.experts.5.gate_proj", "model.layers.3.mlp.experts.5.up_proj", "model.layers.3.mlp.experts.5.down_proj"],
            queryKeyNorms: ["q_norm", "k_norm"], sparseLayers: .configuredStep, smoothQuant: qwenMoESmoothQuant, awq: qwenMoEAWQ),
        "DeepSeek-V3": Facts(
            modelType: "deepseek_v3", className: "DeepseekV3ForCausalLM", attention: ["q_a_proj", "kv_a_proj_with_mqa", "o_proj"],
            fusedGroups: [["q_a_proj", "kv_a_proj_with_mqa"], ["gate_proj", "up_proj"]], router: "model.layers.3.mlp.gate",
            expert: ["model.layers.3.mlp.experts.5.gate_proj", "model.layers.3.mlp.experts.5.up_proj", "model.layers.3.mlp.experts.5.down_proj"],
            sharedExpert: ["model.layers.3.mlp.shared_experts"], keyProjection: nil, groupLimitedRouting: true,
            sparseLayers: .afterFirstDense, hasPredictionLayers: true, latentAttention: true,
            smoothQuant: ["re:.*input_layernorm <- re:.*q(_a)?_proj$, re:.*kv_a_proj_with_mqa"],
            awq: ["re:.*input_layernorm$ <- re:.*(q|q_a)_proj$, re:.*kv_a_proj_with_mqa$", "re:.*q_a_layernorm$ <- re:.*q_b_proj$",
                  "re:.*kv_a_layernorm$ <- re:.*kv_b_proj$",
                  "re:.*post_attention_layernorm$ <- re:.*mlp.gate$, re:.*gate_proj$, re:.*up_proj$", "re:.*up_proj$ <- re:.*down_proj$"]),
        "GLM-4-MoE": Facts(
            modelType: "glm4_moe", className: "Glm4MoeForCausalLM", router: "model.layers.3.mlp.gate",
            expert: ["model.layers.3.mlp.experts.5.gate_proj", "model.layers.3.mlp.experts.5.up_proj", "model.layers.3.mlp.experts.5.down_proj"],
            sharedExpert: ["model.layers.3.mlp.shared_experts"], queryKeyNorms: ["q_norm", "k_norm"], groupLimitedRouting: true,
            sparseLayers: .afterFirstDense, hasPredictionLayers: true, awq: qwenMoEAWQ),
    ]

    /// `mappings` as `smooth <- balance, ...` lines.
    static func lines(_ mappings: [SmoothingMapping]?) -> [String]? {
        mappings?.map { "\($0.smoothLayer) <- \($0.balanceLayers.joined(separator: ", "))" }
    }

    @Test func everyFamilyHasItsFacts() {
        #expect(Set(Self.expected.keys) == Set(ArchitectureRegistry.families.map(\.name)))
    }

    @Test func llmCompressorsDefaultMappings() {
        #expect(Self.lines(DefaultMappings.llmCompressorDefault.smoothQuant) == Self.llmCompressorSmoothQuant)
        #expect(Self.lines(DefaultMappings.llmCompressorDefault.awq) == Self.llmCompressorAWQ)
    }

    @Test(arguments: ArchitectureRegistry.families.map(\.name))
    func declaresItsFacts(name: String) throws {
        let family = try #require(ArchitectureRegistry.families.first { $0.name == name })
        let facts = try #require(Self.expected[name])
        let layout = family.layout
        #expect(family.modelTypes == [facts.modelType])
        #expect(family.classNames == [facts.className])
        #expect(layout.attention.inputs.names + [layout.attention.output] == facts.attention)
        #expect((layout.mlp.map { $0.inputs.names + [$0.output] } ?? []) == facts.mlp)
        #expect(family.fusedGroups == facts.fusedGroups)
        #expect(layout.attention.queryKeyNorms == facts.queryKeyNorms)
        #expect(layout.attention.keyProjection == facts.keyProjection)
        #expect(layout.attention.module == "self_attn")
        #expect(family.conventions.tiesHeadByDefault == facts.tiesHeadByDefault)
        #expect(family.conventions.normScale == facts.normScale)
        #expect(Self.lines(family.defaultMappings.smoothQuant) == facts.smoothQuant)
        #expect(Self.lines(family.defaultMappings.awq) == facts.awq)
        #expect(family.isMixtureOfExperts == (facts.router != nil))
        #expect(layout.hasPredictionLayers == facts.hasPredictionLayers)
        #expect((layout.attention.latent != nil) == facts.latentAttention)
        if let mixture = layout.mixture {
            #expect((mixture.routing != .softmax) == facts.groupLimitedRouting)
            #expect(mixture.sparseLayers == facts.sparseLayers)
        }

        // Blocks, and what reads which norm.
        let block = layout.prefix(ofBlock: 3)
        #expect(block == "model.layers.3.")
        #expect(layout.block(of: block + "self_attn.o_proj") == 3)
        #expect(layout.block(of: "model.norm") == nil)
        #expect(layout.input(ofLinear: block + "self_attn." + facts.attention[0]) == .attentionInput)
        #expect(layout.input(ofLinear: block + "self_attn." + facts.attention.last!) == .attentionOutput)
        if let gate = facts.mlp.first, let down = facts.mlp.last {
            #expect(layout.input(ofLinear: block + "mlp." + gate) == .feedForwardInput)
            #expect(layout.input(ofLinear: block + "mlp." + down) == .feedForwardInner)
        }
        #expect([layout.norm(feeding: .attentionInput), layout.norm(feeding: .feedForwardInput)] == facts.norms)
        #expect(layout.norm(feeding: .attentionOutput) == nil)

        // Routers, experts and shared experts are what the family says they are.
        if let router = facts.router {
            #expect(family.kind(ofModule: router, parameterShape: [8, 32]) == .router)
        }
        for module in facts.expert + facts.sharedExpert {
            #expect(family.kind(ofModule: module, parameterShape: [32, 32]) == .linear)
        }
        let mixture = layout.mixture
        if !facts.expert.isEmpty, let mixture {
            let expert = "\(block)\(mixture.module).\(mixture.experts).5."
            #expect(mixture.expert.inputs.names.map { expert + $0 } + [expert + mixture.expert.output] == facts.expert)
        }
        #expect((mixture?.sharedExpert).map { ([$0.module] + ($0.gate.map { [$0] } ?? [])).map { block + "mlp." + $0 } } ?? [] == facts.sharedExpert)
    }

    /// Mixtral's router and experts under the names transformers 5 gives them, which
    /// llm-compressor's mapping patterns are written against; other modules, and families whose
    /// checkpoints already use those names, have none.
    @Test func transformersNamesOfMixtralsMixture() {
        let mixtral = Architecture.mixtral.layout
        let block = "model.layers.1."
        #expect(mixtral.transformersName(of: block + "block_sparse_moe.experts.3.w1") == block + "mlp.experts.3.gate_proj")
        #expect(mixtral.transformersName(of: block + "block_sparse_moe.experts.3.w3") == block + "mlp.experts.3.up_proj")
        #expect(mixtral.transformersName(of: block + "block_sparse_moe.experts.3.w2") == block + "mlp.experts.3.down_proj")
        #expect(mixtral.transformersName(of: block + "block_sparse_moe.gate") == block + "mlp.gate")
        #expect(mixtral.transformersName(of: block + "self_attn.q_proj") == nil)
        #expect(mixtral.transformersName(of: block + "post_attention_layernorm") == nil)
        #expect(Architecture.qwen3MoE.layout.transformersName(of: block + "mlp.experts.3.up_proj") == nil)
    }
}
