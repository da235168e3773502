#!/usr/bin/env python3
"""llm-compressor 0.14's GPTQ on a Linear output head (`lm_head` not ignored), for GPTQHeadTests.

  /work/venv-llmc/bin/python scripts/make-gptq-head-reference.py

Runs GPTQ W4A16 (group 32, symmetric) on every Linear layer of Tests/Fixtures/models/llama_calib,
`lm_head` included, in f32 with the samples of scripts/make-calibration-reference.py (pre-tokenized,
unshuffled), and round to nearest with the same groups, and writes Tests/Fixtures/gptq-head/:
NAME.safetensors (lm_head's packed weight and scales) for `gptq` and `rtn`, and reference.json
(the recipes and the samples). llm-compressor's sequential pipeline calibrates `lm_head` in the
subgraph after the last block: its Hessian comes from the final norm's outputs.
"""
import importlib.util, json, os, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
folder = os.path.join(root, "Tests/Fixtures/gptq-head")

GROUPS = """\
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 32}
"""
RECIPES = {
    "gptq": "quant_stage:\n  quant_modifiers:\n    GPTQModifier:\n" + GROUPS,
    "rtn": "quant_stage:\n  quant_modifiers:\n    QuantizationModifier:\n" + GROUPS,
}


def main():
    from safetensors.torch import save_file
    from tiny_fixture import oneshot_tensors
    spec = importlib.util.spec_from_file_location("dense", os.path.join(root, "scripts/make-calibration-reference.py"))
    dense = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dense)
    ids = dense.samples()
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, recipe in RECIPES.items():
            out = os.path.join(scratch, name)
            tensors = oneshot_tensors(recipe, ids, out)
            save_file({k: v.contiguous() for k, v in tensors.items() if k.startswith("lm_head.")},
                      os.path.join(folder, name + ".safetensors"))
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"samples": ids, "recipes": RECIPES}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
