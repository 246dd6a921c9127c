#!/usr/bin/env python
"""Run the Chen et al. (2021) protocols and write models/metrics_chen2021.json.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 \
        .venv/bin/python tools/chen2021_protocols.py --protocol lowo subject_split random_split

Each fold's results are saved to out/chen/folds/<protocol>/<fold>.json as soon as it is done,
and a rerun skips finished folds, so a long run can be interrupted and resumed.
``--summarise`` only collects the saved folds into models/metrics_chen2021.json (per model
name: ``lowo.mean``, ``lowo.per_writer``, ``subject_split.mean``, ``random_split.mean``, with
per-fold figures and confusion matrices).  ``--quick`` runs every code path on 2 epochs and
writes to out/chen/quick (its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

import numpy as np  # noqa: E402
from glovexfer.chen import protocols as CP  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402

PROTOCOLS = ("lowo", "subject_split", "random_split")
N_PAIRS = 6
#: Clearer names in the summary than the fold files' keys.
RENAME = {"best_fused": "fused_transfer_lstm_cnn"}
PUBLISHED = {
    "chen2021_lstm": {"random_split": 0.866, "subject_split": 0.536},
    "chen2021_cnn": {"random_split": 0.78, "subject_split": 0.402},
}


def fold_specs(protocol: str, writers: list[str], seed: int):
    if protocol == "lowo":
        return CP.lowo_folds(writers)
    if protocol == "subject_split":
        return CP.subject_pairs(writers, seed)
    return [("random", None)]


def run(args) -> None:
    out = Path(args.out)
    tgt = CP.target(find_dataset("chen2021", args.chen2021), progress=not args.no_progress)
    digilets = find_dataset("digilets", args.digilets)
    src = None
    weights = {}
    for net in CP.NETS:
        t0 = time.time()
        if src is None:
            src = CP.source(digilets, progress=not args.no_progress)
        weights[net] = CP.pretrained(net, digilets, seed=args.seed, progress=not args.no_progress, quick=args.quick, src=src)
        print(f"pretrained {net} ({time.time() - t0:.0f} s)", flush=True)
    writers = sorted(set(tgt.group.tolist()))
    for protocol in args.protocol:
        specs = fold_specs(protocol, writers, args.seed)
        if args.folds:
            specs = specs[: args.folds]
        if args.only:
            specs = [sp for sp in specs if sp[0] in args.only]
        for k, (name, held) in enumerate(specs):
            f = out / "folds" / protocol / f"{name}.json"
            if f.is_file():
                print(f"{protocol} {name}: done already ({f})", flush=True)
                continue
            if protocol == "random_split":
                tr, va, te = CP.random_split(len(tgt), args.seed)
                tr_a, va_a, te_a = tgt.take(tr), tgt.take(va), tgt.take(te)
            else:
                test_mask = np.isin(tgt.group, held)
                tr_a, va_a = CP._split_val(tgt.take(np.flatnonzero(~test_mask)), args.seed)
                te_a = tgt.take(np.flatnonzero(test_mask))
            t0 = time.time()
            probs = CP.run_fold(tr_a, va_a, te_a, weights, args.seed + k, args.quick, not args.no_progress, f"{protocol} {name}")
            rec = {"protocol": protocol, "fold": name, "held_out": held, "n_test": int(len(te_a)), "n_train": int(len(tr_a)), "n_val": int(len(va_a)), "seconds": round(time.time() - t0, 1), "models": {}}
            for m, p in probs.items():
                pred = np.argmax(p, axis=1)
                rec["models"][m] = {"accuracy": float(np.mean(pred == te_a.y)), "confusion": CP.confusion(te_a.y, pred).tolist()}
                if protocol == "lowo" or protocol == "subject_split":
                    rec["models"][m]["per_writer"] = {w: float(np.mean(pred[te_a.group == w] == te_a.y[te_a.group == w])) for w in held}
            f.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(f.with_suffix(".npz"), y=te_a.y, group=te_a.group, **probs)  # for later fusions
            f.write_text(json.dumps(rec))
            print(f"{protocol} {name} ({k + 1}/{len(specs)}, {rec['seconds']:.0f} s): " + ", ".join(f"{m} {100 * v['accuracy']:.1f}" for m, v in rec["models"].items()), flush=True)


#: Per-fold files of tools/chen2021_best.py merged into the protocol folds.
EXTRA_SUFFIXES = (".signal.json", ".devsignal.json")


def summarise(args) -> dict:
    out = Path(args.out)
    res: dict = {
        "note": "accuracies are fractions in [0, 1] on the real IMU-pen recordings of Chen et al. (2021), 12 writers / "
        "15 sessions; representation '" + CP.REPRESENTATION + "' (the device's 6-axis Madgwick + points stage, pen axis as "
        "sensor x); source = all 62 DigiLeTs writers with x and y swapped",
        "published": PUBLISHED,
        "reproduce": "TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python tools/chen2021_protocols.py "
        "--protocol lowo subject_split random_split",
        "config": {
            "pretrain": {k: asdict(v) for k, v in CP.PRETRAIN.items()},
            "finetune (transfer)": {k: asdict(v) for k, v in CP.FINETUNE.items()},
            "from scratch (target-only)": {k: asdict(v) for k, v in CP.SCRATCH.items()},
        },
    }
    models: dict = {}
    for protocol in PROTOCOLS:
        d = out / "folds" / protocol
        base = {f.name[: -len(".json")]: json.loads(f.read_text()) for f in sorted(d.glob("*.json")) if not f.name.endswith(EXTRA_SUFFIXES)}
        for suffix in EXTRA_SUFFIXES:  # tools/chen2021_best.py (float and device signal networks)
            for f in sorted(d.glob("*" + suffix)):
                name = f.name[: -len(suffix)]
                sig = json.loads(f.read_text())
                base.setdefault(name, {"fold": name, "models": {}})["models"].update(sig["models"])
        if not base:
            continue
        names = sorted({m for r in base.values() for m in r["models"]})
        for m in names:
            folds = [r for r in base.values() if m in r["models"]]
            accs = {r["fold"]: r["models"][m]["accuracy"] for r in folds}
            conf = np.sum([r["models"][m]["confusion"] for r in folds], axis=0)
            entry = {"mean": float(np.mean(list(accs.values()))), "std": float(np.std(list(accs.values()))), "folds": len(folds), "per_fold": accs, "confusion": conf.tolist()}
            if protocol in ("lowo", "subject_split"):
                entry["per_writer"] = {w: a for r in folds for w, a in r["models"][m]["per_writer"].items()}
            models.setdefault(RENAME.get(m, m), {})[protocol] = entry
    # "best": the model with the highest subject-split mean among those measured on all 6
    # pairs (the rule is fixed; the choice is made on the reported folds)
    complete = [m for m, v in models.items() if "subject_split" in v and v["subject_split"]["folds"] == N_PAIRS]
    if complete:
        best = max(complete, key=lambda m: models[m]["subject_split"]["mean"])
        models["best"] = dict(models[best]) | {"is": best}
    res["models"] = sorted(models)
    res.update(models)
    res["fold_seconds"] = {p: float(sum(json.loads(f.read_text())["seconds"] for f in (out / "folds" / p).glob("*.json"))) for p in PROTOCOLS if (out / "folds" / p).is_dir()}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--protocol", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    ap.add_argument("--chen2021", metavar="DIR")
    ap.add_argument("--digilets", metavar="DIR")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", type=int, help="only the first N folds of each protocol")
    ap.add_argument("--only", nargs="+", metavar="FOLD", help="only these folds (writer, pair 'a+b' or 'random')")
    ap.add_argument("--quick", action="store_true", help="2 epochs, writes to out/chen/quick; numbers are meaningless")
    ap.add_argument("--out", default=None, help="fold results folder (default out/chen, or out/chen/quick)")
    ap.add_argument("--metrics", default=None, help="summary JSON (default models/metrics_chen2021.json; not written with --quick unless given)")
    ap.add_argument("--summarise", action="store_true", help="only collect the saved folds into the summary JSON")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = str(ROOT / "out" / "chen" / ("quick" if args.quick else ""))
    if not args.summarise:
        run(args)
    metrics = args.metrics or (None if args.quick else str(ROOT / "models" / "metrics_chen2021.json"))
    if metrics:
        res = summarise(args)
        Path(metrics).write_text(json.dumps(res, indent=1))
        for m in res["models"]:
            v = res[m]
            print(f"{m:18s} " + "  ".join(f"{p} {100 * v[p]['mean']:.1f} % ({v[p]['folds']} folds)" for p in PROTOCOLS if p in v))
        print(f"-> {metrics}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
