"""CompressCheckpointCallback compresses every checkpoint a Trainer saves, beside it, in the background."""

import os

import pytest

from conftest import RECIPES
from swift_llm_compressor import verify
from swift_llm_compressor.integrations import CompressCheckpointCallback

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


class TokenBatches(torch.utils.data.Dataset):
    """Random token sequences: a language-modelling task for a few CPU steps."""

    def __init__(self, count: int, length: int, vocabulary: int):
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, vocabulary, (count, length), generator=generator)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return {"input_ids": self.ids[index], "labels": self.ids[index]}


def train(folder, callback, steps: int = 6, save_steps: int = 2):
    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=256, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    model = transformers.LlamaForCausalLM(config)
    arguments = transformers.TrainingArguments(output_dir=str(folder), max_steps=steps, save_steps=save_steps, per_device_train_batch_size=2,
                                               logging_steps=steps, report_to=[], use_cpu=True)
    trainer = transformers.Trainer(model=model, args=arguments, train_dataset=TokenBatches(16, 32, 256),
                                   callbacks=[callback] if callback else [])
    trainer.train()
    return trainer


def test_each_saved_checkpoint_gets_a_compressed_sibling_that_verifies(folder):
    callback = CompressCheckpointCallback(RECIPES / "fp8_dynamic.yaml")
    train(folder, callback)
    assert callback.failures == []
    for step in (2, 4, 6):
        compressed = folder / f"checkpoint-{step}-FP8_DYNAMIC"
        assert str(compressed) in callback.compressed
        report = verify(compressed, against=folder / f"checkpoint-{step}", max_relative_rms=0.05)
        assert report.passed, report.problems
    assert sorted(name for name in os.listdir(folder) if name.endswith("-FP8_DYNAMIC")) == [
        "checkpoint-2-FP8_DYNAMIC", "checkpoint-4-FP8_DYNAMIC", "checkpoint-6-FP8_DYNAMIC"]


def test_a_failure_is_reported_not_raised_into_training(folder):
    callback = CompressCheckpointCallback("QuantizationModifier:\n  schme: FP8_DYNAMIC\n", background=False)
    train(folder, callback, steps=2, save_steps=2)
    assert len(callback.failures) == 1
    checkpoint, message = callback.failures[0]
    assert checkpoint == str(folder / "checkpoint-2")
    assert "did you mean 'scheme'" in message
    assert not (folder / "checkpoint-2-FP8_DYNAMIC").exists()
