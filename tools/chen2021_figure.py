#!/usr/bin/env python
"""Figure: a few letters from both domains side by side (docs/img/chen2021/domains.png).

Row 1: DigiLeTs pen trajectories (source, cleaned); rows 2-3: Chen et al. (2021) pen
recordings through the chosen representation (the device's 6-axis Madgwick + points stage
with the pen axis as sensor x), two writers, shown in page coordinates, i.e. with x and y
swapped back (the networks see the Chen path as computed and the DigiLeTs path swapped);
row 4: the pen's own yaw/pitch (the naive mapping) for the first of those writers.
Green dot = start.

    .venv/bin/python tools/chen2021_figure.py [--out docs/img/chen2021/domains.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path


import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from glovexfer.chen.represent import cleaned  # noqa: E402
from glovexfer.data.chen2021 import load_chen2021  # noqa: E402
from glovexfer.data.digilets import join_strokes, load_digilets  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402
from glovexfer.pipeline import clean_trajectory  # noqa: E402

LETTERS = "abcdeghmnopswy"
DIGILETS_WRITER = "002"
CHEN_WRITERS = ("kelly", "isa")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path("docs") / "img" / "chen2021" / "domains.png"))
    ap.add_argument("--chen2021")
    ap.add_argument("--digilets")
    a = ap.parse_args(argv)
    dl = load_digilets(find_dataset("digilets", a.digilets), writers=[DIGILETS_WRITER])[DIGILETS_WRITER]
    cs = load_chen2021(find_dataset("chen2021", a.chen2021), writers=list(CHEN_WRITERS))
    rows = [f"DigiLeTs {DIGILETS_WRITER}"] + [f"Chen {w}\nmad6z (y, x)" for w in CHEN_WRITERS] + [f"Chen {CHEN_WRITERS[0]}\npen yaw/pitch"]
    fig, ax = plt.subplots(len(rows), len(LETTERS), figsize=(1.3 * len(LETTERS), 1.45 * len(rows)))
    for j, L in enumerate(LETTERS):
        paths = [clean_trajectory(join_strokes(next(x for x in dl if x.label == L)))]
        for w in CHEN_WRITERS:
            s = next(s for s in cs.sequences if s.label == L and s.writer == w)
            paths.append(cleaned(s, "mad6z", cs.calibrations.get(s.session))[:, ::-1])
        s = next(s for s in cs.sequences if s.label == L and s.writer == CHEN_WRITERS[0])
        paths.append(cleaned(s, "ypr", cs.calibrations.get(s.session)))
        for i, p in enumerate(paths):
            x = ax[i, j]
            x.plot(p[:, 0], p[:, 1], lw=1.2, color="k" if i == 0 else ("C0" if i < 3 else "C3"))
            x.plot(p[0, 0], p[0, 1], "o", color="g", ms=3)
            x.set_xlim(-0.05, 1.05)
            x.set_ylim(-0.05, 1.05)
            x.set_aspect("equal")
            x.set_xticks([])
            x.set_yticks([])
            if j == 0:
                x.set_ylabel(rows[i], fontsize=7)
        ax[0, j].set_title(L)
    fig.tight_layout()
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
