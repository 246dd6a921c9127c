"""Models for the firmware/device tests: the shipped ``models/glove/firmware`` sources with their
.tflite files when present, else two briefly trained paper networks (1 epoch on synthetic
data, as tests/test_firmware_int8.py does) exported into ``build/test-models`` (reused);
``signal_model_dir``: LSTM + CNN + the signal network, for the signal network's tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "test-models"
_HAVE_TF = all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras"))


def _complete(d: Path) -> bool:
    from glovexfer.device.parity import find_tflite

    try:
        for kind in ("lstm", "cnn"):
            find_tflite(d / f"gx_model_{kind}.cpp", [d, ROOT / "models"])
        return True
    except Exception:
        return False


def model_dir() -> Path:
    """A directory with gx_model_{lstm,cnn}.{h,cpp} and the matching .tflite files."""
    shipped = ROOT / "models" / "glove" / "firmware"
    if (shipped / "gx_model_lstm.cpp").is_file() and _complete(shipped):
        return shipped
    if _complete(CACHE):
        return CACHE
    if not _HAVE_TF:
        pytest.skip("no shipped models/glove/firmware and no tensorflow/tf_keras to make test models")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from glovexfer.export.model_data import write_model_source
    from glovexfer.nets.tflite import to_int8_tflite
    from glovexfer.nets import models as M
    from test_golden_int8 import render, synthetic_sequences

    M.tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    seq, y = synthetic_sequences(300, rng)
    img = render(seq)
    CACHE.mkdir(parents=True, exist_ok=True)
    for kind, model, x, lr in (("lstm", M.paper_lstm(), seq, M.PAPER_LSTM_LR), ("cnn", M.paper_cnn(), img, M.PAPER_CNN_LR)):
        M.compile_model(model, lr)
        model.fit(x[:200], M.keras.utils.to_categorical(y[:200], 26), epochs=1, batch_size=64, verbose=0)
        tfl = to_int8_tflite(model, x[:200], n_rep=64)
        (CACHE / f"{kind}.tflite").write_bytes(tfl)
        write_model_source(tfl, kind, CACHE)
    return CACHE


def have_tools() -> str | None:
    """None when cmake and a C++ compiler exist, else the reason."""
    import os
    import shutil

    if shutil.which("cmake") is None:
        return "cmake not found: cannot build the firmware (Debian: apt-get install cmake)"
    if not any(shutil.which(c) for c in (os.environ.get("CXX") or "", "c++", "g++", "clang++") if c):
        return "no C++ compiler (c++/g++/clang++) found: cannot build the firmware (Debian: apt-get install g++)"
    return None


def writing_model_dir() -> Path:
    """The continuous-writing glove's model sources (models/glove/firmware_writing: the writing
    pair and the spotter), with their .tflite files."""
    d = ROOT / "models" / "glove" / "firmware_writing"
    if not ((d / "gx_model_spotter.cpp").is_file() and _complete(d)):
        pytest.skip(f"{d} is not shipped complete (glovexfer train --model writing)")
    return d


def build(target: str, flavour: str, models: Path | str | None, extra_flags: str = "", cxx: str | None = None,
          cmake_args: tuple = ()) -> Path:
    """``native_binary`` into ``build/test-fw-<flavour>`` (kept between runs; make rebuilds
    what changed). ``models``: a model directory, or "" / None for none."""
    from glovexfer.device.build import native_binary

    return native_binary(model_dir=str(models) if models else "", build_dir=ROOT / "build" / f"test-fw-{flavour}",
                         target=target, extra_flags=extra_flags, cxx=cxx, cmake_args=cmake_args)


def cmake_build(build_dir: Path, target: str, cmake_args: tuple = ()) -> Path:
    """Configure firmware/ into ``build_dir`` (Release) and build ``target``; its path.
    A failed step fails the test with the tool's output."""
    import subprocess

    cfg = subprocess.run(["cmake", "-S", str(ROOT / "firmware"), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release", *cmake_args],
                         capture_output=True, text=True, check=False)
    assert cfg.returncode == 0, cfg.stdout + cfg.stderr
    b = subprocess.run(["cmake", "--build", str(build_dir), "-j", "2", "--target", target], capture_output=True, text=True, check=False)
    assert b.returncode == 0, b.stdout + b.stderr
    exe = Path(build_dir) / target
    assert exe.is_file(), f"{target} was not built in {build_dir}"
    return exe


SIGNAL_CACHE = ROOT / "build" / "test-models-signal"
#: the signal network's int8 .tflite, in order of preference: the shipped Chen model, the
#: development model of the Chen experiments; else one is trained briefly (tensorflow).
SIGNAL_TFLITES = (
    ROOT / "models" / "chen2021" / "chen_signal_net" / "model_int8.tflite",
    ROOT / "out" / "chen" / "sig_quick_int8.tflite",
)


def _quick_signal_tflite() -> bytes:
    """A signal network trained for one epoch on the golden signals of simulated recordings."""
    if not _HAVE_TF:
        pytest.skip("no signal network .tflite and no tensorflow/tf_keras to make one")
    from glovexfer.export.ship import signal_int8
    from glovexfer.golden.pipeline import run_golden
    from glovexfer.nets.datasets import standardise_signals as standardise
    from glovexfer.nets.models import signal_net
    from glovexfer.nets.protocols import signal_norm
    from glovexfer.simulate.recordings import simulated_recordings
    from glovexfer.nets import models as M

    M.tf.random.set_seed(0)
    recs = simulated_recordings(260, seed=5)
    X = np.stack([run_golden(c, with_image=False, with_signals=True).signals for c in recs]).astype(np.int32)
    y = np.arange(len(X)) % 26
    mean, std = signal_norm(X)
    model = signal_net()
    M.compile_model(model, 1e-3)
    model.fit(standardise(X, mean, std), M.keras.utils.to_categorical(y, 26), epochs=1, batch_size=64, verbose=0)
    return signal_int8(model, (mean, std), X, n_rep=128)


def signal_model_dir() -> Path:
    """A directory with gx_model_{lstm,cnn,signal}.{h,cpp} and their .tflite files (made
    under ``build/test-models-signal`` and reused while the inputs are unchanged): the
    signal network (``SIGNAL_TFLITES`` or a briefly trained one) with the Chen transfer
    LSTM and CNN (``models/chen2021``), else the LSTM and CNN of :func:`model_dir`."""
    import hashlib

    from glovexfer.device.parity import find_tflite
    from glovexfer.export import model_data
    from glovexfer.export.model_data import write_model_source

    chen = ROOT / "models" / "chen2021"
    pair = {k: chen / f"chen_transfer_{k}" / "model_int8.tflite" for k in ("lstm", "cnn")}
    if not all(p.is_file() for p in pair.values()):
        md = model_dir()
        pair = {k: find_tflite(md / f"gx_model_{k}.cpp", [md, ROOT / "models"]) for k in ("lstm", "cnn")}
    blobs = {k: p.read_bytes() for k, p in pair.items()}
    sig = next((p for p in SIGNAL_TFLITES if p.is_file()), None)
    cached = SIGNAL_CACHE / "trained_signal.tflite"
    if sig is not None:
        blobs["signal"] = sig.read_bytes()
    elif cached.is_file():
        blobs["signal"] = cached.read_bytes()
    else:
        blobs["signal"] = _quick_signal_tflite()
        SIGNAL_CACHE.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(blobs["signal"])
    stamp = SIGNAL_CACHE / "inputs.sha256"
    key = "\n".join(f"{k} {hashlib.sha256(b).hexdigest()}" for k, b in sorted(blobs.items()))
    # the generator too: a changed source format regenerates the cached sources
    key += "\nmodel_data " + hashlib.sha256(Path(model_data.__file__).read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == key and all((SIGNAL_CACHE / f"gx_model_{k}.cpp").is_file() for k in blobs):
        return SIGNAL_CACHE
    SIGNAL_CACHE.mkdir(parents=True, exist_ok=True)
    for k, b in blobs.items():
        (SIGNAL_CACHE / f"{k}.tflite").write_bytes(b)
        write_model_source(b, k, SIGNAL_CACHE)
    stamp.write_text(key)
    return SIGNAL_CACHE


def corrupt_first_weight(path: Path) -> None:
    """Change the first int8 weight of a generated model source by one (its checksum then
    fails the start-up check)."""
    import re

    src = Path(path).read_text()
    m = re.search(r"constexpr int8_t \w+\[\d+\] = \{\n\s*(-?\d+)", src)
    assert m is not None, f"{path}: no int8 array"
    v = int(m.group(1))
    Path(path).write_text(src[: m.start(1)] + str(v + 1 if v < 127 else v - 1) + src[m.end(1):])


def session(exe, lines: list[str], timeout=300) -> list[str]:
    """Run a firmware program with ``lines`` on stdin; its stdout lines (exit status 0 asserted)."""
    import subprocess

    r = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=timeout,
                       check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()
