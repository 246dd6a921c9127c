"""TFLite conversion of the tf_keras networks: full-integer int8 (for TFLite-Micro and the
firmware) and float32 (reference).

Decisions (measured with tensorflow 2.21 / tf_keras 2.21 / tflite-micro 0.dev20261023):

* **Fixed batch of 1.**  The models are converted through a ``tf.function`` whose input
  signature has batch 1.  With a dynamic batch the converter cannot fuse Keras LSTMs into
  ``UNIDIRECTIONAL_SEQUENCE_LSTM`` (TensorList lowering error); the device classifies one
  letter per inference anyway.
* **Full integer.**  ``Optimize.DEFAULT`` + representative data + ``TFLITE_BUILTINS_INT8``,
  int8 input and output tensors.  The converter quantises conv and dense weights
  per output channel, LSTM weights per tensor (int8), LSTM cell state int16.
* **Logits, not softmax, by default.**  The int8 model ends at the last ``FULLY_CONNECTED``
  (int8 logits); the device takes ``argmax``.  Reasons: the class decision is the same
  (softmax is monotonic), int8 softmax output (scale 1/256, zero point -128) ties or
  saturates for confident inputs so argmax over it is *less* precise, and it is one kernel
  fewer for the firmware.  ``keep_softmax=True`` keeps the int8 ``SOFTMAX`` op; the golden
  model implements it bit-exactly as well (tested), so either choice stays open.
* **Only TFLite-Micro ops** (:data:`SUPPORTED_OPS`: the ops the golden model implements and
  TFLM registers); :func:`to_int8_tflite` raises if the converter produced anything else.
"""

from __future__ import annotations

import numpy as np

from ..golden.network import parse_model
from .models import keras, tf

#: Builtin ops that both TFLite-Micro and the golden model (``glovexfer.golden``) run in int8.
SUPPORTED_OPS = frozenset(
    {
        "CONV_2D",
        "MAX_POOL_2D",
        "AVERAGE_POOL_2D",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "REVERSE_V2",
        "STRIDED_SLICE",
        "CONCATENATION",
    }
)


class UnsupportedOpsError(RuntimeError):
    """The converted model contains ops outside :data:`SUPPORTED_OPS`."""


def op_names(tflite_bytes: bytes) -> list[str]:
    """Builtin op names of a .tflite model, in execution order (e.g. ``['CONV_2D', ...]``)."""
    return [op.name for op in parse_model(tflite_bytes).ops]


def check_supported(tflite_bytes: bytes) -> list[str]:
    """Return :func:`op_names`; raise :class:`UnsupportedOpsError` for an op TFLM/golden lack."""
    names = op_names(tflite_bytes)
    bad = sorted(set(names) - SUPPORTED_OPS)
    if bad:
        raise UnsupportedOpsError(f"ops not supported by TFLite-Micro/golden: {bad} (all: {names})")
    return names


def unify_lstm_state_quantization(tflite_bytes: bytes) -> bytes:
    """Give each LSTM's hidden-state variable the (scale, zero point) of the LSTM's output.

    TFLite-Micro quantises the hidden state with the *state variable's* parameters and then
    copies its bytes to the op output, which downstream ops read with the *output tensor's*
    parameters.  The converter calibrates the two separately, so they differ (e.g. scale
    0.00115 / zp -14 vs 0.00144 / zp -37), and the network's int8 output is skewed.  This
    rewrites the flatbuffer so both agree; the semantics of every op stay TFLM's.
    """
    import flatbuffers

    from ..golden.network import _schema

    fb = _schema()
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(bytearray(tflite_bytes), 0))
    names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    changed = False
    for sg in model.subgraphs:
        for op in sg.operators:
            oc = model.operatorCodes[op.opcodeIndex]
            if names.get(max(oc.builtinCode, oc.deprecatedBuiltinCode)) != "UNIDIRECTIONAL_SEQUENCE_LSTM":
                continue
            hidden = sg.tensors[op.inputs[18]]
            out = sg.tensors[op.outputs[0]]
            if hidden.type != out.type or out.quantization is None or hidden.quantization is None:
                continue
            hidden.quantization.scale = np.array(out.quantization.scale, dtype=np.float32)
            hidden.quantization.zeroPoint = np.array(out.quantization.zeroPoint, dtype=np.int64)
            changed = True
    if not changed:
        return bytes(tflite_bytes)
    builder = flatbuffers.Builder(len(tflite_bytes) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def add_metadata(tflite_bytes: bytes, name: str, data: bytes) -> bytes:
    """``tflite_bytes`` with one more metadata entry ``name`` holding ``data`` (a new buffer).

    TFLite-Micro ignores metadata it does not know; the golden model reads it
    (``Int8Network.metadata``).  An existing entry of the same name is replaced.
    """
    import flatbuffers

    from ..golden.network import _schema

    fb = _schema()
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(bytearray(tflite_bytes), 0))
    buf = fb.BufferT()
    buf.data = np.frombuffer(bytes(data), dtype=np.uint8).copy()
    model.buffers.append(buf)
    entry = fb.MetadataT()
    entry.name = name
    entry.buffer = len(model.buffers) - 1
    keep = [m for m in (model.metadata or []) if (m.name.decode() if isinstance(m.name, bytes) else str(m.name)) != name]
    model.metadata = keep + [entry]
    builder = flatbuffers.Builder(len(tflite_bytes) + len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def logits_model(model):
    """The same network without its final softmax (shares the trained layers and weights).

    Handles a last ``Dense(..., activation='softmax')`` (rebuilt with a linear activation and
    the same weights) and a last ``Softmax``/``Activation('softmax')`` layer.  A model without
    a final softmax is returned unchanged.
    """
    last = model.layers[-1]
    softmax = keras.activations.softmax
    if isinstance(last, keras.layers.Dense) and last.activation is softmax:
        cfg = last.get_config()
        cfg["activation"] = "linear"
        cfg["name"] = last.name + "_logits"
        dense = keras.layers.Dense.from_config(cfg)
        out = dense(last.input)
        dense.set_weights(last.get_weights())
        return keras.Model(model.inputs, out, name=model.name + "_logits")
    if isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and last.activation is softmax
    ):
        return keras.Model(model.inputs, last.input, name=model.name + "_logits")
    return model


def _fixed_batch_function(model):
    """Concrete inference function with batch 1 (needed to fuse LSTMs)."""
    specs = [tf.TensorSpec([1, *inp.shape[1:]], tf.float32, name=f"input_{i}") for i, inp in enumerate(model.inputs)]

    if len(specs) == 1:

        @tf.function(input_signature=specs)
        def infer(x):
            return model(x, training=False)

    else:

        @tf.function(input_signature=specs)
        def infer(*xs):
            return model(list(xs), training=False)

    return infer.get_concrete_function()


def _pick(representative: np.ndarray, n_rep: int, seed: int) -> np.ndarray:
    rep = np.asarray(representative, dtype=np.float32)
    if rep.ndim < 2:
        raise ValueError(f"representative data must be (N, ...) examples, got shape {rep.shape}")
    if len(rep) > n_rep:
        idx = np.sort(np.random.default_rng(seed).choice(len(rep), n_rep, replace=False))
        rep = rep[idx]
    return rep


def to_int8_tflite(
    model,
    representative: np.ndarray,
    n_rep: int = 200,
    *,
    keep_softmax: bool = False,
    unify_lstm_state: bool = False,
    seed: int = 0,
    check_ops: bool = True,
) -> bytes:
    """Full-integer int8 .tflite of ``model`` (int8 input and output, batch 1).

    ``representative``: float examples shaped like the model input, batch axis first, e.g.
    (N, 100, 2) or (N, 28, 28, 1); ``n_rep`` of them (a seeded random subset)
    calibrate the activation ranges.  ``keep_softmax=False`` (default) drops the final
    softmax: the int8 output is then the logits (argmax on the device).
    ``unify_lstm_state=True`` applies :func:`unify_lstm_state_quantization` (off by default:
    on a briefly trained paper BiLSTM it moved int8/float argmax agreement only from 97.6 %
    to 97.8 %, and the unmodified converter output is what TFLM is usually given).
    """
    net = model if keep_softmax else logits_model(model)
    rep = _pick(representative, n_rep, seed)
    expected = tuple(net.inputs[0].shape[1:])
    if tuple(rep.shape[1:]) != expected:
        raise ValueError(f"representative examples have shape {rep.shape[1:]}, the model wants {expected}")

    def gen():
        for i in range(len(rep)):
            yield [rep[i : i + 1]]

    conv = tf.lite.TFLiteConverter.from_concrete_functions([_fixed_batch_function(net)], net)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = gen
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    out = bytes(conv.convert())
    if unify_lstm_state:
        out = unify_lstm_state_quantization(out)
    if check_ops:
        check_supported(out)
    return out


def to_float_tflite(model, *, keep_softmax: bool = True) -> bytes:
    """Float32 .tflite of ``model`` (batch 1), the float reference of the int8 model."""
    net = model if keep_softmax else logits_model(model)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([_fixed_batch_function(net)], net)
    return bytes(conv.convert())


def signal_int8(model, norm, X_rep, n_rep: int = 300, seed: int = 0) -> bytes:
    """int8 .tflite of a trained ``signal_net``: batch norm folded (``fold_signal_net``), full
    int8 conversion calibrated on ``n_rep`` of the (N, 32, 9) signals ``X_rep``, and the
    standardisation ``norm = (mean, std)`` stored as metadata
    (``golden.signals.SIGNAL_NORM_METADATA``) for the device's input quantiser."""
    from ..golden.signals import SIGNAL_NORM_METADATA, norm_metadata
    from .datasets import standardise_signals
    from .models import fold_signal_net

    mean, std = norm
    b = to_int8_tflite(fold_signal_net(model), standardise_signals(X_rep, mean, std), n_rep, seed=seed)
    return add_metadata(b, SIGNAL_NORM_METADATA, norm_metadata(mean, std))
