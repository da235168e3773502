"""Loads libLLMCompressorC.so and declares the C functions of llm_compressor.h for ctypes."""

import ctypes
import os
import threading
from pathlib import Path

LIBRARY_NAME = "libLLMCompressorC.so"

#: llmc_progress_fn: void (*)(void *context, const char *event_json)
PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)

_STRING_OUT = ctypes.POINTER(ctypes.POINTER(ctypes.c_char))
_loaded = None
_lock = threading.Lock()


def library_path() -> Path:
    """The library shipped in the package, or the one SWIFT_LLM_COMPRESSOR_LIBRARY names."""
    override = os.environ.get("SWIFT_LLM_COMPRESSOR_LIBRARY")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "_lib" / LIBRARY_NAME


def load() -> ctypes.CDLL:
    """The library, loaded once, with every function's argument and result types declared."""
    global _loaded
    with _lock:
        if _loaded is None:
            path = library_path()
            if not path.is_file():
                raise ImportError(f"swift_llm_compressor: {path} is missing; reinstall the package "
                                  f"(pip install ./python builds it) or set SWIFT_LLM_COMPRESSOR_LIBRARY")
            lib = ctypes.CDLL(str(path))
            _declare(lib)
            _loaded = lib
        return _loaded


def _declare(lib: ctypes.CDLL) -> None:
    lib.llmc_version.argtypes = []
    lib.llmc_version.restype = ctypes.c_char_p
    lib.llmc_free.argtypes = [ctypes.POINTER(ctypes.c_char)]
    lib.llmc_free.restype = None
    lib.llmc_cancel_new.argtypes = []
    lib.llmc_cancel_new.restype = ctypes.c_void_p
    for name in ("llmc_cancel_set", "llmc_cancel_free"):
        getattr(lib, name).argtypes = [ctypes.c_void_p]
        getattr(lib, name).restype = None
    lib.llmc_cancel_is_set.argtypes = [ctypes.c_void_p]
    lib.llmc_cancel_is_set.restype = ctypes.c_int32
    for name in ("llmc_oneshot", "llmc_perplexity"):
        function = getattr(lib, name)
        function.argtypes = [ctypes.c_char_p, PROGRESS, ctypes.c_void_p, ctypes.c_void_p, _STRING_OUT]
        function.restype = ctypes.c_int32
    lib.llmc_oneshot_tensors.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int64, PROGRESS, ctypes.c_void_p,
                                         ctypes.c_void_p, _STRING_OUT]
    lib.llmc_oneshot_tensors.restype = ctypes.c_int32
    for name in ("llmc_verify", "llmc_inspect"):
        function = getattr(lib, name)
        function.argtypes = [ctypes.c_char_p, _STRING_OUT]
        function.restype = ctypes.c_int32


def take_string(pointer) -> str:
    """The text of a string the library handed back, which is then freed."""
    if not pointer:
        return ""
    try:
        return ctypes.string_at(pointer).decode("utf-8", errors="replace")
    finally:
        load().llmc_free(pointer)


class Tensor(ctypes.Structure):
    """llmc_tensor: one tensor held in memory, read in place by llmc_oneshot_tensors."""
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("dtype", ctypes.c_char_p),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("rank", ctypes.c_int64),
        ("data", ctypes.c_void_p),
        ("byte_length", ctypes.c_int64),
    ]
