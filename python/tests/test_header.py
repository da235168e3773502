"""llm_compressor.h declares what the library exports: a C program compiled against the header
links with the shipped library and runs, and ctypes lays out llmc_tensor as the header does."""

import ctypes
import shutil
import subprocess

import pytest

from conftest import REPOSITORY, TINY_LLAMA
from swift_llm_compressor import _library

HEADER_FOLDER = REPOSITORY / "Sources" / "CompressorC" / "include"
PROGRAM = r"""
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "llm_compressor.h"

int main(int argc, char **argv) {
    if (sizeof(llmc_tensor) != 48 || offsetof(llmc_tensor, data) != 32) return 10;
    char options[4096], *result = NULL;
    snprintf(options, sizeof options, "{\"path\": \"%s\"}", argv[1]);
    int32_t status = llmc_inspect(options, &result);
    printf("%s %d %s\n", llmc_version(), status, result);
    llmc_free(result);
    llmc_cancel *cancel = llmc_cancel_new();
    llmc_cancel_set(cancel);
    int32_t set = llmc_cancel_is_set(cancel);
    llmc_cancel_free(cancel);
    status = llmc_oneshot("{\"model\": 1}", NULL, NULL, NULL, &result);
    printf("%d %d %s\n", set, status, result);
    llmc_free(result);
    return 0;
}
"""


def test_a_c_program_built_against_the_header_calls_the_library(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler")
    library = _library.library_path()
    (tmp_path / "program.c").write_text(PROGRAM)
    subprocess.run([compiler, "-std=c11", "-Wall", "-Werror", "-I", str(HEADER_FOLDER), str(tmp_path / "program.c"),
                    str(library), "-Wl,-rpath," + str(library.parent), "-o", str(tmp_path / "program")], check=True)
    lines = subprocess.run([str(tmp_path / "program"), str(TINY_LLAMA)], check=True, capture_output=True, text=True).stdout.splitlines()
    version, status, report = lines[0].split(" ", 2)
    assert version == _library.load().llmc_version().decode() and status == "0" and '"model_type":"llama"' in report
    assert lines[1] == "1 64 oneshot: the option 'model' must be a string, got a number"


def test_ctypes_lays_out_llmc_tensor_as_the_header():
    assert ctypes.sizeof(_library.Tensor) == 48
    assert _library.Tensor.data.offset == 32 and _library.Tensor.byte_length.offset == 40
