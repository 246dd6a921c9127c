"""The paper's two networks, built with ``tf_keras`` (legacy Keras 2) so they convert to int8.

Why ``tf_keras`` and not Keras 3: the TFLite converter segfaults on Keras 3 LSTM layers when
asked for full-int8 conversion, while the same model built with ``tf_keras`` converts to
``UNIDIRECTIONAL_SEQUENCE_LSTM`` ops that TFLite-Micro runs.  Importing this module therefore
sets ``TF_USE_LEGACY_KERAS=1`` *before* TensorFlow is imported, and refuses to load if
TensorFlow was already imported with Keras 3 (the choice is made once per process).

Networks (paper: Rey and Muller, SmartGloveXfer):

* :func:`paper_lstm` -- ``Bidirectional(LSTM(50))`` + ``Dense(26, softmax)`` on a (100, 2)
  point sequence: 2 x 10,600 + 2,626 = **23,826** parameters.  The dense layer reads the
  concatenated final hidden states of the two directions (``return_sequences=False``).
* :func:`paper_cnn` -- ``Conv2D(32, 3x3, relu) - MaxPool(2) - Conv2D(64, 3x3, relu) -
  MaxPool(2) - Flatten - Dense(128, relu) - Dense(26, softmax)`` on a 28x28x1 image, valid
  padding: **227,098** parameters.

How the BiLSTM becomes TFLite-Micro-convertible (measured with tensorflow 2.21 / tf_keras
2.21 / tflite-micro 0.dev20261023):

* a genuine ``tf_keras`` ``Bidirectional(LSTM(50))`` is kept, so training is exactly a
  BiLSTM's (no re-implementation of the backward direction);
* what breaks conversion is not the bidirectional wrapper but the *dynamic batch
  dimension*: with ``batch=None`` the converter cannot fuse the LSTM loop
  ("tf.TensorListReserve requires element_shape to be static") -- for a plain LSTM too.
  :mod:`glovexfer.nets.tflite` therefore converts through a concrete function with a fixed
  batch of 1 (the device classifies one letter at a time); the training model keeps
  ``batch=None``;
* the converted graph is ``REVERSE_V2 -> UNIDIRECTIONAL_SEQUENCE_LSTM -> STRIDED_SLICE``
  (backward direction), ``UNIDIRECTIONAL_SEQUENCE_LSTM -> STRIDED_SLICE`` (forward),
  ``CONCATENATION -> FULLY_CONNECTED (-> SOFTMAX)``.  ``REVERSE_V2`` *is* registered in
  TFLite-Micro (``MicroMutableOpResolver::AddReverseV2``, kernels/reverse.cc, int8 allowed)
  and is a pure data movement, so no second input or input-pipeline reversal is needed.
  (Measured alternatives: two LSTMs with a ``tf.reverse`` Lambda also give ``REVERSE_V2``;
  ``tf.gather`` with a fixed permutation gives ``GATHER`` with int64 indices, which TFLM
  rejects; a second, pre-reversed input avoids the op but burdens the firmware's input
  pipeline.)
"""

from __future__ import annotations

import os
import sys

import numpy as np

_LEGACY_VALUES = ("1", "true", "True")


def _import_legacy_tf():
    """Import TensorFlow with ``tf.keras`` routed to ``tf_keras``; fail clearly otherwise."""
    tf_mod = sys.modules.get("tensorflow")
    if tf_mod is None:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter off the console
    else:
        uses_legacy = getattr(tf_mod, "_tf_uses_legacy_keras", None)
        keras_loader = tf_mod.__dict__.get("keras")
        resolved = getattr(keras_loader, "__dict__", {}).get("_tfll_keras_version")
        if uses_legacy is False or resolved == "keras_3":
            raise ImportError(
                "glovexfer.nets.models needs TensorFlow with legacy Keras (tf_keras), but "
                "tensorflow was already imported in this process with Keras 3 "
                "(TF_USE_LEGACY_KERAS was not set). Keras 3 LSTMs crash the TFLite int8 "
                "converter. Import glovexfer.nets.models (or set TF_USE_LEGACY_KERAS=1) "
                "before anything imports tensorflow."
            )
    import tensorflow as tf
    import tf_keras as keras

    return tf, keras


tf, keras = _import_legacy_tf()
layers = keras.layers

# ---------------------------------------------------------------------------------------
# Paper configuration
# ---------------------------------------------------------------------------------------
N_CLASSES = 26
SEQ_LEN = 100
SEQ_FEATURES = 2
IMG_SIZE = 28

PAPER_LSTM_UNITS = 50
PAPER_CNN_FILTERS = (32, 64)
PAPER_CNN_DENSE = 128
PAPER_LSTM_LR = 0.01
PAPER_CNN_LR = 0.001

PAPER_LSTM_PARAMS = 23_826
PAPER_CNN_PARAMS = 227_098


def lstm_model(
    units: int = PAPER_LSTM_UNITS,
    *,
    bidirectional: bool = True,
    n_classes: int = N_CLASSES,
    seq_len: int = SEQ_LEN,
    n_features: int = SEQ_FEATURES,
    dropout: float = 0.0,
    batch_size: int | None = None,
    name: str = "lstm",
):
    """(Bi)LSTM classifier on a (seq_len, n_features) sequence; the final states feed a softmax.

    ``dropout`` (between the recurrent block and the dense layer; a no-op at inference, so it
    does not appear in the converted model) leaves room for a tuned configuration.  Only
    recurrent options that keep the fused TFLite LSTM (tanh/sigmoid, no recurrent dropout
    at inference) are exposed.
    """
    inp = keras.Input((seq_len, n_features), batch_size=batch_size, name="points")
    cell = layers.LSTM(units, name="lstm")
    x = layers.Bidirectional(cell, merge_mode="concat", name="bilstm")(inp) if bidirectional else cell(inp)
    if dropout > 0:
        x = layers.Dropout(dropout, name="dropout")(x)
    out = layers.Dense(n_classes, activation="softmax", name="letter")(x)
    return keras.Model(inp, out, name=name)


def cnn_model(
    filters: tuple[int, ...] = PAPER_CNN_FILTERS,
    dense: int = PAPER_CNN_DENSE,
    *,
    kernel: int = 3,
    n_classes: int = N_CLASSES,
    img_size: int = IMG_SIZE,
    dropout: float = 0.0,
    batch_size: int | None = None,
    name: str = "cnn",
):
    """Conv(relu)-MaxPool(2) blocks, Flatten, Dense(relu), Dense(softmax); valid padding."""
    inp = keras.Input((img_size, img_size, 1), batch_size=batch_size, name="image")
    x = inp
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, kernel, activation="relu", padding="valid", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, activation="relu", name="hidden")(x)
    if dropout > 0:
        x = layers.Dropout(dropout, name="dropout")(x)
    out = layers.Dense(n_classes, activation="softmax", name="letter")(x)
    return keras.Model(inp, out, name=name)


def paper_lstm(batch_size: int | None = None):
    """The paper's BiLSTM(50) + Dense(26, softmax) on (100, 2): 23,826 parameters."""
    return lstm_model(PAPER_LSTM_UNITS, batch_size=batch_size, name="paper_lstm")


def paper_cnn(batch_size: int | None = None):
    """The paper's CNN on 28x28x1: 227,098 parameters."""
    return cnn_model(PAPER_CNN_FILTERS, PAPER_CNN_DENSE, batch_size=batch_size, name="paper_cnn")


def compile_model(model, lr: float):
    """Adam(lr) + categorical cross-entropy + accuracy (paper: LSTM lr 0.01, CNN lr 0.001).

    Labels are one-hot (``keras.utils.to_categorical(y, 26)``).
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# ---------------------------------------------------------------------------------------
# The device signal network
# ---------------------------------------------------------------------------------------
#: Conv2D (1 x k) on the (1, 32, 9) golden signals: two Conv(64, 1x5) - MaxPool(1x2) - two
#: Conv(128, 1x3) - AveragePool(1x16) - Dropout(0.3) - Dense(26), batch normalisation *before*
#: each ReLU so that it folds into the convolution for int8 export (``fold_signal_net``).  Every
#: layer maps to a TFLite-Micro builtin the golden model and the firmware run (CONV_2D,
#: MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED).
SIGNAL_NET_LAYERS = ((64, 5), (64, 5), (128, 3), (128, 3))
SIGNAL_NET_POOL_AFTER = 1


def signal_net(steps: int = 32, channels: int = 9, folded: bool = False):
    """The device signal network on (1, steps, channels); ``folded``: the inference form
    without batch normalisation (weights from ``fold_signal_net``)."""
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
