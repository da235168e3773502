#!/usr/bin/env bash
# The Python package's tests, as CI runs them after `swift test`: a virtual environment with the
# test requirements and torch, transformers and accelerate from PyPI (for the in-memory model and
# the Trainer callback), `pip install ./python` (which builds the library in release, statically
# linked, in .build-python), then pytest. Run from anywhere; uses .venv-python in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
phase() { echo "python/ci-tests.sh: $1 after ${SECONDS} s"; }
python3 -m venv .venv-python
.venv-python/bin/pip install --progress-bar off numpy safetensors pytest tqdm torch transformers accelerate
phase "requirements installed"
.venv-python/bin/pip install --progress-bar off ./python
phase "package built and installed"
# From the repository root, so that the installed package is imported, not python/swift_llm_compressor.
.venv-python/bin/pytest python/tests -p no:cacheprovider
phase "tests passed"
