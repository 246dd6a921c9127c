"""Property tests (hypothesis) of the float pipeline stages."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.interpolate import CubicSpline

from glovexfer.pipeline.normalise import normalise
from glovexfer.pipeline.points import points
from glovexfer.pipeline.raster import raster
from glovexfer.pipeline.resample import chord_parameter, resample, resample_unclipped
from glovexfer.pipeline.smooth import smooth
from glovexfer.pipeline.thin import end_start_index, thin

FAST = settings(max_examples=60, deadline=None)
SLOW = settings(max_examples=25, deadline=None)

unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
coord = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def paths(min_n=1, max_n=60, elements=unit):
    return st.integers(min_n, max_n).flatmap(lambda n: arrays(np.float64, (n, 2), elements=elements))


def quat_from_zyx(yaw, pitch, roll):
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    cp, sp = np.cos(pitch / 2), np.sin(pitch / 2)
    cr, sr = np.cos(roll / 2), np.sin(roll / 2)
    return np.stack(
        [cy * cp * cr + sy * sp * sr, cy * cp * sr - sy * sp * cr, cy * sp * cr + sy * cp * sr, sy * cp * cr - cy * sp * sr],
        axis=-1,
    )


# ---------------------------------------------------------------------- normalise
@FAST
@given(paths(elements=coord), st.floats(1e-3, 1e3), st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_normalise_invariants(p, scale, dx, dy):
    out = normalise(p)
    assert out.shape == p.shape and np.isfinite(out).all()
    assert out.min() >= 0 and out.max() <= 1
    rng = np.ptp(p, axis=0)
    if rng.max() < 1e-12:
        assert np.all(out == 0.5)
        return
    assume(rng.max() > 1e-6)
    r_out = np.ptp(out, axis=0)
    k = int(np.argmax(rng))
    assert abs(r_out[k] - 1) < 1e-12 and out[:, k].min() == 0  # longer axis spans [0, 1]
    assert np.allclose(r_out, rng / rng.max(), atol=1e-9)  # aspect ratio kept
    assert np.allclose(out.min(0) + out.max(0), 1.0, atol=1e-9)  # both axes centred on 0.5
    moved = normalise(p * scale + [dx, dy])
    assert np.abs(moved - out).max() < 1e-6  # translation and scale invariant


# ---------------------------------------------------------------------- smooth
@FAST
@given(paths(elements=unit), st.sampled_from([1, 3, 5, 7]))
def test_smooth_properties(p, window):
    out = smooth(p, window)
    n, h = len(p), window // 2
    assert out.shape == p.shape
    if n < window:
        assert np.array_equal(out, p)
        return
    assert np.array_equal(out[:h], p[:h]) and np.array_equal(out[n - h :], p[n - h :])
    for i in range(h, n - h):
        assert np.allclose(out[i], p[i - h : i + h + 1].mean(0), atol=1e-15)


@FAST
@given(st.integers(1, 40), unit, unit, st.sampled_from([1, 3, 5]))
def test_smooth_keeps_constant(n, x, y, window):
    out = smooth(np.tile([x, y], (n, 1)), window)
    assert np.abs(out - [x, y]).max() <= 2e-16


# ---------------------------------------------------------------------- thin
def dist(a, b):
    """Distance exactly as thin's contract computes it (sqrt of dx^2 + dy^2, not hypot)."""
    d = a - b
    return np.sqrt(d[0] * d[0] + d[1] * d[1])


@FAST
@given(paths(elements=unit), st.floats(0, 0.2), st.floats(0, 0.3), st.floats(0, 1))
def test_thin_properties(p, d, d_end, frac):
    out = thin(p, d, d_end, frac)
    n = len(p)
    i_end = end_start_index(n, frac)
    assert 1 <= len(out) <= n and np.array_equal(out[0], p[0])
    # recover indices: out is p at increasing indices, greedily matched
    idx, j = [], 0
    for k in range(n):
        if j < len(out) and np.array_equal(p[k], out[j]):
            thr = d_end if k >= i_end else d
            if j == 0 or dist(p[k], out[j - 1]) >= thr:
                idx.append(k)
                j += 1
    assert len(idx) == len(out)  # an ordered subset
    for a, b in zip(idx[:-1], idx[1:]):
        thr = d_end if b >= i_end else d
        assert dist(p[b], p[a]) >= thr
        for k in range(a + 1, b):  # every dropped point was too close to the last kept one
            assert dist(p[k], p[a]) < (d_end if k >= i_end else d)


# ---------------------------------------------------------------------- resample
@st.composite
def walks(draw, min_n=4, max_n=40):
    """Random polylines with steps of length 1e-3 .. 0.3 (no near-duplicate points)."""
    n = draw(st.integers(min_n, max_n))
    start = draw(arrays(np.float64, 2, elements=unit))
    step = draw(arrays(np.float64, n - 1, elements=st.floats(1e-3, 0.3)))
    ang = draw(arrays(np.float64, n - 1, elements=st.floats(-np.pi, np.pi)))
    d = np.stack([step * np.cos(ang), step * np.sin(ang)], 1)
    return start + np.concatenate([np.zeros((1, 2)), np.cumsum(d, axis=0)])


@FAST
@given(walks(), st.integers(2, 150))
def test_spline_matches_scipy(p, n_out):
    u = chord_parameter(p)
    ref = CubicSpline(u, p, bc_type="natural")(np.linspace(0, u[-1], n_out))
    assert np.abs(resample_unclipped(p, n_out) - ref).max() < 1e-9


@FAST
@given(paths(min_n=1, max_n=40, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0]) | unit), st.integers(1, 120))
def test_resample_always_defined(p, n_out):
    out = resample(p, n_out)
    assert out.shape == (n_out, 2) and out.dtype == np.float64
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert np.allclose(out[0], p[0], atol=1e-12)
    assert resample(p).shape == (100, 2)


# ---------------------------------------------------------------------- points
@FAST
@given(
    st.floats(-np.pi, np.pi),
    st.floats(-0.8, 0.8),
    st.floats(-0.6, 0.6),
    st.floats(0.5, 3.0),
    st.floats(-0.3, 0.3),
    st.integers(8, 40),
)
def test_points_heading_invariant(yaw0, a_yaw, a_pitch, freq, roll, n):
    assume(max(abs(a_yaw), abs(a_pitch)) > 0.05)  # a letter, not a still hand (normalise magnifies)
    t = np.linspace(0, 1, n)
    dyaw = a_yaw * np.sin(freq * 2 * np.pi * t)
    pitch = a_pitch * np.cos(freq * 2 * np.pi * t) * 0.9
    r = roll + 0 * t
    ref = normalise(points(quat_from_zyx(dyaw, pitch, r)))
    out = points(quat_from_zyx(yaw0 + dyaw, pitch, r))
    assert np.abs(out).max() < 2 * np.pi
    assert np.abs(normalise(out) - ref).max() < 1e-9


# ---------------------------------------------------------------------- raster
@SLOW
@given(paths(min_n=1, max_n=100, elements=unit))
def test_raster_always_defined(p):
    img = raster(p)
    assert img.shape == (28, 28) and np.isfinite(img).all()
    assert img.min() >= 0 and img.max() == 1.0
