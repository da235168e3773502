#!/usr/bin/env python3
"""Writes Tests/Fixtures/imatrix/: what llm-compressor 0.14 (CPU) makes with its imatrix weight observers
(`imatrix_mse`, `nvfp4_expanded_imatrix`, llmcompressor/observers/imatrix.py), for ImatrixObserverTests.

  observer.safetensors + observer.json   the observer alone, exactly: three Linear weights of
      Tests/Fixtures/tiny-llama (bf16), each fed fixed bf16 activations (stored beside them as
      act.WIDTH.SAMPLE) through the observer's own forward pre-hook, then observed; the
      compressed-tensors compressor of the scheme's format packs weight and qparams, as a checkpoint
      stores them (CASE.LAYER.NAME).
  pipeline.safetensors + pipeline.json   oneshot end to end on Tests/Fixtures/models/llama_calib loaded
      in bf16, calibrated on the token ids of scripts/make-calibration-reference.py, unshuffled: the
      quantized Linear tensors of each recipe (RECIPE.TENSOR). Our runtime computes activations in f32
      where torch computes them in bf16, so the tests compare these within a tolerance.

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1):
    python3 scripts/make-imatrix-references.py [observer|pipeline]...
"""
import importlib.util, json, os, sys, tempfile

import torch
from safetensors.torch import load_file, save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(root, "Tests/Fixtures/imatrix")

# name -> (weights args as a recipe writes them, compressed-tensors format)
OBSERVER_CASES = {
    "W4_G64": ("{num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 64, observer: imatrix_mse}",
               "pack-quantized"),
    "W4_ASYM_G128_KWARGS": ("{num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 128, observer: imatrix_mse, "
                            "observer_kwargs: {maxshrink: 0.6, grid: 40, norm: 2.4, patience: 0}}", "pack-quantized"),
    "W8_CHANNEL": ("{num_bits: 8, type: int, symmetric: true, strategy: channel, observer: imatrix_mse}", "pack-quantized"),
    "FP8_CHANNEL": ("{num_bits: 8, type: float, symmetric: true, strategy: channel, observer: imatrix_mse}", "float-quantized"),
    "NVFP4_EXPANDED": ("{num_bits: 4, type: float, symmetric: true, strategy: tensor_group, group_size: 16, scale_dtype: float8_e4m3fn, "
                       "observer: nvfp4_expanded_imatrix}", "nvfp4-pack-quantized"),
    "NVFP4_KWARGS": ("{num_bits: 4, type: float, symmetric: true, strategy: tensor_group, group_size: 16, scale_dtype: float8_e4m3fn, "
                     "observer: imatrix_mse, observer_kwargs: {norm: 2.0, grid: 50}}", "nvfp4-pack-quantized"),
}
LAYERS = ["model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj"]
TOKENS = [23, 64, 7]



def pipeline_recipes(calibration_recipes):
    """The calibration reference's round-to-nearest W4A16 g32 and NVFP4A16 recipes with imatrix observers."""
    return {
        "W4A16_G32_IMATRIX": calibration_recipes["w4a16_rtn_g32"].replace("group_size: 32}", "group_size: 32, observer: imatrix_mse}"),
        "NVFP4A16_EXPANDED_IMATRIX": calibration_recipes["nvfp4a16_gptq"].replace("GPTQModifier", "QuantizationModifier").replace(
            "targets: [Linear]}", "targets: [Linear], weight_observer: nvfp4_expanded_imatrix}"),
    }


def activations(width):
    """Fixed bf16 activations of `width` channels whose magnitudes differ by channel."""
    g = torch.Generator().manual_seed(width)
    spread = torch.exp(torch.randn(width, generator=g))
    return [(torch.randn(t, width, generator=g) * spread).to(torch.bfloat16) for t in TOKENS]


def observer_references():
    import yaml
    from compressed_tensors.compressors import BaseCompressor
    from compressed_tensors.quantization import QuantizationArgs, QuantizationScheme
    from llmcompressor.observers import Observer
    weights = load_file(os.path.join(root, "Tests/Fixtures/tiny-llama/model.safetensors"))
    tensors, inputs = {}, {}
    for case, (args_yaml, fmt) in OBSERVER_CASES.items():
        spec = yaml.safe_load(args_yaml)
        for layer in LAYERS:
            w = weights[layer + ".weight"]
            width = w.shape[1]
            xs = activations(width)
            for i, x in enumerate(xs):
                inputs[f"act.{width}.{i}"] = x
            args = QuantizationArgs(**spec)
            linear = torch.nn.Linear(width, w.shape[0], bias=False, dtype=torch.bfloat16)
            linear.weight.data = w.clone()
            observer = Observer.load_from_registry(spec["observer"], base_name="weight", args=args)
            observer.attach(linear)
            with torch.no_grad():
                for x in xs:
                    linear(x.unsqueeze(0))
            observer(linear.weight)
            qparams = observer.get_qparams()
            state = {"weight": linear.weight.data, "weight_scale": qparams["scale"], "weight_zero_point": qparams["zero_point"]}
            if qparams["global_scale"] is not None:
                state["weight_global_scale"] = qparams["global_scale"]
            scheme = QuantizationScheme(targets=["Linear"], weights=args)
            compressed = BaseCompressor.get_value_from_registry(fmt).compress(state, scheme)
            for name, value in compressed.items():
                tensors[f"{case}.{layer}.{name}"] = value.contiguous()
    tensors.update(inputs)
    save_file(tensors, os.path.join(out_dir, "observer.safetensors"))
    meta = {"cases": {case: {"weights": a, "format": f} for case, (a, f) in OBSERVER_CASES.items()},
            "layers": LAYERS, "tokens": TOKENS}
    json.dump(meta, open(os.path.join(out_dir, "observer.json"), "w"), indent=1)


def pipeline_references():
    import transformers
    from datasets import Dataset
    from llmcompressor import oneshot
    spec = importlib.util.spec_from_file_location("calibration", os.path.join(root, "scripts/make-calibration-reference.py"))
    calibration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibration)
    ids = calibration.samples()
    recipes = pipeline_recipes(calibration.RECIPES)
    model_dir = os.path.join(root, "Tests/Fixtures/models/llama_calib")
    tensors = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, recipe in recipes.items():
            out = os.path.join(tmp, name)
            model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16)
            data = Dataset.from_dict({"input_ids": ids, "attention_mask": [[1] * len(s) for s in ids]})
            oneshot(model=model, dataset=data, recipe=recipe, num_calibration_samples=len(ids), max_seq_length=64,
                    shuffle_calibration_samples=False, output_dir=out)
            for key, value in load_file(os.path.join(out, "model.safetensors")).items():
                if ".layers." in key and "norm" not in key:
                    tensors[f"{name}.{key}"] = value.contiguous()
    save_file(tensors, os.path.join(out_dir, "pipeline.safetensors"))
    json.dump({"samples": ids, "recipes": recipes}, open(os.path.join(out_dir, "pipeline.json"), "w"), indent=1)


if __name__ == "__main__":
    os.makedirs(out_dir, exist_ok=True)
    parts = sys.argv[1:] or ["observer", "pipeline"]
    if "observer" in parts:
        observer_references()
    if "pipeline" in parts:
        pipeline_references()
