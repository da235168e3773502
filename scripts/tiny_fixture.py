"""Shared steps of the tiny-model fixture scripts (make-deepseek-v3-fixture.py,
make-glm4-moe-fixture.py and their -references.py): randomize a model, save it in bf16, record
transformers' f32 logits, and record what llm-compressor's data-free oneshot makes of it.

Needs torch and transformers 5 with the family's modeling code; the fixtures were made with
transformers 5.17 (the version llm-compressor 0.14 pins, in its private venv)."""
import json, os, shutil, sys, tempfile

import torch
import transformers

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# 72 tokens, as scripts/make-architecture-reference.py uses.
input_ids = [(i * 37 + 11) % 256 for i in range(72)]
rows = [0, 7, 31, 63, 64, 65, 71]


def randomize(model, router_std=0.5):
    """Norm weights around 1, routers wide enough that routing is decided by the input, and
    random score-correction biases, so that every part of the forward pass matters."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("mlp.gate.weight"):
                p.normal_(0, router_std)
            elif name.endswith("_proj.bias"):
                p.normal_(0, 0.1)
        for name, b in model.named_buffers():
            if name.endswith("e_score_correction_bias"):
                b.copy_(0.1 * torch.randn_like(b))


def save(config, folder):
    """A seeded random model of `config` saved to `folder` in bf16, but for the routers' f32 score-correction biases."""
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    randomize(model)
    model = model.to(torch.bfloat16)
    # The routers' score-correction biases stay f32, as the released checkpoints store them.
    for name, b in model.named_buffers():
        if name.endswith("e_score_correction_bias"):
            b.data = b.data.float()
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder)
    os.remove(os.path.join(folder, "generation_config.json"))
    # A small byte-level BPE tokenizer (907 ids) so that eval and generate run the model.
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(root, "Tests/Fixtures/models/llama_calib", name), folder)


def logits(folder, overrides=None):
    """transformers' f32 logits (weights upcast from bf16, eager attention) of `input_ids` at `rows`,
    with `overrides` applied to config.json."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in os.listdir(folder):
            if f.startswith("tokenizer"):
                continue
            os.symlink(os.path.join(folder, f), os.path.join(tmp, f))
        config = json.load(open(os.path.join(folder, "config.json")))
        config.update(overrides or {})
        os.remove(os.path.join(tmp, "config.json"))
        json.dump(config, open(os.path.join(tmp, "config.json"), "w"), indent=2)
        model = transformers.AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32, attn_implementation="eager")
        model.eval()
        with torch.no_grad():
            out = model(torch.tensor([input_ids])).logits[0]
    return [[round(float(x), 6) for x in out[r]] for r in rows]


def write_reference(name, cases):
    """Writes Tests/Fixtures/reference/runtime-NAME.json: cases of (name, fixture, overrides)."""
    result = {"input_ids": input_ids, "rows": rows, "transformers": transformers.__version__,
              "note": "weights upcast bf16->f32, all math in f32, eager attention", "cases": []}
    for case, fixture, overrides in cases:
        folder = os.path.join(root, "Tests/Fixtures/models", fixture)
        result["cases"].append({"name": case, "fixture": fixture, "overrides": overrides, "logits": logits(folder, overrides)})
        print(case, "ok", file=sys.stderr)
    path = os.path.join(root, f"Tests/Fixtures/reference/runtime-{name}.json")
    with open(path, "w") as f:
        json.dump(result, f, separators=(",", ":"))
    print("wrote", path, file=sys.stderr)


def write_oneshot_references(name, source, schemes):
    """Writes Tests/Fixtures/references/NAME--SCHEME/ for each scheme: llm-compressor's data-free
    `oneshot` (QuantizationModifier on Linear, lm_head ignored) of the model in `source`, as
    config.json, recipe.yaml and a manifest of the tensors (../shared/tools/stmanifest.py describe)."""
    from llmcompressor import oneshot
    from llmcompressor.modifiers.quantization import QuantizationModifier

    with tempfile.TemporaryDirectory() as tmp:
        for scheme in schemes:
            compressed = os.path.join(tmp, scheme)
            model = transformers.AutoModelForCausalLM.from_pretrained(source, dtype="auto")
            oneshot(model=model, recipe=QuantizationModifier(targets="Linear", scheme=scheme, ignore=["lm_head"]))
            model.save_pretrained(compressed, save_compressed=True)
            save_reference(compressed, os.path.join(root, "Tests/Fixtures/references", f"{name}--{scheme}"))


def save_reference(compressed, target):
    """Keeps llm-compressor's checkpoint `compressed` as a reference folder `target`: its config.json
    and recipe.yaml, and a manifest of its tensors (../shared/tools/stmanifest.py describe)."""
    import subprocess
    stmanifest = os.path.join(root, "../shared/tools/stmanifest.py")
    if not os.path.exists(stmanifest):
        stmanifest = "/work/shared/tools/stmanifest.py"
    os.makedirs(target, exist_ok=True)
    for f in ("config.json", "recipe.yaml"):
        shutil.copy(os.path.join(compressed, f), target)
    manifest = subprocess.run([sys.executable, stmanifest, "describe", compressed], check=True, capture_output=True, text=True).stdout
    with open(os.path.join(target, "manifest.json"), "w") as f:
        json.dump(json.loads(manifest), f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", target, file=sys.stderr)


def quantization_modifier(body):
    """A one-stage recipe with one QuantizationModifier whose fields are `body` (YAML lines)."""
    return "quant_stage:\n  quant_modifiers:\n    QuantizationModifier:\n" + "".join("      " + line + "\n" for line in body)


def oneshot_tensors(recipe, ids, out, **model_kwargs):
    """Runs llm-compressor's `oneshot` with `recipe` on Tests/Fixtures/models/llama_calib loaded in f32,
    calibrating on the token id lists `ids` unshuffled, into the folder `out`; returns the saved tensors
    by name. `model_kwargs` go to from_pretrained (attn_implementation)."""
    from datasets import Dataset
    from llmcompressor import oneshot
    from safetensors.torch import load_file
    model_dir = os.path.join(root, "Tests/Fixtures/models/llama_calib")
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, **model_kwargs)
    data = Dataset.from_dict({"input_ids": ids, "attention_mask": [[1] * len(s) for s in ids]})
    oneshot(model=model, dataset=data, recipe=recipe, num_calibration_samples=len(ids), max_seq_length=64,
            shuffle_calibration_samples=False, output_dir=out)
    return load_file(os.path.join(out, "model.safetensors"))


def run_calibrated(recipes, **model_kwargs):
    """Runs each of `recipes` (name: YAML) through `oneshot_tensors` with the token ids of
    Tests/Fixtures/calibration-reference.json, as scripts/make-calibration-reference.py runs its recipes.
    Returns, per name, the recipe, every output tensor's dtype and shape (and the values of tensors of at
    most 4 elements), the quantization_config and the recipe.yaml llm-compressor saves."""
    ids = json.load(open(os.path.join(root, "Tests/Fixtures/calibration-reference.json")))["samples"]
    entries = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, recipe in recipes.items():
            out = os.path.join(tmp, name)
            entry = {"recipe": recipe, "tensors": {}}
            for key, value in sorted(oneshot_tensors(recipe, ids, out, **model_kwargs).items()):
                record = {"dtype": str(value.dtype).replace("torch.", ""), "shape": list(value.shape)}
                if value.numel() <= 4:
                    record["values"] = value.float().flatten().tolist()
                entry["tensors"][key] = record
            entry["quantization_config"] = json.load(open(os.path.join(out, "config.json")))["quantization_config"]
            entry["saved_recipe"] = open(os.path.join(out, "recipe.yaml")).read()
            entries[name] = entry
            print(name, "ok", file=sys.stderr)
    return entries


def write_json(result, path):
    """Writes `result` to `path` (relative to the repository) as the calibrated reference files are laid out."""
    with open(os.path.join(root, path), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
