"""The int8 golden model (glovexfer.golden) against hand-computed cases and against TFLite-Micro.

The quantisation-helper tests need only numpy.  The network tests need tensorflow (tf_keras)
and tflite-micro (the ``train`` extra) and skip cleanly without them; they convert each model
once per module (module-scoped fixtures) and compare the golden model with TFLM bit for bit,
output and every intermediate tensor.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from glovexfer.golden import quant as Q
from glovexfer.golden.lstm import lstm_tanh, sigmoid_int16
from glovexfer.golden.softmax import (
    SoftmaxParams,
    exp_on_negative_values,
    one_over_one_plus_x_for_x_in_0_1,
    softmax_int8,
)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


# ---------------------------------------------------------------------------------------
# quantisation helpers: hand-computed cases
# ---------------------------------------------------------------------------------------
def test_srdhm_hand_cases():
    f = lambda a, b: int(Q.saturating_rounding_doubling_high_mul(a, b))
    assert f(INT32_MIN, INT32_MIN) == INT32_MAX  # the one overflow saturates
    assert f(INT32_MIN, INT32_MAX) == INT32_MIN + 1  # -2147483647.49.. truncates toward 0
    assert f(2**30, 2**30) == 2**29  # 0.5 * 0.5 = 0.25
    assert f(3, 2**30) == 2  # +1.5 -> 2
    assert f(-3, 2**30) == -1  # -1.5 -> -1 (nudge 1 - 2^30, then truncation: ties go up)
    assert f(-5, 2**30) == -2  # -2.5 -> -2
    assert f(0, INT32_MIN) == 0
    assert f(INT32_MAX, INT32_MAX) == INT32_MAX - 1


def test_rounding_divide_by_pot_hand_cases():
    f = lambda x, e: int(Q.rounding_divide_by_pot(x, e))
    assert f(5, 1) == 3 and f(-5, 1) == -3  # ties away from zero
    assert f(-4, 1) == -2 and f(7, 2) == 2
    assert f(-6, 2) == -2  # -1.5 -> -2
    assert f(-5, 2) == -1  # -1.25 -> -1
    assert f(-7, 2) == -2  # -1.75 -> -2
    assert f(123, 0) == 123
    assert f(INT32_MIN, 31) == -1 and f(INT32_MAX, 31) == 1
    np.testing.assert_array_equal(Q.rounding_divide_by_pot(np.array([6, -6, 10]), np.array([2, 2, 2])), [2, -2, 3])


def test_multiply_by_quantized_multiplier_hand_cases():
    f = lambda x, m, s: int(Q.multiply_by_quantized_multiplier(x, m, s))
    half = 2**30  # 0.5 in Q0.31
    assert f(100, half, 0) == 50
    assert f(101, half, -1) == 26  # 25.25 exactly, but SRDHM rounds 50.5 -> 51, then 25.5 -> 26
    assert f(-101, half, -1) == -25  # SRDHM(-101, .5) = -50 (tie goes up), then -25
    assert f(-3, half, 0) == -1
    assert f(3, half, 2) == 6  # left shift before the multiplication
    assert f(2**30, half, 1) == -(2**30)  # the int32 left shift wraps (x * 2 = INT32_MIN)
    assert f(INT32_MIN, INT32_MAX, 0) == INT32_MIN + 1
    # per-channel broadcast
    out = Q.multiply_by_quantized_multiplier(np.array([[100, 100]]), np.array([half, half]), np.array([0, -2]))
    np.testing.assert_array_equal(out, [[50, 13]])  # 12.5 -> 13


def _ref_srdhm(a: int, b: int) -> int:
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    n = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
    return n // 2**31 if n >= 0 else -((-n) // 2**31)  # C++ division truncates toward zero


def _ref_rdbpot(x: int, e: int) -> int:
    mask = (1 << e) - 1
    rem = x & mask
    thr = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > thr else 0)


def test_multiply_by_quantized_multiplier_matches_scalar_reference():
    rng = np.random.default_rng(0)
    x = rng.integers(-(2**24), 2**24, 5000)
    m = rng.integers(2**30, 2**31 - 1, 5000)
    s = rng.integers(-20, 1, 5000)
    got = Q.multiply_by_quantized_multiplier(x, m, s)
    ref = [_ref_rdbpot(_ref_srdhm(int(a), int(b)), int(-c)) for a, b, c in zip(x, m, s)]
    np.testing.assert_array_equal(got, ref)
    exact = x * (m / 2**31) * np.exp2(s.astype(float))
    assert np.max(np.abs(got - exact)) <= 1.0  # double rounding is within one unit


def test_quantize_multiplier_hand_cases():
    assert Q.quantize_multiplier(0.0) == (0, 0)
    assert Q.quantize_multiplier(0.5) == (2**30, 0)
    assert Q.quantize_multiplier(1.0) == (2**30, 1)
    assert Q.quantize_multiplier(0.75) == (1610612736, 0)
    assert Q.quantize_multiplier(2**-12) == (2**30, -11)
    assert Q.quantize_multiplier(0.1) == (1717986918, -3)  # 0.8 * 2^31 = 1717986918.4
    assert Q.quantize_multiplier(1 - 2**-40) == (2**30, 1)  # rounds to 2^31: carried into the shift
    assert Q.quantize_multiplier(2**-40) == (0, 0)  # shift < -31 flushes to zero
    assert Q.quantize_multiplier(-0.5) == (-(2**30), 0)
    m, s = Q.quantize_multiplier(3.7e-4)
    assert abs(m * 2.0 ** (s - 31) - 3.7e-4) < 3.7e-4 * 2**-30


def test_casts_and_rounding():
    np.testing.assert_array_equal(Q.saturate_int8([-200, -128, 0, 127, 300]), [-128, -128, 0, 127, 127])
    np.testing.assert_array_equal(Q.saturate_int16([-40000, 40000]), [-32768, 32767])
    assert Q.saturate_int32([2**40])[0] == INT32_MAX
    np.testing.assert_array_equal(Q.wrap_int32([2**31, -(2**31) - 1]), [INT32_MIN, INT32_MAX])
    np.testing.assert_array_equal(Q.wrap_int16([32768, -32769]), [-32768, 32767])
    assert Q.tflite_round(2.5) == 3 and Q.tflite_round(-2.5) == -3 and Q.tflite_round(-2.4) == -2
    np.testing.assert_array_equal(Q.quantize_to_int8([0.25, -0.25, 0.36, 100.0, -100.0], 0.1, 1), [4, -2, 5, 127, -128])
    assert Q.checked_log2(2.0**-16) == (-16, True)
    assert Q.checked_log2(0.3)[1] is False


def test_gemmlowp_exp_and_reciprocal_are_close_to_float():
    a = np.linspace(-31.9, 0, 2001)
    raw = np.round(a * 2**26).astype(np.int64)  # Q5.26
    e = exp_on_negative_values(raw, 5) / 2**31
    assert np.max(np.abs(e - np.exp(raw / 2**26))) < 2e-6
    assert exp_on_negative_values(np.array([0]), 5)[0] == INT32_MAX
    x = np.linspace(0, 0.999, 500)
    r = one_over_one_plus_x_for_x_in_0_1(np.round(x * 2**31).astype(np.int64)) / 2**31
    assert np.max(np.abs(r - 1 / (1 + x))) < 1e-6


def test_int16_sigmoid_tanh_luts():
    x = np.arange(-32768, 32768)
    s = sigmoid_int16(x)  # Q3.12 -> Q0.15
    assert np.max(np.abs(s / 2**15 - 1 / (1 + np.exp(-x / 4096)))) < 2e-4
    assert np.all(np.diff(s.astype(np.int64)) >= 0)
    t = lstm_tanh(x, -12)
    assert np.max(np.abs(t / 2**15 - np.tanh(x / 4096))) < 4e-4
    assert t[0] == -32767 and t[-1] == 32767  # saturated ends
    t11 = lstm_tanh(x, -11)  # a cell state of scale 2^-11
    assert np.max(np.abs(t11 / 2**15 - np.tanh(x / 2048))) < 4e-4
    t16 = lstm_tanh(x, -16)  # scale 2^-16: the "negative left shift" branch
    assert np.max(np.abs(t16 / 2**15 - np.tanh(x / 65536))) < 4e-4


def test_softmax_int8_is_close_to_float():
    p = SoftmaxParams.from_scales(1.0, 0.05)
    rng = np.random.default_rng(1)
    x = rng.integers(-128, 128, (50, 26)).astype(np.int8)
    y = softmax_int8(x, p)
    xi = x.astype(np.int64)
    ref = np.exp(0.05 * (xi - xi.max(1, keepdims=True)))
    ref /= ref.sum(1, keepdims=True)
    assert np.max(np.abs((y.astype(int) + 128) / 256 - ref)) <= 1 / 256 + 1e-9
    flat = softmax_int8(np.full((1, 26), 7, np.int8), p)  # all equal: 1/26 each
    assert np.all(flat == round(256 / 26) - 128)


# ---------------------------------------------------------------------------------------
# networks against TFLite-Micro
# ---------------------------------------------------------------------------------------
_HAVE_TF = all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras", "tflite_micro"))
needs_tf = pytest.mark.skipif(not _HAVE_TF, reason="needs tensorflow, tf_keras and tflite-micro (pip install 'glovexfer[train]')")


def synthetic_sequences(n: int, rng, seq_len: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Smooth random pen paths scaled into [0, 1]^2 (like the pipeline's output) and a label
    (the direction from first to last point, 26 sectors) so that brief training is not noise."""
    steps = rng.normal(0, 1, (n, seq_len, 2))
    steps = np.cumsum(steps, axis=1) * 0.2 + rng.normal(0, 1, (n, 1, 2))  # smooth velocity
    pts = np.cumsum(steps, axis=1)
    pts -= pts.min(axis=1, keepdims=True)
    pts /= np.maximum(pts.max(axis=(1, 2), keepdims=True), 1e-9)
    d = pts[:, -1] - pts[:, 0]
    y = ((np.arctan2(d[:, 1], d[:, 0]) + np.pi) / (2 * np.pi) * 26).astype(int) % 26
    return pts.astype(np.float32), y


def render(seqs: np.ndarray, size: int = 28) -> np.ndarray:
    """Paths -> blurred size x size images in [0, 1] (a cheap stand-in for the raster stage)."""
    n = len(seqs)
    img = np.zeros((n, size + 4, size + 4))
    ij = np.clip(np.round(seqs * (size - 1)).astype(int) + 2, 0, size + 3)
    for k in range(n):
        img[k, size + 3 - ij[k, :, 1], ij[k, :, 0]] = 1.0
    for axis in (1, 2):  # two 3-tap box blurs
        for _ in range(2):
            img = (np.roll(img, 1, axis) + img + np.roll(img, -1, axis)) / 3
    img = img[:, 2:-2, 2:-2]
    img /= np.maximum(img.max(axis=(1, 2), keepdims=True), 1e-9)
    return img[..., None].astype(np.float32)


def extremes(shape: tuple, rng) -> np.ndarray:
    """All -128, all 127, zeros, alternating, and checkerboard int8 inputs."""
    n = int(np.prod(shape))
    alt = np.where(np.arange(n) % 2 == 0, 127, -128).reshape(shape)
    return np.stack([np.full(shape, -128), np.full(shape, 127), np.zeros(shape), alt, -1 - alt]).astype(np.int8)


def _brief_train(model, x, y, lr, epochs=2):
    from glovexfer.nets import models as M

    M.compile_model(model, lr)
    model.fit(x, M.keras.utils.to_categorical(y, 26), epochs=epochs, batch_size=64, verbose=0)
    return model


class Case:
    """A converted model with its TFLM referee, golden model and >= 200 int8 test inputs."""

    def __init__(self, tflite_bytes: bytes, x_float: np.ndarray, rng, n_random: int = 50):
        from glovexfer.export.tflm import TflmModel
        from glovexfer.golden import load_int8_model

        self.bytes = tflite_bytes
        self.tflm = TflmModel(tflite_bytes, preserve_all_tensors=True)
        self.golden = load_int8_model(tflite_bytes)
        shape = self.golden.input_shape[1:]
        self.x = np.concatenate(
            [
                self.golden.quantize_input(x_float),  # in the calibrated range
                rng.integers(-128, 128, (n_random, *shape)).astype(np.int8),  # anywhere in int8
                extremes(shape, rng),
            ]
        )
        self.y_tflm = self.tflm.run_batch(self.x)
        self.y_golden = self.golden.run(self.x)


@pytest.fixture(scope="module")
def tf_models():
    if not _HAVE_TF:
        pytest.skip("needs tensorflow, tf_keras and tflite-micro")
    from glovexfer.nets import models as M

    M.tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    seq, y = synthetic_sequences(600, rng)
    return M, rng, seq, y


@pytest.fixture(scope="module")
def lstm_case(tf_models):
    M, rng, seq, y = tf_models
    from glovexfer.nets.tflite import to_int8_tflite

    model = _brief_train(M.paper_lstm(), seq[:400], y[:400], M.PAPER_LSTM_LR)
    return Case(to_int8_tflite(model, seq[:400], n_rep=100), seq[400:560], rng)


@pytest.fixture(scope="module")
def cnn_model(tf_models):
    M, _, seq, y = tf_models
    img = render(seq)
    return _brief_train(M.paper_cnn(), img[:400], y[:400], M.PAPER_CNN_LR), img


@pytest.fixture(scope="module")
def cnn_case(tf_models, cnn_model):
    from glovexfer.nets.tflite import to_int8_tflite

    _, rng, _, _ = tf_models
    model, img = cnn_model
    return Case(to_int8_tflite(model, img[:400], n_rep=100), img[400:560], rng)


@pytest.fixture(scope="module")
def cnn_softmax_case(tf_models, cnn_model):
    from glovexfer.nets.tflite import to_int8_tflite

    _, rng, _, _ = tf_models
    model, img = cnn_model
    return Case(to_int8_tflite(model, img[:400], n_rep=100, keep_softmax=True), img[400:560], rng)


@pytest.fixture(scope="module")
def stress_lstm_case(tf_models):
    """A small BiLSTM with large weights and biases: int16 gate saturation, cell clipping,
    saturated hidden states -- the corners a briefly trained model rarely reaches."""
    M, rng, _, _ = tf_models
    from glovexfer.nets.tflite import to_int8_tflite

    t_steps, units = 40, 8
    model = M.lstm_model(units, seq_len=t_steps, name="stress")
    bi = model.get_layer("bilstm")
    for layer in (bi.forward_layer, bi.backward_layer):
        k, r, b = layer.get_weights()  # gates i, f, c, o
        b = b.copy()
        b[:units] += 3
        b[units : 2 * units] += 5
        b[2 * units : 3 * units] = rng.choice([-3.0, 3.0], units)
        layer.set_weights([k * 4, r * 3, b])
    rep, _ = synthetic_sequences(200, rng, t_steps)
    return Case(to_int8_tflite(model, rep[:100], n_rep=64), rep[100:], rng, n_random=100)


def _check_outputs(case: Case):
    assert len(case.x) >= 200
    assert case.y_golden.dtype == np.int8 and case.y_golden.shape == case.y_tflm.shape
    mismatches = int(np.sum(case.y_golden != case.y_tflm))
    assert mismatches == 0, f"{mismatches} of {case.y_tflm.size} int8 outputs differ"


def _check_layers(case: Case, n_examples: int = 6):
    """Every op's output tensor, and each LSTM's final hidden and cell state, for a few inputs
    (the extremes included)."""
    from glovexfer.golden.network import parse_model

    pm = parse_model(case.bytes)
    lstm_states = {op.outputs[0]: (op.inputs[18], op.inputs[19]) for op in pm.ops if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM"}
    picks = list(range(n_examples // 2)) + list(range(len(case.x) - n_examples // 2, len(case.x)))
    checked = 0
    for i in picks:
        _, layers, traces = case.golden.run(case.x[i], return_all=True, lstm_trace=True)
        case.tflm.run(case.x[i])
        for lo in layers:
            ref = case.tflm.tensor(lo.tensor_index)
            np.testing.assert_array_equal(lo.value.reshape(ref.shape), ref, err_msg=f"example {i}, op {lo.op_index} {lo.op_name}")
            checked += 1
        for out_idx, (h_idx, c_idx) in lstm_states.items():
            rec = traces[out_idx]
            np.testing.assert_array_equal(rec["h"][:, -1].ravel(), case.tflm.tensor(h_idx).ravel(), err_msg="final hidden state")
            np.testing.assert_array_equal(rec["c"][:, -1].ravel(), case.tflm.tensor(c_idx).ravel(), err_msg="final cell state")
    assert checked == len(picks) * len(case.golden.layers)


@needs_tf
def test_cnn_golden_equals_tflm(cnn_case):
    assert cnn_case.golden.op_names == ["CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "FULLY_CONNECTED"]
    _check_outputs(cnn_case)
    _check_layers(cnn_case)


@needs_tf
def test_cnn_softmax_golden_equals_tflm(cnn_softmax_case):
    assert cnn_softmax_case.golden.op_names[-1] == "SOFTMAX"
    _check_outputs(cnn_softmax_case)
    _check_layers(cnn_softmax_case, 2)


@needs_tf
def test_lstm_golden_equals_tflm(lstm_case):
    from glovexfer.export.model_data import LSTM_OPS

    assert lstm_case.golden.op_names == LSTM_OPS
    _check_outputs(lstm_case)
    _check_layers(lstm_case)


@needs_tf
def test_lstm_stress_golden_equals_tflm(stress_lstm_case):
    case = stress_lstm_case
    _check_outputs(case)
    _check_layers(case, 4)
    _, _, traces = case.golden.run(case.x, return_all=True, lstm_trace=True)
    lstms = [layer for layer in case.golden.layers if layer.name == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
    clipped = [np.mean(np.abs(traces[layer.output]["c"]) == layer.params.quantized_cell_clip) for layer in lstms]
    assert all(layer.params.quantized_cell_clip < 32767 for layer in lstms)  # the clip is inside int16
    assert min(clipped) > 0.05, f"cell clipping was not exercised: {clipped}"


@needs_tf
def test_lstm_with_unified_state_quantization(lstm_case):
    """The optional flatbuffer fix (hidden-state variable quantised like the LSTM output) keeps
    golden == TFLM."""
    from glovexfer.nets.tflite import unify_lstm_state_quantization
    from glovexfer.export.tflm import TflmModel
    from glovexfer.golden import load_int8_model
    from glovexfer.golden.network import parse_model

    fixed = unify_lstm_state_quantization(lstm_case.bytes)
    pm = parse_model(fixed)
    for op in pm.ops:
        if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            h, out = pm.tensors[op.inputs[18]], pm.tensors[op.outputs[0]]
            assert h.per_tensor == out.per_tensor
    x = lstm_case.x[::4]
    np.testing.assert_array_equal(load_int8_model(fixed).run(x), TflmModel(fixed).run_batch(x))


@needs_tf
def test_golden_batch_equals_single_and_tflm_state_is_reset(lstm_case):
    g, t = lstm_case.golden, lstm_case.tflm
    x = lstm_case.x
    np.testing.assert_array_equal(g.run(x[:3]), np.concatenate([g.run(x[i]) for i in range(3)]))
    first = t.run(x[0])
    t.run(x[1])
    np.testing.assert_array_equal(t.run(x[0]), first)  # no LSTM state leaks between letters
    assert g.predict(x[:5]).shape == (5,)


@needs_tf
def test_int8_model_agrees_with_float_model(cnn_model, cnn_case):
    """Sanity of the whole chain: int8 argmax agrees with the float model on most inputs."""
    from glovexfer.nets.tflite import logits_model

    model, img = cnn_model
    xf = img[400:560]
    lf = logits_model(model).predict(xf, verbose=0)
    lq = cnn_case.golden.dequantize_output(cnn_case.golden.run(cnn_case.golden.quantize_input(xf)))
    assert np.mean(lf.argmax(1) == lq.argmax(1)) > 0.9
    assert np.mean(np.abs(lf - lq)) < 0.1 * np.mean(np.abs(lf)) + 0.05
    assert math.isfinite(float(lq.sum()))
