"""The letter recogniser of continuous writing (``glovexfer train --model writing``).

A letter spotted in a continuous stream is not a letter written after a button press: it is
cut where the spotter says, the fingertip arrives from the previous letter and leaves for the
next one without a pause, and its samples are time-normalised to 32 (``golden.spotting``).
The shipped ``best`` pair never saw such letters. ``writing`` is the same two networks
(BiLSTM(50) on the 100 points, CNN on the 28 x 28 image; fused by the sum of their int8
softmax outputs, like ``best``) started from ``best``'s source pretraining
(``models/glove/best_lstm/pretrained.h5``, ``best_cnn/pretrained.h5``: DigiLeTs and simulated glove
recordings of the 46 source writers) and fine-tuned on letters cut out of simulated writing
sessions of the same **source** writers:

* every letter at its true span, and
* every letter the shipped spotter finds (matched to a true letter by the evaluation's rule),
  at the spotted span -- the cuts the device will make;

both time-normalised exactly as the device does. No target writer, no target glove user and no
evaluation session is used: the target writers of ``glovexfer evaluate --sessions`` are unseen.

Folders (``models/glove/``): ``writing_lstm/`` and ``writing_cnn/`` (``model.h5``, ``metrics.json``;
the int8 files are written by the export step, from representative letters of other
source-writer sessions), ``writing/`` (the fused pair, ``metrics.json`` only).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from . import protocols as P
from . import train as T

WRITING = "writing"
#: The fused pair's members by network kind.
MEMBERS = {"lstm": "writing_lstm", "cnn": "writing_cnn"}
#: Whose source pretraining each member starts from (its shipped ``pretrained.h5``).
PRETRAINED_FROM = {"lstm": "best_lstm", "cnn": "best_cnn"}
#: Fine-tuning: best's learning rates (the pretrained features are adjusted, not replaced),
#: larger batches for the 25 times larger training set, 12 epochs (early stopping on 10 % of
#: the letters held out, patience 4).
FINETUNE = {"lstm": T.FitConfig(lr=0.001, batch=128, max_epochs=12, patience=4),
            "cnn": T.FitConfig(lr=0.0003, batch=64, max_epochs=12, patience=4)}
#: Source-writer sessions the letters are cut from (seeds distinct from the spotter's 21 and
#: 31 and from the evaluation sets' 0), in TRAIN_STYLES sets of equal size with the seeds
#: TRAIN_SEED + 1000 k: a session set draws one air-writing style (size, slant, speed, pose,
#: sensor) per writer, so 4 sets show the recogniser every source writer in 4 styles. On 10
#: source writers it never saw, 4 styles instead of 1 raised the fused letter accuracy from
#: 90.2 % to 91.4 % (experiments/writing_fusion_check.py, docs/writing.md).
TRAIN_SESSIONS, TRAIN_SEED, TRAIN_STYLES = 2000, 41, 4
#: Sessions whose letters are the int8 conversion's representative set (export).
REP_SESSIONS, REP_SEED = 100, 51


def reproduce_command() -> str:
    return "glovexfer train --model writing"


def session_letters(ss, spotter, spotted: bool = True):
    """The letters of the session set ``ss`` as a ``RecordingSet`` of time-normalised 32-sample
    recordings: every letter at its true span, then (``spotted``) every letter ``spotter``
    finds that matches a true letter, at the spotted span, labelled with that letter.
    ``extras["cut"]``: 0 true span, 1 spotted span; ``extras["session"]``: the session index."""
    from ..data.recordings import RecordingSet
    from ..golden.spotting import spot, time_normalise
    from .writing import match_letters

    counts, labels, users, cut, sess = [], [], [], [], []
    for i in range(len(ss)):
        s = ss[i]
        letters = s.letters
        true = [tuple(x) for x in s.spans.tolist()]
        cuts = [(a, b, ch, 0) for (a, b), ch in zip(true, letters)]
        if spotted:
            sp = spot(spotter, s.counts).letters
            m = match_letters(sp, true)
            cuts += [(a, b, letters[m[k]], 1) for k, (a, b) in enumerate(sp) if k in m]
        for a, b, ch, c in cuts:
            counts.append(time_normalise(s.counts, a, b))
            labels.append(ch)
            users.append(s.user)
            cut.append(c)
            sess.append(i)
    if not counts:
        raise GloveXferError("the sessions hold no letters to train on")
    return RecordingSet(np.stack(counts), labels, users, ss.sensor, meta={"from": "letter segments of writing sessions"},
                        extras={"cut": np.array(cut, np.int8), "session": np.array(sess, np.int32)})


def source_letters(digilets_root, spotter, n_sessions: int, seed: int, progress: bool = True, styles: int = 1):
    """``session_letters`` of ``n_sessions`` simulated sessions of the source writers, in
    ``styles`` session sets of seeds ``seed + 1000 k`` (each draws the writers' styles anew)."""
    from ..data.sessions import SessionSet
    from .spotter import source_sessions

    if styles < 1 or n_sessions < styles:
        raise GloveXferError(f"{n_sessions} sessions cannot be split into {styles} style sets")
    parts = [source_sessions(digilets_root, n_sessions // styles + (k < n_sessions % styles), seed + 1000 * k, progress)
             for k in range(styles)]
    ss = parts[0] if styles == 1 else SessionSet.from_sessions([p[i] for p in parts for i in range(len(p))], parts[0].sensor)
    return session_letters(ss, spotter)


def _pretrained(models_dir: Path, kind: str):
    from .shipping import PRETRAINED_FILE, load_keras

    path = Path(models_dir) / PRETRAINED_FROM[kind] / PRETRAINED_FILE
    if not path.is_file():
        raise GloveXferError(f"{path} is missing: writing_{kind} starts from {PRETRAINED_FROM[kind]}'s source pretraining "
                             f"(run: glovexfer train --model {PRETRAINED_FROM[kind]})")
    return load_keras(path).get_weights()


def train_writing(arrays, models_dir: Path, out_dir: Path | None = None, seed: int = 0, epochs: int | None = None,
                  data_info: dict | None = None, progress: bool = True) -> list[Path]:
    """Fine-tune both members on ``arrays`` (float pipeline ``Arrays`` of ``session_letters``)
    and write ``writing_lstm/``, ``writing_cnn/`` and ``writing/`` into ``out_dir`` (default
    ``models_dir``). ``epochs`` caps the fine-tuning (``--quick``)."""
    from .shipping import write_fused, write_model

    out_dir = Path(out_dir or models_dir)
    folders = []
    for kind, name in MEMBERS.items():
        t0 = time.time()
        weights = _pretrained(models_dir, kind)
        cfg = FINETUNE[kind] if epochs is None else T.quick(FINETUNE[kind], epochs)
        setting = P.Setting(name, kind, True, True, None, cfg)
        model = P.finetune(setting, weights, arrays, seed=seed, progress=progress)
        meta = {"model": name, "kind": kind, "simulated_target": True, "seed": seed, "reproduce": reproduce_command(),
                "pretrained_from": f"{PRETRAINED_FROM[kind]}/pretrained.h5",
                "finetune": dict(model.glovexfer_history or {}) | {"config": cfg, "recordings": len(arrays)},
                "train": dict(data_info or {})}
        folders.append(write_model(out_dir / name, model, meta, t0))
    meta = {"model": WRITING, "kind": "fused", "simulated_target": True, "members": list(MEMBERS.values()),
            "fusion": "mean of the members' softmax probabilities (device: sum of their int8 softmax outputs)",
            "train": dict(data_info or {}), "reproduce": reproduce_command()}
    folders.append(write_fused(out_dir / WRITING, meta))
    return folders


__all__ = ["WRITING", "MEMBERS", "PRETRAINED_FROM", "FINETUNE", "TRAIN_SESSIONS", "TRAIN_SEED", "TRAIN_STYLES", "REP_SESSIONS", "REP_SEED",
           "session_letters", "source_letters", "train_writing", "reproduce_command"]
