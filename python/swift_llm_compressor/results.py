"""What the calls return: the C ABI's result JSON as typed objects (the JSON stays in `.raw`)."""

from dataclasses import dataclass, field
from typing import List, Optional


def _pick(cls, data: dict, **renamed):
    """An instance of the dataclass `cls` from `data`, keys it does not know left in `raw`."""
    names = {f.name for f in cls.__dataclass_fields__.values()} - {"raw"}
    values = {name: data.get(renamed.get(name, name)) for name in names}
    return cls(**values, raw=data)


@dataclass
class OneshotSummary:
    """What a oneshot run did."""
    output_dir: str
    tensors_quantized: int
    tensors_copied: int
    bytes_in: int
    bytes_out: int
    shards: int
    files_copied: List[str]
    ignore: List[str]
    seconds: float
    compression_ratio: float
    raw: dict = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> "OneshotSummary":
        return _pick(cls, data, output_dir="output")


@dataclass
class Problem:
    """One thing wrong with a checkpoint: the tensor and what is wrong."""
    tensor: str
    message: str

    def __str__(self) -> str:
        return f"{self.tensor}: {self.message}"


@dataclass
class LayerError:
    """A quantized layer, and with `against`, how far its dequantized weight is from the original."""
    module: str
    group: str
    format: str
    shape: List[int]
    max_abs_error: Optional[float]
    relative_rms_error: Optional[float]


@dataclass
class VerificationReport:
    """`compress verify --json` as an object: `passed` when `problems` is empty."""
    checkpoint: str
    against: Optional[str]
    passed: bool
    format: Optional[str]
    tensors: int
    layers: List[LayerError]
    copied_tensors: int
    identical_to_original: Optional[int]
    problems: List[Problem]
    raw: dict = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> "VerificationReport":
        report = _pick(cls, data)
        report.layers = [LayerError(**{k: layer.get(k) for k in LayerError.__dataclass_fields__}) for layer in data.get("layers", [])]
        report.problems = [Problem(p["tensor"], p["message"]) for p in data.get("problems", [])]
        return report

    @property
    def worst_layer(self) -> Optional[LayerError]:
        """The layer with the largest relative RMS error (measured only with `against`)."""
        measured = [layer for layer in self.layers if layer.relative_rms_error is not None]
        return max(measured, key=lambda layer: layer.relative_rms_error, default=None)


@dataclass
class PerplexityReport:
    """`compress eval --json` as an object."""
    perplexity: float
    mean_negative_log_likelihood: float
    windows: int
    context: int
    scored: str
    scored_tokens: int
    text_tokens: int
    seconds: float
    tokens_per_second: float
    products: str  # what layers stored in bf16 multiplied: "split" or "float32", as `compress eval` says
    raw: dict = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> "PerplexityReport":
        return _pick(cls, data)
