#!/usr/bin/env python3
"""Measures swift_llm_compressor.oneshot on a transformers model in memory against the same
model saved and compressed from its folder: time, peak extra RSS, and that the bytes agree.

The model has SmolLM2-135M's shape (30 layers, hidden 576, vocabulary 49152, tied embeddings,
bf16) with random weights: time and memory do not depend on the values.

    pip install ./python torch transformers
    python3 scripts/python-in-memory.py [--recipe recipes/fp8_dynamic.yaml] [--compress .build/release/compress]

Each variant runs in a fresh process, so that its peak RSS is its own.
"""

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time

SMOLLM2 = dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
               num_key_value_heads=3, head_dim=64, max_position_embeddings=8192, rms_norm_eps=1e-5, tie_word_embeddings=True,
               bos_token_id=1, eos_token_id=2, pad_token_id=2)


def status_mb(key: str) -> float:
    """VmRSS (now) or VmHWM (the peak since the last reset) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak() -> None:
    """Makes VmHWM start again from the current RSS (Linux: 5 > /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def child(variant: str, recipe: str, folder: str) -> dict:
    import torch
    import transformers
    from swift_llm_compressor import oneshot

    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**SMOLLM2)).to(torch.bfloat16)
    loaded = status_mb("VmRSS")
    reset_peak()
    start = time.perf_counter()
    if variant == "memory":
        oneshot(model=model, recipe=recipe, output_dir=os.path.join(folder, "memory"), progress=False)
    else:
        model.save_pretrained(os.path.join(folder, "saved"))
        saved = time.perf_counter()
        oneshot(model=os.path.join(folder, "saved"), recipe=recipe, output_dir=os.path.join(folder, "folder"), progress=False)
    seconds = time.perf_counter() - start
    result = {"variant": variant, "seconds": round(seconds, 3), "rss_after_load_mb": round(loaded), "peak_extra_mb": round(status_mb("VmHWM") - loaded)}
    if variant == "folder":
        result["save_pretrained_seconds"] = round(saved - start, 3)
        result["oneshot_on_folder_seconds"] = round(seconds - (saved - start), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="recipes/fp8_dynamic.yaml")
    parser.add_argument("--compress", help="a compress binary, timed on the saved folder too")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "FOLDER"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(child(arguments.child[0], arguments.recipe, arguments.child[1])))
        return
    with tempfile.TemporaryDirectory(prefix="python-in-memory-") as folder:
        for variant in ("folder", "memory"):
            output = subprocess.run([sys.executable, __file__, "--recipe", arguments.recipe, "--child", variant, folder],
                                    check=True, capture_output=True, text=True).stdout
            print(output.strip().splitlines()[-1])
        if arguments.compress:
            start = time.perf_counter()
            subprocess.run([arguments.compress, "oneshot", "--model", os.path.join(folder, "saved"), "--recipe", arguments.recipe,
                            "--output", os.path.join(folder, "cli"), "--quiet"], check=True)
            print(json.dumps({"variant": "cli", "seconds": round(time.perf_counter() - start, 3)}))
        names = sorted(os.listdir(os.path.join(folder, "folder")))
        differing = [n for n in names if not filecmp.cmp(os.path.join(folder, "folder", n), os.path.join(folder, "memory", n), shallow=False)]
        print(json.dumps({"files": names, "differing": differing}))


if __name__ == "__main__":
    main()
