"""Failures raise CompressionError with the tool's one-line message and leave no output."""

import os

import pytest

from conftest import CALIBRATION_MODEL, CALIBRATION_RECIPE, RECIPES, TINY_LLAMA
from swift_llm_compressor import CompressionError, oneshot
from swift_llm_compressor.errors import BAD_OPTIONS, FAILED


def test_a_missing_model_names_the_folder(folder):
    missing = folder / "no-such-model"
    with pytest.raises(CompressionError) as raised:
        oneshot(model=missing, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", progress=False)
    assert raised.value.status == FAILED
    assert str(missing) in raised.value.message
    assert "\n" not in raised.value.message
    assert os.listdir(folder) == []


def test_a_misspelt_recipe_key_is_the_recipe_parsers_message(folder):
    recipe = "QuantizationModifier:\n  targets: [Linear]\n  schme: FP8_DYNAMIC\n"
    with pytest.raises(CompressionError, match="did you mean 'scheme'"):
        oneshot(model=TINY_LLAMA, recipe=recipe, output_dir=folder / "out", progress=False)
    assert not (folder / "out").exists()


def test_a_recipe_file_that_does_not_exist_is_named(folder):
    with pytest.raises(CompressionError, match="missing.yaml"):
        oneshot(model=TINY_LLAMA, recipe=str(folder / "missing.yaml"), output_dir=folder / "out", progress=False)


def test_a_calibrating_recipe_without_data_says_what_to_pass(folder):
    with pytest.raises(CompressionError, match="needs calibration data"):
        oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "out", progress=False)
    assert os.listdir(folder) == []


def test_options_out_of_range_are_bad_options(folder):
    with pytest.raises(CompressionError) as raised:
        oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", threads=0, progress=False)
    assert raised.value.status == BAD_OPTIONS
    assert raised.value.message == "oneshot: the option 'threads' must be at least 1, got 0"


def test_an_existing_output_is_replaced_only_with_overwrite(folder):
    oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", progress=False)
    with pytest.raises(CompressionError, match="--overwrite|overwrite"):
        oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", progress=False)
    summary = oneshot(model=TINY_LLAMA, recipe=RECIPES / "w8a8.yaml", output_dir=folder / "out", overwrite=True, progress=False)
    assert summary.tensors_quantized == 14


def test_a_dataset_that_is_neither_text_nor_token_ids_is_refused(folder):
    with pytest.raises(TypeError, match=r"dataset\[1\]"):
        oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "out", dataset=[[1, 2], [1.5]], progress=False)
