"""Train a tiny Llama on CPU for a few steps; every checkpoint the Trainer saves is compressed to
FP8 beside it by the Swift compressor, in the background; then the final model, still in memory,
is compressed with a GPTQ recipe calibrated on a few texts, and checked.

    pip install ./python torch transformers
    python python/examples/train_and_compress.py /tmp/tiny-run
"""

import sys
from pathlib import Path

import torch
import transformers

from swift_llm_compressor import oneshot, verify
from swift_llm_compressor.integrations import CompressCheckpointCallback
from swift_llm_compressor.modifiers import GPTQModifier

REPOSITORY = Path(__file__).resolve().parents[2]


class RandomTokens(torch.utils.data.Dataset):
    def __init__(self, count=32, length=64, vocabulary=904):
        self.ids = torch.randint(0, vocabulary, (count, length), generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return {"input_ids": self.ids[index], "labels": self.ids[index]}


def main(output: Path) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(REPOSITORY / "Tests/Fixtures/models/llama_calib")
    config = transformers.LlamaConfig(vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)
    model = transformers.LlamaForCausalLM(config)
    callback = CompressCheckpointCallback(REPOSITORY / "recipes/fp8_dynamic.yaml", suffix="-FP8_DYNAMIC")
    arguments = transformers.TrainingArguments(output_dir=str(output), max_steps=30, save_steps=10, per_device_train_batch_size=4,
                                               logging_steps=10, report_to=[], use_cpu=True)
    transformers.Trainer(model=model, args=arguments, train_dataset=RandomTokens(vocabulary=len(tokenizer)), callbacks=[callback]).train()
    print("compressed checkpoints:", *callback.compressed, sep="\n  ")
    for checkpoint, message in callback.failures:
        print(f"not compressed: {checkpoint}: {message}")

    texts = [line for line in (REPOSITORY / "Tests/Fixtures/calibration/text.txt").read_text().splitlines() if line.strip()]
    summary = oneshot(model=model.to(torch.bfloat16), tokenizer=tokenizer, dataset=texts[:64],
                      recipe=GPTQModifier(targets="Linear", scheme="W4A16", ignore=["lm_head"]),
                      output_dir=output / "final-W4A16", num_calibration_samples=64, max_seq_length=128, overwrite=True)
    print(f"wrote {summary.output_dir}: {summary.tensors_quantized} tensors quantized, "
          f"{summary.bytes_in} -> {summary.bytes_out} bytes in {summary.seconds:.2f} s")
    model.save_pretrained(output / "final-bf16")
    report = verify(summary.output_dir, against=output / "final-bf16", max_relative_rms=0.2)
    print("verify:", "passed" if report.passed else report.problems, f"(worst layer {report.worst_layer.module}: "
          f"{report.worst_layer.relative_rms_error:.3f})")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/swift-llm-compressor-example"))
