#!/usr/bin/env python3
"""Regenerate host/glovexfer/resources/demo_glove.npz, the small simulated glove set that
`make demo` uses on machines without the DigiLeTs data.

    .venv/bin/python tools/make_demo_set.py [--digilets DIR]

3 simulated users (target writers, never source writers) x 26 letters x 2 recordings.
Also host/glovexfer/resources/demo_pens.npz: one target writer's pen path of every letter
(DigiLeTs instance 0, as the session simulator uses them), from which `glovexfer demo
--continuous` simulates a writing session without the DigiLeTs data.
"""

import argparse
from pathlib import Path

from glovexfer.data.paths import find_dataset
from glovexfer.simulate import simulate_dataset

OUT = Path(__file__).resolve().parents[1] / "host" / "glovexfer" / "resources" / "demo_glove.npz"
PENS = OUT.with_name("demo_pens.npz")


def write_pens(root: Path, out: Path) -> None:
    import numpy as np

    from glovexfer.data.digilets import list_writer_files, load_digilets, split_writers, writer_id
    from glovexfer.params import LETTERS
    from glovexfer.simulate.dataset import SPLIT_SEED
    from glovexfer.simulate.kinematics import letter_path

    ids = sorted(writer_id(f) for f in list_writer_files(root))
    _, targets = split_writers(ids, n_target=16, seed=SPLIT_SEED)
    wid = targets[0]
    by_key = {(x.label, x.instance): x for x in load_digilets(root, writers=[wid])[wid]}
    paths = [letter_path(by_key[(c, 0)]) for c in LETTERS]
    offsets = np.cumsum([0] + [len(p.t) for p in paths])
    np.savez_compressed(out, labels=np.array(list(LETTERS)), offsets=offsets.astype(np.int32),
                        t=np.concatenate([p.t for p in paths]), xy=np.concatenate([p.xy for p in paths]),
                        writer=np.array(wid), note=np.array("pen paths of one DigiLeTs target writer, instance 0 of "
                                                            "every letter (tools/make_demo_set.py)"))
    print(f"26 pen paths of writer {wid} ({offsets[-1]} points) -> {out}")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--digilets", metavar="DIR")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    rs = simulate_dataset(find_dataset("digilets", args.digilets), n_users=3, letters_per_user=26, reps=2, seed=7, progress=False)
    rs.meta["note"] = "shipped demo set: 3 simulated users x 26 letters x 2, made by tools/make_demo_set.py"
    print(f"{rs.summary()} -> {rs.save(args.out)}")
    write_pens(find_dataset("digilets", args.digilets), Path(args.out).with_name(PENS.name))
