#!/usr/bin/env python3
"""Regenerate host/glovexfer/resources/demo_glove.npz, the small simulated glove set that
`make demo` uses on machines without the DigiLeTs data.

    .venv/bin/python tools/make_demo_set.py [--digilets DIR]

3 simulated users (target writers, never source writers) x 26 letters x 2 recordings.
Also host/glovexfer/resources/demo_sessions.npz: simulated writing sessions of a few phrases
(glovexfer.device.demo.DEMO_PHRASES x DEMO_SEEDS, the first target writer's letters), which
`glovexfer demo --continuous` streams on machines without the DigiLeTs data.
"""

import argparse
from pathlib import Path

from glovexfer.data.paths import find_dataset
from glovexfer.simulate import simulate_dataset

OUT = Path(__file__).resolve().parents[1] / "host" / "glovexfer" / "resources" / "demo_glove.npz"
SESSIONS = OUT.with_name("demo_sessions.npz")


def write_sessions(root: Path, out: Path) -> None:
    import numpy as np

    from glovexfer.data.sessions import SessionSet
    from glovexfer.device.demo import DEMO_PHRASES, DEMO_SEEDS, simulate_demo_session

    plan = [(t, k) for t in DEMO_PHRASES for k in DEMO_SEEDS]
    ss = SessionSet.from_sessions([simulate_demo_session(t, k, root) for t, k in plan],
                                  meta={"simulated": True, "note": "shipped demo sessions (tools/make_demo_set.py): "
                                        "simulated writing sessions of the first target writer's letters"},
                                  extras={"seed": np.array([k for _, k in plan], dtype=np.int64)})
    print(f"{ss.summary()} -> {ss.save(out)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--digilets", metavar="DIR")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    rs = simulate_dataset(find_dataset("digilets", args.digilets), n_users=3, letters_per_user=26, reps=2, seed=7, progress=False)
    rs.meta["note"] = "shipped demo set: 3 simulated users x 26 letters x 2, made by tools/make_demo_set.py"
    print(f"{rs.summary()} -> {rs.save(args.out)}")
    write_sessions(find_dataset("digilets", args.digilets), Path(args.out).with_name(SESSIONS.name))
