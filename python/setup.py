"""Builds the Swift library (`swift build -c release --product LLMCompressorC`) and ships it in
the package, so that the wheel needs no Swift toolchain where it is installed.

Environment:
  SWIFT_LLM_COMPRESSOR_ROOT     the Swift package to build (default: the folder above this one)
  SWIFT_LLM_COMPRESSOR_LIBRARY  a libLLMCompressorC.so built already: shipped as it is, no build
  SWIFT                         the swift driver (default: `swift` on PATH)
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # wheel is a build requirement; without it no wheel is made anyway
    bdist_wheel = None

LIBRARY = "libLLMCompressorC.so"
HERE = Path(__file__).resolve().parent


def package_root() -> Path:
    root = Path(os.environ.get("SWIFT_LLM_COMPRESSOR_ROOT", HERE.parent)).resolve()
    if not (root / "Package.swift").is_file():
        sys.exit(f"swift-llm-compressor: no Package.swift in {root}; set SWIFT_LLM_COMPRESSOR_ROOT "
                 f"to the repository, or SWIFT_LLM_COMPRESSOR_LIBRARY to a built {LIBRARY}")
    return root


def static_library_folder(swift: str) -> str:
    """Where the toolchain keeps the static Swift runtime and Foundation (swift_static/linux)."""
    info = json.loads(subprocess.run([swift, "-print-target-info"], check=True, capture_output=True, text=True).stdout)
    runtime = Path(info["paths"]["runtimeResourcePath"])  # .../usr/lib/swift
    return str(runtime.parent / "swift_static" / "linux")


def build_library() -> Path:
    """The library to ship: built here, in its own scratch folder (.build-python), with the Swift
    standard library and Foundation linked in statically, so that it needs no toolchain."""
    prebuilt = os.environ.get("SWIFT_LLM_COMPRESSOR_LIBRARY")
    if prebuilt:
        return Path(prebuilt)
    root = package_root()
    swift = os.environ.get("SWIFT", "swift")
    command = [swift, "build", "-c", "release", "--scratch-path", str(root / ".build-python"), "--product", "LLMCompressorC",
               "--static-swift-stdlib", "-Xswiftc", "-static-stdlib", "-Xlinker", "-L" + static_library_folder(swift)]
    print("swift-llm-compressor: " + " ".join(command), flush=True)
    subprocess.run(command, cwd=root, check=True)
    bin_path = subprocess.run(command + ["--show-bin-path"], cwd=root, check=True, capture_output=True, text=True).stdout.strip()
    return Path(bin_path) / LIBRARY


class BuildWithSwiftLibrary(build_py):
    """build_py, plus the Swift library copied into swift_llm_compressor/_lib/."""

    def run(self):
        super().run()
        library = build_library()
        target = Path(self.build_lib) / "swift_llm_compressor" / "_lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(library, target / LIBRARY)
        if shutil.which("strip"):  # debug information is most of the file
            subprocess.run(["strip", "--strip-unneeded", str(target / LIBRARY)], check=True)


commands = {"build_py": BuildWithSwiftLibrary}

if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        """A wheel for this platform (it holds a native library) and any Python 3 (ctypes only)."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, platform = super().get_tag()
            return "py3", "none", platform

    commands["bdist_wheel"] = PlatformWheel

setup(cmdclass=commands)
