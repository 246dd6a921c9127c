#!/usr/bin/env python
"""Domain-alignment study: which 2D path of a pen recording looks like a DigiLeTs trajectory?

For every representation of ``glovexfer.chen.represent.KINDS`` plus ``dev32`` (the float
pipeline on the firmware's own 32-sample counts from ``glovexfer.chen.counts.to_counts``):

* ``knn_lowo``: 1-nearest-neighbour accuracy on the cleaned 100-point paths, leave one
  writer out (mean over the 12 writers) -- how consistent the path of a letter is across
  writers, with no training at all;
* ``knn_all``: 1-NN leave-one-sequence-out over all writers (within-writer consistency);
* ``source_only``: accuracy of the paper BiLSTM trained on DigiLeTs only (all 62 writers,
  ``pretrained_weights`` below), on every ``--every``-th sequence, for the best of 16 plane
  transforms (rotation by k * 45 deg, with and without mirroring x) -- the transform is
  reported (``m`` = mirrored);
* ``source_only_plain``: the same with no transform.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python experiments/chen2021_alignment.py

Writes out/chen/alignment.json and prints a Markdown table (docs/results-chen2021.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
from glovexfer.chen.counts import to_counts, to_physical  # noqa: E402
from glovexfer.chen.represent import KINDS, cleaned  # noqa: E402
from glovexfer.data.chen2021 import load_chen2021  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402
from glovexfer.pipeline import run as float_run  # noqa: E402

ALL = KINDS + ("dev32",)


def paths(cs, kind: str, cache: Path) -> np.ndarray:
    f = cache / f"chen_alignment_{kind}_{len(cs)}.npy"
    if f.is_file():
        return np.load(f)
    t0 = time.time()
    if kind == "dev32":
        out = []
        for s in cs.sequences:
            a, g = to_physical(to_counts(s, cs.calibrations.get(s.session))[0])
            out.append(float_run(a, g, None, with_image=False).resampled)
        X = np.stack(out)
    else:
        X = np.stack([cleaned(s, kind, cs.calibrations.get(s.session)) for s in cs.sequences])
    X = X.astype(np.float32)
    f.parent.mkdir(parents=True, exist_ok=True)
    np.save(f, X)
    print(f"  {kind}: paths in {time.time() - t0:.0f} s", flush=True)
    return X


def knn_lowo(X, y, w) -> float:
    X = X.reshape(len(X), -1).astype(np.float64)
    accs = []
    for u in sorted(set(w.tolist())):
        te = w == u
        A, B = X[te], X[~te]
        d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None] - 2 * A @ B.T
        accs.append(float(np.mean(y[~te][np.argmin(d, 1)] == y[te])))
    return float(np.mean(accs))


def knn_all(X, y) -> float:
    X = X.reshape(len(X), -1).astype(np.float64)
    d = (X * X).sum(1)[:, None] + (X * X).sum(1)[None] - 2 * X @ X.T
    np.fill_diagonal(d, np.inf)
    return float(np.mean(y[np.argmin(d, 1)] == y))


def transforms(X):
    """(name, X') for 8 rotations x {plain, mirrored x}, re-normalised like ``normalise``."""
    for mir in (False, True):
        for deg in range(0, 360, 45):
            c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
            Y = X.astype(np.float64) - 0.5
            if mir:
                Y = Y * np.array([-1.0, 1.0])
            Y = Y @ np.array([[c, -s], [s, c]]).T
            Y = Y - Y.min(1, keepdims=True)
            Y = Y / np.maximum(Y.max(axis=(1, 2), keepdims=True), 1e-12)
            Y = Y + (1 - Y.max(1, keepdims=True)) / 2
            yield f"{'m' if mir else ''}{deg}", Y.astype(np.float32)


#: Pretraining budget on a 2-core machine: the BiLSTM on every DigiLeTs writer, unswapped
#: (the transforms below are what the study compares).
PRETRAIN_LSTM = dict(lr=0.01, batch=32, max_epochs=40, patience=8)


def pretrained_weights(digilets_root, cache_dir="out/cache", seed: int = 0, progress: bool = False):
    """Weights of the paper BiLSTM trained on all DigiLeTs writers (plain x, y), cached."""
    from dataclasses import asdict

    from glovexfer.nets.chen2021 import all_writers
    from glovexfer.nets import protocols as P
    from glovexfer.nets import train as T
    from glovexfer.nets.datasets import _key, source_arrays

    cfg = T.FitConfig(**PRETRAIN_LSTM)
    writers = all_writers(digilets_root)
    path = Path(cache_dir) / f"chen_pretrain_lstm_{_key(1, 'lstm', asdict(cfg), writers, seed)}.npz"
    if path.is_file():
        with np.load(path) as z:
            return [z[f"w{i}"] for i in range(len(z.files) - 1)]
    src = source_arrays(digilets_root, writers, cache_dir=cache_dir, progress=progress)
    model, hist = P.pretrain(P.Setting("chen_pretrain_lstm", "lstm", True, False, cfg, cfg), src, seed, progress)
    w = model.get_weights()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{f"w{i}": a for i, a in enumerate(w)}, hist=np.array(json.dumps(hist)))
    return w


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chen2021")
    ap.add_argument("--digilets")
    ap.add_argument("--kinds", nargs="+", default=list(ALL), choices=ALL)
    ap.add_argument("--every", type=int, default=3, help="source-only on every N-th sequence (CPU budget)")
    ap.add_argument("--out", default=str(Path("out") / "chen" / "alignment.json"))
    a = ap.parse_args(argv)
    cs = load_chen2021(find_dataset("chen2021", a.chen2021))
    y, w = cs.y, cs.writers
    from glovexfer.nets import models as M

    net = M.paper_lstm()
    net.set_weights(pretrained_weights(find_dataset("digilets", a.digilets)))
    sub = np.arange(0, len(cs), a.every)
    res = {}
    for kind in a.kinds:
        X = paths(cs, kind, Path("out") / "cache")
        r = {"knn_lowo": knn_lowo(X, y, w), "knn_all": knn_all(X, y)}
        best = (-1.0, "")
        for name, Y in transforms(X[sub]):
            p = np.argmax(net.predict(Y, batch_size=512, verbose=0), axis=1)
            acc = float(np.mean([np.mean(p[w[sub] == u] == y[sub][w[sub] == u]) for u in sorted(set(w.tolist()))]))
            if name == "0":
                r["source_only_plain"] = acc
            best = max(best, (acc, name))
        r["source_only"], r["source_only_transform"] = best
        res[kind] = r
        print(f"{kind:6s} 1-NN LOWO {100 * r['knn_lowo']:5.1f}  1-NN all {100 * r['knn_all']:5.1f}  source-only {100 * r['source_only_plain']:5.1f} plain, {100 * r['source_only']:5.1f} ({r['source_only_transform']})", flush=True)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"every": a.every, "n": len(cs), "results": res}, indent=1))
    print("\n| representation | 1-NN LOWO % | 1-NN all % | source-only % (plain) | source-only % (best transform) |")
    print("|---|---:|---:|---:|---:|")
    for k, r in res.items():
        print(f"| {k} | {100 * r['knn_lowo']:.1f} | {100 * r['knn_all']:.1f} | {100 * r['source_only_plain']:.1f} | {100 * r['source_only']:.1f} ({r['source_only_transform']}) |")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
