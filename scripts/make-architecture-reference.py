#!/usr/bin/env python3
"""Writes Tests/Fixtures/reference/runtime-architectures.json: transformers' f32 logits for the tiny
checkpoints in Tests/Fixtures/models (one per architecture the runtime supports) and for RoPE
scaling variants of the llama fixture, so RuntimeTests can check every architecture without torch.

Needs torch and transformers 5 (the llm-compressor environment has both):
    python3 scripts/make-architecture-reference.py [OUT_JSON]

Each case: the fixture folder, config.json overrides, the input ids, and the logits (weights upcast
from bf16 to f32, all math in f32, eager attention) of a sample of rows.
"""
import json, os, shutil, sys, tempfile

import torch
import transformers

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests/Fixtures/reference/runtime-architectures.json")

# 72 tokens: past Gemma-2's sliding window of 64 in the fixture config.
input_ids = [(i * 37 + 11) % 256 for i in range(72)]
rows = [0, 7, 31, 63, 64, 65, 71]
cases = [
    ("llama_tied", "llama_tied", {}),
    ("mistral", "mistral", {"sliding_window": 24}),
    ("qwen2", "qwen2", {}),
    ("qwen3", "qwen3", {}),
    ("gemma", "gemma", {}),
    ("gemma2", "gemma2", {}),
    ("phi3", "phi3", {}),
    ("mixtral", "mixtral", {}),
    ("qwen2_moe", "qwen2_moe", {}),
    ("qwen2_moe_norm_topk", "qwen2_moe", {"norm_topk_prob": True}),
    ("qwen3_moe", "qwen3_moe", {}),
    ("phi3_partial_rotary", "phi3", {"rope_parameters": {"rope_theta": 10000.0, "rope_type": "default", "partial_rotary_factor": 0.5}}),
    ("llama_rope_linear", "llama_tied", {"rope_parameters": {"rope_theta": 10000.0, "rope_type": "linear", "factor": 2.0}}),
    ("llama_rope_llama3", "llama_tied", {"rope_parameters": {"rope_theta": 500000.0, "rope_type": "llama3", "factor": 8.0,
        "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 32}}),
    ("llama_rope_yarn", "llama_tied", {"rope_parameters": {"rope_theta": 10000.0, "rope_type": "yarn", "factor": 4.0,
        "original_max_position_embeddings": 128}}),
    ("llama_legacy_rope_theta", "llama_tied", {"rope_parameters": None, "rope_theta": 50000.0}),
]

torch.manual_seed(0)
result = {"input_ids": input_ids, "rows": rows, "note": "weights upcast bf16->f32, all math in f32, eager attention", "cases": []}
for name, fixture, overrides in cases:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(root, "Tests/Fixtures/models", fixture)
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), tmp)
        config = json.load(open(os.path.join(src, "config.json")))
        for k, v in overrides.items():
            if v is None:
                config.pop(k, None)
            else:
                config[k] = v
        json.dump(config, open(os.path.join(tmp, "config.json"), "w"), indent=2)
        model = transformers.AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32, attn_implementation="eager")
        model.eval()
        with torch.no_grad():
            logits = model(torch.tensor([input_ids])).logits[0]
        result["cases"].append({
            "name": name, "fixture": fixture, "overrides": overrides,
            "logits": [[round(float(x), 6) for x in logits[r]] for r in rows],
        })
        print(name, "ok", file=sys.stderr)
with open(out_path, "w") as f:
    json.dump(result, f, separators=(",", ":"))
print("wrote", out_path, file=sys.stderr)
