"""oneshot, verify, inspect and perplexity: llm-compressor's keyword names over the C ABI."""

import os
from pathlib import Path
from typing import Callable, Optional, Union

from . import _call
from ._inputs import DatasetOptions, TokenizerOptions, recipe_options
from ._progress import Progress
from .results import OneshotSummary, PerplexityReport, VerificationReport

ProgressArgument = Union[bool, Callable[[dict], None]]


def oneshot(model, recipe, output_dir, dataset=None, num_calibration_samples: int = 512,
            max_seq_length: Optional[int] = None, shuffle_calibration_samples: bool = True, seed: int = 42,
            tokenizer=None, overwrite: bool = False,
            threads: Optional[int] = None, progress: ProgressArgument = True, max_shard_size: Union[str, int] = "5GB",
            allow_nonfinite: bool = False, text_samples: str = "lines", moe_calibrate_all_experts: bool = True,
            calibration_dtype: str = "auto") -> OneshotSummary:
    """Applies `recipe` to `model` and writes a compressed-tensors checkpoint to `output_dir`,
    as llm-compressor's `oneshot` does, with the native Swift compressor.

    model: a checkpoint folder (config.json + safetensors), or a transformers model in memory
        (its state dict is read in place, by pointer; nothing of it is written to disk).
    recipe: a YAML file, YAML text, or modifier objects (`swift_llm_compressor.modifiers`).
    dataset: calibration data, for recipes that need it: a .txt/.jsonl file (optionally .zst),
        a list of strings, or a list of token-id lists.
    max_seq_length: tokens per sample, at most; None for the tokenizer's model_max_length, else no limit.
    text_samples: "lines" (a sample per line of a .txt, as llm-compressor) or "windows" (the whole text cut
        into windows of max_seq_length tokens).
    tokenizer: tokenizes a dataset of text: a folder or a transformers tokenizer; default the model's.
    progress: True shows a tqdm bar when tqdm is installed; a callable gets each progress event.
    moe_calibrate_all_experts: calibrate every expert of a mixture-of-experts model on every token
        (True, as llm-compressor), or each expert on the tokens routed to it.
    calibration_dtype: what calibration's forward multiplies in, as the torch_dtype of the model
        llm-compressor calibrates: "auto" (the checkpoint's: bf16 layers multiply inputs rounded to
        bf16, summing in f32, and GPTQ's Hessians take those rounded inputs) or "float32" (every
        product in f32).

    Returns the run's summary. Raises CompressionError with the tool's one-line message when the
    run fails; Ctrl-C cancels the run, leaves no output and raises KeyboardInterrupt.
    """
    from ._memory import is_in_memory_model, run_in_memory

    options = {
        "output_dir": os.fspath(output_dir), "num_calibration_samples": num_calibration_samples,
        "max_seq_length": max_seq_length, "shuffle_calibration_samples": shuffle_calibration_samples, "seed": seed,
        "text_samples": text_samples,
        "overwrite": overwrite, "threads": threads, "max_shard_size": max_shard_size, "allow_nonfinite": allow_nonfinite,
        "moe_calibrate_all_experts": moe_calibrate_all_experts, "calibration_dtype": calibration_dtype,
    }
    options.update(recipe_options(recipe))
    in_memory = is_in_memory_model(model)
    saved_tokenizer = tokenizer if in_memory and hasattr(tokenizer, "save_pretrained") else None
    data = DatasetOptions(dataset)
    tokens = TokenizerOptions(None if saved_tokenizer is not None else tokenizer)
    bar = Progress(progress, "oneshot", "B")
    try:
        options.update(data.options)
        options.update(tokens.options)
        if in_memory:
            result = run_in_memory(model, options, bar, saved_tokenizer)
        else:
            options["model"] = os.fspath(model)
            result = _call.run("llmc_oneshot", options, bar)
    finally:
        bar.close()
        data.close()
        tokens.close()
    return OneshotSummary.from_json(result)


def verify(path, against=None, max_relative_rms: Optional[float] = None, max_abs_error: Optional[float] = None,
           threads: Optional[int] = None) -> VerificationReport:
    """Checks a compressed checkpoint against its quantization_config and, with `against`, its
    original (each layer's errors; copied tensors byte-identical): `compress verify`.
    Problems found are in the report (`passed`, `problems`); an unreadable checkpoint raises
    CompressionError."""
    options = {"path": os.fspath(path), "against": None if against is None else os.fspath(against),
               "max_relative_rms": max_relative_rms, "max_abs_error": max_abs_error, "threads": threads}
    return VerificationReport.from_json(_call.call("llmc_verify", options))


def inspect(path) -> dict:
    """What a checkpoint holds (architecture, files, tensors, quantization_config), from its headers."""
    return _call.call("llmc_inspect", {"path": os.fspath(path)})


def perplexity(model_dir, text, context: int = 512, windows: Optional[int] = None, threads: Optional[int] = None,
               progress: ProgressArgument = True, scored_tokens: str = "all-but-first",
               matmul_precision: str = "high") -> PerplexityReport:
    """Perplexity of the model in `model_dir` (bf16 or compressed) on `text`, a string or a
    pathlib.Path to a text file: non-overlapping windows of `context` tokens, each scored alone,
    at most `windows` of them: `compress eval`. `scored_tokens` "all-but-first" counts every token
    of a window but its first; "second-half" the tokens from position context/2 + 1 on, as
    llama.cpp's llama-perplexity counts them. `matmul_precision`, as torch.set_float32_matmul_precision:
    "high" splits the inputs of bf16 layers into bf16 and an int8 remainder on CPUs with AVX512_BF16
    (an error a few percent of bf16 rounding's); "highest" keeps every product f32."""
    if isinstance(text, Path):
        text = text.read_text(encoding="utf-8")
    bar = Progress(progress, "perplexity", "window")
    try:
        result = _call.run("llmc_perplexity", {"model": os.fspath(model_dir), "text": text, "context": context,
                                               "windows": windows, "threads": threads,
                                               "scored_tokens": scored_tokens, "matmul_precision": matmul_precision}, bar)
    finally:
        bar.close()
    return PerplexityReport.from_json(result)


def version() -> str:
    """The version of the Swift library's C ABI."""
    from . import _library
    return _library.load().llmc_version().decode()
