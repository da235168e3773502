#!/usr/bin/env python3
"""References for asymmetric int8 KV caches (`k_zero_point`, `v_zero_point`), which llm-compressor 0.14.0.1
writes (`oneshot` here refuses to) and the runtime runs as compressed-tensors 0.19's KV cache hook
fake-quantizes the keys and values under transformers: `(clamp(round(x / s + zp), -128, 127) - zp) · s`.

  python3 scripts/make-asymmetric-kv-references.py    writes Tests/Fixtures/asymmetric-kv-reference.json

Each recipe runs through llm-compressor's `oneshot` on Tests/Fixtures/models/llama_calib (loaded in f32,
calibrated on the token ids of Tests/Fixtures/calibration-reference.json, as tiny_fixture.run_calibrated
does); the fixture keeps its quantization_config, its k/v scales and zero points, and the logits
transformers gives for rows ROWS of TOKENS with the checkpoint loaded in float32.

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1).
"""
import json
import os
import tempfile

import compressed_tensors
import llmcompressor
import torch
import transformers
from tiny_fixture import oneshot_tensors, quantization_modifier, root, write_json

TOKENS = [(7 * 131 + i * 17) % 800 for i in range(32)]
ROWS = [15, 31]
CACHE = "kv_cache_scheme: {num_bits: 8, type: int, symmetric: false, strategy: %s, dynamic: false}"
RECIPES = {"per_tensor": quantization_modifier([CACHE % "tensor"]), "per_head": quantization_modifier([CACHE % "attn_head"])}


def reference(recipe, ids, out):
    tensors = oneshot_tensors(recipe, ids, out)
    kept = {name: {"dtype": str(value.dtype).replace("torch.", ""), "shape": list(value.shape),
                   "values": value.float().flatten().tolist()}
            for name, value in sorted(tensors.items()) if name.endswith(("k_scale", "v_scale", "k_zero_point", "v_zero_point"))}
    with open(os.path.join(out, "config.json")) as f:
        config = json.load(f)["quantization_config"]
    model = transformers.AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = model(torch.tensor([TOKENS])).logits
    return {"quantization_config": config, "tensors": kept, "logits": [logits[0, r].tolist() for r in ROWS]}


def main():
    ids = json.load(open(os.path.join(root, "Tests/Fixtures/calibration-reference.json")))["samples"]
    with tempfile.TemporaryDirectory() as tmp:
        cases = {name: reference(recipe, ids, os.path.join(tmp, name)) for name, recipe in RECIPES.items()}
    write_json({"versions": {"llmcompressor": llmcompressor.__version__, "compressed-tensors": compressed_tensors.__version__,
                             "transformers": transformers.__version__, "torch": torch.__version__},
                "tokens": TOKENS, "rows": ROWS, "cases": cases}, "Tests/Fixtures/asymmetric-kv-reference.json")


if __name__ == "__main__":
    main()
