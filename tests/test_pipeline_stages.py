"""Stages 2-7 and the whole float pipeline: worked examples, degenerate and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import CubicSpline
from scipy.ndimage import convolve1d

from glovexfer.simulate.kinematics import euler_zyx_to_quat
from glovexfer.data.recordings import Recording, RecordingSet, to_counts
from glovexfer.errors import PipelineError
from glovexfer.params import GRAVITY_MPS2, PAPER, PipelineParams
from glovexfer.pipeline import Stages, clean_trajectory, images, run, run_recording, sequences
from glovexfer.pipeline.normalise import normalise
from glovexfer.pipeline.orientation import quat_multiply, quat_to_matrix
from glovexfer.pipeline.points import points, quat_to_euler
from glovexfer.pipeline.raster import area_matrix, blur_matrix, disc_offsets, gaussian_kernel, raster
from glovexfer.pipeline.resample import (
    natural_spline_eval,
    natural_spline_second_derivatives,
    resample,
    resample_unclipped,
)
from glovexfer.pipeline.smooth import smooth
from glovexfer.pipeline.thin import end_start_index, thin

M_WORLD = 48.0 * np.array([np.cos(np.radians(60)), 0.0, -np.sin(np.radians(60))])
DT = 1.0 / PAPER.sample_rate_hz
# q = qz(yaw) qy(pitch) qx(roll), vectorised: the same convention the simulator uses
quat_from_zyx = euler_zyx_to_quat




def letter_motion(yaw0=0.0, n=32):
    """Noise-free sensor readings of a finger drawing a loop (gyro: exact body rates)."""
    t = np.arange(n) * DT
    yaw = yaw0 + 0.4 * np.sin(2 * np.pi * t / 1.2)
    pitch = 0.2 - 0.3 * np.cos(2 * np.pi * t / 1.2)
    roll = 0.1 * np.sin(t)
    q = quat_from_zyx(yaw, pitch, roll)
    R = np.stack([quat_to_matrix(x) for x in q])
    acc = np.einsum("nji,j->ni", R, [0, 0, GRAVITY_MPS2])
    mag = np.einsum("nji,j->ni", R, M_WORLD)
    gyr = np.zeros((n, 3))
    for i in range(1, n):  # the rotation from sample i-1 to i, in the sensor frame
        d = quat_multiply(q[i - 1] * [1, -1, -1, -1], q[i])
        s = np.linalg.norm(d[1:])
        gyr[i] = d[1:] / s * 2 * np.arctan2(s, d[0]) / DT
    return acc, gyr, mag


# ---------------------------------------------------------------------- points
def test_quat_to_euler_roundtrip():
    rng = np.random.default_rng(0)
    e = np.stack([rng.uniform(-3.1, 3.1, 100), rng.uniform(-1.5, 1.5, 100), rng.uniform(-3.1, 3.1, 100)], 1)
    q = quat_from_zyx(e[:, 0], e[:, 1], e[:, 2])
    assert np.abs(quat_to_euler(q) - e).max() < 1e-9
    assert np.abs(quat_to_euler(-q) - e).max() < 1e-9  # sign of q is irrelevant


def test_points_is_minus_yaw_minus_pitch():
    q = quat_from_zyx(np.array([0.3, 0.1, -0.2]), np.array([-0.1, 0.2, 0.0]), np.zeros(3))
    e = quat_to_euler(q)
    assert np.array_equal(points(q), -e[:, :2])
    assert np.abs(points(q, rotation_rad=0.0) - e[:, :2]).max() == 0.0


@pytest.mark.parametrize("yaw0", [np.pi, -np.pi, np.pi - 0.05, -np.pi + 0.05, 3.0])
def test_points_wraparound_continuous(yaw0):
    t = np.linspace(0, 1, 32)
    dyaw = 0.5 * np.sin(2 * np.pi * t)
    pitch = 0.3 * np.cos(2 * np.pi * t)
    p0 = points(quat_from_zyx(dyaw, pitch, 0 * t))
    p1 = points(quat_from_zyx(yaw0 + dyaw, pitch, 0 * t))
    assert np.abs(np.diff(p1[:, 0])).max() < 0.2  # no 2 pi jump
    assert np.abs(p1).max() < 2 * np.pi
    assert np.abs(normalise(p1) - normalise(p0)).max() < 1e-9


def test_right_and_up_motion_gives_growing_x_and_y():
    t = np.linspace(0, 1, 10)
    right = points(quat_from_zyx(-0.5 * t, 0 * t, 0 * t))
    up = points(quat_from_zyx(0 * t, -0.5 * t, 0 * t))
    assert np.all(np.diff(right[:, 0]) > 0) and np.allclose(right[:, 1], 0)
    assert np.all(np.diff(up[:, 1]) > 0) and np.allclose(up[:, 0], 0)


# ---------------------------------------------------------------------- normalise
def test_normalise_example():
    p = np.array([[2.0, 1.0], [6.0, 1.0], [6.0, 3.0]])  # 4 wide, 2 high
    assert np.allclose(normalise(p), [[0, 0.25], [1, 0.25], [1, 0.75]], atol=0)


def test_normalise_straight_line_and_degenerate():
    assert np.array_equal(normalise([[0.0, 5.0], [0.0, 7.0]]), [[0.5, 0.0], [0.5, 1.0]])
    assert np.array_equal(normalise(np.full((7, 2), 3.3)), np.full((7, 2), 0.5))
    assert np.array_equal(normalise([[1.0, 2.0]]), [[0.5, 0.5]])


# ---------------------------------------------------------------------- smooth
def test_smooth_example():
    p = np.array([[0.0, 0], [3, 0], [0, 3], [3, 3], [6, 0]])
    s = smooth(p, 3)
    assert np.allclose(s, [[0, 0], [1, 1], [2, 2], [3, 2], [6, 0]])
    s5 = smooth(p, 5)
    assert np.allclose(s5, [[0, 0], [3, 0], [2.4, 1.2], [3, 3], [6, 0]])
    assert np.array_equal(smooth(p[:2], 3), p[:2])  # n < window: unchanged
    assert np.array_equal(smooth(p, 1), p)
    with pytest.raises(PipelineError, match="smooth"):
        smooth(p, 4)


# ---------------------------------------------------------------------- thin
def test_thin_example_and_end_region():
    assert end_start_index(32, 0.25) == 24 and end_start_index(10, 0.25) == 8 and end_start_index(5, 0.0) == 5
    x = np.array([0.0, 0.005, 0.02, 0.025, 0.04, 0.07, 0.08, 0.2])  # n = 8 -> end region i >= 6
    p = np.stack([x, np.zeros(8)], 1)
    out = thin(p, min_dist=0.01, end_min_dist=0.04, end_fraction=0.25)
    # kept: 0 (0), 2 (0.02 >= .01), 4 (0.04 - 0.02), 5 (0.07 - 0.04); 6: 0.01 < 0.04 end; 7 kept
    assert np.array_equal(out[:, 0], [0.0, 0.02, 0.04, 0.07, 0.2])
    assert np.array_equal(thin(np.zeros((9, 2))), np.zeros((1, 2)))


# ---------------------------------------------------------------------- resample
def test_spline_matches_scipy_example():
    rng = np.random.default_rng(1)
    u = np.cumsum(rng.uniform(0.05, 1.0, 12))
    y = rng.normal(size=(12, 2))
    M = natural_spline_second_derivatives(u, y)
    t = np.linspace(u[0] - 0.1, u[-1] + 0.1, 301)  # includes a little extrapolation
    assert np.abs(natural_spline_eval(u, y, M, t) - CubicSpline(u, y, bc_type="natural")(t)).max() < 1e-9
    assert np.abs(natural_spline_eval(u, y[:, 0], M[:, 0], t) - CubicSpline(u, y[:, 0], bc_type="natural")(t)).max() < 1e-9
    assert np.all(M[0] == 0) and np.all(M[-1] == 0)


def test_resample_degenerate_counts():
    one = resample([[0.2, 0.7]])
    assert one.shape == (100, 2) and np.all(one == [0.2, 0.7])
    two = resample([[0.0, 0.0], [1.0, 0.5]], 5)
    assert np.allclose(two, [[0, 0], [0.25, 0.125], [0.5, 0.25], [0.75, 0.375], [1, 0.5]])
    three = resample([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], 5)  # linear along the L
    assert np.allclose(three, [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]])
    dup = resample([[0.1, 0.1], [0.1, 0.1], [0.9, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9], [0.1, 0.9]])
    assert dup.shape == (100, 2) and np.isfinite(dup).all()
    assert np.allclose(dup[0], [0.1, 0.1]) and np.allclose(dup[-1], [0.1, 0.9])
    assert np.array_equal(resample(np.full((5, 2), 0.5)), np.full((100, 2), 0.5))


def test_resample_clips_overshoot():
    p = np.array([[0.0, 0.0], [0.5, 1.0], [0.55, 1.0], [1.0, 0.0], [0.9, 0.1]])
    raw = resample_unclipped(p)
    assert raw.max() > 1.0  # the spline overshoots the top border
    out = resample(p)
    assert out.min() >= 0 and out.max() <= 1 and np.array_equal(out, np.clip(raw, 0, 1))


# ---------------------------------------------------------------------- raster
def test_raster_shape_range_and_orientation():
    p = np.stack([np.linspace(0.0, 1.0, 100), np.full(100, 1.0)], 1)  # a line along the top
    img = raster(p)
    assert img.shape == (28, 28) and img.dtype == np.float64 and img.min() >= 0 and img.max() == 1.0
    rows = img.sum(1)
    assert rows[:14].sum() > 10 * rows[14:].sum()  # y up: the top of the letter is row 0
    q = np.stack([np.zeros(100), np.linspace(0, 1, 100)], 1)  # a line on the left
    cols = raster(q).sum(0)
    assert cols[:14].sum() > 10 * cols[14:].sum()
    dot = raster([[0.5, 0.5]])
    assert np.isfinite(dot).all() and dot.max() == 1.0
    assert np.unravel_index(dot.argmax(), dot.shape) in {(13, 13), (13, 14), (14, 13), (14, 14)}


def test_raster_building_blocks():
    W = area_matrix(28, 128)
    assert W.shape == (28, 128) and np.allclose(W.sum(1), 1) and np.allclose(W.sum(0), 28 / 128)
    assert np.all(W >= 0) and np.count_nonzero(W[0]) == 5  # [0, 4.571) touches 5 input pixels
    g = gaussian_kernel(21, 3.5)
    assert abs(g.sum() - 1) < 1e-15 and g.argmax() == 10 and np.allclose(g, g[::-1])
    G = blur_matrix(128, 21, 3.5)
    x = np.random.default_rng(0).random(128)
    assert np.allclose(G @ x, convolve1d(x, g, mode="constant", cval=0.0), atol=1e-14)
    d = disc_offsets(5)
    assert len(d) == 21 and np.abs(d).max() == 2


def test_raster_params_bad():
    with pytest.raises(PipelineError, match="raster"):
        raster([[0.5, 0.5]], PipelineParams(raster_blur_kernel_px=20))


# ---------------------------------------------------------------------- whole pipeline
def test_stationary_glove():
    n = 32
    acc = np.tile([0.3, -0.2, GRAVITY_MPS2], (n, 1))
    mag = np.tile([20.0, 5.0, -40.0], (n, 1))
    for m in (mag, None):
        st = run(acc, np.zeros((n, 3)), m)
        assert np.array_equal(st.resampled, np.full((100, 2), 0.5))
        assert len(st.thinned) == 1
        assert st.image.shape == (28, 28) and np.isfinite(st.image).all() and st.image.max() == 1.0


@pytest.mark.parametrize("yaw0", [0.0, np.pi - 0.1])
def test_run_shapes(yaw0):
    acc, gyr, mag = letter_motion(yaw0)
    st = run(acc, gyr, mag)
    assert isinstance(st, Stages)
    assert st.quaternions.shape == (32, 4) and st.euler.shape == (32, 3) and st.points.shape == (32, 2)
    assert st.normalised.shape == st.smoothed.shape == (32, 2)
    assert 1 <= len(st.thinned) <= 32 and st.resampled.shape == (100, 2) and st.image.shape == (28, 28)
    for a in (st.quaternions, st.euler, st.points, st.normalised, st.smoothed, st.thinned, st.resampled, st.image):
        assert a.dtype == np.float64 and np.isfinite(a).all()
    assert st.resampled.min() >= 0 and st.resampled.max() <= 1
    assert run(acc, gyr, mag, with_image=False).image is None


def test_heading_wrap_gives_same_letter():
    """A letter written facing south (yaw crosses +-180 deg) gives a continuous path.

    Downstream of the filter the result is exactly heading-invariant: the filter's own
    quaternions turned back to heading ~0 give the same normalised points (1e-9).  The
    Madgwick filter itself is only approximately heading-invariant (its correction step
    has a fixed size ``beta dt`` whose direction depends on the heading of the small
    residual error), so the comparison with the same motion facing north is loose.
    """
    yaw0 = np.pi - 0.05
    a0, g0, m0 = letter_motion(0.0)
    a1, g1, m1 = letter_motion(yaw0)
    s0, s1 = run(a0, g0, m0), run(a1, g1, m1)
    assert np.ptp(s1.euler[:, 0]) > np.pi  # the raw yaw does jump across the branch cut
    assert np.abs(np.diff(s1.points[:, 0])).max() < 0.3  # the points do not
    back = np.stack([quat_multiply(quat_from_zyx(-yaw0, 0.0, 0.0), q) for q in s1.quaternions])
    assert np.ptp(quat_to_euler(back)[:, 0]) < 1.0
    assert np.abs(normalise(points(back)) - s1.normalised).max() < 1e-9
    assert np.abs(s0.normalised - s1.normalised).max() < 0.05


def test_run_recording_sequences_images():
    acc, gyr, mag = letter_motion(0.5)
    counts, sat = to_counts(np.concatenate([acc, gyr, mag], 1))
    assert not sat.any()
    rec = Recording(counts, "o", "u1")
    st = run_recording(rec)
    assert st.resampled.shape == (100, 2)
    six = run_recording(rec, use_mag=False)
    assert np.isfinite(six.resampled).all()
    rs = RecordingSet(np.stack([counts, counts]), ["o", "o"], ["u1", "u2"])
    seq = sequences(rs, progress=False)
    assert seq.shape == (2, 100, 2) and seq.dtype == np.float32
    assert np.allclose(seq[0], st.resampled, atol=1e-6)
    img = images(seq, progress=False)
    assert img.shape == (2, 28, 28) and img.dtype == np.float32
    assert np.abs(img[0] - raster(seq[0].astype(np.float64))).max() < 1e-6


def test_clean_trajectory_circle():
    t = np.linspace(0, 2 * np.pi, 200)
    out = clean_trajectory(np.stack([3 + 2 * np.cos(t), -1 + 2 * np.sin(t)], 1))
    assert out.shape == (100, 2) and out.min() >= 0 and out.max() <= 1
    r = np.hypot(out[:, 0] - 0.5, out[:, 1] - 0.5)
    assert np.abs(r - 0.5).max() < 0.02  # still a circle
    step = np.hypot(*np.diff(out, axis=0).T)
    assert step.std() / step.mean() < 0.05  # equally spaced along the curve


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "stage, fn",
    [
        ("points", lambda x: points(np.c_[x, x][:, :4])),
        ("normalise", normalise),
        ("smooth", smooth),
        ("thin", thin),
        ("resample", resample),
        ("raster", raster),
    ],
)
def test_bad_input_names_stage(stage, fn):
    good = np.random.default_rng(0).random((10, 2))
    bad_nan = good.copy()
    bad_nan[4, 1] = np.nan
    bad_inf = good.copy()
    bad_inf[0, 0] = -np.inf
    for bad in (bad_nan, bad_inf, good[:, :1], good.ravel(), good[:0]):
        with pytest.raises(PipelineError) as e:
            fn(bad)
        assert e.value.stage == stage and f"'{stage}'" in str(e.value)


def test_run_bad_input():
    acc, gyr, mag = letter_motion()
    gyr = gyr.copy()
    gyr[5, 2] = np.nan
    with pytest.raises(PipelineError, match="orientation"):
        run(acc, gyr, mag)


def test_overflow_raises_instead_of_nan():
    wide = np.array([[1e308, 0.0], [-1e308, 0.0], [1e308, 1.0]])
    big = np.full((3, 2), 1e308)
    with np.errstate(over="ignore", invalid="ignore"):
        for stage, fn, x in (("normalise", normalise, wide), ("smooth", smooth, big), ("resample", resample, wide)):
            with pytest.raises(PipelineError) as e:
                fn(x)
            assert e.value.stage == stage
