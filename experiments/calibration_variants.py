#!/usr/bin/env python3
"""Few-shot calibration: spec v1's fixed gain against other gains and a gain the device picks
per wearer, on the ui folds of ``best`` (the folds ``glovexfer evaluate --calibrate`` keeps).

    PYTHONPATH=host .venv/bin/python experiments/calibration_variants.py --shipped-pretraining u11 u14 u01 u08

For each held-out user and K = 1, 2, 3 (the calibration split of ``nets.calibration``):
the test accuracy with the bonus gain G in 255 (spec v1's CAL_GAIN), 510, 1020, 2040; the gain
chosen per wearer by leave-one-out on the calibration samples alone (the most own samples
right, ties to the smaller gain: no test recording is used); and each of them decided among
the calibrated letters only (the simulated set holds 10 letters per user, docs/calibration.md).
The fixed gains' test figures are a sanity check, not a choice.  ``--shipped-pretraining``
first puts the shipped source pretraining (models/glove/best_*/pretrained.h5, which ``train``
writes from ``experiment.pretrained_weights`` with the same settings, data and seed) into
out/pretrained under the key ``evaluate`` looks up, so that no pretraining runs.  Folds not in
out/folds are trained (a few minutes each).  Writes out/calibration_variants.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from glovexfer.golden import calibrate as C
from glovexfer.nets import calibration as NC
from glovexfer.nets import experiment as E
from glovexfer.nets import protocols as P
from glovexfer.nets.datasets import _key

GAINS = (255, 510, 1020, 2040)


def seed_pretraining(dom: E.Domains) -> None:
    from glovexfer.nets.shipping import load_keras

    for part in P.members(P.SETTINGS["best"]):
        src = dom.source_for(part)
        key = _key(part.kind, part.pretrain_cfg, part.sim_source_reps, dom.source_writers, dom.quick, 0, len(src))
        path = E.PRETRAINED_CACHE / f"{part.kind}_{key}.npz"
        if not path.is_file():
            w = load_keras(Path("models/glove") / part.name / "pretrained.h5").get_weights()
            path.parent.mkdir(parents=True, exist_ok=True)
            hist = {"from": f"models/glove/{part.name}/pretrained.h5", "source_size": len(src)}
            np.savez(path, n=len(w), history=json.dumps(hist), **{f"w{i}": x for i, x in enumerate(w)})


def gain_bonus(cal: C.CalibrationSet, features: tuple, gain: int) -> np.ndarray:
    """spec v1's bonus with ``gain`` for CAL_GAIN, (B, 26) for (B, F_n) features."""
    taus = C.scales(cal)
    out = np.zeros((len(features[0]), 26), np.int64)
    if taus is None:
        return out
    for i in range(len(out)):
        d = C.distances(cal, tuple(f[i] for f in features))
        for n, tau in enumerate(taus):
            out[i] += np.where(d[n] < 0, 0, gain * np.maximum(0, tau - d[n]) // tau)
    return out


def own_samples_right(cal: C.CalibrationSet, gain: int) -> int:
    """Leave-one-out count of own samples right with ``gain`` (Guard 2's count)."""
    ok = 0
    for c, j, s in cal.entries():
        b = gain_bonus(cal.without(c, j), tuple(f[None] for f in s.features), gain)[0]
        ok += int(np.argmax(s.scores + b) == c)
    return ok


def variants(features, scores, y, k, seed) -> dict:
    cal_idx, test_idx = NC.calibration_split(np.asarray(y), k, seed)
    cal = C.CalibrationSet(len(features))
    for i in cal_idx:
        C.add_sample(cal, int(y[i]), tuple(f[i] for f in features), scores[i], confirm=True)
    feats, yt, st = tuple(f[test_idx] for f in features), y[test_idx], scores[test_idx]
    others = np.ones(26, bool)
    others[cal.letters()] = False
    calibrated = {g: st + gain_bonus(cal, feats, g) for g in GAINS}
    acc = {g: float(np.mean(np.argmax(s, 1) == yt)) for g, s in calibrated.items()}
    among = {g: float(np.mean(np.argmax(np.where(others, -1, s), 1) == yt)) for g, s in calibrated.items()}
    loo = {g: own_samples_right(cal, g) for g in GAINS}
    chosen = max(GAINS, key=lambda g: (loo[g], -g))
    return {"uncalibrated": float(np.mean(np.argmax(st, 1) == yt)),
            "uncalibrated_among": float(np.mean(np.argmax(np.where(others, -1, st), 1) == yt)),
            "gain": acc, "gain_among": among, "own_samples_right": loo, "chosen": chosen,
            "chosen_gain": acc[chosen], "chosen_gain_among": among[chosen]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("users", nargs="+")
    ap.add_argument("--shipped-pretraining", action="store_true")
    args = ap.parse_args()
    rows: dict = {}
    plain = NC.calibrate_user

    def both(features, scores, y, k, seed):
        rows.setdefault(k, []).append(variants(features, scores, y, k, seed))
        return plain(features, scores, y, k, seed)

    NC.calibrate_user = both  # the protocol's own loop hands each fold's device data over
    dom = E.load_domains(None, None, False, progress=False, device=True)
    if args.shipped_pretraining:
        seed_pretraining(dom)
    E.run("best", "ui", dom, False, progress=False, calibrate=(1, 2, 3), users=args.users)
    print("| K | uncalibrated | " + " | ".join(f"gain {g}" for g in GAINS) + " | gain chosen by leave-one-out |")
    print("|---|---|" + "---|" * (len(GAINS) + 1))
    for k, rs in sorted(rows.items()):
        m = lambda f: 100 * np.mean([f(r) for r in rs])  # noqa: E731
        cells = [f"{m(lambda r, g=g: r['gain'][g]):.2f} ({m(lambda r, g=g: r['gain_among'][g]):.2f})" for g in GAINS]
        print(f"| {k} | {m(lambda r: r['uncalibrated']):.2f} ({m(lambda r: r['uncalibrated_among']):.2f}) | " + " | ".join(cells)
              + f" | {m(lambda r: r['chosen_gain']):.2f} ({m(lambda r: r['chosen_gain_among']):.2f}) |")
    print("(in brackets: decided among the calibrated letters only)")
    out = Path("out/calibration_variants.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"users": args.users, "rows": rows}, indent=1))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
