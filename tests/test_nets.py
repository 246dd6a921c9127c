"""The paper's networks (tf_keras), their int8/float TFLite conversion and the TFLM wrapper.

Needs tensorflow, tf_keras and tflite-micro (the ``train`` extra); skips cleanly without them.
Each model is converted once per module (module-scoped fixtures, random weights).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

_MISSING = [m for m in ("tensorflow", "tf_keras", "tflite_micro") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f"needs {', '.join(_MISSING)} (pip install 'glovexfer[train]')")

# the paper topologies as the firmware knows them (export/model_data.py)
from glovexfer.export.model_data import CNN_OPS, LSTM_OPS  # noqa: E402


@pytest.fixture(scope="module")
def M():
    from glovexfer.nets import models

    models.tf.random.set_seed(0)
    return models


@pytest.fixture(scope="module")
def lstm(M):
    return M.paper_lstm()


@pytest.fixture(scope="module")
def cnn(M):
    return M.paper_cnn()


@pytest.fixture(scope="module")
def rep():
    rng = np.random.default_rng(0)
    seq = np.cumsum(rng.normal(0, 0.02, (64, 100, 2)), axis=1) + 0.5
    img = rng.random((64, 28, 28, 1)) ** 4
    return np.clip(seq, 0, 1).astype(np.float32), img.astype(np.float32)


@pytest.fixture(scope="module")
def lstm_int8(lstm, rep):
    from glovexfer.nets.tflite import to_int8_tflite

    return to_int8_tflite(lstm, rep[0], n_rep=32)


@pytest.fixture(scope="module")
def cnn_int8(cnn, rep):
    from glovexfer.nets.tflite import to_int8_tflite

    return to_int8_tflite(cnn, rep[1], n_rep=32)


# ---------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------
def test_paper_parameter_counts(M, lstm, cnn):
    assert lstm.count_params() == M.PAPER_LSTM_PARAMS == 23_826
    assert cnn.count_params() == M.PAPER_CNN_PARAMS == 227_098
    bi = lstm.get_layer("bilstm")
    assert bi.forward_layer.count_params() == bi.backward_layer.count_params() == 10_600
    assert lstm.get_layer("letter").count_params() == 2_626
    assert [layer.count_params() for layer in cnn.layers if layer.count_params()] == [320, 18_496, 204_928, 3_354]


def test_model_structures(M, lstm, cnn):
    assert tuple(lstm.input_shape) == (None, 100, 2) and tuple(lstm.output_shape) == (None, 26)
    bi = lstm.get_layer("bilstm")
    assert isinstance(bi, M.keras.layers.Bidirectional) and bi.merge_mode == "concat"
    assert bi.forward_layer.units == 50 and not bi.forward_layer.return_sequences
    assert bi.backward_layer.go_backwards
    assert tuple(lstm.get_layer("letter").input_shape) == (None, 100)  # concatenated final states
    assert tuple(cnn.input_shape) == (None, 28, 28, 1) and tuple(cnn.output_shape) == (None, 26)
    assert tuple(cnn.get_layer("flatten").output_shape) == (None, 1600)
    for name in ("conv1", "conv2"):
        layer = cnn.get_layer(name)
        assert layer.padding == "valid" and layer.kernel_size == (3, 3) and layer.activation.__name__ == "relu"
    assert cnn.get_layer("letter").activation.__name__ == "softmax"


def test_builders_leave_room_for_a_tuned_configuration(M):
    small = M.lstm_model(16, bidirectional=False, dropout=0.2)
    assert small.count_params() == 4 * (16 * (2 + 16) + 16) + 16 * 26 + 26
    wide = M.cnn_model((8, 16), 32)
    assert tuple(wide.output_shape) == (None, 26)


def test_compile_model_and_a_training_step(M):
    model = M.compile_model(M.lstm_model(4, seq_len=10, name="tiny"), M.PAPER_LSTM_LR)
    assert model.optimizer.__class__.__name__ == "Adam"
    assert np.isclose(float(model.optimizer.learning_rate.numpy()), 0.01)
    assert model.loss == "categorical_crossentropy"
    rng = np.random.default_rng(0)
    x = rng.random((16, 10, 2)).astype(np.float32)
    y = M.keras.utils.to_categorical(rng.integers(0, 26, 16), 26)
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    cnn = M.compile_model(M.cnn_model((4, 4), 8, name="tinycnn"), M.PAPER_CNN_LR)
    assert np.isclose(float(cnn.optimizer.learning_rate.numpy()), 0.001)


_TRAIN_ONCE = textwrap.dedent(
    """
    import hashlib, sys
    import numpy as np
    from glovexfer.nets import models, protocols as P, train as T

    if sys.argv[1] == "disturbed":  # earlier work in the process moves the generators
        models.tf.random.uniform((7,)); np.random.random(3); P.build("cnn", seed=5)
    model = P.build("lstm", seed=0)
    first = hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 100, 2)).astype(np.float32)
    y = rng.integers(0, 26, 48)
    T.fit(model, x[:40], y[:40], x[40:], y[40:], T.FitConfig(lr=1e-3, batch=8, max_epochs=2, patience=2), 0, False)
    print("WEIGHTS", first, hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest())
    """
)


def test_a_training_is_reproducible_across_processes():
    """Initial weights from the seed, not from the process's history: the same small fit in
    two fresh processes, one of them after unrelated random work, gives the same weights
    before and after training (the real-data protocols' reruns depend on it)."""
    env = dict(__import__("os").environ, TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    runs = []
    for mode in ("fresh", "disturbed"):
        out = subprocess.run([sys.executable, "-c", _TRAIN_ONCE, mode], check=False, capture_output=True, text=True, env=env, timeout=600)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("WEIGHTS ")]
        assert out.returncode == 0 and lines, out.stdout + out.stderr[-2000:]
        runs.append(lines[0].split()[1:])
    assert runs[0] == runs[1]


def test_import_fails_clearly_after_keras3_tensorflow():
    code = textwrap.dedent(
        """
        import tensorflow as tf
        tf.keras.layers  # resolves tf.keras to Keras 3
        try:
            import glovexfer.nets.models
        except ImportError as e:
            print("IMPORT-ERROR:", e)
        """
    )
    env_free = {k: v for k, v in __import__("os").environ.items() if k != "TF_USE_LEGACY_KERAS"}
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env_free, timeout=300)
    assert "IMPORT-ERROR:" in out.stdout and "Keras 3" in out.stdout, out.stdout + out.stderr[-2000:]


# ---------------------------------------------------------------------------------------
# conversion
# ---------------------------------------------------------------------------------------
def test_int8_conversion_ops(lstm_int8, cnn_int8):
    from glovexfer.nets.tflite import SUPPORTED_OPS, op_names

    assert op_names(lstm_int8) == LSTM_OPS
    assert op_names(cnn_int8) == CNN_OPS
    assert set(op_names(lstm_int8)) | set(op_names(cnn_int8)) <= SUPPORTED_OPS


def test_int8_tensors_are_integer(lstm_int8, cnn_int8):
    from glovexfer.golden.network import parse_model

    for blob in (lstm_int8, cnn_int8):
        pm = parse_model(blob)
        for i in pm.inputs + pm.outputs:
            assert pm.tensors[i].dtype == "INT8"
        for op in pm.ops:
            if op.name in ("CONV_2D", "FULLY_CONNECTED"):
                w = pm.tensors[op.inputs[1]]
                assert w.dtype == "INT8" and w.scale.size == w.shape[0]  # per-channel
            if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
                assert pm.tensors[op.inputs[2]].dtype == "INT8" and pm.tensors[op.inputs[2]].scale.size == 1
                assert pm.tensors[op.inputs[19]].dtype == "INT16"  # cell state


def test_tflm_runs_both_models(lstm_int8, cnn_int8, rep):
    from glovexfer.export.tflm import TflmModel

    for blob, xf in ((lstm_int8, rep[0]), (cnn_int8, rep[1])):
        m = TflmModel(blob)
        assert m.input_shape[0] == 1 and m.output_shape == (1, 26)
        x = m.quantize_input(xf[:4])
        assert x.dtype == np.int8
        y = m.run_batch(x)
        assert y.shape == (4, 26) and y.dtype == np.int8
        np.testing.assert_array_equal(m.run(x[2]), y[2:3])
        for v in (-128, 127):
            assert m.run(np.full(m.input_shape, v, np.int8)).shape == (1, 26)


def test_quantize_input_matches_model_parameters(cnn_int8):
    from glovexfer.export.tflm import TflmModel

    m = TflmModel(cnn_int8)
    x = np.array([0.0, 1.0, 0.5, 2.0, -1.0], dtype=np.float32)
    q = x / np.float32(m.input_scale)
    expected = np.clip(np.sign(q) * np.floor(np.abs(q) + 0.5) + m.input_zero_point, -128, 127)  # half away from 0
    np.testing.assert_array_equal(m.quantize_input(x), expected.astype(np.int8))


def test_keep_softmax_and_logits(M, cnn, rep):
    from glovexfer.nets.tflite import logits_model, op_names, to_int8_tflite
    from glovexfer.export.tflm import TflmModel

    blob = to_int8_tflite(cnn, rep[1], n_rep=16, keep_softmax=True)
    assert op_names(blob) == CNN_OPS + ["SOFTMAX"]
    m = TflmModel(blob)
    assert np.isclose(m.output_scale, 1 / 256) and m.output_zero_point == -128
    logits = logits_model(cnn)
    x = rep[1][:3]
    np.testing.assert_allclose(M.tf.nn.softmax(logits(x)).numpy(), cnn(x).numpy(), rtol=1e-5, atol=1e-6)
    assert logits_model(logits) is logits  # no softmax left to strip


def test_float_conversion_matches_keras(cnn, rep):
    from glovexfer.nets.tflite import to_float_tflite
    from glovexfer.export.tflm import TflmModel

    blob = to_float_tflite(cnn)
    m = TflmModel(blob)
    assert m.input_dtype == np.float32
    x = rep[1][:2]
    np.testing.assert_allclose(m.run_batch(x), cnn(x).numpy(), rtol=1e-4, atol=1e-5)


def test_check_supported_rejects_unknown_ops(lstm_int8):
    import glovexfer.nets.tflite as T

    saved = T.SUPPORTED_OPS
    try:
        T.SUPPORTED_OPS = frozenset(saved - {"REVERSE_V2"})
        with pytest.raises(T.UnsupportedOpsError, match="REVERSE_V2"):
            T.check_supported(lstm_int8)
    finally:
        T.SUPPORTED_OPS = saved
