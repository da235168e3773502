"""oneshot on a transformers model in memory: the bytes of compressing its saved folder."""

import os

import pytest

from conftest import CALIBRATION_MODEL, CALIBRATION_RECIPE, FIXTURES, RECIPES, run_cli, same_files
from swift_llm_compressor import oneshot

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def tiny_llama(tied: bool = False, dtype=None):
    """A random Llama with llama_calib's vocabulary, in bf16."""
    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=904, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                      tie_word_embeddings=tied)
    return transformers.LlamaForCausalLM(config).to(dtype or torch.bfloat16)


@pytest.mark.parametrize("recipe", ["fp8_dynamic.yaml", "w4a16_asym.yaml", "nvfp4a16.yaml"])
@pytest.mark.parametrize("tied", [False, True])
def test_a_model_in_memory_gives_the_bytes_of_its_saved_folder(folder, recipe, tied):
    model = tiny_llama(tied)
    model.save_pretrained(folder / "saved")
    run_cli("oneshot", "--model", folder / "saved", "--recipe", RECIPES / recipe, "--output", folder / "cli", "--quiet")
    summary = oneshot(model=model, recipe=RECIPES / recipe, output_dir=folder / "memory", progress=False)
    assert same_files(folder / "cli", folder / "memory") == []
    assert summary.files_copied == ["generation_config.json"]


def test_an_f32_model_in_memory_gives_the_bytes_of_its_saved_folder(folder):
    model = tiny_llama(dtype=torch.float32)
    model.save_pretrained(folder / "saved")
    run_cli("oneshot", "--model", folder / "saved", "--recipe", RECIPES / "w8a8.yaml", "--output", folder / "cli", "--quiet")
    oneshot(model=model, recipe=RECIPES / "w8a8.yaml", output_dir=folder / "memory", progress=False)
    assert same_files(folder / "cli", folder / "memory") == []


def test_a_calibrated_model_in_memory_with_its_tokenizer_gives_the_bytes_of_its_saved_folder(folder):
    model = tiny_llama()
    tokenizer = transformers.AutoTokenizer.from_pretrained(CALIBRATION_MODEL)
    model.save_pretrained(folder / "saved")
    tokenizer.save_pretrained(folder / "saved")
    (folder / "recipe.yaml").write_text(CALIBRATION_RECIPE)
    dataset = FIXTURES / "calibration" / "text.txt"
    run_cli("oneshot", "--model", folder / "saved", "--recipe", folder / "recipe.yaml", "--output", folder / "cli",
            "--dataset", dataset, "--num-calibration-samples", 4, "--max-seq-length", 32, "--quiet")
    oneshot(model=model, recipe=CALIBRATION_RECIPE, output_dir=folder / "memory", dataset=dataset, tokenizer=tokenizer,
            num_calibration_samples=4, max_seq_length=32, progress=False)
    assert same_files(folder / "cli", folder / "memory") == []
    assert "tokenizer.json" in os.listdir(folder / "memory")


def test_the_model_in_memory_is_not_written_to_disk(folder, monkeypatch):
    from safetensors import torch as safetensors_torch

    writes = []
    monkeypatch.setattr(safetensors_torch, "save_file", lambda tensors, *a, **k: writes.append(len(tensors)))
    oneshot(model=tiny_llama(), recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "memory", progress=False)
    assert all(count == 0 for count in writes)
