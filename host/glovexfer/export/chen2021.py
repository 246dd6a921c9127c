"""``glovexfer export --domain chen2021``: the shipped real-data networks -> full-int8 .tflite
(representative letters from their own training writers) and the firmware's C++ model data in
models/chen2021/firmware, as :mod:`glovexfer.export.ship` does for the glove models."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..nets import chen2021 as CP
from ..nets import shipping as S
from ..nets.chen2021_shipping import CHEN_MODELS_DIR, SIGNAL_NAME, train_writers


def export_signal(chen_root, out_dir: Path = CHEN_MODELS_DIR, progress: bool = True, n_rep: int = 300, seed: int = 0) -> Path:
    """int8 export of ``chen_signal_net`` (``protocols.signal_int8``), calibrated on its own
    training letters; writes ``model_int8.tflite`` and ``int8.json`` (size, sha256, and the
    argmax agreement of the golden int8 network with the float model on those letters)."""
    import hashlib

    from .ship import INT8_TFLITE as X_INT8_TFLITE
    from .ship import signal_int8
    from ..nets.datasets import standardise_signals
    from ..golden.network import load_int8_model
    from ..golden.recognise import signal_quantiser_of
    from ..golden.signals import quantise_signals

    folder = Path(out_dir) / SIGNAL_NAME
    shipped = S.ShippedModel(str(folder))
    (_, model), norm = shipped.members[0], shipped.signal_norm
    X, y, g = CP.device_signal_arrays(chen_root, progress=progress)
    idx = np.flatnonzero(np.isin(g, train_writers(folder)))
    b = signal_int8(model, norm, X[idx], n_rep=n_rep, seed=seed)
    (folder / X_INT8_TFLITE).write_bytes(b)
    net = load_int8_model(b)
    q = signal_quantiser_of(net)
    sub = idx[:: max(1, len(idx) // 1000)]
    x8 = np.concatenate([quantise_signals(X[i], *q)[None] for i in sub])
    dev = np.argmax(net.run(x8).reshape(len(sub), -1), axis=1)
    flt = np.argmax(model.predict(standardise_signals(X[sub], *norm), verbose=0), axis=1)
    rep = {
        "model": SIGNAL_NAME,
        "kind": "signal",
        "int8_bytes": len(b),
        "sha256": hashlib.sha256(b).hexdigest(),
        "representative": f"{min(n_rep, len(idx))} of the model's own {len(idx)} training letters (seed {seed})",
        "ops": net.op_names,
        "agreement_letters": int(len(sub)),
        "argmax_agreement_int8_vs_float": float(np.mean(dev == flt)),
        "accuracy_int8_training_letters": float(np.mean(dev == y[sub])),
        "accuracy_float_training_letters": float(np.mean(flt == y[sub])),
    }
    S.write_json(rep, folder / "int8.json")
    return folder


def export(chen_root, out_dir: Path = CHEN_MODELS_DIR, progress: bool = True, n_rep: int | None = None, seed: int = 0) -> list[Path]:
    """Full-int8 export of the shipped transfer networks, as ``glovexfer export`` does for the
    glove models: representative examples drawn from their own training letters (the Chen
    writers in their metrics, through the same representation), then the firmware's C++ model
    data in ``out_dir/firmware`` (``chen_transfer_lstm`` + ``chen_transfer_cnn``)."""
    from . import ship as X

    out_dir = Path(out_dir)
    for net in CP.NETS:  # every input checked before any work
        folder = S.model_folder(f"chen_transfer_{net}", out_dir)
        train_writers(folder)
        if not (folder / S.MODEL_FILE).is_file():
            raise GloveXferError(f"{folder / S.MODEL_FILE}: no trained model (run: glovexfer train --domain chen2021)")
    paths = []
    targets: dict = {}  # training writers -> their letters (both networks usually share them)
    for net in CP.NETS:
        folder = out_dir / f"chen_transfer_{net}"
        writers = tuple(train_writers(folder))
        if writers not in targets:
            targets[writers] = CP.target(chen_root, progress=progress, writers=list(writers))
        tgt = targets[writers]
        rep_from = f"the model's own training letters (Chen et al. 2021, {len(writers)} writers, {CP.REPRESENTATION})"
        paths.append(X.export_model(folder, tgt, n_rep=n_rep or X.REPRESENTATIVE_N, seed=seed, rep_from=rep_from))
    if (out_dir / SIGNAL_NAME / S.MODEL_FILE).is_file():
        paths.append(export_signal(chen_root, out_dir, progress, seed=seed))
    signal = SIGNAL_NAME if (out_dir / SIGNAL_NAME / X.INT8_TFLITE).is_file() else None
    paths.append(X.export_firmware(out_dir, *(f"chen_transfer_{net}" for net in ("lstm", "cnn")), signal=signal))
    return paths
