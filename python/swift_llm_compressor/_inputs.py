"""Turns oneshot's Python arguments into the C ABI's options: recipes, datasets, tokenizers."""

import json
import os
import tempfile
from pathlib import Path


def recipe_options(recipe) -> dict:
    """`recipe` as the C ABI takes it: a YAML file ("recipe") or YAML text ("recipe_yaml").

    Accepts a path (str or os.PathLike) to a YAML file, YAML text, a modifier object of
    `swift_llm_compressor.modifiers`, or a list of them (applied in order, as one stage).
    """
    from .modifiers import Modifier, render_recipe

    if isinstance(recipe, Modifier) or (isinstance(recipe, (list, tuple)) and recipe and all(isinstance(m, Modifier) for m in recipe)):
        return {"recipe_yaml": render_recipe(recipe)}
    if isinstance(recipe, os.PathLike):
        return {"recipe": os.fspath(recipe)}
    if isinstance(recipe, str):
        if "\n" not in recipe and (os.path.isfile(recipe) or recipe.endswith((".yaml", ".yml"))):
            return {"recipe": recipe}
        return {"recipe_yaml": recipe}
    raise TypeError(f"recipe must be a YAML path, YAML text or modifier objects, got {type(recipe).__name__}")


class _OptionsWithFolder:
    """Options for the C ABI, and a temporary folder some of them point into (removed by `close`)."""

    def __init__(self):
        self.options = {}
        self._folder = None

    def _temporary_folder(self, prefix: str) -> str:
        self._folder = tempfile.TemporaryDirectory(prefix=prefix)
        return self._folder.name

    def close(self):
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


class DatasetOptions(_OptionsWithFolder):
    """`dataset` as the C ABI takes it, with any temporary file it needed (removed by `close`).

    - a path (str or os.PathLike): a .txt / .jsonl file (optionally .zst), as `compress --dataset`;
    - a list of strings: each a sample, tokenized with the tokenizer and cut to max_seq_length
      (written to a temporary JSON Lines file of {"text": ...} records, drawn as a file is);
    - a list of token-id lists (lists, tuples, numpy arrays or torch tensors): used in the order given;
    - records with a "text" or an "input_ids" field (a Hugging Face dataset), as their texts or ids.
    """

    def __init__(self, dataset):
        super().__init__()
        if dataset is None:
            return
        if isinstance(dataset, (str, os.PathLike)):
            self.options["dataset"] = os.fspath(dataset)
            return
        # Records of a Hugging Face dataset: {"text": ...} is a text, {"input_ids": ...} token ids.
        samples = [s["text"] if isinstance(s, dict) and "text" in s and "input_ids" not in s else s for s in dataset]
        if not samples:
            raise ValueError("dataset is an empty list")
        if all(isinstance(sample, str) for sample in samples):
            path = Path(self._temporary_folder("swift-llm-compressor-dataset-")) / "dataset.jsonl"
            with open(path, "w", encoding="utf-8") as file:
                for text in samples:
                    file.write(json.dumps({"text": text}) + "\n")
            self.options["dataset"] = str(path)
            return
        self.options["calibration_samples"] = [token_ids(sample, index) for index, sample in enumerate(samples)]


def token_ids(sample, index: int) -> list:
    """One sample's token ids as a list of ints."""
    if hasattr(sample, "tolist"):
        sample = sample.tolist()
    if isinstance(sample, dict) and "input_ids" in sample:
        return token_ids(sample["input_ids"], index)
    if not isinstance(sample, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in sample):
        raise TypeError(f"dataset[{index}] is neither a string nor a list of token ids")
    return list(sample)


class TokenizerOptions(_OptionsWithFolder):
    """`tokenizer` as the C ABI takes it: a folder or tokenizer.json path, or a transformers
    tokenizer saved to a temporary folder (removed by `close`)."""

    def __init__(self, tokenizer):
        super().__init__()
        if tokenizer is None:
            return
        if isinstance(tokenizer, (str, os.PathLike)):
            self.options["tokenizer"] = os.fspath(tokenizer)
        elif hasattr(tokenizer, "save_pretrained"):
            folder = self._temporary_folder("swift-llm-compressor-tokenizer-")
            tokenizer.save_pretrained(folder)
            self.options["tokenizer"] = folder
        else:
            raise TypeError(f"tokenizer must be a path or a transformers tokenizer, got {type(tokenizer).__name__}")
