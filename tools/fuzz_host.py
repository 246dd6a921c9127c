"""Fuzz the host's parsers with Atheris (coverage-guided, libFuzzer inside Python): the targets
of tests/host_fuzz_targets.py (CSV recordings, .npz data sets, DigiLeTs and Chen files, device
lines), each in its own process, starting from valid seed files.

    python tools/fuzz_host.py --runs 200000            # every target
    python tools/fuzz_host.py --runs 50000 csv npz      # some

Prints per target: executions, executions per second, libFuzzer's coverage (cov: edges, ft:
features) and findings (an exception other than GloveXferError; its input is kept in
out/fuzz-host/<target>/crash-*).  Exit status 1 when any target found something.
(tests/test_fuzz_host.py runs the same targets with hypothesis in ``make test``.)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "host"), str(ROOT / "tests")]


def child(name: str, argv: list[str]) -> None:
    """Run one target under Atheris (in this process; libFuzzer exits it)."""
    import atheris

    with atheris.instrument_imports(include=["glovexfer"]):
        import host_fuzz_targets as T

        import glovexfer.data.chen2021  # noqa: F401
        import glovexfer.data.digilets  # noqa: F401
        import glovexfer.data.recordings  # noqa: F401
        import glovexfer.device.protocol  # noqa: F401
    target = T.TARGETS[name]
    atheris.Setup([sys.argv[0], *argv], target)
    atheris.Fuzz()


def run(name: str, runs: int, out: Path, max_len: int) -> dict:
    import host_fuzz_targets as T

    corpus = out / name / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(T.seeds(name)):
        (corpus / f"seed{i}").write_bytes(s)
    args = [f"-runs={runs}", f"-max_len={max(max_len, *(len(s) for s in T.seeds(name)))}",
            f"-artifact_prefix={out / name}/", "-print_final_stats=1", str(corpus)]
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, __file__, "--child", name, "--", *args], capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    log = p.stdout + p.stderr
    (out / name / "log.txt").write_text(log)
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    execs_n = int(execs[-1]) if execs else 0
    return {
        "target": name,
        "executions": execs_n,
        "seconds": round(wall, 1),
        "exec_per_s": round(execs_n / wall) if wall else 0,
        "cov": int(cov[-1][0]) if cov else None,
        "ft": int(cov[-1][1]) if cov else None,
        "findings": 0 if p.returncode == 0 else 1,
        "status": p.returncode,
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[3:])
        return 0
    import host_fuzz_targets as T

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="*", choices=[[], *T.TARGETS], help="default: all")
    ap.add_argument("--runs", type=int, default=100000, help="executions per target (default: %(default)s)")
    ap.add_argument("--max-len", type=int, default=4096, help="longest input (at least the longest seed)")
    ap.add_argument("--out", default=str(ROOT / "out" / "fuzz-host"))
    a = ap.parse_args(argv)
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed (pip install atheris); tests/test_fuzz_host.py fuzzes with hypothesis", file=sys.stderr)
        return 2
    out = Path(a.out)
    total = 0
    bad = 0
    print("| target | executions | s | exec/s | cov | ft | findings |\n|---|---|---|---|---|---|---|")
    for name in a.targets or list(T.TARGETS):
        r = run(name, a.runs, out, a.max_len)
        total += r["executions"]
        bad += r["findings"]
        print(f"| {name} | {r['executions']} | {r['seconds']} | {r['exec_per_s']} | {r['cov']} | {r['ft']} | "
              f"{r['findings']}{' (see ' + str(out / name) + ')' if r['findings'] else ''} |", flush=True)
    print(f"total: {total} executions, {bad} target(s) with findings")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
