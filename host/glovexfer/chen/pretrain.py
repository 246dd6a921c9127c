"""DigiLeTs pretraining for the Chen experiments, run once per network kind and cached.

Every DigiLeTs writer is a source writer here: none of them is a Chen writer, so the whole
set can pretrain.  The weights are cached under ``out/cache`` keyed by kind, config and
writer list, so the protocols and the alignment study share one pretraining.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..nets import train as T
from ..nets.datasets import Arrays, _key, source_arrays

#: Pretraining budget on a 2-core machine (the same as ``protocols.PRETRAIN``); with it the
#: BiLSTM stopped early after 18 epochs at 97.1 % DigiLeTs validation accuracy, the CNN ran
#: its 25 epochs to 97.1 % (the ``hist`` stored in the cached weights file).
PRETRAIN_LSTM = T.FitConfig(lr=0.01, batch=32, max_epochs=40, patience=8)
PRETRAIN_CNN = T.FitConfig(lr=0.001, batch=32, max_epochs=25, patience=6)


def all_writers(digilets_root) -> list[str]:
    from ..data.digilets import list_writer_files, writer_id

    return sorted(writer_id(f) for f in list_writer_files(Path(digilets_root)))


def source(digilets_root, cache_dir="out/cache", progress: bool = True) -> Arrays:
    return source_arrays(digilets_root, all_writers(digilets_root), cache_dir=cache_dir, progress=progress)


def pretrained_weights(kind: str, digilets_root, cache_dir="out/cache", seed: int = 0, progress: bool = True, src: Arrays | None = None):
    """Weights of a ``kind`` ('lstm' | 'cnn') paper network trained on all DigiLeTs writers."""
    from ..nets import protocols as P

    cfg = PRETRAIN_LSTM if kind == "lstm" else PRETRAIN_CNN
    writers = all_writers(digilets_root)
    path = Path(cache_dir) / f"chen_pretrain_{kind}_{_key(1, kind, asdict(cfg), writers, seed)}.npz"
    if path.is_file():
        with np.load(path) as z:
            return [z[f"w{i}"] for i in range(len(z.files) - 1)]
    if src is None:
        src = source(digilets_root, cache_dir, progress)
    setting = P.Setting(f"chen_pretrain_{kind}", kind, True, False, cfg, cfg)
    model, hist = P.pretrain(setting, src, seed, progress)
    w = model.get_weights()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{f"w{i}": a for i, a in enumerate(w)}, hist=np.array(json.dumps(hist)))
    return w
