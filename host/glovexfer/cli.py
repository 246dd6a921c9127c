"""The ``glovexfer`` command line.  ``glovexfer --help`` lists the commands."""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

from . import __version__
from .errors import DataFormatError, GloveXferError

DEMO_SET = "demo_glove.npz"


def demo_set_path() -> Path:
    """The small simulated glove set shipped inside the package (works without ../shared)."""
    return Path(str(resources.files("glovexfer") / "resources" / DEMO_SET))


# ----------------------------------------------------------------------------- simulate
def cmd_simulate(args) -> int:
    from .data.paths import find_dataset
    from .simulate import simulate_dataset

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

    rs = RecordingSet.load(args.dataset)
    idx = args.index if args.index else list(range(len(rs)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i in idx:
        if not 0 <= i < len(rs):
            raise DataFormatError(args.dataset, f"index {i} out of range (0..{len(rs) - 1})", field="index")
        rec = rs[i]
        p = out / f"{i:05d}_{rec.user or 'user'}_{rec.label or 'x'}.csv"
        write_csv(rec, p)
    print(f"wrote {len(idx)} CSV file(s) to {out}")
    return 0


def cmd_csv_import(args) -> int:
    from .data.recordings import RecordingSet, read_csv

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

    rs = RecordingSet.load(args.dataset)
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

    dom = E.load_domains(args.target, args.digilets, args.quick, progress=not args.no_progress)
    print(f"source: {len(dom.source)} DigiLeTs letters; target: {len(dom.target)} glove recordings"
          f"{' (simulated)' if dom.target_meta.get('simulated') else ''}")
    results = []
    for name in args.model:
        res = E.run(name, args.protocol, dom, args.quick, args.seed, progress=not args.no_progress)
        print(E.summary(res))
        results.append(res)
    if args.json:
        print(f"-> {E.write_json(results if len(results) > 1 else results[0], args.json)}")
    return 0


# ----------------------------------------------------------------------------- demo
def cmd_demo(args) -> int:
    from . import plots
    from .data.recordings import RecordingSet
    from .pipeline import run_recording

    text = args.text.lower()
    bad = sorted({c for c in text if not ("a" <= c <= "z" or c == " ")})
    if bad:
        raise GloveXferError(f"--text may hold lowercase letters a-z and spaces only, got {bad}")
    path = Path(args.data) if args.data else demo_set_path()
    rs = RecordingSet.load(path)
    users = sorted(set(rs.users.tolist()))
    user = args.user or users[0]
    if user not in users:
        raise GloveXferError(f"--user {user} is not in {path} (users: {', '.join(users)})")
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    print(f"SmartGloveXfer demo: a simulated wearer ({user}) writes '{text}' in the air")
    print(f"recordings from {path} ({'simulated' if rs.meta.get('simulated') else 'recorded'}); figures -> {out}/")
    for k, ch in enumerate(text):
        if ch == " ":
            print("\n[space]\n")
            continue
        pick = np.flatnonzero((rs.users == user) & (rs.labels == ch))
        if len(pick) == 0:
            pick = np.flatnonzero(rs.labels == ch)
        if len(pick) == 0:
            raise GloveXferError(f"{path} has no recording of '{ch}'")
        rec = rs[int(rng.choice(pick))]
        t0 = time.perf_counter()
        st = run_recording(rec)
        ms = (time.perf_counter() - t0) * 1e3
        span = np.degrees(np.ptp(st.points, axis=0))
        print(f"\n=== letter {k + 1}: '{ch}'  (float pipeline {ms:.1f} ms)")
        print(
            f"  32 samples @27 Hz -> Madgwick -> (yaw, pitch) span {span[0]:.1f}° x {span[1]:.1f}° -> normalise -> "
            f"smooth -> thin {len(st.smoothed)}->{len(st.thinned)} pts -> spline {len(st.resampled)} pts -> 28x28 image"
        )
        print(plots.ascii_image(st.image))
        fig = plots.overview(rec.physical, st, f"'{ch}' written by simulated wearer {rec.user}", out / f"{k:02d}_{ch}.png")
        print(f"  stages: {fig}")
    print("\n(recognition on the device arrives with the int8 models and the firmware; see README.md, 'Status')")
    return 0


# ----------------------------------------------------------------------------- tflm-check
def cmd_tflm_check(args) -> int:
    from .export.tflm_check import run_check

    status, _ = run_check(args.model, args.data, args.n)
    return status


# ----------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glovexfer", description="SmartGloveXfer host tools: simulate, inspect and process glove recordings.")
    p.add_argument("--version", action="version", version=f"glovexfer {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("simulate", help="simulate glove recordings from DigiLeTs pen trajectories")
    s.add_argument("--digilets", metavar="DIR", help="DigiLeTs raw folder (default: $GLOVEXFER_DIGILETS or ../shared/data/digilets)")
    s.add_argument("--out", default="out/glove_sim.npz", help="output .npz (default: %(default)s)")
    s.add_argument("--seed", type=int, default=0, help="simulation seed (default: %(default)s)")
    s.add_argument("--users", type=int, default=16, help="number of simulated users (default: %(default)s, as the paper)")
    s.add_argument("--letters", type=int, default=10, help="letters per user (default: %(default)s, as the paper)")
    s.add_argument("--reps", type=int, default=10, help="recordings per letter and user (default: %(default)s)")
    s.add_argument("--all-writers", action="store_true", help="every writer in DIR becomes a user with all 26 letters")
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
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_csv_import)

    s = sub.add_parser("info", help="summarise an .npz data set")
    s.add_argument("dataset")
    s.add_argument("--meta", action="store_true", help="print the whole metadata (writer split, simulator settings)")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("evaluate", help="run the paper's protocols (ud: user-dependent, ui: leave one user out)")
    s.add_argument("--protocol", choices=("ud", "ui", "both"), default="both")
    s.add_argument("--model", nargs="+", default=["paper_lstm"], help="settings: paper_lstm paper_cnn target_only_lstm source_only_lstm")
    s.add_argument("--target", metavar="SET.npz", help="glove data set (default: simulate the paper-like set, seed 0)")
    s.add_argument("--digilets", metavar="DIR", help="DigiLeTs raw folder (source writers for pretraining)")
    s.add_argument("--quick", action="store_true", help="same code paths, tiny data and 2 epochs (CI); numbers are meaningless")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", metavar="OUT", help="write every figure (runs, per-user, confusion) as JSON")
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("demo", help="the main job: a simulated wearer writes a word; see every letter's pipeline")
    s.add_argument("--text", default="hello", help="what the wearer writes (default: %(default)s)")
    s.add_argument("--data", help=f"glove data set .npz (default: the shipped {DEMO_SET})")
    s.add_argument("--user", help="which user of the data set writes (default: the first)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default="out/demo", help="folder for the stage figures (default: %(default)s)")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("tflm-check", help="golden int8 network vs TFLite-Micro on golden-pipeline inputs, bit for bit")
    s.add_argument("--model", nargs="+", required=True, metavar="FILE.tflite", help="int8 .tflite models (LSTM or CNN, told apart by input shape)")
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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
