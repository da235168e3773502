#!/usr/bin/env python3
"""llm-compressor 0.14's calibrated outputs for the tiny DeepSeek-V3 fixtures (latent attention with
q_a_proj/q_b_proj, and with one q_proj), in both `moe_calibrate_all_experts` modes.

  /work/venv-llmc/bin/python scripts/make-deepseek-v3-calibration-reference.py SCRATCH [RECIPE...]

(with recipe names, reruns only those and keeps the other runs of reference.json)

writes Tests/Fixtures/deepseek-v3-calibration/reference.json (per model, recipe and mode, the
static scales: every input_scale, k_scale and v_scale; for SmoothQuant (its default DeepSeek
mapping, input_layernorm into q_a_proj or q_proj and kv_a_proj_with_mqa, then W8A8) the smoothed
input_layernorm weights) and, per model and mode,
Tests/Fixtures/deepseek-v3-calibration/MODEL-gptq-MODE.safetensors with the GPTQ run's
`weight_packed` tensors.

AWQ W4A16 (asymmetric groups of 16, duo scaling) records the smoothed norms (input_layernorm,
q_a_layernorm, kv_a_layernorm, post_attention_layernorm) and, for deepseek_v3, every
`weight_packed` and `weight_scale` in MODEL-awq-MODE.safetensors. llm-compressor 0.14's own
mappings for DeepseekV3ForCausalLM balance post_attention_layernorm with `mlp.gate` too, and on a
checkpoint whose first blocks are dense (`first_k_dense_replace` > 0, every released DeepSeek-V3)
its `match_modules_set` never closes the dense block's set and refuses them ("AWQ needs to match a
single smoothlayer"; the script records that message under `awq_default_mappings_error`). So the
reference recipe writes the mappings llm-compressor gives GLM-4.7-Flash and DeepSeek-V2 (the same
list without the router): input_layernorm into q_a_proj or q_proj and kv_a_proj_with_mqa,
q_a_layernorm into q_b_proj, kv_a_layernorm into kv_b_proj, post_attention_layernorm into every
gate_proj and up_proj (dense, routed and shared), each up_proj into its down_proj.

It runs scripts/make-moe-calibration-reference.py's recipes on its samples (the same token ids),
GPTQ with groups of 16 rather than 32 (o_proj reads 4 heads of 12 values),
with its pre-hook that puts the causal mask back on every attention module (llm-compressor 0.14's
sequential pipeline hands these decoder layers `attention_mask=None`), the fixtures loaded in
float32. transformers 5.17's DeepSeek-V3 attention caches the compressed latent: it hands the
KV cache the normed latent (`kv_a_layernorm`'s output) as keys and the rotated shared key as
values, so that is what llm-compressor's k_scale and v_scale measure.
"""
import importlib.util, json, os, shutil, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("moe", os.path.join(root, "scripts/make-moe-calibration-reference.py"))
moe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(moe)

out_dir = os.path.join(root, "Tests/Fixtures/deepseek-v3-calibration")
MODELS = {"deepseek_v3": ["fp8_static_kv", "gptq", "smoothquant", "awq"], "deepseek_v3_q_proj": ["fp8_static_kv", "smoothquant", "awq"]}
RECIPES = {
    "fp8_static_kv": moe.RECIPES["fp8_static_kv"],
    "gptq": moe.RECIPES["gptq"].replace("group_size: 32", "group_size: 16"),
    "smoothquant": """
quant_stage:
  quant_modifiers:
    SmoothQuantModifier: {smoothing_strength: 0.8}
    QuantizationModifier: {ignore: [lm_head], scheme: W8A8, targets: [Linear]}
""",
    "awq": """
quant_stage:
  quant_modifiers:
    AWQModifier:
      duo_scaling: true
      mappings:
        - smooth_layer: re:.*input_layernorm$
          balance_layers: ["re:.*(q|q_a)_proj$", "re:.*kv_a_proj_with_mqa$"]
        - smooth_layer: re:.*q_a_layernorm$
          balance_layers: ["re:.*q_b_proj$"]
        - smooth_layer: re:.*kv_a_layernorm$
          balance_layers: ["re:.*kv_b_proj$"]
        - smooth_layer: re:.*post_attention_layernorm$
          balance_layers: ["re:.*gate_proj$", "re:.*up_proj$"]
        - smooth_layer: re:.*up_proj$
          balance_layers: ["re:.*down_proj$"]
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 16}
""",
}
SMOOTHED_NORMS = ("input_layernorm.weight", "q_a_layernorm.weight", "kv_a_layernorm.weight", "post_attention_layernorm.weight")


def default_mappings_error():
    """What llm-compressor 0.14 says when its own DeepseekV3ForCausalLM mappings meet the fixture."""
    import torch, transformers
    from llmcompressor.modeling.moe.linearize import linearize_moe
    from llmcompressor.modifiers.transform.awq import AWQModifier
    from llmcompressor.modifiers.transform.awq.mappings import AWQ_MAPPING_REGISTRY
    model = transformers.AutoModelForCausalLM.from_pretrained(os.path.join(root, "Tests/Fixtures/models/deepseek_v3"), dtype=torch.float32)
    linearize_moe(model)
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            module.quantization_scheme = None
    try:
        AWQModifier(mappings=AWQ_MAPPING_REGISTRY["DeepseekV3ForCausalLM"])._set_resolved_mappings(model)
    except ValueError as error:
        return str(error)
    return None


def run(scratch, only):
    import torch
    from safetensors.torch import save_file
    # AWQ pins cached activations, which needs CUDA; on a CPU-only machine pinning is a no-op.
    torch.Tensor.pin_memory = lambda self, *args, **kwargs: self
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    ids = moe.samples()
    path = os.path.join(out_dir, "reference.json")
    result = json.load(open(path)) if only else {"runs": {}}
    result["recipes"] = RECIPES
    if not only or "awq" in only:
        result["awq_default_mappings_error"] = default_mappings_error()
    for model, names in MODELS.items():
        for mode, all_experts in (("all", True), ("routed", False)):
            for name in names:
                if only and name not in only:
                    continue
                out = os.path.join(scratch, f"{model}-{name}-{mode}")
                tensors = moe.calibrate(model, RECIPES[name], ids, all_experts, out)
                if name == "smoothquant":
                    norms = {k: v.float().tolist() for k, v in sorted(tensors.items()) if k.endswith("input_layernorm.weight")}
                    result["runs"][f"{model}/{name}/{mode}"] = norms
                elif name == "awq":
                    norms = {k: v.float().tolist() for k, v in sorted(tensors.items()) if k.endswith(SMOOTHED_NORMS)}
                    result["runs"][f"{model}/{name}/{mode}"] = norms
                else:
                    scales = {k: v.float().item() for k, v in sorted(tensors.items()) if k.endswith(("input_scale", "k_scale", "v_scale"))}
                    result["runs"][f"{model}/{name}/{mode}"] = scales
                if name == "gptq":
                    packed = {k: v.contiguous() for k, v in tensors.items() if k.endswith("weight_packed")}
                    save_file(packed, os.path.join(out_dir, f"{model}-gptq-{mode}.safetensors"))
                if name == "awq" and model == "deepseek_v3":
                    kept = {k: v.contiguous() for k, v in tensors.items() if k.endswith(("weight_packed", "weight_scale"))}
                    save_file(kept, os.path.join(out_dir, f"{model}-awq-{mode}.safetensors"))
                shutil.rmtree(out, ignore_errors=True)
                save(result, path)


def save(result, path):
    with open(path, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2:])
