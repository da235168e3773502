#!/usr/bin/env bash
# A data-free run split over the ranks of a real mpirun (Open MPI), on loopback: -np 2 and -np 3
# write the output of one process byte for byte, and a rank that fails ends the job non-zero,
# leaving no output and no parts folder. Needs openmpi-bin.
# Usage: scripts/mpirun-split-check.sh [COMPRESS]   (default: .build/debug/compress)
set -euo pipefail
cd "$(dirname "$0")/.."
compress=${1:-.build/debug/compress}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--recipe recipes/fp8_dynamic.yaml --max-shard-size 300KB --quiet)
model=Tests/Fixtures/tiny-llama
mpi=(mpirun --allow-run-as-root --oversubscribe)
"$compress" oneshot --model "$model" "${args[@]}" --output "$work/single" > /dev/null
for n in 2 3; do
    "${mpi[@]}" -np "$n" "$compress" oneshot --model "$model" "${args[@]}" --output "$work/np$n" > /dev/null
    diff <(cd "$work/single" && sha256sum -- *) <(cd "$work/np$n" && sha256sum -- *)
done
if "${mpi[@]}" -np 1 "$compress" oneshot --model "$model" "${args[@]}" --output "$work/failed" \
    : -np 1 "$compress" oneshot --model "$work/missing" "${args[@]}" --output "$work/failed" > /dev/null 2>&1; then
    echo "mpirun split: a failing rank did not fail the job" >&2
    exit 1
fi
left=$(ls -A "$work" | grep -v -x -e single -e np2 -e np3 || true)
if [ -n "$left" ]; then
    echo "mpirun split: left behind: $left" >&2
    exit 1
fi
echo "mpirun split: -np 2 and -np 3 write the output of one process; a failing rank leaves nothing"
