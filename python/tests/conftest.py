"""Shared fixtures: the repository's test models and the `compress` binary to compare with."""

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / "Tests" / "Fixtures"
TINY_LLAMA = FIXTURES / "tiny-llama"
CALIBRATION_MODEL = FIXTURES / "models" / "llama_calib"
RECIPES = REPOSITORY / "recipes"
CALIBRATION_RECIPE = """\
QuantizationModifier:
  ignore: [lm_head]
  scheme: FP8
  kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}
"""


def compress_binary() -> str:
    """COMPRESS_BINARY, else the `compress` that `swift build` left in the repository."""
    if os.environ.get("COMPRESS_BINARY"):
        return os.environ["COMPRESS_BINARY"]
    for configuration in ("debug", "release"):
        candidate = REPOSITORY / ".build" / configuration / "compress"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("compress")
    if found is None:
        pytest.skip("no compress binary: run `swift build` first or set COMPRESS_BINARY")
    return found


def run_cli(*arguments) -> subprocess.CompletedProcess:
    """`compress ARGUMENTS...`, which must succeed."""
    result = subprocess.run([compress_binary(), *map(str, arguments)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def same_files(left: Path, right: Path, names=None) -> list:
    """Files of `left` and `right` that differ or are missing in one (all files, or `names`)."""
    names = sorted(set(os.listdir(left)) | set(os.listdir(right))) if names is None else names
    return [name for name in names
            if not ((left / name).is_file() and (right / name).is_file() and filecmp.cmp(left / name, right / name, shallow=False))]


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path
