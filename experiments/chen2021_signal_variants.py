#!/usr/bin/env python
"""Two attempts to lift the device signal network on the Chen subject split (issue 7).

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python experiments/chen2021_signal_variants.py \
        --variant augment simpretrain

On the 6 subject-split pairs (seed 0, the protocol's folds and validation splits), per pair the
signal network alone and fused with the fold's transfer BiLSTM (probabilities from the
protocols run, out/chen/folds/subject_split/<pair>.npz):

* ``augment``: two extra copies of the training letters, each turned about the vertical by a
  random angle in +-15 deg (right/up components of the three vectors) and the angular rate and
  acceleration scaled by a random factor in [1/1.2, 1.2];
* ``simpretrain``: transfer for the signal network: pretrained on the golden ``signals`` of
  simulated glove recordings of all 62 DigiLeTs writers (``glovexfer simulate --all-writers
  --reps 6 --seed 3``, 9,672 letters, 6-axis), then fine-tuned on the fold (lr 5e-4). The
  standardisation is the fold's training letters', for both domains.

The baseline is ``signal_net`` of models/chen2021/metrics.json.  Writes out/chen/signal_variants.json.
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
from glovexfer.nets import protocols as P  # noqa: E402
from glovexfer.nets.datasets import standardise_signals  # noqa: E402
from glovexfer.nets.models import signal_net  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402
from glovexfer.nets import train as T  # noqa: E402

OUT = Path("out") / "chen"


def augment(X: np.ndarray, rng, copies: int = 2, rot_deg: float = 15.0, scale: float = 1.2) -> np.ndarray:
    out = [X.astype(np.float64)]
    n = len(X)
    for _ in range(copies):
        Z = X.astype(np.float64).copy()
        th = np.deg2rad(rng.uniform(-rot_deg, rot_deg, n))[:, None]
        c, s = np.cos(th), np.sin(th)
        for k in (0, 3, 6):
            r, u = Z[:, :, k].copy(), Z[:, :, k + 1].copy()
            Z[:, :, k], Z[:, :, k + 1] = c * r - s * u, s * r + c * u
        Z[:, :, 3:] *= rng.uniform(1 / scale, scale, (n, 1, 1))
        out.append(Z)
    return np.concatenate(out)


def simulated_signals(digilets, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    if cache.is_file():
        with np.load(cache) as z:
            return z["S"], z["y"]
    from glovexfer.golden.pipeline import run_golden
    from glovexfer.simulate import simulate_dataset

    rs = simulate_dataset(digilets, reps=6, seed=3, all_writers=True, progress=False)
    S = np.stack([run_golden(c, with_image=False, use_mag=False, with_signals=True).signals for c in rs.counts])
    y = np.asarray(rs.y)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, S=S, y=y)
    return S, y


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", nargs="+", choices=("augment", "simpretrain"), default=["augment", "simpretrain"])
    ap.add_argument("--chen2021")
    ap.add_argument("--digilets")
    a = ap.parse_args(argv)
    X, y, g = CP.device_signal_arrays(find_dataset("chen2021", a.chen2021), progress=False)
    writers = sorted(set(g.tolist()))
    fit = P.SIGNAL_FIT
    res = json.loads((OUT / "signal_variants.json").read_text()) if (OUT / "signal_variants.json").is_file() else {}
    for variant in a.variant:
        if variant == "simpretrain":
            S, ys = simulated_signals(find_dataset("digilets", a.digilets), OUT / "cache_sim_signals.npz")
        per, fused = {}, {}
        for name, held in CP.subject_pairs(writers, 0):
            t0 = time.time()
            test = np.isin(g, held)
            train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
            tr_rel, va_rel = T.split_validation(len(train_idx), CP.VALIDATION_FRACTION, np.random.default_rng(0))
            tr, va = train_idx[tr_rel], train_idx[va_rel]
            mean, std = P.signal_norm(X[tr])
            model = signal_net(X.shape[1], X.shape[2])
            if variant == "augment":
                Xa = augment(X[tr], np.random.default_rng(100))
                T.fit(model, standardise_signals(Xa, mean, std), np.tile(y[tr], len(Xa) // len(tr)), standardise_signals(X[va], mean, std), y[va], fit, 0, False, "augment")
            else:
                sp_tr, sp_va = T.split_validation(len(ys), CP.VALIDATION_FRACTION, np.random.default_rng(0))
                T.fit(model, standardise_signals(S[sp_tr], mean, std), ys[sp_tr], standardise_signals(S[sp_va], mean, std), ys[sp_va], fit, 0, False, "pretrain")
                T.fit(model, standardise_signals(X[tr], mean, std), y[tr], standardise_signals(X[va], mean, std), y[va], T.FitConfig(lr=5e-4, batch=fit.batch, max_epochs=fit.max_epochs, patience=fit.patience), 0, False, "fine-tune")
            p = T.predict_proba(model, standardise_signals(X[test_idx], mean, std))
            with np.load(OUT / "folds" / "subject_split" / f"{name}.npz") as z:
                lstm = z["transfer_lstm"]
            per[name] = float(np.mean(p.argmax(1) == y[test_idx]))
            fused[name] = float(np.mean((p + lstm).argmax(1) == y[test_idx]))
            print(f"{variant} {name}: {100 * per[name]:.1f} %, fused with the transfer BiLSTM {100 * fused[name]:.1f} % ({time.time() - t0:.0f} s)", flush=True)
        res[variant] = {"subject_split": {"mean": float(np.mean(list(per.values()))), "per_fold": per}, "fused_subject_split": {"mean": float(np.mean(list(fused.values()))), "per_fold": fused}}
        print(f"{variant}: subject split {100 * res[variant]['subject_split']['mean']:.1f} %, fused {100 * res[variant]['fused_subject_split']['mean']:.1f} %", flush=True)
        (OUT / "signal_variants.json").write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
