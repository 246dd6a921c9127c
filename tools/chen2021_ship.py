#!/usr/bin/env python
"""Train and ship the real-data models (Chen et al. 2021, all 12 writers) to models/chen2021/.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 .venv/bin/python tools/chen2021_ship.py

Writes models/chen2021/chen_transfer_lstm/, chen_transfer_cnn/ (model.h5, model_float.tflite,
metrics.json with the protocol figures of models/metrics_chen2021.json), chen_signal_net/ (the
device signal network on the golden signals of the firmware's counts) and chen_best/ (the late
fusion of the signal network and the transfer BiLSTM), then exports the networks to int8 like
the glove models (model_int8.tflite, int8.json; representative letters from their training
writers) and writes the firmware's model data to models/chen2021/firmware/.  ``--export-only``
skips the training; ``--signal-only`` trains only the signal network (and rewrites chen_best).  ``--vectors DIR``
writes 60 real letters (4 per session) as firmware vector files (for ``glovexfer parity
--vectors``); ``--recording-set OUT.npz`` writes every ``--every``-th letter as a glove
recording set of firmware inputs (for ``glovexfer evaluate --data OUT.npz --int8``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from glovexfer.chen.shipping import CHEN_MODELS_DIR, export, ship, ship_signal, write_best  # noqa: E402
from glovexfer.data.paths import find_dataset  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chen2021")
    ap.add_argument("--digilets")
    ap.add_argument("--out", default=str(CHEN_MODELS_DIR))
    ap.add_argument("--metrics", default=str(ROOT / "models" / "metrics_chen2021.json"))
    ap.add_argument("--export-only", action="store_true", help="no training: int8 export + firmware model data of the shipped networks")
    ap.add_argument("--signal-only", action="store_true", help="train only the signal network (keeps the transfer networks), rewrite chen_best")
    ap.add_argument("--vectors", metavar="DIR", help="also write 60 real letters as firmware vector files")
    ap.add_argument("--recording-set", metavar="OUT.npz", help="also write every --every-th letter as a recording set of firmware inputs")
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    chen = find_dataset("chen2021", a.chen2021)
    if a.signal_only and not a.export_only:
        import json

        figures = json.loads(Path(a.metrics).read_text()) if Path(a.metrics).is_file() else {}
        common = json.loads((Path(a.out) / "chen_transfer_lstm" / "metrics.json").read_text())
        common = {k: common[k] for k in ("chen2021", "source", "seed", "quick", "reproduce") if k in common}
        print(f"-> {ship_signal(chen, Path(a.out), progress=not a.no_progress, figures=figures)}")
        print(f"-> {write_best(Path(a.out), figures, common)}")
    elif not a.export_only:
        for p in ship(chen, find_dataset("digilets", a.digilets), Path(a.out), progress=not a.no_progress, metrics_path=Path(a.metrics)):
            print(f"-> {p}")
    for p in export(chen, Path(a.out), progress=not a.no_progress):
        print(f"-> {p}")
    if a.vectors:
        from glovexfer.chen.counts import parity_recordings
        from glovexfer.export.vectors import write_vector_files

        paths = write_vector_files(a.vectors, parity_recordings(chen))
        print(f"-> {a.vectors}/ ({len(paths)} real letters as vector files)")
    if a.recording_set:
        from glovexfer.chen.counts import recording_set

        rs = recording_set(chen, every=a.every)
        print(f"-> {rs.save(a.recording_set)} ({len(rs)} real letters, {rs.meta['saturated_values']} saturated values)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
