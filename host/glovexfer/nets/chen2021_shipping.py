"""The real pen domain's shipped models: what is its own (its data, its models, their
training) on the shared shipping path of :mod:`glovexfer.nets.shipping`
(``glovexfer train/evaluate --domain chen2021``; their int8 export is :mod:`glovexfer.export.ship`'s,
with this domain's data, :mod:`glovexfer.export.chen2021`).

A shipped Chen model is a folder under models/chen2021/ written by ``shipping.write_model``
(``model.h5``, ``metrics.json``) or ``shipping.write_fused`` (only ``metrics.json`` naming its
``members``), so ``ShippedModel`` loads it and the int8 export reads it like the glove
models.  Its ``metrics.json`` adds a ``chen2021`` block: the representation the network reads
and the writers it was trained on, which ``evaluate`` leaves out and ``export`` calibrates on.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..files import domain_dir
from . import chen2021 as CP
from . import protocols as P
from . import shipping as S
from . import train as T

CHEN_MODELS_DIR = domain_dir("chen2021")
#: The protocols' summary (``glovexfer evaluate --domain chen2021``), beside the models.
CHEN_METRICS = CHEN_MODELS_DIR / S.METRICS_FILE
#: Shipped names: the transfer networks (pretrained on DigiLeTs, fine-tuned on all 12 writers),
#: the device signal network (``protocols.signal_net`` on the golden ``signals`` of the
#: firmware's counts, trained on all 12 writers) and ``chen_best``, the late fusion of the
#: signal network and the transfer BiLSTM (the best setting of the protocols that the
#: firmware runs).
SHIPPED = ("chen_transfer_lstm", "chen_transfer_cnn", "chen_signal_net", "chen_best")
SIGNAL_NAME = "chen_signal_net"
#: The protocol figures (models/chen2021/metrics.json) of the shipped settings.
FUSED_FIGURES = "signal_net+transfer_lstm"
SIGNAL_FIGURES = "signal_net"
#: ``chen_best``'s members, in the firmware's fusion order (LSTM first).
BEST_MEMBERS = ("chen_transfer_lstm", SIGNAL_NAME)


def reproduce_command() -> str:
    return "TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 glovexfer train --domain chen2021 && glovexfer export --domain chen2021"


def read_figures(metrics_path) -> dict:
    """The protocol figures (``glovexfer evaluate --domain chen2021``'s metrics file), or {}
    when there is none yet."""
    from ..files import read_json_object

    return read_json_object(metrics_path, "Chen protocol metrics") if metrics_path and Path(metrics_path).is_file() else {}


#: What a signal network's ``chen2021.representation`` says: it reads the golden signals of the
#: firmware's counts (``Arrays.sig``), not a trajectory representation.
SIGNAL_REPRESENTATION = "device signals"


def domain_arrays(chen_root, writers: list[str] | None = None, representation: str = CP.REPRESENTATION, signals: bool = False,
                  progress: bool = True):
    """The Chen letters of ``writers`` (or all) as ``Arrays``, this domain's data for the shared
    shipping path: the trajectories in ``representation`` and, with ``signals``, the device
    signals a signal network reads (``Arrays.sig``)."""
    if representation == SIGNAL_REPRESENTATION:
        representation = CP.REPRESENTATION
    tgt = CP.target(chen_root, representation, progress=progress, writers=writers)
    if signals:
        X, y, g = CP.device_signal_arrays(chen_root, progress=progress)
        keep = np.isin(g, sorted(set(tgt.group.tolist())))
        if not (np.array_equal(y[keep], tgt.y) and np.array_equal(g[keep], tgt.group)):
            raise GloveXferError(f"{chen_root}: the signals and the trajectories list the letters differently")
        tgt.sig = X[keep]
    return tgt


def evaluate(chen_root, ref: str, models_dir: str | Path | None = None, progress: bool = True, writers: list[str] | None = None) -> dict:
    """Score a shipped model on every Chen writer (of ``writers``, or all) it was not trained on.

    ``ref``: a model folder, or a name in ``models_dir`` (default: models/chen2021/, then
    models/glove/).  Returns accuracy, per-writer accuracy, the confusion matrix, and which
    writers were left out because the model was trained on them.
    """
    folder = S.model_folder(ref, [Path(models_dir)] if models_dir else [CHEN_MODELS_DIR, S.MODELS_DIR])
    model = S.ShippedModel(str(folder))
    info = model.meta.get("chen2021", {})
    trained = sorted(info.get("train_writers", []))
    representation = info.get("representation", CP.REPRESENTATION)
    tgt = domain_arrays(chen_root, writers, representation, "signal" in model.kinds, progress)
    keep = ~np.isin(tgt.group, trained)
    if not keep.any():
        raise GloveXferError(
            f"model '{model.name}' was trained on every writer in {chen_root} ({', '.join(trained)}): nothing left to score; "
            "use a model trained on fewer writers (glovexfer evaluate --domain chen2021 --protocol ... measures held-out writers)"
        )
    res = S.score(model, tgt.take(np.flatnonzero(keep)))
    res["per_writer"] = res.pop("per_user")
    res["data"] = str(chen_root)
    res["representation"] = representation
    res["writers_left_out_as_trained_on"] = trained
    return res


def fit_transfer(net: str, weights, tgt, seed: int, progress: bool, quick: bool = False):
    """A shipped transfer network: the pretrained ``weights`` fine-tuned on the letters ``tgt``
    (10 % of them for early stopping); ``quick``: 1 epoch.  Returns (model, history)."""
    tr, va = CP._split_val(tgt, seed)
    cfg = T.quick(CP.FINETUNE[net], 1) if quick else CP.FINETUNE[net]
    return CP.train_net(net, weights, tr, va, cfg, seed, progress, f"ship chen transfer {net}")


def ship(chen_root, digilets_root, out_dir: Path = CHEN_MODELS_DIR, seed: int = 0, progress: bool = True, metrics_path: Path | None = None, writers: list[str] | None = None, quick: bool = False) -> list[Path]:
    """Train the transfer LSTM and CNN on all (or ``writers``) Chen writers; write the folders.

    ``quick``: pretraining and fine-tuning of 1-2 epochs on a sliver (tests; meaningless models)."""
    out_dir = Path(out_dir)
    tgt = CP.target(chen_root, progress=progress, writers=writers)
    if quick:
        tgt = tgt.take(np.arange(0, len(tgt), 10))
    figures = read_figures(metrics_path)
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
        t0 = time.time()
        w = CP.pretrained(net, digilets_root, seed=seed, progress=progress, src=src, quick=quick)
        model, hist = fit_transfer(net, w, tgt, seed, progress, quick)
        meta = {"model": name, "kind": net} | common
        meta["finetune"] = hist | {"config": asdict(CP.FINETUNE[net])}
        meta["pretrain_config"] = asdict(CP.PRETRAIN[net])
        fig = _protocol_figures(figures, f"transfer_{net}")
        if fig:
            meta["protocols"] = fig
        paths.append(S.write_model(out_dir / name, model, meta, t0))
    paths.append(ship_signal(chen_root, out_dir, seed, progress, figures, writers, quick))
    paths.append(write_best(out_dir, figures, common))
    return paths


def _protocol_figures(figures: dict, key: str) -> dict | None:
    f = figures.get(key)
    return None if not f else {p: {k: v for k, v in f[p].items() if k != "confusion"} for p in f}


def write_best(out_dir: Path, figures: dict, common: dict) -> Path:
    """``chen_best/metrics.json``: the fusion of ``BEST_MEMBERS`` (the firmware's
    GX_MODEL_SIGNAL_FUSED), with its protocol figures."""
    best = {
        "model": "chen_best",
        "kind": "fused",
        "members": list(BEST_MEMBERS),
        "fusion": "mean of the members' softmax probabilities (device: sum of their int8 softmax outputs, gx_fuse)",
    } | common
    fig = _protocol_figures(figures, FUSED_FIGURES)
    if fig:
        best["protocols"] = fig
    best["note"] = (
        "the device signal network (golden signals of the firmware's own 32-sample counts) fused with the transfer "
        "BiLSTM; every member runs in the firmware (select 'signal_fused')"
    )
    return S.write_fused(Path(out_dir) / "chen_best", best)


def ship_signal_only(chen_root, out_dir: Path = CHEN_MODELS_DIR, seed: int = 0, progress: bool = True, metrics_path: Path | None = None, writers: list[str] | None = None, quick: bool = False) -> list[Path]:
    """Train only the device signal network (the transfer networks already shipped in
    ``out_dir`` stay) and rewrite ``chen_best`` with the transfer BiLSTM's common fields."""
    out_dir = Path(out_dir)
    lstm = out_dir / "chen_transfer_lstm"
    meta = S.read_meta(lstm, single=True)
    common = {k: meta[k] for k in ("chen2021", "source", "seed", "quick", "reproduce") if k in meta}
    figures = read_figures(metrics_path)
    return [ship_signal(chen_root, out_dir, seed, progress, figures, writers, quick), write_best(out_dir, figures, common)]


def ship_signal(chen_root, out_dir: Path = CHEN_MODELS_DIR, seed: int = 0, progress: bool = True, figures: dict | None = None, writers: list[str] | None = None, quick: bool = False) -> Path:
    """Train the device signal network on all (or ``writers``) Chen writers (10 % of the
    letters for early stopping, as in the protocols) and write its folder: ``model.h5`` (with
    batch normalisation; the int8 export folds it), ``metrics.json`` with the
    standardisation ``signal_norm`` the device's input quantiser is derived from."""
    from .models import SIGNAL_NET_LAYERS

    X, y, g = CP.device_signal_arrays(chen_root, progress=progress)
    idx = np.arange(len(y)) if writers is None else np.flatnonzero(np.isin(g, writers))
    if quick:
        idx = idx[::10]
    t0 = time.time()
    model, (mean, std) = fit_signal(X, y, idx, seed, progress, quick)
    meta = {
        "model": SIGNAL_NAME,
        "kind": "signal",
        "input": "golden signals stage (N, 32, 9) of the firmware's 32-sample counts (glovexfer.chen.counts.to_counts), standardised by signal_norm",
        "signal_norm": {"mean": [float(v) for v in mean], "std": [float(v) for v in std]},
        "chen2021": {"representation": SIGNAL_REPRESENTATION, "train_writers": sorted(set(g[idx].tolist())), "sequences": int(len(idx))},
        "config": asdict(P.SIGNAL_FIT),
        "layers": [list(x) for x in SIGNAL_NET_LAYERS],
        "seed": seed,
        "quick": quick,
        "reproduce": reproduce_command(),
    }
    fig = _protocol_figures(figures or {}, SIGNAL_FIGURES)
    if fig:
        meta["protocols"] = fig
    return S.write_model(Path(out_dir) / SIGNAL_NAME, model, meta, t0)


def fit_signal(X, y, idx, seed: int, progress: bool, quick: bool = False):
    """The shipped device signal network trained on the signals ``X[idx]`` (10 % of them for
    early stopping); ``quick``: 2 epochs.  Returns (model, (mean, std) standardisation)."""
    _, model, norm = P.train_signal_net(X, y, idx, np.zeros(0, dtype=np.int64), seed, quick, progress, "ship chen signal net")
    return model, norm


def train_writers(folder: Path) -> list[str]:
    """The Chen writers a shipped real-data model was trained on (its ``metrics.json``)."""
    from ..files import field

    path = Path(folder) / S.METRICS_FILE
    info = field(S.read_meta(folder), "chen2021", path, (dict,))
    writers = field(info, "train_writers", path, (list,))
    if not writers or not all(isinstance(w, str) for w in writers):
        raise GloveXferError(f"{path} [chen2021.train_writers]: must be a non-empty list of writer names")
    return writers


__all__ = ["BEST_MEMBERS", "CHEN_METRICS", "CHEN_MODELS_DIR", "FUSED_FIGURES", "SHIPPED", "SIGNAL_NAME", "domain_arrays", "evaluate", "fit_signal",
           "fit_transfer", "ship", "ship_signal", "write_best"]
