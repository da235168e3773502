"""oneshot on a transformers model in memory: its tensors are handed to the Swift library by
pointer (llmc_oneshot_tensors), as save_pretrained would write them, without writing them."""

import ctypes
import json
import os
import tempfile

from . import _call, _library

#: torch dtype name -> safetensors dtype name.
DTYPES = {
    "bfloat16": "BF16", "float16": "F16", "float32": "F32", "float64": "F64",
    "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
    "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2",
}


def is_in_memory_model(model) -> bool:
    """Whether `model` is a model object (a torch module with a state dict and a config)."""
    return not isinstance(model, (str, bytes, os.PathLike)) and hasattr(model, "state_dict") and hasattr(model, "config")


def saved_state_dict(model) -> dict:
    """The tensors save_pretrained would write: tied duplicates removed and weight renamings
    reverted with transformers' own functions, each tensor on the CPU and contiguous (a copy only
    where it is not already so)."""
    state = model.state_dict()
    try:
        from transformers import modeling_utils
    except ImportError:
        modeling_utils = None
    remove_tied = getattr(modeling_utils, "remove_tied_weights_from_state_dict", None)
    if remove_tied is not None:
        state = remove_tied(state, model)
    revert = getattr(modeling_utils, "revert_weight_conversion", None)
    if revert is not None:
        state = revert(model, state)
    return {name: tensor.detach().cpu().contiguous() for name, tensor in state.items()}


def safetensors_order(state: dict) -> list:
    """The names of `state` in the order a safetensors file of them holds their data (by dtype,
    then by name), found by serializing one-element stand-ins with safetensors itself."""
    import torch
    from safetensors.torch import save

    standins = {name: torch.zeros(1, dtype=tensor.dtype) for name, tensor in state.items()}
    blob = save(standins)
    header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
    header.pop("__metadata__", None)
    return sorted(header, key=lambda name: header[name]["data_offsets"][0])


def write_other_files(model, folder: str, tokenizer) -> None:
    """config.json, generation_config.json (and the tokenizer's files) as save_pretrained writes
    them: save_pretrained itself with an empty state dict, its empty weights file removed."""
    model.save_pretrained(folder, state_dict={})
    for name in os.listdir(folder):
        if name.endswith(".safetensors") or name == "model.safetensors.index.json":
            os.remove(os.path.join(folder, name))
    if tokenizer is not None and hasattr(tokenizer, "save_pretrained"):
        tokenizer.save_pretrained(folder)


def run_in_memory(model, options: dict, on_event, tokenizer=None) -> dict:
    """llmc_oneshot_tensors over `model`'s tensors, read in place; `tokenizer` (a transformers
    tokenizer) is saved beside its config, so that calibration tokenizes with it and the output
    carries it, as llm-compressor's does."""
    state = saved_state_dict(model)
    names = safetensors_order(state)
    records = (_library.Tensor * len(names))()
    keep = []  # the name and shape buffers, alive until the call returns
    for record, name in zip(records, names):
        tensor = state[name]
        dtype = DTYPES.get(str(tensor.dtype).replace("torch.", ""))
        if dtype is None:
            raise TypeError(f"tensor '{name}' has dtype {tensor.dtype}, which safetensors checkpoints do not hold")
        shape = (ctypes.c_int64 * tensor.dim())(*tensor.shape)
        encoded = name.encode("utf-8")
        keep.append((encoded, shape))
        record.name = encoded
        record.dtype = dtype.encode()
        record.shape = shape
        record.rank = tensor.dim()
        record.data = tensor.data_ptr()
        record.byte_length = tensor.numel() * tensor.element_size()
    with tempfile.TemporaryDirectory(prefix="swift-llm-compressor-model-") as folder:
        write_other_files(model, folder, tokenizer)
        options = dict(options, model=folder)
        return _call.run("llmc_oneshot_tensors", options, on_event, arguments=(ctypes.cast(records, ctypes.c_void_p), len(names)))
