"""The paper's evaluation protocols and the transfer-learning baselines.

Settings (``SETTINGS``), each a network kind plus which phases run:

=====================  ======  ====================  =========================
name                   kind    pretrain              fine-tune
=====================  ======  ====================  =========================
paper_lstm             lstm    source                target (paper: lr 0.01)
paper_cnn              cnn     source                target (paper: lr 0.001)
target_only_lstm       lstm    --                    target
source_only_lstm       lstm    source                --
best_lstm              lstm    source + sim. source  target (lr 0.001)
best_cnn               cnn     source + sim. source  target (lr 0.0003)
best                   fused   best_lstm + best_cnn  both; mean of probabilities
=====================  ======  ====================  =========================

Pretraining runs once per setting on the source writers (DigiLeTs, never the target
writers) and its weights are reused by every fold.  Fine-tuning starts from them and trains
on the fold's target training recordings, with 10 % of those held out for early stopping.

"sim. source" (``sim_source_reps``) adds *simulated glove recordings of the source writers*
(``datasets.simulated_source_arrays``: every source writer becomes a simulated wearer with
its own style, glove mounting, tremor and sensor errors, all 26 letters) to the clean
DigiLeTs trajectories: pretraining then already sees what the IMU pipeline does to a letter
(heading/elevation/roll, drift, noise, saturation), which is what the paper's future work
calls data augmentation with simulated sensor effects.  Its glove/style draws use a seed
(``SIM_SOURCE_SEED``) different from the target set's, and its writers are the source
writers, so nothing of a target user reaches pretraining.

A ``fused`` setting (``best``) trains its member settings in every fold and averages their
softmax probabilities (as AirScript fuses its CNN and LSTM); the firmware's ``fused`` model
does the same with the two int8 networks' integer softmax outputs.  Its protocol results
also hold each member's own figures (``parts``), from the same folds.

Protocols (as in the paper):

* ``ud`` user-dependent: 200 random target recordings held out; the rest of the target
  set fine-tunes the source-pretrained model; 5 splits x 3 trainings = 15 runs; mean, std.
* ``ui`` user-independent: leave one user out, for every user; mean and per-user accuracy.

``int8=True`` (``glovexfer evaluate --int8``) also puts every fold's networks on the device
path: converted to full-int8 TFLite as ``glovexfer export`` converts the shipped models, run by
the golden int8 layers on the golden fixed-point pipeline's inputs, so each figure gets an
``int8`` twin from the very same trained networks, plus the argmax agreement of the two.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import train as T
from .datasets import Arrays, standardise_signals


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # "lstm" | "cnn" | "fused"
    pretrain: bool
    finetune: bool
    pretrain_cfg: T.FitConfig | None = None
    finetune_cfg: T.FitConfig | None = None
    sim_source_reps: int = 0  # simulated glove recordings per source letter added to pretraining
    parts: tuple = ()  # "fused": the member settings


#: Recordings per letter of each source writer in the simulated source (5 = each of the
#: writer's 5 DigiLeTs instances once, with a fresh glove jitter each time).
SIM_SOURCE_REPS = 5
#: Seed of the simulated source set (the target set uses 0).
SIM_SOURCE_SEED = 1

BEST_LSTM = Setting("best_lstm", "lstm", True, True, T.PAPER_LSTM_PRETRAIN, T.BEST_LSTM_FINETUNE, SIM_SOURCE_REPS)
BEST_CNN = Setting("best_cnn", "cnn", True, True, T.PAPER_CNN_PRETRAIN, T.BEST_CNN_FINETUNE, SIM_SOURCE_REPS)

SETTINGS = {
    "paper_lstm": Setting("paper_lstm", "lstm", True, True, T.PAPER_LSTM_PRETRAIN, T.PAPER_LSTM_FINETUNE),
    "paper_cnn": Setting("paper_cnn", "cnn", True, True, T.PAPER_CNN_PRETRAIN, T.PAPER_CNN_FINETUNE),
    "target_only_lstm": Setting("target_only_lstm", "lstm", False, True, T.PAPER_LSTM_PRETRAIN, T.PAPER_LSTM_FINETUNE),
    "source_only_lstm": Setting("source_only_lstm", "lstm", True, False, T.PAPER_LSTM_PRETRAIN, T.PAPER_LSTM_FINETUNE),
    "best_lstm": BEST_LSTM,
    "best_cnn": BEST_CNN,
    "best": Setting("best", "fused", True, True, parts=(BEST_LSTM, BEST_CNN)),
}

UD_HELD_OUT = 200
UD_SPLITS = 5
UD_REPEATS = 3
VALIDATION_FRACTION = 0.1


def quick_setting(s: Setting, epochs: int = 2) -> Setting:
    if s.parts:
        return replace(s, parts=tuple(quick_setting(p, epochs) for p in s.parts))
    return replace(s, pretrain_cfg=T.quick(s.pretrain_cfg, epochs), finetune_cfg=T.quick(s.finetune_cfg, epochs))


def members(s: Setting) -> tuple[Setting, ...]:
    """The single-network settings that ``s`` trains (itself, or a fused setting's parts)."""
    return s.parts if s.parts else (s,)


def build(kind: str, *shape, seed: int = 0):
    """A fresh network of ``kind``: the paper BiLSTM, the paper CNN or the device signal
    network (``shape``: its (steps, channels), default (32, 9)), its initial weights drawn
    from ``seed`` (not from whatever state earlier work left the generators in)."""
    from . import models

    T.seed_everything(seed)
    if kind == "lstm":
        return models.paper_lstm()
    if kind == "cnn":
        return models.paper_cnn()
    if kind == "signal":
        return models.signal_net(*shape)
    raise ValueError(f"unknown network kind '{kind}' (lstm, cnn, signal)")


def inputs(kind: str, a: Arrays):
    """What a network of ``kind`` reads from an ``Arrays`` bundle (``signal``: the raw golden
    signals; the network's standardisation is applied by its caller, ``ShippedModel``)."""
    if kind == "signal":
        if a.sig is None:
            raise ValueError("a signal network needs Arrays.sig (glovexfer.nets.chen2021.device_signal_arrays)")
        return a.sig
    return a.seq if kind == "lstm" else a.img[..., None]


def pretrain(setting: Setting, source: Arrays, seed: int = 0, progress: bool = True):
    """Train a fresh network on the source set (10 % of it for early stopping)."""
    model = build(setting.kind, seed=seed)
    tr, va = T.split_validation(len(source), VALIDATION_FRACTION, np.random.default_rng(seed))
    x = inputs(setting.kind, source)
    hist = T.fit(model, x[tr], source.y[tr], x[va], source.y[va], setting.pretrain_cfg, seed, progress, f"pretrain {setting.name}")
    return model, hist


def finetune(setting: Setting, pretrained_weights, train_set: Arrays, seed: int, progress: bool = True):
    """A network for one fold: the pretrained weights (if any), then training on ``train_set``.

    The fit history (or None without fine-tuning) is left on ``model.glovexfer_history``."""
    model = build(setting.kind, seed=seed)
    model.glovexfer_history = None
    if pretrained_weights is not None:
        model.set_weights(pretrained_weights)
    if not setting.finetune:
        return model
    tr, va = T.split_validation(len(train_set), VALIDATION_FRACTION, np.random.default_rng(seed))
    x = inputs(setting.kind, train_set)
    model.glovexfer_history = T.fit(model, x[tr], train_set.y[tr], x[va], train_set.y[va], setting.finetune_cfg, seed, progress, f"fine-tune {setting.name}")
    return model


def predict(model, kind: str, test: Arrays) -> np.ndarray:
    """Class probabilities (N, 26) of ``model`` on ``test``."""
    return T.predict_proba(model, inputs(kind, test))


def accuracy(model, kind: str, test: Arrays) -> tuple[float, np.ndarray]:
    pred = np.argmax(predict(model, kind, test), axis=1)
    return float(np.mean(pred == test.y)), pred


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int = 26) -> np.ndarray:
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


#: Suffix of the device-path predictions in a fold's result (``best@int8``).
INT8 = "@int8"
#: Representative examples that calibrate a fold network's int8 conversion (as ``export``).
INT8_REPRESENTATIVE_N = 300
#: Prefix of a fold's device data (not predictions): ``device.scores`` (the device model's
#: uncalibrated integer scores, (N, 26)) and ``device.features.<kind>`` (each member network's
#: ``golden.recognise.NetOutput.features``, (N, F)), kept for ``--calibrate``.
DEVICE = "device."


def int8_network(model, kind: str, train_set: Arrays, seed: int):
    """``model`` converted to full-int8 TFLite exactly as ``glovexfer export`` converts a
    shipped model (representative examples drawn from the fold's *training* recordings, never
    its test users), loaded as a golden ``Int8Network`` (bit-exact with TFLM and the firmware)."""
    from .tflite import to_int8_tflite
    from ..golden.network import load_int8_model

    return load_int8_model(to_int8_tflite(model, inputs(kind, train_set), n_rep=INT8_REPRESENTATIVE_N, seed=seed))


def device_outputs(net, test_set: Arrays) -> list:
    """The device path of ``net`` (an ``Int8Network``) on ``test_set``: the golden int8 network
    on the golden fixed-point pipeline's inputs (``test_set.dev_seq``/``dev_img``), one
    ``golden.recognise.NetOutput`` per recording -- what ``golden.recognise.recognise`` gives
    on the raw counts."""
    from types import SimpleNamespace

    from ..golden.recognise import run_network_batch

    if not test_set.has_device_inputs:
        raise ValueError("int8 fold evaluation needs the golden pipeline's inputs (target_arrays(..., device=True))")
    # run_network_batch reads only the stages' resampled points and image
    nb = run_network_batch(SimpleNamespace(resampled=test_set.dev_seq, image=test_set.dev_img), net)
    return [nb.at(i) for i in range(len(test_set))]


def fold_predictions(setting: Setting, pretrained, train_set: Arrays, test_set: Arrays, seed: int, progress: bool = True, int8: bool = False,
                     device_data: bool = False) -> dict:
    """Train ``setting`` on one fold and predict ``test_set``: ``{name: labels (N,)}``.

    ``pretrained`` is the weights (single network) or ``{member name: weights}`` (fused).
    A fused setting also returns each member's own predictions; its own are the argmax of
    the members' mean probability.  ``int8=True`` adds ``name + INT8`` for every name: the
    same fold networks on the device path (:func:`int8_network`, :func:`device_outputs`; a fused setting's int8
    prediction is the firmware's integer fusion, ``golden.recognise.fuse``).  ``device_data=True``
    (with ``int8``) also returns the device model's scores and features (:data:`DEVICE`).
    """
    from ..golden.recognise import fuse

    probs, dev = {}, {}
    for part in members(setting):
        w = pretrained.get(part.name) if setting.parts and pretrained is not None else pretrained
        model = finetune(part, w, train_set, seed=seed, progress=progress)
        probs[part.name] = predict(model, part.kind, test_set)
        if int8:
            dev[part.name] = device_outputs(int8_network(model, part.kind, train_set, seed), test_set)
    out = {name: np.argmax(p, axis=1) for name, p in probs.items()}
    if setting.parts:
        out[setting.name] = np.argmax(np.mean(list(probs.values()), axis=0), axis=1)
    for name, outs in dev.items():
        out[name + INT8] = np.array([o.index for o in outs], dtype=np.int64)
    if int8 and setting.parts:
        a, b = (dev[p.name] for p in setting.parts)
        out[setting.name + INT8] = np.array([fuse(x, y).index for x, y in zip(a, b)], dtype=np.int64)
    if int8 and device_data:
        # the device model's score is the sum of its networks' int8 softmax outputs (+128 each)
        out[DEVICE + "scores"] = sum(np.stack([o.probs_q8 for o in outs]).astype(np.int64) for outs in dev.values())
        for part in members(setting):
            out[DEVICE + "features." + part.kind] = np.stack([o.features for o in dev[part.name]])
    return out


def split_device_data(preds: dict) -> tuple[dict, dict]:
    """A fold's result as ``(predictions, device data)`` (:data:`DEVICE` keys, prefix removed)."""
    data = {k[len(DEVICE):]: v for k, v in preds.items() if k.startswith(DEVICE)}
    return {k: v for k, v in preds.items() if not k.startswith(DEVICE)}, data


def _digest(*parts) -> str:
    """A short hash of arrays, lists/dicts of arrays and plain values (a fold's cache key)."""
    h = hashlib.sha1()

    def feed(x):
        if isinstance(x, dict):
            for k in sorted(x):
                h.update(str(k).encode())
                feed(x[k])
        elif isinstance(x, (list, tuple)):
            for v in x:
                feed(v)
        elif isinstance(x, np.ndarray):
            h.update(str((x.dtype, x.shape)).encode())
            h.update(np.ascontiguousarray(x).tobytes())
        else:
            h.update(repr(x).encode())

    for p in parts:
        feed(p)
    return h.hexdigest()[:16]


def cached_fold(cache: Path | None, setting: Setting, pretrained, train_set: Arrays, test_set: Arrays, seed: int, progress: bool = True, int8: bool = False,
                device_data: bool = False) -> dict:
    """``fold_predictions``, kept in ``cache`` (one small npz per fold) so that a long protocol
    run that is interrupted resumes at the first fold it has not finished.  The key holds
    everything that decides the fold's result: the setting (all its training parameters), the
    pretrained weights, the fold's train and test inputs and labels, and the seed."""
    if cache is None:
        return fold_predictions(setting, pretrained, train_set, test_set, seed, progress, int8, device_data)
    key = _digest(repr(setting), pretrained, train_set.seq, train_set.y, test_set.seq, test_set.y, seed)
    if int8:
        key = _digest(key, test_set.dev_seq, test_set.dev_img, INT8_REPRESENTATIVE_N)
    suffix = ("_int8dev" if device_data else "_int8") if int8 else ""
    path = Path(cache) / f"{setting.name}{suffix}_{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    preds = fold_predictions(setting, pretrained, train_set, test_set, seed, progress, int8, device_data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **preds)
    tmp.replace(path)
    return preds


def _agreement(preds: dict, agree: dict) -> None:
    """Add one fold's device-vs-float argmax agreement counts to ``agree`` (name -> [equal, n])."""
    for name, pred in preds.items():
        if name.endswith(INT8):
            a = agree.setdefault(name[: -len(INT8)], [0, 0])
            a[0] += int(np.sum(pred == preds[name[: -len(INT8)]]))
            a[1] += int(len(pred))


def _split_results(setting: Setting, results: dict, agree: dict) -> dict:
    """``results`` (name -> figures) as the setting's figures with the members' under 'parts'
    and each name's device-path figures (``name + INT8``) under its ``int8`` key, with the
    argmax agreement with the float network over all the protocol's test recordings."""
    for name in [n for n in results if n.endswith(INT8)]:
        base = name[: -len(INT8)]
        equal, n = agree[base]
        results[base]["int8"] = results.pop(name) | {"agreement_with_float": equal / n, "disagreements": n - equal, "compared": n}
    main = results.pop(setting.name)
    if results:
        main["parts"] = results
    return main


def user_dependent(setting: Setting, pretrained, target: Arrays, splits: int = UD_SPLITS, repeats: int = UD_REPEATS, held_out: int = UD_HELD_OUT, seed: int = 0, progress: bool = True, cache: Path | None = None, int8: bool = False) -> dict:
    """15 runs (5 random 200-recording held-out sets x 3 trainings); mean and std.
    ``int8=True``: each run's networks on the device path too (:func:`fold_predictions`)."""
    accs: dict = {}
    conf: dict = {}
    agree: dict = {}
    rng = np.random.default_rng(seed)
    held_out = min(held_out, len(target) // 2)
    for s in range(splits):
        test_idx = np.sort(rng.choice(len(target), size=held_out, replace=False))
        train_idx = np.setdiff1d(np.arange(len(target)), test_idx)
        test = target.take(test_idx)
        for r in range(repeats):
            preds = cached_fold(cache, setting, pretrained, target.take(train_idx), test, seed=1000 * s + r, progress=progress, int8=int8)
            _agreement(preds, agree)
            for name, pred in preds.items():
                accs.setdefault(name, []).append(float(np.mean(pred == test.y)))
                conf[name] = conf.get(name, 0) + confusion(test.y, pred)
    res = {}
    for name, a in accs.items():
        a = np.array(a)
        res[name] = {"mean": float(a.mean()), "std": float(a.std()), "runs": a.tolist(), "confusion": conf[name].tolist()}
    return _split_results(setting, res, agree)


def user_independent(setting: Setting, pretrained, target: Arrays, seed: int = 0, users: list[str] | None = None, progress: bool = True, cache: Path | None = None, int8: bool = False,
                     calibrate: tuple = ()) -> dict:
    """Leave one user out for every user (or the given ``users``).
    ``int8=True``: each fold's networks on the device path too (:func:`fold_predictions`).
    ``calibrate=(K, ...)`` (device path): also the device's few-shot calibration with K
    recordings per letter of the held-out user (``nets.calibration``), under
    ``calibrated[K]``; each fold's seed picks the calibration recordings."""
    from . import calibration

    per_user: dict = {}
    conf: dict = {}
    agree: dict = {}
    cal_users: dict = {k: {} for k in calibrate}
    int8 = int8 or bool(calibrate)
    everyone = sorted(set(target.group.tolist()))
    for n, u in enumerate(users if users is not None else everyone):
        k = everyone.index(u) if users is not None and u in everyone else n  # a user's fold seed does not depend on the others
        test_mask = target.group == u
        test = target.take(np.flatnonzero(test_mask))
        preds, dev = split_device_data(cached_fold(cache, setting, pretrained, target.take(np.flatnonzero(~test_mask)), test, seed=seed + k,
                                                   progress=progress, int8=int8, device_data=bool(calibrate)))
        for K in calibrate:
            feats = tuple(dev["features." + p.kind] for p in members(setting))
            cal_users[K][u] = calibration.calibrate_user(feats, dev["scores"], test.y, K, seed=1000 * (seed + k) + K)
            if progress:
                r = cal_users[K][u]
                print(f"  {u} calibrate {K}: {100 * r['uncalibrated']:.1f} % -> {100 * r['calibrated']:.1f} % "
                      f"(unguarded {100 * r['unguarded']:.1f} %, uncalibrated among the calibrated letters "
                      f"{100 * r['uncalibrated_calibrated_letters_only']:.1f} %; {r['leave_one_out']['message']}; {r['flagged']} flagged)", flush=True)
        _agreement(preds, agree)
        for name, pred in preds.items():
            per_user.setdefault(name, {})[u] = float(np.mean(pred == test.y))
            conf[name] = conf.get(name, 0) + confusion(test.y, pred)
    res = {}
    for name, pu in per_user.items():
        vals = np.array(list(pu.values()))
        res[name] = {"mean": float(vals.mean()), "std": float(vals.std()), "per_user": pu, "confusion": conf[name].tolist()}
    main = _split_results(setting, res, agree)
    if calibrate:
        main["calibrated"] = {K: calibration.summarise(pu) for K, pu in cal_users.items()}
    return main


# ---------------------------------------------------------------------------------------
# The device signal network: trained on the golden ``signals`` stage, standardised per channel
# ---------------------------------------------------------------------------------------
#: Adam 1e-3, batch 64, early stopping after 5 epochs without a better validation accuracy.
SIGNAL_FIT = T.FitConfig(lr=0.001, batch=64, max_epochs=30, patience=5)


def signal_norm(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (mean, std) of (N, steps, 9) signals, float64 in the signals' units."""
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=(0, 1)), X.std(axis=(0, 1)) + 1e-8


def train_signal_net(X, y, train_idx, test_idx, seed: int, quick: bool = False, progress: bool = False, desc: str = "signal net", val_idx=None):
    """Train the device signal network (``models.signal_net``) on ``train_idx`` (10 % held out for early stopping unless
    ``val_idx`` is given) -> (test probabilities (n, 26), model, (mean, std))."""
    if val_idx is None:
        tr_rel, va_rel = T.split_validation(len(train_idx), VALIDATION_FRACTION, np.random.default_rng(seed))
        tr, va = train_idx[tr_rel], train_idx[va_rel]
    else:
        tr, va = train_idx, val_idx
    mean, std = signal_norm(X[tr])
    model = build("signal", X.shape[1], X.shape[2], seed=seed)
    cfg = T.quick(SIGNAL_FIT, 2) if quick else SIGNAL_FIT
    T.fit(model, standardise_signals(X[tr], mean, std), y[tr], standardise_signals(X[va], mean, std), y[va], cfg, seed, progress, desc)
    probs = T.predict_proba(model, standardise_signals(X[test_idx], mean, std)) if len(test_idx) else np.zeros((0, 26))
    return probs, model, (mean, std)
