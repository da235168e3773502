#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/llama_nonfinite--SCHEME/ and llama_zero--SCHEME/: what llm-compressor
0.14 makes of weights holding NaN and Inf (for the `--allow-nonfinite` tests, NonFiniteWeightsTests) and
of all-zero weights (FaultTests).

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1):
    python3 scripts/make-degenerate-references.py [OUT_DIR]

Both inputs are Tests/Fixtures/models/llama with, as bf16 bit patterns (NonFiniteWeightsTests.model and
FaultTests.zeroModel make the same bits):
- llama_nonfinite: in layer 0's q_proj, a NaN at [0, 5], +Inf at [1, 3], -Inf at [2, 7] and row 3 all
  negative NaN (0xFFC0); in layer 1's down_proj, +Inf at [4, 9];
- llama_zero: layer 0's q_proj, k_proj and v_proj (a fused group) and layer 1's down_proj all zero,
  row 5 of layer 1's gate_proj zero.

torch's NaN sign bits depend on which of its kernels ran (its vectorized bf16 rounding writes 0xFFFF,
its scalar one 0x7FC0), and FP4 keeps a NaN's sign as -0 or +0. The manifest hashes the tensors with
every NaN written as its dtype's positive quiet NaN (bf16 0x7FC0, f16 0x7E00, f32 0x7FC00000,
F8_E4M3 0x7F) and, in NVFP4 groups whose scale is NaN, the FP4 values as zero: what we write.
"""
import hashlib, json, os, shutil, struct, sys, tempfile

import torch
from safetensors.torch import load_file, save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests/Fixtures/references")
schemes = {
    "llama_nonfinite": ["FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "W4A16_ASYM", "NVFP4A16"],
    "llama_zero": ["FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "W4A16_ASYM", "NVFP4A16", "MXFP4A16", "MXFP8A16"],
}
CANONICAL = {"BF16": (torch.int16, 0x7FC0), "F16": (torch.int16, 0x7E00), "F32": (torch.int32, 0x7FC00000)}


def edit(tensors, name, change):
    bits = tensors[name].clone().view(torch.int16)
    change(bits)
    tensors[name] = bits.view(torch.bfloat16)


def nonfinite(tensors):
    def q(bits):
        bits[0, 5], bits[1, 3], bits[2, 7] = 0x7FC0, 0x7F80, 0xFF80 - 0x10000
        bits[3, :] = 0xFFC0 - 0x10000
    edit(tensors, "model.layers.0.self_attn.q_proj.weight", q)
    edit(tensors, "model.layers.1.mlp.down_proj.weight", lambda bits: bits.__setitem__((4, 9), 0x7F80))


def zero(tensors):
    for name in ["model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                 "model.layers.0.self_attn.v_proj.weight", "model.layers.1.mlp.down_proj.weight"]:
        edit(tensors, name, lambda bits: bits.zero_())
    edit(tensors, "model.layers.1.mlp.gate_proj.weight", lambda bits: bits[5].zero_())


def model(path, change):
    src = os.path.join(root, "Tests/Fixtures/models/llama")
    tensors = load_file(os.path.join(src, "model.safetensors"))
    change(tensors)
    os.makedirs(path)
    for f in os.listdir(src):
        if f != "model.safetensors":
            shutil.copy(os.path.join(src, f), path)
    save_file(tensors, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})


def raw_tensors(directory):
    """name -> (dtype, shape, bytes) of every tensor, as stored."""
    out = {}
    with open(os.path.join(directory, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        for name, v in header.items():
            if name == "__metadata__":
                continue
            f.seek(base + v["data_offsets"][0])
            out[name] = (v["dtype"], v["shape"], bytearray(f.read(v["data_offsets"][1] - v["data_offsets"][0])))
    return out


def canonical(name, dtype, data, scales):
    if dtype in CANONICAL:
        int_type, nan = CANONICAL[dtype]
        bits = torch.frombuffer(data, dtype=int_type).clone()
        width = 16 if int_type == torch.int16 else 32
        values = bits.view(torch.bfloat16 if dtype == "BF16" else torch.float16 if dtype == "F16" else torch.float32)
        bits[torch.isnan(values.float())] = nan - (1 << width if nan >= 1 << (width - 1) else 0)
        return bytes(bits.numpy().tobytes())
    if dtype == "F8_E4M3":
        return bytes(0x7F if b == 0xFF else b for b in data)
    if name.endswith(".weight_packed") and dtype == "U8" and scales is not None:
        # NVFP4: 8 bytes (16 values) per scale; a NaN scale's values are written as zero.
        out = bytearray(data)
        for g, code in enumerate(scales):
            if code & 0x7F == 0x7F:
                out[8 * g:8 * g + 8] = bytes(8)
        return bytes(out)
    return bytes(data)


def manifest(directory):
    tensors = raw_tensors(directory)
    described = {}
    for name, (dtype, shape, data) in tensors.items():
        scales = None
        if name.endswith(".weight_packed"):
            scale = tensors.get(name[: -len("weight_packed")] + "weight_scale")
            if scale is not None and scale[0] == "F8_E4M3":
                scales = scale[2]
        described[name] = {"dtype": dtype, "shape": shape,
                           "sha256": hashlib.sha256(canonical(name, dtype, data, scales)).hexdigest()}
    config = json.load(open(os.path.join(directory, "config.json")))
    return {"tensors": dict(sorted(described.items())), "quantization_config": config.get("quantization_config")}


from transformers import AutoModelForCausalLM
from llmcompressor import oneshot
from llmcompressor.modifiers.quantization import QuantizationModifier

with tempfile.TemporaryDirectory() as tmp:
    for name, change in [("llama_nonfinite", nonfinite), ("llama_zero", zero)]:
        source = os.path.join(tmp, name)
        model(source, change)
        for scheme in schemes[name]:
            compressed = os.path.join(tmp, name + "--" + scheme)
            m = AutoModelForCausalLM.from_pretrained(source, dtype="auto")
            oneshot(model=m, recipe=QuantizationModifier(targets="Linear", scheme=scheme, ignore=["lm_head"]))
            m.save_pretrained(compressed, save_compressed=True)
            target = os.path.join(out_dir, name + "--" + scheme)
            os.makedirs(target, exist_ok=True)
            for f in ("config.json", "recipe.yaml"):
                shutil.copy(os.path.join(compressed, f), target)
            with open(os.path.join(target, "manifest.json"), "w") as f:
                json.dump(manifest(compressed), f, indent=1, sort_keys=True)
                f.write("\n")
            print("wrote", target)
