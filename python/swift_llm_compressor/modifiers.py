"""llm-compressor's modifiers as objects, with its field names, rendered to its recipe YAML.

    from swift_llm_compressor.modifiers import GPTQModifier, SmoothQuantModifier
    recipe = [SmoothQuantModifier(smoothing_strength=0.8), GPTQModifier(targets="Linear", scheme="W8A8", ignore=["lm_head"])]
    oneshot(model=..., recipe=recipe, dataset=..., output_dir=...)

Fields left as None are left out of the recipe, so the Swift side applies llm-compressor's
defaults; fields it does not know are refused there, with a "did you mean" suggestion.
"""

import json
from typing import Iterable, Union


class Modifier:
    """A modifier of an llm-compressor recipe: its class name and the fields given."""

    def __init__(self, **fields):
        self.fields = {key: value for key, value in fields.items() if value is not None}

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        given = ", ".join(f"{key}={value!r}" for key, value in self.fields.items())
        return f"{self.name}({given})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.fields == other.fields


class QuantizationModifier(Modifier):
    """Data-free or calibrated quantization: `scheme` (a preset such as "FP8_DYNAMIC", "W4A16",
    or {preset: targets}), or `config_groups`; `targets`, `ignore`, `kv_cache_scheme`, observers."""

    def __init__(self, *, targets: Union[str, list, None] = None, scheme=None, ignore=None, config_groups=None,
                 kv_cache_scheme=None, **other):
        super().__init__(targets=targets, scheme=scheme, ignore=ignore, config_groups=config_groups,
                         kv_cache_scheme=kv_cache_scheme, **other)


class GPTQModifier(QuantizationModifier):
    """GPTQ: the quantization fields plus `block_size`, `dampening_frac`, `actorder`."""

    def __init__(self, *, block_size=None, dampening_frac=None, actorder=None, **quantization):
        super().__init__(block_size=block_size, dampening_frac=dampening_frac, actorder=actorder, **quantization)


class AWQModifier(QuantizationModifier):
    """AWQ: the quantization fields plus `mappings`, `duo_scaling`, `n_grid`."""

    def __init__(self, *, mappings=None, duo_scaling=None, n_grid=None, **quantization):
        super().__init__(mappings=mappings, duo_scaling=duo_scaling, n_grid=n_grid, **quantization)


class SmoothQuantModifier(Modifier):
    """SmoothQuant: `smoothing_strength`, `mappings`, `ignore`."""

    def __init__(self, *, smoothing_strength=None, mappings=None, ignore=None, **other):
        super().__init__(smoothing_strength=smoothing_strength, mappings=mappings, ignore=ignore, **other)


def render_recipe(modifiers: Union[Modifier, Iterable[Modifier]]) -> str:
    """The recipe YAML llm-compressor reads for `modifiers` (one, or several applied in order):
    one stage, `default_stage: default_modifiers: {Name: {fields}}`. Values are written in
    YAML's flow style (JSON), which any YAML reader takes."""
    modifiers = [modifiers] if isinstance(modifiers, Modifier) else list(modifiers)
    names = [m.name for m in modifiers]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise ValueError(f"a recipe stage holds each modifier once; repeated: {', '.join(sorted(repeated))}")
    lines = ["default_stage:", "  default_modifiers:"]
    for modifier in modifiers:
        lines.append(f"    {modifier.name}:" + ("" if modifier.fields else " {}"))
        for key, value in modifier.fields.items():
            lines.append(f"      {key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"
