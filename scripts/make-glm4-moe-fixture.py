#!/usr/bin/env python3
"""Writes the tiny GLM-4-MoE fixture (Tests/Fixtures/models/glm4_moe) and transformers' f32 logits
for it (Tests/Fixtures/reference/runtime-glm4_moe.json): attention biases on q/k/v (not o),
per-head q/k norms (use_qk_norm), partial rotary (0.5); one dense layer then two MoE layers of 8
routed experts in 2 groups (sigmoid scores, e_score_correction_bias, topk_group 1,
routed_scaling_factor) and a shared expert.

    /work/venv-llmc/bin/python scripts/make-glm4-moe-fixture.py
"""
import os

import transformers

from tiny_fixture import root, save, write_reference

save(transformers.Glm4MoeConfig(
    vocab_size=1024, hidden_size=128, intermediate_size=256, moe_intermediate_size=128, num_hidden_layers=3,
    num_attention_heads=4, num_key_value_heads=2, head_dim=64, partial_rotary_factor=0.5, attention_bias=True,
    use_qk_norm=True, n_shared_experts=1, n_routed_experts=8, routed_scaling_factor=1.5, n_group=2, topk_group=1,
    num_experts_per_tok=2, first_k_dense_replace=1, norm_topk_prob=True, max_position_embeddings=256,
    num_nextn_predict_layers=0, rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5}),
    os.path.join(root, "Tests/Fixtures/models/glm4_moe"))

write_reference("glm4_moe", [
    ("glm4_moe", "glm4_moe", {}),
    ("glm4_moe_no_qk_norm", "glm4_moe", {"use_qk_norm": False}),
    ("glm4_moe_no_topk_norm", "glm4_moe", {"norm_topk_prob": False}),
])
