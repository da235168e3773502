#!/usr/bin/env python3
"""Writes Tests/Fixtures/references/glm4_moe--SCHEME/: what llm-compressor 0.14's data-free `oneshot`
(QuantizationModifier on Linear, lm_head ignored) makes of Tests/Fixtures/models/glm4_moe, for
ArchitectureReferenceTests: config.json, recipe.yaml and a manifest of the tensors.

Needs the llm-compressor environment (torch, transformers 5.17, llmcompressor 0.14.0.1):
    /work/venv-llmc/bin/python scripts/make-glm4-moe-references.py
"""
import os

from tiny_fixture import root, write_oneshot_references

write_oneshot_references("glm4_moe", os.path.join(root, "Tests/Fixtures/models/glm4_moe"), ["FP8_DYNAMIC", "W4A16", "NVFP4A16"])
