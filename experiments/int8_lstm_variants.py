#!/usr/bin/env python3
"""Int8 conversion variants of a shipped network vs its float self, on a glove data set.

    TF_USE_LEGACY_KERAS=1 .venv/bin/python experiments/int8_lstm_variants.py paper_lstm \
        --data out/sim_seed7.npz --variant 300,0 300,1 1000,0

Each variant is ``N_REP,UNIFY``: the number of representative examples (drawn, as ``glovexfer
export`` draws them, from the model's training set: the simulated seed-0 target set) and
whether ``nets.tflite.unify_lstm_state_quantization`` is applied.  For each it prints the
float accuracy, the device path's accuracy (golden fixed-point pipeline + golden int8 network,
bit-exact with the firmware) and their argmax agreement.  Nothing in models/ is changed.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
from glovexfer.data.recordings import RecordingSet  # noqa: E402
from glovexfer.nets.tflite import to_int8_tflite  # noqa: E402
from glovexfer.golden.network import load_int8_model  # noqa: E402
from glovexfer.golden.recognise import model_kind  # noqa: E402
from glovexfer.nets import protocols as P  # noqa: E402
from glovexfer.nets.datasets import target_arrays  # noqa: E402
from glovexfer.nets.experiment import load_target  # noqa: E402
from glovexfer.nets.models import keras  # noqa: E402
from glovexfer.nets.shipping import MODELS_DIR, model_folder  # noqa: E402
from glovexfer.nets.train import predict_proba  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="shipped model name (a single network, e.g. paper_lstm)")
    ap.add_argument("--data", default="out/sim_seed7.npz", help="glove data set to compare on")
    ap.add_argument("--variant", nargs="+", default=["300,0", "300,1"], metavar="N_REP,UNIFY")
    ap.add_argument("--digilets", help="DigiLeTs folder (to simulate the training set)")
    a = ap.parse_args(argv)
    folder = model_folder(a.model, MODELS_DIR)
    model = keras.models.load_model(folder / "model.h5", compile=False)
    kind = model_kind(model.inputs[0].shape[1:])
    test = target_arrays(RecordingSet.load(a.data), device=True, progress=False)
    train = target_arrays(load_target(None, a.digilets), progress=False)
    fp = np.argmax(predict_proba(model, P.inputs(kind, test)), axis=1)
    for v in a.variant:
        n_rep, unify = (int(x) for x in v.split(","))
        t0 = time.time()
        net = load_int8_model(to_int8_tflite(model, P.inputs(kind, train), n_rep=n_rep, unify_lstm_state=bool(unify), seed=0))
        ip = np.array([o.index for o in P.device_outputs(net, test)])
        print(f"{a.model} n_rep={n_rep} unify_lstm_state={bool(unify)}: float {100 * np.mean(fp == test.y):.2f} %, "
              f"int8 {100 * np.mean(ip == test.y):.2f} %, agreement {100 * np.mean(ip == fp):.2f} % "
              f"({int(np.sum(ip != fp))} differ) [{time.time() - t0:.0f} s]", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
