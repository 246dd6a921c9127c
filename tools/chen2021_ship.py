#!/usr/bin/env python
"""Train and ship the real-data models (Chen et al. 2021, all 12 writers) to models/chen2021/.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python tools/chen2021_ship.py

Writes models/chen2021/chen_transfer_lstm/, chen_transfer_cnn/ (model.h5, model_float.tflite,
metrics.json with the protocol figures of models/metrics_chen2021.json) and chen_best/ (their
late fusion).  Export to int8 like the glove models (glovexfer export).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from glovexfer.chen.shipping import CHEN_MODELS_DIR, ship  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chen2021")
    ap.add_argument("--digilets")
    ap.add_argument("--out", default=str(CHEN_MODELS_DIR))
    ap.add_argument("--metrics", default=str(ROOT / "models" / "metrics_chen2021.json"))
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    for p in ship(find_dataset("chen2021", a.chen2021), find_dataset("digilets", a.digilets), Path(a.out), progress=not a.no_progress, metrics_path=Path(a.metrics)):
        print(f"-> {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
