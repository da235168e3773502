#!/usr/bin/env python3
"""Writes Tests/Fixtures/gptq/: reference outputs of llm-compressor 0.14's GPTQ for small random weights,
so ModifiersTests can check our solver without torch.

Needs the llm-compressor environment (torch, llmcompressor 0.14.0.1, compressed-tensors 0.19.0):
    python3 scripts/make-gptq-reference.py [OUT_DIR]

For each weight (`A`: 32x128 bf16, `B`: 16x96 f16, `C`: 8x64 f32) the calibration inputs (some
columns dead: zero in every sample) go through llm-compressor's own `accumulate_hessian` (one call
per sample, plus one batched call of two samples), the Hessian is normalized as `prepare_batch`
does (divided by the sample count), the scales come from the memoryless min-max weight observer
on the original weight, and `quantize_weight` runs GPTQ. The codes are what compressed-tensors'
compressor then writes: `quantize(gptq_weight.to(dtype), scale, zero_point, args, dtype=int8)`.

Files: `WEIGHT.safetensors` holds `weight` (the dtype), `inputs` (f32 [tokens, columns], with
`sample_tokens` telling how the rows split into samples: the last entry is a batch of two samples
of equal length), `hessian` (f32, normalized) and per case `caseN.codes` (I8), `caseN.scale` (the
dtype), `caseN.zero_point` (I8). `cases.json` lists the cases: weight, args, block size,
dampening, loss, RTN fallback flag.
"""
import json, os, sys

import torch
from compressed_tensors.quantization import QuantizationArgs
from compressed_tensors.quantization.lifecycle.forward import quantize
from llmcompressor.modifiers.gptq.gptq_quantize import quantize_weight
from llmcompressor.modifiers.gptq.helpers import accumulate_hessian, make_empty_hessian
from llmcompressor.observers.min_max import MemorylessMinMaxObserver
from safetensors.torch import save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests/Fixtures/gptq")
os.makedirs(out_dir, exist_ok=True)
torch.manual_seed(0)
torch.set_num_threads(1)

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}
WEIGHTS = [
    # name, rows, columns, dtype, dead columns, per-sample token counts (last: a batch of two)
    ("A", 32, 128, "bf16", [5], [24, 17, 30, 9, 22, 12]),
    ("B", 16, 96, "f16", [0, 41], [20, 33, 15, 26]),
    ("C", 8, 64, "f32", [63], [11, 40, 7]),
]


def strategies(columns):
    yield {"strategy": "channel"}
    yield {"strategy": "tensor"}
    for size in (32, 64):
        if columns % size == 0:
            yield {"strategy": "group", "group_size": size}


cases = []
for name, rows, columns, dtype_name, dead, sample_tokens in WEIGHTS:
    dtype = DTYPES[dtype_name]
    # Columns of different magnitudes, so that activation ordering moves them.
    column_scale = torch.exp(torch.randn(columns))
    weight = (torch.randn(rows, columns) * 0.05).to(dtype)
    linear = torch.nn.Linear(columns, rows, bias=False)
    hessian = make_empty_hessian(linear)
    count = torch.zeros(())
    samples = []
    for tokens in sample_tokens[:-1]:
        x = (torch.randn(1, tokens, columns) * column_scale).to(dtype).float()
        x[..., dead] = 0
        samples.append(x[0])
        hessian, count = accumulate_hessian(x.to(dtype), linear, hessian, count)
    tokens = sample_tokens[-1]
    x = (torch.randn(2, tokens, columns) * column_scale).to(dtype).float()
    x[..., dead] = 0
    samples.extend([x[0], x[1]])
    hessian, count = accumulate_hessian(x.to(dtype), linear, hessian, count)
    assert int(count) == len(sample_tokens) + 1
    normalized = hessian / count
    tensors = {"weight": weight.contiguous(), "inputs": torch.cat(samples).contiguous(), "hessian": normalized.contiguous()}

    index = 0
    for strategy in strategies(columns):
        for symmetric in (True, False):
            for bits in (4, 8):
                for actorder in (None, "static", "weight"):
                    if actorder == "weight" and not (bits == 4 and strategy["strategy"] == "group"):
                        continue  # an alias of static: checked on a few cases only
                    args = QuantizationArgs(num_bits=bits, type="int", symmetric=symmetric, actorder=actorder, **strategy)
                    observer = MemorylessMinMaxObserver(base_name="weight", args=args)
                    observer(weight)
                    qparams = observer.get_qparams()
                    block_size = (128, 32, 64)[index % 3]
                    dampening = 0.1 if index % 5 == 4 else 0.01
                    quantized, losses, fallback = quantize_weight(
                        weights=weight.to(torch.float32)[None].clone(), hessians=normalized[None].clone(),
                        scale=qparams["scale"][None], zero_point=qparams["zero_point"][None], global_scale=None,
                        quant_args=args, blocksize=block_size, percdamp=dampening)
                    stored = quantized[0].to(dtype)
                    codes = quantize(x=stored, scale=qparams["scale"], zero_point=qparams["zero_point"], args=args, dtype=torch.int8)
                    key = f"case{index}"
                    tensors[key + ".codes"] = codes.contiguous()
                    tensors[key + ".scale"] = qparams["scale"].to(dtype).contiguous()
                    tensors[key + ".zero_point"] = qparams["zero_point"].to(torch.int8).contiguous()
                    cases.append({
                        "weight": name, "key": key, "num_bits": bits, "symmetric": symmetric, "actorder": actorder,
                        "strategy": strategy["strategy"], "group_size": strategy.get("group_size"),
                        "block_size": block_size, "dampening_frac": dampening,
                        "loss": float(losses[0]), "rtn_fallback": bool(fallback[0]),
                    })
                    index += 1
    save_file(tensors, os.path.join(out_dir, f"{name}.safetensors"))

meta = {"weights": [{"name": n, "rows": r, "columns": c, "dtype": d, "dead_columns": dead, "sample_tokens": t}
                    for n, r, c, d, dead, t in WEIGHTS],
        "cases": cases}
with open(os.path.join(out_dir, "cases.json"), "w") as f:
    json.dump(meta, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases in {out_dir}")
