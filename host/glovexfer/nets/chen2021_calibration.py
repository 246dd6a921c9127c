"""Few-shot calibration on the real pen writers of Chen et al. (2021)
(``glovexfer evaluate --chen2021 DIR --model chen_best --calibrate K``).

Leave one writer out, as the shipped model ``chen_best`` is made (the device model
``fused_signal``: the transfer BiLSTM and the device signal network, their int8 softmax
outputs added).  For each held-out writer:

1. the two networks are trained on the other 11 writers exactly as ``glovexfer train --domain
   chen2021`` trains them on all 12 (``chen2021_shipping.fit_transfer`` from the cached
   DigiLeTs pretraining, ``chen2021_shipping.fit_signal``; same settings and seed);
2. both are converted to int8 as ``glovexfer export --domain chen2021`` converts them
   (``protocols.int8_network``, ``tflite.signal_int8``; representative letters from the
   fold's training writers only, ``REPRESENTATIVE_N`` of them, the export's seed);
3. the held-out writer's letters go the device's way (``chen.counts.to_counts``, the golden
   fixed-point pipeline, the golden int8 networks: ``golden.recognise.recognise_batch``),
   which gives each letter's uncalibrated integer scores and both networks' features;
4. per K, ``calibration.calibrate_user``: K letters of each letter written by the writer are
   the calibration set, the writer's other letters the test set; the calibrated (device, with
   Guard 2), unguarded and uncalibrated decisions are all measured on that same test set.

Steps 1-3 are kept per writer in ``<out>/folds_cal/<writer>.json`` (figures) and ``.npz``
(labels, scores, features), so an interrupted run resumes and any K is computed from them
without training again.  ``lowo_cal<K>`` of a run over all 12 writers goes into
models/chen2021/metrics.json, beside the protocols' figures of the same model.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from . import calibration
from . import chen2021 as CP
from . import chen2021_shipping as CS
from . import protocols as P

#: The names this measurement answers to: the shipped model and its device model.
MODELS = ("chen_best", "fused_signal")
#: The device model's networks, in ``golden.recognise.MODEL_NETS`` order.
NETS = ("lstm", "signal")
#: Representative letters of each int8 conversion (``glovexfer export``'s default ``--n-rep``).
REPRESENTATIVE_N = P.INT8_REPRESENTATIVE_N
FOLDS_DIR = "folds_cal"
FOLD_VERSION = 1
#: The held-out writers of a complete run.
N_WRITERS = 12
KEY_PREFIX = "lowo_cal"


def reproduce_command(ks) -> str:
    return ("TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 glovexfer evaluate --chen2021 --model chen_best --calibrate "
            + " ".join(str(k) for k in ks))


def fold_settings(seed: int, quick: bool) -> dict:
    """Everything besides the data that decides a fold's result: a fold file made with other
    settings is refused rather than mixed in."""
    return {"version": FOLD_VERSION, "seed": seed, "quick": quick, "pretrain_lstm": asdict(CP.PRETRAIN["lstm"]),
            "finetune_lstm": asdict(CP.FINETUNE["lstm"]), "signal_fit": asdict(P.SIGNAL_FIT), "representative_n": REPRESENTATIVE_N}


def fold_paths(out: Path, writer: str) -> tuple[Path, Path]:
    d = Path(out) / FOLDS_DIR
    return d / f"{writer}.json", d / f"{writer}.npz"


def device_fold(chen_root, tgt, held: str, lstm_weights, seed: int, quick: bool, progress: bool) -> tuple[dict, dict]:
    """Steps 1-3 (module docstring) for the held-out writer ``held``: (figures, arrays).

    ``tgt``: every Chen letter (``chen2021_shipping.domain_arrays(..., signals=True)``);
    ``lstm_weights``: the DigiLeTs-pretrained BiLSTM (``chen2021.pretrained``)."""
    from ..chen.counts import recording_set
    from ..golden.network import load_int8_model
    from ..golden.recognise import fuse_batch, recognise_batch
    from ..params import LETTERS
    from .datasets import standardise_signals
    from .shipping import SCORE_CHUNK
    from .tflite import signal_int8
    from .train import predict_proba

    t0 = time.time()
    train_idx = np.flatnonzero(tgt.group != held)
    test_idx = np.flatnonzero(tgt.group == held)
    if len(test_idx) == 0:
        raise GloveXferError(f"writer '{held}': no letters in {chen_root}")
    train_all = tgt.take(train_idx)  # the export's representative letters: every training letter
    fit_idx = np.arange(len(train_all))[::10] if quick else np.arange(len(train_all))  # the shipping path's quick sliver
    lstm, _ = CS.fit_transfer("lstm", lstm_weights, train_all.take(fit_idx), seed, progress, quick)
    signal, norm = CS.fit_signal(train_all.sig, train_all.y, fit_idx, seed, progress, quick)
    t_train = time.time() - t0
    nets = {"lstm": P.int8_network(lstm, "lstm", train_all, seed),
            "signal": load_int8_model(signal_int8(signal, norm, P.inputs("signal", train_all), n_rep=REPRESENTATIVE_N, seed=seed))}
    rs = recording_set(chen_root, writers=[held])
    test = tgt.take(test_idx)
    y = np.array([LETTERS.index(c) for c in rs.labels], dtype=np.int64)
    if not np.array_equal(y, test.y):
        raise GloveXferError(f"writer '{held}': the device inputs and the trajectories list the letters differently")
    scores, feats, member = [], {k: [] for k in NETS}, {k: [] for k in NETS}
    for k0 in range(0, len(rs), SCORE_CHUNK):
        r = recognise_batch(rs.counts[k0 : k0 + SCORE_CHUNK], net_lstm=nets["lstm"], net_signal=nets["signal"], sensor=rs.sensor)
        scores.append(fuse_batch(r.lstm, r.signal).scores)
        for k in NETS:
            feats[k].append(getattr(r, k).features)
            member[k].append(getattr(r, k).index)
    scores = np.concatenate(scores).astype(np.int64)
    pred = np.argmax(scores, axis=1)  # first maximum, as the device
    flt = np.argmax(P.predict(lstm, "lstm", test) + predict_proba(signal, standardise_signals(test.sig, *norm)), axis=1)
    rec = {
        "writer": held, "n_test": int(len(test_idx)), "n_train": int(len(fit_idx)), "representative_from": int(len(train_all)),
        "float_accuracy": float(np.mean(flt == y)), "int8_accuracy": float(np.mean(pred == y)),
        "argmax_agreement_int8_vs_float": float(np.mean(pred == flt)),
        "int8_members": {k: float(np.mean(np.concatenate(member[k]) == y)) for k in NETS},
        "train_seconds": round(t_train, 1), "seconds": round(time.time() - t0, 1),
    }
    arrays = {"y": y, "scores": scores, **{f"features_{k}": np.concatenate(feats[k]) for k in NETS}}
    return rec, arrays


def read_fold(out: Path, writer: str, settings: dict) -> tuple[dict, dict] | None:
    """A finished fold (figures, arrays), None when there is none; refused when it was made
    with other settings."""
    from ..files import read_json_object

    js, npz = fold_paths(out, writer)
    if not (js.is_file() and npz.is_file()):
        return None
    rec = read_json_object(js, "calibration fold result")
    if rec.get("settings") != settings:
        raise GloveXferError(f"{js}: made with other settings ({rec.get('settings')}); remove {js.parent} or give another --out")
    with np.load(npz, allow_pickle=False) as z:
        return rec, {k: z[k] for k in z.files}


def write_fold(out: Path, writer: str, rec: dict, arrays: dict) -> None:
    js, npz = fold_paths(out, writer)
    js.parent.mkdir(parents=True, exist_ok=True)
    tmp = npz.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(npz)
    js.write_text(json.dumps(rec, indent=1))  # last: a fold with its .json is complete


def calibrate_fold(arrays: dict, k: int, seed: int, fold_index: int) -> dict:
    """``calibration.calibrate_user`` on one fold's device data with ``k`` letters per letter
    (the calibration recordings seeded by the writer's place among all writers, as the glove's
    ui protocol seeds them by the user's)."""
    feats = tuple(arrays[f"features_{n}"] for n in NETS)
    return calibration.calibrate_user(feats, arrays["scores"], arrays["y"], k, seed=1000 * (seed + fold_index) + k)


def run(chen_root, digilets_root, out: Path, ks, seed: int = 0, quick: bool = False, progress: bool = True, folds: int | None = None,
        only: list[str] | None = None, summarise_only: bool = False, log=print) -> dict:
    """Every (or ``folds`` first, or ``only`` these) held-out writer's fold, from the fold files
    where they exist; returns the run's figures (:func:`summary`).  ``summarise_only``: no
    training, the fold files there are."""
    ks = tuple(sorted(set(ks)))
    if not ks or any(k not in (1, 2, 3) for k in ks):
        raise GloveXferError(f"--calibrate {' '.join(map(str, ks))}: K must be 1, 2 or 3 letters per letter (golden.calibrate.K_MAX = 3)")
    tgt = CS.domain_arrays(chen_root, signals=True, progress=progress)
    everyone = sorted(set(tgt.group.tolist()))
    unknown = sorted(set(only or ()) - set(everyone))
    if unknown:
        raise GloveXferError(f"--only {' '.join(unknown)}: no such writer in {chen_root} ({', '.join(everyone)})")
    chosen = [w for w in everyone if not only or w in only][: folds or None]
    settings = fold_settings(seed, quick)
    weights = None
    done: dict = {}
    per_k: dict = {k: {} for k in ks}
    for n, w in enumerate(chosen):
        got = read_fold(out, w, settings)
        if got is None and summarise_only:
            log(f"lowo {w}: no fold file ({fold_paths(out, w)[0]}), left out")
            continue
        if got is None:
            if weights is None:
                t0 = time.time()
                weights = CP.pretrained("lstm", digilets_root, seed=seed, progress=progress, quick=quick)
                log(f"pretrained lstm ({time.time() - t0:.0f} s)")
            rec, arrays = device_fold(chen_root, tgt, w, weights, seed, quick, progress)
            rec["settings"] = settings
            write_fold(out, w, rec, arrays)
            state = f"{rec['seconds']:.0f} s"
        else:
            rec, arrays = got
            state = "done already"
        done[w] = rec
        line = [f"float {100 * rec['float_accuracy']:.1f} %, int8 {100 * rec['int8_accuracy']:.1f} % on all {rec['n_test']} letters"]
        for k in ks:
            r = per_k[k][w] = calibrate_fold(arrays, k, seed, everyone.index(w))
            line.append(f"K={k}: {100 * r['uncalibrated']:.1f} -> {100 * r['calibrated']:.1f} % (unguarded {100 * r['unguarded']:.1f} %, "
                        f"{r['test_recordings']} test letters; {r['leave_one_out']['message']})")
        log(f"lowo {w} ({n + 1}/{len(chosen)}, {state}): " + "; ".join(line))
    if not done:
        raise GloveXferError(f"{Path(out) / FOLDS_DIR}: no finished fold to summarise")
    return summary(done, per_k, everyone, seed, quick)


def summary(done: dict, per_k: dict, everyone: list[str], seed: int, quick: bool) -> dict:
    """The run's figures: per fold, the uncalibrated device and float accuracies over all the
    writer's letters (``lowo``), and per K (``lowo_cal<K>``, ``calibration.summarise`` per writer)."""
    res: dict = {"model": "chen_best", "device_model": "fused_signal", "protocol": "lowo", "quick": quick, "seed": seed,
                 "data": "real IMU-pen recordings of Chen et al. (2021)", "writers": list(done),
                 "complete": sorted(done) == everyone and len(everyone) == N_WRITERS, "folds": done,
                 "reproduce": reproduce_command(sorted(per_k))}
    res["lowo"] = {}
    for key in ("int8_accuracy", "float_accuracy"):
        pw = {w: r[key] for w, r in done.items()}
        res["lowo"][key[: -len("_accuracy")]] = {"mean": float(np.mean(list(pw.values()))), "per_writer": pw}
    res["fold_seconds"] = float(sum(r["seconds"] for r in done.values()))
    for k, pu in per_k.items():
        res[f"{KEY_PREFIX}{k}"] = calibration.summarise(pu, unit="writer") | {"folds": len(pu)}
    return res


def metrics_entries(res: dict) -> dict:
    """``{lowo_cal<K>: headline figures}`` of a complete run, for models/chen2021/metrics.json."""
    if res["quick"] or not res["complete"]:
        raise GloveXferError("only a complete run (all 12 writers, not --quick) goes into the metrics file")
    out = {}
    for key in sorted(k for k in res if k.startswith(KEY_PREFIX)):
        c = res[key]
        out[key] = {"spec": c["spec"], "mean": c["mean"], "std": c["std"], "per_writer": c["per_writer"], "uncalibrated": c["uncalibrated"]["mean"],
                    "uncalibrated_per_writer": c["uncalibrated"]["per_writer"], "unguarded": c["unguarded"]["mean"],
                    "guard2_off": [w for w, g in c["guards"].items() if not g["enabled"]], "writers": c["writers"],
                    "device_path_all_letters": res["lowo"]["int8"]["mean"], "reproduce": res["reproduce"]}
    return out


def put_into_metrics(metrics: dict, entries: dict) -> dict:
    """``entries`` (:func:`metrics_entries`) under chen_best's figures (``FUSED_FIGURES``) of the
    protocols' metrics, and under ``best`` where that is the same model."""
    if CS.FUSED_FIGURES not in metrics:
        raise GloveXferError(f"the metrics file has no '{CS.FUSED_FIGURES}' figures (run: glovexfer evaluate --domain chen2021 first)")
    metrics[CS.FUSED_FIGURES].update(entries)
    if metrics.get("best", {}).get("is") == CS.FUSED_FIGURES:
        metrics["best"].update(entries)
    return metrics


def carry_over(new: dict, old: dict) -> dict:
    """The calibration figures of the previous metrics ``old`` kept in a new protocols summary
    ``new`` (``chen2021.summarise`` knows nothing of them)."""
    entries = {k: v for k, v in old.get(CS.FUSED_FIGURES, {}).items() if k.startswith(KEY_PREFIX)}
    return put_into_metrics(new, entries) if entries and CS.FUSED_FIGURES in new else new


__all__ = ["MODELS", "carry_over", "device_fold", "metrics_entries", "put_into_metrics", "run", "summary"]
