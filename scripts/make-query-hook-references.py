#!/usr/bin/env python3
"""References for the runtime's attention quantization (q_scale, k_scale, v_scale): the logits
compressed-tensors 0.19 gives when transformers runs an attention-quantized checkpoint, its query hook
(QuantizedAttentionImpl: forward_quantize of the post-RoPE query) and KV cache hook fake-quantizing the
states, and the same with the query hook's quantization off; FP8 and int8 states, per head and per tensor.

  python3 scripts/make-query-hook-references.py [COMPRESS]    writes Tests/Fixtures/query-hook-reference.json

COMPRESS (default .build/debug/compress) writes each checkpoint: Tests/Fixtures/models/llama_calib with
one of RECIPES, calibrated on Tests/Fixtures/text/GPL-3. The fixture keeps each checkpoint's
quantization_config and q/k/v scales, from which the test rebuilds it, and the logits of rows ROWS of
TOKENS, the model loaded in float32 (so that the bf16 weights and scales are read exactly).

Needs the llm-compressor environment (torch, transformers 5, compressed-tensors 0.19).
"""
import json
import os
import subprocess
import sys
import tempfile

import compressed_tensors
import compressed_tensors.modeling.attention as hooked_attention
import torch
import transformers
from safetensors import safe_open
from transformers import AutoModelForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "Tests/Fixtures/models/llama_calib")
TOKENS = [(7 * 131 + i * 17) % 800 for i in range(32)]
ROWS = [15, 31]
STATES = "{num_bits: 8, type: %s, symmetric: true, strategy: %s, dynamic: false}"


def attention(targets, type, strategy):
    """A recipe quantizing the states of the attention modules `targets` to `type` with `strategy`."""
    return ("QuantizationModifier:\n  config_groups:\n    attention:\n      targets: " + targets + "\n"
            "      input_activations: " + STATES % (type, strategy) + "\n")


RECIPES = {
    "per_head": attention("[LlamaAttention]", "float", "attn_head"),
    "per_tensor": attention("['re:.*self_attn$']", "float", "tensor"),
    "int8_per_head": attention("[LlamaAttention]", "int", "attn_head"),
    "int8_per_tensor": attention("['re:.*self_attn$']", "int", "tensor"),
}


def float32(values):
    """float32 values as JSON numbers of 9 significant digits, which read back exactly."""
    return [float(f"{v:.9g}") for v in values]


def rows_of(logits):
    return [float32(logits[0, r].tolist()) for r in ROWS]


def reference(compress, name, recipe, folder):
    recipe_file, output = os.path.join(folder, name + ".yaml"), os.path.join(folder, name)
    with open(recipe_file, "w") as f:
        f.write(recipe)
    subprocess.run([compress, "oneshot", "--model", MODEL, "--recipe", recipe_file, "--output", output,
                    "--dataset", os.path.join(ROOT, "Tests/Fixtures/text/GPL-3"), "--num-calibration-samples", "8",
                    "--max-seq-length", "64", "--threads", "2", "--quiet"], check=True)
    with open(os.path.join(output, "config.json")) as f:
        config = json.load(f)["quantization_config"]
    scales = {}
    with safe_open(os.path.join(output, "model.safetensors"), "pt") as tensors:
        for tensor in tensors.keys():
            if tensor.endswith(("q_scale", "k_scale", "v_scale")):
                values = tensors.get_tensor(tensor)
                scales[tensor] = {"shape": list(values.shape), "values": float32(values.float().flatten().tolist())}
    model = AutoModelForCausalLM.from_pretrained(output, dtype=torch.float32).eval()
    tokens = torch.tensor([TOKENS])
    with torch.no_grad():
        logits = model(tokens).logits
        quantize = hooked_attention.forward_quantize
        hooked_attention.forward_quantize = lambda module, value, base_name, args: value
        try:
            without_query = model(tokens).logits
        finally:
            hooked_attention.forward_quantize = quantize
    assert not torch.equal(logits, without_query), "the query hook did not run"
    return {"quantization_config": config, "scales": scales, "logits": rows_of(logits), "without_query": rows_of(without_query)}


def main():
    compress = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/compress")
    with tempfile.TemporaryDirectory() as folder:
        cases = {name: reference(compress, name, recipe, folder) for name, recipe in RECIPES.items()}
    fixture = {"versions": {"compressed-tensors": compressed_tensors.__version__, "transformers": transformers.__version__,
                            "torch": torch.__version__},
               "tokens": TOKENS, "rows": ROWS, "cases": cases}
    with open(os.path.join(ROOT, "Tests/Fixtures/query-hook-reference.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")


if __name__ == "__main__":
    main()
