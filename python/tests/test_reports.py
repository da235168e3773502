"""verify, inspect and perplexity return the CLI's reports as objects."""

import math
from pathlib import Path

import pytest

from conftest import CALIBRATION_MODEL, FIXTURES, RECIPES, TINY_LLAMA
from swift_llm_compressor import CompressionError, inspect, oneshot, perplexity, verify, version


@pytest.fixture
def compressed(folder) -> Path:
    oneshot(model=TINY_LLAMA, recipe=RECIPES / "w4a16_asym.yaml", output_dir=folder / "out", progress=False)
    return folder / "out"


def test_verify_against_the_original_reports_each_layers_error(compressed):
    report = verify(compressed, against=TINY_LLAMA, max_relative_rms=0.2)
    assert report.passed and report.problems == []
    assert len(report.layers) == 14
    assert all(0 < layer.relative_rms_error < 0.2 for layer in report.layers)
    assert report.worst_layer.relative_rms_error == max(layer.relative_rms_error for layer in report.layers)
    assert report.identical_to_original == report.copied_tensors == 7


def test_verify_with_a_tight_limit_lists_problems_by_tensor(compressed):
    report = verify(compressed, against=TINY_LLAMA, max_relative_rms=0.01)
    assert not report.passed
    assert len(report.problems) == 14
    assert str(report.problems[0]).startswith("model.layers.")


def test_verify_of_an_unreadable_checkpoint_raises(folder):
    with pytest.raises(CompressionError, match=str(folder / "nothing")):
        verify(folder / "nothing")


def test_inspect_lists_the_tensors_and_quantization(compressed):
    info = inspect(compressed)
    assert info["model_type"] == "llama"
    assert info["quantization_config"]["format"] == "pack-quantized"
    assert {t["name"] for t in info["tensors"]} >= {"model.layers.0.mlp.up_proj.weight_packed"}


def test_perplexity_is_finite_and_counts_its_windows():
    text = (FIXTURES / "calibration" / "text.txt").read_text()
    report = perplexity(CALIBRATION_MODEL, text, context=32, windows=3, progress=False)
    assert report.windows == 3 and report.context == 32
    assert report.scored_tokens == 3 * 31
    assert math.isfinite(report.perplexity) and report.perplexity > 1
    assert report.perplexity == pytest.approx(math.exp(report.mean_negative_log_likelihood))


def test_the_second_half_counts_the_tokens_llama_perplexity_counts():
    text = (FIXTURES / "calibration" / "text.txt").read_text()
    every = perplexity(CALIBRATION_MODEL, text, context=32, windows=3, progress=False)
    half = perplexity(CALIBRATION_MODEL, text, context=32, windows=3, progress=False, scored_tokens="second-half")
    assert (every.scored, half.scored) == ("all-but-first", "second-half")
    assert half.scored_tokens == 3 * 15
    assert half.mean_negative_log_likelihood != every.mean_negative_log_likelihood
    with pytest.raises(CompressionError, match="'all-but-first' or 'second-half'"):
        perplexity(CALIBRATION_MODEL, text, context=32, progress=False, scored_tokens="half")


def test_matmul_precision_is_high_by_default_and_highest_on_request():
    text = (FIXTURES / "calibration" / "text.txt").read_text()
    high = perplexity(CALIBRATION_MODEL, text, context=64, windows=4, progress=False)
    same = perplexity(CALIBRATION_MODEL, text, context=64, windows=4, progress=False, matmul_precision="high")
    highest = perplexity(CALIBRATION_MODEL, text, context=64, windows=4, progress=False, matmul_precision="highest")
    assert high.perplexity == same.perplexity
    assert high.perplexity == pytest.approx(highest.perplexity, rel=1e-5)
    assert high.products in ("split", "float32") and highest.products == "float32"
    with pytest.raises(CompressionError, match="'highest' or 'high'"):
        perplexity(CALIBRATION_MODEL, text, context=64, progress=False, matmul_precision="medium")


def test_perplexity_reads_a_path_and_reports_progress():
    events = []
    report = perplexity(CALIBRATION_MODEL, FIXTURES / "calibration" / "text.txt", context=32, windows=2, progress=events.append)
    assert report.windows == 2
    assert events[-1] == {"windows_done": 2, "windows_total": 2}


def test_perplexity_errors_are_compression_errors():
    with pytest.raises(CompressionError, match="do not fill one window"):
        perplexity(CALIBRATION_MODEL, "two words", context=512, progress=False)


def test_the_library_reports_its_version():
    assert len(version().split(".")) == 3
