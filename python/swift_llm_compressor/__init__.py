"""llm-compressor's `oneshot` for training scripts, backed by the native Swift compressor.

    from swift_llm_compressor import oneshot
    oneshot(model="./checkpoint", recipe="recipes/fp8_dynamic.yaml", output_dir="./checkpoint-FP8")

The work runs in the Swift library (libLLMCompressorC.so, loaded with ctypes): no PyTorch is
needed, the GIL is released while it works, and Ctrl-C cancels a run without leaving output.
"""

from ._api import inspect, oneshot, perplexity, verify, version
from .errors import CompressionError
from .results import LayerError, OneshotSummary, PerplexityReport, Problem, VerificationReport

__all__ = [
    "CompressionError", "LayerError", "OneshotSummary", "PerplexityReport", "Problem", "VerificationReport",
    "inspect", "oneshot", "perplexity", "verify", "version",
]
__version__ = "0.1.0"
