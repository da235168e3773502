"""Writes the sample-selection fixtures: Tests/Fixtures/calibration/chat.jsonl (conversations in
`messages` records) and Tests/Fixtures/calibration/sample-selection-reference.json, the token ids of the
calibration samples llm-compressor 0.14 prepares from that file with the SmolLM2 tokenizer of
Tests/Fixtures/smollm2-tokenizer, and from Tests/Fixtures/calibration/text.txt read by datasets' text
loader (blank lines filtered out). Run from the package root with the reference venv (never in CI):

    /work/venv-llmc/bin/python scripts/make-sample-selection-reference.py

Each case selects as llm-compressor's examples do, `load_dataset("json", ...).shuffle(seed=SEED)
.select(range(N))` (no shuffle: `.select(range(N))`), and tokenizes with llm-compressor's own dataset
preprocessing (`get_processed_dataset` with a `preprocessing_func` that renders `messages` with
`apply_chat_template(messages, tokenize=False)`, then `TextGenerationDataset.tokenize`: special tokens
added, `truncation=True` at `max_seq_length`, or at the tokenizer's `model_max_length` when None). The
script also checks that llm-compressor's calibration dataloader yields exactly those samples (in an
order of its own: its RandomSampler is not seeded).
"""
import json
import os

from datasets import load_dataset
from transformers import AutoTokenizer

from llmcompressor.args import DatasetArguments
from llmcompressor.datasets.utils import format_calibration_data, get_processed_dataset

FIXTURES = os.path.join("Tests", "Fixtures")
DATA = os.path.join(FIXTURES, "calibration", "chat.jsonl")
CASES = [
    {"samples": 8, "seed": 42, "shuffle": True, "max_seq_length": 96},
    {"samples": 5, "seed": 1234, "shuffle": True, "max_seq_length": 100000},
    {"samples": 100, "seed": 7, "shuffle": True, "max_seq_length": 128},
    {"samples": 4, "seed": 42, "shuffle": False, "max_seq_length": 64},
]
TEXT_CASES = [
    {"samples": 12, "seed": 42, "shuffle": True, "max_seq_length": 24},
    {"samples": 5, "seed": 3, "shuffle": False, "max_seq_length": 100000},
]


def write_conversations():
    lines = [line.strip() for line in open(os.path.join(FIXTURES, "text", "GPL-3"), encoding="utf-8") if line.strip()]
    records = []
    for i in range(37):
        a, b, c = lines[(3 * i) % len(lines)], lines[(3 * i + 1) % len(lines)], lines[(7 * i + 2) % len(lines)]
        messages = []
        if i % 3 == 0:
            messages.append({"role": "system", "content": "You answer questions about licenses."})
        messages.append({"role": "user", "content": f"What does this mean? {a}"})
        messages.append({"role": "assistant", "content": f"{b} {c}" * (1 + i % 4)})
        if i % 5 == 1:
            messages.append({"role": "user", "content": "Thanks — ¿y en español? 日本語では?"})
            messages.append({"role": "assistant", "content": "Sí. はい。"})
        records.append(json.dumps({"id": i, "messages": messages}, ensure_ascii=False))
    with open(DATA, "w", encoding="utf-8") as f:
        f.write("\n".join(records) + "\n")


write_conversations()
tokenizer = AutoTokenizer.from_pretrained(os.path.join(FIXTURES, "smollm2-tokenizer"))


def render(row):
    return {"text": tokenizer.apply_chat_template(row["messages"], tokenize=False)}


def prepared(rows, case, preprocessing_func=None):
    """The input_ids llm-compressor's preprocessing gives `rows` after the examples' selection."""
    if case["shuffle"]:
        rows = rows.shuffle(seed=case["seed"])
    rows = rows.select(range(min(case["samples"], len(rows))))
    args = DatasetArguments(dataset=rows, preprocessing_func=preprocessing_func, max_seq_length=case["max_seq_length"],
                            num_calibration_samples=case["samples"], shuffle_calibration_samples=case["shuffle"])
    processed = get_processed_dataset(args, tokenizer)
    ids = [list(sample) for sample in processed["input_ids"]]
    loaded = [batch["input_ids"][0].tolist() for batch in format_calibration_data(args, processed, tokenizer)]
    assert sorted(loaded) == sorted(ids), case
    return {**case, "input_ids": ids}


results = [prepared(load_dataset("json", data_files=DATA, split="train"), case, render) for case in CASES]
lines = load_dataset("text", data_files=os.path.join(FIXTURES, "calibration", "text.txt"), split="train")
lines = lines.filter(lambda row: row["text"].strip() != "")
text_results = [prepared(lines, case) for case in TEXT_CASES]

with open(os.path.join(FIXTURES, "calibration", "sample-selection-reference.json"), "w") as f:
    json.dump({"file": "chat.jsonl", "cases": results, "text_file": "text.txt", "text_cases": text_results}, f)
    f.write("\n")
print("wrote", len(results), "+", len(text_results), "cases")
