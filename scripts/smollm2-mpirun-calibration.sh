#!/usr/bin/env bash
# Calibration of SmolLM2-135M split over MPI ranks on this machine (mpirun on loopback), against one
# process, with the data and evaluation of scripts/smollm2-calibration.sh: for each recipe and
# number of ranks, the time and peak memory of each rank (GNU time; under mpirun the largest
# rank's), what rank 0 exchanged (bytes and seconds in collectives), the perplexity, and the
# comparison with the one-process output (scripts/compare-calibrated.py). One process runs with
# 2 threads, each rank with 1 (the machine has 2 cores).
# Usage: scripts/smollm2-mpirun-calibration.sh [MODEL_DIR] [RECIPE...]   (default model
# $SMOLLM2_DIR, else /work/refs/models/smollm2; default recipes: GPTQ W4A16 g64 and FP8 static)
# Environment: SCRATCH, SAMPLES (default 32), SEQ (default 512), RANKS (default "2 3").
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-${SMOLLM2_DIR:-/work/refs/models/smollm2}}"
shift || true
scratch="${SCRATCH:-.build}"
samples="${SAMPLES:-32}"
seq="${SEQ:-512}"
ranks="${RANKS:-2 3}"
text=/usr/share/common-licenses/GPL-3
[ -f "$model/config.json" ] || { echo "error: $model has no config.json" >&2; exit 2; }
. scripts/calibration-common.sh  # sets $compress, $work and $work/calibration.txt
recipes=("$@")
[ ${#recipes[@]} -gt 0 ] || recipes=(recipes/w4a16_gptq.yaml recipes/fp8_static.yaml)
data=(--dataset "$work/calibration.txt" --num-calibration-samples "$samples" --max-seq-length "$seq" --text-samples windows)
perplexity() { "$compress" eval --model "$1" --text "$text" --context 512 --windows 8 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["perplexity"])'; }
uptime
for recipe in "${recipes[@]}"; do
  name="$(basename "$recipe" .yaml)"
  /usr/bin/time -f "%e %M" -o "$work/time" "$compress" oneshot --model "$model" --recipe "$recipe" --output "$work/$name-1" \
    "${data[@]}" --threads 2 --quiet > /dev/null
  read -r seconds kilobytes < "$work/time"
  echo "$name, 1 process x 2 threads: ${seconds} s, peak RSS $((kilobytes / 1024)) MB, perplexity $(perplexity "$work/$name-1")"
  for n in $ranks; do
    /usr/bin/time -f "%e %M" -o "$work/time" mpirun --allow-run-as-root --oversubscribe -np "$n" \
      /usr/bin/time -f "%M" -a -o "$work/rss" "$compress" oneshot --model "$model" --recipe "$recipe" --output "$work/$name-$n" \
      "${data[@]}" --threads 1 > /dev/null 2> "$work/log"
    read -r seconds _ < "$work/time"
    echo "$name, $n ranks x 1 thread: ${seconds} s, peak RSS per rank $(sort -n "$work/rss" | awk '{printf "%d ", $1 / 1024}')MB, perplexity $(perplexity "$work/$name-$n")"
    grep "calibrated over" "$work/log" || true
    python3 scripts/compare-calibrated.py "$work/$name-1" "$work/$name-$n" || true
    rm -rf "${work:?}/$name-$n" "$work/rss"
  done
  rm -rf "${work:?}/$name-1"
done
uptime
