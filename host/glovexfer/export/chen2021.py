"""``glovexfer export --domain chen2021``: the real pen domain on the export path of
:mod:`glovexfer.export.ship`.  What is its own is the data: each shipped network
(``chen_transfer_lstm``, ``chen_transfer_cnn``, ``chen_signal_net`` when trained) is
calibrated on its own training letters (the Chen writers in its metrics, in the
representation it reads; the signal network on the golden signals of the firmware's counts);
``ship.export_model`` converts it and ``ship.export_firmware`` writes the firmware model data
to models/chen2021/firmware."""

from __future__ import annotations

from pathlib import Path

from ..errors import GloveXferError
from ..nets import chen2021 as CP
from ..nets import shipping as S
from ..nets.chen2021_shipping import CHEN_MODELS_DIR, SIGNAL_NAME, domain_arrays, train_writers
from .ship import INT8_TFLITE, REPRESENTATIVE_N, export_firmware, export_model

#: The networks the firmware compiles in, by role (the signal network when it is shipped).
FIRMWARE = {"lstm": "chen_transfer_lstm", "cnn": "chen_transfer_cnn", "signal": SIGNAL_NAME}


def _representative_from(meta: dict, writers: list[str], n: int) -> str:
    """What ``int8.json`` says of a network's representative letters."""
    if meta["kind"] == "signal":
        return f"the model's own {n} training letters"
    representation = meta["chen2021"].get("representation", CP.REPRESENTATION)
    return f"the model's own training letters (Chen et al. 2021, {len(writers)} writers, {representation})"


def export(chen_root, out_dir: Path = CHEN_MODELS_DIR, progress: bool = True, n_rep: int | None = None, seed: int = 0) -> list[Path]:
    """Full-int8 export of the shipped real-data networks, each calibrated on its own training
    letters, then the firmware's C++ model data in ``out_dir/firmware``."""
    out_dir = Path(out_dir)
    names = [FIRMWARE["lstm"], FIRMWARE["cnn"]] + ([SIGNAL_NAME] if (out_dir / SIGNAL_NAME / S.MODEL_FILE).is_file() else [])
    for name in names:  # every input checked before any work
        folder = S.model_folder(name, out_dir)
        train_writers(folder)
        if not (folder / S.MODEL_FILE).is_file():
            raise GloveXferError(f"{folder / S.MODEL_FILE}: no trained model (run: glovexfer train --domain chen2021)")
    paths = []
    for name in names:
        folder = out_dir / name
        meta = S.read_meta(folder, single=True)
        writers = train_writers(folder)
        arrays = domain_arrays(chen_root, writers, meta["chen2021"].get("representation", CP.REPRESENTATION),
                               signals=meta["kind"] == "signal", progress=progress)
        rep_from = _representative_from(meta, writers, len(arrays))
        paths.append(export_model(folder, arrays, n_rep=n_rep or REPRESENTATIVE_N, seed=seed, rep_from=rep_from))
    signal = SIGNAL_NAME if (out_dir / SIGNAL_NAME / INT8_TFLITE).is_file() else None
    paths.append(export_firmware(out_dir, FIRMWARE["lstm"], FIRMWARE["cnn"], signal=signal))
    return paths
