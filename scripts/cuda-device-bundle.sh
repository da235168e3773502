#!/usr/bin/env bash
# Packs what scripts/cuda-device-check.sh needs on a GPU machine that has no Swift: a release
# `compress` with the Swift standard library linked statically, the shared libraries it loads that
# such a machine may lack (json-c, zstd, OpenBLAS and its Fortran runtime) in lib/, the check
# scripts, a small model with its tokenizer and a text, as one tarball.
# Usage: scripts/cuda-device-bundle.sh [OUT.tar.gz]   (default: /tmp/compress-cuda-bundle.tar.gz;
#        SCRATCH=DIR builds in DIR instead of .build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/compress-cuda-bundle.tar.gz}
scratch=${SCRATCH:-.build}
swift build -c release --static-swift-stdlib --product compress --scratch-path "$scratch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bundle=$work/compress-cuda
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/scripts" "$bundle/model" "$bundle/text"
cp "$scratch/release/compress" "$bundle/bin/"
ldd "$bundle/bin/compress" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' \
    | grep -E '/lib(json-c|zstd|openblas|gfortran|quadmath)\.' | xargs -r cp -L -t "$bundle/lib/"
cp scripts/cuda-device-check.sh scripts/cuda-kernel-check.py "$bundle/scripts/"
cp Tests/Fixtures/models/llama_calib/* "$bundle/model/"
cp Tests/Fixtures/calibration/text.txt "$bundle/text/"
tar -czf "$out" -C "$work" compress-cuda
echo "wrote $out ($(du -h "$out" | cut -f1)): on the GPU machine, tar -xzf it, then compress-cuda/scripts/cuda-device-check.sh"
