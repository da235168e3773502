#!/usr/bin/env python3
"""References for llm-compressor 0.14.0.1's MSE observers on static input activations and the KV cache.

  python3 scripts/make-activation-observer-references.py    writes Tests/Fixtures/activation-observer-reference.json

Each recipe runs on Tests/Fixtures/models/llama_calib as scripts/make-activation-forms-references.py runs its
calibrated forms (tiny_fixture.run_calibrated: f32, the calibration reference's token ids, unshuffled), so the
search sees f32 activations on its CPU (eager) path; the JSON keeps every tensor's dtype and shape, the values
of the scales, the quantization_config and the recipe.yaml llm-compressor saves.

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1).
"""
import sys

from tiny_fixture import quantization_modifier as modifier, run_calibrated, write_json

FP8_WEIGHTS = "weights: {num_bits: 8, type: float, symmetric: true, strategy: channel}"
INT8_WEIGHTS = "weights: {num_bits: 8, type: int, symmetric: true, strategy: channel}"


def inputs(kind, observer, kwargs=None, symmetric=True):
    """Static per-tensor input activations of `kind` (float or int, 8 bits) with `observer` and its kwargs."""
    extra = f", observer_kwargs: {kwargs}" if kwargs else ""
    return (f"input_activations: {{num_bits: 8, type: {kind}, symmetric: {str(symmetric).lower()}, strategy: tensor, "
            f"dynamic: false, observer: {observer}{extra}}}")


def kv_cache(strategy, observer, kwargs=None):
    extra = f", observer_kwargs: {kwargs}" if kwargs else ""
    return (f"kv_cache_scheme: {{num_bits: 8, type: float, symmetric: true, strategy: {strategy}, dynamic: false, "
            f"observer: {observer}{extra}}}")


def linear_group(weights, activations):
    return ["ignore: [lm_head]", "config_groups:", "  group_0:", "    targets: [Linear]", "    " + weights, "    " + activations]


RECIPES = {
    # mse: a moving average (averaging_constant 0.01) of each sample's searched range.
    "fp8_inputs_kv_mse": modifier(linear_group(FP8_WEIGHTS, inputs("float", "mse")) + [kv_cache("tensor", "mse")]),
    # memoryless_mse: the last sample's searched range; every search kwarg changed.
    "fp8_inputs_kv_memoryless_mse_kwargs": modifier(
        linear_group(FP8_WEIGHTS, inputs("float", "memoryless_mse", "{maxshrink: 0.5, patience: 3, grid: 40, norm: 2.0}"))
        + [kv_cache("attn_head", "memoryless_mse", "{maxshrink: 0.6, patience: 50, grid: 20}")]),
    "int8_inputs_mse": modifier(linear_group(INT8_WEIGHTS, inputs("int", "mse", "{averaging_constant: 0.3}"))),
    "int8_asymmetric_inputs_memoryless_mse": modifier(
        linear_group(INT8_WEIGHTS, inputs("int", "memoryless_mse", symmetric=False)) + [kv_cache("attn_head", "mse")]),
}


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    names = sys.argv[1:] or list(RECIPES)
    write_json({"samples_from": "calibration-reference.json", "recipes": run_calibrated({n: RECIPES[n] for n in names})},
               "Tests/Fixtures/activation-observer-reference.json")
