"""Real-data models: train them on Chen writers, ship them under models/chen2021/, score them.

A shipped Chen model is a folder in the layout of :mod:`glovexfer.nets.shipping` (``model.h5``,
``model_float.tflite``, ``metrics.json``; a fused model has only ``metrics.json`` naming its
``members``), so ``ShippedModel`` loads it and the int8 export reads it like the glove
models.  Its ``metrics.json`` adds a ``chen2021`` block: the representation the network reads
and the writers it was trained on, which ``evaluate`` leaves out.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..nets import shipping as S
from . import protocols as CP

CHEN_MODELS_DIR = S.MODELS_DIR / "chen2021"
#: Shipped names: the transfer networks (pretrained on DigiLeTs, fine-tuned on all 12 writers)
#: and their late fusion, the best setting of the protocols.
SHIPPED = ("chen_transfer_lstm", "chen_transfer_cnn", "chen_best")
#: The protocol figures (models/metrics_chen2021.json) of ``chen_best``'s setting.
FUSED_FIGURES = "fused_transfer_lstm_cnn"


def reproduce_command() -> str:
    return "TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python tools/chen2021_ship.py"


def _resolve(ref: str, models_dir: Path | None) -> tuple[str, Path]:
    """A model reference -> (name or path, folder that holds it)."""
    p = Path(ref)
    if p.is_dir():
        return str(p), p.parent
    for d in ([Path(models_dir)] if models_dir else [CHEN_MODELS_DIR, S.MODELS_DIR]):
        if (d / ref / S.METRICS_FILE).is_file():
            return ref, d
    known = sorted(m.parent.name for d in (CHEN_MODELS_DIR, S.MODELS_DIR) for m in d.glob(f"*/{S.METRICS_FILE}"))
    raise GloveXferError(f"no shipped model '{ref}' in {models_dir or f'{CHEN_MODELS_DIR} or {S.MODELS_DIR}'} (shipped: {', '.join(known) or 'none'})")


def evaluate(chen_root, ref: str, models_dir: str | Path | None = None, progress: bool = True) -> dict:
    """Score a shipped model on every Chen writer it was not trained on.

    Returns accuracy, per-writer accuracy, the confusion matrix, and which writers were left
    out because the model was trained on them.
    """
    name, folder = _resolve(ref, Path(models_dir) if models_dir else None)
    model = S.ShippedModel(name, folder)
    info = model.meta.get("chen2021", {})
    trained = sorted(info.get("train_writers", []))
    representation = info.get("representation", CP.REPRESENTATION)
    tgt = CP.target(chen_root, representation, progress=progress)
    keep = ~np.isin(tgt.group, trained)
    if not keep.any():
        raise GloveXferError(
            f"model '{model.name}' was trained on every writer in {chen_root} ({', '.join(trained)}): nothing left to score; "
            "use a model trained on fewer writers (tools/chen2021_protocols.py measures held-out writers)"
        )
    res = S.score(model, tgt.take(np.flatnonzero(keep)))
    res["per_writer"] = res.pop("per_user")
    res["data"] = str(chen_root)
    res["representation"] = representation
    res["writers_left_out_as_trained_on"] = trained
    return res


def _fit_all(net: str, weights, tgt, seed: int, progress: bool, quick: bool = False):
    tr, va = CP._split_val(tgt, seed)
    cfg = CP.quick_cfg(CP.FINETUNE[net], 1) if quick else CP.FINETUNE[net]
    return CP.train_net(net, weights, tr, va, cfg, seed, progress, f"ship chen transfer {net}")


def ship(chen_root, digilets_root, out_dir: Path = CHEN_MODELS_DIR, seed: int = 0, progress: bool = True, metrics_path: Path | None = None, writers: list[str] | None = None, quick: bool = False) -> list[Path]:
    """Train the transfer LSTM and CNN on all (or ``writers``) Chen writers; write the folders.

    ``quick``: pretraining and fine-tuning of 1-2 epochs on a sliver (tests; meaningless models)."""
    from ..export.tflite import to_float_tflite

    out_dir = Path(out_dir)
    tgt = CP.target(chen_root, progress=progress, writers=writers)
    if quick:
        tgt = tgt.take(np.arange(0, len(tgt), 10))
    figures = json.loads(Path(metrics_path).read_text()) if metrics_path and Path(metrics_path).is_file() else {}
    src = CP.source(digilets_root, progress=progress)
    common = {
        "chen2021": {"representation": CP.REPRESENTATION, "train_writers": sorted(set(tgt.group.tolist())), "sequences": len(tgt)},
        "source": "all DigiLeTs writers, x and y swapped",
        "seed": seed,
        "quick": quick,
        "reproduce": reproduce_command(),
    }
    paths = []
    for net in CP.NETS:
        name = f"chen_transfer_{net}"
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        w = CP.pretrained(net, digilets_root, seed=seed, progress=progress, src=src, quick=quick)
        model, hist = _fit_all(net, w, tgt, seed, progress, quick)
        model.save(folder / S.MODEL_FILE)
        (folder / S.FLOAT_TFLITE).write_bytes(to_float_tflite(model))
        meta = {"model": name, "kind": net} | common
        meta["finetune"] = hist | {"config": asdict(CP.FINETUNE[net])}
        meta["pretrain_config"] = asdict(CP.PRETRAIN[net])
        meta["parameters"] = int(model.count_params())
        meta["train_seconds"] = round(time.time() - t0, 1)
        if f"transfer_{net}" in figures:
            meta["protocols"] = {p: {k: v for k, v in figures[f"transfer_{net}"][p].items() if k != "confusion"} for p in figures[f"transfer_{net}"]}
        S.write_json(meta, folder / S.METRICS_FILE)
        paths.append(folder)
    best = {"model": "chen_best", "kind": "fused", "members": [f"chen_transfer_{n}" for n in CP.NETS], "fusion": "mean of the members' softmax probabilities (device: sum of their int8 softmax outputs)"} | common
    fused = figures.get(FUSED_FIGURES)
    if fused:
        best["protocols"] = {p: {k: v for k, v in fused[p].items() if k != "confusion"} for p in fused}
        best["note"] = (
            "the device's late fusion of the two transfer networks; on the protocols the transfer BiLSTM alone "
            "is about as good, and the best real-data model (time-signal CNN + BiLSTM) has a float-only input"
        )
    S.write_json(best, out_dir / "chen_best" / S.METRICS_FILE)
    paths.append(out_dir / "chen_best")
    return paths


def export(chen_root, out_dir: Path = CHEN_MODELS_DIR, progress: bool = True, n_rep: int | None = None, seed: int = 0) -> list[Path]:
    """Full-int8 export of the shipped transfer networks, as ``glovexfer export`` does for the
    glove models: representative examples drawn from their own training letters (the Chen
    writers in their metrics, through the same representation), then the firmware's C++ model
    data in ``out_dir/firmware`` (``chen_transfer_lstm`` + ``chen_transfer_cnn``)."""
    from ..export import ship as X

    out_dir = Path(out_dir)
    paths = []
    targets: dict = {}  # training writers -> their letters (both networks usually share them)
    for net in CP.NETS:
        folder = out_dir / f"chen_transfer_{net}"
        meta = json.loads((folder / S.METRICS_FILE).read_text())
        writers = tuple(meta["chen2021"]["train_writers"])
        if writers not in targets:
            targets[writers] = CP.target(chen_root, progress=progress, writers=list(writers))
        tgt = targets[writers]
        rep_from = f"the model's own training letters (Chen et al. 2021, {len(meta['chen2021']['train_writers'])} writers, {CP.REPRESENTATION})"
        paths.append(X.export_model(folder, tgt, n_rep=n_rep or X.REPRESENTATIVE_N, seed=seed, rep_from=rep_from))
    paths.append(X.export_firmware(out_dir, *(f"chen_transfer_{net}" for net in ("lstm", "cnn"))))
    return paths


__all__ = ["CHEN_MODELS_DIR", "FUSED_FIGURES", "SHIPPED", "evaluate", "export", "ship"]
