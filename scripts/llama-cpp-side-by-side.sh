#!/usr/bin/env bash
# The runtime side by side with llama.cpp on SmolLM2-135M (issue #20's table): scoring 8×512 tokens
# in bf16 (llama-perplexity -c 512 --chunks 8 against compress bench --mode eval, 8 windows of 512:
# once counting every token of a window but its first, our default, and once counting the tokens
# llama-perplexity counts, --scored-tokens second-half, where both run the output head on the same
# positions), and decoding 64 tokens (llama-bench tg64 against compress bench --mode generate) in bf16, W8A8
# against Q8_0 and W4A16 (group 64) against Q4_0. Both on 2 threads, llama.cpp's threads waiting
# passively (OMP_WAIT_POLICY=passive, --poll 0); the runs alternate, 3 of each, and the table has
# each side's median with the 1-minute load average after every run.
#
# Usage: scripts/llama-cpp-side-by-side.sh LLAMA_CPP_BIN_DIR
#   LLAMA_CPP_BIN_DIR holds llama-perplexity, llama-bench and llama-quantize, built CPU-native
#   (cmake -DGGML_NATIVE=ON -DLLAMA_CURL=OFF). The GGUF files are made once into $WORK:
#   smollm2-bf16.gguf by llama.cpp's convert_hf_to_gguf.py ($LLAMA_CPP_SOURCE, run by $PYTHON,
#   which needs torch, transformers and sentencepiece; $PYTHONPATH is kept), then Q8_0 and Q4_0
#   by llama-quantize.
# Environment: COMPRESS (default .build/release/compress), MODELS (default /work/models: smollm2,
#   smollm2-w8a8, smollm2-w4a16_g64), TEXT (default /usr/share/common-licenses/GPL-3), WORK
#   (default /tmp/llama-cpp-side-by-side), RUNS (default 3).
# Never run in CI: it needs llama.cpp and the SmolLM2 checkpoints, and times on a shared machine.
set -euo pipefail

BIN=${1:?usage: $0 LLAMA_CPP_BIN_DIR}
COMPRESS=${COMPRESS:-.build/release/compress}
MODELS=${MODELS:-/work/models}
TEXT=${TEXT:-/usr/share/common-licenses/GPL-3}
WORK=${WORK:-/tmp/llama-cpp-side-by-side}
RUNS=${RUNS:-3}
export OMP_WAIT_POLICY=passive
mkdir -p "$WORK"

# SmolLM2's tokenizer is GPT-2's byte-level BPE: the converter's Llama class would take it for
# SentencePiece, which llama.cpp then fails to tokenize with, so its vocabulary is set as GPT-2's.
if [ ! -f "$WORK/smollm2-bf16.gguf" ]; then
    : "${LLAMA_CPP_SOURCE:?set LLAMA_CPP_SOURCE to the llama.cpp source folder to convert SmolLM2}"
    (cd "$LLAMA_CPP_SOURCE" && PYTHONPATH="$LLAMA_CPP_SOURCE${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -c '
import sys
import convert_hf_to_gguf
from conversion.llama import LlamaModel
LlamaModel.set_vocab = lambda self: self._set_vocab_gpt2()
convert_hf_to_gguf.main()' "$MODELS/smollm2" --outtype bf16 --outfile "$WORK/smollm2-bf16.gguf") >"$WORK/convert.log" 2>&1
fi
for q in Q8_0 Q4_0; do
    [ -f "$WORK/smollm2-$q.gguf" ] ||
        "$BIN/llama-quantize" "$WORK/smollm2-bf16.gguf" "$WORK/smollm2-$q.gguf" "$q" >"$WORK/quantize-$q.log" 2>&1
done

load() { cut -d' ' -f1 /proc/loadavg; }
# One result line: case, side, milliseconds, load average.
record() { echo "$1 $2 $3 $(load)" >>"$WORK/results.txt"; }

ours_eval() {
    "$COMPRESS" bench --model "$MODELS/$1" --mode eval --text "$TEXT" --context 512 --windows 8 --runs 1 --threads 2 \
        --scored-tokens "$2" --json |
        python3 -c 'import json, sys; print(1000 * json.load(sys.stdin)["seconds"][0])'
}
ours_decode() {
    "$COMPRESS" bench --model "$MODELS/$1" --mode generate --max-tokens 64 --runs 1 --threads 2 --json |
        python3 -c 'import json, sys; r = json.load(sys.stdin); print(1000 / r["median_tokens_per_second"])'
}
# llama-perplexity's time to evaluate the 8 chunks, without loading: from its "calculating
# perplexity" log line to its "Final estimate" (log times are minutes.seconds.milliseconds.microseconds).
llama_eval() {
    "$BIN/llama-perplexity" -m "$WORK/$1" -f "$TEXT" -c 512 --chunks 8 -t 2 --poll 0 2>&1 |
        awk '/calculating perplexity/ { split($1, t, "."); start = (t[1] * 60 + t[2]) * 1000 + t[3] + t[4] / 1000 }
             /Final estimate/ { split($1, t, "."); print (t[1] * 60 + t[2]) * 1000 + t[3] + t[4] / 1000 - start }'
}
# llama-bench's mean time per generated token of tg64 (after its warm-up run).
llama_decode() {
    "$BIN/llama-bench" -m "$WORK/$1" -p 0 -n 64 -t 2 -r 1 --poll 0 -o json |
        python3 -c 'import json, sys; r = json.load(sys.stdin)[0]; print(r["avg_ns"] / 1e6 / r["n_gen"])'
}

: >"$WORK/results.txt"
for run in $(seq "$RUNS"); do
    record "score-bf16" ours "$(ours_eval smollm2 all-but-first)"
    record "score-bf16" llama "$(llama_eval smollm2-bf16.gguf)"
    record "score-bf16-second-half" ours "$(ours_eval smollm2 second-half)"
    record "score-bf16-second-half" llama "$(llama_eval smollm2-bf16.gguf)"
    for pair in "bf16 smollm2 smollm2-bf16.gguf" "W8A8/Q8_0 smollm2-w8a8 smollm2-Q8_0.gguf" \
        "W4A16/Q4_0 smollm2-w4a16_g64 smollm2-Q4_0.gguf"; do
        set -- $pair
        record "decode-$1" ours "$(ours_decode "$2")"
        record "decode-$1" llama "$(llama_decode "$3")"
    done
done

python3 - "$WORK/results.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    case, side, ms, load = line.split()
    rows.setdefault(case, {}).setdefault(side, []).append((float(ms), load))
print("| case | ours median | llama.cpp median | ratio | ours runs (load) | llama.cpp runs (load) |")
print("| --- | --- | --- | --- | --- | --- |")
for case, sides in rows.items():
    unit = "ms" if case.startswith("score") else "ms/token"
    med = {s: statistics.median(ms for ms, _ in runs) for s, runs in sides.items()}
    runs = {s: ", ".join(f"{ms:.1f} ({load})" for ms, load in r) for s, r in sides.items()}
    print(f"| {case} | {med['ours']:.1f} {unit} | {med['llama']:.1f} {unit} | {med['ours'] / med['llama']:.2f}x "
          f"| {runs['ours']} | {runs['llama']} |")
EOF
