#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/{tiny-llama,qwen3}--{MXFP6A16,MXFP6A8,MXFP4XFP8}: the
compressed-tensors 0.20 formats, made with compressed-tensors 0.20.1 itself.

llm-compressor 0.14 pins compressed-tensors 0.19 (whose compressors 0.20 rewrote), so these
references do not come from `oneshot`. The script does what llm-compressor's data-free
QuantizationModifier does, step by step, with compressed-tensors 0.20.1's own functions:
1. the preset (`preset_name_to_scheme`) on `Linear`, `lm_head` ignored, with llm-compressor's
   default weight observer `memoryless_minmax` recorded, applied by `apply_quantization_config`;
2. per weight, its min-max observer's statistics (the minimum and maximum of each group of
   `group_size` columns, in the weight's dtype) turned into scales by `calculate_qparams`, as
   llm-compressor's `MemorylessMinMaxObserver` does;
3. `ModelCompressor.from_pretrained_model(model).compress_model(model)`, `save_pretrained` and
   `update_config`, as llm-compressor's `save_pretrained` wrapper does; the recipe.yaml written
   is the one llm-compressor would save for the same modifier.

Needs a private venv (never the llm-compressor one):
    python3 -m venv /work/venvs/ct020
    /work/venvs/ct020/bin/pip install compressed-tensors==0.20.1 torch
    /work/venvs/ct020/bin/python scripts/make-ct020-references.py
(made with torch 2.15.0, transformers 5.24.0, compressed-tensors 0.20.1, on CPU).
"""
import os, sys, tempfile

import torch
import transformers
from compressed_tensors.compressors import ModelCompressor
from compressed_tensors.quantization import (
    QuantizationConfig, QuantizationScheme, QuantizationStatus, apply_quantization_config, preset_name_to_scheme,
)
from compressed_tensors.quantization.utils import calculate_qparams

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_fixture import root, save_reference  # noqa: E402

SCHEMES = ["MXFP6A16", "MXFP6A8", "MXFP4XFP8"]
MODELS = {"tiny-llama": "Tests/Fixtures/tiny-llama", "qwen3": "Tests/Fixtures/models/qwen3"}

RECIPE = """default_stage:
  default_modifiers:
    QuantizationModifier:
      targets: [Linear]
      ignore: [lm_head]
      scheme: {scheme}
      bypass_divisibility_checks: false
      requires_calibration_data: false
"""


def minmax_qparams(weight, args):
    """MemorylessMinMaxObserver's group statistics of `weight` and the qparams they give."""
    rows, columns = weight.shape
    groups = weight.reshape(rows, columns // args.group_size, args.group_size)
    return calculate_qparams(groups.amin(dim=-1), groups.amax(dim=-1), args)


def quantize(source, scheme_name, out):
    model = transformers.AutoModelForCausalLM.from_pretrained(source, dtype="auto")
    scheme = QuantizationScheme(targets=["Linear"], **preset_name_to_scheme(scheme_name, ["Linear"]).model_dump(exclude={"targets"}))
    scheme.weights.observer = "memoryless_minmax"
    config = QuantizationConfig(config_groups={"group_0": scheme}, ignore=["lm_head"],
                                quantization_status=QuantizationStatus.INITIALIZED)
    apply_quantization_config(model, config)
    with torch.no_grad():
        for name, module in model.named_modules():
            module_scheme = getattr(module, "quantization_scheme", None)
            if module_scheme is None or module_scheme.weights is None:
                continue
            scale, zero_point = minmax_qparams(module.weight, module_scheme.weights)
            module.weight_scale.data = scale.to(module.weight_scale.dtype).reshape(module.weight_scale.shape)
            if hasattr(module, "weight_zero_point"):
                module.weight_zero_point.data = zero_point.to(module.weight_zero_point.dtype).reshape(module.weight_zero_point.shape)
            module.quantization_status = QuantizationStatus.FROZEN
    compressor = ModelCompressor.from_pretrained_model(model)
    compressor.compress_model(model)
    model.save_pretrained(out)
    compressor.update_config(out)
    with open(os.path.join(out, "recipe.yaml"), "w") as f:
        f.write(RECIPE.format(scheme=scheme_name))


with tempfile.TemporaryDirectory() as tmp:
    for model_name, source in MODELS.items():
        for scheme_name in SCHEMES:
            out = os.path.join(tmp, f"{model_name}--{scheme_name}")
            quantize(os.path.join(root, source), scheme_name, out)
            save_reference(out, os.path.join(root, "Tests/Fixtures/references", f"{model_name}--{scheme_name}"))
