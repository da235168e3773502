#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/glm4_moe--SCHEME/: what llm-compressor 0.14's data-free `oneshot`
(QuantizationModifier on Linear, lm_head ignored) makes of Tests/Fixtures/models/glm4_moe, for
ArchitectureReferenceTests: config.json, recipe.yaml and a manifest of the tensors (dtype, shape,
SHA-256, as ../shared/tools/stmanifest.py describe writes it).

Needs the llm-compressor environment (torch, transformers 5.17, llmcompressor 0.14.0.1):
    /work/venv-llmc/bin/python scripts/make-glm4-moe-references.py
"""
import json, os, shutil, subprocess, sys, tempfile

from transformers import AutoModelForCausalLM
from llmcompressor import oneshot
from llmcompressor.modifiers.quantization import QuantizationModifier

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
source = os.path.join(root, "Tests/Fixtures/models/glm4_moe")
stmanifest = os.path.join(root, "../shared/tools/stmanifest.py")
if not os.path.exists(stmanifest):
    stmanifest = "/work/shared/tools/stmanifest.py"

with tempfile.TemporaryDirectory() as tmp:
    for scheme in ["FP8_DYNAMIC", "W4A16", "NVFP4A16"]:
        compressed = os.path.join(tmp, scheme)
        model = AutoModelForCausalLM.from_pretrained(source, dtype="auto")
        oneshot(model=model, recipe=QuantizationModifier(targets="Linear", scheme=scheme, ignore=["lm_head"]))
        model.save_pretrained(compressed, save_compressed=True)
        target = os.path.join(root, "Tests/Fixtures/references", "glm4_moe--" + scheme)
        os.makedirs(target, exist_ok=True)
        for f in ("config.json", "recipe.yaml"):
            shutil.copy(os.path.join(compressed, f), target)
        manifest = subprocess.run([sys.executable, stmanifest, "describe", compressed], check=True, capture_output=True, text=True).stdout
        with open(os.path.join(target, "manifest.json"), "w") as f:
            f.write(manifest)
        print("wrote", target, file=sys.stderr)
