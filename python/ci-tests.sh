#!/usr/bin/env bash
# The Python package's tests, as CI runs them after `swift test`: a virtual environment with the
# test requirements and torch, transformers and accelerate from PyPI (for the in-memory model and
# the Trainer callback), `pip install ./python` (which builds the library in release, statically
# linked, in .build-python) at the same time, then pytest. Run from anywhere; uses .venv-python in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
phase() { echo "python/ci-tests.sh: $1 after ${SECONDS} s"; }
python3 -m venv .venv-python
# The requirements download (network-bound, torch is most of it) while the library builds
# (CPU-bound): the two pip runs install disjoint packages, so they can share the environment.
requirements_log=.venv-python/requirements.log
.venv-python/bin/pip install --progress-bar off numpy safetensors pytest tqdm torch transformers accelerate > "$requirements_log" 2>&1 &
requirements=$!
.venv-python/bin/pip install --progress-bar off ./python
phase "package built and installed"
if ! wait "$requirements"; then cat "$requirements_log"; exit 1; fi
phase "requirements installed"
# From the repository root, so that the installed package is imported, not python/swift_llm_compressor.
.venv-python/bin/pytest python/tests -p no:cacheprovider
phase "tests passed"
