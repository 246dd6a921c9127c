"""The ``glovexfer`` command line.  ``glovexfer --help`` lists the commands."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from .data.paths import DEMO_SET, demo_set_path
from .errors import DataFormatError, GloveXferError
from .files import FIRMWARE_DIR, domain_dir, moved_models_hint

#: Packages of the ``train`` extra: a command that needs one says so (exit 2) when it is absent.
OPTIONAL_PACKAGES = ("tensorflow", "tf_keras", "tflite_micro", "h5py")


# ----------------------------------------------------------------------------- simulate
def cmd_simulate(args) -> int:
    from .data.paths import find_dataset
    from .simulate import simulate_dataset

    if args.sessions is not None:
        return _simulate_sessions(args)
    args.out = args.out or "out/glove_sim.npz"

    if args.reps < 1 or not 1 <= args.letters <= 26 or (not args.all_writers and not 1 <= args.users <= 16):
        raise GloveXferError(f"--reps must be >= 1 (got {args.reps}), --letters 1..26 (got {args.letters}), "
                             f"--users 1..16 (got {args.users})")
    root = find_dataset("digilets", args.digilets)
    t0 = time.time()
    rs = simulate_dataset(
        root,
        n_users=args.users,
        letters_per_user=args.letters,
        reps=args.reps,
        seed=args.seed,
        all_writers=args.all_writers,
        progress=not args.quiet,
    )
    out = rs.save(args.out)
    print(f"simulated {rs.summary()} in {time.time() - t0:.1f} s -> {out}")
    split = rs.meta.get("writer_split", {})
    if split:
        print(f"writer split: {len(split.get('source', []))} source writers, {len(split.get('target', []))} target writers (recorded in the file)")
    return 0


def _simulate_sessions(args) -> int:
    from .data.paths import find_dataset
    from .simulate.sessions import simulate_sessions

    if args.sessions < 1:
        raise GloveXferError(f"--sessions must be >= 1, got {args.sessions}")
    root = find_dataset("digilets", args.digilets)
    t0 = time.time()
    if not 0 <= args.hold_out_instances <= 4:
        raise GloveXferError(f"--hold-out-instances must be in 0..4 (DigiLeTs has 5 instances of a letter), got {args.hold_out_instances}")
    ss = simulate_sessions(root, n_sessions=args.sessions, seed=args.seed, progress=not args.quiet, hold_out=args.hold_out_instances)
    out = ss.save(args.out or "out/sessions.npz")
    print(f"simulated {ss.summary()} in {time.time() - t0:.1f} s -> {out}")
    print(f"writers: the writer split's {len(ss.meta['writers'])} target writers (never used in training)")
    return 0


# ----------------------------------------------------------------------------- show
def _load_one(path: str, index: int):
    from .data.recordings import RecordingSet, read_csv

    p = Path(path)
    if p.suffix.lower() == ".npz":
        rs = RecordingSet.load(p)
        if not 0 <= index < len(rs):
            raise DataFormatError(p, f"--index {index} out of range (0..{len(rs) - 1})", field="index")
        return rs[index]
    return read_csv(p)


def cmd_show(args) -> int:
    from . import plots
    from .pipeline import run_recording

    rec = _load_one(args.recording, args.index)
    stages = run_recording(rec)
    out = Path(args.out)
    name = f"{rec.label or 'unknown'}" + (f" (user {rec.user})" if rec.user else "")
    files = plots.stage_files(rec.physical, stages, out)
    files.append(plots.overview(rec.physical, stages, f"letter {name}: every pipeline stage", out / "overview.png"))
    for f in files:
        print(f)
    return 0


# ----------------------------------------------------------------------------- csv
def cmd_csv_export(args) -> int:
    from .data.recordings import RecordingSet, write_csv
    from .data.sessions import FORMAT as SESSIONS, SessionSet, npz_format, write_session_csv

    if npz_format(args.dataset) == SESSIONS:
        items, write, what = SessionSet.load(args.dataset), write_session_csv, "session"
        name = lambda i, x: f"{i:05d}_{x.user or 'user'}_session.csv"  # noqa: E731
    else:
        items, write, what = RecordingSet.load(args.dataset), write_csv, "recording"
        name = lambda i, x: f"{i:05d}_{x.user or 'user'}_{x.label or 'x'}.csv"  # noqa: E731
    idx = args.index if args.index else list(range(len(items)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i in idx:
        if not 0 <= i < len(items):
            raise DataFormatError(args.dataset, f"index {i} out of range (0..{len(items) - 1})", field="index")
        x = items[i]
        write(x, out / name(i, x))
    print(f"wrote {len(idx)} {what} CSV file(s) to {out}")
    return 0


def cmd_csv_import(args) -> int:
    from .data.recordings import RecordingSet, read_csv

    if args.sessions:
        from .data.sessions import SessionSet, read_session_csv

        sess = [read_session_csv(p) for p in args.csv]
        if len({s.sensor for s in sess}) > 1:
            raise GloveXferError("the CSV files use different sensor settings; import them into separate sets")
        ss = SessionSet.from_sessions(sess, sess[0].sensor, meta={"imported_from": [str(p) for p in args.csv]})
        print(f"{ss.summary()} -> {ss.save(args.out)}")
        return 0
    recs = [read_csv(p) for p in args.csv]
    sensors = {r.sensor for r in recs}
    if len(sensors) > 1:
        raise GloveXferError(f"the CSV files use {len(sensors)} different sensor settings; import them into separate sets")
    rs = RecordingSet(
        np.stack([r.counts for r in recs]),
        [r.label for r in recs],
        [r.user for r in recs],
        recs[0].sensor,
        meta={"imported_from": [str(p) for p in args.csv]},
    )
    print(f"{rs.summary()} -> {rs.save(args.out)}")
    return 0


def cmd_info(args) -> int:
    from .data.recordings import RecordingSet
    from .data.sessions import FORMAT as SESSIONS, SessionSet, npz_format

    rs = SessionSet.load(args.dataset) if npz_format(args.dataset) == SESSIONS else RecordingSet.load(args.dataset)
    print(rs.summary())
    s = rs.sensor
    print(f"sensor: acc ±{s.acc_full_scale_g:g} g, gyr ±{s.gyr_full_scale_dps:g} deg/s, mag {s.mag_ut_per_count:g} uT/count")
    users, counts = np.unique(rs.users, return_counts=True)
    print("per user: " + ", ".join(f"{u}:{c}" for u, c in zip(users, counts)))
    if args.meta:
        print(json.dumps(rs.meta, indent=2))
    elif rs.meta:
        print("meta keys: " + ", ".join(sorted(rs.meta)) + " (--meta prints them)")
    return 0


# ----------------------------------------------------------------------------- evaluate
def cmd_evaluate(args) -> int:
    from .nets import experiment as E

    if args.sessions:
        return _evaluate_sessions(args)
    _refuse(args, "anything but --sessions", learn="--learn")
    if args.data:
        _refuse(args, "--data", calibrate="--calibrate", users="--users")
    if _domain(args) == "chen2021":
        _refuse(args, "--domain chen2021", data="--data", target="--target", int8="--int8", users="--users")
        if args.calibrate:
            return _chen2021_calibration(args)
        return _score_chen2021(args) if args.model else _chen2021_protocols(args)
    _refuse(args, "the glove domain", out="--out", folds="--folds", only="--only", summarise="--summarise", writers="--writers")
    args.model = args.model or ["paper_lstm"]
    if args.data:
        return _score_shipped(args)
    protocol = _glove_protocol(args.protocol)
    if protocol == "ud":
        _refuse(args, "--protocol ud (the calibration and the user choice are the ui protocol's)", calibrate="--calibrate", users="--users")
    calibrate = tuple(sorted(set(args.calibrate or ())))
    dom = E.load_domains(args.target, args.digilets, args.quick, progress=not args.no_progress, device=args.int8 or bool(calibrate))
    print(f"source: {len(dom.source)} DigiLeTs letters; target: {len(dom.target)} glove recordings"
          f"{' (simulated)' if dom.target_meta.get('simulated') else ''}")
    results = []
    for name in args.model:
        res = E.run(name, protocol, dom, args.quick, args.seed, progress=not args.no_progress, int8=args.int8, calibrate=calibrate, users=args.users)
        print(E.summary(res))
        results.append(res)
    if args.json:
        print(f"-> {E.write_json(results if len(results) > 1 else results[0], args.json)}")
    return 0


def _evaluate_sessions(args) -> int:
    """evaluate --sessions SET.npz: continuous writing on the device path (spotting, letters, words)."""
    from .data.sessions import SessionSet
    from .golden.decode import load_lexicon
    from .nets import shipping
    from .nets.spotter import SPOTTER, load_spotter
    from .nets.writing import evaluate_sessions

    models_dir = Path(args.models) if args.models else shipping.MODELS_DIR
    # the recogniser of continuous writing where it is shipped (nets.writing_models), else best
    name = args.model[0] if args.model else ("writing" if (models_dir / "writing" / shipping.METRICS_FILE).is_file() else "best")
    nets = shipping.int8_networks(shipping.model_folder(name, models_dir))
    spotter = load_spotter(models_dir / SPOTTER)
    lexicon = None if args.no_lexicon else load_lexicon(models_dir / "lexicon")
    ss = SessionSet.load(args.sessions)
    if len(ss) == 0:
        raise DataFormatError(args.sessions, "the set holds no sessions", field="texts")
    if any(len(ss[i].spans) == 0 for i in range(len(ss))):
        raise DataFormatError(args.sessions, "every session needs its text and letter spans (the truth) to be measured", field="letter_spans")
    kind = "simulated" if ss.meta.get("simulated") else "recorded"
    print(f"{args.sessions}: {ss.summary()} ({kind})")
    t0 = time.time()
    ks = tuple(sorted(set(args.calibrate or ())))
    calibration = _session_calibration(args, ss) if ks else None
    if args.learn and lexicon is None:
        raise GloveXferError("--learn needs the lexicon (the decoded words teach the glove): drop --no-lexicon")
    res = evaluate_sessions(ss, spotter, nets, lexicon, progress=not args.no_progress, calibration=calibration, ks=ks,
                            learn=args.learn)
    sp, ts = res["spotting"], res["true_spans"]
    print(f"spotting: recall {100 * sp['recall']:.2f} %, precision {100 * sp['precision']:.2f} % "
          f"({sp['matched']} of {res['letters']} letters, {sp['spotted']} spotted)")
    lex = f", with the lexicon ({res['lexicon_size']} words) {100 * res['wer_lexicon']:.2f} %" if lexicon is not None else ""
    print(f"{name}: character error rate {100 * res['cer_raw']:.2f} %; word error rate raw {100 * res['wer_raw']:.2f} %{lex}")
    lex = f", with the lexicon {100 * ts['wer_lexicon']:.2f} %" if lexicon is not None else ""
    print(f"the same letters cut at their true spans (a button per letter): CER {100 * ts['cer_raw']:.2f} %, "
          f"WER raw {100 * ts['wer_raw']:.2f} %{lex}  ({time.time() - t0:.0f} s)")
    key = "wer_lexicon" if lexicon is not None else "wer_raw"
    _print_worst("per writer", res["per_writer"], key)
    if "self_calibrated" in res:
        c = res["self_calibrated"]
        on = sum(w["on"] for w in c["wearers"].values())
        taught = sum(w["words_taught"] for w in c["wearers"].values())
        print(f"learning from decoded words (calib learn on; {taught} of {res['words']} words taught, {on} of "
              f"{len(c['wearers'])} wearers' sets on at the end): CER {100 * c['cer_raw']:.2f} %, WER raw "
              f"{100 * c['wer_raw']:.2f} %, with the lexicon {100 * c['wer_lexicon']:.2f} %")
        _print_worst("  learning, per writer", c["per_writer"], key)
    for k, c in res.get("calibrated", {}).items():
        on = sum(g["enabled"] for g in c["guards"].values())
        lex = f", with the lexicon {100 * c['wer_lexicon']:.2f} %" if lexicon is not None else ""
        print(f"calibrated, K={k} ({on} of {len(c['guards'])} wearers' calibrations on): CER {100 * c['cer_raw']:.2f} %, "
              f"WER raw {100 * c['wer_raw']:.2f} %{lex}; true spans: CER {100 * c['true_spans']['cer_raw']:.2f} %, "
              f"WER raw {100 * c['true_spans']['wer_raw']:.2f} %"
              + (f", with the lexicon {100 * c['true_spans']['wer_lexicon']:.2f} %" if lexicon is not None else "")
              + f"; without guard 2: WER raw {100 * c['unguarded']['wer_raw']:.2f} %"
              + (f", with the lexicon {100 * c['unguarded']['wer_lexicon']:.2f} %" if lexicon is not None else ""))
        print(f"  K={k} gains chosen (spec {c['spec']}) " + " / ".join(map(str, c["gains_chosen"])) + ": "
              + " / ".join(str(n) for n in c["gains_chosen"].values()) + " wearers")
        _print_worst(f"  K={k} per writer", c["per_writer"], key)
    if args.json:
        make = (f"glovexfer simulate --sessions {len(ss)} --seed {ss.meta['seed']}"
                f"{' --hold-out-instances ' + str(len(ss.meta['held_out_instances'])) if ss.meta.get('held_out_instances') else ''}"
                f" --out {args.sessions} && " if ss.meta.get("simulated") and "seed" in ss.meta else "")
        cal = (f" --calibrate {' '.join(map(str, ks))}" if ks else "") + (" --learn" if args.learn else "")
        res.update({"data": str(args.sessions), "model": name,
                    "reproduce": f"{make}glovexfer evaluate --sessions {args.sessions}{cal} --json {args.json}"})
        if not args.per_session:
            res.pop("per_session")
        print(f"-> {shipping.write_json(res, Path(args.json))}")
    return 0


def _print_worst(what: str, per_writer: dict, key: str) -> None:
    worst = sorted(per_writer.items(), key=lambda kv: -kv[1][key])
    print(f"{what}, word error rate {'with the lexicon' if key == 'wer_lexicon' else 'raw'}, worst first: "
          + ", ".join(f"{u or '?'} {100 * v[key]:.1f} %" for u, v in worst))


def _session_calibration(args, ss):
    """evaluate --sessions --calibrate: the wearers' calibration letters (simulated from the
    DigiLeTs instances the session set left out), or a clear error."""
    from .data.paths import find_dataset
    from .simulate.sessions import calibration_recordings

    if not ss.meta.get("simulated") or "writers" not in ss.meta or "seed" not in ss.meta:
        raise DataFormatError(args.sessions, "--calibrate needs a simulated session set (its writers, styles and seed "
                                             "give the wearers' calibration letters)", field="meta")
    if not ss.meta.get("held_out_instances"):
        raise DataFormatError(args.sessions, "--calibrate: the sessions use every DigiLeTs instance of a letter, so "
                                             "calibration letters would repeat their trajectories; simulate the set with "
                                             "--hold-out-instances 2", field="meta.held_out_instances")
    try:
        return calibration_recordings(find_dataset("digilets", args.digilets), ss.meta, users=sorted(set(ss.users.tolist())))
    except (KeyError, ValueError) as e:
        raise DataFormatError(args.sessions, f"--calibrate: {e}", field="meta") from None


#: Domains of train / evaluate / export: the simulated glove recordings and the real pen
#: recordings of Chen et al. (2021).
DOMAINS = ("glove", "chen2021")
GLOVE_PROTOCOLS = ("ud", "ui", "both")


def _domain(args) -> str:
    """The data domain of a train / evaluate / export call: ``--domain``, or ``chen2021`` where
    only ``--chen2021 DIR`` names one (the shipped-model scoring of ``evaluate``)."""
    if args.domain is None:
        return "chen2021" if getattr(args, "chen2021", None) is not None else "glove"
    if args.domain == "glove" and getattr(args, "chen2021", None) is not None:
        raise GloveXferError("--chen2021 DIR is the real-data domain's data set: use it with --domain chen2021")
    return args.domain


def _models_dir(args, option: str) -> Path:
    """The models folder of a train / evaluate / export call: the ``option`` given (``out``,
    ``models``), else the domain's own (models/glove/, models/chen2021/)."""
    given = getattr(args, option, None)
    return Path(given) if given else domain_dir(_domain(args))


def _write_results(args, results: list[dict]) -> None:
    """``--json``: the scores of shipped models (one object for one model)."""
    if args.json:
        from .nets.shipping import write_json

        print(f"-> {write_json(results if len(results) > 1 else results[0], Path(args.json))}")


def _refuse(args, where: str, **options) -> None:
    """A clear error for an option given where it has no meaning (``options``: attribute -> flag)."""
    given = [flag for attr, flag in options.items() if getattr(args, attr, None) not in (None, False, [])]
    if given:
        raise GloveXferError(f"{', '.join(given)} cannot be used with {where}")


def _glove_protocol(protocol) -> str:
    p = protocol or ["both"]
    if len(p) != 1 or p[0] not in GLOVE_PROTOCOLS:
        raise GloveXferError(f"--protocol {' '.join(p)}: the glove domain runs one of {', '.join(GLOVE_PROTOCOLS)} "
                             "(lowo, subject_split, random_split are the --domain chen2021 protocols)")
    return p[0]


def _chen2021_protocols(args) -> int:
    """evaluate --domain chen2021: the Chen protocols fold by fold, summarised into the metrics file."""
    from .nets import chen2021 as CP
    from .nets import chen2021_shipping as CS
    from .data.paths import find_dataset
    from .nets import shipping
    from .nets.chen2021_calibration import carry_over

    protocols = args.protocol or list(CP.PROTOCOLS)
    bad = [p for p in protocols if p not in CP.PROTOCOLS]
    if bad:
        raise GloveXferError(f"--protocol {' '.join(bad)}: --domain chen2021 runs {', '.join(CP.PROTOCOLS)} "
                             f"({', '.join(GLOVE_PROTOCOLS)} are the glove domain's)")
    out = _chen2021_out(args)
    if not args.summarise:
        chen = find_dataset("chen2021", args.chen2021 or None)
        digilets = find_dataset("digilets", args.digilets)
        print(f"Chen et al. (2021) protocols {', '.join(protocols)}{' (--quick: 2 epochs, meaningless numbers)' if args.quick else ''}; "
              f"fold results -> {out}/folds/", flush=True)
        CP.run_protocols(chen, digilets, out, protocols, args.seed, args.quick, not args.no_progress, args.folds, args.only,
                         args.writers, log=lambda m: print(m, flush=True))
    metrics = Path(args.json) if args.json else None if args.quick else CS.CHEN_METRICS
    if metrics:
        # the few-shot calibration's figures (evaluate --calibrate) stay in the rewritten file
        res = carry_over(CP.summarise(out), CS.read_figures(metrics))
        shipping.write_json(res, metrics)
        for m in res["models"]:
            v = res[m]
            print(f"{m:26s} " + "  ".join(f"{p} {100 * v[p]['mean']:.1f} % ({v[p]['folds']} folds)" for p in CP.PROTOCOLS if p in v))
        print(f"-> {metrics}")
    return 0


def _chen2021_out(args) -> Path:
    """The fold results folder of the Chen protocols and calibration: --out, else out/chen (out/chen/quick)."""
    return Path(args.out) if args.out else Path("out") / "chen" / ("quick" if args.quick else "")


def _chen2021_calibration(args) -> int:
    """evaluate --chen2021 --model chen_best --calibrate K: the few-shot calibration to each
    real writer, leave one writer out (nets.chen2021_calibration)."""
    from .data.paths import find_dataset
    from .nets import chen2021_calibration as CC
    from .nets import chen2021_shipping as CS
    from .nets import shipping

    if args.protocol and args.protocol != ["lowo"]:
        raise GloveXferError(f"--protocol {' '.join(args.protocol)}: --calibrate measures leave one writer out only (lowo): "
                             "each held-out writer calibrates with their own letters and is tested on their other letters")
    models = args.model or [CC.MODELS[0]]
    if len(models) != 1 or models[0] not in CC.MODELS:
        raise GloveXferError(f"--model {' '.join(models)}: --calibrate on the real writers measures {' / '.join(CC.MODELS)} (the "
                             "device model the glove calibrates: transfer BiLSTM + device signal network); other models are not supported")
    _refuse(args, "--calibrate on the real writers (each fold trains chen_best's networks anew)", models="--models", writers="--writers")
    ks = tuple(sorted(set(args.calibrate)))
    out = _chen2021_out(args)
    chen = find_dataset("chen2021", args.chen2021 or None)
    digilets = None if args.summarise else find_dataset("digilets", args.digilets)
    print(f"few-shot calibration on the real writers of Chen et al. (2021): chen_best (fused_signal), leave one writer out, "
          f"K = {' '.join(map(str, ks))}{' (--quick: meaningless numbers)' if args.quick else ''}; fold results -> "
          f"{out / CC.FOLDS_DIR}/", flush=True)
    res = CC.run(chen, digilets, out, ks, args.seed, args.quick, not args.no_progress, args.folds, args.only, args.summarise,
                 log=lambda m: print(m, flush=True))
    lo = res["lowo"]
    print(f"{len(res['writers'])} writers: device path (int8) {100 * lo['int8']['mean']:.2f} %, float {100 * lo['float']['mean']:.2f} % "
          f"on all their letters; {res['fold_seconds']:.0f} s of folds")
    for k in ks:
        c = res[f"{CC.KEY_PREFIX}{k}"]
        print(f"  K={k}: calibrated {100 * c['mean']:.2f} % (uncalibrated {100 * c['uncalibrated']['mean']:.2f} %, without guard 2 "
              f"{100 * c['unguarded']['mean']:.2f} %, on the same test letters; guard 2 off for "
              f"{sum(not g['enabled'] for g in c['guards'].values())} of {len(c['guards'])} writers)")
    if args.json:
        print(f"-> {shipping.write_json(res, Path(args.json))}")
    if res["complete"] and not res["quick"]:
        metrics = CS.CHEN_METRICS
        if not metrics.is_file():
            raise GloveXferError(f"{metrics}: no protocols summary to add the calibration to (run: glovexfer evaluate --domain chen2021)")
        shipping.write_json(CC.put_into_metrics(CS.read_figures(metrics), CC.metrics_entries(res)), metrics)
        print(f"-> {metrics} ({', '.join(f'{CC.KEY_PREFIX}{k}' for k in ks)})")
    else:
        print(f"{CS.CHEN_METRICS} unchanged: only a run over all {CC.N_WRITERS} writers (not --quick) goes into it")
    return 0


def _score_chen2021(args) -> int:
    """evaluate --domain chen2021 --model M (or --chen2021 DIR --model M): score shipped
    models on the Chen (2021) pen writers they were not trained on."""
    from .nets.chen2021_shipping import evaluate as chen_evaluate
    from .data.paths import find_dataset

    root = find_dataset("chen2021", args.chen2021 or None)
    results = []
    for name in args.model:
        res = chen_evaluate(root, name, args.models, progress=not args.no_progress, writers=args.writers)
        per = ", ".join(f"{w} {100 * a:.0f}" for w, a in res["per_writer"].items())
        print(f"{res['model']}: accuracy {100 * res['accuracy']:.2f} % on {res['n']} pen letters; per writer: {per}")
        if res["writers_left_out_as_trained_on"]:
            print(f"  left out (trained on): {', '.join(res['writers_left_out_as_trained_on'])}")
        results.append(res)
    _write_results(args, results)
    return 0


def _score_shipped(args) -> int:
    """evaluate --data SET.npz: score shipped (trained) models, no training."""
    from .data.recordings import RecordingSet
    from .nets import shipping
    from .nets.datasets import target_arrays

    models_dir = _models_dir(args, "models")
    for name in args.model:  # every model file checked before any work
        folder = shipping.model_folder(name, models_dir)
        shipping.read_meta(folder)
        if args.int8:
            shipping.int8_networks(folder)
    rs = RecordingSet.load(args.data)
    if len(rs) == 0:
        raise DataFormatError(args.data, "the data set holds no recordings", field="counts")
    arrays = target_arrays(rs, progress=not args.no_progress)
    kind = "simulated" if rs.meta.get("simulated") else "recorded"
    print(f"{args.data}: {len(rs)} {kind} glove recordings, {len(set(rs.users.tolist()))} users")
    results = []
    for name in args.model:
        model = shipping.ShippedModel(name, models_dir)
        if "signal" in model.kinds and arrays.sig is None:
            from .nets.datasets import signal_arrays

            arrays.sig = signal_arrays(rs)
        pred = np.argmax(model.predict(arrays), axis=1)
        res = shipping.score(model, arrays, rs.extras.get("writer"), pred=pred)
        res["data"] = str(args.data)
        res["simulated"] = bool(rs.meta.get("simulated", False))
        per = ", ".join(f"{u} {100 * a:.0f}" for u, a in res["per_user"].items())
        print(f"{name}: float accuracy {100 * res['accuracy']:.2f} % on {res['n']} recordings; per user: {per}")
        if args.int8:
            res["int8"] = shipping.score_int8(model, rs, pred, progress=not args.no_progress, arrays=arrays)
            i8 = res["int8"]
            print(f"{name}: int8 device pipeline accuracy {100 * i8['accuracy']:.2f} %, argmax agreement with float "
                  f"{100 * i8['agreement_with_float']:.2f} % ({i8['disagreements']} of {res['n']} differ)")
            for kind, m in i8.get("members", {}).items():
                print(f"  {kind} alone: float {100 * m['float_accuracy']:.2f} %, int8 {100 * m['int8_accuracy']:.2f} %, "
                      f"agreement {100 * m['agreement_with_float']:.2f} %")
        if res.get("recordings_from_training_writers"):
            print(f"  note: {res['recordings_from_training_writers']} recordings come from writers this model was trained on")
        results.append(res)
    _write_results(args, results)
    return 0


# ----------------------------------------------------------------------------- train
def cmd_train(args) -> int:
    from .nets import experiment as E
    from .nets import shipping

    chen2021 = _domain(args) == "chen2021"
    if chen2021:
        _refuse(args, "--domain chen2021", target="--target", metrics_only="--metrics-only")
    else:
        _refuse(args, "the glove domain", writers="--writers")
    if args.quick and not args.out:
        raise GloveXferError("--quick models are meaningless: give --out DIR (they never go to the shipped models/)")
    out = _models_dir(args, "out")
    if chen2021:
        return _train_chen2021(args, out)
    names = list(shipping.SHIPPED) if args.model == ["all"] else args.model
    if "spotter" in names:
        from .data.paths import find_dataset
        from .nets.spotter import SPOTTER, ship_spotter

        t0 = time.time()
        epochs = 2 if args.quick else 60
        n = (24, 8) if args.quick else (1200, 200)
        folder = ship_spotter(find_dataset("digilets", args.digilets), out / SPOTTER, n[0], n[1], seed=args.seed,
                              progress=not args.no_progress, epochs=epochs)
        print(f"spotter: -> {folder}/ in {time.time() - t0:.0f} s")
        names = [n for n in names if n != "spotter"]
        if not names:
            return 0
    if "writing" in names:
        _train_writing(args, out)
        names = [n for n in names if n != "writing"]
        if not names:
            return 0
    evaluations = shipping.read_evaluations(args.metrics or [])
    if args.metrics_only:
        for name in names:
            if name not in evaluations:
                raise GloveXferError(f"--metrics-only: no figures for '{name}' in {', '.join(args.metrics or ['(no --metrics)'])}")
            print(f"{name}: figures -> {shipping.attach_metrics(name, evaluations[name], out)}")
        print(f"-> {shipping.update_summary(out)}")
        return 0
    dom = E.load_domains(args.target, args.digilets, args.quick, progress=not args.no_progress)
    for name in names:
        t0 = time.time()
        folder = shipping.train_model(name, dom, out, args.seed, progress=not args.no_progress, evaluation=evaluations.get(name))
        figs = "" if name in evaluations else " (no protocol figures: pass --metrics out/runs/NAME.json from glovexfer evaluate)"
        print(f"{name}: -> {folder}/ in {time.time() - t0:.0f} s{figs}")
    print(f"-> {shipping.update_summary(out)}")
    return 0


def _writing_cut_spotter(out: Path, name: str | None = None):
    """The spotter that cuts the writing recogniser's letters: ``out``'s folder ``name``
    (default ``spotter``) when it is there, else the shipped one."""
    from .nets import shipping
    from .nets.spotter import SPOTTER, load_spotter

    folder = out / (name or SPOTTER)
    return load_spotter(folder if folder.is_dir() else shipping.MODELS_DIR / SPOTTER)


def _train_writing(args, out: Path) -> None:
    """train --model writing: the recogniser of continuous writing (nets.writing_models), fine-tuned
    on letters of simulated source-writer sessions, exported to int8 and to the continuous glove's
    model data (models/glove/firmware_writing) in the same run."""
    from .data.paths import find_dataset
    from .export.ship import export_writing
    from .nets import shipping
    from .nets import writing_models as W
    from .nets.datasets import target_arrays
    from .nets.spotter import SPOTTER

    t0 = time.time()
    root = find_dataset("digilets", args.digilets)
    spotter = _writing_cut_spotter(out)
    n, rep_n = (24, 8) if args.quick else (W.TRAIN_SESSIONS, W.REP_SESSIONS)
    progress = not args.no_progress
    styles = 2 if args.quick else W.TRAIN_STYLES
    letters = W.source_letters(root, spotter, n, W.TRAIN_SEED + args.seed, progress, styles=styles)
    arrays = target_arrays(letters, progress=progress)
    cut = letters.extras["cut"]
    info = {"sessions": n, "session_seed": W.TRAIN_SEED + args.seed, "style_sets": styles,
            "style_set_seeds": [W.TRAIN_SEED + args.seed + 1000 * k for k in range(styles)], "writers": "the writer split's 46 source writers",
            "letters_true_spans": int((cut == 0).sum()), "letters_spotted_spans": int((cut == 1).sum()), "simulated": True}
    print(f"writing: {len(letters)} letters of {n} simulated source-writer sessions ({info['letters_true_spans']} at their "
          f"true spans, {info['letters_spotted_spans']} as spotted) ({time.time() - t0:.0f} s)")
    W.train_writing(arrays, shipping.MODELS_DIR, out, seed=args.seed, epochs=2 if args.quick else None,
                    data_info=info, progress=progress)
    fw = export_writing(out, root, spotter, rep_n, seed=args.seed, spotter=SPOTTER if (out / SPOTTER).is_dir() else "",
                        progress=progress)
    print(f"writing: -> {out / W.WRITING}/, int8 and the continuous glove's model data -> {fw}/ in {time.time() - t0:.0f} s")


def _train_chen2021(args, out: Path) -> int:
    """train --domain chen2021: the real-data models on every (or --writers) Chen writer, into ``out``."""
    from .nets import chen2021_shipping as CS
    from .data.paths import find_dataset

    if args.metrics and len(args.metrics) != 1:
        raise GloveXferError("--domain chen2021 takes one --metrics file (glovexfer evaluate --domain chen2021's summary)")
    metrics = Path(args.metrics[0]) if args.metrics else CS.CHEN_METRICS
    if args.metrics and not metrics.is_file():
        raise GloveXferError(f"--metrics {metrics}: no such file (glovexfer evaluate --domain chen2021 writes it){moved_models_hint(metrics)}")
    chen = find_dataset("chen2021", args.chen2021)
    kw = dict(seed=args.seed, progress=not args.no_progress, metrics_path=metrics, writers=args.writers, quick=args.quick)
    t0 = time.time()
    if args.model == ["all"]:
        paths = CS.ship(chen, find_dataset("digilets", args.digilets), out, **kw)
    elif args.model == [CS.SIGNAL_NAME]:
        paths = CS.ship_signal_only(chen, out, **kw)
    else:
        raise GloveXferError(f"--model {' '.join(args.model)}: --domain chen2021 trains 'all' ({', '.join(CS.SHIPPED)}) "
                             f"or only '{CS.SIGNAL_NAME}' (the transfer networks in --out stay)")
    for p in paths:
        print(f"-> {p}")
    print(f"trained in {time.time() - t0:.0f} s; next: glovexfer export --domain chen2021" + (f" --models {out}" if args.out else ""))
    return 0


# ----------------------------------------------------------------------------- export, vectors
def cmd_export(args) -> int:
    from .data.recordings import RecordingSet
    from .export import ship
    from .nets import shipping
    from .nets.datasets import target_arrays
    from .nets.experiment import load_target

    if _domain(args) == "chen2021":
        _refuse(args, "--domain chen2021", model="--model", target="--target")
        return _export_chen2021(args, _models_dir(args, "models"))
    _refuse(args, "the glove domain", vectors="--vectors", recording_set="--recording-set")
    out = _models_dir(args, "models")
    if args.lexicon:
        from .export.lexicon import build_lexicon, write_lexicon, write_lexicon_source

        lex, source = build_lexicon()
        print(f"lexicon: {len(lex)} words ({source['source']}) -> {write_lexicon(out / 'lexicon', lex, source)}")
        h, c = write_lexicon_source(lex, out / FIRMWARE_DIR)
        print(f"lexicon in flash (firmware/core/decode.h) -> {h}, {c}")
        return 0
    # the letter spotter's data too: the named one, else the shipped one where the models
    # folder has it (a models folder of recognisers alone exports without it)
    if args.spotter is not None:
        spotter = args.spotter or None
    else:
        spotter = ship.DEFAULT_SPOTTER if (out / ship.DEFAULT_SPOTTER / ship.INT8_INFO).is_file() else None
    if args.firmware_only:
        # the shipped int8 files as they are (digests checked): only models/glove/firmware is rewritten
        fw = ship.export_firmware(out, args.lstm, args.cnn, spotter=spotter)
        print(f"firmware model data (lstm = {args.lstm}, cnn = {args.cnn}, spotter = {spotter}) -> {fw}/")
        return 0
    if args.model == ["writing"]:
        return _export_writing(args, out, spotter)
    names = args.model or sorted({args.lstm, args.cnn})
    for name in names:  # every input file checked before any work
        folder = shipping.model_folder(name, out)
        shipping.read_meta(folder, single=True)
        if not (folder / shipping.MODEL_FILE).is_file():
            raise GloveXferError(f"{folder / shipping.MODEL_FILE}: no trained model (run: glovexfer train --model {name})")
    for role, name in (("lstm", args.lstm), ("cnn", args.cnn)):
        if name not in names:  # shipped as exported before: its bytes must match int8.json
            ship.load_int8(shipping.model_folder(name, out), role)
    rs = RecordingSet.load(args.target) if args.target else load_target(None, args.digilets)
    if len(rs) == 0:
        raise DataFormatError(args.target, "the data set holds no recordings", field="counts")
    arrays = target_arrays(rs, progress=not args.no_progress)
    for name in names:
        folder = shipping.model_folder(name, out)
        t0 = time.time()
        path = ship.export_model(folder, arrays, n_rep=args.n_rep, seed=args.seed)
        info = json.loads((folder / ship.INT8_INFO).read_text())
        print(f"{name}: -> {path} ({info['bytes']} bytes, sha256 {info['sha256'][:16]}, {time.time() - t0:.0f} s)")
    fw = ship.export_firmware(out, args.lstm, args.cnn, spotter=spotter)
    print(f"firmware model data (lstm = {args.lstm}, cnn = {args.cnn}, spotter = {spotter}) -> {fw}/")
    return 0


def _export_writing(args, out: Path, spotter: str | None) -> int:
    """export --model writing: the writing pair's int8 files (representative letters of source-writer
    sessions) and models/glove/firmware_writing."""
    from .data.paths import find_dataset
    from .export.ship import export_writing
    from .nets import shipping
    from .nets import writing_models as W

    for name in W.MEMBERS.values():  # every input file checked before any work
        folder = shipping.model_folder(name, out)
        if not (folder / shipping.MODEL_FILE).is_file():
            raise GloveXferError(f"{folder / shipping.MODEL_FILE}: no trained model (run: glovexfer train --model writing)")
    fw = export_writing(out, find_dataset("digilets", args.digilets), _writing_cut_spotter(out, spotter), seed=args.seed,
                        n_rep=args.n_rep, spotter=spotter or "", progress=not args.no_progress)
    print(f"continuous glove's model data (writing_lstm, writing_cnn, spotter = {spotter}) -> {fw}/")
    return 0


def _export_chen2021(args, out: Path) -> int:
    """export --domain chen2021: int8 files of the shipped real-data networks in ``out`` and
    their firmware model data; optionally real letters as vector files or a recording set."""
    from .data.paths import find_dataset

    if args.every < 1:
        raise GloveXferError(f"--every must be >= 1, got {args.every}")
    chen = find_dataset("chen2021", args.chen2021)
    from .export.chen2021 import export

    for p in export(chen, out, progress=not args.no_progress, n_rep=args.n_rep, seed=args.seed):
        print(f"-> {p}")
    if args.vectors:
        from .chen.counts import parity_recordings
        from .export.vectors import write_vector_files

        paths = write_vector_files(args.vectors, parity_recordings(chen))
        print(f"-> {args.vectors}/ ({len(paths)} real letters as vector files)")
    if args.recording_set:
        from .chen.counts import recording_set

        rs = recording_set(chen, every=args.every)
        print(f"-> {rs.save(args.recording_set)} ({len(rs)} real letters, {rs.meta['saturated_values']} saturated values)")
    return 0


def cmd_vectors(args) -> int:
    from .export.vectors import write_vectors

    nets = {}
    if args.lstm or args.cnn:
        from .export.ship import parse_int8, read_tflite

        for kind, path in (("lstm", args.lstm), ("cnn", args.cnn)):
            if path:
                nets[kind] = parse_int8(read_tflite(path), f"--{kind} {path}", kind)
    paths = write_vectors(args.out, n=args.n, seed=args.seed, nets=nets or None, progress=True)
    print(f"{len(paths)} vector files{' (+ network stages)' if nets else ''} -> {args.out}/ (index.txt lists them)")
    return 0


# ----------------------------------------------------------------------------- demo
def _demo_pictures(text, used, user, out_dir) -> None:
    """The float pipeline's stages of every letter the demo streamed, as PNG files."""
    from . import plots
    from .data.recordings import to_physical
    from .pipeline import run

    out = Path(out_dir)
    it = iter(used)
    for k, ch in enumerate(text):
        if ch == " ":
            print("[space]")
            continue
        ph = to_physical(next(it))
        st = run(ph[:, 0:3], ph[:, 3:6], ph[:, 6:9])
        fig = plots.overview(ph, st, f"'{ch}' written by simulated wearer {user}", out / f"{k:02d}_{ch}.png")
        print(f"=== letter {k + 1}: '{ch}'  stages: {fig}")


def _demo_continuous(args, text: str) -> int:
    """``demo --continuous``: one simulated writing session, no button; the glove spots the
    letters and decodes the words. The last line is the decoded text."""
    from .device.demo import run_demo_continuous
    from .device.transport import open_device

    print(f"SmartGloveXfer demo, continuous writing: a simulated wearer writes '{text}' in the air without a button "
          f"(one simulated session, {'as fast as possible' if args.fast else 'at 27 samples/s'}); the glove finds "
          "the letters and decodes the words", flush=True)
    from .device.build import shipped_writing_dir

    # the continuous-writing glove (the writing recogniser) unless told otherwise
    md = args.model_dir or (shipped_writing_dir() if args.device == "native" or args.device.startswith("qemu-") else None)
    kw = {"model_dir": md} if md else {}
    with open_device(args.device, **kw) as dev:
        print(f"glove: {dev.banner.raw}")
        if args.model:
            dev.select_model(args.model)
        lis = run_demo_continuous(dev, text, seed=args.seed, fast=args.fast)
    print("recognised letters (raw): " + " ".join(lis.raw_words))
    print("decoded text (lexicon):")
    print(lis.text)
    return 0


def cmd_demo(args) -> int:
    from .data.recordings import RecordingSet
    from .device.demo import check_text, phrase_stream, run_demo
    from .device.transport import open_device

    text = check_text(args.text)
    if args.continuous:
        return _demo_continuous(args, text)
    path = Path(args.data) if args.data else demo_set_path()
    rs = RecordingSet.load(path)
    if len(rs) == 0:
        raise DataFormatError(path, "the data set holds no recordings", field="counts")
    users = sorted(set(rs.users.tolist()))
    user = args.user or users[0]
    if user not in users:
        raise GloveXferError(f"--user {user} is not in {path} (users: {', '.join(users)})")
    print(f"SmartGloveXfer demo: a simulated wearer ({user}) writes '{text}' in the air "
          f"({'as fast as possible' if args.fast else 'at 27 samples/s'}); recordings from {path}")
    where = {
        "native": "the virtual glove (host-native firmware behind a pseudo-terminal; built on first use)",
        "qemu-arm": "the firmware on an emulated Cortex-M4F (qemu-system-arm; built on first use)",
        "qemu-riscv": "the firmware on an emulated RV32IMC (qemu-system-riscv32; built on first use)",
        "qemu-xtensa": "the firmware on an emulated Xtensa LX106, the ESP8266's core, not the ESP32's LX6 "
                       "(qemu-system-xtensa -M sim; built on first use)",
    }.get(args.device, f"the glove at {args.device}")
    print(f"starting {where} ...", flush=True)
    kw = {"model_dir": args.model_dir} if args.model_dir else {}
    with open_device(args.device, **kw) as dev:
        print(f"glove: {dev.banner.raw}")
        if args.model:
            dev.select_model(args.model)
        lis = run_demo(dev, text, rs, user=user, seed=args.seed, fast=args.fast)
    if args.pictures:
        _, used = phrase_stream(text, rs, user, np.random.default_rng(args.seed))
        _demo_pictures(text, used, user, args.pictures)
    print("recognised text (int8 models inside the firmware):")
    print(lis.text)
    return 0


def cmd_sensorcal(args) -> int:
    from .device.sensorcal import clear_calibration, read_calibration, run_calibration
    from .device.transport import open_device

    samples = {}
    if args.simulate is not None:  # a board without an IMU: send a simulated glove's runs
        from .simulate import sample_user_style
        from .simulate.calibration import still_session, sweep_session

        rng = np.random.default_rng(args.simulate)
        style = sample_user_style(rng)
        samples = {"gyro": still_session(style, rng), "mag": sweep_session(style, rng)}
    kw = {"model_dir": args.model_dir} if args.model_dir else {}
    with open_device(args.device, **kw) as dev:
        if args.action == "clear":
            clear_calibration(dev)
        for kind in (("gyro", "mag") if args.action == "run" else (args.action,) if args.action in ("gyro", "mag") else ()):
            what = "hold the glove still" if kind == "gyro" else "turn the hand through every orientation"
            print(f"cal {kind}: {what} ...", flush=True)
            run_calibration(dev, kind, samples.get(kind), timeout=60.0)
        cal = read_calibration(dev)
    print(f"gyro bias {cal.gyro_bias} counts ({'on' if cal.has_gyro else 'off'}); magnetometer offset "
          f"{cal.mag_offset} counts, soft-iron scale {tuple(round(v / 16384, 4) for v in cal.mag_scale_q14)} "
          f"({'on' if cal.has_mag else 'off'})")
    return 0


def cmd_calibrate(args) -> int:
    from .data.recordings import RecordingSet
    from .device import calibrate as C
    from .device.transport import open_device

    recordings = None
    if args.data or args.user:  # a board without an IMU: a simulated wearer's recordings of each letter
        path = Path(args.data) if args.data else demo_set_path()
        rs = RecordingSet.load(path)
        users = sorted(set(rs.users.tolist()))
        user = args.user or users[0]
        if user not in users:
            raise GloveXferError(f"--user {user} is not in {path} (users: {', '.join(users)})")
        labels = np.asarray(rs.labels)

        def recordings(letter, i):
            idx = np.flatnonzero((rs.users == user) & (labels == letter))
            if len(idx) == 0:
                raise GloveXferError(f"{path}: user {user} has no recording of '{letter}'")
            return rs.counts[idx[i % len(idx)]]

    confirm = args.confirm == "yes"
    if args.confirm == "ask":
        def confirm(o):
            return input(f"'{o.letter}' does not look like {o.letter} (recognised {o.got}); keep it? [y/N] ").strip().lower() == "y"

    kw = {"model_dir": args.model_dir} if args.model_dir else {}
    with open_device(args.port, **kw) as dev:
        print(f"glove: {dev.banner.raw}")
        if args.action == "show":
            st = C.show(dev)
        elif args.action == "clear":
            C.clear(dev)
            st = C.show(dev)
        elif args.action == "off":
            C.switch_off(dev)
            st = C.show(dev)
        elif args.action == "on":
            ok, why = C.switch_on(dev)
            if not ok:
                print(f"calibration NOT switched on: {why}")
            st = C.show(dev)
        else:
            st = C.run_calibration(dev, args.k, recordings, confirm=confirm, keep=args.keep)
    u, c, n = st.loo
    counts = "".join(str(st.counts[ch]) for ch in st.counts)
    print(f"calibration {st.state} (model {st.model}): {st.samples} samples of {st.letters} letters "
          f"(per letter a..z: {counts}); leave-one-out on the wearer's samples {u}/{n} -> {c}/{n}"
          + (f" with the gain it chose, {st.gain}" if st.gain is not None else ""))
    return 0


# ----------------------------------------------------------------------------- listen / parity
def cmd_listen(args) -> int:
    from .device.listen import listen
    from .device.transport import open_device

    if args.learn and not args.continuous:
        raise GloveXferError("--learn: learning from decoded words is a continuous-mode feature: add --continuous")
    with open_device(args.port) as dev:
        listen(dev, model=args.model, count=args.count, timeout=args.timeout, continuous=args.continuous,
               decode=args.decode, learn=args.learn)
    return 0


def cmd_parity(args) -> int:
    from .device.build import repo_root
    from .device.parity import load_device_nets, load_device_signal_net, run_parity, vector_recordings
    from .device.transport import TRANSPORTS, open_device
    from .simulate.recordings import simulated_recordings

    if args.n < 0:
        raise GloveXferError(f"--n must be >= 0, got {args.n}")
    recs = []
    if args.vectors:
        recs += vector_recordings(args.vectors)
    if args.n:
        print(f"parity: simulating {args.n} recordings (seed {args.seed}) ...", file=sys.stderr, flush=True)
        recs += [(f"simulated #{i}", c) for i, c in enumerate(simulated_recordings(args.n, seed=args.seed))]
    if not recs:
        raise GloveXferError("nothing to compare: --n 0 and no --vectors")
    search = [Path(d) for d in (args.models or [])]
    kw = {}
    if args.model_dir and args.device in TRANSPORTS:  # built from sources: native, qemu-*
        kw["model_dir"] = args.model_dir
        search.append(Path(args.model_dir))
    search += [repo_root() / "models"]
    with open_device(args.device, **kw) as dev:
        nl, nc = load_device_nets(dev, search)
        ns = load_device_signal_net(dev, search)
        rep = run_parity(dev, recs, nl, nc, net_signal=ns)
    for name, (n, bad) in rep.per_stage.items():
        print(f"stage {name:14s} values {n:8d} mismatches {bad}")
    print(f"{rep.recordings} recordings, {rep.values} values compared, {rep.mismatches} mismatches, "
          f"{len(rep.errors)} errors")
    for e in rep.errors[:10]:
        print(f"error: {e}")
    if rep.first:
        print(f"first mismatch: {rep.first}")
    return 0 if rep.ok else 1


# ----------------------------------------------------------------------------- tflm-check
def cmd_tflm_check(args) -> int:
    from .export.tflm_check import run_check

    status, _ = run_check(args.model, args.data, args.n)
    return status


# ----------------------------------------------------------------------------- bench
def _bench_decoder(args) -> int:
    """``bench --decoder``: the word decoder alone, merged into --json under its own key."""
    from .device.bench import (DECODER_KEY, DECODER_TARGETS, decoder_insn_table, decoder_size_table, merge_json,
                               run_decoder_bench)

    targets = [t for t in args.targets if t in DECODER_TARGETS]
    if not targets:
        raise GloveXferError(f"--decoder: the word decoder is measured on {' and '.join(DECODER_TARGETS)}; "
                             f"--targets names neither")
    res = {DECODER_KEY: run_decoder_bench(targets, progress=not args.no_progress)}
    print(decoder_size_table(res))
    print()
    print(decoder_insn_table(res))
    if args.json:
        print(f"-> {merge_json(args.json, DECODER_KEY, res[DECODER_KEY])} (key {DECODER_KEY!r}; its other keys kept)")
    return 0


def _bench_calibration(args) -> int:
    """``bench --calibration``: the letter calibration alone, merged into --json under its own key."""
    from .device import calib_bench as B
    from .device.bench import merge_json

    targets = [t for t in args.targets if t in B.TARGETS]
    if not targets:
        raise GloveXferError(f"--calibration: measured on {' and '.join(B.TARGETS)}; --targets names neither")
    res = B.run_all(targets)
    print(B.table(res))
    if args.json:
        print(f"-> {merge_json(args.json, B.KEY, res)} (key {B.KEY!r}; its other keys kept)")
    return 0


def cmd_bench(args) -> int:
    from .device.bench import ASSUMPTION, layer_table, run_bench, signal_stage_table, stage_table, table, write_json

    if args.decoder:
        return _bench_decoder(args)
    if args.calibration:
        return _bench_calibration(args)
    res = run_bench(targets=args.targets, models=args.models, n=args.n, model_dir=args.model_dir,
                    progress=not args.no_progress)
    print(table(res))
    print()
    print(stage_table(res))
    lt = layer_table(res)
    if lt:
        print()
        print(lt)
    if any("signals" in e.get("stages", {}) for per in res.values() for e in per.values()):
        print()
        print(signal_stage_table(res))
    print(f"\n{ASSUMPTION}")
    if args.json:
        print(f"-> {write_json(res, args.json)}")
    return 0


# ----------------------------------------------------------------------------- main
def _domain_argument(s) -> None:
    s.add_argument("--domain", choices=DOMAINS, help="glove (simulated glove recordings, default) or chen2021 (the real pen "
                   "recordings of Chen et al. 2021; models under models/chen2021/)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glovexfer", description="SmartGloveXfer host tools: simulate, inspect and process glove recordings.")
    p.add_argument("--version", action="version", version=f"glovexfer {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("simulate", help="simulate glove recordings from DigiLeTs pen trajectories")
    s.add_argument("--digilets", metavar="DIR", help="DigiLeTs raw folder (default: $GLOVEXFER_DIGILETS or ../shared/data/digilets)")
    s.add_argument("--out", help="output .npz (default: out/glove_sim.npz, with --sessions out/sessions.npz)")
    s.add_argument("--seed", type=int, default=0, help="simulation seed (default: %(default)s)")
    s.add_argument("--users", type=int, default=16, help="number of simulated users (default: %(default)s, as the paper)")
    s.add_argument("--letters", type=int, default=10, help="letters per user (default: %(default)s, as the paper)")
    s.add_argument("--reps", type=int, default=10, help="recordings per letter and user (default: %(default)s)")
    s.add_argument("--all-writers", action="store_true", help="every writer in DIR becomes a user with all 26 letters")
    s.add_argument("--sessions", type=int, metavar="N", help="instead: N continuous writing sessions (phrases of common English "
                   "words, letter after letter, non-writing motion between words) by the 16 target writers (docs/data-format.md)")
    s.add_argument("--hold-out-instances", type=int, default=0, metavar="H",
                   help="with --sessions: leave the last H of the 5 DigiLeTs instances of every letter out of the sessions, for "
                        "the wearers' calibration letters (evaluate --sessions --calibrate K); default %(default)s")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser("show", help="draw every pipeline stage of one recording as PNG files")
    s.add_argument("recording", help="a recording .csv, or a data set .npz with --index")
    s.add_argument("--index", type=int, default=0, help="recording index in an .npz (default: %(default)s)")
    s.add_argument("--out", default="out/show", help="output folder (default: %(default)s)")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("csv-export", help="write recordings of an .npz data set as glove-logger CSV files")
    s.add_argument("dataset")
    s.add_argument("--index", type=int, nargs="*", help="indices to export (default: all)")
    s.add_argument("--out", default="out/csv", help="output folder (default: %(default)s)")
    s.set_defaults(func=cmd_csv_export)

    s = sub.add_parser("csv-import", help="collect glove-logger CSV recordings into one .npz data set")
    s.add_argument("csv", nargs="+")
    s.add_argument("--sessions", action="store_true", help="the CSV files are continuous writing sessions (any length)")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_csv_import)

    s = sub.add_parser("info", help="summarise an .npz data set")
    s.add_argument("dataset")
    s.add_argument("--meta", action="store_true", help="print the whole metadata (writer split, simulator settings)")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("evaluate", help="run the protocols of a data domain (glove: ud, ui; chen2021: lowo, subject_split, "
                       "random_split), or score shipped models")
    _domain_argument(s)
    s.add_argument("--protocol", nargs="+", choices=GLOVE_PROTOCOLS + ("lowo", "subject_split", "random_split"), metavar="PROTOCOL",
                   help="glove: one of ud (user-dependent), ui (leave one user out), both (default); chen2021: any of "
                        "lowo subject_split random_split (default: all three)")
    s.add_argument("--model", nargs="+", help="settings: paper_lstm (default) paper_cnn target_only_lstm source_only_lstm best_lstm best_cnn best (fused); "
                   "with --data or --domain chen2021: shipped model names or folders to score (chen2021 without --model: run the protocols)")
    s.add_argument("--data", metavar="SET.npz", help="score shipped, trained models on this glove data set (no training): accuracy, per user, confusion")
    s.add_argument("--sessions", metavar="SET.npz", help="continuous writing (glovexfer simulate --sessions): the shipped spotter, "
                   "the model (default best) and the lexicon on the device path: spotting recall/precision, CER, WER raw and with the lexicon")
    s.add_argument("--no-lexicon", action="store_true", help="with --sessions: no word decoding")
    s.add_argument("--per-session", action="store_true", help="with --sessions --json: every session's text, raw letters and decoded words too")
    s.add_argument("--learn", action="store_true", help="with --sessions: also the glove learning each wearer from the words it "
                   "decodes (calib learn on, from an empty set, no calibration letters; 'self_calibrated' in the JSON)")
    s.add_argument("--models", metavar="DIR", help="with --data: where the shipped models are (default: the repository's models/glove/)")
    s.add_argument("--int8", action="store_true", help="also run the device path (golden fixed-point pipeline + int8 networks, bit-exact with the firmware) and compare with float: with --data the shipped exported networks; with --protocol every fold's networks, converted to int8 as export does")
    s.add_argument("--calibrate", nargs="+", type=int, choices=(1, 2, 3), metavar="K",
                   help="ui protocol on the device path: also calibrate to each held-out user with K recordings per letter "
                        "(golden.calibrate, docs/calibration.md) and test on the user's other recordings (ui_cal<K>); "
                        "chen2021 (--model chen_best): the same for each real writer left out (lowo_cal<K>), folds in OUT/folds_cal; "
                        "--sessions: each wearer calibrates with K isolated letters of each letter (from the DigiLeTs instances "
                        "the set left out, simulate --hold-out-instances) and writes the sessions calibrated ('calibrated' in the JSON)")
    s.add_argument("--users", nargs="+", metavar="U", help="ui protocol: only these held-out users (e.g. u11 u14)")
    s.add_argument("--chen2021", metavar="DIR", nargs="?", const="", help="the Chen et al. 2021 pen data set (default DIR: ../shared/data/chen2021); "
                   "alone, it means --domain chen2021: with --model (e.g. chen_best) the shipped models are scored on the writers they were not trained on")
    s.add_argument("--writers", nargs="+", metavar="W", help="chen2021: only these writers of the data set")
    s.add_argument("--out", metavar="DIR", help="chen2021 protocols and --calibrate: fold results folder (default out/chen, or out/chen/quick); "
                   "a rerun skips the folds already there")
    s.add_argument("--folds", type=int, metavar="N", help="chen2021 protocols and --calibrate: only the first N folds of each protocol")
    s.add_argument("--only", nargs="+", metavar="FOLD", help="chen2021 protocols and --calibrate: only these folds (writer, pair 'a+b' or 'random')")
    s.add_argument("--summarise", action="store_true", help="chen2021 protocols and --calibrate: no training, only collect the saved folds into the summary")
    s.add_argument("--target", metavar="SET.npz", help="glove data set (default: simulate the paper-like set, seed 0)")
    s.add_argument("--digilets", metavar="DIR", help="DigiLeTs raw folder (source writers for pretraining)")
    s.add_argument("--quick", action="store_true", help="same code paths, tiny data and 2 epochs (CI); numbers are meaningless")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", metavar="OUT", help="write every figure (runs, per-user, confusion) as JSON; chen2021 protocols: the "
                   "summary (default models/chen2021/metrics.json, none with --quick); chen2021 --calibrate: the run's figures (a run "
                   "over all 12 writers also adds lowo_cal<K> to models/chen2021/metrics.json)")
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("train", help="train shipped models on every target user and write them to models/glove/ (chen2021: models/chen2021/)")
    _domain_argument(s)
    s.add_argument("--model", nargs="+", default=["all"], help="settings to ship, or 'all' (default): " + " ".join(("paper_lstm", "paper_cnn", "best_lstm", "best_cnn", "best", "target_only_lstm", "source_only_lstm"))
                   + "; 'spotter': the letter spotter of continuous writing (simulated source-writer sessions); 'writing': the letter "
                   "recogniser of continuous writing (letters of those sessions; also exports it to int8 and to models/firmware_writing); chen2021: all, or chen_signal_net alone")
    s.add_argument("--metrics", nargs="+", metavar="RUN.json", help="glovexfer evaluate --json results whose protocol figures go into the models' metrics "
                   "(chen2021: the protocols' summary, default models/chen2021/metrics.json)")
    s.add_argument("--chen2021", metavar="DIR", help="chen2021: the pen data set (default: ../shared/data/chen2021)")
    s.add_argument("--writers", nargs="+", metavar="W", help="chen2021: train on these writers only (default: all 12)")
    s.add_argument("--metrics-only", action="store_true", help="do not train: only put the --metrics figures into the shipped models' metrics.json")
    s.add_argument("--out", metavar="DIR", help="where to write the model folders (default: the repository's models/glove/, chen2021: models/chen2021/)")
    s.add_argument("--target", metavar="SET.npz", help="glove data set (default: simulate the paper-like set, seed 0)")
    s.add_argument("--digilets", metavar="DIR", help="DigiLeTs raw folder (source writers for pretraining)")
    s.add_argument("--quick", action="store_true", help="tiny data and 2 epochs (CI); needs --out")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("export", help="shipped float models -> int8 .tflite + the firmware's C++ model data (models/glove/, chen2021: models/chen2021/)")
    _domain_argument(s)
    s.add_argument("--model", nargs="+", help="models to convert (default: the two firmware networks)")
    s.add_argument("--lstm", default="best_lstm", help="the LSTM the firmware compiles in (default: %(default)s)")
    s.add_argument("--cnn", default="best_cnn", help="the CNN the firmware compiles in (default: %(default)s)")
    s.add_argument("--spotter", help="the letter spotter of continuous writing whose firmware data is written too (a "
                   "trained folder, glovexfer train --model spotter; '' for none; default: spotter where the models folder "
                   "has it)")
    s.add_argument("--firmware-only", action="store_true", help="only rewrite models/glove/firmware from the shipped int8 "
                   "files (no conversion, no data needed)")
    s.add_argument("--models", metavar="DIR", help="models folder (default: the repository's models/glove/, chen2021: models/chen2021/)")
    s.add_argument("--target", metavar="SET.npz", help="training glove set for the representative data (default: simulate the paper-like set)")
    s.add_argument("--chen2021", metavar="DIR", help="chen2021: the pen data set (default: ../shared/data/chen2021)")
    s.add_argument("--vectors", metavar="DIR", help="chen2021: also write 60 real letters (4 per session) as firmware vector files (parity --vectors)")
    s.add_argument("--recording-set", metavar="OUT.npz", help="chen2021: also write every --every-th real letter as a recording set of firmware "
                   "inputs (evaluate --data OUT.npz --int8)")
    s.add_argument("--every", type=int, default=10, help="chen2021 --recording-set: every N-th letter (default: %(default)s)")
    s.add_argument("--digilets", metavar="DIR", help="DigiLeTs raw folder (to simulate the default set)")
    s.add_argument("--n-rep", type=int, default=300, help="representative examples (default: %(default)s)")
    s.add_argument("--lexicon", action="store_true", help="instead: the word lexicon of continuous writing (wordfreq's 10,000 most frequent English words) -> models/glove/lexicon/, and its flash layout -> models/glove/firmware/gx_lexicon.{h,cpp}")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("vectors", help="golden test vectors for a device: raw counts in, every intermediate out")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument("--n", type=int, default=156, help="recordings of the shipped demo set, every letter first (default: %(default)s)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--lstm", metavar="FILE.tflite", help="also write the golden network stages of this int8 LSTM")
    s.add_argument("--cnn", metavar="FILE.tflite", help="... and of this int8 CNN (both: the fused decision too)")
    s.set_defaults(func=cmd_vectors)

    s = sub.add_parser("demo", help="the main job: a simulated wearer writes a phrase; the virtual glove recognises it")
    s.add_argument("--text", default="hello", help="what the wearer writes, a-z and spaces (default: %(default)s)")
    s.add_argument("--fast", action="store_true", help="stream the samples as fast as possible, not at 27 Hz")
    s.add_argument("--continuous", action="store_true",
                   help="continuous writing: one simulated session without a button; the glove spots the letters and "
                        "decodes the words with its lexicon (a glove with the letter spotter: the virtual glove, qemu-arm, "
                        "qemu-riscv, qemu-xtensa)")
    s.add_argument("--data", help=f"glove data set .npz (default: the shipped {DEMO_SET})")
    s.add_argument("--user", help="which user of the data set writes (default: the first)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--model", choices=["lstm", "cnn", "fused"], help="model on the glove (default: the glove's, fused)")
    s.add_argument("--device", default="native", help="native (virtual glove, default), qemu-arm, qemu-riscv, qemu-xtensa (Xtensa LX106, "
                   "the ESP8266's core) or a serial port")
    s.add_argument("--model-dir", help="generated firmware model sources (default: the shipped models/glove/firmware)")
    s.add_argument("--pictures", "--out", metavar="DIR", dest="pictures",
                   help="also draw every letter's float pipeline stages as PNG files into DIR")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("listen", help="print the letters a glove recognises as they arrive, and build words "
                       "(a glove that goes away is waited for: the port is reopened until it answers, or Ctrl-C)")
    s.add_argument("--port", required=True, help="serial port of a glove (/dev/ttyUSB0, a virtual glove's pty) or 'native'")
    s.add_argument("--model", choices=["lstm", "cnn", "fused", "signal", "fused_signal"],
                   help="select this model on the glove first (signal, fused_signal: firmware with a signal network)")
    s.add_argument("--count", type=int, help="stop after this many letters")
    s.add_argument("--timeout", type=float, help="stop after this many seconds")
    s.add_argument("--continuous", action="store_true",
                   help="switch the glove to continuous mode (no button: it spots the letters; each word comes with "
                        "its raw letters and the lexicon's word)")
    s.add_argument("--decode", action=argparse.BooleanOptionalAction, default=None,
                   help="decode words on the host with the shipped lexicon (default: when the glove has none; "
                        "--decode also checks the glove's words, --no-decode never)")
    s.add_argument("--learn", action=argparse.BooleanOptionalAction, default=None,
                   help="with --continuous: the glove learns the wearer from the words it decodes ('calib learn on'; "
                        "its letter calibration, switched on by guard 2; docs/writing.md, Self-calibration); default: on "
                        "where the glove can, --learn insists, --no-learn leaves it off")
    s.set_defaults(func=cmd_listen)

    s = sub.add_parser("parity", help="every intermediate of a glove's firmware vs the golden model, bit for bit")
    s.add_argument("--device", required=True, help="native (the host-native firmware), qemu-arm / qemu-riscv / qemu-xtensa (the firmware on an emulated Cortex-M4F / "
                   "RV32IMC / Xtensa LX106 = the ESP8266's core, not the ESP32's LX6) or a serial port")
    s.add_argument("--n", type=int, default=1000, help="simulated recordings (default: %(default)s)")
    s.add_argument("--vectors", metavar="DIR", help="also the recordings of golden vector files (export.vectors)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--models", nargs="*", metavar="DIR", help="where to find the .tflite files of the device's models "
                   "(matched by sha256; default: models/)")
    s.add_argument("--model-dir", help="native/qemu-*: generated firmware model sources (default: models/glove/firmware)")
    s.set_defaults(func=cmd_parity)

    s = sub.add_parser("calibrate", help="few-shot calibration to the wearer: each letter K times, kept on the glove "
                       "(docs/calibration.md, docs/serial-protocol.md)")
    s.add_argument("action", nargs="?", default="run", choices=["run", "show", "on", "off", "clear"],
                   help="run (default): ask for every letter K times, then switch the calibration on; show; on; off; clear")
    s.add_argument("--port", required=True, help="serial port of a glove (/dev/ttyUSB0, a virtual glove's pty) or 'native'")
    s.add_argument("--k", type=int, default=1, choices=(1, 2, 3), help="samples per letter (default: %(default)s)")
    s.add_argument("--keep", action="store_true", help="add to the glove's stored samples instead of starting afresh")
    s.add_argument("--confirm", choices=["ask", "yes", "no"], default="no",
                   help="a sample that does not look like its letter: ask the wearer, keep it, or drop it (default)")
    s.add_argument("--data", metavar="SET.npz", help="a board without an IMU: send this data set's recordings of the "
                   f"wearer (--user) as the samples (default with --user: the shipped {DEMO_SET})")
    s.add_argument("--user", help="the data set's wearer whose recordings are sent (default with --data: the first)")
    s.add_argument("--model-dir", help="native/qemu-*: generated firmware model sources")
    s.set_defaults(func=cmd_calibrate)

    s = sub.add_parser("sensorcal", help="the glove's sensor calibration: gyro bias, magnetometer hard/soft iron")
    s.add_argument("action", choices=["run", "gyro", "mag", "show", "clear"],
                   help="run = gyro then mag; show; clear (docs/sensor-calibration.md)")
    s.add_argument("--device", default="native", help="native (virtual glove), qemu-arm, qemu-riscv, qemu-xtensa or a serial port")
    s.add_argument("--model-dir", help="firmware model sources for a device built from sources")
    s.add_argument("--simulate", type=int, metavar="SEED",
                   help="send a simulated glove's calibration samples (boards without an IMU)")
    s.set_defaults(func=cmd_sensorcal)

    s = sub.add_parser("bench", help="flash, RAM, stack and instructions per recognition on native / emulated Cortex-M4F / "
                       "RV32IMC / Xtensa LX106")
    s.add_argument("--json", metavar="FILE", help="write target -> model -> figures (e.g. docs/bench.json)")
    s.add_argument("--targets", nargs="+", default=["native", "qemu-arm", "qemu-riscv"],
                   choices=["native", "qemu-arm", "qemu-riscv", "qemu-xtensa"],
                   help="default: native qemu-arm qemu-riscv; qemu-xtensa = Xtensa LX106, the ESP8266's core "
                        "(call0, no FPU/divider/MAC16), not the ESP32's LX6")
    s.add_argument("--models", nargs="+", choices=["lstm", "cnn", "fused", "signal", "fused_signal"],
                   help="default: lstm cnn fused, plus signal fused_signal when the model directory has the signal network")
    s.add_argument("--n", type=int, default=20, help="demo-set recordings to measure (default: %(default)s)")
    s.add_argument("--model-dir", help="generated firmware model sources (default: the shipped models/glove/firmware)")
    s.add_argument("--calibration", action="store_true",
                   help="instead: the letter calibration (qemu-arm, qemu-riscv among --targets): instructions per "
                        "calibrated recognition, per change of the set and per guard, flash and RAM; --json merges it "
                        "into that file under 'letter_calibration', keeping the other figures")
    s.add_argument("--decoder", action="store_true",
                   help="instead: the word decoder of continuous writing on the shipped lexicon (qemu-arm, qemu-riscv "
                        "among --targets): flash, RAM, instructions per word; --json merges it into that file under "
                        "'word_decoder', keeping the other figures")
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("tflm-check", help="golden int8 network vs TFLite-Micro on golden-pipeline inputs, bit for bit")
    s.add_argument("--model", nargs="+", metavar="FILE.tflite",
                   help="int8 .tflite models (LSTM, CNN or signal network, told apart by input shape; "
                        "default: every shipped int8 model, models/**/model_int8.tflite)")
    s.add_argument("--data", metavar="SET.npz", help=f"glove data set .npz (default: the shipped {DEMO_SET})")
    s.add_argument("--n", type=int, default=1000, help="recordings to check (default: %(default)s, or all there are if fewer)")
    s.set_defaults(func=cmd_tflm_check)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in OPTIONAL_PACKAGES:
            raise
        print(f"error: glovexfer {args.command} needs {e.name}, which is not installed ({e}); "
              f"install the training extras: pip install -e '.[train]'", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
