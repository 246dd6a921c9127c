"""Golden model vs float reference: the error tables of docs/fixed-point.md.

    python tools/golden_errors.py stages [N] [--6axis]   # every pre-network stage, N simulated recordings
    python tools/golden_errors.py signals [N]            # the signals stage, N shipped demo recordings

Measurement helpers that need the simulator or the data sets live here, not in the stage
modules of ``glovexfer.golden``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from glovexfer.data.paths import demo_set_path
from glovexfer.data.recordings import RecordingSet
from glovexfer.golden.compare import ERROR_ROWS, compare
from glovexfer.golden.fixed import derive_fixed_params
from glovexfer.golden.pipeline import run_golden
from glovexfer.golden.signals import to_float
from glovexfer.params import MPU9250, PAPER
from glovexfer.pipeline.orientation import orientation as float_orientation
from glovexfer.pipeline.signals import CHANNELS, N_CHANNELS
from glovexfer.pipeline.signals import signals as float_signals
from glovexfer.simulate.recordings import simulated_recordings


def measure_errors(
    n: int = 200,
    seed: int = 0,
    use_mag: bool = True,
    digilets_root=None,
    verbose: bool = True,
) -> dict:
    """Golden vs float on ``n`` simulated recordings; prints and returns the max of each error.

    Errors whose float reference is discontinuous in its input are reported separately:
    ``thin_differs`` counts the recordings where the golden model keeps other points than
    the float one (the resample and image rows are over the others), ``image_flips`` those
    where a stamp centre rounds to a neighbouring canvas pixel (image max |diff| > 1e-3).
    """
    recs = simulated_recordings(n, seed, digilets_root)
    fp = derive_fixed_params()
    worst: dict = {}
    differs = 0
    flips = 0
    t_golden = 0.0
    for c in recs:
        t0 = time.perf_counter()
        run_golden(c, fp=fp, use_mag=use_mag)
        t_golden += time.perf_counter() - t0
        e = compare(c, use_mag=use_mag, fp=fp)
        if not e["thin_same"]:
            differs += 1
        elif e["image_max"] > 1e-3:
            flips += 1
        for k, v in e.items():
            if k == "thin_same" or (
                not e["thin_same"] and k in ("resampled", "image_max", "image_mean")
            ):
                continue
            worst[k] = max(worst.get(k, 0.0), v)
    worst["thin_differs"] = differs
    worst["image_flips"] = flips
    worst["n"] = len(recs)
    worst["run_golden_ms"] = 1000.0 * t_golden / max(1, len(recs))
    if verbose:
        print(
            f"golden vs float, {len(recs)} simulated recordings (seed {seed}, {'9' if use_mag else '6'}-axis)"
        )
        print(f"| {'stage':45s} | {'max error':>10s} | unit |")
        print(f"|{'-' * 47}|{'-' * 12}|------|")
        for k, name, unit in ERROR_ROWS:
            print(f"| {name:45s} | {worst.get(k, float('nan')):10.3g} | {unit} |")
        print(
            f"thin decisions differ in {differs} of {len(recs)} recordings; a stamp centre rounds to another pixel (image max |diff| > 1e-3) in {flips}"
        )
        print(f"run_golden: {worst['run_golden_ms']:.1f} ms per recording (Python)")
    return worst


def measure_signal_errors(n: int = 200, out=print) -> np.ndarray:
    """Max |golden - float| of the ``signals`` stage per channel on the first ``n`` shipped
    demo recordings (6-axis), in the float units (docs/fixed-point.md)."""

    counts = np.array(RecordingSet.load(demo_set_path()).counts[:n])
    counts[:, :, 6:] = 0
    a, g, _ = MPU9250.scales()
    worst = np.zeros(N_CHANNELS)
    for c in counts:
        st = run_golden(c, with_image=False, use_mag=False, with_signals=True)
        q = float_orientation(c[:, 0:3] * a, c[:, 3:6] * g, None, PAPER.madgwick_beta, PAPER.sample_rate_hz)
        ref = float_signals(q, c[:, 0:3] * a, c[:, 3:6] * g)
        worst = np.maximum(worst, np.abs(to_float(st.signals) - ref).max(axis=0))
    out(f"{len(counts)} recordings, max |golden - float|: " + ", ".join(f"{k} {v:.2e}" for k, v in zip(CHANNELS, worst)))
    return worst


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "stages"
    n = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 200
    if what == "stages":
        measure_errors(n, use_mag="--6axis" not in argv)
    elif what == "signals":
        measure_signal_errors(n)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
