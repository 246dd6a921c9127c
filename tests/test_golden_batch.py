"""The batched golden model against the per-recording one: the very same integers.

``run_golden_batch`` / ``recognise_batch`` / ``golden_expected_batch`` compute B recordings
at once; the per-recording functions are the readable reference.  Equality is exact, on
simulated recordings and on the edge cases of the range proofs: short recordings,
stationary glove, saturated counts, zero accelerometer or magnetometer, 6-axis.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from glovexfer.golden import fixed
from glovexfer.golden.fully_connected import int32_dot
from glovexfer.golden.pipeline import run_golden, run_golden_batch
from glovexfer.golden.quant import wrap_int32
from glovexfer.simulate.recordings import simulated_recordings

REPO = Path(__file__).resolve().parents[1]
FIELDS = ("quaternions", "euler", "points", "normalised", "smoothed", "thin_keep", "thinned", "resampled", "image", "signals")


def _same_stages(a, b) -> None:
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        if x is None or y is None:
            assert x is None and y is None, f
            continue
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), f


def _check_batch(counts, **kw) -> None:
    counts = np.asarray(counts, dtype=np.int16)
    batch = run_golden_batch(counts, **kw)
    assert len(batch) == len(counts)
    for i, c in enumerate(counts):
        _same_stages(batch.at(i), run_golden(c, **kw))


@pytest.fixture(scope="module")
def sim300():
    return np.stack(simulated_recordings(300, seed=11))


# ------------------------------------------------------------------ array primitives
def test_array_primitives_equal_scalar_ones():
    rng = np.random.default_rng(0)
    n = np.concatenate([rng.integers(0, 1 << 62, 20000), rng.integers(0, 1 << 20, 2000), np.arange(300),
                        [(1 << 63) - 1, 1 << 62, (1 << 62) - 1, (1 << 60) + 1]]).astype(np.int64)
    for arr, ref in ((fixed.isqrt_floor_array, fixed.isqrt_floor), (fixed.isqrt_round_array, fixed.isqrt_round),
                     (fixed.isqrt_ceil_array, fixed.isqrt_ceil)):
        assert arr(n).tolist() == [ref(int(v)) for v in n]
    a = np.concatenate([rng.integers(-(1 << 62), 1 << 62, 20000), np.arange(-50, 50)])
    b = np.concatenate([rng.integers(1, 1 << 31, 20000), np.full(100, 4)])
    assert fixed.div_round_array(a, b).tolist() == [fixed.div_round(int(x), int(y)) for x, y in zip(a, b)]
    v = rng.integers(-(1 << 40), 1 << 40, (5000, 4))
    v[:20] = 0
    v[20:40, 1:] = 0
    v[40:60] = rng.integers(-3, 4, (20, 4))
    unit, zero = fixed.normalise_vec_array(v)
    for i in range(len(v)):
        ref = fixed.normalise_vec(v[i])
        assert (ref is None) == bool(zero[i])
        if ref is not None:
            assert tuple(unit[i].tolist()) == ref


def test_int32_dot_is_the_wrapped_exact_dot():
    rng = np.random.default_rng(1)
    x = rng.integers(-255, 256, (40, 300))
    w = rng.integers(-255, 256, (7, 300))
    assert np.array_equal(int32_dot(x, w), wrap_int32(x @ w.T))
    # far past int32: still the C++ int32 wrap of the exact sum
    x = rng.integers(-(1 << 20), 1 << 20, (10, 5000))
    w = rng.integers(-(1 << 10), 1 << 10, (3, 5000))
    assert np.array_equal(int32_dot(x, w), wrap_int32(x @ w.T))


# ------------------------------------------------------------------ pre-network stages
@pytest.mark.parametrize("use_mag", [True, False])
def test_batch_equals_per_recording_on_simulated(sim300, use_mag):
    _check_batch(sim300, use_mag=use_mag, with_signals=True)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 9, 17, 31])
def test_short_recordings(sim300, n):
    _check_batch(sim300[:40, :n])


def test_stationary_saturated_and_degenerate():
    rng = np.random.default_rng(3)
    recs = []
    still = np.zeros((32, 9), dtype=np.int16)
    still[:, 2] = 16384  # gravity on z, no rotation, no field
    recs.append(still)
    field = still.copy()
    field[:, 6] = 200
    recs.append(field)  # stationary with a magnetometer
    for v in (32767, -32768):
        recs.append(np.full((32, 9), v, dtype=np.int16))  # saturated everywhere
    recs.append(rng.choice(np.array([-32768, 32767], dtype=np.int16), (32, 9)))  # saturated random
    za = rng.integers(-2000, 2000, (32, 9)).astype(np.int16)
    za[:, 0:3] = 0  # zero accelerometer: gyro integration only
    recs.append(za)
    zm = rng.integers(-2000, 2000, (32, 9)).astype(np.int16)
    zm[::2, 6:9] = 0  # magnetometer zero on every other sample: 6-axis steps
    recs.append(zm)
    zg = rng.integers(-2000, 2000, (32, 9)).astype(np.int16)
    zg[5:20, 3:6] = 0  # gyro exactly zero: q kept bit for bit
    recs.append(zg)
    par = np.zeros((32, 9), dtype=np.int16)
    par[:, 2] = 1000
    par[:, 8] = 500  # acc and mag parallel: tilt only
    recs.append(par)
    recs += list(rng.integers(-32768, 32768, (20, 32, 9)).astype(np.int16))
    _check_batch(np.stack(recs), with_signals=True)
    _check_batch(np.stack(recs), use_mag=False)


def test_batch_rejects_bad_input():
    from glovexfer.errors import PipelineError

    with pytest.raises(PipelineError):
        run_golden_batch(np.zeros((2, 33, 9), dtype=np.int16))
    with pytest.raises(PipelineError):
        run_golden_batch(np.zeros((2, 32, 9), dtype=np.int32))
    with pytest.raises(PipelineError):
        run_golden_batch(np.zeros((0, 32, 9), dtype=np.int16))


# ------------------------------------------------------------------ networks, recognise, parity
_HAVE_SCHEMA = any(importlib.util.find_spec(m) is not None for m in ("tflite_micro", "tensorflow"))
needs_schema = pytest.mark.skipif(not _HAVE_SCHEMA, reason="parsing .tflite needs tflite-micro or tensorflow")


@pytest.fixture(scope="module")
def nets():
    from glovexfer.golden import load_int8_model

    paths = [REPO / "models/glove/best_lstm/model_int8.tflite", REPO / "models/glove/best_cnn/model_int8.tflite",
             REPO / "models/chen2021/chen_signal_net/model_int8.tflite"]
    for p in paths:
        if not p.is_file():
            pytest.skip(f"{p} is not shipped")
    return [load_int8_model(p.read_bytes()) for p in paths]


@needs_schema
def test_stacked_lstm_equals_per_gate(nets):
    from glovexfer.golden.lstm import lstm_int8

    rng = np.random.default_rng(4)
    for layer in [la for la in nets[0].layers if la.name == "UNIDIRECTIONAL_SEQUENCE_LSTM"]:
        d = layer.params.gates["forget"].w_input.shape[1]
        x = rng.integers(-128, 128, (64, 100, d)).astype(np.int8)
        assert np.array_equal(lstm_int8(x, layer.params), lstm_int8(x, layer.params, per_gate=True))


@needs_schema
def test_recognise_batch_equals_recognise(sim300, nets):
    from glovexfer.golden.recognise import recognise, recognise_batch

    nl, nc, ns = nets
    recs = sim300[:48]
    rb = recognise_batch(recs, nl, nc, ns)
    for i, c in enumerate(recs):
        ref, got = recognise(c, nl, nc, ns), rb.at(i)
        _same_stages(got.stages, ref.stages)
        for a, b in ((got.lstm, ref.lstm), (got.cnn, ref.cnn), (got.signal, ref.signal), (got.fused, ref.fused),
                     (got.fused_signal, ref.fused_signal)):
            for f in a.__dataclass_fields__:
                x, y = getattr(a, f), getattr(b, f)
                assert np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y, f


@needs_schema
@pytest.mark.parametrize("with_signal", [False, True])
def test_golden_expected_batch_equals_per_recording(sim300, nets, with_signal):
    from glovexfer.device.parity import golden_expected, golden_expected_batch

    nl, nc, ns = nets
    ns = ns if with_signal else None
    recs = list(sim300[:12]) + [sim300[12, :n] for n in (1, 2, 7, 31)]
    for c, got in zip(recs, golden_expected_batch(recs, nl, nc, ns)):
        ref = golden_expected(c, nl, nc, ns)
        assert got["results"] == ref["results"]
        assert got["stages"].keys() == ref["stages"].keys()
        for k in ref["stages"]:
            assert np.array_equal(got["stages"][k], ref["stages"][k]), k
