"""Training loop shared by every model and protocol: Adam, categorical cross-entropy,
early stopping on a validation split with the best weights restored, a progress bar.

Keras is imported lazily (``glovexfer.nets.models`` selects tf_keras, which converts the
LSTM to int8 TFLite); nothing here depends on which network is trained.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import N_CLASSES


@dataclass(frozen=True)
class FitConfig:
    """Optimiser settings (paper: LSTM lr 0.01, batch 32 pretrain / 64 fine-tune, up to 500
    epochs; CNN lr 0.001, batch 32, up to 200 epochs; patience 30 epochs)."""

    lr: float
    batch: int
    max_epochs: int
    patience: int = 30


PAPER_LSTM_PRETRAIN = FitConfig(lr=0.01, batch=32, max_epochs=500)
PAPER_LSTM_FINETUNE = FitConfig(lr=0.01, batch=64, max_epochs=500)
PAPER_CNN_PRETRAIN = FitConfig(lr=0.001, batch=32, max_epochs=200)
PAPER_CNN_FINETUNE = FitConfig(lr=0.001, batch=32, max_epochs=200)
# best: the same pretraining; fine-tuning at a tenth of the pretraining rate (LSTM) /
# about a third (CNN), so that a fold's few target users adjust the pretrained features
# instead of overwriting them (at the paper's rate, fine-tuning did not beat source-only
# on unseen users: docs/results.md).
BEST_LSTM_FINETUNE = FitConfig(lr=0.001, batch=64, max_epochs=500)
BEST_CNN_FINETUNE = FitConfig(lr=0.0003, batch=32, max_epochs=200)


def quick(cfg: FitConfig, epochs: int = 3) -> FitConfig:
    """The same code path with a handful of epochs (CI's --quick mode)."""
    return FitConfig(cfg.lr, cfg.batch, min(cfg.max_epochs, epochs), min(cfg.patience, epochs))


def one_hot(y: np.ndarray) -> np.ndarray:
    return np.eye(N_CLASSES, dtype=np.float32)[np.asarray(y)]


def _progress_callback(total: int, desc: str):
    from tqdm import tqdm

    from .models import keras

    class Bar(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = tqdm(total=total, desc=desc, unit="epoch", leave=False)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.bar.set_postfix(loss=f"{logs.get('loss', 0):.3f}", val_acc=f"{logs.get('val_accuracy', 0):.3f}")
            self.bar.update(1)

        def on_train_end(self, logs=None):
            self.bar.close()

    return Bar()


def split_validation(n: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random (train, validation) index split; at least one example in each part."""
    idx = rng.permutation(n)
    n_val = min(max(1, int(round(n * fraction))), n - 1)
    return np.sort(idx[n_val:]), np.sort(idx[:n_val])


def seed_everything(seed: int) -> None:
    """Python's, NumPy's and TensorFlow's random generators from ``seed``, deterministic ops.

    Called before a network is built (its initial weights) and again before it is fitted
    (shuffling, dropout): a network made from the same data and seed then gets the same
    weights whatever ran before it in the process (docs/results-chen2021.md, section 4)."""
    from .models import keras, tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def fit(model, x_train, y_train, x_val, y_val, cfg: FitConfig, seed: int = 0, progress: bool = True, desc: str = "train") -> dict:
    """Compile ``model`` with Adam(cfg.lr) and train with early stopping on (x_val, y_val).

    ``x_*`` is whatever the model takes (an array or a list of arrays).  Returns a small
    history dict: epochs run, best epoch, best validation accuracy.
    """
    from .models import keras

    seed_everything(seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=cfg.lr), loss="categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=cfg.patience, restore_best_weights=True, mode="max")
    callbacks = [stop]
    if progress:
        callbacks.append(_progress_callback(cfg.max_epochs, desc))
    hist = model.fit(
        x_train,
        one_hot(y_train),
        validation_data=(x_val, one_hot(y_val)),
        epochs=cfg.max_epochs,
        batch_size=cfg.batch,
        shuffle=True,
        verbose=0,
        callbacks=callbacks,
    )
    val = hist.history.get("val_accuracy", [0.0])
    return {"epochs": len(val), "best_epoch": int(np.argmax(val)) + 1, "best_val_accuracy": float(np.max(val))}


def predict_proba(model, x, batch: int = 256) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch, verbose=0))
