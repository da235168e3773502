#!/usr/bin/env bash
# Issue #15's eval speed on a GPU machine (no Swift needed): `compress eval --device cuda` against
# transformers in bf16 on the same GPU, on the 1.1B synthetic checkpoint made there by
# ../shared/tools/synth_model.py (numpy and safetensors only). Both score WINDOWS windows of
# CONTEXT tokens from an empty cache; the table gives tokens per second and each side's perplexity
# (the same random-weight model, so the perplexities are comparable only to each other). compress eval's
# seconds include its first calls' loading of cuBLAS kernels: transformers is timed on its first pass (the
# same) and on a second.
# Usage: scripts/cuda-eval-speed.sh COMPRESS SYNTH_MODEL_PY [CUDA_LIBRARY_DIRS]
# Environment: PYTHON (default python3), CONTEXT (default 512), WINDOWS (default 8), WORK (default: a temporary folder).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compress=${1:?usage: $0 COMPRESS SYNTH_MODEL_PY [CUDA_LIBRARY_DIRS]}
synth=${2:?usage: $0 COMPRESS SYNTH_MODEL_PY [CUDA_LIBRARY_DIRS]}
libraries=${3:-}
python=${PYTHON:-python3}
context=${CONTEXT:-512}
windows=${WINDOWS:-8}
work=${WORK:-$(mktemp -d)}
model=$work/synth-1.1b
[ -f "$model/config.json" ] || "$python" "$synth" "$model"
cp "$root/Tests/Fixtures/tokenizers/byte-level-bpe/tokenizer.json" "$model/"
# A text of byte-level tokens (ids below 1000 fit any vocabulary): the GPL-3 text repeated.
text=$work/text.txt
for _ in $(seq 12); do cat "$root/Tests/Fixtures/calibration/text.txt"; done > "$text"
options=(); [ -n "$libraries" ] && options=(--cuda-libraries "$libraries")
echo "== compress eval --device cuda ($windows x $context tokens)"
"$compress" eval --model "$model" --text "$text" --context "$context" --windows "$windows" --device cuda ${options[@]+"${options[@]}"} --json | tee "$work/compress.json"
echo "== transformers, bf16, the same token ids"
"$python" - "$model" "$compress" "$text" "$context" "$windows" <<'PY'
import json, subprocess, sys, time
import torch, transformers
model_dir, compress, text, context, windows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ids = json.loads(subprocess.run([compress, "tokenize", "--model", model_dir, "--text", open(text).read(), "--json"], check=True,
                                capture_output=True, text=True).stdout)["input_ids"]
model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16).cuda().eval()
batch = torch.tensor(ids[: context * windows], device="cuda").view(windows, context)
def score():
    """Every window from an empty cache, as compress eval scores them: (perplexity, seconds)."""
    torch.cuda.synchronize()
    start = time.perf_counter()
    nll = []
    for w in range(windows):
        logits = model(batch[w : w + 1]).logits.float()
        nll.append(torch.nn.functional.cross_entropy(logits[0, :-1], batch[w, 1:], reduction="none"))
    torch.cuda.synchronize()
    return float(torch.exp(torch.cat(nll).mean())), time.perf_counter() - start
with torch.no_grad():
    # The first pass pays for loading cuBLAS's kernels, as compress eval's does (its seconds include it).
    perplexity, cold = score()
    _, warm = score()
print(json.dumps({"perplexity": perplexity, "seconds_first_pass": cold, "tokens_per_second_first_pass": windows * context / cold,
                  "seconds_second_pass": warm, "tokens_per_second_second_pass": windows * context / warm}))
PY
