#!/usr/bin/env python
"""The float time-signal network on the Chen protocols, and its late fusion with the transfer BiLSTM.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python experiments/chen2021_best.py \
        --protocol subject_split lowo random_split

Same folds, seeds and validation splits as ``glovexfer evaluate --domain chen2021`` (which runs
the device signal network, ``signal_net``, itself).  Per fold it writes
out/chen/folds/<protocol>/<fold>.signal.json (+ .signal.npz probabilities) with

* ``signal_cnn``: a 1D CNN (below) on ``glovexfer.chen.represent.signals`` (pen axis, angular
  rate and acceleration in the writer frame, 64 steps, float input: not what the device
  computes), trained on the target only;
* ``signal_cnn+transfer_lstm``: its probabilities added to those of the fold's transfer
  BiLSTM (from the protocol run's <fold>.npz, when that exists; ``--fuse-only`` adds it later).

``glovexfer evaluate --domain chen2021 --summarise`` folds these into models/chen2021/metrics.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
from glovexfer.nets import chen2021 as CP  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402
from glovexfer.nets import protocols as P  # noqa: E402
from glovexfer.nets import train as T  # noqa: E402
from glovexfer.nets.datasets import _key  # noqa: E402

VARIANT, NET = "signal", "signal_cnn"
#: Conv1D(64,5)x2 - MaxPool(2) - Conv1D(128,3)x2 - GlobalAveragePool - Dropout(0.3) - Dense(26),
#: batch normalisation after every convolution; trained as the device signal network is.
LAYERS = ((64, 5), (64, 5), (128, 3), (128, 3))


def signal_arrays(chen_root, cache_dir="out/cache") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (N, 64, 9) float32 ``represent.signals``, y, writer) of every Chen sequence, cached."""
    from glovexfer.chen.represent import SIGNAL_STEPS, signals
    from glovexfer.data.chen2021 import load_chen2021

    cs = load_chen2021(chen_root, progress=False)
    cache = Path(cache_dir) / f"chen_signals_{_key(CP.CACHE_VERSION, SIGNAL_STEPS, CP.sequences_digest(cs))}.npz"
    if cache.is_file():
        with np.load(cache) as z:
            return z["X"], z["y"], z["group"]
    X = np.stack([signals(s, cs.calibrations.get(s.session)) for s in cs.sequences]).astype(np.float32)
    y, g = cs.y, cs.writers.astype(str)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, X=X, y=y, group=g)
    return X, y, g


def signal_cnn(steps: int, channels: int):
    from glovexfer.nets.models import keras, layers

    inp = keras.Input((steps, channels), name="signals")
    h = inp
    for i, (f, k) in enumerate(LAYERS):
        h = layers.Conv1D(f, k, padding="same", activation="relu", name=f"conv{i + 1}")(h)
        h = layers.BatchNormalization(name=f"bn{i + 1}")(h)
        if i == 1:
            h = layers.MaxPooling1D(2, name="pool")(h)
    h = layers.GlobalAveragePooling1D(name="gap")(h)
    h = layers.Dropout(0.3, name="dropout")(h)
    out = layers.Dense(26, activation="softmax", name="letter")(h)
    return keras.Model(inp, out, name="chen_signal_cnn")


def signal_fold(X, y, tr, va, te, seed: int, quick: bool) -> np.ndarray:
    """Train the signal CNN on ``tr`` (early stopping on ``va``; 10 % of ``tr`` when None),
    channels standardised with the training part's mean and std; test probabilities (n, 26)."""
    if va is None:
        tr_rel, va_rel = T.split_validation(len(tr), CP.VALIDATION_FRACTION, np.random.default_rng(seed))
        tr, va = tr[tr_rel], tr[va_rel]
    mean, std = P.signal_norm(X[tr])
    Z = ((X - mean) / std).astype(np.float32)
    T.seed_everything(seed)  # the initial weights from the seed
    model = signal_cnn(X.shape[1], X.shape[2])
    T.fit(model, Z[tr], y[tr], Z[va], y[va], T.quick(P.SIGNAL_FIT, 2) if quick else P.SIGNAL_FIT, seed, False, "signal cnn")
    return T.predict_proba(model, Z[te])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--protocol", nargs="+", choices=CP.PROTOCOLS, default=list(CP.PROTOCOLS))
    ap.add_argument("--chen2021")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="+", metavar="FOLD", help="only these folds (writer, pair 'a+b' or 'random')")
    ap.add_argument("--out", default=str(Path("out") / "chen"))
    ap.add_argument("--fuse-only", action="store_true", help="no training: (re)compute the fusion for every fold whose two probability files exist")
    a = ap.parse_args(argv)
    if a.fuse_only:
        return fuse_only(Path(a.out), a.protocol)
    X, y, g = signal_arrays(find_dataset("chen2021", a.chen2021))
    writers = sorted(set(g.tolist()))
    for protocol in a.protocol:
        specs = CP.fold_specs(protocol, writers, a.seed)
        if a.only:
            specs = [sp for sp in specs if sp[0] in a.only]
        for k, (name, held) in enumerate(specs):
            f = Path(a.out) / "folds" / protocol / f"{name}.{VARIANT}.json"
            if f.is_file():
                print(f"{protocol} {name}: done already", flush=True)
                continue
            t0 = time.time()
            tr, va, te = CP.fold_indices(protocol, held, g, a.seed)
            out = {NET: signal_fold(X, y, tr, va, te, a.seed, a.quick)}
            lstm = f.with_name(f"{name}.npz")
            if lstm.is_file():
                with np.load(lstm) as z:
                    if np.array_equal(z["y"], y[te]):
                        out[f"{NET}+transfer_lstm"] = out[NET] + z["transfer_lstm"]
            rec = {"protocol": protocol, "fold": name, "held_out": held, "n_test": int(len(te)), "seconds": round(time.time() - t0, 1), "models": {}}
            for m, p in out.items():
                rec["models"][m] = _figures(p, y[te], g[te], held)
            f.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(f.with_suffix(".npz"), y=y[te], **out)
            f.write_text(json.dumps(rec))
            print(f"{protocol} {name} ({k + 1}/{len(specs)}, {rec['seconds']:.0f} s): " + ", ".join(f"{m} {100 * v['accuracy']:.1f}" for m, v in rec["models"].items()), flush=True)
    return 0


def _figures(p: np.ndarray, y: np.ndarray, group: np.ndarray, held) -> dict:
    pred = np.argmax(p, axis=1)
    e = {"accuracy": float(np.mean(pred == y)), "confusion": P.confusion(y, pred).tolist()}
    if held:
        e["per_writer"] = {w: float(np.mean(pred[group == w] == y[group == w])) for w in held}
    return e


def fuse_only(out: Path, protocols) -> int:
    n = 0
    for protocol in protocols:
        for f in sorted((out / "folds" / protocol).glob(f"*.{VARIANT}.json")):
            name = f.name[: -len(f".{VARIANT}.json")]
            sig_npz, lstm_npz = f.with_name(f"{name}.{VARIANT}.npz"), f.with_name(f"{name}.npz")
            if not (sig_npz.is_file() and lstm_npz.is_file()):
                print(f"{protocol} {name}: no transfer BiLSTM probabilities yet", flush=True)
                continue
            rec = json.loads(f.read_text())
            with np.load(sig_npz) as zs, np.load(lstm_npz) as zl:
                if not np.array_equal(zs["y"], zl["y"]):
                    raise SystemExit(f"{f}: the two probability files hold different test sets")
                y, p, groups = zs["y"], zs[NET] + zl["transfer_lstm"], zl["group"]
            rec["models"][f"{NET}+transfer_lstm"] = e = _figures(p, y, groups, rec.get("held_out"))
            f.write_text(json.dumps(rec))
            n += 1
            print(f"{protocol} {name}: {NET} {100 * rec['models'][NET]['accuracy']:.1f}, fused {100 * e['accuracy']:.1f}", flush=True)
    print(f"{n} folds fused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
