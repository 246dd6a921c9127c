"""The ``signals`` stage (float and golden) and the signal network's int8 path.

Properties: the golden integers equal the float reference to the stated accuracy on the
shipped simulated recordings; the writer frame makes the signals independent of the desk's
heading; the golden input quantiser equals the float quantisation of the standardised
signals; batch-norm folding keeps the network's outputs; and the golden int8 network (CONV_2D
SAME, MAX_POOL_2D, AVERAGE_POOL_2D, FULLY_CONNECTED) equals TFLite-Micro bit for bit on the
golden signals of real-sensor-like recordings.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from glovexfer.cli import demo_set_path
from glovexfer.data.recordings import RecordingSet
from glovexfer.errors import PipelineError
from glovexfer.golden import signals as GS
from glovexfer.golden.pipeline import run_golden
from glovexfer.params import MPU9250, PAPER
from glovexfer.pipeline import signals as FS
from glovexfer.pipeline.orientation import orientation

_HAVE_TF = all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras", "tflite_micro"))
needs_tf = pytest.mark.skipif(not _HAVE_TF, reason="needs tensorflow, tf_keras and tflite-micro (pip install 'glovexfer[train]')")


@pytest.fixture(scope="module")
def counts6():
    """The shipped demo recordings with the magnetometer zeroed (the 6-axis path)."""
    c = np.array(RecordingSet.load(demo_set_path()).counts[:60])
    c[:, :, 6:] = 0
    return c


def _float_signals(c):
    a, g, _ = MPU9250.scales()
    q = orientation(c[:, 0:3] * a, c[:, 3:6] * g, None, PAPER.madgwick_beta, PAPER.sample_rate_hz)
    return FS.signals(q, c[:, 0:3] * a, c[:, 3:6] * g)


def test_golden_signals_match_float(counts6):
    worst = np.zeros(9)
    for c in counts6:
        st = run_golden(c, with_image=False, use_mag=False, with_signals=True)
        assert st.signals.dtype == np.int32 and st.signals.shape == (32, 9)
        worst = np.maximum(worst, np.abs(GS.to_float(st.signals) - _float_signals(c)).max(axis=0))
    # axis (unit vector): 1e-6; angular rate: 1e-4 rad/s; acceleration: 1e-3 m/s^2
    # (measured: 4e-8, 1.7e-5, 7.7e-5 -- the 6-axis orientations differ by ~1e-7)
    assert np.all(worst[0:3] < 1e-6), worst
    assert np.all(worst[3:6] < 1e-4), worst
    assert np.all(worst[6:9] < 1e-3), worst


def test_acc_channels_have_zero_mean_and_axis_is_unit(counts6):
    for c in counts6[:10]:
        s = run_golden(c, with_image=False, use_mag=False, with_signals=True).signals.astype(np.int64)
        assert np.all(np.abs(s[:, 6:9].sum(axis=0)) <= 32 // 2 + 1)  # mean removed, to rounding
        norm = np.sqrt((s[:, 0:3].astype(np.float64) ** 2).sum(axis=1)) / (1 << GS.Q_SIGNAL_AXIS)
        assert np.all(np.abs(norm - 1.0) < 1e-5)


def _yaw_quat(psi: float) -> np.ndarray:
    return np.array([math.cos(psi / 2), 0.0, 0.0, math.sin(psi / 2)])


def _qmul(p, q):
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q.T
    return np.stack([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2, w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2], axis=1)


def test_float_signals_do_not_depend_on_heading(counts6):
    """Turning the whole world about the vertical (the 6-axis yaw is arbitrary) changes nothing."""
    c = counts6[0]
    a, g, _ = MPU9250.scales()
    q = orientation(c[:, 0:3] * a, c[:, 3:6] * g, None, PAPER.madgwick_beta, PAPER.sample_rate_hz)
    ref = FS.signals(q, c[:, 0:3] * a, c[:, 3:6] * g)
    for psi in (0.3, 2.0, -2.9):
        turned = FS.signals(_qmul(_yaw_quat(psi), q), c[:, 0:3] * a, c[:, 3:6] * g)
        np.testing.assert_allclose(turned, ref, atol=1e-9)


def test_writer_frame_falls_back_to_north_when_axis_is_vertical():
    up = np.tile([0.0, 0.0, 1.0], (5, 1))
    F = FS.writer_frame(up)
    np.testing.assert_allclose(F, [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    # golden: a quaternion turning sensor x to world z (pitch -90 deg about y)
    h = math.sqrt(0.5)
    q = np.tile(np.floor(np.array([h, 0.0, -h, 0.0]) * (1 << 30) + 0.5).astype(np.int32), (5, 1))
    assert GS.writer_up(GS.rotation_q30(q)) == (1 << 30, 0)


def test_writer_frame_is_right_handed_and_orthonormal(counts6):
    c = counts6[3]
    a, g, _ = MPU9250.scales()
    q = orientation(c[:, 0:3] * a, c[:, 3:6] * g, None, PAPER.madgwick_beta, PAPER.sample_rate_hz)
    F = FS.writer_frame(FS.quat_matrices(q)[:, :, 0])
    np.testing.assert_allclose(F @ F.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(F) == pytest.approx(1.0)


def test_signals_reject_bad_input():
    with pytest.raises(PipelineError, match="signals"):
        GS.signals(np.zeros((5, 9), np.int16), np.zeros((4, 4), np.int32))
    with pytest.raises(PipelineError, match="signals"):
        FS.signals(np.zeros((3, 4)), np.zeros((3, 3)), np.full((3, 3), np.nan))


def test_quantiser_equals_float_quantisation(counts6):
    sig = np.stack([run_golden(c, with_image=False, use_mag=False, with_signals=True).signals for c in counts6[:20]])
    mean = sig.mean(axis=(0, 1))
    std = sig.std(axis=(0, 1)) + 1e-8
    for scale, zp in ((0.031, -3), (0.0123, 11), (0.1, 0)):
        q = GS.signal_quantiser(mean, std, scale, zp)
        got = np.concatenate([GS.quantise_signals(s, *q) for s in sig]).astype(np.int64)
        z = (sig - np.floor(mean + 0.5)) / std / scale
        want = np.clip(np.floor(np.abs(z) + 0.5) * np.sign(z) + zp, -128, 127)
        diff = np.abs(got - want)
        assert diff.max() <= 1
        # TFLM's double rounding: the first rounding (SRDHM) keeps -shift fraction bits, so the
        # result may differ from exact rounding only within 2^shift of a tie (x.5), unless clamped
        near_tie = np.abs(np.abs(z) - np.floor(np.abs(z)) - 0.5) <= 2.0 ** q[2].astype(np.float64) + 1e-9
        assert np.all(near_tie[diff == 1]), (scale, q[2])


def test_quantiser_refuses_bad_norms():
    with pytest.raises(ValueError, match="std"):
        GS.signal_quantiser(np.zeros(9), np.zeros(9), 0.03, 0)
    with pytest.raises(ValueError, match="9"):
        GS.signal_quantiser(np.zeros(8), np.ones(8), 0.03, 0)
    with pytest.raises(ValueError, match="shift"):
        GS.signal_quantiser(np.zeros(9), np.full(9, 1e-4), 0.03, 0)  # would need a left shift > 5
    with pytest.raises(ValueError, match="metadata"):
        GS.norm_from_metadata({})


@pytest.fixture(scope="module")
def signal_model(counts6):
    """A briefly trained signal network (signals of the demo recordings, their labels), its
    norm and its int8 export."""
    from glovexfer.export.ship import signal_int8
    from glovexfer.nets.protocols import train_signal_net

    rs = RecordingSet.load(demo_set_path())
    c = np.array(rs.counts)
    c[:, :, 6:] = 0
    X = np.stack([run_golden(x, with_image=False, use_mag=False, with_signals=True).signals for x in c[:400]])
    y = np.asarray(rs.y[:400])
    idx = np.arange(len(y))
    _, model, norm = train_signal_net(X, y, idx, idx[:1], 0, quick=True)
    return model, norm, X, y, signal_int8(model, norm, X, n_rep=100)


@needs_tf
def test_fold_batchnorm_keeps_outputs(signal_model):
    from glovexfer.nets.datasets import standardise_signals
    from glovexfer.nets.models import fold_signal_net

    model, norm, X, _, _ = signal_model
    Z = standardise_signals(X[:50], *norm)
    folded = fold_signal_net(model)
    np.testing.assert_allclose(folded.predict(Z, verbose=0), model.predict(Z, verbose=0), atol=2e-5)
    assert not any("batch_normalization" in type(layer).__name__.lower() for layer in folded.layers)


@needs_tf
def test_signal_network_golden_equals_tflm(signal_model):
    from glovexfer.export.tflm import TflmModel
    from glovexfer.golden.network import load_int8_model
    from glovexfer.golden.recognise import model_kind, recognise, signal_quantiser_of

    _, norm, X, _, b = signal_model
    net = load_int8_model(b)
    assert model_kind(net.input_shape) == "signal"
    assert net.op_names == ["CONV_2D", "CONV_2D", "MAX_POOL_2D", "CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED"]
    mean, std = GS.norm_from_metadata(net.metadata)
    np.testing.assert_allclose(mean, norm[0])
    ref = TflmModel(b)
    q = signal_quantiser_of(net)
    x8 = np.concatenate([GS.quantise_signals(s, *q)[None] for s in X[::4]])
    extreme = np.stack([np.full((1, 32, 9), v, np.int8) for v in (-128, 127, 0)])
    x8 = np.concatenate([x8, extreme])
    assert np.array_equal(net.run(x8), ref.run_batch(x8))
    # and recognise() takes the same path from raw counts
    rs = RecordingSet.load(demo_set_path())
    c = np.array(rs.counts[0])
    c[:, 6:] = 0
    r = recognise(c, net_signal=net, use_mag=False)
    assert r.signal is not None and r.primary is r.signal
    assert np.array_equal(r.signal.x_int8, GS.quantise_signals(r.stages.signals, *q))


def test_add_metadata_round_trip():
    pytest.importorskip("flatbuffers")
    from glovexfer.nets.tflite import add_metadata
    from glovexfer.golden.network import parse_model

    b = (pytest.importorskip("pathlib").Path(__file__).resolve().parents[1] / "models" / "chen2021" / "chen_transfer_cnn" / "model_int8.tflite").read_bytes()
    out = add_metadata(b, GS.SIGNAL_NORM_METADATA, GS.norm_metadata(np.arange(9.0), np.ones(9)))
    md = parse_model(out).metadata
    mean, std = GS.norm_from_metadata(md)
    np.testing.assert_array_equal(mean, np.arange(9.0))
    twice = parse_model(add_metadata(out, GS.SIGNAL_NORM_METADATA, GS.norm_metadata(np.zeros(9), np.ones(9)))).metadata
    assert GS.norm_from_metadata(twice)[0].sum() == 0  # replaced, not duplicated
