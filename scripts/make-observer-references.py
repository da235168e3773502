#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/tiny-llama--SCHEME/ for the MSE weight observers: what llm-compressor
0.14 (CPU, the eager grid search of llmcompressor/observers/mse_quant.py) makes of Tests/Fixtures/tiny-llama
with QuantizationModifier and no dataset (ObserverReferenceTests).

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1):
    python3 scripts/make-observer-references.py [OUT_DIR] [--keep DIR]

--keep DIR also leaves the full compressed checkpoints in DIR, to compare tensors value by value.
On a CUDA device llm-compressor searches with a Triton kernel whose patience is per group; these
references are the CPU search, whose patience is shared by the whole tensor. Per-tensor scales are left
out: torch sums a whole bf16 tensor's error in per-thread pieces rounded to bf16, so llm-compressor's choice
depends on its thread count.
"""
import os, sys, tempfile

from transformers import AutoModelForCausalLM
from llmcompressor import oneshot
from tiny_fixture import save_reference

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:]]
keep = None
if "--keep" in args:
    i = args.index("--keep")
    keep = args[i + 1]
    del args[i:i + 2]
out_dir = args[0] if args else os.path.join(root, "Tests/Fixtures/references")
model_dir = os.path.join(root, "Tests/Fixtures/tiny-llama")


def preset(scheme, observer_line):
    """A QuantizationModifier recipe (YAML, as a user writes it) with a preset scheme."""
    return f"QuantizationModifier:\n  targets: [Linear]\n  ignore: [lm_head]\n  scheme: {scheme}\n  {observer_line}\n"


def group(weights):
    """A QuantizationModifier recipe with one config group on Linear whose weights are `weights` (YAML)."""
    return ("QuantizationModifier:\n  targets: [Linear]\n  ignore: [lm_head]\n  config_groups:\n    group_0:\n"
            f"      targets: [Linear]\n      weights: {weights}\n")


# name -> recipe
recipes = {
    "W4A16_MSE": preset("W4A16", "weight_observer: mse"),
    "W4A16_ASYM_MSE": preset("W4A16_ASYM", "observer: {weights: memoryless_mse}"),
    "W4A16_ASYM_MSE_KWARGS": group("{num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 128, "
                                   "observer: mse, observer_kwargs: {maxshrink: 0.35, patience: 2, grid: 40, norm: 2.0}}"),
    "W8A16_MSE": preset("W8A16", "weight_observer: mse"),
    "NVFP4A16_MSE": preset("NVFP4A16", "weight_observer: memoryless_mse"),
    "NVFP4A16_EXPANDED_MSE": preset("NVFP4A16", "weight_observer: nvfp4_expanded_mse"),
    "FP8_CHANNEL_MSE": group("{num_bits: 8, type: float, symmetric: true, strategy: channel, observer: mse}"),
}

only = os.environ.get("ONLY")
with tempfile.TemporaryDirectory() as tmp:
    for name, recipe in recipes.items():
        if only and name not in only.split(","):
            continue
        compressed = os.path.join(keep or tmp, "tiny-llama--" + name)
        recipe_file = os.path.join(tmp, name + ".yaml")
        with open(recipe_file, "w") as f:
            f.write("quant_stage:\n  quant_modifiers:\n" + "".join("    " + line + "\n" for line in recipe.strip().splitlines()))
        m = AutoModelForCausalLM.from_pretrained(model_dir, dtype="auto")
        oneshot(model=m, recipe=recipe_file)
        m.save_pretrained(compressed, save_compressed=True)
        save_reference(compressed, os.path.join(out_dir, "tiny-llama--" + name))
