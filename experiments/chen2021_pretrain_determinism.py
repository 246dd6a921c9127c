"""Is the real-data domain's DigiLeTs pretraining reproducible? (docs/results-chen2021.md, section 4)

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \\
        .venv/bin/python experiments/chen2021_pretrain_determinism.py --cache-a out/det_a --cache-b out/det_b

Pretrains the paper network NET (``nets.chen2021.pretrained``: same data, settings and seed)
into two cache folders, each in its own process run of this script when the folder has no
weights yet (a folder that already holds them, e.g. a protocol run's ``out/cache``, is read as
it is), and compares the two weight sets and their training histories. Before the initial weights
were drawn from the seed (``nets.train.seed_everything`` before every build) they differed;
since, they are identical.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np


def _weights(cache: Path, net: str) -> tuple[list[np.ndarray], str] | None:
    files = sorted(cache.glob(f"chen_pretrain_{net}_*.npz"))
    if not files:
        return None
    with np.load(files[0]) as z:
        return [z[f"w{i}"] for i in range(len(z.files) - 1)], str(z["hist"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", default="lstm", choices=("lstm", "cnn"))
    ap.add_argument("--cache-a", type=Path, required=True)
    ap.add_argument("--cache-b", type=Path, required=True)
    ap.add_argument("--digilets", help="DigiLeTs folder (default: $GLOVEXFER_DIGILETS or ../shared/data/digilets)")
    ap.add_argument("--pretrain-into", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pretrain_into:  # the child process: one pretraining
        from glovexfer.data.paths import find_dataset
        from glovexfer.nets.chen2021 import pretrained

        pretrained(args.net, find_dataset("digilets", args.digilets), cache_dir=str(args.pretrain_into), progress=False)
        return 0
    runs = []
    for cache in (args.cache_a, args.cache_b):
        if _weights(cache, args.net) is None:
            print(f"pretraining {args.net} into {cache} (a few minutes) ...", flush=True)
            cmd = [sys.executable, __file__, "--net", args.net, "--cache-a", "-", "--cache-b", "-", "--pretrain-into", str(cache)]
            if args.digilets:
                cmd += ["--digilets", args.digilets]
            subprocess.run(cmd, check=True)
        runs.append(_weights(cache, args.net))
    (wa, ha), (wb, hb) = runs
    same = len(wa) == len(wb) and all(np.array_equal(a, b) for a, b in zip(wa, wb))
    print(f"{args.net} pretraining, {args.cache_a} vs {args.cache_b}")
    print(f"  history a: {ha}\n  history b: {hb}")
    print(f"  weights identical: {same}" + ("" if same else f" (max |difference| {max(float(np.max(np.abs(a - b))) for a, b in zip(wa, wb)):.4g})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
