#!/usr/bin/env python3
"""llm-compressor 0.14's outputs for recipes with several quantizing modifiers (MultiModifierTests).

  /work/venv-llmc/bin/python scripts/make-multi-modifier-references.py [data-free|calibrated [NAME...]]

`calibrated NAME...` reruns only the calibrated recipes named and keeps the others' entries.

Data-free, on Tests/Fixtures/tiny-llama (bf16, no dataset), written as the other data-free references
(Tests/Fixtures/references/tiny-llama--NAME/{config.json,recipe.yaml,manifest.json}):
  NVFP4A16_FP8_MIXED  one QuantizationModifier, two config groups (FP8 on down_proj written first,
                      NVFP4 weights on attention and gate/up): compressed-tensors names the groups
                      group_0, group_1 in the order of their first module in the model.
  TWO_MODIFIERS       two QuantizationModifiers with their own targets and ignore lists.

Calibrated, on Tests/Fixtures/models/llama_calib in f32 with the samples of
scripts/make-calibration-reference.py (pre-tokenized, unshuffled), written to
Tests/Fixtures/multi-modifier/: reference.json (recipes, quantization_config, static scales) and
NAME.safetensors (the quantized Linear layers' tensors):
  rtn_gptq            round-to-nearest on attention, GPTQ on the MLP
  awq_rtn_gptq        AWQ, then round-to-nearest on attention and GPTQ on the MLP, both asymmetric
  awq_rtn_symmetric   AWQ, then symmetric round-to-nearest on every Linear
  gptq_fp8_static     GPTQ on the MLP, then static FP8 input scales on attention
  nvfp4_fp8_e2e       llm-compressor's tests/e2e non_uniform NVFP4+FP8 recipe (NVFP4 input global
                      scales need data; its weights do not)
  gptq_gptq           two GPTQModifiers: the MLP's calibrates through the attention the first quantized
  bare_gptq           a QuantizationModifier, then a GPTQModifier with no scheme of its own, which
                      solves the first one's layers with its groups as written (no actorder)
  bare_gptq_embedding the same with an int8 per-tensor group on Linear and Embedding layers: GPTQ
                      solves the Linear layers, the embedding is rounded to nearest
  gptq_awq_rtn        examples/quantization_non_uniform/quantization_multiple_modifiers.py's recipe:
                      GPTQ W8A8 on attention, then AWQ on the MLP's two mappings, then W4A16
                      round-to-nearest on the MLP (AWQ's pass sees the attention GPTQ quantized)
  awq_fp8_block       examples/awq/fp8_block_llama_example.py's recipe (AWQ with duo_scaling "both",
                      FP8_BLOCK on every Linear) with the MLP's two mappings only: llm-compressor's
                      AWQ cannot split this model's [64, 128] k_proj and v_proj into 128×128 blocks
oneshot runs its default `independent` pipeline: one calibration pass per modifier, in recipe order.
"""
import importlib.util, json, os, shutil, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixtures = os.path.join(root, "Tests/Fixtures")
stmanifest = "/work/shared/tools/stmanifest.py"

# llm-compressor's tests/e2e non_uniform NVFP4+FP8 recipe, with or without its NVFP4 input activations.
NVFP4_FP8 = """\
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: ["re:.*\\\\.down_proj$"]
          weights: {num_bits: 8, type: float, strategy: channel, dynamic: false, symmetric: true}
          input_activations: {num_bits: 8, type: float, strategy: token, dynamic: true, symmetric: true}
        group_1:
          targets: ["re:.*self_attn\\\\.(k|o|q|v)_proj$", "re:.*\\\\.(gate|up)_proj$"]
          weights: {num_bits: 4, type: float, strategy: tensor_group, dynamic: false, symmetric: true,
                    group_size: 16, scale_dtype: float8_e4m3fn}
%s"""
NVFP4_INPUTS = """\
          input_activations: {num_bits: 4, type: float, strategy: tensor_group, dynamic: local,
                              symmetric: true, group_size: 16}
"""

DATA_FREE = {
    "NVFP4A16_FP8_MIXED": NVFP4_FP8 % "",
    "TWO_MODIFIERS": """\
quant_stage:
  mlp_modifiers:
    QuantizationModifier:
      targets: ["re:.*mlp.*"]
      ignore: ["re:.*layers\\\\.0\\\\.mlp\\\\.down_proj$"]
      scheme: W4A16
  attention_modifiers:
    QuantizationModifier:
      targets: ["re:.*self_attn.*"]
      scheme: FP8_DYNAMIC
""",
}

G32 = "{num_bits: 4, type: int, symmetric: %s, strategy: group, group_size: 32}"
RTN_ATTENTION = """\
    QuantizationModifier:
      config_groups:
        attention:
          targets: ["re:.*self_attn.*"]
          weights: %s
""" % (G32 % "false")
GPTQ_MLP = """\
    GPTQModifier:
      ignore: [lm_head]
      config_groups:
        mlp:
          targets: ["re:.*mlp.*"]
          weights: %s
"""

# The MLP's AWQ mappings of llm-compressor's quantization_multiple_modifiers.py example.
AWQ_MLP_MAPPINGS = """\
      mappings:
        - smooth_layer: "re:.*post_attention_layernorm$"
          balance_layers: ["re:.*gate_proj$", "re:.*up_proj$"]
        - smooth_layer: "re:.*up_proj$"
          balance_layers: ["re:.*down_proj$"]
"""

CALIBRATED = {
    "rtn_gptq": "quant_stage:\n  quant_modifiers:\n" + RTN_ATTENTION + GPTQ_MLP % (G32 % "true"),
    "awq_rtn_gptq": "quant_stage:\n  quant_modifiers:\n    AWQModifier: {}\n" + RTN_ATTENTION + GPTQ_MLP % (G32 % "false"),
    "awq_rtn_symmetric": """\
quant_stage:
  quant_modifiers:
    AWQModifier: {}
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: %s
""" % (G32 % "true"),
    "gptq_fp8_static": "quant_stage:\n  quant_modifiers:\n" + GPTQ_MLP % (G32 % "true") + """\
    QuantizationModifier:
      scheme: FP8
      targets: ["re:.*self_attn.*"]
""",
    "nvfp4_fp8_e2e": NVFP4_FP8 % NVFP4_INPUTS,
    "gptq_gptq": """\
quant_stage:
  attention_modifiers:
    GPTQModifier:
      config_groups:
        attention:
          targets: ["re:.*self_attn.*"]
          weights: %s
  mlp_modifiers:
""" % (G32 % "true") + GPTQ_MLP % (G32 % "false"),
    "bare_gptq": """\
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: %s
    GPTQModifier:
      block_size: 128
""" % (G32 % "false"),
    "bare_gptq_embedding": """\
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear, Embedding]
          weights: {num_bits: 8, type: int, symmetric: true, strategy: tensor}
    GPTQModifier:
      block_size: 128
""",
    "gptq_awq_rtn": """\
quant_stage:
  quant_modifiers:
    GPTQModifier:
      targets: ["re:.*self_attn\\\\.(k|q|o|v)_proj$"]
      scheme: W8A8
    AWQModifier:
""" + AWQ_MLP_MAPPINGS + """\
    QuantizationModifier:
      targets: ["re:.*mlp\\\\.(down|gate|up)_proj$"]
      scheme: W4A16
""",
    "awq_fp8_block": """\
quant_stage:
  quant_modifiers:
    AWQModifier:
      duo_scaling: both
""" + AWQ_MLP_MAPPINGS + """\
    QuantizationModifier:
      ignore: [lm_head]
      scheme: FP8_BLOCK
      targets: [Linear]
""",
}


def data_free(out_dir, scratch):
    from transformers import AutoModelForCausalLM
    from llmcompressor import oneshot
    for name, recipe in DATA_FREE.items():
        recipe_file = os.path.join(scratch, name + ".yaml")
        open(recipe_file, "w").write(recipe)
        compressed = os.path.join(scratch, name)
        model = AutoModelForCausalLM.from_pretrained(os.path.join(fixtures, "tiny-llama"), dtype="auto")
        oneshot(model=model, recipe=recipe_file)
        model.save_pretrained(compressed, save_compressed=True)
        target = os.path.join(out_dir, "references", "tiny-llama--" + name)
        os.makedirs(target, exist_ok=True)
        for f in ("config.json", "recipe.yaml"):
            shutil.copy(os.path.join(compressed, f), target)
        open(os.path.join(target, "input-recipe.yaml"), "w").write(recipe)
        manifest = subprocess.run([sys.executable, stmanifest, "describe", compressed], check=True,
                                  capture_output=True, text=True).stdout
        with open(os.path.join(target, "manifest.json"), "w") as f:
            json.dump(json.loads(manifest), f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote", target, flush=True)


def calibrated(out_dir, scratch, names):
    import torch
    from safetensors.torch import save_file
    from tiny_fixture import oneshot_tensors
    # AWQ pins cached activations, which needs CUDA; on a CPU-only machine pinning is a no-op.
    torch.Tensor.pin_memory = lambda self, *args, **kwargs: self
    spec = importlib.util.spec_from_file_location("dense", os.path.join(root, "scripts/make-calibration-reference.py"))
    dense = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dense)
    ids = dense.samples()
    folder = os.path.join(out_dir, "multi-modifier")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "reference.json")
    result = json.load(open(path)) if names else {"samples": ids, "runs": {}}
    result["recipes"] = CALIBRATED
    for name, recipe in CALIBRATED.items():
        if names and name not in names:
            continue
        out = os.path.join(scratch, name)
        tensors = oneshot_tensors(recipe, ids, out)
        # The Linear and Embedding layers' quantized tensors: all but unquantized weights (whose `weight_scale` is absent).
        quantized = {k: v.contiguous() for k, v in tensors.items()
                     if ("_proj." in k or "embed_tokens." in k) and (not k.endswith(".weight") or k[:-len("weight")] + "weight_scale" in tensors)}
        save_file(quantized, os.path.join(folder, name + ".safetensors"))
        config = json.load(open(os.path.join(out, "config.json")))["quantization_config"]
        scales = {k: v.float().flatten().tolist() for k, v in sorted(tensors.items())
                  if k.endswith(("input_scale", "input_global_scale", "k_scale", "v_scale"))}
        result["runs"][name] = {"quantization_config": config, "scales": scales}
        print("ran", name, flush=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    out_dir = fixtures
    with tempfile.TemporaryDirectory() as scratch:
        if len(sys.argv) < 2 or sys.argv[1] != "calibrated":
            data_free(out_dir, scratch)
        if len(sys.argv) < 2 or sys.argv[1] != "data-free":
            calibrated(out_dir, scratch, sys.argv[2:])
