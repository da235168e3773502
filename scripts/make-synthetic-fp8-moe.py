#!/usr/bin/env python3
"""Writes a synthetic FP8-block checkpoint of DeepSeek-V3's sizes, for throughput and memory
measurements of quantized input (`compress oneshot` from FP8 to NVFP4A16, README "Quantized
checkpoints as input"). Random FP8 E4M3 codes (no NaN codes) with 128x128 F32 `weight_scale_inv`,
laid out as a `qwen3_moe` model (an architecture the planner knows): hidden 7168; layer 0 dense
(intermediate 18432), the other layers with 256 routed experts of intermediate 2048 (about 11.3 GB
of FP8 per layer) and a BF16 router; attention q/k/v/o of 128 heads of 128 (k/v: 8 heads).

    python3 scripts/make-synthetic-fp8-moe.py OUT_DIR [MOE_LAYERS (default 1)] [EXPERTS (default 256)]
"""
import json, os, struct, sys

import numpy as np

out = sys.argv[1]
moe_layers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
experts = int(sys.argv[3]) if len(sys.argv) > 3 else 256
hidden, dense, expert, vocab, heads, kv_heads, head_dim = 7168, 18432, 2048, 16384, 128, 8, 128
layers = 1 + moe_layers
os.makedirs(out, exist_ok=True)
config = {"architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "torch_dtype": "bfloat16",
          "hidden_size": hidden, "intermediate_size": dense, "moe_intermediate_size": expert, "num_experts": experts,
          "num_experts_per_tok": 8, "mlp_only_layers": [0], "decoder_sparse_step": 1, "num_hidden_layers": layers,
          "num_attention_heads": heads, "num_key_value_heads": kv_heads, "head_dim": head_dim, "vocab_size": vocab,
          "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 4096, "tie_word_embeddings": False,
          "hidden_act": "silu", "norm_topk_prob": True,
          "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                                  "weight_block_size": [128, 128]}}
json.dump(config, open(os.path.join(out, "config.json"), "w"), indent=2)

rng = np.random.default_rng(0)
# Pools twice the largest tensor, written from random offsets without copying.
largest = max(dense, vocab) * hidden
codes = rng.integers(0, 256, 2 * largest, dtype=np.uint8)
codes[(codes & 0x7F) == 0x7F] = 0x7E
codes = memoryview(codes.tobytes())
bf16 = (rng.standard_normal(1 << 22, dtype=np.float32) * 0.02).view(np.uint32)
bf16 = ((bf16 + (((bf16 >> 16) & 1) + 0x7FFF)) >> 16).astype(np.uint16)
bf16 = memoryview(np.resize(bf16, 2 * vocab * hidden).tobytes())


def linears(prefix, names_shapes):
    for name, (rows, cols) in names_shapes:
        yield f"{prefix}{name}.weight", "F8_E4M3", [rows, cols]
        yield f"{prefix}{name}.weight_scale_inv", "F32", [-(-rows // 128), -(-cols // 128)]


def tensors_of_layer(l):
    p = f"model.layers.{l}."
    yield p + "input_layernorm.weight", "BF16", [hidden]
    yield p + "post_attention_layernorm.weight", "BF16", [hidden]
    yield p + "self_attn.q_norm.weight", "BF16", [head_dim]
    yield p + "self_attn.k_norm.weight", "BF16", [head_dim]
    yield from linears(p + "self_attn.", [("q_proj", (heads * head_dim, hidden)), ("k_proj", (kv_heads * head_dim, hidden)),
                                          ("v_proj", (kv_heads * head_dim, hidden)), ("o_proj", (hidden, heads * head_dim))])
    if l == 0:
        yield from linears(p + "mlp.", [("gate_proj", (dense, hidden)), ("up_proj", (dense, hidden)), ("down_proj", (hidden, dense))])
        return
    yield p + "mlp.gate.weight", "BF16", [experts, hidden]
    for e in range(experts):
        yield from linears(f"{p}mlp.experts.{e}.", [("gate_proj", (expert, hidden)), ("up_proj", (expert, hidden)),
                                                     ("down_proj", (hidden, expert))])


def all_tensors():
    yield "model.embed_tokens.weight", "BF16", [vocab, hidden]
    for l in range(layers):
        yield from tensors_of_layer(l)
    yield "model.norm.weight", "BF16", [hidden]
    yield "lm_head.weight", "BF16", [vocab, hidden]


SIZE = {"F8_E4M3": 1, "BF16": 2, "F32": 4}
entries = list(all_tensors())
shards, current, size = [], [], 0
for entry in entries:
    b = int(np.prod(entry[2])) * SIZE[entry[1]]
    if current and size + b > 5_000_000_000:
        shards.append(current)
        current, size = [], 0
    current.append(entry)
    size += b
shards.append(current)
weight_map, total = {}, 0
for i, group in enumerate(shards):
    name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for tensor, dtype, shape in group:
        b = int(np.prod(shape)) * SIZE[dtype]
        header[tensor] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + b]}
        offset += b
        weight_map[tensor] = name
    total += offset
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for tensor, dtype, shape in group:
            count = int(np.prod(shape))
            if dtype == "F8_E4M3":
                start = int(rng.integers(0, len(codes) - count + 1))
                f.write(codes[start:start + count])
            elif dtype == "F32":
                f.write((rng.random(count, dtype=np.float32) * 1e-4 + 1e-5).tobytes())
            else:
                start = int(rng.integers(0, (len(bf16) - 2 * count) // 2 + 1)) * 2
                f.write(bf16[start:start + 2 * count])
json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, open(os.path.join(out, "model.safetensors.index.json"), "w"), indent=2)
print(f"{len(entries)} tensors, {total / 1e9:.2f} GB in {len(shards)} shards")
