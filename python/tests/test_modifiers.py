"""Modifier objects with llm-compressor's field names give the recipe YAML files' results."""

import pytest

from conftest import CALIBRATION_MODEL, RECIPES, TINY_LLAMA, same_files
from swift_llm_compressor import CompressionError, oneshot
from swift_llm_compressor.modifiers import AWQModifier, GPTQModifier, QuantizationModifier, SmoothQuantModifier, render_recipe

SAMPLES = [[(s * 17 + t) % 250 + 1 for t in range(24)] for s in range(4)]


def test_a_quantization_modifier_gives_the_bytes_of_its_recipe_file(folder):
    oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "file", progress=False)
    modifier = QuantizationModifier(targets=["Linear"], scheme="FP8_DYNAMIC", ignore=["lm_head"])
    oneshot(model=TINY_LLAMA, recipe=modifier, output_dir=folder / "object", progress=False)
    assert same_files(folder / "file", folder / "object") == []


def test_smoothquant_then_gptq_in_a_list_gives_the_bytes_of_their_recipe_file(folder):
    recipe = [SmoothQuantModifier(smoothing_strength=0.8), GPTQModifier(targets=["Linear"], scheme="W8A8", ignore=["lm_head"])]
    oneshot(model=CALIBRATION_MODEL, recipe=RECIPES / "w8a8_smoothquant_gptq.yaml", output_dir=folder / "file", dataset=SAMPLES, progress=False)
    oneshot(model=CALIBRATION_MODEL, recipe=recipe, output_dir=folder / "object", dataset=SAMPLES, progress=False)
    assert same_files(folder / "file", folder / "object") == []


def test_awq_with_config_groups_gives_the_bytes_of_its_recipe_file(folder):
    weights = {"num_bits": 4, "type": "int", "symmetric": False, "strategy": "group", "group_size": 64}
    recipe = [AWQModifier(), QuantizationModifier(ignore=["lm_head"], config_groups={"group_0": {"targets": ["Linear"], "weights": weights}})]
    oneshot(model=CALIBRATION_MODEL, recipe=RECIPES / "w4a16_awq.yaml", output_dir=folder / "file", dataset=SAMPLES, progress=False)
    oneshot(model=CALIBRATION_MODEL, recipe=recipe, output_dir=folder / "object", dataset=SAMPLES, progress=False)
    assert same_files(folder / "file", folder / "object") == []


def test_a_misspelt_field_is_refused_by_the_recipe_parser(folder):
    with pytest.raises(CompressionError, match="did you mean 'dampening_frac'"):
        oneshot(model=TINY_LLAMA, recipe=GPTQModifier(scheme="W4A16", dampening_fraction=0.1), output_dir=folder / "out", progress=False)


def test_the_rendered_recipe_is_one_stage_with_the_given_fields_only():
    text = render_recipe([SmoothQuantModifier(smoothing_strength=0.5), GPTQModifier(scheme="W4A16", block_size=64)])
    assert text == (
        "default_stage:\n  default_modifiers:\n"
        "    SmoothQuantModifier:\n      smoothing_strength: 0.5\n"
        "    GPTQModifier:\n      scheme: \"W4A16\"\n      block_size: 64\n"
    )
    with pytest.raises(ValueError, match="repeated: QuantizationModifier"):
        render_recipe([QuantizationModifier(scheme="W4A16"), QuantizationModifier(scheme="FP8")])
