#!/usr/bin/env python3
"""Regenerate host/glovexfer/resources/demo_glove.npz, the small simulated glove set that
`make demo` uses on machines without the DigiLeTs data.

    .venv/bin/python tools/make_demo_set.py [--digilets DIR]

3 simulated users (target writers, never source writers) x 26 letters x 2 recordings.
"""

import argparse
from pathlib import Path

from glovexfer.data.paths import find_dataset
from glovexfer.simulate import simulate_dataset

OUT = Path(__file__).resolve().parents[1] / "host" / "glovexfer" / "resources" / "demo_glove.npz"

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--digilets", metavar="DIR")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    rs = simulate_dataset(find_dataset("digilets", args.digilets), n_users=3, letters_per_user=26, reps=2, seed=7, progress=False)
    rs.meta["note"] = "shipped demo set: 3 simulated users x 26 letters x 2, made by tools/make_demo_set.py"
    print(f"{rs.summary()} -> {rs.save(args.out)}")
