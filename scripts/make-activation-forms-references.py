#!/usr/bin/env python3
"""References for the activation and cache forms of llm-compressor 0.14.0.1 (compressed-tensors 0.19.0).

  python3 scripts/make-activation-forms-references.py calibrated   writes Tests/Fixtures/activation-forms-reference.json
  python3 scripts/make-activation-forms-references.py data-free    writes Tests/Fixtures/references/tiny-llama--EMBEDDING_*

Calibrated forms (static asymmetric int8 inputs, KV-cache-only recipes per tensor and per head, an
lm_head with static inputs) run on Tests/Fixtures/models/llama_calib with the token ids of
Tests/Fixtures/calibration-reference.json, loaded in f32 and unshuffled, as
scripts/make-calibration-reference.py runs its recipes; the JSON keeps every tensor's dtype and shape,
the values of tensors of at most 4 elements, the quantization_config and the recipe.yaml it saves.
Data-free forms (weight-only Embedding targets) run on Tests/Fixtures/tiny-llama in bf16 without data
and are kept as stmanifest.py manifests (sha256 of every tensor), with config.json and recipe.yaml.

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1).
"""
import os, sys, tempfile

from tiny_fixture import quantization_modifier as modifier

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

KV_TENSOR = "{num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}"
KV_HEAD = "{num_bits: 8, type: float, symmetric: true, strategy: attn_head, dynamic: false}"

CALIBRATED = {
    "int8_asymmetric_static_inputs": modifier([
        "ignore: [lm_head]",
        "config_groups:",
        "  group_0:",
        "    targets: [Linear]",
        "    weights: {num_bits: 8, type: int, symmetric: true, strategy: channel}",
        "    input_activations: {num_bits: 8, type: int, symmetric: false, strategy: tensor, dynamic: false}",
    ]),
    "kv_cache_only": modifier(["kv_cache_scheme: " + KV_TENSOR]),
    "kv_cache_only_attn_head": modifier(["kv_cache_scheme: " + KV_HEAD]),
    "fp8_attn_head_kv_cache": modifier(["ignore: [lm_head]", "scheme: FP8_DYNAMIC", "kv_cache_scheme: " + KV_HEAD]),
    "fp8_lm_head_static_inputs": modifier(["targets: [Linear]", "scheme: FP8"]),
}

DATA_FREE = {
    "EMBEDDING_W8_CHANNEL": modifier([
        "config_groups: {group_0: {targets: [Embedding], weights: {num_bits: 8, type: int, symmetric: true, strategy: channel}}}",
    ]),
    "EMBEDDING_W4_G32_LINEAR_W4A16": modifier([
        "ignore: [lm_head]",
        "config_groups:",
        "  group_0: {targets: [Linear], weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 128}}",
        "  group_1: {targets: [Embedding], weights: {num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 32}}",
    ]),
}


def calibrated():
    from tiny_fixture import run_calibrated, write_json
    write_json({"samples_from": "calibration-reference.json", "recipes": run_calibrated(CALIBRATED)},
               "Tests/Fixtures/activation-forms-reference.json")


def data_free():
    from transformers import AutoModelForCausalLM
    from llmcompressor import oneshot
    from tiny_fixture import save_reference
    model_dir = os.path.join(root, "Tests/Fixtures/tiny-llama")
    with tempfile.TemporaryDirectory() as tmp:
        for name, recipe in DATA_FREE.items():
            compressed = os.path.join(tmp, name)
            recipe_file = os.path.join(tmp, name + ".yaml")
            open(recipe_file, "w").write(recipe)
            model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="auto")
            oneshot(model=model, recipe=recipe_file)
            model.save_pretrained(compressed, save_compressed=True)
            save_reference(compressed, os.path.join(root, "Tests/Fixtures/references", "tiny-llama--" + name))


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    {"calibrated": calibrated, "data-free": data_free}[sys.argv[1]]()
