#!/usr/bin/env python3
"""Writes Tests/Fixtures/recipes-calibration/NAME/{input.yaml,recipe.yaml,model.txt}: a recipe with
calibration modifiers (GPTQ, SmoothQuant, AWQ, static FP8, KV cache; the calibration recipes of
recipes/ among them), the model's architecture, and the recipe.yaml that
llm-compressor 0.14.0.1 saves after running it with `oneshot` on a tiny fixture model, so
RecipesTests can check `Recipe.savedYAML()` byte for byte without Python.

Needs llm-compressor 0.14.0.1 (and its torch, transformers, datasets):
    python3 scripts/make-calibration-recipe-references.py [NAME...]

Calibration data: 4 rows of 16 token ids (pre-tokenized, so the tokenizer given to oneshot is
never used), num_calibration_samples=2, max_seq_length=16. The saved recipe does not depend on
the data, only on the recipe and the model's architecture (SmoothQuant and AWQ fill in the
mappings of the architecture when the recipe has none).
"""
import json, os, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_root = os.path.join(root, "Tests/Fixtures/recipes-calibration")
tokenizer = os.path.join(root, "Tests/Fixtures/smollm2-tokenizer")

GPTQ_W4A16_G64 = """\
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 64%s}
"""

CASES = {
    # name: (model folder under Tests/Fixtures, recipe, or "@" and a path from the repository root)
    "smoothquant_gptq_w8a8": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    SmoothQuantModifier:
      smoothing_strength: 0.8
    GPTQModifier:
      scheme: W8A8
      targets: Linear
      ignore: [lm_head]
"""),
    "smoothquant_mappings_gptq_w8a8": ("tiny-llama", """\
quant_stage:
  smoothing_modifiers:
    SmoothQuantModifier:
      smoothing_strength: 0.5
      mappings:
        - [["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"], "re:.*input_layernorm"]
        - [["re:.*gate_proj", "re:.*up_proj"], "re:.*post_attention_layernorm"]
      ignore: [lm_head]
      num_calibration_steps: 2
  quant_modifiers:
    GPTQModifier:
      scheme: W8A8
      ignore: [lm_head]
      block_size: 64
      dampening_frac: 0.1
      batched_quantization: 4
"""),
    "gptq_w4a16": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      scheme: W4A16
      ignore: [lm_head]
"""),
    "gptq_w4a16_g64": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      ignore: [lm_head]
""" + GPTQ_W4A16_G64 % ""),
    "gptq_w4a16_g64_actorder_weight": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      ignore: [lm_head]
      actorder: weight
      block_size: 32
""" + GPTQ_W4A16_G64 % ""),
    "gptq_w4a16_g64_actorder_null": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      ignore: [lm_head]
      actorder: null
      dampening_frac: 0.05
""" + GPTQ_W4A16_G64 % ""),
    "gptq_w4a16_g64_group_actorder": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      ignore: [lm_head]
""" + GPTQ_W4A16_G64 % ", actorder: static"),
    # type left to its default and strategy inferred: compressed-tensors keeps them as enum members.
    "gptq_w4a16_g64_untyped": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, group_size: 64}
"""),
    "awq_w4a16": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    AWQModifier: {}
    QuantizationModifier:
      scheme: W4A16
      ignore: [lm_head]
"""),
    "awq_w4a16_asym_g64": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    AWQModifier:
      duo_scaling: false
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 64}
"""),
    "awq_mappings_gptq_w4a16": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    AWQModifier:
      mappings:
        - smooth_layer: re:.*input_layernorm$
          balance_layers: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]
          activation_hook_target: q_proj
        - smooth_layer: re:.*post_attention_layernorm$
          balance_layers: ["re:.*gate_proj$", "re:.*up_proj$"]
        - smooth_layer: re:.*up_proj$
          balance_layers: ["re:.*down_proj$"]
      duo_scaling: both
      n_grid: 4
      offload_device: cpu
    GPTQModifier:
      scheme: W4A16
      ignore: [lm_head]
"""),
    "fp8_static": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      scheme: FP8
      ignore: [lm_head]
"""),
    "fp8_kv_cache": ("tiny-llama", """\
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      scheme: FP8
      ignore: [lm_head]
      kv_cache_scheme: {num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}
"""),
    "smoothquant_gptq_w8a8_mixtral": ("models/mixtral", """\
quant_stage:
  quant_modifiers:
    SmoothQuantModifier: {}
    GPTQModifier:
      scheme: W8A8
      ignore: [lm_head, "re:.*block_sparse_moe.gate"]
"""),
    "awq_w4a16_mixtral": ("models/mixtral", """\
quant_stage:
  quant_modifiers:
    AWQModifier: {}
    QuantizationModifier:
      scheme: W4A16
      ignore: [lm_head, "re:.*block_sparse_moe.gate"]
"""),
    "smoothquant_awq_phi3": ("models/phi3", """\
quant_stage:
  quant_modifiers:
    SmoothQuantModifier: {}
    AWQModifier: {}
    QuantizationModifier:
      scheme: W4A16
      ignore: [lm_head]
"""),
}
# The calibration recipes shipped in recipes/.
for shipped in ["w8a8_smoothquant_gptq", "w4a16_gptq", "w4a16_awq", "fp8_static", "fp8_kv_cache"]:
    CASES["shipped_" + shipped] = ("tiny-llama", f"@recipes/{shipped}.yaml")


def run_one(name):
    model_folder, recipe = CASES[name]
    if recipe.startswith("@"):
        recipe = open(os.path.join(root, recipe[1:])).read()
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from llmcompressor import oneshot
    from llmcompressor.pipelines.cache import IntermediatesCache

    # AWQ pins its cached activations for faster copies to a GPU, which fails on a machine without
    # CUDA; pinning changes neither the result nor the saved recipe.
    IntermediatesCache.pin_memory = lambda self, *args, **kwargs: None

    model_dir = os.path.join(root, "Tests/Fixtures", model_folder)
    vocab = json.load(open(os.path.join(model_dir, "config.json")))["vocab_size"]
    ids = [[(i * 37 + j * 11 + 5) % vocab for i in range(16)] for j in range(4)]
    data = Dataset.from_dict({"input_ids": ids, "attention_mask": [[1] * 16] * 4})
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
    with tempfile.TemporaryDirectory() as out:
        oneshot(model=model, processor=AutoTokenizer.from_pretrained(tokenizer), recipe=recipe, dataset=data,
                num_calibration_samples=2, max_seq_length=16, output_dir=out)
        saved = open(os.path.join(out, "recipe.yaml")).read()
    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, "input.yaml"), "w").write(recipe)
    open(os.path.join(folder, "recipe.yaml"), "w").write(saved)
    open(os.path.join(folder, "model.txt"), "w").write(model.__class__.__name__ + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(sys.argv[2])
        sys.exit(0)
    failed = []
    for name in sys.argv[1:] or CASES:
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True)
        if result.returncode != 0:
            failed.append(name)
            print(result.stderr[-3000:], flush=True)
    print("failed:", failed or "none")
    sys.exit(1 if failed else 0)
