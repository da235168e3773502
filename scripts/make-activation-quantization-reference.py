#!/usr/bin/env python3
"""Writes Tests/Fixtures/activation-quantization-reference.json: inputs of a Linear layer and
what compressed-tensors 0.19's `forward_quantize` (the fake quantization llm-compressor and
transformers apply to `input_activations`) turns them into, in float32, for the presets whose
inputs are quantized in groups: NVFP4 (FP4 groups of 16 under a static `input_global_scale`),
MXFP4 and MXFP8 (power-of-two scales over groups of 32). `compress eval` must give the same bits.

    /work/venv-llmc/bin/python scripts/make-activation-quantization-reference.py   (a private venv with
    llmcompressor 0.14.0.1, which brings compressed-tensors 0.19; never run in CI)
"""
import json, os

import torch
from compressed_tensors.quantization import QuantizationStatus, preset_name_to_scheme
from compressed_tensors.quantization.lifecycle.forward import forward_quantize

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def inputs():
    """Rows of 64 values over many magnitudes, a row with ties of the FP4 grid, and a zero group."""
    generator = torch.Generator().manual_seed(3)
    rows = [torch.randn(64, generator=generator) * 10 ** float(e) for e in (-3, -1, 0, 1, 2)]
    ties = torch.tensor([7.0, 3.5, 1.75, 0.75, 0.25, 1.25, 2.5, 5.0] * 8)
    zero = torch.cat([torch.zeros(32), torch.randn(32, generator=generator)])
    return torch.stack(rows + [ties, zero]).float()


def main():
    x = inputs()
    result = {"input": x.flatten().tolist(), "rows": x.shape[0], "columns": x.shape[1], "presets": {}}
    for preset, global_scale in [("NVFP4", 448 * 6 / 20.0), ("MXFP4", None), ("MXFP8", None)]:
        args = preset_name_to_scheme(preset, ["Linear"]).input_activations
        module = torch.nn.Module()
        module.quantization_status = QuantizationStatus.FROZEN
        if global_scale is not None:
            module.input_global_scale = torch.nn.Parameter(torch.tensor([global_scale], dtype=torch.float32), requires_grad=False)
        output = forward_quantize(module, x.clone(), "input", args)
        result["presets"][preset] = {"global_scale": global_scale, "output": output.float().flatten().tolist()}
    with open(os.path.join(root, "Tests/Fixtures/activation-quantization-reference.json"), "w") as f:
        json.dump(result, f)
        f.write("\n")


if __name__ == "__main__":
    main()
