#!/usr/bin/env bash
# Builds the libFuzzer targets of FuzzTesting/ with AddressSanitizer and runs each for a bounded
# time on seed corpora made from Tests/Fixtures. Exits 1 when any target finds a crash, a leak,
# a timeout or an input that needs too much memory; the input is kept and its path printed.
#
# Usage: FuzzTesting/fuzz.sh [--seconds N] [--jobs N] [--corpus DIR] [TARGET...]
#   --seconds N   time per target (default 50)
#   --jobs N      targets run at once (default: the number of cores)
#   --corpus DIR  keep the corpora in DIR/TARGET and start from them next time (default: a
#                 temporary folder, removed at the end)
#   TARGET        safetensors-header, shard-index, recipe, tokenizer-json, tokenizer-encode (default: all)
# Crashing inputs and logs go to FuzzTesting/.build/fuzz-artifacts/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
fixtures="$root/Tests/Fixtures"
seconds=50
jobs="$(nproc)"
keep=""
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --corpus) keep="$2"; shift 2 ;;
        safetensors-header|shard-index|recipe|tokenizer-json|tokenizer-encode) targets+=("$1"); shift ;;
        *) echo "usage: $0 [--seconds N] [--jobs N] [--corpus DIR] [TARGET...]" >&2; exit 64 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(safetensors-header shard-index recipe tokenizer-json tokenizer-encode)

work="$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifacts="$here/.build/fuzz-artifacts"
mkdir -p "$artifacts"

# --- Build: the debug configuration (Swift's bounds and overflow checks stay on) optimized with -O.
# swiftc keeps only the last -sanitize= option, and SwiftPM passes --sanitize values as separate
# options in no fixed order, so the combined option is repeated last for every Swift module.
build=(swift build --package-path "$here" --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -O)
start=$SECONDS
for target in "${targets[@]}"; do
    "${build[@]}" --product "fuzz-$target" 2>&1 | grep -v "Cannot export local symbol" ||
        { echo "fuzz.sh: building fuzz-$target failed" >&2; exit 1; }
done
bin="$("${build[@]}" --show-bin-path)"
echo "fuzz.sh: built ${#targets[@]} fuzzers in $((SECONDS - start)) s"

# --- Seeds, written into $work/seeds/TARGET.

# Writes an unsigned 64-bit little-endian integer.
le64() {
    local i
    for i in 0 1 2 3 4 5 6 7; do printf "\\$(printf '%03o' $((($1 >> (8 * i)) & 255)))"; done
}

# The 8-byte length and the JSON header of a safetensors file (its data left out).
safetensors_header() {
    local length
    length=$(od -An -tu8 -N8 "$1" | tr -d ' ')
    head -c $((8 + length)) "$1"
}

# A complete safetensors file: header $2 followed by $3 data bytes, written to $1.
small_safetensors() {
    { le64 ${#2}; printf '%s' "$2"; head -c "$3" /dev/urandom; } > "$1"
}

seed_safetensors_header() {
    local f name
    for f in $(find "$fixtures" -name '*.safetensors' | sort); do
        name=$(basename "$(dirname "$f")")
        safetensors_header "$f" > "$1/$name.safetensors"
    done
    small_safetensors "$1/two.safetensors" '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]}}' 16
    small_safetensors "$1/empty-and-scalar.safetensors" '{"e":{"dtype":"F8_E4M3","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}' 8
    small_safetensors "$1/subbyte-padded.safetensors" '{"p":{"dtype":"F4","shape":[4],"data_offsets":[0,2]},"q":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}   ' 3
    small_safetensors "$1/none.safetensors" '{}' 0
}

seed_shard_index() {
    local f name
    for f in $(find "$fixtures" -name '*.safetensors' | sort); do
        name=$(basename "$(dirname "$f")")
        safetensors_header "$f" | tail -c +9 | grep -ao '"[^"]*":{"dtype"' | sed 's/^"//; s/":{"dtype"$//' |
            awk -v size="$(stat -c %s "$f")" '
                BEGIN { printf "{\n  \"metadata\": {\n    \"total_size\": %d\n  },\n  \"weight_map\": {", size }
                { printf "%s\n    \"%s\": \"model-0000%d-of-00002.safetensors\"", (NR > 1 ? "," : ""), $0, NR % 2 + 1 }
                END { printf "\n  }\n}\n" }' > "$1/$name.index.json"
    done
    printf '{"weight_map":{"a":"model.safetensors"},"metadata":{"total_size":1.5e3,"format":"pt"}}' > "$1/small.index.json"
}

seed_recipe() {
    local f
    for f in "$root"/recipes/*.yaml "$fixtures"/*/recipe.yaml "$fixtures"/recipes/*/recipe.yaml "$fixtures"/references/*/recipe.yaml; do
        cp "$f" "$1/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
}

seed_tokenizer_json() {
    local f
    for f in "$fixtures"/tokenizers/*/tokenizer.json "$here"/Seeds/tokenizer-json/*.json; do
        cp "$f" "$1/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
}

seed_tokenizer_encode() {
    local i=0 text
    split -b 700 "$fixtures/text/GPL-3" "$1/GPL-3."
    # The golden texts, with JSON's \n, \t, \\ and \uXXXX escapes undone.
    while IFS= read -r text; do
        printf '%b' "$text" > "$1/golden-$i.txt"
        i=$((i + 1))
    done < <(sed -n 's/^ *"text": "\(.*\)",$/\1/p' "$fixtures"/tokenizers/*/golden.json | sort -u)
}

dictionary() {
    case "$1" in
        recipe) echo "$here/Dictionaries/yaml.dict" ;;
        tokenizer-encode) echo "$here/Dictionaries/text.dict" ;;
        *) echo "$here/Dictionaries/json.dict" ;;
    esac
}

# --- Runs, $jobs at a time. A target's exit status goes to $work/TARGET.status.
run_target() {
    local target="$1" corpus="$2" status
    mkdir -p "$work/seeds/$target" "$corpus"
    "seed_${target//-/_}" "$work/seeds/$target"
    rm -f "$artifacts/$target"-*
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0" "$bin/fuzz-$target" "$corpus" "$work/seeds/$target" \
        -max_total_time="$seconds" -timeout=15 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -dict="$(dictionary "$target")" -artifact_prefix="$artifacts/$target-" -print_final_stats=1 \
        > "$artifacts/$target.log" 2>&1 && status=0 || status=$?
    echo "$status" > "$work/$target.status"
}

echo "fuzz.sh: running ${targets[*]} for $seconds s each, $jobs at a time"
start=$SECONDS
running=0
for target in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
    run_target "$target" "${keep:-$work/corpus}/$target" &
    running=$((running + 1))
done
wait || true

failed=0
for target in "${targets[@]}"; do
    log="$artifacts/$target.log"
    status=$(cat "$work/$target.status" 2>/dev/null || echo "?")
    stats=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#([0-9]+)[[:space:]]+[A-Z]+[[:space:]]+/\1 runs, /; s/ lim: [0-9]+//; s/ (L|MS): .*//')
    if [ "$status" = 0 ]; then
        echo "  ok    $target: $stats"
    else
        failed=1
        echo "  FAIL  $target (exit $status): $stats"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Fatal error|ALARM|.*out-of-memory)' "$log" | head -5 | sed 's/^/        /'
        grep -o 'Test unit written to .*' "$log" | sed "s|Test unit written to \(.*\)|        input saved to \1\n        reproduce: $bin/fuzz-$target \1|"
        echo "        log: $log"
    fi
done
echo "fuzz.sh: fuzzed for $((SECONDS - start)) s"
exit "$failed"
