#!/usr/bin/env bash
# The GPU checks of issue #15, in one run of a few minutes on a machine with an NVIDIA GPU, CUDA 13
# (driver; NVRTC, cuBLASLt and cuBLAS from the toolkit or PyTorch's nvidia-* packages), PyTorch with CUDA,
# and no Swift. First run on an NVIDIA H200 (CUDA 13, driver 580) on 2026-12-04: every step passed.
#   1. compress cuda-check: the library discovery, the device, and every kernel compiled by the
#      machine's NVRTC for the device's own architecture (CUBINs kept), and for sm_80,sm_89,sm_90a;
#   2. compress cuda-check --run --model MODEL_DIR: each kernel launched by compress's own driver code
#      against the CPU runtime's code, then the model's logits on the GPU against the CPU's (1e-4 of
#      the largest); scripts/cuda-kernel-check.py: each kernel launched again through ctypes against PyTorch;
#   3. compress eval, --device cpu against --device cuda (perplexity within 1e-2 relative), on the
#      model as given and as compressed by oneshot to FP8_DYNAMIC, W8A8, W4A16 and NVFP4A16 (a model
#      the CUDA backend refuses, e.g. a mixture of experts, gives the line saying so, reported with
#      ---- and not counted as a failure).
# Every step runs (a failure does not stop the others); the exit status is 1 if any failed.
# Usage, from the bundle that scripts/cuda-device-bundle.sh packs (or from the repository, given a binary):
#   scripts/cuda-device-check.sh [COMPRESS [MODEL_DIR [TEXT]]]
#   defaults: bin/compress, model/ and text/text.txt beside scripts/ (the bundle's layout)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compress=${1:-$root/bin/compress}
model=${2:-$root/model}
text=${3:-$root/text/text.txt}
python=${PYTHON:-python3}
[ -d "$root/lib" ] && export LD_LIBRARY_PATH="$root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
step() { echo; echo "== $1 (at ${SECONDS} s)"; }
run() { echo "\$ $*"; timeout 300 "$@" || { echo "-> failed with status $?"; failed=1; }; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || failed=1
"$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))' || failed=1
# PyTorch's nvidia-* packages hold NVRTC, cuBLASLt and cuBLAS when no toolkit is installed: name their folders.
libraries=$("$python" - <<'PY' 2>/dev/null
import glob, os, site, sys
roots = site.getsitepackages() + [site.getusersitepackages()]
print(":".join(sorted({f for r in roots for f in glob.glob(os.path.join(r, "nvidia", "*", "lib"))})))
PY
)
echo "Python's CUDA library folders: ${libraries:-none}"
options=(); [ -n "$libraries" ] && options=(--cuda-libraries "$libraries")

step "kernels compiled for the device (cached CUBINs written to $work/cubins)"
run "$compress" cuda-check --device cuda:0 ${options[@]+"${options[@]}"} --output "$work/cubins"
step "kernels compiled for sm_80, sm_89, sm_90a with this machine's NVRTC"
run "$compress" cuda-check --arch sm_80,sm_89,sm_90a ${options[@]+"${options[@]}"}

step "each kernel, then the model's logits, against the CPU runtime's code, launched by compress itself"
run "$compress" cuda-check --device cuda:0 ${options[@]+"${options[@]}"} --run --model "$model"

step "each kernel against PyTorch on the GPU"
run "$python" "$root/scripts/cuda-kernel-check.py" "$work/cubins"

step "perplexity, cpu against cuda"
models=("$model")
for recipe in fp8_dynamic w8a8 w4a16 nvfp4a16; do
    scheme=$(echo "$recipe" | tr a-z A-Z)
    printf 'quant_stage:\n  quant_modifiers:\n    QuantizationModifier:\n      targets: [Linear]\n      ignore: [lm_head]\n      scheme: %s\n' "$scheme" > "$work/$recipe.yaml"
    if "$compress" oneshot --model "$model" --recipe "$work/$recipe.yaml" --output "$work/$recipe" --quiet > /dev/null; then
        models+=("$work/$recipe")
    else
        echo "-> oneshot $scheme failed"; failed=1
    fi
done
for m in "${models[@]}"; do
    name=$(basename "$m")
    for device in cpu cuda; do
        "$compress" eval --model "$m" --text "$text" --context 64 --windows 8 --device "$device" ${options[@]+"${options[@]}"} --json \
            > "$work/$name.$device.json" 2> "$work/$name.$device.err"
    done
    "$python" - "$name" "$work/$name.cpu.json" "$work/$name.cuda.json" "$work/$name.cuda.err" <<'PY' || failed=1
import json, sys
name, cpu, cuda, cuda_error = sys.argv[1:]
def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None
a, b = load(cpu), load(cuda)
if a is None:
    print(f"FAIL  {name}: eval on the cpu failed"); sys.exit(1)
if b is None:
    lines = open(cuda_error).read().strip().splitlines()
    last = lines[-1] if lines else "no output"
    # A model the CUDA backend refuses (one line naming what it does not run): reported, not counted;
    # any other failure on cuda fails.
    refused = "does not run" in last
    print(f"{'----' if refused else 'FAIL'}  {name}: cpu perplexity {a['perplexity']:.4f} ({a['tokens_per_second']:.0f} tokens/s); cuda: {last}")
    sys.exit(0 if refused else 1)
relative = abs(b["perplexity"] - a["perplexity"]) / a["perplexity"]
verdict = "PASS" if relative <= 1e-2 else "FAIL"
print(f"{verdict}  {name}: perplexity cpu {a['perplexity']:.4f}, cuda {b['perplexity']:.4f} (relative {relative:.1e}); "
      f"{a['tokens_per_second']:.0f} -> {b['tokens_per_second']:.0f} tokens/s")
sys.exit(verdict == "FAIL")
PY
done

step "done: $([ "$failed" = 0 ] && echo "every step passed" || echo "some steps FAILED (see above)")"
exit "$failed"
