#!/usr/bin/env bash
# Calibration split over the ranks of a real mpirun (Open MPI), on loopback: FP8 static, GPTQ
# W4A16, SmoothQuant+GPTQ W8A8 and AWQ W4A16 on the calibration test model with -np 2 and -np 3,
# against one process (input, k and v scales within 1e-5 relative, at least 99.9% of the other
# tensors' codes equal); a failing rank and a killed rank end the job non-zero, leaving no output
# and no temporary folder. Needs openmpi-bin and python3.
# Usage: scripts/mpirun-calibration-check.sh [COMPRESS]   (default: .build/debug/compress)
set -euo pipefail
cd "$(dirname "$0")/.."
compress=${1:-.build/debug/compress}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=Tests/Fixtures/models/llama_calib
data=(--dataset Tests/Fixtures/calibration/text.txt --num-calibration-samples 12 --max-seq-length 48 --quiet --threads 1)
mpi=(mpirun --allow-run-as-root --oversubscribe)
for recipe in fp8_static w4a16_gptq w8a8_smoothquant_gptq w4a16_awq; do
    "$compress" oneshot --model "$model" --recipe "recipes/$recipe.yaml" "${data[@]}" --output "$work/$recipe-1" > /dev/null
    for n in 2 3; do
        "${mpi[@]}" -np "$n" "$compress" oneshot --model "$model" --recipe "recipes/$recipe.yaml" "${data[@]}" --output "$work/$recipe-$n" > /dev/null
        python3 scripts/compare-calibrated.py "$work/$recipe-1" "$work/$recipe-$n"
    done
done
# A rank that fails (its dataset is missing) and a rank killed by SIGKILL while calibrating.
slow=(--model "$model" --recipe recipes/w4a16_awq.yaml --dataset Tests/Fixtures/calibration/text.txt --max-seq-length 256 --quiet --threads 1)
if "${mpi[@]}" -np 1 "$compress" oneshot "${slow[@]}" --output "$work/failed" \
    : -np 1 "$compress" oneshot "${slow[@]/text.txt/missing.txt}" --output "$work/failed" > /dev/null 2> "$work/failed.log"; then
    echo "mpirun calibration: a failing rank did not fail the job" >&2
    exit 1
fi
grep -q "error: rank 1 of 2 (host " "$work/failed.log" || { echo "mpirun calibration: the failure does not name the rank and host:" >&2; cat "$work/failed.log" >&2; exit 1; }
if "${mpi[@]}" -np 1 "$compress" oneshot "${slow[@]}" --output "$work/killed" \
    : -np 1 timeout -s KILL 2 "$compress" oneshot "${slow[@]}" --output "$work/killed" > /dev/null 2>&1; then
    echo "mpirun calibration: a killed rank did not fail the job" >&2
    exit 1
fi
rm -f "$work/failed.log"
left=$(ls -A "$work" | grep -v -e '-[123]$' || true)
if [ -n "$left" ]; then
    echo "mpirun calibration: left behind: $left" >&2
    exit 1
fi
echo "mpirun calibration: -np 2 and -np 3 match one process; a failing or killed rank leaves nothing"
