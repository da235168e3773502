#!/usr/bin/env python3
"""Wall and CPU time of a short CPU training run that saves 3 checkpoints, with and without
CompressCheckpointCallback (FP8_DYNAMIC, in the background), alternating runs; and the seconds the
three compressions took. CPU time (all threads of the process) is steadier than wall time on a
shared machine.

    pip install ./python torch transformers accelerate
    python3 scripts/python-trainer-overhead.py [--runs 2] [--steps 30]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
import transformers

from swift_llm_compressor.integrations import CompressCheckpointCallback

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "fp8_dynamic.yaml"


class RandomTokens(torch.utils.data.Dataset):
    def __init__(self, count, length, vocabulary):
        self.ids = torch.randint(0, vocabulary, (count, length), generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return {"input_ids": self.ids[index], "labels": self.ids[index]}


def train(steps: int, with_callback: bool) -> dict:
    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=4096, hidden_size=256, intermediate_size=768, num_hidden_layers=4,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)
    model = transformers.LlamaForCausalLM(config)
    with tempfile.TemporaryDirectory() as folder:
        callbacks = [CompressCheckpointCallback(RECIPE)] if with_callback else []
        arguments = transformers.TrainingArguments(output_dir=folder, max_steps=steps, save_steps=steps // 3, per_device_train_batch_size=4,
                                                   logging_steps=steps, report_to=[], use_cpu=True, disable_tqdm=True)
        trainer = transformers.Trainer(model=model, args=arguments, train_dataset=RandomTokens(64, 128, 4096), callbacks=callbacks)
        start, cpu = time.perf_counter(), time.process_time()
        trainer.train()
        result = {"wall": round(time.perf_counter() - start, 2), "cpu": round(time.process_time() - cpu, 2)}
        if with_callback:
            assert len(callbacks[0].compressed) == 3, callbacks[0].failures
            result["compressing"] = round(callbacks[0].seconds, 3)
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    arguments = parser.parse_args()
    runs = {"without": [], "with": []}
    for _ in range(arguments.runs):
        runs["without"].append(train(arguments.steps, False))
        runs["with"].append(train(arguments.steps, True))
    best = {kind: {key: min(r[key] for r in results) for key in ("wall", "cpu")} for kind, results in runs.items()}
    print(json.dumps({"runs": runs, "wall_overhead_of_best": f"{best['with']['wall'] / best['without']['wall'] - 1:+.1%}",
                      "cpu_overhead_of_best": f"{best['with']['cpu'] / best['without']['cpu'] - 1:+.1%}"}))


if __name__ == "__main__":
    main()
