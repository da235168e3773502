#!/usr/bin/env python3
"""Which of llm-compressor's own quantization recipes `compress` accepts (issue #17's recipe table).

Collects every recipe in an llm-compressor source distribution's tests/ and examples/: the YAML
recipe files, and the modifiers that example scripts build inline (each script's imports and
constant assignments are evaluated, never its model loading or data, then its *Modifier(...) calls,
which llm-compressor's own Recipe serializes to YAML). Each recipe is then planned by
`compress oneshot --dry-run` on the tiny Llama fixture, or when it refuses, on the fixtures of the
mixture-of-experts architectures the recipes are written for (or on the models given), and the
script prints one Markdown row per recipe: where it comes from, its modifiers, and accepted (on
which model) or the tiny Llama's refusal.

Recipes of modifiers outside this project's scope (pruning, rotations and transforms, AutoRound)
are listed as such and not planned. Runs with llm-compressor 0.14.0.1 installed (the private
reference venv), never in CI:

    pip download llmcompressor==0.14.0.1 --no-binary :all: --no-deps && tar xzf llmcompressor-0.14.0.1.tar.gz
    HF_HUB_OFFLINE=1 /work/venv-llmc/bin/python scripts/survey-llm-compressor-recipes.py \
        llmcompressor-0.14.0.1 .build/debug/compress [MODEL...]
"""
import ast
import copy
import os
import subprocess
import sys
import tempfile
from pathlib import Path

OUT_OF_SCOPE = ("Sparse", "Pruning", "Wanda", "QuIP", "SpinQuant", "AutoRound", "REAP", "Transform",
                "Magnitude", "Constant", "LogarithmicEqualization", "Distill", "OBCQ")
NEEDS_DATA = "--dataset"


def modifier_names(node):
    """Names of the *Modifier classes a Python AST (or YAML text) uses, in order of appearance."""
    if isinstance(node, str):
        import re
        return sorted(set(re.findall(r"([A-Za-z]+Modifier)\b", node)))
    names = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id.endswith("Modifier"):
            names.append(call.func.id)
    return names


def is_constant_setup(statement):
    """Whether a top-level statement only imports or assigns values built without loading anything."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return True
    if not isinstance(statement, ast.Assign):
        return False
    for node in ast.walk(statement.value):
        if isinstance(node, ast.Attribute) and node.attr in ("from_pretrained", "map", "shuffle", "select"):
            return False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "load_dataset", "oneshot", "init_dist", "open", "input"):
            return False
    return True


def inline_recipe(script):
    """The YAML of the modifiers an example script builds, or None when it builds none."""
    tree = ast.parse(script.read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id.endswith("Modifier")]
    if not calls:
        return None, []
    names = [call.func.id for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))]
    if any(any(word in name for word in OUT_OF_SCOPE) for name in names):
        return "", names
    restore_presets()
    namespace = {}
    for statement in tree.body:
        if is_constant_setup(statement):
            try:
                exec(compile(ast.Module([statement], []), str(script), "exec"), namespace)
            except Exception:
                pass
    modifiers = []
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        modifiers.append(eval(compile(ast.Expression(call), str(script), "eval"), namespace))
    return recipe_yaml(modifiers), names


def recipe_yaml(modifiers):
    """The modifiers as llm-compressor's Recipe serializes them, less the values it writes as
    Python objects for fields left unset (AWQ's `offload_device` sentinel), which no YAML reader
    (llm-compressor's `yaml.safe_load` included) reads back."""
    import yaml
    from llmcompressor.recipe.utils import get_yaml_serializable_dict
    from llmcompressor.sentinel import Sentinel

    def written(value):
        if isinstance(value, dict):
            return {k: written(v) for k, v in value.items() if not isinstance(v, Sentinel)}
        if isinstance(value, list):
            return [written(v) for v in value]
        return value

    return yaml.safe_dump(written(get_yaml_serializable_dict(modifiers=modifiers, stage="default")), sort_keys=False)


PRESETS = None


def restore_presets():
    """Puts compressed-tensors' preset scheme dicts back as imported: example scripts modify them
    in place (`NVFP4["targets"] = ...`), which would leak into the next script."""
    global PRESETS
    from compressed_tensors.quantization import quant_scheme
    if PRESETS is None:
        PRESETS = {name: copy.deepcopy(value) for name, value in vars(quant_scheme).items()
                   if isinstance(value, dict) and not name.startswith("_")}
    for name, value in PRESETS.items():
        current = getattr(quant_scheme, name)
        current.clear()
        current.update(copy.deepcopy(value))


def plan_on_any(compress, models, recipe_text, data):
    """'accepted' when the first model accepts the recipe, else 'accepted on NAME' for the first
    other model that does (recipes written for a mixture of experts), else the first model's refusal."""
    first = plan(compress, models[0], recipe_text, data)
    if first == "accepted":
        return first
    for model in models[1:]:
        if plan(compress, model, recipe_text, data) == "accepted":
            return "accepted on " + Path(model).name
    return first


def plan(compress, model, recipe_text, data):
    """`compress oneshot --dry-run` on the recipe: 'accepted' or the refusal's first line."""
    with tempfile.TemporaryDirectory() as work:
        recipe = Path(work) / "recipe.yaml"
        recipe.write_text(recipe_text)
        command = [compress, "oneshot", "--model", model, "--recipe", str(recipe),
                   "--output", str(Path(work) / "out"), "--dry-run"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 and NEEDS_DATA in result.stderr:
            result = subprocess.run(command + ["--dataset", data], capture_output=True, text=True)
        if result.returncode == 0:
            return "accepted"
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return "refused: " + (lines[0] if lines else f"exit {result.returncode}").replace("|", "\\|")


def collect(source):
    """Every recipe of the source distribution, as (where it comes from, its modifiers' names, its
    YAML, an error): the YAML is "" for recipes of modifiers out of scope; an example script that
    cannot be evaluated gives None for the names and the YAML, and the error's text."""
    for path in sorted(list(source.glob("tests/**/*.yaml")) + list(source.glob("examples/**/*.yaml"))):
        text = path.read_text()
        names = modifier_names(text)
        if not names:
            continue
        scope = any(any(word in name for word in OUT_OF_SCOPE) for name in names)
        yield str(path.relative_to(source)), names, "" if scope else text, None
    for path in sorted(source.glob("examples/**/*.py")):
        try:
            text, names = inline_recipe(path)
        except Exception as error:
            yield str(path.relative_to(source)), None, None, f"{type(error).__name__}: {str(error)[:80]}"
            continue
        if text is not None:
            yield str(path.relative_to(source)), names, text, None


def main():
    source, compress = Path(sys.argv[1]), sys.argv[2]
    repo = Path(__file__).resolve().parent.parent
    models = sys.argv[3:] or [str(repo / "Tests/Fixtures" / name) for name in (
        "tiny-llama", "models/qwen3_moe", "models/mixtral", "models/qwen2_moe", "models/deepseek_v3", "models/glm4_moe")]
    data = str(repo / "Tests/Fixtures/text/GPL-3")
    print("| recipe | modifiers | compress |")
    print("|---|---|---|")
    for where, names, text, error in collect(source):
        if error:
            print(f"| {where} | ? | not evaluated: {error} |")
            continue
        status = "out of scope" if text == "" else plan_on_any(compress, models, text, data)
        print(f"| {where} | {', '.join(names)} | {status} |")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
