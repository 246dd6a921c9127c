#!/usr/bin/env python
"""The time-signal network on the Chen protocols, and its late fusion with the transfer BiLSTM.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python tools/chen2021_best.py \
        --protocol subject_split lowo random_split

Same folds, seeds and validation splits as ``glovexfer evaluate --domain chen2021``.  Per fold it writes
out/chen/folds/<protocol>/<fold>.signal.json (+ .signal.npz probabilities) with

* ``signal_cnn``: ``glovexfer.chen.protocols.signal_cnn`` on ``represent.signals`` (pen axis,
  angular rate and acceleration in the writer frame, 64 steps), trained on the target only;
* ``signal_cnn+transfer_lstm``: its probabilities added to those of the fold's transfer
  BiLSTM (from the protocols run's <fold>.npz, when that exists).

With ``--device`` the network is the device signal network instead
(``glovexfer.chen.protocols.signal_net`` on the golden ``signals`` of the firmware's own 32-sample
counts, ``device_signal_arrays``): files ``<fold>.devsignal.json`` / ``.devsignal.npz`` with
``signal_net`` and ``signal_net+transfer_lstm``.

``glovexfer evaluate --domain chen2021 --summarise`` folds these into models/metrics_chen2021.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

import numpy as np  # noqa: E402
from glovexfer.chen import protocols as CP  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402

PROTOCOLS = ("lowo", "subject_split", "random_split")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--protocol", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    ap.add_argument("--chen2021")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="+", metavar="FOLD", help="only these folds (writer, pair 'a+b' or 'random')")
    ap.add_argument("--out", default=str(ROOT / "out" / "chen"))
    ap.add_argument("--device", action="store_true", help="the device signal network (golden signals of the firmware's counts)")
    ap.add_argument("--fuse-only", action="store_true", help="no training: (re)compute the fusion for every fold whose two probability files exist")
    a = ap.parse_args(argv)
    variant, net = ("devsignal", "signal_net") if a.device else ("signal", "signal_cnn")
    if a.fuse_only:
        return fuse_only(Path(a.out), a.protocol, variant, net)
    root = find_dataset("chen2021", a.chen2021)
    X, y, g = CP.device_signal_arrays(root, progress=False) if a.device else CP.signal_arrays(root, progress=False)
    writers = sorted(set(g.tolist()))
    for protocol in a.protocol:
        if protocol == "lowo":
            specs = CP.lowo_folds(writers)
        elif protocol == "subject_split":
            specs = CP.subject_pairs(writers, a.seed)
        else:
            specs = [("random", None)]
        if a.only:
            specs = [sp for sp in specs if sp[0] in a.only]
        for k, (name, held) in enumerate(specs):
            f = Path(a.out) / "folds" / protocol / f"{name}.{variant}.json"
            if f.is_file():
                print(f"{protocol} {name}: done already", flush=True)
                continue
            t0 = time.time()
            if protocol == "random_split":
                tr, va, te = CP.random_split(len(y), a.seed)
                train_idx, test_idx = np.concatenate([tr, va]), te
                # the protocols run early-stops on exactly ``va``; reproduce that split
                if a.device:
                    probs = CP.device_signal_fold(X, y, tr, te, a.seed, a.quick, val_idx=va)[0]
                else:
                    probs = _random_fold(X, y, tr, va, te, a.seed, a.quick)
            else:
                test_mask = np.isin(g, held)
                train_idx, test_idx = np.flatnonzero(~test_mask), np.flatnonzero(test_mask)
                if a.device:
                    probs = CP.device_signal_fold(X, y, train_idx, test_idx, a.seed, a.quick)[0]
                else:
                    probs = CP.signal_fold(X, y, train_idx, test_idx, a.seed, a.quick)
            out = {net: probs}
            lstm = f.with_name(f"{name}.npz")
            if lstm.is_file():
                with np.load(lstm) as z:
                    if np.array_equal(z["y"], y[test_idx]):
                        out[f"{net}+transfer_lstm"] = probs + z["transfer_lstm"]
            rec = {"protocol": protocol, "fold": name, "held_out": held, "n_test": int(len(test_idx)), "seconds": round(time.time() - t0, 1), "models": {}}
            for m, p in out.items():
                pred = np.argmax(p, axis=1)
                rec["models"][m] = {"accuracy": float(np.mean(pred == y[test_idx])), "confusion": CP.confusion(y[test_idx], pred).tolist()}
                if held:
                    rec["models"][m]["per_writer"] = {w: float(np.mean(pred[g[test_idx] == w] == y[test_idx][g[test_idx] == w])) for w in held}
            f.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(f.with_suffix(".npz"), y=y[test_idx], **out)
            f.write_text(json.dumps(rec))
            print(f"{protocol} {name} ({k + 1}/{len(specs)}, {rec['seconds']:.0f} s): " + ", ".join(f"{m} {100 * v['accuracy']:.1f}" for m, v in rec["models"].items()), flush=True)
    return 0


def fuse_only(out: Path, protocols, variant: str = "signal", net: str = "signal_cnn") -> int:
    n = 0
    for protocol in protocols:
        for f in sorted((out / "folds" / protocol).glob(f"*.{variant}.json")):
            name = f.name[: -len(f".{variant}.json")]
            sig_npz, lstm_npz = f.with_name(f"{name}.{variant}.npz"), f.with_name(f"{name}.npz")
            if not (sig_npz.is_file() and lstm_npz.is_file()):
                print(f"{protocol} {name}: no transfer BiLSTM probabilities yet", flush=True)
                continue
            rec = json.loads(f.read_text())
            with np.load(sig_npz) as zs, np.load(lstm_npz) as zl:
                if not np.array_equal(zs["y"], zl["y"]):
                    raise SystemExit(f"{f}: the two probability files hold different test sets")
                y, p = zs["y"], zs[net] + zl["transfer_lstm"]
                groups = zl["group"]
            pred = np.argmax(p, axis=1)
            e = {"accuracy": float(np.mean(pred == y)), "confusion": CP.confusion(y, pred).tolist()}
            if rec.get("held_out"):
                e["per_writer"] = {w: float(np.mean(pred[groups == w] == y[groups == w])) for w in rec["held_out"]}
            rec["models"][f"{net}+transfer_lstm"] = e
            f.write_text(json.dumps(rec))
            n += 1
            print(f"{protocol} {name}: {net} {100 * rec['models'][net]['accuracy']:.1f}, fused {100 * e['accuracy']:.1f}", flush=True)
    print(f"{n} folds fused")
    return 0


def _random_fold(X, y, tr, va, te, seed, quick):
    from glovexfer.nets import train as T

    mu = X[tr].mean(axis=(0, 1))
    sd = X[tr].std(axis=(0, 1)) + 1e-8
    Z = ((X - mu) / sd).astype(np.float32)
    model = CP.signal_cnn(X.shape[1], X.shape[2])
    T.fit(model, Z[tr], y[tr], Z[va], y[va], CP.quick_cfg(CP.SIGNAL_FIT) if quick else CP.SIGNAL_FIT, seed, False, "signal cnn")
    return T.predict_proba(model, Z[te])


if __name__ == "__main__":
    raise SystemExit(main())
