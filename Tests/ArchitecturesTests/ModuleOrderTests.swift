@testable import Architectures
import Testing

/// `ModuleOrder` merges the families' definition orders into the order llm-compressor writes
/// `ignore` in and `verify` lists layers in.
@Suite struct ModuleOrderTests {
    /// Each family's sibling modules come in its own definition order.
    @Test(arguments: ArchitectureRegistry.families.map(\.name))
    func followsEachFamilysDefinitionOrder(name: String) throws {
        let family = try #require(ArchitectureRegistry.families.first { $0.name == name })
        for siblings in family.layout.siblingOrders {
            for (a, b) in zip(siblings, siblings.dropFirst()) {
                #expect(ModuleOrder.precedes(a, b, in: family), "\(name): \(a) before \(b)")
            }
        }
    }

    /// Siblings as transformers defines them: attention before the MLP, q/k/v/o (Phi-3's o_proj
    /// before its fused qkv_proj, as llm-compressor's `ignore` lists them), router before
    /// the experts and the shared expert, Mixtral's w1/w2/w3, the decoder before the head;
    /// numbers numerically; unknown names alphabetically after known ones.
    @Test func ordersSiblingsAsTransformersDefinesThem() {
        let ordered = [
            ["model.layers.2.self_attn.q_proj", "model.layers.2.self_attn.k_proj", "model.layers.2.self_attn.v_proj", "model.layers.2.self_attn.o_proj"],
            ["model.layers.0.self_attn.o_proj", "model.layers.0.self_attn.qkv_proj"],  // Phi-3 defines o_proj first
            ["model.layers.0.self_attn", "model.layers.0.mlp", "model.layers.1.self_attn", "model.layers.10.mlp"],
            ["model.layers.0.self_attn", "model.layers.0.block_sparse_moe"],
            ["model.layers.0.mlp.gate", "model.layers.0.mlp.experts.0.gate_proj", "model.layers.0.mlp.experts.0.up_proj",
             "model.layers.0.mlp.experts.0.down_proj", "model.layers.0.mlp.experts.1.gate_proj", "model.layers.0.mlp.shared_expert.gate_proj",
             "model.layers.0.mlp.shared_expert_gate"],
            ["model.layers.0.block_sparse_moe.gate", "model.layers.0.block_sparse_moe.experts.2.w1",
             "model.layers.0.block_sparse_moe.experts.2.w2", "model.layers.0.block_sparse_moe.experts.2.w3"],
            ["model.layers.0.mlp.gate_up_proj", "model.layers.0.mlp.down_proj"],
            ["model.embed_tokens", "model.layers.0.mlp.down_proj", "model.norm", "lm_head"],
            ["transformer.h.0.attn", "lm_head"],
            ["model.layers.0.mlp.down_proj", "model.layers.0.mlp.alpha", "model.layers.0.mlp.beta"],
        ]
        for names in ordered {
            for (a, b) in zip(names, names.dropFirst()) {
                #expect(ModuleOrder.precedes(a, b), "\(a) before \(b)")
                #expect(!ModuleOrder.precedes(b, a), "\(b) not before \(a)")
            }
        }
    }
}
