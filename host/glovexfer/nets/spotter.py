"""The letter spotter: a small int8 network that marks, sample by sample, where a letter is
being written in a continuous stream (``golden.spotting`` runs it; docs/writing.md).

Network: on (1, WINDOW, 6) int8 features (``golden.spotting.spot_features``), four 1 x 9
convolutions with dilations 1, 2, 4, 1 (16, 24, 24, 24 channels, ReLU) and a 1 x 1 convolution
to one logit per sample: 14,801 parameters, 14,712 multiply-accumulates per sample. Its
receptive field is 32 samples each side, exactly the context a window gives its middle hop,
so the device's windows give the logits a whole-stream run would (away from the stream's
start and end).

Training data: simulated writing sessions of the writer split's **source** writers (never the
target writers the evaluation uses), cut into windows with their per-sample labels (1 inside a
true letter span shortened by ``GROW`` samples at both ends); binary cross-entropy, Adam, early
stopping on other source sessions.

Shipped as ``models/glove/spotter/`` (``glovexfer train --model spotter``): ``model.h5``,
``model_int8.tflite`` and ``int8.json`` (its SHA-256, refused when the bytes differ),
``metrics.json`` (training data, history, spotting on the validation sessions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..golden.spotting import GROW, HOP, N_FEATURES, WINDOW, spot_features

LAYERS = ((16, 1), (24, 2), (24, 4), (24, 1))  # (channels, dilation), kernel 1 x 9
KERNEL = 9
HALF_FIELD = sum((KERNEL - 1) // 2 * d for _, d in LAYERS)
assert HALF_FIELD <= HOP, "the window's middle hop must see the whole receptive field"
TRAIN_WINDOW = 256  # training windows (fully convolutional: the export takes WINDOW)
TRAIN_STRIDE = 128


def spotter_model(window: int = WINDOW):
    """The float spotter on (1, window, 6) -> (1, window, 1) logits (no sigmoid: the int8 model
    keeps the logit; training adds the sigmoid in the loss)."""
    from .models import keras, layers

    inp = keras.Input((1, window, N_FEATURES), name="features")
    h = inp
    for i, (ch, d) in enumerate(LAYERS):
        h = layers.Conv2D(ch, (1, KERNEL), dilation_rate=(1, d), padding="same", activation="relu", name=f"conv{i + 1}")(h)
    out = layers.Conv2D(1, (1, 1), name="logit")(h)
    return keras.Model(inp, out, name="spotter")


def frame_labels(session, shrink: int = GROW) -> np.ndarray:
    """(n,) float32: 1 inside the session's true letter spans, each shortened by ``shrink``
    samples at both ends (wider gaps between the spotted letters of a word)."""
    y = np.zeros(len(session), np.float32)
    for a, b in session.spans.tolist():
        if b - a > 2 * shrink + 2:
            a, b = a + shrink, b - shrink
        y[a:b] = 1.0
    return y


def windows(sessions, window: int = TRAIN_WINDOW, stride: int = TRAIN_STRIDE, shrink: int = GROW) -> tuple[np.ndarray, np.ndarray]:
    """Training windows of every session: features (N, 1, window, 6) float32 (the int8 values)
    and labels (N, 1, window, 1)."""
    xs, ys = [], []
    for i in range(len(sessions)):
        s = sessions[i]
        f, y = spot_features(s.counts).astype(np.float32), frame_labels(s, shrink)
        for a in range(0, len(s) - window + 1, stride):
            xs.append(f[a:a + window])
            ys.append(y[a:a + window])
    if not xs:
        raise ValueError(f"no session is {window} samples long")
    return np.stack(xs)[:, None], np.stack(ys)[:, None, :, None]


def representative(x: np.ndarray, n: int = 300, seed: int = 0) -> np.ndarray:
    """Calibration windows for the int8 export, the first one holding -128 and 127 in every
    feature, so the converter's input range is exactly the int8 range: scale 1, zero point 0
    (the features are the network's int8 input as they are; ``golden.spotting.check_spotter``)."""
    rng = np.random.default_rng(seed)
    pick = x[np.sort(rng.choice(len(x), min(n, len(x)), replace=False))].copy()
    pick[0, 0, 0, :] = -128.0
    pick[0, 0, 1, :] = 127.0
    return pick


def train_spotter(train, val, epochs: int = 60, patience: int = 8, seed: int = 0, progress: bool = True, shrink: int = GROW):
    """A trained spotter on the sessions ``train`` (early stopping on ``val``); (model, history)."""
    from . import train as T
    from .models import keras

    x, y = windows(train, shrink=shrink)
    xv, yv = windows(val, shrink=shrink)
    T.seed_everything(seed)
    model = spotter_model(None)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)]
    if progress:
        callbacks.append(T._progress_callback(epochs, "spotter"))
    hist = model.fit(x, y, validation_data=(xv, yv), epochs=epochs, batch_size=64, shuffle=True, verbose=0, callbacks=callbacks)
    vl = hist.history["val_loss"]
    best = int(np.argmin(vl))
    return model, {"windows": int(len(x)), "val_windows": int(len(xv)), "epochs": len(vl), "best_epoch": best + 1,
                   "val_loss": float(vl[best]), "val_frame_accuracy": float(hist.history["val_accuracy"][best])}


def fixed_window(model):
    """The trained (any-length) spotter as a (1, WINDOW, 6) model with the same weights."""
    fixed = spotter_model(WINDOW)
    fixed.set_weights(model.get_weights())
    return fixed


def to_int8(model, x_rep: np.ndarray, seed: int = 0) -> bytes:
    """The int8 .tflite of a trained spotter on WINDOW samples (input scale 1, zero point 0;
    logits out); ``x_rep``: training windows, cut to WINDOW for the calibration."""
    from .tflite import to_int8_tflite

    rep = representative(np.asarray(x_rep)[:, :, :WINDOW], seed=seed)
    return to_int8_tflite(fixed_window(model), rep, n_rep=len(rep), seed=seed)


def source_sessions(digilets_root, n: int, seed: int, progress: bool = True):
    """``n`` simulated sessions of the writer split's source writers (training data)."""
    from ..data.digilets import list_writer_files, split_writers, writer_id
    from ..simulate.dataset import SPLIT_SEED
    from ..simulate.sessions import simulate_sessions

    ids = sorted(writer_id(f) for f in list_writer_files(Path(digilets_root)))
    source, _ = split_writers(ids, n_target=16, seed=SPLIT_SEED)
    return simulate_sessions(digilets_root, n_sessions=n, seed=seed, writers=source, progress=progress)


SPOTTER = "spotter"
TRAIN_SESSIONS, VAL_SESSIONS = 1200, 200
TRAIN_SEED, VAL_SEED = 21, 31


def reproduce_command() -> str:
    return "glovexfer train --model spotter"


def ship_spotter(digilets_root, out: Path, n_train: int = TRAIN_SESSIONS, n_val: int = VAL_SESSIONS, seed: int = 0,
                 progress: bool = True, epochs: int = 60) -> Path:
    """Train the spotter on simulated source-writer sessions and write ``out`` (module docstring)."""
    from ..golden.network import load_int8_model
    from ..golden.spotting import check_spotter, spot
    from .shipping import METRICS_FILE, int8_info, write_int8, write_json
    from .writing import match_letters

    train = source_sessions(digilets_root, n_train, TRAIN_SEED + seed, progress)
    val = source_sessions(digilets_root, n_val, VAL_SEED + seed, progress)
    model, hist = train_spotter(train, val, epochs=epochs, seed=seed, progress=progress)
    x, _ = windows(train)
    blob = to_int8(model, x, seed=seed)
    net = load_int8_model(blob)
    check_spotter(net)
    tp = n_pred = n_true = 0
    for i in range(len(val)):
        s = val[i]
        letters = spot(net, s.counts).letters
        tp += len(match_letters(letters, [tuple(t) for t in s.spans.tolist()]))
        n_pred, n_true = n_pred + len(letters), n_true + len(s.spans)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.h5")
    write_int8(out, blob, int8_info(SPOTTER, SPOTTER, blob, net, {"n": 300, "seed": seed, "from": "the training windows (+ one holding the int8 extremes)"}))
    metrics = {"model": SPOTTER, "kind": SPOTTER, "simulated": True, "reproduce": reproduce_command(),
               "train": {"sessions": len(train), "writers": "the writer split's 46 source writers", "seed": TRAIN_SEED + seed,
                         **hist},
               "validation": {"sessions": len(val), "writers": "source writers, other sessions", "seed": VAL_SEED + seed,
                              "spotting_recall": tp / max(n_true, 1), "spotting_precision": tp / max(n_pred, 1)},
               "network": {"layers": [list(x) for x in LAYERS], "kernel": KERNEL, "window": WINDOW, "hop": HOP,
                           "parameters": int(model.count_params())}}
    write_json(metrics, out / METRICS_FILE)
    return out


def load_spotter(folder):
    """The shipped int8 spotter of ``folder`` (refused unless its bytes match int8.json's SHA-256)."""
    from ..errors import GloveXferError
    from ..files import check_digest, field, read_json_object
    from ..golden.network import load_int8_model
    from ..golden.spotting import check_spotter

    folder = Path(folder)
    tfl, info_path = folder / "model_int8.tflite", folder / "int8.json"
    if not tfl.is_file():
        raise GloveXferError(f"{tfl} is missing (run: {reproduce_command()})")
    info = read_json_object(info_path, "int8 model information")
    field(info, "kind", info_path, choices=(SPOTTER,))
    blob = tfl.read_bytes()
    check_digest(blob, field(info, "sha256", info_path), tfl, info_path)
    try:
        net = load_int8_model(blob)
        check_spotter(net)
    except Exception as e:  # a damaged flatbuffer fails in many ways; a wrong shape is a ValueError
        raise GloveXferError(f"{tfl}: not a spotter the golden model runs ({type(e).__name__}: {e})") from None
    return net


__all__ = ["ship_spotter", "load_spotter", "SPOTTER","spotter_model", "frame_labels", "windows", "representative", "train_spotter", "fixed_window", "to_int8",
           "source_sessions", "LAYERS", "KERNEL", "HALF_FIELD"]
