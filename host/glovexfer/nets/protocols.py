"""The paper's evaluation protocols and the transfer-learning baselines.

Settings (``SETTINGS``), each a network kind plus which phases run:

=====================  ======  =========  =========
name                   kind    pretrain   fine-tune
=====================  ======  =========  =========
paper_lstm             lstm    source     target
paper_cnn              cnn     source     target
target_only_lstm       lstm    --         target
source_only_lstm       lstm    source     --
=====================  ======  =========  =========

Pretraining runs once per setting on the source writers (DigiLeTs, never the target
writers) and its weights are reused by every fold.  Fine-tuning starts from them and trains
on the fold's target training recordings, with 10 % of those held out for early stopping.

Protocols (as in the paper):

* ``ud`` user-dependent: 200 random target recordings held out; the rest of the target
  set fine-tunes the source-pretrained model; 5 splits x 3 trainings = 15 runs; mean, std.
* ``ui`` user-independent: leave one user out, for every user; mean and per-user accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import train as T
from .datasets import Arrays


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # "lstm" | "cnn"
    pretrain: bool
    finetune: bool
    pretrain_cfg: T.FitConfig
    finetune_cfg: T.FitConfig


SETTINGS = {
    "paper_lstm": Setting("paper_lstm", "lstm", True, True, T.PAPER_LSTM_PRETRAIN, T.PAPER_LSTM_FINETUNE),
    "paper_cnn": Setting("paper_cnn", "cnn", True, True, T.PAPER_CNN_PRETRAIN, T.PAPER_CNN_FINETUNE),
    "target_only_lstm": Setting("target_only_lstm", "lstm", False, True, T.PAPER_LSTM_PRETRAIN, T.PAPER_LSTM_FINETUNE),
    "source_only_lstm": Setting("source_only_lstm", "lstm", True, False, T.PAPER_LSTM_PRETRAIN, T.PAPER_LSTM_FINETUNE),
}

UD_HELD_OUT = 200
UD_SPLITS = 5
UD_REPEATS = 3
VALIDATION_FRACTION = 0.1


def quick_setting(s: Setting, epochs: int = 2) -> Setting:
    return replace(s, pretrain_cfg=T.quick(s.pretrain_cfg, epochs), finetune_cfg=T.quick(s.finetune_cfg, epochs))


def build(kind: str):
    from . import models

    if kind == "lstm":
        return models.paper_lstm()
    if kind == "cnn":
        return models.paper_cnn()
    raise ValueError(f"unknown network kind '{kind}' (lstm, cnn)")


def inputs(kind: str, a: Arrays):
    """What a network of ``kind`` reads from an ``Arrays`` bundle."""
    return a.seq if kind == "lstm" else a.img[..., None]


def pretrain(setting: Setting, source: Arrays, seed: int = 0, progress: bool = True):
    """Train a fresh network on the source set (10 % of it for early stopping)."""
    model = build(setting.kind)
    tr, va = T.split_validation(len(source), VALIDATION_FRACTION, np.random.default_rng(seed))
    x = inputs(setting.kind, source)
    hist = T.fit(model, x[tr], source.y[tr], x[va], source.y[va], setting.pretrain_cfg, seed, progress, f"pretrain {setting.name}")
    return model, hist


def finetune(setting: Setting, pretrained_weights, train_set: Arrays, seed: int, progress: bool = True):
    """A network for one fold: the pretrained weights (if any), then training on ``train_set``."""
    model = build(setting.kind)
    if pretrained_weights is not None:
        model.set_weights(pretrained_weights)
    if not setting.finetune:
        return model
    tr, va = T.split_validation(len(train_set), VALIDATION_FRACTION, np.random.default_rng(seed))
    x = inputs(setting.kind, train_set)
    T.fit(model, x[tr], train_set.y[tr], x[va], train_set.y[va], setting.finetune_cfg, seed, progress, f"fine-tune {setting.name}")
    return model


def accuracy(model, kind: str, test: Arrays) -> tuple[float, np.ndarray]:
    pred = np.argmax(T.predict_proba(model, inputs(kind, test)), axis=1)
    return float(np.mean(pred == test.y)), pred


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int = 26) -> np.ndarray:
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def user_dependent(setting: Setting, pretrained_weights, target: Arrays, splits: int = UD_SPLITS, repeats: int = UD_REPEATS, held_out: int = UD_HELD_OUT, seed: int = 0, progress: bool = True) -> dict:
    """15 runs (5 random 200-recording held-out sets x 3 trainings); mean and std."""
    accs, conf = [], np.zeros((26, 26), dtype=np.int64)
    rng = np.random.default_rng(seed)
    held_out = min(held_out, len(target) // 2)
    for s in range(splits):
        test_idx = np.sort(rng.choice(len(target), size=held_out, replace=False))
        train_idx = np.setdiff1d(np.arange(len(target)), test_idx)
        for r in range(repeats):
            model = finetune(setting, pretrained_weights, target.take(train_idx), seed=1000 * s + r, progress=progress)
            acc, pred = accuracy(model, setting.kind, target.take(test_idx))
            accs.append(acc)
            conf += confusion(target.y[test_idx], pred)
    a = np.array(accs)
    return {"mean": float(a.mean()), "std": float(a.std()), "runs": a.tolist(), "confusion": conf.tolist()}


def user_independent(setting: Setting, pretrained_weights, target: Arrays, seed: int = 0, users: list[str] | None = None, progress: bool = True) -> dict:
    """Leave one user out for every user (or the given ``users``)."""
    per_user, conf = {}, np.zeros((26, 26), dtype=np.int64)
    for k, u in enumerate(users if users is not None else sorted(set(target.group.tolist()))):
        test = target.group == u
        model = finetune(setting, pretrained_weights, target.take(np.flatnonzero(~test)), seed=seed + k, progress=progress)
        acc, pred = accuracy(model, setting.kind, target.take(np.flatnonzero(test)))
        per_user[u] = acc
        conf += confusion(target.y[test], pred)
    vals = np.array(list(per_user.values()))
    return {"mean": float(vals.mean()), "std": float(vals.std()), "per_user": per_user, "confusion": conf.tolist()}
