#!/usr/bin/env python3
"""llm-compressor 0.14's calibrated outputs for the tiny mixture-of-experts fixtures, in both of its
`moe_calibrate_all_experts` modes.

  /work/venv-llmc/bin/python scripts/make-moe-calibration-reference.py OUT

writes Tests/Fixtures/moe-calibration/reference.json (the samples, and per model (Mixtral,
Qwen3-MoE, and for static scales Qwen2-MoE), recipe and mode
the static scales: every input_scale, k_scale and v_scale) and, per model and mode,
Tests/Fixtures/moe-calibration/MODEL-gptq-MODE.safetensors with the GPTQ run's `weight_packed`
tensors under the checkpoint's own names (llm-compressor under transformers 5 names Mixtral's
w1/w3/w2 gate_proj/up_proj/down_proj).

The samples are fixed random token ids given pre-tokenized and unshuffled, so both tools see the
same batches in the same order; llm-compressor runs the bf16 fixtures in float32 (so its scales are
f32: the tests calibrate a copy of the fixture widened to f32 to compare with them).

llm-compressor 0.14's sequential pipeline hands these MoE models' decoder layers no attention mask
(`attention_mask=None` under its forced eager attention), so their attention runs without the causal
mask during calibration (it keeps it for Llama); a pre-hook on every attention module puts the causal
mask back, so that the reference is llm-compressor's calibration of the model as it runs.
Mixtral's GPTQ codes hang on the f32 rounding of its attention: llm-compressor's own run with
the eager attention computed in f64 (rounded to f32 on the way out) agrees with its f32 run on
only 98.72% (all) and 98.47% (routed) of the codes, the same share as ours. Its block 0 codes
match all but 46 of o_proj's, whose propagated output then moves block 1's statistics. So Mixtral
also gets MODE-f64-attention references, where the rounding of one tool's attention no longer
decides the codes (Qwen3-MoE's codes are the same either way).
Mixtral's AWQ run (the dense references' W4A16 AWQ recipe, with llm-compressor's default mappings,
which reach the experts by transformers 5's names) is kept in
Tests/Fixtures/moe-calibration/mixtral-awq-MODE.safetensors: its smoothed norms, its routers (which
the default mappings leave as they were) and its `weight_packed` codes.
A last run calibrates Mixtral in routed mode on one two-token sample, so that some experts get no
token, and records which experts' GPTQ codes came out all zero (llm-compressor's GPTQ zeroes the
columns whose Hessian diagonal is zero: all of them for an expert without tokens).
"""
import json, os, shutil, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixtures = os.path.join(root, "Tests/Fixtures")
out_dir = os.path.join(fixtures, "moe-calibration")



def dense_recipes():
    """The recipes of scripts/make-calibration-reference.py, which the dense references ran."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("dense", os.path.join(root, "scripts/make-calibration-reference.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RECIPES


RECIPES = {"fp8_static_kv": dense_recipes()["fp8_static_kv"], "gptq": dense_recipes()["w4a16_gptq_g32"]}
# Qwen2-MoE (a shared expert and its gate beside the routed experts) gets the static scales only.
MODELS = {"mixtral": ["fp8_static_kv", "gptq"], "qwen3_moe": ["fp8_static_kv", "gptq"], "qwen2_moe": ["fp8_static_kv"]}
MIXTRAL_NAMES = {"gate_proj": "w1", "up_proj": "w3", "down_proj": "w2"}


def checkpoint_name(model, key):
    if model == "mixtral" and ".experts." in key:
        parts = key.split(".")
        parts[-2] = MIXTRAL_NAMES.get(parts[-2], parts[-2])
        return ".".join(parts)
    return key


def samples():
    import torch
    generator = torch.Generator().manual_seed(3)
    return [torch.randint(3, 256, (32,), generator=generator).tolist() for _ in range(8)]


def causal_mask(module, args, kwargs):
    """Gives an attention module that got no mask the additive causal mask of its input's length."""
    import torch
    if kwargs.get("attention_mask") is None:
        hidden = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
        length = hidden.shape[-2]
        kwargs["attention_mask"] = torch.full((length, length), torch.finfo(hidden.dtype).min, dtype=hidden.dtype).triu(1)[None, None]
    return args, kwargs


class attention_in_f64:
    """Makes `model_name`'s eager attention run in f64, its output rounded back to f32."""
    def __init__(self, model_name):
        import importlib
        self.module = importlib.import_module(f"transformers.models.{model_name}.modeling_{model_name}")

    def __enter__(self):
        self.original = original = self.module.eager_attention_forward

        def f64(module, query, key, value, attention_mask, **kwargs):
            mask = None if attention_mask is None else attention_mask.double()
            output, weights = original(module, query.double(), key.double(), value.double(), mask, **kwargs)
            return output.float(), weights
        self.module.eager_attention_forward = f64

    def __exit__(self, *exc):
        self.module.eager_attention_forward = self.original


def save_codes(tensors, name):
    from safetensors.torch import save_file
    packed = {k: v.contiguous() for k, v in tensors.items() if k.endswith("weight_packed")}
    save_file(packed, os.path.join(out_dir, name))


def f64_attention_references(ids, scratch):
    for mode, all_experts in (("all", True), ("routed", False)):
        with attention_in_f64("mixtral"):
            tensors = calibrate("mixtral", RECIPES["gptq"], ids, all_experts, os.path.join(scratch, f"mixtral-gptq-{mode}-f64"))
        save_codes(tensors, f"mixtral-gptq-{mode}-f64-attention.safetensors")


def awq_references(ids, scratch):
    import torch
    # AWQ pins cached activations, which needs CUDA; on a CPU-only machine pinning is a no-op.
    torch.Tensor.pin_memory = lambda self, *args, **kwargs: self
    recipe = dense_recipes()["w4a16_awq"]
    for mode, all_experts in (("all", True), ("routed", False)):
        tensors = calibrate("mixtral", recipe, ids, all_experts, os.path.join(scratch, f"mixtral-awq-{mode}"))
        kept = {k: v.contiguous() for k, v in tensors.items()
                if k.endswith(("layernorm.weight", "weight_packed")) or k.endswith("block_sparse_moe.gate.weight")}
        from safetensors.torch import save_file
        save_file(kept, os.path.join(out_dir, f"mixtral-awq-{mode}.safetensors"))


def calibrate(model_name, recipe, ids, all_experts, out):
    import torch, transformers
    from datasets import Dataset
    from llmcompressor import oneshot
    from safetensors.torch import load_file
    shutil.rmtree(out, ignore_errors=True)
    model = transformers.AutoModelForCausalLM.from_pretrained(os.path.join(fixtures, "models", model_name), dtype=torch.float32)
    for layer in model.model.layers:
        layer.self_attn.register_forward_pre_hook(causal_mask, with_kwargs=True)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=os.path.join(fixtures, "tokenizers/byte-level-bpe/tokenizer.json"))
    data = Dataset.from_dict({"input_ids": ids, "attention_mask": [[1] * len(s) for s in ids]})
    oneshot(model=model, dataset=data, recipe=recipe, num_calibration_samples=len(ids), max_seq_length=64,
            shuffle_calibration_samples=False, output_dir=out, processor=tokenizer, moe_calibrate_all_experts=all_experts)
    return {checkpoint_name(model_name, k): v for k, v in load_file(os.path.join(out, "model.safetensors")).items()}


def run(scratch):
    os.makedirs(out_dir, exist_ok=True)
    ids = samples()
    result = {"samples": ids, "recipes": RECIPES, "runs": {}}
    for model, names in MODELS.items():
        for mode, all_experts in (("all", True), ("routed", False)):
            for name in names:
                recipe = RECIPES[name]
                tensors = calibrate(model, recipe, ids, all_experts, os.path.join(scratch, f"{model}-{name}-{mode}"))
                scales = {k: v.float().item() for k, v in sorted(tensors.items()) if k.endswith(("input_scale", "k_scale", "v_scale"))}
                result["runs"][f"{model}/{name}/{mode}"] = scales
                if name == "gptq":
                    save_codes(tensors, f"{model}-gptq-{mode}.safetensors")
    f64_attention_references(ids, scratch)
    awq_references(ids, scratch)
    # Routed mode with experts that get no token.
    tensors = calibrate("mixtral", RECIPES["gptq"], [ids[0][:2]], False, os.path.join(scratch, "mixtral-gptq-sparse"))
    zero_codes = -2004318072  # 0x88888888: eight 4-bit codes of 0, stored offset by 8
    result["zeroed_without_tokens"] = sorted(
        k for k, v in tensors.items() if ".experts." in k and k.endswith("weight_packed") and bool((v == zero_codes).all()))
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    run(sys.argv[1])
