#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/deepseek_v3--SCHEME/: what llm-compressor 0.14's data-free
`oneshot` (QuantizationModifier on Linear, lm_head ignored) makes of Tests/Fixtures/models/deepseek_v3
without its multi-token-prediction layer (model.layers.3, which transformers does not load, so
that oneshot's output never has it), for ArchitectureReferenceTests: config.json, recipe.yaml and
a manifest of the tensors (as ../shared/tools/stmanifest.py describe writes it).

Needs the llm-compressor environment (torch, transformers 5.17, llmcompressor 0.14.0.1):
    /work/venv-llmc/bin/python scripts/make-deepseek-v3-references.py
"""
import os, shutil, subprocess, sys, tempfile

from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM
from llmcompressor import oneshot
from llmcompressor.modifiers.quantization import QuantizationModifier

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixture = os.path.join(root, "Tests/Fixtures/models/deepseek_v3")
stmanifest = os.path.join(root, "../shared/tools/stmanifest.py")
if not os.path.exists(stmanifest):
    stmanifest = "/work/shared/tools/stmanifest.py"

with tempfile.TemporaryDirectory() as tmp:
    source = os.path.join(tmp, "deepseek_v3")
    os.makedirs(source)
    for f in os.listdir(fixture):
        if f != "model.safetensors":
            shutil.copy(os.path.join(fixture, f), source)
    tensors = {k: v for k, v in load_file(os.path.join(fixture, "model.safetensors")).items() if not k.startswith("model.layers.3.")}
    save_file(tensors, os.path.join(source, "model.safetensors"), metadata={"format": "pt"})
    for scheme in ["FP8_DYNAMIC", "NVFP4A16"]:
        compressed = os.path.join(tmp, scheme)
        model = AutoModelForCausalLM.from_pretrained(source, dtype="auto")
        oneshot(model=model, recipe=QuantizationModifier(targets="Linear", scheme=scheme, ignore=["lm_head"]))
        model.save_pretrained(compressed, save_compressed=True)
        target = os.path.join(root, "Tests/Fixtures/references", "deepseek_v3--" + scheme)
        os.makedirs(target, exist_ok=True)
        for f in ("config.json", "recipe.yaml"):
            shutil.copy(os.path.join(compressed, f), target)
        manifest = subprocess.run([sys.executable, stmanifest, "describe", compressed], check=True, capture_output=True, text=True).stdout
        with open(os.path.join(target, "manifest.json"), "w") as f:
            f.write(manifest)
        print("wrote", target, file=sys.stderr)
