#!/usr/bin/env python3
"""Few-shot calibration: spec v1's fixed gain against other gains and the gain chosen per
wearer (spec v2; spec v4's rule, which spec v5 keeps: what the device runs), on the ui folds
of ``best`` (the folds ``glovexfer evaluate --calibrate`` keeps).

    PYTHONPATH=host .venv/bin/python experiments/calibration_variants.py --shipped-pretraining u11 u14 u01 u08

For each held-out user and K = 1, 2, 3 (the calibration split of ``nets.calibration``):
the test accuracy with each candidate gain G of the device (spec v4: 1020, 2040, 4080); the
gain chosen per wearer by leave-one-out on the calibration samples alone (the most own samples
right; spec v4: ties to the larger gain, the smallest when no letter has two samples; no test
recording is used; defined here, since made calibration spec v2 (ties to the smaller then),
v4's rule chosen on 5 development real writers: ``golden.calibrate.seal``, which
tests/test_golden_calibrate.py checks against this script's choice); spec v1 as it ran (gain
255, Guard 2 with gain 255's count); and each of them decided among the calibrated letters
only (the simulated set holds 10 letters per user, docs/calibration.md).
The fixed gains' test figures are a sanity check, not a choice.  ``--shipped-pretraining``
first puts the shipped source pretraining (models/glove/best_*/pretrained.h5, which ``train``
writes from ``experiment.pretrained_weights`` with the same settings, data and seed) into
out/pretrained under the key ``evaluate`` looks up, so that no pretraining runs.  Folds not in
out/folds are trained (a few minutes each).  Writes out/calibration_variants.json.

    PYTHONPATH=host .venv/bin/python experiments/calibration_variants.py --chen-folds out/chen/folds_cal

runs the same variants, unchanged, on the 12 REAL writers of Chen et al. (2021): the fold files
``glovexfer evaluate --chen2021 --model chen_best --calibrate ...`` keeps (each held-out writer's
letters on the golden int8 device path, ``nets.chen2021_calibration``), with that run's
calibration split (``chen2021_calibration.calibrate_fold``) and nothing trained, and the
device's calibration with each letter distance of ``DISTANCES`` (spec v5's was chosen among
them on the development writers); ``--draws N``: spec v4's and v5's letter distances at K = 3
on N other calibration draws of the same folds (how much the figure depends on which letters
calibrate).  Checked (a
mismatch exits 1): the device's figures (``calibrate_fold``, spec v5) against
``lowo_cal<K>`` of models/chen2021/metrics.json when that file holds figures of the same
spec (its entries' ``spec``; an entry without one is spec v1 and is checked against this
script's spec v1), and the device's gain and unguarded accuracy against this script's chosen
gain.  Writes out/calibration_variants_chen.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from glovexfer.golden import calibrate as C
from glovexfer.nets import calibration as NC
from glovexfer.nets import experiment as E
from glovexfer.nets import protocols as P
from glovexfer.nets.datasets import _key

#: The device's candidate gains (spec v4).
GAINS = C.GAINS
#: Gain rules compared (guarded as on the device): candidates, ties to the larger gain, the gain
#: when nothing is judged.  "spec v4" is the device's; the others are the variants it was
#: chosen among on the development writers.
RULES = {"spec v3 rule": ((255, 510, 1020, 2040, 4080), False, 255),
         "v4 gains, ties to the smaller": (GAINS, False, GAINS[0]),
         "spec v4": (GAINS, True, GAINS[0]),
         "all five gains, ties to the larger": ((255, 510, 1020, 2040, 4080), True, 1020)}
ALL_GAINS = tuple(sorted({g for cands, _, _ in RULES.values() for g in cands}))


#: The golden twin's letter distance (the device's), kept while :func:`letter_distance` swaps it.
_GOLDEN_LETTER_DISTANCE = C.letter_distance


def _letter_distance_variant(mode: str, from_k: int):
    """A letter's distance in place of ``golden.calibrate.letter_distance`` (same arguments):
    ``mode`` 'nearest' (spec v4), 'mean' (the mean's distance alone), 'nearer' (the nearer of
    the nearest sample and the mean), 'both' (the golden twin's: the mean of the two distances),
    for a letter of at least ``from_k`` samples (spec v5: 'both' from ``MEAN_FROM``)."""

    def distance(nearest, x, stored):
        if mode == "both":
            return _GOLDEN_LETTER_DISTANCE(nearest, x, stored, mean_from=from_k)
        if mode == "nearest" or len(stored) < from_k:
            return nearest
        to_mean = C.mean_term(x, stored) // len(stored)
        return to_mean if mode == "mean" else np.minimum(nearest, to_mean)

    return distance


#: Letter distances compared on the real writers (spec v5's chosen among them on the development
#: writers; guarded as on the device, spec v4's gain rule): name -> (mode, from how many samples).
SPEC_V4_DISTANCE, SPEC_V5_DISTANCE = "nearest sample (spec v4)", "spec v5: mean of the two, 3 samples"
DISTANCES = {SPEC_V4_DISTANCE: ("nearest", 1), "the mean alone, 3 samples": ("mean", 3),
             "the nearer of sample and mean, 3 samples": ("nearer", 3), "mean of the two, from 2 samples": ("both", 2),
             SPEC_V5_DISTANCE: ("both", C.MEAN_FROM)}


@contextmanager
def letter_distance(mode: str, from_k: int):
    """While open, the golden twin measures a letter's distance as :func:`_letter_distance_variant`."""
    kept = C.letter_distance
    C.letter_distance = _letter_distance_variant(mode, from_k)
    try:
        yield
    finally:
        C.letter_distance = kept


#: The real writers spec v3 and v4 were chosen on (docs/calibration.md); the others are the check.
DEV_WRITERS = ("canon", "chen", "haobin", "isa", "jq")
KS = (1, 2, 3)
#: The real writers' target with K = 3 (issue 18).
CHEN_TARGET = 0.85


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


def gain_bonus(cal: C.CalibrationSet, features: tuple, gain: int, v1: bool = False) -> np.ndarray:
    """The device's bonus (spec v3: reach ``C.REACH`` tau, the BiLSTM's share; spec v5's
    distance) with ``gain``, or spec v1's (``v1``: reach tau, every network the whole gain, the
    nearest sample's distance); (B, 26) for (B, F_n) features."""
    taus = C.scales(cal)
    out = np.zeros((len(features[0]), 26), np.int64)
    if taus is None:
        return out
    for i in range(len(out)):
        d = C.distances(cal, tuple(f[i] for f in features), letter_means=not v1)
        for n, tau in enumerate(taus):
            reach = tau if v1 else C.REACH * tau
            g = gain if v1 else C.net_gain(gain, n, cal.n_nets)
            out[i] += np.where(d[n] < 0, 0, g * np.maximum(0, reach - d[n]) // reach)
    return out


def own_samples_right(cal: C.CalibrationSet, gain: int | None, v1: bool = False) -> int:
    """Leave-one-out count of own samples right with ``gain`` (Guard 2's count; None:
    uncalibrated). Spec v3 judges only the samples whose letter keeps another sample; spec
    v1 (``v1``) judged every sample."""
    ok = 0
    for c, j, s in cal.entries():
        if not v1 and len(cal.samples[c]) < 2:
            continue
        b = 0 if gain is None else gain_bonus(cal.without(c, j), tuple(f[None] for f in s.features), gain, v1)[0]
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
    calibrated = {g: st + gain_bonus(cal, feats, g) for g in ALL_GAINS}
    acc = {g: float(np.mean(np.argmax(s, 1) == yt)) for g, s in calibrated.items()}
    among = {g: float(np.mean(np.argmax(np.where(others, -1, s), 1) == yt)) for g, s in calibrated.items()}
    loo_all = {g: own_samples_right(cal, g) for g in ALL_GAINS}
    loo = {g: loo_all[g] for g in GAINS}
    judged = sum(len(cal.samples[c]) for c in cal.letters() if len(cal.samples[c]) >= 2)

    def pick(cands, larger, none):  # the most own samples right, ties as the rule says; nothing judged: `none`
        return max(cands, key=lambda g: (loo_all[g], g if larger else -g)) if judged else none

    chosen = pick(*RULES["spec v4"])
    uncal = float(np.mean(np.argmax(st, 1) == yt))
    unc_own = own_samples_right(cal, None)
    rules = {}
    for name, rule in RULES.items():
        g = pick(*rule)
        on = C.scales(cal) is not None and loo_all[g] >= unc_own  # guard 2 (nothing judged: 0 >= 0)
        rules[name] = {"gain": g, "on": bool(on), "accuracy": acc[g] if on else uncal}
    # spec v1: gain 255 reaching tau, off when it has no scale or its own count is below the uncalibrated one
    v1_on = C.scales(cal) is not None and own_samples_right(cal, C.CAL_GAIN, v1=True) >= own_samples_right(cal, None, v1=True)
    v1_acc = float(np.mean(np.argmax(st + gain_bonus(cal, feats, C.CAL_GAIN, v1=True), 1) == yt))
    return {"rules": rules, "uncalibrated": uncal, "spec_v1": v1_acc if v1_on else uncal,
            "uncalibrated_among": float(np.mean(np.argmax(np.where(others, -1, st), 1) == yt)),
            "gain": acc, "gain_among": among, "own_samples_right": loo, "chosen": chosen,
            "chosen_gain": acc[chosen], "chosen_gain_among": among[chosen]}


@contextmanager
def capturing(rows: dict):
    """While open, every ``nets.calibration.calibrate_user`` call (the protocols' own loops hand
    each fold's device data over) also appends :func:`variants` of the same data, split and
    seed to ``rows[k]``."""
    plain = NC.calibrate_user

    def both(features, scores, y, k, seed):
        rows.setdefault(k, []).append(variants(features, scores, y, k, seed))
        return plain(features, scores, y, k, seed)

    NC.calibrate_user = both
    try:
        yield
    finally:
        NC.calibrate_user = plain


def simulated(users: list[str], shipped_pretraining: bool) -> None:
    rows: dict = {}
    with capturing(rows):
        dom = E.load_domains(None, None, False, progress=False, device=True)
        if shipped_pretraining:
            seed_pretraining(dom)
        E.run("best", "ui", dom, False, progress=False, calibrate=KS, users=users)
    print("| K | uncalibrated | " + " | ".join(f"gain {g}" for g in GAINS) + " | gain chosen by leave-one-out |")
    print("|---|---|" + "---|" * (len(GAINS) + 1))
    for k, rs in sorted(rows.items()):
        m = lambda f: 100 * np.mean([f(r) for r in rs])  # noqa: E731
        cells = [f"{m(lambda r, g=g: r['gain'][g]):.2f} ({m(lambda r, g=g: r['gain_among'][g]):.2f})" for g in GAINS]
        print(f"| {k} | {m(lambda r: r['uncalibrated']):.2f} ({m(lambda r: r['uncalibrated_among']):.2f}) | " + " | ".join(cells)
              + f" | {m(lambda r: r['chosen_gain']):.2f} ({m(lambda r: r['chosen_gain_among']):.2f}) |")
    print("(in brackets: decided among the calibrated letters only)")
    write(Path("out/calibration_variants.json"), {"users": users, "rows": rows})


def chen_variants(folds: Path, metrics_path: Path, seed: int, draws: int = 0) -> dict:
    """:func:`variants` per real writer and K beside the device's calibration
    (``chen2021_calibration.calibrate_fold`` on the same fold data: the calibration split of
    the run that wrote the fold files)."""
    from glovexfer.files import read_json_object
    from glovexfer.nets import chen2021_calibration as CC
    from glovexfer.nets import chen2021_shipping as CS

    out = folds.parent if folds.name == CC.FOLDS_DIR else folds  # the run's --out or its folds_cal/
    writers = sorted(p.stem for p in (out / CC.FOLDS_DIR).glob("*.json"))
    # chen_best's figures (the metrics' ``best`` is the best model on the subject split, which
    # need not be the shipped device model)
    shipped = read_json_object(metrics_path, "metrics file")[CS.FUSED_FIGURES]
    everyone = shipped[f"{CC.KEY_PREFIX}1"]["writers"]
    if writers != everyone:  # each writer's split is seeded by its place among all 12
        raise SystemExit(f"{out / CC.FOLDS_DIR}: fold files of {writers}, the metrics' run has {everyone}")
    rows: dict = {}
    per_k: dict = {k: {} for k in KS}
    fold_arrays = {}  # each writer's fold file, read once
    for w in writers:
        got = CC.read_fold(out, w, CC.fold_settings(seed, quick=False))
        if got is None:
            raise SystemExit(f"{CC.fold_paths(out, w)[1]}: missing (the fold's .json is there)")
        fold_arrays[w] = got[1]
    with capturing(rows):
        for n, w in enumerate(writers):
            for k in KS:
                dev = CC.calibrate_fold(fold_arrays[w], k, seed, n)
                per_k[k][w] = rows[k][-1] | {"device": dev["calibrated"], "device_unguarded": dev["unguarded"],
                                             "device_uncalibrated": dev["uncalibrated"], "device_gain": dev["leave_one_out"]["gain"]}
    for name, (mode, from_k) in DISTANCES.items():  # the device's calibration with each letter distance
        with letter_distance(mode, from_k):
            for n, w in enumerate(writers):
                for k in KS:
                    per_k[k][w][f"distance: {name}"] = CC.calibrate_fold(fold_arrays[w], k, seed, n)["calibrated"]
    return {"data": "REAL IMU-pen recordings of Chen et al. (2021), leave one writer out, chen_best int8 device path",
            "folds": str(out / CC.FOLDS_DIR), "seed": seed, "gains": list(GAINS), "writers": writers,
            "per_k": {k: chen_summary(per_k[k]) for k in KS}, "check": chen_check(per_k, shipped, CC.KEY_PREFIX),
            "other_draws": chen_draws(fold_arrays, seed, draws) if draws else None}


#: Other calibration draws (``--draws``): the letter distances compared at this K (the target's).
DRAWS_K = 3


def chen_draws(fold_arrays: dict, seed: int, draws: int) -> dict:
    """The device's calibration at ``DRAWS_K`` with spec v4's and spec v5's letter distance on
    ``draws`` other calibration draws of the same fold files (``fold_arrays``: writer -> its
    fold's arrays, in the run's order): draw ``d`` (1..) seeds writer ``n``'s split
    ``1000 (seed + n + 100 d) + K`` (the run's own draw is ``d = 0``).  Mean test accuracy per
    draw: development writers, the others, all."""
    from glovexfer.nets import chen2021_calibration as CC

    names = [SPEC_V4_DISTANCE, SPEC_V5_DISTANCE]
    rows = []
    for d in range(1, draws + 1):
        row = {"draw": d}
        for name in names:
            with letter_distance(*DISTANCES[name]):
                acc = {w: NC.calibrate_user(tuple(a[f"features_{k}"] for k in CC.NETS), a["scores"], a["y"], DRAWS_K,
                                            seed=1000 * (seed + n + 100 * d) + DRAWS_K)["calibrated"]
                       for n, (w, a) in enumerate(fold_arrays.items())}
            row[name] = {"development": float(np.mean([v for w, v in acc.items() if w in DEV_WRITERS])),
                         "other": float(np.mean([v for w, v in acc.items() if w not in DEV_WRITERS])),
                         "all": float(np.mean(list(acc.values()))), "per_writer": acc}
        rows.append(row)
        print(f"draw {d}/{draws}: " + ", ".join(f"{n} {100 * row[n]['all']:.2f} %" for n in names), flush=True)
    return {"k": DRAWS_K, "distances": names, "draws": rows,
            "mean": {n: {g: float(np.mean([r[n][g] for r in rows])) for g in ("development", "other", "all")} for n in names}}


def chen_figures(r: dict) -> dict:
    """One writer's test accuracies by column of the table."""
    return {"uncalibrated": r["uncalibrated"], "spec_v1": r["spec_v1"], **{f"gain_{g}": r["gain"][g] for g in ALL_GAINS},
            "chosen_gain": r["chosen_gain"], "device": r["device"], **{f"rule: {n}": v["accuracy"] for n, v in r["rules"].items()},
            **{f"distance: {n}": r[f"distance: {n}"] for n in DISTANCES if f"distance: {n}" in r}}


def chen_summary(per_writer: dict) -> dict:
    figs = {w: chen_figures(r) for w, r in per_writer.items()}
    cols = list(next(iter(figs.values())))
    dev = [w for w in figs if w in DEV_WRITERS]
    rest = [w for w in figs if w not in DEV_WRITERS]
    return {"mean": {c: float(np.mean([f[c] for f in figs.values()])) for c in cols},
            "mean_development_writers": {c: float(np.mean([figs[w][c] for w in dev])) for c in cols} if dev else {},
            "mean_other_writers": {c: float(np.mean([figs[w][c] for w in rest])) for c in cols} if rest else {},
            f"writers_at_or_above_{round(100 * CHEN_TARGET)}": {c: sum(f[c] >= CHEN_TARGET for f in figs.values()) for c in cols},
            "chosen": {w: r["chosen"] for w, r in per_writer.items()}, "per_writer": figs,
            "own_samples_right": {w: r["own_samples_right"] for w, r in per_writer.items()},
            "chosen_gain_among_calibrated_letters": {w: r["chosen_gain_among"] for w, r in per_writer.items()}}


def chen_check(per_k: dict, shipped: dict, prefix: str) -> dict:
    """The metrics file's run against this run's figures of the same spec (device: spec v5;
    an entry without ``spec`` is spec v1), and the device's gain and unguarded accuracy
    against this script's chosen gain."""
    bad = []
    specs = {}
    for k, pw in per_k.items():
        ref = shipped[f"{prefix}{k}"]
        col = "device" if ref.get("spec", 1) == C.SPEC_VERSION else "spec_v1"
        specs[f"{prefix}{k}"] = ref.get("spec", 1)
        mean = lambda key: float(np.mean([r[key] for r in pw.values()]))  # noqa: E731
        if {w: r[col] for w, r in pw.items()} != ref["per_writer"] or not np.isclose(mean(col), ref["mean"], rtol=0, atol=1e-12):
            bad.append(f"K={k}: {col} {mean(col)} != metrics {ref['mean']} (spec {specs[f'{prefix}{k}']})")
        if {w: r["uncalibrated"] for w, r in pw.items()} != ref["uncalibrated_per_writer"]:
            bad.append(f"K={k}: uncalibrated differs from the metrics file")
        if any(r["device_gain"] != r["chosen"] or r["device_unguarded"] != r["chosen_gain"] or r["uncalibrated"] != r["device_uncalibrated"]
               for r in pw.values()):
            bad.append(f"K={k}: the device's gain is not the chosen gain")
    return {"ok": not bad, "mismatches": bad, "metrics_spec": specs,
            "metrics": {f"{prefix}{k}": shipped[f"{prefix}{k}"]["mean"] for k in per_k}}


def print_by_k(res: dict, what: str, prefix: str, names, title: str) -> None:
    """One table: a row per variant (column ``prefix + name``), a cell per K with the means of
    the development writers / the other writers / all."""
    print(title)
    print(f"| {what} | " + " | ".join(f"K = {k}" for k in res["per_k"]) + " |")
    print("|---|" + "---|" * len(res["per_k"]))
    for n in names:
        c = prefix + n
        print(f"| {n} | " + " | ".join(f"{100 * s['mean_development_writers'][c]:.2f} / {100 * s['mean_other_writers'][c]:.2f} / "
                                      f"{100 * s['mean'][c]:.2f}" for s in res["per_k"].values()) + " |")


def print_chen(res: dict) -> None:
    cols = ["uncalibrated", "spec_v1", "device"] + [f"gain_{g}" for g in ALL_GAINS] + ["chosen_gain"]
    above = f"writers_at_or_above_{round(100 * CHEN_TARGET)}"
    print("REAL writers (Chen et al. 2021), mean test accuracy % over 12 writers [writers >= 85 %]")
    print("| K | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for k, s in res["per_k"].items():
        print(f"| {k} | " + " | ".join(f"{100 * s['mean'][c]:.2f} [{s[above][c]}]" for c in cols) + " |")
    print_by_k(res, "rule", "rule: ", RULES,
               f"Gain rules, guarded as on the device: mean over the development writers ({', '.join(DEV_WRITERS)}: "
               "the rule was chosen on these) / the other writers (the check) / all")
    print_by_k(res, "letter distance", "distance: ", DISTANCES,
               "Letter distances (spec v4's gain rule), guarded as on the device: development writers (spec v5 was "
               "chosen on these) / the other writers (the check) / all")
    if res.get("other_draws"):
        o = res["other_draws"]
        print(f"K={o['k']} on {len(o['draws'])} other calibration draws, guarded as on the device: development writers / "
              "the other writers / all (per draw, then the mean)")
        print("| letter distance | " + " | ".join(f"draw {r['draw']}" for r in o["draws"]) + " | mean |")
        print("|---|" + "---|" * (len(o["draws"]) + 1))
        for n in o["distances"]:
            cells = [f"{100 * r[n]['development']:.2f} / {100 * r[n]['other']:.2f} / {100 * r[n]['all']:.2f}" for r in o["draws"]]
            m = o["mean"][n]
            print(f"| {n} | " + " | ".join(cells) + f" | {100 * m['development']:.2f} / {100 * m['other']:.2f} / {100 * m['all']:.2f} |")
    k3 = res["per_k"][KS[-1]]
    print(f"K={KS[-1]} per writer (uncalibrated / spec v1 / device, spec v5: accuracy, gain):")
    for w, f in k3["per_writer"].items():
        print(f"  {w}: {100 * f['uncalibrated']:.1f} / {100 * f['spec_v1']:.1f} / {100 * f['device']:.1f} ({k3['chosen'][w]})")
    c = res["check"]
    print(("check OK: " if c["ok"] else "check FAILED: ") + ", ".join(f"{k} {100 * v:.2f} % (spec {c['metrics_spec'][k]})" for k, v in c["metrics"].items())
          + (" (models/chen2021/metrics.json, chen_best = signal_net+transfer_lstm) equal this run's figures of that spec; the device's gain = the chosen gain"
             if c["ok"] else "; " + "; ".join(c["mismatches"])))


def write(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1))
    print(f"-> {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("users", nargs="*", help="held-out simulated users (ui folds of best)")
    ap.add_argument("--shipped-pretraining", action="store_true")
    ap.add_argument("--chen-folds", type=Path, metavar="DIR",
                    help="instead: the real writers' fold files (out/chen/folds_cal of evaluate --chen2021 --calibrate)")
    ap.add_argument("--metrics", type=Path, default=Path("models/chen2021/metrics.json"), help="with --chen-folds: the run's figures to check (lowo_cal<K>, of their spec)")
    ap.add_argument("--seed", type=int, default=0, help="with --chen-folds: the run's --seed")
    ap.add_argument("--draws", type=int, default=0, metavar="N",
                    help=f"with --chen-folds: also spec v4's and v5's letter distances at K = {DRAWS_K} on N other calibration draws")
    args = ap.parse_args()
    if bool(args.users) == bool(args.chen_folds):
        ap.error("give either simulated users or --chen-folds DIR")
    if not args.chen_folds:
        simulated(args.users, args.shipped_pretraining)
        return
    from glovexfer.errors import GloveXferError

    try:
        if args.draws < 0:
            ap.error("--draws: a number of draws, 0 or more")
        res = chen_variants(args.chen_folds, args.metrics, args.seed, args.draws)
    except GloveXferError as e:
        sys.exit(f"calibration_variants: {e}")
    print_chen(res)
    write(Path("out/calibration_variants_chen.json"), res)
    if not res["check"]["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
