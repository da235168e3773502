#!/usr/bin/env python3
"""Runs every quantization recipe of llm-compressor's own tests/ and examples/ through both tools and
compares what they write (issue #17's recipe table, the column after "accepted").

The recipes are collected as scripts/survey-llm-compressor-recipes.py collects them. Each in-scope
recipe runs on the first model that `compress oneshot --dry-run` accepts it on, through
`compress oneshot` and llm-compressor 0.14's `oneshot`:

- data-free (compress plans it without --dataset): every tensor's bytes and the quantization_config
  must be equal, "identical";
- calibrated: both run on a float32 copy of the model (as the calibration tests do: llm-compressor's
  forward passes then run in float32 like ours, and both compute weight scales in float32) and
  calibrate on the token ids of Tests/Fixtures/calibration-reference.json (modulo the model's vocabulary),
  unshuffled; "identical" if every byte is, else "within tolerance" when every floating-point tensor
  (scales, smoothed norms) is within 1% (largest relative difference) and every tensor of codes
  (integer or FP8) agrees on at least 99% of its values (the calibration tests' tolerances), else
  "differs" with those figures and the tensors that set them.

Data-free recipes also run on the extra models given with --also (other architectures); --candidates
adds models to try after the default ones (a GLM-4-MoE with dense first layers, for recipes that
ignore them). With
--recipe FILE --on MODEL, only that recipe runs, on that model (a real checkpoint such as SmolLM2).
Runs in the private reference venv, never in CI:

    HF_HUB_OFFLINE=1 /work/venv-llmc/bin/python scripts/compare-llm-compressor-recipes.py \
        llmcompressor-0.14.0.1 .build/release/compress [--also MODEL ...] [--only SUBSTRING]
    HF_HUB_OFFLINE=1 /work/venv-llmc/bin/python scripts/compare-llm-compressor-recipes.py \
        llmcompressor-0.14.0.1 .build/release/compress --recipe RECIPE.yaml --on MODEL
"""
import argparse
import importlib.util
import json
import os
import subprocess
import tempfile
from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
spec = importlib.util.spec_from_file_location("survey", HERE / "survey-llm-compressor-recipes.py")
survey = importlib.util.module_from_spec(spec)
spec.loader.exec_module(survey)

FIXTURES = ROOT / "Tests/Fixtures"
DENSE = FIXTURES / "models/llama_calib"
MIXTURES = [FIXTURES / "models" / name for name in ("qwen3_moe", "mixtral", "qwen2_moe", "deepseek_v3", "glm4_moe")]
CODES = (torch.int8, torch.uint8, torch.int32, torch.float8_e4m3fn)
SAMPLES = json.load(open(FIXTURES / "calibration-reference.json"))["samples"]


def recipes(source):
    """(where it comes from, YAML) of every in-scope recipe of the source distribution."""
    for where, _, text, _ in survey.collect(source):
        if text:
            yield where, text


def float32_copy(model, work):
    """The model's checkpoint with every floating-point tensor in float32, in a folder under `work`."""
    import shutil
    from safetensors.torch import save_file
    target = Path(work) / ("f32-" + Path(model).name)
    if not target.exists():
        target.mkdir()
        for f in Path(model).iterdir():
            if f.suffix == ".safetensors":
                save_file({n: t.float() if t.is_floating_point() else t for n, t in load_file(str(f)).items()},
                          str(target / f.name), metadata={"format": "pt"})
            elif f.name == "config.json":
                config = json.load(open(f))
                config["torch_dtype"] = config["dtype"] = "float32"
                json.dump(config, open(target / f.name, "w"), indent=2)
            elif f.is_file():
                shutil.copy(f, target / f.name)
        if not (target / "tokenizer.json").exists():  # compress reads one even for token ids
            for f in (FIXTURES / "tokenizers/byte-level-bpe").glob("tokenizer*.json"):
                shutil.copy(f, target / f.name)
    return target


def samples(model):
    """The calibration token ids, modulo the model's vocabulary."""
    vocab = json.load(open(Path(model) / "config.json"))["vocab_size"]
    return [[i % vocab for i in sample] for sample in SAMPLES]


def ids_file(model, work):
    """A JSON Lines dataset of the model's calibration token ids, in `work`."""
    path = Path(work) / ("ids-" + Path(model).name + ".jsonl")
    path.write_text("".join(json.dumps({"input_ids": sample}) + "\n" for sample in samples(model)))
    return str(path)


def ours(compress, model, recipe, out, work):
    """Runs compress oneshot: returns (how, the model it ran on), how being "data-free" or
    "calibrated" (on the float32 copy), or None when it refuses the recipe."""
    command = [compress, "oneshot", "--model", str(model), "--recipe", recipe, "--output", out, "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode == 0:
        return "data-free", model
    if survey.NEEDS_DATA not in result.stderr:
        return None
    model = float32_copy(model, work)
    command[3] = str(model)
    result = subprocess.run(command + ["--dataset", ids_file(model, work), "--num-calibration-samples", str(len(SAMPLES)),
                                       "--max-seq-length", "64", "--no-shuffle"], capture_output=True, text=True)
    return ("calibrated", model) if result.returncode == 0 else None


def theirs(model, recipe, out, calibrated):
    from datasets import Dataset
    from llmcompressor import oneshot
    recipe = awq_on_cpu(recipe)
    loaded = transformers.AutoModelForCausalLM.from_pretrained(model, dtype="auto")
    if calibrated:
        ids = samples(model)
        data = Dataset.from_dict({"input_ids": ids, "attention_mask": [[1] * len(s) for s in ids]})
        oneshot(model=loaded, dataset=data, recipe=recipe, num_calibration_samples=len(SAMPLES), max_seq_length=64,
                shuffle_calibration_samples=False, output_dir=out)
    else:
        oneshot(model=loaded, recipe=recipe, output_dir=out)


def awq_on_cpu(recipe):
    torch.Tensor.pin_memory = lambda self, *args, **kwargs: self  # pinning needs CUDA; a no-op on the CPU
    """The recipe with AWQ's cached activations kept on the CPU (`offload_device: cpu`, as the
    reference scripts set it): llm-compressor 0.14 otherwise moves them to CUDA. Results are unchanged."""
    import yaml
    text = Path(recipe).read_text()
    if "AWQModifier" not in text:
        return recipe

    def visit(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "AWQModifier" and isinstance(value, dict):
                    value.setdefault("offload_device", "cpu")
                else:
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    tree = yaml.safe_load(text)
    visit(tree)
    patched = recipe + ".cpu.yaml"
    Path(patched).write_text(yaml.safe_dump(tree, sort_keys=False))
    return patched


def kept_layers(folder):
    """Tensors of the multi-token-prediction layers (model.layers.N, N >= num_hidden_layers), which
    compress keeps unquantized (and lists in `ignore`) and llm-compressor drops with transformers."""
    layers = json.load(open(Path(folder) / "config.json")).get("num_hidden_layers", 10**9)

    def kept(name):
        parts = name.split(".")
        return len(parts) > 2 and parts[:2] == ["model", "layers"] and parts[2].isdigit() and int(parts[2]) >= layers
    return kept


def tensors(folder):
    result = {}
    for f in sorted(Path(folder).glob("*.safetensors")):
        result.update(load_file(str(f)))
    return result


def compare(mine, reference):
    """'identical', 'within tolerance (...)' or 'differs: ...'."""
    kept = kept_layers(mine)
    a = {n: t for n, t in tensors(mine).items() if not kept(n)}
    b = tensors(reference)
    config_a = json.load(open(Path(mine) / "config.json")).get("quantization_config")
    config_b = json.load(open(Path(reference) / "config.json")).get("quantization_config")
    for config in (config_a, config_b):
        config.pop("version", None)
    config_a["ignore"] = [n for n in config_a.get("ignore", []) if not kept(n + ".weight")]
    if set(a) != set(b):
        return f"differs: tensors only here {sorted(set(a) - set(b))[:3]}, only there {sorted(set(b) - set(a))[:3]}"
    unequal = [n for n in a if a[n].dtype != b[n].dtype or a[n].shape != b[n].shape
               or not torch.equal(a[n].contiguous().view(torch.uint8), b[n].contiguous().view(torch.uint8))]
    if not unequal and config_a == config_b:
        return "identical"
    if config_a != config_b:
        return "differs: quantization_config"
    (worst_scale, scale_name), (worst_codes, codes_name) = (0.0, ""), (1.0, "")
    for n in unequal:
        x, y = a[n], b[n]
        if x.dtype != y.dtype or x.shape != y.shape:
            return f"differs: {n} is {x.dtype} {list(x.shape)} here, {y.dtype} {list(y.shape)} there"
        if x.dtype in CODES:
            if x.dtype == torch.int32:  # packed: compare the 4-bit fields
                fields = [((x >> s) & 15) == ((y >> s) & 15) for s in range(0, 32, 4)]
                equal = torch.stack(fields).float().mean().item()
            else:
                equal = (x.contiguous().view(torch.uint8) == y.contiguous().view(torch.uint8)).float().mean().item()
            if equal < worst_codes:
                worst_codes, codes_name = equal, n
        else:
            xf, yf = x.float(), y.float()
            relative = ((xf - yf).abs() / yf.abs().clamp_min(1e-30)).max().item()
            if relative > worst_scale:
                worst_scale, scale_name = relative, n
    figures = (f"floats within {100 * worst_scale:.3g}%{' (' + scale_name + ')' if scale_name else ''}, "
               f"codes {100 * worst_codes:.4g}% equal{' (' + codes_name + ')' if codes_name else ''}, {len(unequal)} of {len(a)} tensors differ")
    if worst_scale <= 0.01 and worst_codes >= 0.99:
        return "within tolerance (" + figures + ")"
    return "differs: " + figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("compress")
    parser.add_argument("--also", nargs="*", default=[], type=Path, help="more models for the data-free recipes")
    parser.add_argument("--only", default="", help="recipes whose path contains this")
    parser.add_argument("--candidates", nargs="*", default=[], type=Path, help="more models to run recipes on")
    parser.add_argument("--recipe", type=Path, help="run this recipe file alone (with --on)")
    parser.add_argument("--on", type=Path, help="the model --recipe runs on")
    args = parser.parse_args()
    chosen = [(str(args.recipe), args.recipe.read_text())] if args.recipe else list(recipes(args.source))
    models = [args.on] if args.on else [DENSE] + MIXTURES + args.candidates
    with tempfile.TemporaryDirectory() as work:
        print("| recipe | model | run | result |")
        print("|---|---|---|---|")
        for where, text in chosen:
            if args.only not in where:
                continue
            recipe = os.path.join(work, "recipe.yaml")
            Path(recipe).write_text(text)
            ran = []
            for model in models:
                mine = os.path.join(work, "ours")
                subprocess.run(["rm", "-rf", mine])
                outcome = ours(args.compress, model, recipe, mine, work)
                if outcome:
                    ran.append((outcome[1], outcome[0], mine))
                    break
            if not ran:
                print(f"| {where} | | refused | |", flush=True)
                continue
            model, kind, mine = ran[0]
            rows = [(model, kind, mine)]
            if kind == "data-free":
                for extra in args.also:
                    other = os.path.join(work, "ours-" + extra.name)
                    subprocess.run(["rm", "-rf", other])
                    if ours(args.compress, extra, recipe, other, work) == ("data-free", extra):
                        rows.append((extra, kind, other))
            for model, kind, mine in rows:
                reference = os.path.join(work, "theirs-" + model.name)
                subprocess.run(["rm", "-rf", reference])
                try:
                    theirs(str(model), recipe, reference, kind == "calibrated")
                    result = compare(mine, reference)
                except Exception as error:
                    result = f"llm-compressor failed: {type(error).__name__}: {str(error)[:100]}"
                print(f"| {where} | {model.name.removeprefix('f32-')} | {kind} | {result.replace('|', '/')} |", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
