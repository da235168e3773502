#!/usr/bin/env bash
# Compiles every CUDA kernel with NVRTC, which needs no GPU, for sm_80, sm_89 and sm_90a through the
# project's own loader, and fails on any compile error or warning: `compress cuda-check`, then the
# NVRTC compilation suite (warnings and errors refused, the kernel cache). NVRTC comes from PyPI's
# nvidia-cuda-nvrtc (CUDA 13.0, pinned), installed into a throwaway folder removed at exit.
# Usage: scripts/cuda-kernels-check.sh [COMPRESS]   (default: .build/debug/compress; run after `swift build --build-tests`)
set -euo pipefail
cd "$(dirname "$0")/.."
compress=${1:-.build/debug/compress}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --progress-bar off --no-cache-dir --no-deps --target "$work/nvrtc" "nvidia-cuda-nvrtc==13.0.88"
libraries=$(dirname "$(find "$work/nvrtc/nvidia" -name 'libnvrtc.so.13' | head -n 1)")
"$compress" cuda-check --arch sm_80,sm_89,sm_90a --cuda-libraries "$libraries"
COMPRESS_NVRTC_LIBRARIES="$libraries" swift test --skip-build --filter NVRTCCompilationTests
echo "scripts/cuda-kernels-check.sh: kernels compiled cleanly in ${SECONDS} s"
