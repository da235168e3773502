#!/usr/bin/env python3
"""Writes the tiny DeepSeek-V3 fixtures (Tests/Fixtures/models/deepseek_v3 and deepseek_v3_q_proj)
and transformers' f32 logits for them (Tests/Fixtures/reference/runtime-deepseek_v3.json).

deepseek_v3: MLA with q_a_proj/q_a_layernorm/q_b_proj, v_head_dim unlike qk_head_dim, YaRN with
mscale, interleaved rope; one dense layer then two MoE layers of 8 routed experts in 4 groups
(sigmoid scores, e_score_correction_bias, topk_group 2, routed_scaling_factor) and a shared
expert; and one multi-token-prediction layer after them (model.layers.3, as DeepSeek-V3 ships
model.layers.61), which transformers does not load. deepseek_v3_q_proj: q_lora_rank null (q_proj),
plain rope.

    /work/venv-llmc/bin/python scripts/make-deepseek-v3-fixture.py
"""
import os

import torch
import transformers
from safetensors.torch import load_file, save_file

from tiny_fixture import root, save, write_reference

common = dict(
    vocab_size=1024, hidden_size=64, intermediate_size=96, moe_intermediate_size=32, num_hidden_layers=3,
    num_attention_heads=4, num_key_value_heads=4, n_shared_experts=1, n_routed_experts=8, routed_scaling_factor=2.5,
    kv_lora_rank=16, qk_rope_head_dim=8, v_head_dim=12, qk_nope_head_dim=16, n_group=4, topk_group=2,
    num_experts_per_tok=2, first_k_dense_replace=1, max_position_embeddings=256, norm_topk_prob=True,
    num_nextn_predict_layers=1)
models = os.path.join(root, "Tests/Fixtures/models")

latent = os.path.join(models, "deepseek_v3")
save(transformers.DeepseekV3Config(
    q_lora_rank=32, rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                                     "original_max_position_embeddings": 64, "mscale": 1.0, "mscale_all_dim": 1.0,
                                     "beta_fast": 32, "beta_slow": 1}, **common), latent)
plain = os.path.join(models, "deepseek_v3_q_proj")
save(transformers.DeepseekV3Config(q_lora_rank=None, rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **common), plain)

write_reference("deepseek_v3", [
    ("deepseek_v3", "deepseek_v3", {}),
    ("deepseek_v3_rope_not_interleaved", "deepseek_v3", {"rope_interleave": False}),
    ("deepseek_v3_no_topk_norm", "deepseek_v3", {"norm_topk_prob": False}),
    ("deepseek_v3_q_proj", "deepseek_v3_q_proj", {}),
])

# The multi-token-prediction layer: a decoder layer (a copy of the last one) plus its own norms,
# projection and head, numbered after the last decoder layer.
path = os.path.join(latent, "model.safetensors")
tensors = load_file(path)
torch.manual_seed(1)
for name in [n for n in tensors if n.startswith("model.layers.2.")]:
    tensors[name.replace("model.layers.2.", "model.layers.3.", 1)] = tensors[name].clone()
for name, shape in [("enorm.weight", [64]), ("hnorm.weight", [64]), ("eh_proj.weight", [64, 128]),
                    ("shared_head.norm.weight", [64]), ("shared_head.head.weight", [1024, 64])]:
    tensors["model.layers.3." + name] = (0.02 * torch.randn(shape)).to(torch.bfloat16)
save_file(tensors, path, metadata={"format": "pt"})
