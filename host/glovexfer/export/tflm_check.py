"""Golden int8 network vs TFLite-Micro on the golden pipeline's own inputs (``glovexfer tflm-check``).

For each recording: the golden pre-network stages (``run_golden``), the integer input
quantisation of ``glovexfer.golden.recognise`` (kind from the model's input shape), then the
golden :class:`~glovexfer.golden.network.Int8Network` and TFLM on the *same* int8 input.
Every int8 output element is compared; the check passes only with zero mismatches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, GloveXferError
from ..files import MODELS_ROOT


@dataclass
class ModelCheck:
    """The outcome for one model."""

    path: str
    kind: str
    n_recordings: int
    outputs_compared: int
    mismatches: int
    first_mismatch: dict | None = None  # recording, output index, golden, tflm
    argmax_mismatches: int = 0
    ops: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatches == 0

    def summary(self) -> str:
        s = (
            f"{self.path}: {self.kind}, {self.n_recordings} recordings, "
            f"{self.outputs_compared} int8 outputs compared, {self.mismatches} mismatches"
        )
        if self.first_mismatch is not None:
            f = self.first_mismatch
            s += (
                f"; first: recording {f['recording']} output {f['output']} "
                f"golden {f['golden']} tflm {f['tflm']}; argmax differs on {self.argmax_mismatches} recordings"
            )
        return s


def read_model(path) -> bytes:
    from .ship import read_tflite

    return read_tflite(path)


def load_counts(data=None, n: int = 1000) -> tuple[np.ndarray, str, int]:
    """``(counts (m, 32, 9), source, available)``: the first ``min(n, available)`` recordings
    of ``data`` (.npz set; default: the shipped demo set)."""
    from ..data.recordings import RecordingSet

    if n < 1:
        raise GloveXferError(f"--n must be at least 1, got {n}")
    if data is None:
        from ..data.paths import demo_set_path

        data = demo_set_path()
    rs = RecordingSet.load(data)
    if len(rs) == 0:
        raise DataFormatError(data, "the data set holds no recordings", field="counts")
    return np.asarray(rs.counts[:n]), str(data), len(rs)


def _tflm(tflite_bytes: bytes, path: str):
    try:
        from .tflm import TflmModel

        return TflmModel(tflite_bytes)
    except ImportError as e:
        raise GloveXferError(f"tflm-check needs the tflite-micro package ({e})") from None
    except Exception as e:
        raise GloveXferError(f"{path}: TFLite-Micro cannot load the model ({e})") from None


def _golden(tflite_bytes: bytes, path: str):
    from ..golden.network import load_int8_model

    try:
        return load_int8_model(tflite_bytes)
    except Exception as e:
        raise GloveXferError(f"{path}: not an int8 .tflite model the golden model runs ({e})") from None


def check_model(tflite_bytes: bytes, stages: list, path: str = "model") -> ModelCheck:
    """Golden vs TFLM for one model on the golden stages of each recording."""
    from ..golden.recognise import model_kind, network_input

    net = _golden(tflite_bytes, path)
    kind = model_kind(net.input_shape)
    ref = _tflm(tflite_bytes, path)
    x = np.stack([network_input(st, net) for st in stages])
    y_gold = np.asarray(net.run(x)).reshape(len(stages), -1)
    y_tflm = np.asarray(ref.run_batch(x)).reshape(len(stages), -1)
    if y_gold.shape != y_tflm.shape:
        raise GloveXferError(f"{path}: golden output shape {y_gold.shape} != TFLM's {y_tflm.shape}")
    diff = y_gold != y_tflm
    first = None
    if diff.any():
        r, o = (int(i) for i in np.argwhere(diff)[0])
        first = {"recording": r, "output": o, "golden": int(y_gold[r, o]), "tflm": int(y_tflm[r, o])}
    return ModelCheck(
        path=str(path),
        kind=kind,
        n_recordings=len(stages),
        outputs_compared=int(diff.size),
        mismatches=int(diff.sum()),
        first_mismatch=first,
        argmax_mismatches=int((np.argmax(y_gold, 1) != np.argmax(y_tflm, 1)).sum()),
        ops=net.op_names,
    )


#: the repository's models/ (the shipped models of every domain; a source checkout or editable install)
MODELS_DIR = MODELS_ROOT


def shipped_int8_models(models_dir=None) -> list[Path]:
    """Every shipped int8 letter model: ``<models_dir>/**/model_int8.tflite`` (default: the
    repository's models/, every domain), sorted by path; not the letter spotter (``spotter/``: its input is
    a window of a continuous stream, not a recording; tests/test_writing.py checks it against
    TFLM on session windows)."""
    from .ship import INT8_TFLITE

    root = Path(models_dir) if models_dir is not None else MODELS_DIR
    found = sorted(p for p in root.rglob(INT8_TFLITE) if p.parent.name != "spotter") if root.is_dir() else []
    if not found:
        raise GloveXferError(f"{root}: no shipped int8 models (*/{INT8_TFLITE}); name them with --model")
    return found


def run_check(models=None, data=None, n: int = 1000, out=print) -> tuple[int, list[ModelCheck]]:
    """The ``tflm-check`` command: ``(exit status, reports)``; 0 only if nothing differs.
    ``models``: .tflite paths; ``None`` or empty: every shipped int8 model
    (:func:`shipped_int8_models`)."""
    from ..golden.pipeline import run_golden

    from ..golden.recognise import model_kind

    if not models:
        models = shipped_int8_models()
        out(f"tflm-check: every shipped int8 model ({len(models)}): " + ", ".join(str(p) for p in models))
    blobs = [(str(p), read_model(p)) for p in models]  # every file before any work
    kinds = [model_kind(_golden(blob, path).input_shape) for path, blob in blobs]
    counts, source, available = load_counts(data, n)
    if available < n:
        out(f"{source} holds {available} recordings (fewer than --n {n}): using all {available}")
    else:
        out(f"{source}: using the first {len(counts)} of {available} recordings")
    stages = [run_golden(c, with_image="cnn" in kinds, with_signals="signal" in kinds) for c in counts]
    reports = []
    for path, blob in blobs:
        rep = check_model(blob, stages, path)
        out(rep.summary())
        reports.append(rep)
    bad = sum(r.mismatches for r in reports)
    out("tflm-check: " + ("OK, golden == TFLM bit for bit" if bad == 0 else f"FAILED, {bad} mismatching outputs"))
    return (0 if bad == 0 else 1), reports


__all__ = ["MODELS_DIR", "ModelCheck", "check_model", "load_counts", "read_model", "run_check", "shipped_int8_models"]
