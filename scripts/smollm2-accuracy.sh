#!/usr/bin/env bash
# SmolLM2-135M accuracy and speed of the CPU runtime against transformers' f32 reference
# (Tests/Fixtures/reference/transformers-reference.json):
#   1. perplexity on /usr/share/common-licenses/GPL-3 with the reference protocol (8 non-overlapping
#      windows of 512 tokens, each scored alone): `compress eval`, within 0.1% of 24.9285;
#   2. the log-probabilities of `smollm2_first64` (and its top-5 tokens) within 1e-3:
#      the SmolLM2ReferenceTests suite, run with SMOLLM2_DIR set;
#   3. decode speed: `compress generate` of 64 greedy tokens;
#   4. compressed checkpoints run with their weights kept compressed: each scheme made by
#      `compress oneshot` (W{4,8}A16 in groups of 64, since 576 columns are not a multiple of 128),
#      its perplexity with the same protocol (FP8_DYNAMIC within 2.5% of bf16) and decode speed.
# The weights are not in the repository; build them once with
#   bash ../shared/fixtures/smollm2-135m/make.sh DIR
# Usage: scripts/smollm2-accuracy.sh [MODEL_DIR]   (default: $SMOLLM2_DIR, else /work/refs/models/smollm2)
# Environment: SCRATCH (SwiftPM scratch path, default .build), THREADS (OpenBLAS threads, default all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-${SMOLLM2_DIR:-/work/refs/models/smollm2}}"
scratch="${SCRATCH:-.build}"
text=/usr/share/common-licenses/GPL-3
[ -f "$model/config.json" ] || { echo "error: $model has no config.json (build it with shared/fixtures/smollm2-135m/make.sh)" >&2; exit 2; }
[ -f "$text" ] || { echo "error: $text is missing (Debian's base-files ships it)" >&2; exit 2; }
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")

swift build -c release --scratch-path "$scratch" --product compress >&2
compress="$scratch/release/compress"

echo "== perplexity on $text (8 windows of 512)"
result="$("$compress" eval --model "$model" --text "$text" --context 512 --windows 8 --json "${threads[@]}")"
echo "$result"
python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
reference = 24.9285
error = abs(r["perplexity"] - reference) / reference
print(f"perplexity {r['perplexity']:.4f} vs {reference} (relative error {error:.2e}); {r['tokens_per_second']:.1f} tokens/s scoring")
sys.exit(0 if error <= 1e-3 and r["windows"] == 8 else 1)
PY

echo "== log-probabilities of smollm2_first64"
SMOLLM2_DIR="$model" swift test --scratch-path "$scratch" --filter SmolLM2ReferenceTests 2>&1 | grep -E "smollm2_first64|✔|✘|error" 

echo "== decode speed (64 greedy tokens)"
"$compress" generate --model "$model" --prompt "The GNU General Public License is" --max-tokens 64 "${threads[@]}" --json \
  | python3 -c 'import json, sys; r = json.load(sys.stdin); print("prompt %.1f tokens/s, decode %.1f tokens/s: %r" % (r["prompt_tokens_per_second"], r["decode_tokens_per_second"], r["text"]))'

echo "== compressed checkpoints (perplexity, scoring and decode tokens/s)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for recipe in recipes/fp8_dynamic.yaml recipes/fp8_block.yaml recipes/w8a8.yaml recipes/w8a16_g64.yaml recipes/w4a16_g64.yaml \
              recipes/w4a16_asym_g64.yaml recipes/nvfp4a16.yaml recipes/mxfp4a16.yaml; do
  name="$(basename "$recipe" .yaml)"
  "$compress" oneshot --model "$model" --recipe "$recipe" --output "$work/$name" >/dev/null 2>&1
  scored="$("$compress" eval --model "$work/$name" --text "$text" --context 512 --windows 8 --json "${threads[@]}" 2>/dev/null)"
  decoded="$("$compress" generate --model "$work/$name" --prompt "The GNU General Public License is" --max-tokens 64 "${threads[@]}" --json 2>/dev/null)"
  python3 - "$name" "$scored" "$decoded" <<'PY'
import json, sys
name, scored, decoded = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"{name:16} perplexity {scored['perplexity']:.4f}  scoring {scored['tokens_per_second']:.1f} tokens/s  decode {decoded['decode_tokens_per_second']:.1f} tokens/s")
sys.exit(0 if name != "fp8_dynamic" or abs(scored["perplexity"] / 24.9285 - 1) <= 0.025 else 1)
PY
done
