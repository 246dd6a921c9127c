#!/usr/bin/env python
"""Runs every firmware libFuzzer target (firmware/fuzz, clang + ASan + UBSan) for a fixed time
and prints one Markdown table: target, executions, executions/s, coverage (libFuzzer's final
``cov`` edges and ``ft`` features), corpus size, findings (crash/leak/timeout/oom artifacts or a
non-zero exit).

Targets (each exercises one thing; docs/reliability.md, "Firmware"):

* ``protocol``: the protocol helpers on one line (no app, no models);
* ``app``: line assembly and command dispatch of the app, models verified once;
* ``app_continuous``: the same program from continuous-mode seeds (``mode continuous``, slices
  of a simulated writing session's sample lines, ``end``, mode switches; dictionary
  firmware/fuzz/continuous.dict): the letter spotter, time normalisation, recognition of
  spotted letters and the word decoder with the lexicon;
* ``stages``: each pre-network stage on arbitrary input;
* ``model``: the start-up check on mutated models (every change must be refused) and every
  kernel, softmax and fusion with arbitrary but verified (re-signed) parameters;
* ``metamorphic``: a replayed recording and the same samples streamed give the same decision;
* ``*_signal``: ``app``, ``model`` and ``metamorphic`` built with the signal network
  (models/chen2021/firmware): the only targets that run it.

    .venv/bin/python tools/fuzz_all.py --seconds 120            # the documented long run
    .venv/bin/python tools/fuzz_all.py --seconds 10 --only protocol,app

Builds into build/fuzz and build/fuzz-signal (kept between runs); corpora and artifacts go
to ``--out`` (default out/fuzz). Exit status 1 when any target has findings, 2 when a
build fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAN = "-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1"
SIGNAL_DIR = ROOT / "models" / "chen2021" / "firmware"

#: name -> (build flavour, executable, libFuzzer options)
#: A single allocation over 2 GB is a finding; the RSS limit is off, because libFuzzer reads
#: the process's peak RSS (getrusage), which on Linux survives the exec from a large parent
#: (a pytest run holding TensorFlow starts the fuzzer at over 2 GB "rss" before it ran once).
MEMORY_LIMIT = ["-rss_limit_mb=0", "-malloc_limit_mb=2048"]

TARGETS = {
    "protocol": ("fuzz", "gx_fuzz_protocol", ["-max_len=1300"]),
    "app": ("fuzz", "gx_fuzz_app", ["-max_len=4096"]),
    "app_continuous": ("fuzz", "gx_fuzz_app", ["-max_len=16384", f"-dict={ROOT / 'firmware' / 'fuzz' / 'continuous.dict'}"]),
    "stages": ("fuzz", "gx_fuzz_stages", ["-max_len=600"]),
    "model": ("fuzz", "gx_fuzz_model", ["-max_len=64", "-len_control=0"]),
    "metamorphic": ("fuzz", "gx_fuzz_metamorphic", ["-max_len=600", "-len_control=0"]),
    "app_signal": ("fuzz-signal", "gx_fuzz_app", ["-max_len=4096"]),
    "model_signal": ("fuzz-signal", "gx_fuzz_model", ["-max_len=64", "-len_control=0"]),
    "metamorphic_signal": ("fuzz-signal", "gx_fuzz_metamorphic", ["-max_len=600", "-len_control=0"]),
}
_DONE = re.compile(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+.*exec/s: (\d+)")
_RUNS = re.compile(r"Done (\d+) runs in (\d+) second")


def env() -> dict:
    e = dict(os.environ)
    e["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
    e["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return e


def build(flavour: str, targets: list[str], python: str = sys.executable) -> Path:
    """Configure (clang, GX_LIBFUZZER, sanitizers) and build ``targets`` into build/<flavour>."""
    bdir = ROOT / "build" / flavour
    args = ["cmake", "-S", str(ROOT / "firmware"), "-B", str(bdir), "-DCMAKE_CXX_COMPILER=clang++",
            "-DGX_LIBFUZZER=ON", f"-DGX_EXTRA_FLAGS={SAN}", f"-DPython3_EXECUTABLE={python}"]
    if flavour == "fuzz-signal":
        args.append(f"-DGX_MODEL_DIR={SIGNAL_DIR}")
    for cmd in (args, ["cmake", "--build", str(bdir), "-j", "2", "--target", *targets]):
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
    return bdir


def seed_app(corpus: Path) -> None:
    """A full letter window, a replay and the commands (as tests/test_fuzz.py)."""
    sys.path.insert(0, str(ROOT / "host"))
    from glovexfer.device.protocol import replay_line, sample_line
    from glovexfer.simulate.recordings import simulated_recordings

    c = simulated_recordings(2, seed=1)
    (corpus / "window").write_text("start\n" + "".join(sample_line(s) + "\n" for s in c[0]))
    (corpus / "replay").write_text(replay_line(c[1]) + "\n")
    (corpus / "commands").write_text("info\nmodel lstm\nmodel cnn\nmodel fused\nmodel signal\nauto on\nreset\n")


def seed_continuous(corpus: Path) -> None:
    """Continuous-mode inputs: slices of the shipped simulated session "hello world" (seed 0,
    glovexfer.device.demo.shipped_session), each short enough to run fast and long enough for letters and
    words, with 'end', mode and model switches and bad lines between them."""
    sys.path.insert(0, str(ROOT / "host"))
    from glovexfer.device.continuous import stream_lines
    from glovexfer.device.demo import shipped_session

    lines = [x + "\n" for x in stream_lines(shipped_session("hello world", 0).counts)]

    def cont(*parts):
        return "mode continuous\n" + "".join("".join(p) if isinstance(p, list) else p for p in parts)

    (corpus / "cont_letter").write_text(cont(lines[:110], "end\n"))
    (corpus / "cont_word").write_text(cont(lines[:150], "end\ninfo\n"))
    (corpus / "cont_bad_lines").write_text(cont(lines[90:140], "s 1 2 3\nstart\ns 1 2 3 4 5 6 7 8 32768\n",
                                                lines[140:200], "end 1\nend\n"))
    (corpus / "cont_switch").write_text(cont(lines[:80], "mode window\nmode continuous\n", lines[80:160],
                                             "model lstm\n", lines[160:230], "reset\nend\n"))
    (corpus / "cont_repeat").write_text(cont(lines[20:95] * 3, "end\n"))


def run_target(name: str, exe: Path, work: Path, seconds: int | None = None, runs: int | None = None) -> dict:
    """One libFuzzer run; its table row (executions, exec/s, cov, ft, corpus, findings)."""
    _, _, opts = TARGETS[name]
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    art = work / "artifacts"
    art.mkdir(parents=True, exist_ok=True)
    if name.startswith("app") and not any(corpus.iterdir()):
        (seed_continuous if name == "app_continuous" else seed_app)(corpus)
    limit = [f"-max_total_time={seconds}"] if seconds else [f"-runs={runs}"]
    cmd = [str(exe), *limit, *opts, "-seed=1", "-timeout=20", *MEMORY_LIMIT,
           f"-artifact_prefix={art}/", str(corpus)]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env(), cwd=work)
    wall = time.monotonic() - t0
    done = _DONE.findall(r.stderr)
    runs_m = _RUNS.findall(r.stderr)
    execs = int(runs_m[-1][0]) if runs_m else (int(done[-1][0]) if done else 0)
    cov, ft, corp = (int(done[-1][1]), int(done[-1][2]), int(done[-1][3])) if done else (0, 0, 0)
    artifacts = sorted(p.name for p in art.iterdir())
    findings = len(artifacts) + (1 if r.returncode != 0 and not artifacts else 0)
    return {"target": name, "executions": execs, "exec_per_s": round(execs / wall) if wall > 0 else 0,
            "seconds": round(wall, 1), "cov": cov, "ft": ft, "corpus": corp, "findings": findings,
            "artifacts": artifacts, "rc": r.returncode, "log_tail": r.stderr[-3000:]}


def table(rows: list[dict]) -> str:
    out = ["| target | executions | exec/s | seconds | coverage (edges / features) | corpus | findings |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['target']} | {r['executions']:,} | {r['exec_per_s']:,} | {r['seconds']} | "
                   f"{r['cov']} / {r['ft']} | {r['corpus']} | {r['findings']} |")
    total = sum(r["executions"] for r in rows)
    out.append(f"| **total** | **{total:,}** | | {sum(r['seconds'] for r in rows):.0f} | | | "
               f"**{sum(r['findings'] for r in rows)}** |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=120, help="per target (default 120)")
    ap.add_argument("--only", default="", help="comma-separated target names (default: all)")
    ap.add_argument("--out", default=str(ROOT / "out" / "fuzz"), help="corpora and artifacts")
    a = ap.parse_args(argv)
    names = [n for n in (a.only.split(",") if a.only else TARGETS) if n]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        print(f"error: unknown target(s) {unknown}; known: {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    if not (SIGNAL_DIR / "gx_model_signal.cpp").is_file():
        skipped = [n for n in names if TARGETS[n][0] == "fuzz-signal"]
        if skipped:
            print(f"note: {SIGNAL_DIR} has no signal network: skipping {skipped}", file=sys.stderr)
        names = [n for n in names if n not in skipped]
    exes = {}
    try:
        for flavour in sorted({TARGETS[n][0] for n in names}):
            wanted = sorted({TARGETS[n][1] for n in names if TARGETS[n][0] == flavour})
            bdir = build(flavour, wanted)
            for n in names:
                if TARGETS[n][0] == flavour:
                    exes[n] = bdir / TARGETS[n][1]
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = []
    for n in names:
        row = run_target(n, exes[n], Path(a.out) / n, seconds=a.seconds)
        rows.append(row)
        print(f"{n}: {row['executions']:,} executions, {row['exec_per_s']:,}/s, cov {row['cov']} ft {row['ft']}, "
              f"findings {row['findings']} {row['artifacts']}", file=sys.stderr, flush=True)
        if row["findings"]:
            print(row["log_tail"], file=sys.stderr)
    print(table(rows))
    return 1 if any(r["findings"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
