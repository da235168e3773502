"""oneshot from Python gives the bytes `compress oneshot` writes, for folders and every dataset form."""

import json
import threading

import pytest

from conftest import CALIBRATION_MODEL, CALIBRATION_RECIPE, FIXTURES, RECIPES, TINY_LLAMA, run_cli, same_files
from swift_llm_compressor import OneshotSummary, oneshot


def test_data_free_oneshot_is_byte_identical_to_the_cli(folder):
    run_cli("oneshot", "--model", TINY_LLAMA, "--recipe", RECIPES / "fp8_dynamic.yaml", "--output", folder / "cli", "--quiet")
    summary = oneshot(model=str(TINY_LLAMA), recipe=str(RECIPES / "fp8_dynamic.yaml"), output_dir=folder / "py", progress=False)
    assert isinstance(summary, OneshotSummary)
    assert summary.tensors_quantized == 14 and summary.tensors_copied == 7
    assert summary.bytes_out < summary.bytes_in and summary.compression_ratio > 1
    assert summary.output_dir == str(folder / "py")
    assert summary.files_copied == ["generation_config.json"]
    assert same_files(folder / "cli", folder / "py") == []


def test_calibrated_oneshot_with_a_dataset_file_is_byte_identical_to_the_cli(folder):
    (folder / "recipe.yaml").write_text(CALIBRATION_RECIPE)
    dataset = FIXTURES / "calibration" / "text.txt"
    run_cli("oneshot", "--model", CALIBRATION_MODEL, "--recipe", folder / "recipe.yaml", "--output", folder / "cli",
            "--dataset", dataset, "--num-calibration-samples", 4, "--max-seq-length", 32, "--seed", 7, "--quiet")
    oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "py", dataset=dataset,
            num_calibration_samples=4, max_seq_length=32, seed=7, progress=False)
    assert same_files(folder / "cli", folder / "py") == []


def test_a_list_of_strings_is_a_dataset_of_one_sample_each(folder):
    texts = [f"Sample number {i}: the quick brown fox jumps over the lazy dog." for i in range(6)]
    (folder / "data.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    (folder / "recipe.yaml").write_text(CALIBRATION_RECIPE)
    run_cli("oneshot", "--model", CALIBRATION_MODEL, "--recipe", folder / "recipe.yaml", "--output", folder / "cli",
            "--dataset", folder / "data.jsonl", "--num-calibration-samples", 4, "--max-seq-length", 16, "--quiet")
    oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "py", dataset=texts,
            num_calibration_samples=4, max_seq_length=16, progress=False)
    assert same_files(folder / "cli", folder / "py") == []
    records = [{"text": t, "id": i} for i, t in enumerate(texts)]  # as a Hugging Face dataset iterates
    oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "records", dataset=records,
            num_calibration_samples=4, max_seq_length=16, progress=False)
    assert same_files(folder / "cli", folder / "records") == []


def test_token_ids_are_used_as_given_cut_to_the_sample_count_and_length(folder):
    np = pytest.importorskip("numpy")
    samples = [[(s * 31 + t) % 300 + 1 for t in range(40)] for s in range(5)]
    oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "lists", dataset=samples,
            num_calibration_samples=3, max_seq_length=24, progress=False)
    cut = [np.array(sample[:24]) for sample in samples[:3]]
    oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "arrays", dataset=cut,
            num_calibration_samples=3, max_seq_length=24, progress=False)
    assert same_files(folder / "lists", folder / "arrays") == []
    other = [sample[1:25] for sample in samples[:3]]
    oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "other", dataset=other,
            num_calibration_samples=3, max_seq_length=24, progress=False)
    assert "model.safetensors" in same_files(folder / "lists", folder / "other")


def test_progress_goes_to_a_callback_from_the_worker_thread(folder):
    events, threads = [], set()

    def record(event):
        events.append(event)
        threads.add(threading.get_ident())

    oneshot(model=TINY_LLAMA, recipe=RECIPES / "w4a16.yaml", output_dir=folder / "out", progress=record)
    assert len(events) == 21
    assert [e["tensors_done"] for e in events] == list(range(1, 22))
    assert events[-1]["bytes_done"] == events[-1]["bytes_total"]
    assert threading.get_ident() not in threads


def test_progress_shows_a_tqdm_bar_when_tqdm_is_installed(folder, capsys):
    pytest.importorskip("tqdm")
    oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", progress=True)
    assert "oneshot: 100%" in capsys.readouterr().err
