"""``glovexfer export``: shipped float models -> full-int8 .tflite and the firmware's C++
model data, one path for every data domain (the domain gives its models folder,
``files.domain_dir``, and the data the models were trained on; the real pen domain's is
:mod:`glovexfer.export.chen2021`).

For every model folder named (``<domain>/<name>/model.h5``, written by ``glovexfer train``),
:func:`export_model` writes:

* ``<name>/model_int8.tflite``: full-integer int8 (int8 input and output = logits, batch 1),
  calibrated on a representative set drawn from the model's *training* data (the glove
  domain: the simulated target recordings it was fine-tuned on, never a held-out user: the
  shipped models are trained on every target user, and the representative set is a seeded
  random subset of that same set; the real pen domain: its own training letters).  A signal
  network is converted with its batch norm folded and its standardisation as metadata
  (:func:`signal_int8`);
* ``<name>/int8.json``: the int8 model's SHA-256, ops, input/output quantisation
  (``nets.shipping.int8_info``); a signal network's instead gives, besides its digest and
  ops, the argmax agreement of the golden int8 network (its input quantised as the device
  does) with the float network on its training examples.

For the networks the firmware compiles in (glove: ``--lstm NAME --cnn NAME``, default the
``best`` members; real pen: the transfer networks and the signal network),
:func:`export_firmware` writes ``<domain>/firmware/gx_model_<role>.{h,cpp}``
(``export.model_data.write_model_source``: weights, biases, every quantisation parameter, a
version string naming the export format, the model and the .tflite's SHA-256 prefix, and an
FNV-1a checksum the firmware verifies at start-up), and ``<domain>/firmware/MANIFEST.json``
saying which shipped model each one is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..files import FIRMWARE_DIR

# The shipped int8 files and their checks live one layer down (nets.shipping, which reads
# shipped models); export re-exports them for its callers.
from ..nets.shipping import (  # noqa: E402,F401
    INT8_INFO, INT8_TFLITE, KINDS, load_int8, load_keras, parse_int8, read_int8, read_tflite,
)
# The signal network's int8 conversion is the protocols' too (nets.chen2021_calibration).
from ..nets.tflite import signal_int8  # noqa: E402,F401

#: The networks the firmware compiles in by default: the members of the fused ``best`` model.
DEFAULT_FIRMWARE = {"lstm": "best_lstm", "cnn": "best_cnn"}
#: The letter spotter of continuous writing the firmware data carries (models/glove/spotter/).
DEFAULT_SPOTTER = "spotter"
REPRESENTATIVE_N = 300


REPRESENTATIVE_FROM = "the model's own training recordings (simulated target set)"


def export_model(folder: Path, representative_arrays, n_rep: int = REPRESENTATIVE_N, seed: int = 0, rep_from: str = REPRESENTATIVE_FROM) -> Path:
    """``folder/model.h5`` -> ``folder/model_int8.tflite`` (+ ``int8.json``); returns the .tflite.

    ``representative_arrays``: the model's training data (``nets.datasets.Arrays``; a signal
    network reads its ``sig``); ``rep_from`` says in ``int8.json`` where it comes from."""
    from ..nets import protocols as P
    from ..nets.shipping import MODEL_FILE, ShippedModel, int8_info, read_meta, write_int8
    from ..nets.tflite import to_int8_tflite

    folder = Path(folder)
    meta = read_meta(folder, single=True)
    kind = meta["kind"]
    shipped = ShippedModel(str(folder))
    model = shipped.members[0][1]
    x = P.inputs(kind, representative_arrays)
    if kind == "signal":
        blob = signal_int8(model, shipped.signal_norm, x, n_rep=n_rep, seed=seed)
    else:
        blob = to_int8_tflite(model, np.asarray(x, dtype=np.float32), n_rep=n_rep, seed=seed)
    net = parse_int8(blob, f"the int8 conversion of {folder / MODEL_FILE}", kind)
    if kind == "signal":
        info = _signal_info(shipped, blob, net, representative_arrays, f"{min(n_rep, len(x))} of {rep_from} (seed {seed})")
    else:
        info = int8_info(meta["model"], kind, blob, net, {"n": int(min(n_rep, len(x))), "seed": seed, "from": rep_from})
    return write_int8(folder, blob, info)


#: Training examples at most on which a signal network's int8.json measures its agreement.
SIGNAL_AGREEMENT_N = 1000


def _signal_info(shipped, blob: bytes, net, arrays, representative: str) -> dict:
    """``int8.json`` of a signal network: digest, ops, and the argmax agreement of the golden
    int8 network (input quantised by the device's own quantiser, ``golden.signals``) with the
    float network on every k-th of its training examples ``arrays``."""
    from ..golden.recognise import signal_quantiser_of
    from ..golden.signals import quantise_signals
    from ..nets.datasets import standardise_signals

    X, y = arrays.sig, arrays.y
    model = shipped.members[0][1]
    sub = np.arange(len(y))[:: max(1, len(y) // SIGNAL_AGREEMENT_N)]
    q = signal_quantiser_of(net)
    x8 = np.concatenate([quantise_signals(X[i], *q)[None] for i in sub])
    dev = np.argmax(net.run(x8).reshape(len(sub), -1), axis=1)
    flt = np.argmax(model.predict(standardise_signals(X[sub], *shipped.signal_norm), verbose=0), axis=1)
    return {
        "model": shipped.name,
        "kind": "signal",
        "int8_bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "representative": representative,
        "ops": net.op_names,
        "agreement_letters": int(len(sub)),
        "argmax_agreement_int8_vs_float": float(np.mean(dev == flt)),
        "accuracy_int8_training_letters": float(np.mean(dev == y[sub])),
        "accuracy_float_training_letters": float(np.mean(flt == y[sub])),
    }


def export_firmware(models_dir: Path, lstm: str, cnn: str, signal: str | None = None, spotter: str | None = None,
                    firmware_dir: str = FIRMWARE_DIR) -> Path:
    """C++ model data of the firmware networks into ``models_dir/firmware_dir``: the LSTM and the
    CNN, a signal network when ``signal`` names one (``gx_model_signal.cpp``) and the letter
    spotter of continuous writing when ``spotter`` names its folder (``gx_model_spotter.cpp``;
    ``nets.spotter.load_spotter`` checks its digest and its contract first)."""
    from .model_data import FORMAT_VERSION, write_model_source

    out = Path(models_dir) / firmware_dir
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"note": "generated by glovexfer export; do not edit", "networks": {}}
    roles = [("lstm", lstm), ("cnn", cnn)] + ([("signal", signal)] if signal else [])
    for role, name in roles:
        folder = Path(models_dir) / name
        if not (folder / INT8_TFLITE).is_file():
            raise GloveXferError(f"{folder / INT8_TFLITE}: export the model first (glovexfer export --model {name})")
        blob, info = read_int8(folder)
        if info["kind"] != role:
            raise GloveXferError(f"--{role} {name} is a {info['kind']} model")
        parse_int8(blob, folder / INT8_TFLITE, role)
        write_model_source(blob, role, out)
        version = f"gxmodel/{FORMAT_VERSION} {role} {role} tflite-sha256:{info['sha256'][:16]}"
        manifest["networks"][role] = {"model": name, "tflite": f"{name}/{INT8_TFLITE}", "sha256": info["sha256"], "version": version}
    if spotter:
        from ..nets.spotter import load_spotter

        folder = Path(models_dir) / spotter
        load_spotter(folder)  # digest and contract (input (1, 1, 96, 6) scale 1 zero point 0)
        blob = (folder / INT8_TFLITE).read_bytes()
        write_model_source(blob, "spotter", out)
        sha = hashlib.sha256(blob).hexdigest()
        version = f"gxmodel/{FORMAT_VERSION} spotter spotter tflite-sha256:{sha[:16]}"
        manifest["networks"]["spotter"] = {"model": spotter, "tflite": f"{spotter}/{INT8_TFLITE}", "sha256": sha, "version": version}
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return out


#: The continuous-writing glove's model data: the ``writing`` pair and the spotter
#: (``GX_MODEL_DIR=models/firmware_writing``; docs/writing.md).
WRITING_FIRMWARE_DIR = "firmware_writing"


def export_writing(models_dir: Path, digilets_root, cut_spotter, n_sessions: int | None = None, seed: int = 0,
                   n_rep: int = REPRESENTATIVE_N, spotter: str = DEFAULT_SPOTTER, progress: bool = True) -> Path:
    """The ``writing`` pair (``nets.writing_models``) to int8, calibrated on the letters of
    ``n_sessions`` (default ``REP_SESSIONS``) simulated source-writer sessions that it was not
    trained on (seed ``REP_SEED + seed``, cut with the int8 spotter ``cut_spotter``), and the
    continuous-writing glove's model data, ``models_dir/firmware_writing``: the pair and the
    letter spotter of the folder ``spotter`` ('' for none)."""
    from ..nets.datasets import target_arrays
    from ..nets.writing_models import MEMBERS, REP_SEED, REP_SESSIONS, source_letters

    n_sessions = n_sessions or REP_SESSIONS
    letters = source_letters(digilets_root, cut_spotter, n_sessions, REP_SEED + seed, progress)
    rep = target_arrays(letters, progress=progress)
    rep_from = f"letters of {n_sessions} simulated source-writer writing sessions (seed {REP_SEED + seed}), time-normalised"
    for name in MEMBERS.values():
        path = export_model(Path(models_dir) / name, rep, n_rep=n_rep, seed=seed, rep_from=rep_from)
        if progress:
            info = json.loads((path.parent / INT8_INFO).read_text())
            print(f"{name}: -> {path} ({info['bytes']} bytes, sha256 {info['sha256'][:16]})")
    return export_firmware(models_dir, MEMBERS["lstm"], MEMBERS["cnn"], spotter=spotter or None,
                           firmware_dir=WRITING_FIRMWARE_DIR)
