"""Build the host-native firmware (the virtual glove) with CMake, from Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import GloveXferError
from ..files import domain_dir, domain_firmware_dir, moved_models_hint

MODEL_NAMES = ("gx_model_lstm.cpp", "gx_model_cnn.cpp")


def repo_root() -> Path:
    """The repository root (the folder holding firmware/CMakeLists.txt)."""
    here = Path(__file__).resolve()
    for p in here.parents:
        if (p / "firmware" / "CMakeLists.txt").is_file():
            return p
    raise GloveXferError(
        f"firmware/CMakeLists.txt not found above {here}: the virtual glove is built from a source checkout"
    )


def shipped_model_dir() -> Path | None:
    """``models/glove/firmware`` when it holds both generated model sources."""
    d = domain_firmware_dir("glove")
    return d if all((d / n).is_file() for n in MODEL_NAMES) else None


def shipped_writing_dir() -> Path | None:
    """``models/glove/firmware_writing`` (the continuous-writing glove: the ``writing`` pair and
    the spotter; docs/writing.md) when it holds both generated recogniser sources."""
    d = domain_dir("glove") / "firmware_writing"
    return d if all((d / n).is_file() for n in MODEL_NAMES) else None


def resolve_model_dir(model_dir) -> Path | None:
    """The model sources a firmware build compiles in: ``None`` -> the shipped
    ``models/glove/firmware`` (an error without it), ``""`` -> none, else ``model_dir``,
    which must hold both generated recogniser sources (resolved)."""
    if model_dir is None:
        md = shipped_model_dir()
        if md is None:
            raise GloveXferError(
                f"no shipped firmware models in {domain_firmware_dir('glove')} (gx_model_lstm.cpp, gx_model_cnn.cpp); "
                "pass --model-dir DIR with sources made by glovexfer.export.model_data.write_model_source"
            )
        return md.resolve()
    if not str(model_dir):
        return None
    md = Path(model_dir)
    if not all((md / n).is_file() for n in MODEL_NAMES):
        raise GloveXferError(f"{md}: needs {' and '.join(MODEL_NAMES)} (glovexfer.export.model_data){moved_models_hint(md)}")
    return md.resolve()


def build_dir_for(base: Path, md: Path | None) -> Path:
    """``base`` for the shipped model folder (or none), ``base-<folder name>`` for another one:
    one build folder per model folder, so that switching between them does not rebuild."""
    default = shipped_model_dir()
    other = md is not None and default is not None and md.resolve() != default.resolve()
    return Path(f"{base}-{md.name}") if other else Path(base)


def _need_tools() -> None:
    if shutil.which("cmake") is None:
        raise GloveXferError("cmake not found: the virtual glove needs CMake and a C++17 compiler "
                             "(Debian: apt-get install cmake g++ make)")
    if not any(shutil.which(c) for c in (os.environ.get("CXX") or "", "c++", "g++", "clang++") if c):
        raise GloveXferError("no C++ compiler (c++/g++/clang++) found: the virtual glove needs one "
                             "(Debian: apt-get install g++)")


def native_binary(
    model_dir=None,
    build_dir=None,
    target: str = "gx_glove",
    extra_flags: str = "",
    cxx: str | None = None,
    cmake_args: tuple = (),
    quiet: bool = True,
) -> Path:
    """Configure + build ``target`` of firmware/ into ``build_dir`` (default
    ``build/firmware-native``; reused when up to date) and return the executable's path.

    ``model_dir``: generated model sources (default: the shipped ``models/glove/firmware``);
    ``""`` builds without models.  Raises :class:`GloveXferError` when cmake or a C++
    compiler is missing or the build fails.
    """
    _need_tools()
    root = repo_root()
    md = resolve_model_dir(model_dir)
    bd = Path(build_dir) if build_dir is not None else build_dir_for(root / "build" / "firmware-native", md)
    bd.mkdir(parents=True, exist_ok=True)
    cfg = [
        "cmake", "-S", str(root / "firmware"), "-B", str(bd), "-DCMAKE_BUILD_TYPE=Release",
        f"-DGX_MODEL_DIR={md if md is not None else ''}",
        f"-DPython3_EXECUTABLE={sys.executable}",
        f"-DGX_EXTRA_FLAGS={extra_flags}",
        *cmake_args,
    ]
    if cxx:
        cfg.append(f"-DCMAKE_CXX_COMPILER={cxx}")
    steps = [cfg, ["cmake", "--build", str(bd), "-j", "2", "--target", target]]
    for cmd in steps:
        if not quiet:
            print("+ " + " ".join(cmd), file=sys.stderr)
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise GloveXferError(f"firmware build failed ({' '.join(cmd[:2])}):\n{(r.stdout + r.stderr)[-4000:]}")
    exe = bd / target
    if not exe.is_file():
        raise GloveXferError(f"firmware build produced no {exe}")
    return exe


__all__ = ["build_dir_for", "native_binary", "repo_root", "resolve_model_dir", "shipped_model_dir", "shipped_writing_dir"]
