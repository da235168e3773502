#!/usr/bin/env python3
"""llm-compressor 0.14's calibrated outputs for the tiny DeepSeek-V3 fixtures (latent attention with
q_a_proj/q_b_proj, and with one q_proj), in both `moe_calibrate_all_experts` modes.

  /work/venv-llmc/bin/python scripts/make-deepseek-v3-calibration-reference.py SCRATCH

writes Tests/Fixtures/deepseek-v3-calibration/reference.json (per model, recipe and mode, the
static scales: every input_scale, k_scale and v_scale; for SmoothQuant (its default DeepSeek
mapping, input_layernorm into q_a_proj or q_proj and kv_a_proj_with_mqa, then W8A8) the smoothed
input_layernorm weights) and, per model and mode,
Tests/Fixtures/deepseek-v3-calibration/MODEL-gptq-MODE.safetensors with the GPTQ run's
`weight_packed` tensors.

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
MODELS = {"deepseek_v3": ["fp8_static_kv", "gptq", "smoothquant"], "deepseek_v3_q_proj": ["fp8_static_kv", "smoothquant"]}
RECIPES = {
    "fp8_static_kv": moe.RECIPES["fp8_static_kv"],
    "gptq": moe.RECIPES["gptq"].replace("group_size: 32", "group_size: 16"),
    "smoothquant": """
quant_stage:
  quant_modifiers:
    SmoothQuantModifier: {smoothing_strength: 0.8}
    QuantizationModifier: {ignore: [lm_head], scheme: W8A8, targets: [Linear]}
""",
}


def run(scratch):
    from safetensors.torch import save_file
    os.makedirs(out_dir, exist_ok=True)
    ids = moe.samples()
    result = {"recipes": RECIPES, "runs": {}}
    for model, names in MODELS.items():
        for mode, all_experts in (("all", True), ("routed", False)):
            for name in names:
                out = os.path.join(scratch, f"{model}-{name}-{mode}")
                tensors = moe.calibrate(model, RECIPES[name], ids, all_experts, out)
                if name == "smoothquant":
                    norms = {k: v.float().tolist() for k, v in sorted(tensors.items()) if k.endswith("input_layernorm.weight")}
                    result["runs"][f"{model}/{name}/{mode}"] = norms
                else:
                    scales = {k: v.float().item() for k, v in sorted(tensors.items()) if k.endswith(("input_scale", "k_scale", "v_scale"))}
                    result["runs"][f"{model}/{name}/{mode}"] = scales
                if name == "gptq":
                    packed = {k: v.contiguous() for k, v in tensors.items() if k.endswith("weight_packed")}
                    save_file(packed, os.path.join(out_dir, f"{model}-gptq-{mode}.safetensors"))
                shutil.rmtree(out, ignore_errors=True)
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    run(sys.argv[1])
