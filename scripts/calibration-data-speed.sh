#!/usr/bin/env bash
# Rendering and tokenizing speed of calibration data (issue #18): writes a chat JSON Lines file of
# MB megabytes (conversations of 1 to 3 turns from GPL-3's lines, a system message in a third of
# them) and times `compress samples` on it on one core (taskset), for each tokenizer folder given
# (default: SmolLM2's, GPT-2's pattern, and the Llama-3-style byte-level fixture, Llama 3's
# pattern and NFC, both with SmolLM2's chat template), twice: every record rendered and tokenized
# in file order (--no-shuffle), and the default shuffle of 512 samples (every record parsed to count
# them, 512 rendered). Prints MB/s by wall time and by CPU time (user + system: the speed on one
# core of a machine shared with other work) and the peak RSS of each (GNU time). Needs a release build
# (`swift build -c release --product compress`).
#
# Usage: [COMPRESS=BINARY] scripts/calibration-data-speed.sh [MB [TOKENIZER_DIR...]]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes="${1:-100}"
shift || true
tokenizers=("$@")
[ ${#tokenizers[@]} -gt 0 ] || tokenizers=(Tests/Fixtures/smollm2-tokenizer Tests/Fixtures/tokenizers/byte-level-bpe)
compress="${COMPRESS:-$(swift build -c release --show-bin-path)/compress}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work/chat.jsonl" "$megabytes" <<'PY'
import json, random, sys
random.seed(1)
lines = [l.strip() for l in open("Tests/Fixtures/text/GPL-3") if l.strip()]
size, i = 0, 0
with open(sys.argv[1], "w") as out:
    while size < int(sys.argv[2]) * 1000 * 1000:
        messages = [{"role": "system", "content": "You answer questions about licenses."}] if i % 3 == 0 else []
        for _ in range(1 + i % 3):
            messages.append({"role": "user", "content": " ".join(random.sample(lines, 3))})
            messages.append({"role": "assistant", "content": " ".join(random.sample(lines, 6))})
        record = json.dumps({"messages": messages}) + "\n"
        out.write(record)
        size, i = size + len(record), i + 1
PY
bytes=$(stat -c %s "$work/chat.jsonl")
uptime
for tokenizer in "${tokenizers[@]}"; do
  # A model folder: the tokenizer, with SmolLM2's config and chat template where it has none.
  model="$work/model-$(basename "$tokenizer")"
  mkdir -p "$model"
  cp Tests/Fixtures/smollm2-tokenizer/config.json Tests/Fixtures/smollm2-tokenizer/chat_template.jinja "$model/"
  cp "$tokenizer"/*.json "$model/"
  for options in "--no-shuffle --num-calibration-samples 100000000" ""; do
    start=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$work/time" taskset -c 0 "$compress" samples --model "$model" \
      --dataset "$work/chat.jsonl" $options > /dev/null
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    read -r rss user system < "$work/time"
    cpu=$(echo "$user + $system" | bc)
    echo "$(basename "$tokenizer") samples ${options:-(512 shuffled)}: $(echo "scale=1; $bytes / 1000000 / $seconds" | bc) MB/s ($seconds s wall)," \
      "$(echo "scale=1; $bytes / 1000000 / $cpu" | bc) MB/s of CPU time ($cpu s), peak RSS $(( rss / 1024 )) MB"
  done
done
