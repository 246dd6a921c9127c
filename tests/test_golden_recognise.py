"""Integer-only recognition (``glovexfer.golden.recognise``) and ``glovexfer tflm-check``.

The quantiser tests need numpy only; the network tests quick-train the paper LSTM and CNN
(1 epoch, tiny synthetic data), convert them to int8 once per module and skip cleanly
without tensorflow / tf_keras / tflite-micro.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from glovexfer.golden import quant as Q
from glovexfer.golden.recognise import (
    argmax_first,
    image_to_int8_input,
    model_kind,
    points_quantiser,
    points_to_int8,
    top_k,
)
from glovexfer.params import LETTERS

_HAVE_TF = all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras", "tflite_micro"))
ONE = 1 << 30


# ---------------------------------------------------------------------------------------
# points_to_int8 vs float quantisation (numpy only)
# ---------------------------------------------------------------------------------------
def _float_ref(v, scale, zp):
    """round_half_away(x / scale) + zp, clamped, in float64, and the distance to a tie."""
    t = np.asarray(v, dtype=np.float64) / ONE / float(scale)  # exact up to one float64 rounding
    r = np.floor(t + 0.5)  # t >= 0: half away from zero == half up
    q = np.clip(r + zp, -128, 127).astype(np.int8)
    return q, np.abs(t - np.floor(t) - 0.5)


@pytest.mark.parametrize("scale, zp", [(float(np.float32(1 / 255)), -128), (float(np.float32(1 / 255)), 0), (0.0047021, -120), (0.00393, -127), (0.02, 5)])
def test_points_to_int8_equals_float_quantisation_except_at_ties(scale, zp):
    rng = np.random.default_rng(1)
    rand = rng.integers(0, ONE + 1, 300_000)
    # values around every rounding tie (x / scale = k + 1/2) in [0, 1], +-3 Q30 units
    k = np.arange(0, int(1 / scale) + 2)
    ties = np.round((k + 0.5) * scale * ONE).astype(np.int64)
    near = (ties[:, None] + np.arange(-3, 4)[None, :]).ravel()
    v = np.concatenate([rand, near, [0, 1, ONE - 1, ONE]])
    v = v[(v >= 0) & (v <= ONE)]
    got = points_to_int8(v, scale, zp)
    assert got.dtype == np.int8
    ref, tie_dist = _float_ref(v, scale, zp)
    mism = got != ref
    mult, shift = points_quantiser(scale)
    # documented bound: only within ~2^(shift-1) + |x/scale| 2^-31 of a tie
    bound = 2.0 ** (shift - 1) + 256 * 2.0**-31
    print(f"scale {scale} zp {zp}: mult {mult} shift {shift}; {len(v)} values, "
          f"{int(mism.sum())} mismatches vs float64 ({int(mism[: len(rand)].sum())} of the {len(rand)} random ones; all within {bound:.2g} of a tie), "
          f"{int((got != Q.quantize_to_int8(v / ONE, scale, zp)).sum())} vs float32 quantize_to_int8")
    assert np.all(tie_dist[mism] <= bound), tie_dist[mism].max()
    assert int(mism[: len(rand)].sum()) <= 2  # random values essentially never hit the window
    # ends of the range, monotonicity
    assert int(got[v == 0][0]) == zp
    o = np.argsort(v, kind="stable")
    assert np.all(np.diff(got[o].astype(int)) >= 0)


def test_points_to_int8_exact_ties_round_away_from_zero():
    # scale 2^-8: x / scale = v / 2^22 exactly; v = (k + 1/2) 2^22 are exact ties
    scale, zp = 2.0**-8, -128
    k = np.arange(0, 256)
    v = ((2 * k + 1) << 21).astype(np.int64)
    got = points_to_int8(v, scale, zp).astype(int)
    np.testing.assert_array_equal(got, np.clip(k + 1 + zp, -128, 127))  # k + 1/2 -> k + 1
    np.testing.assert_array_equal(points_to_int8(v - 2, scale, zp).astype(int), np.clip(k + zp, -128, 127))
    # double rounding: k + 1/2 - 2^-22 first rounds (SRDHM, ties up) onto the tie, then up
    np.testing.assert_array_equal(points_to_int8(v - 1, scale, zp).astype(int), np.clip(k + 1 + zp, -128, 127))


def test_points_to_int8_shape_saturation_and_errors():
    pts = np.stack([np.linspace(0, ONE, 100), np.linspace(ONE, 0, 100)], 1).astype(np.int32)
    q = points_to_int8(pts, 1 / 100, 0)  # x / scale up to 100 -> no clamp
    assert q.shape == (100, 2) and q.dtype == np.int8 and int(q.max()) == 100
    assert int(points_to_int8(pts, 1 / 100, 60).max()) == 127  # saturates
    with pytest.raises(ValueError):
        points_quantiser(0.0)
    with pytest.raises(TypeError):
        points_to_int8(pts.astype(np.float64), 0.01, 0)


def test_image_input_and_decision_helpers():
    img = np.array([[0, 1 << 14, 1 << 15]], dtype=np.int32)
    x = image_to_int8_input(img, float(np.float32(1 / 255)), -128)
    assert x.shape == (1, 3, 1) and x.dtype == np.int8
    # float32(1/255) > 1/255: 0.5 / scale = 127.49999.. -> 127 - 128 = -1, as the float quantiser
    np.testing.assert_array_equal(x[..., 0], [[-128, -1, 127]])
    np.testing.assert_array_equal(x[..., 0], Q.quantize_to_int8(img / 2.0**15, float(np.float32(1 / 255)), -128))
    assert argmax_first([3, 7, 7, 1]) == 1
    assert top_k([3, 7, 7, 1, 7], 3) == [1, 2, 4]
    assert model_kind((1, 100, 2)) == "lstm" and model_kind((1, 28, 28, 1)) == "cnn"
    from glovexfer.errors import GloveXferError

    with pytest.raises(GloveXferError):
        model_kind((1, 10))


# ---------------------------------------------------------------------------------------
# quick-trained int8 networks
# ---------------------------------------------------------------------------------------
def _tiny_data(rng, n=128):
    """Random smooth strokes in [0, 1] (100, 2) and crude 28x28 renderings of them."""
    t = np.linspace(0, 1, 100)
    y = rng.integers(0, 26, n)
    seq = np.empty((n, 100, 2), np.float32)
    for i in range(n):
        f = 1 + y[i] % 5
        ph = y[i] / 26 * 2 * np.pi
        seq[i, :, 0] = 0.5 + 0.45 * np.sin(2 * np.pi * f * t + ph)
        seq[i, :, 1] = 0.5 + 0.45 * np.cos(2 * np.pi * (1 + y[i] % 3) * t)
    img = np.zeros((n, 28, 28, 1), np.float32)
    ij = np.clip(np.round(seq * 27).astype(int), 0, 27)
    for i in range(n):
        img[i, 27 - ij[i, :, 1], ij[i, :, 0], 0] = 1.0
    return seq, img, y


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    if not _HAVE_TF:
        pytest.skip("needs tensorflow, tf_keras and tflite-micro")
    from glovexfer.nets.tflite import to_int8_tflite
    from glovexfer.nets import models as M

    M.tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    seq, img, y = _tiny_data(rng)
    onehot = M.keras.utils.to_categorical(y, 26)
    out = {}
    for kind, model, x, lr in (("lstm", M.paper_lstm(), seq, M.PAPER_LSTM_LR), ("cnn", M.paper_cnn(), img, M.PAPER_CNN_LR)):
        M.compile_model(model, lr)
        model.fit(x, onehot, epochs=1, batch_size=64, verbose=0)
        out[kind] = to_int8_tflite(model, x, n_rep=32)
    d = tmp_path_factory.mktemp("tflm_check")
    paths = {}
    for kind, blob in out.items():
        paths[kind] = d / f"{kind}.tflite"
        paths[kind].write_bytes(blob)
    return out, paths


@pytest.fixture(scope="module")
def demo_counts():
    from glovexfer.cli import demo_set_path
    from glovexfer.data.recordings import RecordingSet

    rs = RecordingSet.load(demo_set_path())
    return rs.counts, rs.labels


def test_recognise_demo_recordings(models, demo_counts):
    from glovexfer.golden import load_int8_model
    from glovexfer.golden.recognise import recognise

    blobs, _ = models
    nl, nc = load_int8_model(blobs["lstm"]), load_int8_model(blobs["cnn"])
    counts, _ = demo_counts
    for i in (0, 37, 101):
        r = recognise(counts[i], net_lstm=nl, net_cnn=nc)
        assert r.stages.resampled.shape == (100, 2) and r.stages.image.shape == (28, 28)
        for out, shape in ((r.lstm, (100, 2)), (r.cnn, (28, 28, 1))):
            assert out.x_int8.shape == shape and out.x_int8.dtype == np.int8
            assert out.logits.shape == (26,) and out.logits.dtype == np.int8
            assert out.letter in LETTERS and out.letter == LETTERS[argmax_first(out.logits)]
            assert len(out.top3) == 3 and out.top3[0][0] == out.letter
            assert [t[1] for t in out.top3] == sorted((t[1] for t in out.top3), reverse=True)
            assert 0 <= out.confidence_q8 <= 255 and out.confidence_q8 == max(out.probs_q8)
            assert out.margin >= 0
        assert r.letter == r.lstm.letter and r.top3 == r.lstm.top3
        np.testing.assert_array_equal(r.lstm.x_int8, points_to_int8(r.stages.resampled, nl.input_scale, nl.input_zero_point))
        # the CNN alone (no LSTM) works too, from raw .tflite bytes
        rc = recognise(counts[i], net_cnn=blobs["cnn"])
        assert rc.lstm is None and rc.letter == r.cnn.letter
    with pytest.raises(ValueError):
        recognise(counts[0])
    with pytest.raises(ValueError):
        recognise(counts[0], net_lstm=nc)  # a CNN passed as the LSTM


def test_tflm_check_cli_passes(models, capsys):
    from glovexfer.cli import main

    _, paths = models
    rc = main(["tflm-check", "--model", str(paths["lstm"]), str(paths["cnn"]), "--n", "100"])
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    assert "lstm, 100 recordings, 2600 int8 outputs compared, 0 mismatches" in out
    assert "cnn, 100 recordings, 2600 int8 outputs compared, 0 mismatches" in out


def test_tflm_check_missing_file(tmp_path, capsys):
    from glovexfer.cli import main

    missing = tmp_path / "nope.tflite"
    rc = main(["tflm-check", "--model", str(missing), "--n", "5"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error:") and str(missing) in err


def test_tflm_check_without_model_checks_every_shipped_int8_model(capsys, unavailable):
    """``glovexfer tflm-check`` without --model: every models/**/model_int8.tflite but the letter
    spotter (tests/test_writing.py checks it on stream windows), golden == TFLM on each (the
    shipped LSTMs, CNNs and the Chen signal network)."""
    if not _HAVE_TF:
        unavailable("needs tensorflow, tf_keras and tflite-micro")
    from glovexfer.cli import main
    from glovexfer.export.tflm_check import shipped_int8_models

    shipped = shipped_int8_models()
    assert shipped == sorted(p for p in (Path(__file__).resolve().parents[1] / "models").rglob("model_int8.tflite")
                             if p.parent.name != "spotter")
    assert len(shipped) >= 2
    rc = main(["tflm-check", "--n", "20"])
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    for p in shipped:
        assert re.search(rf"^{re.escape(str(p))}: (lstm|cnn|signal), 20 recordings, 520 int8 outputs compared, "
                         r"0 mismatches$", out, re.M), p
    assert out.rstrip().endswith("tflm-check: OK, golden == TFLM bit for bit")


def test_tflm_check_without_shipped_models_says_so(tmp_path):
    from glovexfer.errors import GloveXferError
    from glovexfer.export.tflm_check import shipped_int8_models

    with pytest.raises(GloveXferError, match="no shipped int8 models"):
        shipped_int8_models(tmp_path)
