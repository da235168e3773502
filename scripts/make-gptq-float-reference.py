#!/usr/bin/env python3
"""Writes Tests/Fixtures/gptq-float/: reference outputs of llm-compressor 0.14's GPTQ with float weights
(FP8 per channel, tensor and block; NVFP4; MXFP4 and MXFP8) on the weights and Hessians of Tests/Fixtures/gptq,
so ModifiersTests can check our solver without torch.

Needs the llm-compressor environment (torch, llmcompressor 0.14.0.1, compressed-tensors 0.19.0):
    python3 scripts/make-gptq-float-reference.py [OUT_DIR]

For each weight of Tests/Fixtures/gptq (`A`: 32x128 bf16, `B`: 16x96 f16, `C`: 8x64 f32) and each case,
the scales come from the memoryless min-max weight observer on the original weight (for NVFP4 with a
global scale over the weight alone, or, in the `fused` cases, fused with a sibling `1.75 x weight`
as `fuse_weight_observers` links q/k/v), `quantize_weight` runs GPTQ on the stored normalized
Hessian, and the codes are what compressed-tensors' compressor then computes from the result:
`quantize(gptq_weight.to(dtype), scale, zero_point, args, global_scale=...)`.

Files: `WEIGHT.safetensors` holds per case `caseN.codes` (U8: the FP8 E4M3 code for FP8 and MXFP8 weights;
twice the FP4 value, as I8 bits, for NVFP4 and MXFP4), `caseN.scale` (f32: the observer's scales as
llm-compressor keeps them) and, for NVFP4, `caseN.global_scale` (f32 [1]). `cases.json` lists the
cases: weight, preset or args, block size, dampening, loss, RTN fallback flag, and for fused cases the
sibling's factor.
"""
import json, os, sys

import torch
from compressed_tensors.quantization import QuantizationArgs, preset_name_to_scheme
from compressed_tensors.quantization.lifecycle.forward import quantize
from llmcompressor.modifiers.gptq.gptq_quantize import quantize_weight
from llmcompressor.observers.fusion import FusionHandler
from llmcompressor.observers.min_max import MemorylessMinMaxObserver
from safetensors.torch import load_file, save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
source_dir = os.path.join(root, "Tests/Fixtures/gptq")
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests/Fixtures/gptq-float")
os.makedirs(out_dir, exist_ok=True)
torch.set_num_threads(1)
SIBLING = 1.75


def preset(name):
    return preset_name_to_scheme(name, ["Linear"]).weights


def float_args(**kwargs):
    return QuantizationArgs(num_bits=8, type="float", symmetric=True, **kwargs)


def cases_for(name, rows, columns):
    # (label, args, actorder, fused)
    yield "fp8 channel", preset("FP8_DYNAMIC"), None, False
    yield "fp8 channel", preset("FP8_DYNAMIC"), "static", False
    yield "fp8 tensor", float_args(strategy="tensor"), None, False
    yield "fp8 block 8x32", float_args(strategy="block", block_structure=[8, 32]), "static", False
    if name == "A":
        yield "fp8 block 128x128", preset("FP8_BLOCK"), None, False
    yield "nvfp4", preset("NVFP4A16"), None, False
    yield "nvfp4", preset("NVFP4A16"), "static", False
    yield "nvfp4 fused", preset("NVFP4A16"), None, True
    if columns % 32 == 0:
        yield "mxfp4", preset("MXFP4A16"), None, False
        yield "mxfp4", preset("MXFP4A16"), "static", False
        yield "mxfp8", preset("MXFP8A16"), "static", False


index_meta = json.load(open(os.path.join(source_dir, "cases.json")))
cases = []
index = 0
for w in index_meta["weights"]:
    source = load_file(os.path.join(source_dir, f"{w['name']}.safetensors"))
    weight, hessian = source["weight"], source["hessian"]
    dtype = weight.dtype
    tensors = {}
    for label, base_args, actorder, fused in cases_for(w["name"], w["rows"], w["columns"]):
        args = base_args.model_copy(update={"actorder": actorder})
        observer = MemorylessMinMaxObserver(base_name="weight", args=args)
        if fused:
            sibling = torch.nn.Linear(w["columns"], w["rows"], bias=False).to(dtype)
            sibling.weight.data = (weight.float() * SIBLING).to(dtype)
            module = torch.nn.Linear(w["columns"], w["rows"], bias=False).to(dtype)
            module.weight.data = weight.clone()
            FusionHandler.fuse([(observer, module), (MemorylessMinMaxObserver(base_name="weight", args=args), sibling)])
        observer(weight)
        qparams = observer.get_qparams()
        global_scale = qparams["global_scale"]
        block_size = (128, 32, 64)[index % 3]
        dampening = 0.1 if index % 5 == 4 else 0.01
        quantized, losses, fallback = quantize_weight(
            weights=weight.to(torch.float32)[None].clone(), hessians=hessian[None].clone(),
            scale=qparams["scale"][None], zero_point=qparams["zero_point"][None],
            global_scale=None if global_scale is None else global_scale[None],
            quant_args=args, blocksize=block_size, percdamp=dampening)
        stored = quantized[0].to(dtype)
        values = quantize(x=stored, scale=qparams["scale"], zero_point=qparams["zero_point"], args=args,
                          global_scale=global_scale)
        key = f"case{index}"
        if args.num_bits == 8:
            tensors[key + ".codes"] = values.to(torch.float8_e4m3fn).view(torch.uint8).contiguous()
        else:
            tensors[key + ".codes"] = (values.float() * 2).to(torch.int8).contiguous()
        tensors[key + ".scale"] = qparams["scale"].float().contiguous()
        if global_scale is not None:
            tensors[key + ".global_scale"] = global_scale.float().reshape(1).contiguous()
        cases.append({
            "weight": w["name"], "key": key, "label": label, "args": json.loads(args.model_dump_json()),
            "block_size": block_size, "dampening_frac": dampening, "sibling_factor": SIBLING if fused else None,
            "loss": float(losses[0]), "rtn_fallback": bool(fallback[0]),
        })
        index += 1
    save_file(tensors, os.path.join(out_dir, f"{w['name']}.safetensors"))

with open(os.path.join(out_dir, "cases.json"), "w") as f:
    json.dump({"cases": cases}, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases in {out_dir}")
