"""Regenerates the tokenizer fixtures in this folder with Hugging Face `tokenizers` (0.23):

    python3 Tests/Fixtures/tokenizers/generate.py   # from the package root

Trains two small BPE models on Tests/Fixtures/text/GPL-3 (plus a few multilingual lines), wraps
them in Llama-2/Mistral-style and Llama-3/Qwen-style pipelines, and records for each tokenizer the
ids the library gives for varied strings (with and without special tokens) and its decodings.
"""
import json
import os

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CORPUS = open(os.path.join(ROOT, "Tests", "Fixtures", "text", "GPL-3"), encoding="utf-8").read()
CORPUS += "\nÜnïcödé café naïve résumé — “quotes” déjà vu. Straße München Größe.\n日本語のテキストと中文。\n" * 3

LLAMA3_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

SAMPLES = [
    "",
    " ",
    "Hello world",
    "Hello, my name is",
    "  leading, trailing and   multiple   spaces  ",
    "line one\nline two\n\n\tindented\r\nwindows",
    "numbers 1234567 3.14159 -42 and 2024-06-01",
    "Ünïcödé café naïve résumé — “quotes” déjà vu",
    "e\u0301 decomposed vs \u00e9 composed, ﬁ ligature",
    "日本語のテキストと中文",
    "emoji 😀🚀 ZWJ 👩\u200d💻 flags 🇫🇷",
    "don't won't I'M WE'VE they'll",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "The GNU General Public License is a free, copyleft license for software.",
    "MixedCASE camelCase snake_case kebab-case",
    "URL https://example.com/path?q=1&r=2#frag",
    "tab\there \u00a0nbsp\u2003em-space\u3000ideographic",
    "control \u0001\u007f chars and private \ue000",
]


def special_samples(specials):
    a, b, c = specials[:3]
    return [
        f"{a}",
        f"{a}user\nhi there{b}",
        f"text before {a} and after{b}  more text {c}",
        f"{a}{a}{b}{c}",
        f"partial <|im_star and {a[:-1]} not special",
        f"  {a}  spaced  {b}  ",
    ]


def record(tok, samples):
    out = []
    for text in samples:
        plain = tok.encode(text, add_special_tokens=False).ids
        special = tok.encode(text, add_special_tokens=True).ids
        out.append({
            "text": text,
            "ids": plain,
            "ids_with_special_tokens": special,
            "decoded": tok.decode(plain, skip_special_tokens=False),
            "decoded_skipping_special": tok.decode(special, skip_special_tokens=True),
        })
    return out


def renumber_with_byte_tokens(tok, specials):
    """Puts the specials first and the 256 <0xXX> byte tokens after them, as Llama-2 does."""
    data = json.loads(tok.to_str())
    old = data["model"]["vocab"]
    vocab = {s: i for i, s in enumerate(specials)}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for token, _ in sorted(old.items(), key=lambda kv: kv[1]):
        if token not in vocab:
            vocab[token] = len(vocab)
    data["model"]["vocab"] = vocab
    data["added_tokens"] = [
        {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        for i, s in enumerate(specials)
    ]
    return Tokenizer.from_str(json.dumps(data))


def sentencepiece_bpe():
    specials = ["<unk>", "<s>", "</s>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=specials, limit_alphabet=90, show_progress=False)
    tok.train_from_iterator([CORPUS], trainer)
    tok = renumber_with_byte_tokens(tok, specials)
    # Llama-2: Prepend + Replace normalizer, no pre-tokenizer.
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = None
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    legacy = Tokenizer.from_str(tok.to_str())
    # Mistral / Llama-2 with legacy=False: Metaspace pre-tokenizer that prepends to the first piece only.
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    return {"sentencepiece-bpe": (legacy, specials), "sentencepiece-metaspace": (tok, specials)}


def byte_level_bpe():
    specials = ["<|begin_of_text|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    trainer = trainers.BpeTrainer(vocab_size=900, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([CORPUS], trainer)
    tok.normalizer = normalizers.NFC()
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A $B", special_tokens=[("<|begin_of_text|>", 0)]),
    ])
    # Added tokens with every flag: lstrip like RoBERTa's <mask>, rstrip, single_word, and a
    # normalized non-special token matched after NFC.
    tok.add_tokens([
        AddedToken("<mask>", lstrip=True, special=True, normalized=False),
        AddedToken("[END]", rstrip=True, special=True, normalized=False),
        AddedToken("cat", single_word=True, special=False, normalized=True),
        AddedToken("café", special=False, normalized=True),
    ])
    return {"byte-level-bpe": (tok, specials)}


def added_token_samples():
    return [
        "a <mask> b   <mask>c",
        "stop[END]   next [END]",
        "cat concat cat. scatter (cat)",
        "cafe\u0301 and café",
    ]


def main():
    made = {}
    made.update(sentencepiece_bpe())
    made.update(byte_level_bpe())
    for name, (tok, specials) in made.items():
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        tok.save(os.path.join(folder, "tokenizer.json"))
        samples = SAMPLES + special_samples(specials[1:] + specials[:1])
        if name == "byte-level-bpe":
            samples += added_token_samples()
        golden = {"generator": "tokenizers " + __import__("tokenizers").__version__, "cases": record(tok, samples)}
        with open(os.path.join(folder, "golden.json"), "w", encoding="utf-8") as f:
            json.dump(golden, f, ensure_ascii=False, indent=1)
            f.write("\n")
    smol = Tokenizer.from_file(os.path.join(ROOT, "Tests", "Fixtures", "smollm2-tokenizer", "tokenizer.json"))
    smol_samples = SAMPLES + special_samples(["<|im_start|>", "<|im_end|>", "<|endoftext|>"]) + [
        "<repo_name>x<file_sep>y<filename>z.py\n<gh_stars>10",
        "  \n\n  mixed \r\n whitespace\t\t end \n",
    ]
    os.makedirs(os.path.join(HERE, "smollm2"), exist_ok=True)
    with open(os.path.join(HERE, "smollm2", "golden.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tokenizers " + __import__("tokenizers").__version__, "cases": record(smol, smol_samples)}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
