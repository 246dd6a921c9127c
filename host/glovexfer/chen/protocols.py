"""Protocols on the Chen et al. (2021) pen recordings (issue 7).

Domains
-------
* target: every valid Chen sequence through :mod:`glovexfer.chen.represent` (``REPRESENTATION``,
  by default ``mad6z``: the device's own 6-axis Madgwick + points stage on the raw acc + gyro
  with the pen axis as sensor x), cleaned to 100 points and rasterised to 28x28.
* source: all 62 DigiLeTs writers, cleaned like glove data, with x and y swapped
  (``SOURCE_SWAP_XY``): the pen's (-azimuth, elevation) path is the page's (y, x) -- measured
  by the alignment study (docs/results-chen2021.md), the transform is put on the source side
  so that the device pipeline stays unchanged.

Settings (per network kind ``lstm`` = paper BiLSTM(50), ``cnn`` = paper CNN)
-------------------------------------------------------------------------
* ``target_only``: fresh network trained on the fold's target training writers;
* ``source_only``: DigiLeTs-pretrained network, no fine-tuning;
* ``transfer``: DigiLeTs-pretrained, fine-tuned on the fold's target training writers;
* ``best`` (``fused``): the transfer LSTM and transfer CNN of the fold, probabilities added
  (the firmware's late fusion, ``gx_fuse``).

Protocols
---------
* ``lowo``: leave one writer out, for each of the 12 writers (a writer's sessions stay together);
* ``subject_split``: the 12 writers in 6 disjoint pairs (seeded shuffle); each pair held out
  in turn (the authors held out two writers); mean over the 6 pairs;
* ``random_split``: one seeded random 80/10/10 split of all sequences (train/val/test),
  as the authors did.

In ``lowo`` and ``subject_split`` 10 % of the training writers' sequences are held out for
early stopping.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..nets import train as T
from ..nets.datasets import Arrays, _key, standardise_signals
from ..params import PAPER

REPRESENTATION = "mad6z"
SOURCE_SWAP_XY = True
CACHE_VERSION = 1
N_PAIRS = 6
VALIDATION_FRACTION = 0.1
RANDOM_SPLIT = (0.8, 0.1, 0.1)

#: Training budgets (2 CPU cores shared with other jobs, no GPU): every fold trains four
#: networks, so epochs are capped at 12 with early stopping after 3 epochs without a better
#: validation accuracy.  The BiLSTM's batch is 128 rather than the paper's 64 (fewer
#: sequential steps per epoch on a CPU); topologies and learning rates are the paper's (the
#: fine-tuning rate of the pretrained BiLSTM is halved).  A larger budget is future work.
PRETRAIN = {
    "lstm": T.FitConfig(lr=0.01, batch=32, max_epochs=40, patience=8),
    "cnn": T.FitConfig(lr=0.001, batch=32, max_epochs=25, patience=6),
}
FINETUNE = {
    "lstm": T.FitConfig(lr=0.005, batch=128, max_epochs=12, patience=3),
    "cnn": T.FitConfig(lr=0.001, batch=64, max_epochs=12, patience=3),
}
SCRATCH = {
    "lstm": T.FitConfig(lr=0.01, batch=128, max_epochs=12, patience=3),
    "cnn": T.FitConfig(lr=0.001, batch=64, max_epochs=12, patience=3),
}
NETS = ("lstm", "cnn")
MODELS = ("target_only_lstm", "target_only_cnn", "source_only_lstm", "source_only_cnn", "transfer_lstm", "transfer_cnn", "best_fused")


def quick_cfg(cfg: T.FitConfig, epochs: int = 2) -> T.FitConfig:
    return T.quick(cfg, epochs)


# --------------------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------------------
def sequences_digest(cs) -> str:
    """sha256 of every sequence's source name and raw acc / gyro: the cache key of the arrays
    made from a loaded Chen set (the same letters give the same key)."""
    h = hashlib.sha256()
    for seq in cs.sequences:
        h.update(seq.source.encode())
        h.update(seq.acc_mg.tobytes())
        h.update(seq.gyr_dps.tobytes())
    return h.hexdigest()


def _images(seq, progress: bool, desc: str):
    from ..pipeline import images

    return images(seq, params=PAPER, progress=progress, desc=desc)


def target(chen_root, representation: str = REPRESENTATION, cache_dir="out/cache", progress: bool = True, writers: list[str] | None = None) -> Arrays:
    """Chen sequences as network inputs; ``group`` is the writer."""
    from ..data.chen2021 import load_chen2021
    from .represent import cleaned

    cs = load_chen2021(chen_root, writers=writers, progress=progress)
    cache = None
    if cache_dir is not None:
        digest = sequences_digest(cs)
        cache = Path(cache_dir) / f"chen_target_{_key(CACHE_VERSION, representation, digest, asdict(PAPER))}.npz"
        if cache.is_file():
            return Arrays.load(cache)
    it = cs.sequences
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"chen2021 {representation}", unit="seq")
    seq = np.stack([cleaned(s, representation, cs.calibrations.get(s.session)) for s in it]).astype(np.float32)
    out = Arrays(seq, _images(seq, progress, "chen2021 images"), cs.y, cs.writers.astype(str))
    if cache is not None:
        out.save(cache)
    return out


def source(digilets_root, cache_dir="out/cache", progress: bool = True) -> Arrays:
    """All DigiLeTs writers, (x, y) swapped when ``SOURCE_SWAP_XY`` (then re-rasterised)."""
    from .pretrain import source as plain_source

    src = plain_source(digilets_root, cache_dir, progress)
    if not SOURCE_SWAP_XY:
        return src
    cache = Path(cache_dir) / f"chen_source_swap_{_key(CACHE_VERSION, len(src), asdict(PAPER))}.npz" if cache_dir else None
    if cache is not None and cache.is_file():
        return Arrays.load(cache)
    seq = np.ascontiguousarray(src.seq[:, :, ::-1])
    out = Arrays(seq, _images(seq, progress, "swapped source images"), src.y, src.group)
    if cache is not None:
        out.save(cache)
    return out


def pretrained(net: str, digilets_root, cache_dir="out/cache", seed: int = 0, progress: bool = True, quick: bool = False, src: Arrays | None = None):
    """DigiLeTs-pretrained weights of the paper ``net`` on the (swapped) source; cached."""
    from ..nets import protocols as NP
    from .pretrain import all_writers

    cfg = quick_cfg(PRETRAIN[net]) if quick else PRETRAIN[net]
    path = Path(cache_dir) / f"chen_pretrain_{net}_{_key(2, net, asdict(cfg), all_writers(digilets_root), seed, SOURCE_SWAP_XY)}.npz"
    if path.is_file():
        with np.load(path) as z:
            return [z[f"w{i}"] for i in range(len(z.files) - 1)]
    if src is None:
        src = source(digilets_root, cache_dir, progress)
    if quick:
        src = src.take(np.arange(0, len(src), 20))
    model, hist = NP.pretrain(NP.Setting(f"chen_pretrain_{net}", net, True, False, cfg, cfg), src, seed, progress)
    w = model.get_weights()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{f"w{i}": a for i, a in enumerate(w)}, hist=np.array(json.dumps(hist)))
    return w


# --------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------
def lowo_folds(writers: list[str]) -> list[tuple[str, list[str]]]:
    return [(w, [w]) for w in sorted(writers)]


def subject_pairs(writers: list[str], seed: int = 0) -> list[tuple[str, list[str]]]:
    """The writers shuffled (seeded) and cut into disjoint pairs."""
    ws = sorted(writers)
    if len(ws) % 2:
        raise GloveXferError(f"subject split needs an even number of writers, got {len(ws)}")
    perm = np.random.default_rng(seed).permutation(len(ws))
    pairs = [sorted([ws[perm[2 * i]], ws[perm[2 * i + 1]]]) for i in range(len(ws) // 2)]
    return [("+".join(p), p) for p in pairs]


def random_split(n: int, seed: int = 0, fractions=RANDOM_SPLIT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.random.default_rng(seed).permutation(n)
    n_tr = int(round(fractions[0] * n))
    n_va = int(round(fractions[1] * n))
    return np.sort(idx[:n_tr]), np.sort(idx[n_tr : n_tr + n_va]), np.sort(idx[n_tr + n_va :])


# --------------------------------------------------------------------------------------
# Training and scoring
# --------------------------------------------------------------------------------------
def _inputs(net: str, a: Arrays):
    return a.seq if net == "lstm" else a.img[..., None]


def _build(net: str):
    from ..nets import models

    return models.paper_lstm() if net == "lstm" else models.paper_cnn()


def train_net(net: str, weights, train: Arrays, val: Arrays, cfg: T.FitConfig, seed: int, progress: bool, desc: str):
    model = _build(net)
    if weights is not None:
        model.set_weights(weights)
    hist = T.fit(model, _inputs(net, train), train.y, _inputs(net, val), val.y, cfg, seed, progress, desc)
    return model, hist


def proba(model, net: str, a: Arrays) -> np.ndarray:
    return T.predict_proba(model, _inputs(net, a))


def run_fold(train: Arrays, val: Arrays, test: Arrays, weights: dict, seed: int, quick: bool, progress: bool, tag: str) -> dict:
    """Every setting on one fold -> {model name: test probabilities (n, 26)}."""
    out: dict[str, np.ndarray] = {}
    for net in NETS:
        m = _build(net)
        m.set_weights(weights[net])
        out[f"source_only_{net}"] = proba(m, net, test)
        cfg = quick_cfg(FINETUNE[net]) if quick else FINETUNE[net]
        m, _ = train_net(net, weights[net], train, val, cfg, seed, progress, f"{tag} transfer {net}")
        out[f"transfer_{net}"] = proba(m, net, test)
        cfg = quick_cfg(SCRATCH[net]) if quick else SCRATCH[net]
        m, _ = train_net(net, None, train, val, cfg, seed, progress, f"{tag} target-only {net}")
        out[f"target_only_{net}"] = proba(m, net, test)
    out["best_fused"] = out["transfer_lstm"] + out["transfer_cnn"]
    return out


def confusion(y_true, y_pred, n: int = 26) -> np.ndarray:
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m


def _split_val(a: Arrays, seed: int) -> tuple[Arrays, Arrays]:
    tr, va = T.split_validation(len(a), VALIDATION_FRACTION, np.random.default_rng(seed))
    return a.take(tr), a.take(va)


def run_protocol(protocol: str, tgt: Arrays, weights: dict, seed: int = 0, quick: bool = False, progress: bool = True, folds_limit: int | None = None, log=print) -> dict:
    """``lowo`` | ``subject_split`` | ``random_split`` -> {model: {mean, per_fold, confusion}}."""
    writers = sorted(set(tgt.group.tolist()))
    res = {m: {"per_fold": {}, "confusion": np.zeros((26, 26), dtype=np.int64)} for m in MODELS}
    if protocol == "random_split":
        tr, va, te = random_split(len(tgt), seed)
        folds = [("random", tgt.take(tr), tgt.take(va), tgt.take(te))]
    else:
        if protocol == "lowo":
            spec = lowo_folds(writers)
        elif protocol == "subject_split":
            spec = subject_pairs(writers, seed)
        else:
            raise GloveXferError(f"unknown protocol '{protocol}' (lowo, subject_split, random_split)")
        if folds_limit is not None:
            spec = spec[:folds_limit]
        folds = []
        for name, held in spec:
            test_mask = np.isin(tgt.group, held)
            trv = tgt.take(np.flatnonzero(~test_mask))
            tr_a, va_a = _split_val(trv, seed)
            folds.append((name, tr_a, va_a, tgt.take(np.flatnonzero(test_mask))))
    for k, (name, tr_a, va_a, te_a) in enumerate(folds):
        t0 = time.time()
        probs = run_fold(tr_a, va_a, te_a, weights, seed + k, quick, progress, f"{protocol} {name}")
        for m, p in probs.items():
            pred = np.argmax(p, axis=1)
            res[m]["per_fold"][name] = float(np.mean(pred == te_a.y))
            res[m]["confusion"] += confusion(te_a.y, pred)
        log(f"{protocol} {name} ({k + 1}/{len(folds)}, {time.time() - t0:.0f} s): " + ", ".join(f"{m} {100 * res[m]['per_fold'][name]:.1f}" for m in MODELS))
    for m in MODELS:
        v = np.array(list(res[m]["per_fold"].values()))
        res[m]["mean"] = float(v.mean())
        res[m]["std"] = float(v.std())
        res[m]["confusion"] = res[m]["confusion"].tolist()
    return res


# --------------------------------------------------------------------------------------
# The time-signal network (the study's best single model; float-only input)
# --------------------------------------------------------------------------------------
#: Conv1D(64,5)x2 - MaxPool(2) - Conv1D(128,3)x2 - GlobalAveragePool - Dropout(0.3) - Dense(26),
#: batch normalisation after every convolution; Adam 1e-3, batch 64.
SIGNAL_FIT = T.FitConfig(lr=0.001, batch=64, max_epochs=30, patience=5)


def signal_arrays(chen_root, cache_dir="out/cache", progress: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (N, 64, 9) float32 ``represent.signals``, y, writer) of every Chen sequence, cached."""
    from ..data.chen2021 import load_chen2021
    from .represent import SIGNAL_STEPS, signals

    cs = load_chen2021(chen_root, progress=progress)
    cache = None
    if cache_dir is not None:
        digest = sequences_digest(cs)
        cache = Path(cache_dir) / f"chen_signals_{_key(CACHE_VERSION, SIGNAL_STEPS, digest)}.npz"
        if cache.is_file():
            with np.load(cache) as z:
                return z["X"], z["y"], z["group"]
    it = cs.sequences
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="chen2021 signals", unit="seq")
    X = np.stack([signals(s, cs.calibrations.get(s.session)) for s in it]).astype(np.float32)
    y, g = cs.y, cs.writers.astype(str)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, X=X, y=y, group=g)
    return X, y, g


def signal_cnn(steps: int, channels: int):
    from ..nets.models import keras, layers

    inp = keras.Input((steps, channels), name="signals")
    h = inp
    for i, (f, k) in enumerate([(64, 5), (64, 5), (128, 3), (128, 3)]):
        h = layers.Conv1D(f, k, padding="same", activation="relu", name=f"conv{i + 1}")(h)
        h = layers.BatchNormalization(name=f"bn{i + 1}")(h)
        if i == 1:
            h = layers.MaxPooling1D(2, name="pool")(h)
    h = layers.GlobalAveragePooling1D(name="gap")(h)
    h = layers.Dropout(0.3, name="dropout")(h)
    out = layers.Dense(26, activation="softmax", name="letter")(h)
    return keras.Model(inp, out, name="chen_signal_cnn")


def signal_fold(X, y, train_idx, test_idx, seed: int, quick: bool = False, progress: bool = False, desc: str = "signal cnn") -> np.ndarray:
    """Train the signal CNN on ``train_idx`` (10 % held out for early stopping, the same
    split as the paper networks' ``_split_val``); test probabilities (n, 26).  Channels are
    standardised with the training part's mean and std."""
    tr_rel, va_rel = T.split_validation(len(train_idx), VALIDATION_FRACTION, np.random.default_rng(seed))
    tr, va = train_idx[tr_rel], train_idx[va_rel]
    mu = X[tr].mean(axis=(0, 1))
    sd = X[tr].std(axis=(0, 1)) + 1e-8
    Z = ((X - mu) / sd).astype(np.float32)
    model = signal_cnn(X.shape[1], X.shape[2])
    cfg = quick_cfg(SIGNAL_FIT) if quick else SIGNAL_FIT
    T.fit(model, Z[tr], y[tr], Z[va], y[va], cfg, seed, progress, desc)
    return T.predict_proba(model, Z[test_idx])


# --------------------------------------------------------------------------------------
# The device signal network: the time-signal network on what the firmware computes
# --------------------------------------------------------------------------------------
#: Conv2D (1 x k) on the (1, 32, 9) golden signals: two Conv(64, 1x5) - MaxPool(1x2) - two
#: Conv(128, 1x3) - AveragePool(1x16) - Dropout(0.3) - Dense(26), batch normalisation *before*
#: each ReLU so that it folds into the convolution for int8 export (``fold_signal_net``).  Every
#: layer maps to a TFLite-Micro builtin the golden model and the firmware run (CONV_2D,
#: MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED).
SIGNAL_NET_LAYERS = ((64, 5), (64, 5), (128, 3), (128, 3))
SIGNAL_NET_POOL_AFTER = 1
DEVICE_SIGNAL_CACHE_VERSION = 1


def device_signal_arrays(chen_root, cache_dir="out/cache", progress: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (N, 32, 9) int32 golden ``signals``, y, writer) of every Chen sequence, cached.

    Each sequence goes the firmware's way: ``counts.to_counts`` (32 samples of int16 counts,
    pen axis as sensor x), the golden 6-axis orientation, the golden ``signals`` stage.
    """
    from ..data.chen2021 import load_chen2021
    from ..golden.fixed import derive_fixed_params
    from ..golden.orientation import orientation as golden_orientation
    from ..golden.signals import signals as golden_signals
    from .counts import to_counts

    cs = load_chen2021(chen_root, progress=progress)
    cache = None
    if cache_dir is not None:
        digest = sequences_digest(cs)
        cache = Path(cache_dir) / f"chen_devsignals_{_key(DEVICE_SIGNAL_CACHE_VERSION, digest)}.npz"
        if cache.is_file():
            with np.load(cache) as z:
                return z["X"], z["y"], z["group"]
    fp = derive_fixed_params()
    it = cs.sequences
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="chen2021 device signals", unit="seq")
    X = []
    for s in it:
        c, _ = to_counts(s, cs.calibrations.get(s.session))
        X.append(golden_signals(c, golden_orientation(c[:, 0:3], c[:, 3:6], None, fp)))
    X = np.stack(X).astype(np.int32)
    y, g = cs.y, cs.writers.astype(str)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, X=X, y=y, group=g)
    return X, y, g


def signal_norm(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (mean, std) of (N, steps, 9) signals, float64 in the signals' units."""
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=(0, 1)), X.std(axis=(0, 1)) + 1e-8


#: (N, steps, 9) signals -> (N, 1, steps, 9) float32 network input.
standardise = standardise_signals


def signal_net(steps: int = 32, channels: int = 9, folded: bool = False):
    """The device signal network on (1, steps, channels); ``folded``: the inference form
    without batch normalisation (weights from ``fold_signal_net``)."""
    from ..nets.models import keras, layers

    inp = keras.Input((1, steps, channels), name="signals")
    h = inp
    for i, (f, k) in enumerate(SIGNAL_NET_LAYERS):
        if folded:
            h = layers.Conv2D(f, (1, k), padding="same", activation="relu", name=f"conv{i + 1}")(h)
        else:
            h = layers.Conv2D(f, (1, k), padding="same", name=f"conv{i + 1}")(h)
            h = layers.BatchNormalization(name=f"bn{i + 1}")(h)
            h = layers.ReLU(name=f"relu{i + 1}")(h)
        if i == SIGNAL_NET_POOL_AFTER:
            h = layers.MaxPooling2D((1, 2), name="pool")(h)
    h = layers.AveragePooling2D((1, steps // 2), name="gap")(h)
    h = layers.Flatten(name="flat")(h)
    if not folded:
        h = layers.Dropout(0.3, name="dropout")(h)
    out = layers.Dense(26, activation="softmax", name="letter")(h)
    return keras.Model(inp, out, name="chen_signal_net_folded" if folded else "chen_signal_net")


def fold_signal_net(model):
    """The inference form of a trained ``signal_net``: each batch normalisation folded into
    the convolution before it (``w' = w g / sqrt(v + eps)``, ``b' = (b - m) g / sqrt(v + eps) + beta``).
    Same outputs as ``model`` in inference mode, to float rounding (tested)."""
    steps, channels = model.inputs[0].shape[2], model.inputs[0].shape[3]
    out = signal_net(steps, channels, folded=True)
    for i in range(len(SIGNAL_NET_LAYERS)):
        w, b = model.get_layer(f"conv{i + 1}").get_weights()
        bn = model.get_layer(f"bn{i + 1}")
        gamma, beta, mean, var = bn.get_weights()
        k = gamma / np.sqrt(var + bn.epsilon)
        out.get_layer(f"conv{i + 1}").set_weights([w * k, (b - mean) * k + beta])
    out.get_layer("letter").set_weights(model.get_layer("letter").get_weights())
    return out


def device_signal_fold(X, y, train_idx, test_idx, seed: int, quick: bool = False, progress: bool = False, desc: str = "device signal net", val_idx=None):
    """Train ``signal_net`` on ``train_idx`` (10 % held out for early stopping unless
    ``val_idx`` is given) -> (test probabilities (n, 26), model, (mean, std))."""
    if val_idx is None:
        tr_rel, va_rel = T.split_validation(len(train_idx), VALIDATION_FRACTION, np.random.default_rng(seed))
        tr, va = train_idx[tr_rel], train_idx[va_rel]
    else:
        tr, va = train_idx, val_idx
    mean, std = signal_norm(X[tr])
    model = signal_net(X.shape[1], X.shape[2])
    cfg = quick_cfg(SIGNAL_FIT) if quick else SIGNAL_FIT
    T.fit(model, standardise(X[tr], mean, std), y[tr], standardise(X[va], mean, std), y[va], cfg, seed, progress, desc)
    probs = T.predict_proba(model, standardise(X[test_idx], mean, std)) if len(test_idx) else np.zeros((0, 26))
    return probs, model, (mean, std)


def signal_int8(model, norm, X_rep, n_rep: int = 300, seed: int = 0) -> bytes:
    """int8 .tflite of a trained ``signal_net``: batch norm folded (``fold_signal_net``), full
    int8 conversion calibrated on ``n_rep`` of the (N, 32, 9) signals ``X_rep``, and the
    standardisation ``norm = (mean, std)`` stored as metadata
    (``golden.signals.SIGNAL_NORM_METADATA``) for the device's input quantiser."""
    from ..nets.tflite import add_metadata, to_int8_tflite
    from ..golden.signals import SIGNAL_NORM_METADATA, norm_metadata

    mean, std = norm
    b = to_int8_tflite(fold_signal_net(model), standardise(X_rep, mean, std), n_rep, seed=seed)
    return add_metadata(b, SIGNAL_NORM_METADATA, norm_metadata(mean, std))
