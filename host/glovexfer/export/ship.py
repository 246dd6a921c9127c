"""``glovexfer export``: the shipped float models -> full-int8 .tflite and the firmware's C++
model data, in models/.

For every model folder named (``models/<name>/model.h5``, written by ``glovexfer train``):

* ``models/<name>/model_int8.tflite``: full-integer int8 (int8 input and output = logits,
  batch 1), calibrated on a representative set drawn from the model's *training* data: the
  simulated target recordings it was fine-tuned on (never a held-out user: the shipped
  models are trained on every target user, and the representative set is a seeded random
  subset of that same set);
* ``models/<name>/int8.json``: the int8 model's SHA-256, ops, input/output quantisation.

For the two networks the firmware compiles in (``--lstm NAME --cnn NAME``, default the
``best`` members): ``models/firmware/gx_model_lstm.{h,cpp}`` and ``gx_model_cnn.{h,cpp}``
(``export.model_data.write_model_source``: weights, biases, every quantisation parameter, a
version string naming the export format, the model and the .tflite's SHA-256 prefix, and an
FNV-1a checksum the firmware verifies at start-up), and ``models/firmware/MANIFEST.json``
saying which shipped model each one is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, GloveXferError

INT8_TFLITE = "model_int8.tflite"
INT8_INFO = "int8.json"
FIRMWARE_DIR = "firmware"
#: The networks the firmware compiles in by default: the members of the fused ``best`` model.
DEFAULT_FIRMWARE = {"lstm": "best_lstm", "cnn": "best_cnn"}
REPRESENTATIVE_N = 300


REPRESENTATIVE_FROM = "the model's own training recordings (simulated target set)"
#: Network kinds a single-network model folder can hold.
KINDS = ("lstm", "cnn", "signal")


def parse_int8(blob: bytes, source, kind: str | None = None):
    """``blob`` as the golden model's :class:`~glovexfer.golden.network.Int8Network`,
    refused with an error naming ``source`` when it is no int8 .tflite the golden model runs
    (truncated, float, unsupported ops) or, given ``kind``, a network of another kind."""
    from ..golden.network import load_int8_model
    from ..golden.recognise import model_kind

    try:
        net = load_int8_model(blob)
        got = model_kind(net.input_shape)
    except Exception as e:  # the flatbuffer parser fails in many ways on a damaged file
        raise GloveXferError(f"{source}: not an int8 .tflite model the golden model runs ({type(e).__name__}: {e})") from None
    if kind is not None and got != kind:
        raise GloveXferError(f"{source}: a {got} network (input shape {tuple(net.input_shape)}) where a {kind} network belongs")
    return net


def read_int8(folder, kind: str | None = None) -> tuple[bytes, dict]:
    """``(bytes, int8.json)`` of a model folder's exported int8 network, refused unless the
    bytes match the SHA-256 recorded in ``int8.json`` and (given ``kind``) the recorded kind
    is ``kind``."""
    from ..files import check_digest, field, read_json_object

    folder = Path(folder)
    tfl = folder / INT8_TFLITE
    if not tfl.is_file():
        raise GloveXferError(f"{tfl} is missing (run: glovexfer export --model {folder.name})")
    info_path = folder / INT8_INFO
    info = read_json_object(info_path, "int8 model information")
    recorded = field(info, "kind", info_path, choices=KINDS)
    if kind is not None and recorded != kind:
        raise DataFormatError(info_path, f"a {recorded} model where a {kind} model belongs", field="kind")
    blob = tfl.read_bytes()
    check_digest(blob, field(info, "sha256", info_path), tfl, info_path)
    return blob, info


def read_tflite(path) -> bytes:
    """A .tflite file named on the command line; a shipped model (``model_int8.tflite``
    beside its ``int8.json``) is refused unless its bytes match the SHA-256 recorded there."""
    p = Path(path)
    if not p.is_file():
        raise GloveXferError(f"{p}: no such model file")
    if p.name == INT8_TFLITE and (p.parent / INT8_INFO).is_file():
        return read_int8(p.parent)[0]
    return p.read_bytes()


def load_int8(folder, kind: str | None = None):
    """:func:`read_int8`, parsed and checked by :func:`parse_int8`: the network the host runs."""
    blob, info = read_int8(folder, kind)
    return parse_int8(blob, Path(folder) / INT8_TFLITE, info["kind"])


def load_keras(h5: Path):
    """A shipped tf_keras network from its HDF5 file (a truncated or foreign file is an error
    naming it)."""
    from ..nets.models import keras

    if not h5.is_file():
        raise GloveXferError(f"{h5}: no trained model (run: glovexfer train --model {h5.parent.name})")
    try:
        return keras.models.load_model(h5, compile=False)
    except Exception as e:  # h5py/keras raise OSError, ValueError, KeyError ... on a damaged file
        raise GloveXferError(f"{h5}: cannot load the Keras model ({type(e).__name__}: {e})") from None


def export_model(folder: Path, representative_arrays, n_rep: int = REPRESENTATIVE_N, seed: int = 0, rep_from: str = REPRESENTATIVE_FROM) -> Path:
    """``folder/model.h5`` -> ``folder/model_int8.tflite`` (+ ``int8.json``); returns the .tflite.
    ``rep_from`` says in ``int8.json`` where the representative examples come from."""
    from ..nets import protocols as P
    from ..nets.shipping import MODEL_FILE, read_meta
    from ..nets.tflite import op_names, to_int8_tflite

    folder = Path(folder)
    meta = read_meta(folder, single=True)
    kind = meta["kind"]
    model = load_keras(folder / MODEL_FILE)
    rep = np.asarray(P.inputs(kind, representative_arrays), dtype=np.float32)
    blob = to_int8_tflite(model, rep, n_rep=n_rep, seed=seed)
    net = parse_int8(blob, f"the int8 conversion of {folder / MODEL_FILE}", kind)
    out = folder / INT8_TFLITE
    out.write_bytes(blob)
    info = {
        "model": meta["model"],
        "kind": kind,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "bytes": len(blob),
        "ops": op_names(blob),
        "input": {"scale": float(net.input_scale), "zero_point": int(net.input_zero_point)},
        "output": {"scale": float(net.output_scale), "zero_point": int(net.output_zero_point), "is": "logits"},
        "representative": {"n": int(min(n_rep, len(rep))), "seed": seed, "from": rep_from},
    }
    (folder / INT8_INFO).write_text(json.dumps(info, indent=1) + "\n")
    return out


def export_firmware(models_dir: Path, lstm: str, cnn: str, signal: str | None = None) -> Path:
    """C++ model data of the firmware networks into ``models_dir/firmware``: the LSTM and the
    CNN, and a signal network when ``signal`` names one (``gx_model_signal.cpp``)."""
    from .model_data import FORMAT_VERSION, write_model_source

    out = Path(models_dir) / FIRMWARE_DIR
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
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return out
