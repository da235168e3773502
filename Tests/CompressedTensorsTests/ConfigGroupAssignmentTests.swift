import Checkpoint
import CompressedTensors
import JSON
import Recipes
import Testing

/// A module's config group, decided as compressed-tensors 0.19's `apply_quantization_config`
/// decides it.
@Suite struct ConfigGroupAssignmentTests {
    static let source = SourcePosition(file: "config.json", line: 0, column: 0)

    static func assignment(_ targets: [[String]], ignore: [String] = []) -> ConfigGroupAssignment {
        ConfigGroupAssignment(groups: targets.enumerated().map { ("group_\($0)", QuantizationScheme(targets: $1)) },
                              ignore: ignore, source: source)
    }

    static func group(_ assignment: ConfigGroupAssignment, _ module: String, className: String = "Linear") throws -> Int? {
        try assignment.group(ofModule: module, className: className)?.group
    }

    @Test func anExactNameBeatsAPatternWhichBeatsAClass() throws {
        let assignment = Self.assignment([["Linear"], ["re:.*down_proj$"], ["model.layers.0.mlp.down_proj"]])
        #expect(try Self.group(assignment, "model.layers.0.mlp.down_proj") == 2)
        #expect(try Self.group(assignment, "model.layers.1.mlp.down_proj") == 1)
        #expect(try Self.group(assignment, "model.layers.1.mlp.up_proj") == 0)
        #expect(try assignment.group(ofModule: "model.layers.1.mlp.down_proj", className: "Linear")?.target == "re:.*down_proj$")
    }

    @Test func patternsOfOneKindAreTriedInSortedOrder() throws {
        // compressed-tensors sorts the targets: of two matching patterns the smaller string wins, whatever the group order.
        let assignment = Self.assignment([["re:.*proj$"], ["re:.*mlp.*"]])
        #expect(try assignment.group(ofModule: "model.layers.0.mlp.up_proj", className: "Linear")?.target == "re:.*mlp.*")
        #expect(try Self.group(assignment, "model.layers.0.self_attn.q_proj") == 0)
    }

    @Test func aTargetNamedByTwoGroupsBelongsToTheLastOne() throws {
        let assignment = Self.assignment([["Linear", "re:.*q_proj$"], ["re:.*q_proj$"]])
        #expect(try Self.group(assignment, "model.layers.0.self_attn.q_proj") == 1)
        #expect(try Self.group(assignment, "model.layers.0.self_attn.k_proj") == 0)
    }

    @Test func ignoreMatchesByNamePatternOrClass() throws {
        let assignment = Self.assignment([["Linear"]], ignore: ["lm_head", "re:.*gate$", "Embedding"])
        #expect(try Self.group(assignment, "lm_head") == nil)
        #expect(try Self.group(assignment, "model.layers.0.mlp.gate") == nil)
        #expect(try Self.group(assignment, "model.embed_tokens", className: "Embedding") == nil)
        #expect(try Self.group(assignment, "model.layers.0.mlp.gate_proj") == 0)
        #expect(try Self.group(assignment, "model.norm", className: "RMSNorm") == nil)
    }

    /// Attention quantization as compressed-tensors' `is_narrow_match` decides it: some target of
    /// the attention module's group matches the module but neither its decoder layer nor a module inside it.
    @Test func attentionIsQuantizedOnlyByATargetThatMatchesItNarrowly() throws {
        let llama = ModelConfig(json: JSONObject([("architectures", .array([.string("LlamaForCausalLM")]))]))
        let attention = "model.layers.0.self_attn"
        let children = ["q_proj", "k_proj", "v_proj", "o_proj"].map { (name: attention + "." + $0, className: "Linear") }
            + [(name: attention + ".q_norm", className: "RMSNorm")]
        func group(_ targets: [[String]]) throws -> Int? {
            try Self.assignment(targets).attentionGroup(ofModule: attention, children: children, config: llama)?.group
        }
        for narrow in ["LlamaAttention", "re:.*self_attn$", attention] {
            #expect(try group([["Linear"], [narrow]]) == 1, "\(narrow)")
        }
        #expect(try group([["re:.*self_attn.*"]]) == nil)  // also the projections
        #expect(try group([["re:.*layers\\.0.*"]]) == nil)  // also the decoder layer
        #expect(try group([["re:.*_attn$|.*q_norm$"]]) == nil)  // also the query norm
        #expect(try group([["re:.*self_attn.*", "LlamaAttention"]]) == 0)  // one narrow target suffices
        #expect(try group([["MistralAttention"]]) == nil)
        #expect(ConfigGroupAssignment.attentionClassName(llama) == "LlamaAttention")
        #expect(ConfigGroupAssignment.decoderLayerClassName(llama) == "LlamaDecoderLayer")
    }

    @Test func aPatternOutOfStepsIsNamed() {
        let assignment = Self.assignment([["re:(.|.)*Z$"]])
        #expect {
            _ = try assignment.group(ofModule: String(repeating: "a", count: 40), className: "Linear")
        } throws: { error in
            guard case let CompressedTensorsError.pattern(recipeError) = error, case .patternTooSlow = recipeError else { return false }
            return true
        }
    }
}
