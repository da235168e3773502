#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/deepseek_v3--SCHEME/: what llm-compressor 0.14's data-free
`oneshot` (QuantizationModifier on Linear, lm_head ignored) makes of Tests/Fixtures/models/deepseek_v3
without its multi-token-prediction layer (model.layers.3, which transformers does not load, so
that oneshot's output never has it), for ArchitectureReferenceTests: config.json, recipe.yaml and
a manifest of the tensors.

Needs the llm-compressor environment (torch, transformers 5.17, llmcompressor 0.14.0.1):
    /work/venv-llmc/bin/python scripts/make-deepseek-v3-references.py
"""
import os, shutil, tempfile

from safetensors.torch import load_file, save_file

from tiny_fixture import root, write_oneshot_references

fixture = os.path.join(root, "Tests/Fixtures/models/deepseek_v3")
with tempfile.TemporaryDirectory() as tmp:
    for f in os.listdir(fixture):
        if f != "model.safetensors":
            shutil.copy(os.path.join(fixture, f), tmp)
    tensors = {k: v for k, v in load_file(os.path.join(fixture, "model.safetensors")).items() if not k.startswith("model.layers.3.")}
    save_file(tensors, os.path.join(tmp, "model.safetensors"), metadata={"format": "pt"})
    write_oneshot_references("deepseek_v3", tmp, ["FP8_DYNAMIC", "NVFP4A16"])
