#!/usr/bin/env bash
# Time and peak memory of the calibrated recipes (issue #6) on any checkpoint, to see how they grow
# with the model: run it on SmolLM2-135M and on the 1.1B synthetic checkpoint
# (`python3 ../shared/tools/synth_model.py DIR`) with the same calibration text and sample count.
# A checkpoint without tokenizer files (the synthetic one) borrows TOKENIZER_DIR's, seen through a
# folder of hard links (copies across file systems) beside nothing of the input, which is never
# modified. Perplexity is not measured here: see scripts/smollm2-calibration.sh for accuracy.
#
# Usage: scripts/calibration-scaling.sh MODEL_DIR [TOKENIZER_DIR]
#   TOKENIZER_DIR defaults to Tests/Fixtures/tokenizers/byte-level-bpe (ids below 1000 fit any vocabulary).
# Environment: SCRATCH (SwiftPM scratch path, default .build), SAMPLES (default 4), SEQ (default 256),
#   RECIPES (default: fp8_static fp8_kv_cache w4a16_gptq w8a8_smoothquant_gptq w4a16_awq, from recipes/).
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:?usage: scripts/calibration-scaling.sh MODEL_DIR [TOKENIZER_DIR]}"
tokenizer="${2:-Tests/Fixtures/tokenizers/byte-level-bpe}"
scratch="${SCRATCH:-.build}"
samples="${SAMPLES:-4}"
seq="${SEQ:-256}"
recipes="${RECIPES:-fp8_static fp8_kv_cache w4a16_gptq w8a8_smoothquant_gptq w4a16_awq}"
[ -f "$model/config.json" ] || { echo "error: $model has no config.json" >&2; exit 2; }
. scripts/calibration-common.sh  # sets $compress, $work and $work/calibration.txt

input="$model"
if [ ! -f "$model/tokenizer.json" ]; then
  input="$work/model"
  mkdir "$input"
  for f in "$model"/*; do ln "$f" "$input/" 2>/dev/null || cp "$f" "$input/"; done
  cp "$tokenizer"/tokenizer*.json "$input/"
fi

"$compress" inspect "$model" | grep -E "^(model|parameters|bytes):"
echo "calibration: $samples samples of up to $seq tokens"
printf '%-24s %9s %8s\n' recipe seconds peakMB
for name in $recipes; do
  /usr/bin/time -f "%e %M" -o "$work/time" "$compress" oneshot --model "$input" --recipe "recipes/$name.yaml" \
    --output "$work/$name" --dataset "$work/calibration.txt" --num-calibration-samples "$samples" --max-seq-length "$seq" --text-samples windows --quiet >/dev/null
  read -r seconds kilobytes < "$work/time"
  printf '%-24s %9.1f %8.0f\n' "$name" "$seconds" "$((kilobytes / 1024))"
  rm -rf "${work:?}/$name"
done
