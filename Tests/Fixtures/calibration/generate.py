"""Regenerates the calibration data fixtures in this folder (run from the package root with a Python that
has transformers 5, and the `zstd` command):

    python3 Tests/Fixtures/calibration/generate.py

- text.txt: the first 120 lines of ../text/GPL-3 and a few multilingual lines; text.txt.zst: it, compressed.
- records.jsonl: `text` and `messages` records, blank lines, a CRLF line, extra fields, a record with both
  `text` and `messages`; records.jsonl.zst: it, compressed.
- reference.json: the ids transformers gives, tokenizing as llm-compressor 0.14 does
  (`tokenizer(text, truncation=True, max_length=N, padding=False)`, special tokens added by default; messages
  rendered first with `apply_chat_template(messages, tokenize=False, add_generation_prompt=False)`):
  `smollm2_records` (../smollm2-tokenizer, max_length 32, one list per record), `smollm2_text` and
  `byte_level_bpe_text` (the whole of text.txt, ../smollm2-tokenizer and ../tokenizers/byte-level-bpe, which
  adds a BOS).
"""
import json
import os
import subprocess

from transformers import AutoTokenizer, PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
MAX_LENGTH = 32

gpl = open(os.path.join(FIXTURES, "text", "GPL-3"), encoding="utf-8").read().split("\n")
text = "\n".join(gpl[:120]) + "\nÜnïcödé café naïve résumé — “quotes” déjà vu.\n日本語のテキストと中文。\n"
with open(os.path.join(HERE, "text.txt"), "w", encoding="utf-8") as f:
    f.write(text)

records = [
    '{"text": "The GNU General Public License is a free, copyleft license for software."}',
    "",
    json.dumps({"text": " ".join(gpl[10:16])}),
    json.dumps({"messages": [{"role": "user", "content": "What is free software?"},
                             {"role": "assistant", "content": "Software that respects the freedom of its users."}]}),
    json.dumps({"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}]}),
    "   \t",
    json.dumps({"id": 7, "text": "Ünïcödé café naïve résumé — “quotes” déjà vu. 日本語のテキスト"}, ensure_ascii=False),
    json.dumps({"text": "Text wins over messages.", "messages": [{"role": "user", "content": "ignored"}]}) + "\r",
    json.dumps({"text": "line one\nline two\n\n\tindented"}),
]
with open(os.path.join(HERE, "records.jsonl"), "w", encoding="utf-8") as f:
    f.write("\n".join(records) + "\n")

for name in ["text.txt", "records.jsonl"]:
    subprocess.run(["zstd", "-q", "-f", "-19", os.path.join(HERE, name), "-o", os.path.join(HERE, name + ".zst")], check=True)

smollm2 = AutoTokenizer.from_pretrained(os.path.join(FIXTURES, "smollm2-tokenizer"))
byte_level = PreTrainedTokenizerFast(tokenizer_file=os.path.join(FIXTURES, "tokenizers", "byte-level-bpe", "tokenizer.json"))


def record_ids(line):
    if not line.strip():
        return None
    record = json.loads(line)
    if "text" in record:
        sample = record["text"]
    elif record["messages"]:
        sample = smollm2.apply_chat_template(record["messages"], tokenize=False, add_generation_prompt=False)
    else:
        return None
    if not sample:
        return None
    return smollm2(sample, truncation=True, max_length=MAX_LENGTH, padding=False)["input_ids"]


reference = {
    "max_length": MAX_LENGTH,
    "smollm2_records": [ids for ids in map(record_ids, records) if ids is not None],
    "smollm2_text": smollm2(text)["input_ids"],
    "byte_level_bpe_text": byte_level(text)["input_ids"],
}
with open(os.path.join(HERE, "reference.json"), "w") as f:
    json.dump(reference, f)
    f.write("\n")
