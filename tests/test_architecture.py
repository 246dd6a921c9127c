"""The host package's layers (docs/architecture.md): every module imports only from layers
below its own, function-local imports included.  ``lint-imports`` (PyPI import-linter)
checks the contract in pyproject.toml."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _lint_imports(unavailable, host: Path, config: Path = REPO / "pyproject.toml") -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.is_file():
        unavailable("lint-imports (PyPI import-linter, in the test extras) is not installed")
    env = dict(os.environ, PYTHONPATH=str(host))
    return subprocess.run([str(exe), "--config", str(config), "--no-cache"], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


def _layers() -> list[str]:
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in cfg["contracts"] if c["type"] == "layers"]
    return contract["layers"]


def test_contract_lists_every_subpackage():
    """Every subpackage and top-level module of glovexfer sits in one layer."""
    named = {m.strip().split(".")[1] for layer in _layers() for m in layer.split("|")}
    pkg = REPO / "host" / "glovexfer"
    present = {p.name for p in pkg.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    present |= {p.stem for p in pkg.glob("*.py") if p.stem != "__init__"}
    assert present <= named, f"not in any layer: {sorted(present - named)}"


def test_layers_import_only_downward(unavailable):
    r = _lint_imports(unavailable, REPO / "host")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


def test_function_local_upward_import_breaks_the_contract(unavailable, tmp_path):
    """A cycle hidden in a function body is caught: a copy of the package with one
    function-local upward import (golden -> simulate) fails the same contract."""
    host = tmp_path / "host"
    shutil.copytree(REPO / "host" / "glovexfer", host / "glovexfer", ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    probe = host / "glovexfer" / "golden" / "thin.py"
    probe.write_text(probe.read_text() + "\n\ndef _probe():\n    from ..simulate import recordings  # noqa: F401\n")
    ast.parse(probe.read_text())
    r = _lint_imports(unavailable, host)
    assert r.returncode != 0
    assert "glovexfer.golden is not allowed to import glovexfer.simulate" in r.stdout
    assert "glovexfer.golden.thin -> glovexfer.simulate.recordings" in r.stdout
