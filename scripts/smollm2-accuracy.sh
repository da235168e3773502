#!/usr/bin/env bash
# SmolLM2-135M accuracy and speed of the CPU runtime against transformers' f32 reference
# (Tests/Fixtures/reference/transformers-reference.json):
#   1. perplexity on /usr/share/common-licenses/GPL-3 with the reference protocol (8 non-overlapping
#      windows of 512 tokens, each scored alone): `compress eval`, within 0.1% of 24.9285;
#   2. the log-probabilities of `smollm2_first64` (and its top-5 tokens) within 1e-3:
#      the SmolLM2ReferenceTests suite, run with SMOLLM2_DIR set;
#   3. decode speed: `compress generate` of 64 greedy tokens.
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
print(f"perplexity {r['perplexity']:.4f} vs {reference} (relative error {error:.2e}); {r['tokensPerSecond']:.1f} tokens/s scoring")
sys.exit(0 if error <= 1e-3 and r["windows"] == 8 else 1)
PY

echo "== log-probabilities of smollm2_first64"
SMOLLM2_DIR="$model" swift test --scratch-path "$scratch" --filter SmolLM2ReferenceTests 2>&1 | grep -E "smollm2_first64|✔|✘|error" 

echo "== decode speed (64 greedy tokens)"
"$compress" generate --model "$model" --prompt "The GNU General Public License is" --max-tokens 64 "${threads[@]}" --json \
  | python3 -c 'import json, sys; r = json.load(sys.stdin); print("prompt %.1f tokens/s, decode %.1f tokens/s: %r" % (r["promptTokensPerSecond"], r["decodeTokensPerSecond"], r["text"]))'
