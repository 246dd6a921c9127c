"""The fixed-point golden model (pre-network stages) against its float twin.

Every golden stage is run on the same input as its float twin (quantised to the golden
format) and compared with a stated bound; the whole golden pipeline is compared with the
float pipeline on simulated glove recordings.  Integer-only checks: integer dtypes, range
claims (the golden code raises OverflowError where the C++ twin would wrap), a full-range
sweep of the CORDIC atan2/asin, and a scan of the device-path source for floating point.
"""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import FrozenInstanceError, replace
from fractions import Fraction

import numpy as np
import pytest
from glovexfer.data.recordings import to_physical
from glovexfer.errors import PipelineError
from glovexfer.golden import fixed
from glovexfer.golden import normalise as g_normalise_mod
from glovexfer.golden import orientation as g_or
from glovexfer.golden import pipeline as g_pipeline_mod
from glovexfer.golden import points as g_points_mod
from glovexfer.golden import raster as g_raster_mod
from glovexfer.golden import resample as g_resample_mod
from glovexfer.golden import smooth as g_smooth_mod
from glovexfer.golden import thin as g_thin_mod
from glovexfer.golden.fixed import (
    HALF_TURN,
    ONE_Q30,
    QUARTER_TURN,
    TURN,
    asin_turns,
    atan2_turns,
    derive_fixed_params,
    div_round,
    isqrt_ceil,
    isqrt_floor,
    isqrt_round,
    isqrt_u64_bitwise,
    normalise_vec,
    rshift_round,
)
from glovexfer.golden.normalise import normalise as g_normalise
from glovexfer.golden.compare import (
    compare,
    quantise_angle,
    quantise_quat,
    quantise_unit,
    quat_angle_deg,
    wrap_rad,
)
from glovexfer.golden.pipeline import RAD_PER_UNIT, GoldenStages, run_golden
from glovexfer.golden.points import points_from_euler as g_points_from_euler
from glovexfer.golden.points import quat_to_euler as g_euler
from glovexfer.golden.points import unwrap_turns
from glovexfer.golden.raster import draw as g_draw
from glovexfer.golden.raster import raster as g_raster
from glovexfer.golden.raster import to_uint8
from glovexfer.golden.resample import (
    MAX_POINTS,
    chord_lengths,
    drop_repeats,
    spline_coefficients,
    spline_moments,
)
from glovexfer.golden.resample import resample as g_resample
from glovexfer.golden.smooth import smooth as g_smooth
from glovexfer.golden.thin import end_start_index as g_end_start_index
from glovexfer.golden.thin import thin_indices as g_thin_indices
from glovexfer.params import MPU9250, PAPER, SensorSpec
from glovexfer.pipeline import run as float_run
from glovexfer.pipeline.normalise import normalise as f_normalise
from glovexfer.pipeline.orientation import (
    initial_quaternion as f_initial,
)
from glovexfer.pipeline.orientation import (
    madgwick_imu_update as f_imu,
)
from glovexfer.pipeline.orientation import (
    madgwick_marg_update as f_marg,
)
from glovexfer.pipeline.orientation import (
    tilt_quaternion as f_tilt,
)
from glovexfer.pipeline.points import points_from_euler as f_points_from_euler
from glovexfer.pipeline.points import quat_to_euler as f_euler
from glovexfer.pipeline.raster import draw as f_draw
from glovexfer.pipeline.raster import raster as f_raster
from glovexfer.pipeline.resample import resample as f_resample
from glovexfer.pipeline.smooth import smooth as f_smooth
from glovexfer.pipeline.thin import end_start_index as f_end_start_index
from glovexfer.pipeline.thin import thin_indices as f_thin_indices
from glovexfer.simulate.recordings import simulated_recordings
from hypothesis import assume, given, settings
from hypothesis import strategies as st

FP = derive_fixed_params()
FAST = settings(max_examples=60, deadline=None)
SLOW = settings(max_examples=25, deadline=None)
U = float(ONE_Q30)
DEG_PER_UNIT = 360.0 / TURN

# ------------------------------------------------------------------ stated error bounds
ATAN2_MAX_ERR_DEG = 1.3e-5  # CORDIC atan2 / asin, full-range sweep (measured 1.27e-5)
QUAT_STEP_ERR_DEG = 2e-6  # one Madgwick step from the same Q30 quaternion
QUAT_RUN_ERR_DEG = 1e-5  # 32-sample orientation, golden vs float (measured ~1.3e-6)
EULER_ERR_DEG = 3e-5  # well-conditioned (|cos pitch| >= 0.05); measured ~1.4e-5
POINT_ERR_UNIT = (
    3e-5  # normalised / smoothed / resampled points, end to end (measured ~1.5e-5)
)
RESAMPLE_ERR_UNIT = (
    1e-7  # resample alone, chords >= 0.01 as thin leaves them (measured 5e-8)
)
IMAGE_ISO_ERR = 2e-4  # raster alone on identical canvases (measured 8.8e-5)
IMAGE_RUN_MEAN_ERR = (
    2e-3  # end to end, mean |diff| (pixel-rounding flips allowed; measured 2e-4)
)

counts16 = st.integers(-32768, 32767)
vec3 = st.tuples(counts16, counts16, counts16)


def quats(draw_tuple) -> np.ndarray:
    q = np.asarray(draw_tuple, dtype=np.float64)
    return q / np.linalg.norm(q)


unit_quats = (
    st.tuples(*[st.floats(-1, 1, allow_nan=False)] * 4)
    .filter(lambda t: sum(x * x for x in t) > 1e-3)
    .map(quats)
)


# ======================================================================== simulated data
@pytest.fixture(scope="module")
def sim_counts():
    """A few dozen simulated recordings (DigiLeTs letters when present, else synthetic)."""
    return simulated_recordings(24, seed=1)


@pytest.fixture(scope="module")
def sim_compare(sim_counts):
    return [compare(c, fp=FP) for c in sim_counts]


# ======================================================================== constants
def test_fixed_params_are_integers_derived_once():
    fp = FP
    assert derive_fixed_params(PAPER, MPU9250) is fp  # cached: one derivation
    for k, v in fp.as_dict().items():
        flat = np.asarray(v).ravel() if isinstance(v, tuple) else [v]
        assert all(isinstance(x, (int, np.integer)) for x in flat), k
    dt = 1 / PAPER.sample_rate_hz
    assert fp.gyr_k < 2**31 <= 2 * fp.gyr_k + 1
    assert fp.gyr_k / 2.0 ** (30 + fp.gyr_shift) == pytest.approx(
        0.5 * dt * MPU9250.gyr_rads_per_count, rel=1e-9
    )
    assert fp.beta_dt_k / 2.0 ** (30 + fp.beta_shift) == pytest.approx(
        PAPER.madgwick_beta * dt, rel=1e-9
    )
    assert (fp.gyr_k, fp.gyr_shift, fp.beta_dt_k, fp.beta_shift) == (
        1388172603,
        17,
        1669628768,
        10,
    )
    assert (fp.rot_cos, fp.rot_sin) == (-ONE_Q30, 0)  # pi -> exactly (-yaw, -pitch)
    assert fp.atan_table[0] == 1 << 27 and len(fp.atan_table) == fixed.CORDIC_ITERATIONS
    assert sum(fp.blur_taps) == 1 << 16 and fp.blur_taps == tuple(
        reversed(fp.blur_taps)
    )
    assert (fp.end_num, fp.end_den) == (1, 4)
    assert fp.thin_min == 10737418 and fp.thin_min_sq == fp.thin_min**2
    assert fp.min_step_sq == 0 and fp.span_px == 95
    with pytest.raises(FrozenInstanceError):
        fp.gyr_k = 1  # frozen
    other = derive_fixed_params(PAPER, SensorSpec(gyr_full_scale_dps=2000.0))
    assert other.gyr_k / 2.0 ** (30 + other.gyr_shift) == pytest.approx(
        0.5 * dt * 2000 * math.pi / 180 / 32768, rel=1e-9
    )


# ======================================================================== primitives
@FAST
@given(st.integers(-(2**62), 2**62), st.integers(0, 40))
def test_rshift_round_is_round_half_up(x, s):
    r = rshift_round(x, s)
    exact = Fraction(x, 2**s)
    assert r == math.floor(exact + Fraction(1, 2))


def test_rounding_rules_on_ties():
    assert [rshift_round(v, 1) for v in (-3, -1, 1, 3)] == [
        -1,
        0,
        1,
        2,
    ]  # -1.5 -> -1, -0.5 -> 0 (half up)
    assert [div_round(a, 2) for a in (-5, -3, -1, 1, 3, 5)] == [
        -3,
        -2,
        -1,
        1,
        2,
        3,
    ]  # half away from 0
    assert div_round(7, 3) == 2 and div_round(-7, 3) == -2 and div_round(8, 3) == 3


@FAST
@given(st.integers(-(2**62), 2**62), st.integers(1, 2**40))
def test_div_round_half_away_from_zero(a, b):
    r = div_round(a, b)
    exact = Fraction(a, b)
    ref = math.floor(abs(exact) + Fraction(1, 2))
    assert r == (ref if a >= 0 else -ref)


@FAST
@given(st.integers(0, 2**64 - 1))
def test_isqrt_bitwise_is_exact(n):
    r = isqrt_u64_bitwise(n)
    assert r == math.isqrt(n) == isqrt_floor(n)
    assert r * r <= n < (r + 1) ** 2
    rr = isqrt_round(n)
    assert abs(rr - math.sqrt(n)) <= 0.5 + 1e-6 * max(1, rr)
    assert (
        rr == 0 and n == 0 or (2 * rr - 1) ** 2 <= 4 * n <= (2 * rr + 1) ** 2
    )  # nearest integer
    c = isqrt_ceil(n)
    assert (c - 1) ** 2 < n <= c * c or n == c == 0


def test_isqrt_edges():
    for n in (0, 1, 2, 3, 4, 2**62, 2**64 - 1, (2**32 - 1) ** 2):
        assert isqrt_u64_bitwise(n) == math.isqrt(n)
    with pytest.raises(OverflowError):
        isqrt_floor(2**64)


@FAST
@given(st.lists(st.integers(-(2**62), 2**62), min_size=2, max_size=4))
def test_normalise_vec_unit_and_direction(v):
    out = normalise_vec(v)
    if not any(v):
        assert out is None
        return
    o = np.array(out, dtype=np.float64)
    assert all(abs(x) <= ONE_Q30 + 2 for x in out)
    assert abs(o @ o / U**2 - 1.0) <= 4 * 2.0**-30
    ref = np.array(v, dtype=np.float64)
    ref = ref / np.linalg.norm(ref)
    assert np.abs(o / U - ref).max() <= 2.0 * 2.0**-29


def _angle_err_deg(g_units, ref_rad) -> float:
    return float(
        np.degrees(np.abs(wrap_rad(np.asarray(g_units) * RAD_PER_UNIT - ref_rad))).max()
    )


def test_atan2_full_range_sweep():
    th = np.linspace(-math.pi, math.pi, 100001)
    for R in (2.0**62, 2.0**60, 2.0**30, 2.0**20, 1e4, 50.0):
        x = np.round(R * np.cos(th)).astype(np.int64)
        y = np.round(R * np.sin(th)).astype(np.int64)
        g = atan2_turns(y, x, FP.atan_table)
        assert g.min() >= -HALF_TURN and g.max() <= HALF_TURN
        err = _angle_err_deg(g, np.arctan2(y.astype(float), x.astype(float)))
        assert err <= ATAN2_MAX_ERR_DEG, (R, err)
    # exact special cases, as numpy's arctan2 with +0.0
    y = np.array([0, 0, 0, 5, -5, 1, -1], dtype=np.int64)
    x = np.array([0, 3, -3, 0, 0, 1, -1], dtype=np.int64)
    assert atan2_turns(y, x, FP.atan_table).tolist() == [
        0,
        0,
        HALF_TURN,
        QUARTER_TURN,
        -QUARTER_TURN,
        TURN // 8,
        -3 * TURN // 8,
    ]


def test_asin_full_range_sweep():
    v = np.concatenate(
        [
            np.arange(-ONE_Q30, ONE_Q30 + 1, 9973),
            [ONE_Q30 - 1, 1 - ONE_Q30, ONE_Q30, -ONE_Q30, 0, 1, -1],
        ]
    ).astype(np.int64)
    g = asin_turns(v, FP.atan_table)
    assert _angle_err_deg(g, np.arcsin(v / U)) <= ATAN2_MAX_ERR_DEG
    assert asin_turns(
        np.array([ONE_Q30, -ONE_Q30, 2 * ONE_Q30]), FP.atan_table
    ).tolist() == [QUARTER_TURN, -QUARTER_TURN, QUARTER_TURN]


# ======================================================================== stage 1: orientation
@FAST
@given(vec3, vec3)
def test_initial_quaternion_vs_float(acc, mag):
    a, m = np.array(acc, float), np.array(mag, float)
    assume(np.linalg.norm(a) > 0 and np.linalg.norm(m) > 0)
    sin = np.linalg.norm(np.cross(a, m)) / (np.linalg.norm(a) * np.linalg.norm(m))
    assume(sin > 1e-6)
    g = np.array(g_or.initial_quaternion(acc, mag)) / U
    assert g[0] >= 0
    # the compass is ill-conditioned for nearly parallel acc and mag: error ~ 1/sin
    assert quat_angle_deg(g, f_initial(a, m)) <= 2e-6 + 4e-7 / sin


@FAST
@given(vec3)
def test_tilt_quaternion_vs_float(acc):
    a = np.array(acc, float)
    assume(np.linalg.norm(a) > 0)
    s = math.hypot(a[1], a[2]) / np.linalg.norm(a)
    g = np.array(g_or.tilt_quaternion(acc)) / U
    if s == 0:  # roll undefined: float takes atan2(0, 0) = 0, golden y = (0, 1, 0)
        assert quat_angle_deg(g, f_tilt(a)) <= 1e-6
    else:
        assert quat_angle_deg(g, f_tilt(a)) <= 2e-6 + 4e-7 / s


def test_degenerate_initial_quaternions():
    assert g_or.initial_quaternion((0, 0, 0), (100, 5, 3)) == g_or.IDENTITY
    assert g_or.tilt_quaternion((0, 0, 0)) == g_or.IDENTITY
    for acc in [(3, 5, 8192), (-300, 2000, -7000)]:
        tilt = g_or.tilt_quaternion(acc)
        assert g_or.initial_quaternion(acc, (0, 0, 0)) == tilt
        assert g_or.initial_quaternion(acc, None) == tilt
        assert (
            g_or.initial_quaternion(acc, tuple(4 * v for v in acc)) == tilt
        )  # parallel
    # acc along the sensor x axis: float pitch = -+90 deg, roll 0
    for acc in [(8192, 0, 0), (-8192, 0, 0)]:
        g = np.array(g_or.tilt_quaternion(acc)) / U
        assert quat_angle_deg(g, f_tilt(np.array(acc, float))) <= 1e-6


def _float_step_conditioning(step, q, *args) -> float:
    """How much the float update moves when q is perturbed at the Q30 level (deg)."""
    rng = np.random.default_rng(0)
    ref = step(q, *args)
    worst = 0.0
    for _ in range(3):
        qp = q + rng.normal(size=4) * 2.0**-30
        worst = max(
            worst, float(quat_angle_deg(step(qp / np.linalg.norm(qp), *args), ref))
        )
    return worst


@FAST
@given(unit_quats, vec3, vec3, vec3)
def test_madgwick_marg_step_vs_float(q, gyr, acc, mag):
    qq = quantise_quat(q)
    qf = qq / U
    sc = MPU9250.gyr_rads_per_count
    args = (np.array(gyr) * sc, np.array(acc, float), np.array(mag, float))
    with np.errstate(all="ignore"):
        ref = f_marg(qf, *args)
        assume(np.all(np.isfinite(ref)))
        assume(_float_step_conditioning(f_marg, qf, *args) < QUAT_STEP_ERR_DEG / 4)
    dth = g_or.gyro_to_dtheta(np.array([gyr]), FP)[0]
    g = np.array(g_or.madgwick_marg_update(qq, dth, acc, mag, FP)) / U
    assert quat_angle_deg(g, ref) <= QUAT_STEP_ERR_DEG
    assert abs(np.linalg.norm(g) - 1) <= 4 * 2.0**-30


@FAST
@given(unit_quats, vec3, vec3)
def test_madgwick_imu_step_vs_float(q, gyr, acc):
    qq = quantise_quat(q)
    qf = qq / U
    args = (np.array(gyr) * MPU9250.gyr_rads_per_count, np.array(acc, float))
    with np.errstate(all="ignore"):
        ref = f_imu(qf, *args)
        assume(np.all(np.isfinite(ref)))
        assume(_float_step_conditioning(f_imu, qf, *args) < QUAT_STEP_ERR_DEG / 4)
    dth = g_or.gyro_to_dtheta(np.array([gyr]), FP)[0]
    g = np.array(g_or.madgwick_imu_update(qq, dth, acc, FP)) / U
    assert quat_angle_deg(g, ref) <= QUAT_STEP_ERR_DEG


def test_madgwick_special_cases():
    q = tuple(
        int(v)
        for v in quantise_quat(
            np.array([0.9, 0.1, -0.3, 0.2]) / np.linalg.norm([0.9, 0.1, -0.3, 0.2])
        )
    )
    z3 = (0, 0, 0)
    # zero gyro: q back bit for bit (both filters)
    assert g_or.madgwick_marg_update(q, z3, (10, 20, 8000), (100, 50, -300), FP) == q
    assert g_or.madgwick_imu_update(q, z3, (10, 20, 8000), FP) == q
    dth = tuple(
        int(v) for v in g_or.gyro_to_dtheta(np.array([[300, -200, 100]]), FP)[0]
    )
    # zero mag -> 6-axis update
    assert g_or.madgwick_marg_update(
        q, dth, (10, 20, 8000), z3, FP
    ) == g_or.madgwick_imu_update(q, dth, (10, 20, 8000), FP)
    # zero acc -> gyro integration only, same in both filters, and as the float
    gi = g_or.madgwick_imu_update(q, dth, z3, FP)
    assert g_or.madgwick_marg_update(q, dth, z3, (100, 50, -300), FP) == gi
    ref = f_imu(
        np.array(q) / U,
        np.array([300, -200, 100]) * MPU9250.gyr_rads_per_count,
        np.zeros(3),
    )
    assert quat_angle_deg(np.array(gi) / U, ref) <= QUAT_STEP_ERR_DEG
    # a non-zero count never gives a zero step
    assert np.all(
        g_or.gyro_to_dtheta(np.array([[1, -1, 32767], [-32768, 1, -1]]), FP) != 0
    )


def test_orientation_on_simulated_recordings(sim_compare):
    assert max(e["quat_deg"] for e in sim_compare) <= QUAT_RUN_ERR_DEG


def test_orientation_6axis_on_simulated_recordings(sim_counts):
    for c in sim_counts[:8]:
        e = compare(c, use_mag=False, fp=FP)
        assert e["quat_deg"] <= QUAT_RUN_ERR_DEG


# ======================================================================== stage 2: euler, points
@FAST
@given(unit_quats)
def test_quat_to_euler_vs_float(q):
    qq = quantise_quat(q)[None, :]
    qf = qq / U
    ref = f_euler(qf)[0]
    g = g_euler(qq, FP)[0]
    assert g.dtype == np.int32
    cp = math.cos(ref[1])
    err = np.degrees(np.abs(wrap_rad(g * RAD_PER_UNIT - ref)))
    # yaw/roll: atan2 of arguments of size cos(pitch) (ill-conditioned at gimbal lock);
    # pitch: asin of a Q30-rounded argument (slope 1/cos(pitch))
    assert err[0] <= ATAN2_MAX_ERR_DEG + 1e-7 / max(cp, 1e-300)
    assert err[2] <= ATAN2_MAX_ERR_DEG + 1e-7 / max(cp, 1e-300)
    assert err[1] <= ATAN2_MAX_ERR_DEG + np.degrees(
        min(2.0**-29 / max(cp, 1e-300), 2.0**-14)
    )


def test_quat_to_euler_well_conditioned_bound():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(4000, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    qq = quantise_quat(q)
    ref = f_euler(qq / U)
    err = np.degrees(np.abs(wrap_rad(g_euler(qq, FP) * RAD_PER_UNIT - ref)))
    ok = np.cos(ref[:, 1]) >= 0.05
    assert err[ok].max() <= EULER_ERR_DEG


@FAST
@given(st.lists(st.integers(-HALF_TURN, HALF_TURN), min_size=1, max_size=40))
def test_unwrap_matches_numpy(a):
    a = np.array(a, dtype=np.int64)
    ref = np.unwrap(a.astype(np.float64), period=float(TURN))
    assert np.array_equal(unwrap_turns(a), ref.astype(np.int64))


@FAST
@given(
    st.lists(
        st.tuples(
            st.integers(-HALF_TURN, HALF_TURN), st.integers(-QUARTER_TURN, QUARTER_TURN)
        ),
        min_size=1,
        max_size=32,
    )
)
def test_points_from_euler_vs_float(yp):
    e = np.array([[y, p, 0] for y, p in yp], dtype=np.int32)
    g = g_points_from_euler(e, FP)
    ref = f_points_from_euler(e * RAD_PER_UNIT, PAPER.points_rotation_rad)
    d = g * RAD_PER_UNIT - ref
    d[:, 0] -= 2 * math.pi * np.round(d[0, 0] / (2 * math.pi))
    assert np.abs(d).max() <= 1e-9  # exact: (-yaw_u, -pitch)
    assert np.array_equal(g[:, 1], -e[:, 1])


def test_heading_near_180_unwraps():
    # a level sensor turning about the vertical through +-180 deg heading (float and golden)
    n, rate = 32, PAPER.sample_rate_hz
    yaw = math.radians(170) + np.arange(n) * math.radians(1.5)
    mw = np.array([20.0, 0.0, -40.0])
    acc = np.tile([0, 0, 8192], (n, 1))
    mag = (
        np.stack([[math.cos(y) * mw[0], -math.sin(y) * mw[0], mw[2]] for y in yaw])
        / 0.15
    )
    gyr = np.tile([0, 0, math.radians(1.5) * rate / MPU9250.gyr_rads_per_count], (n, 1))
    counts = np.round(np.hstack([acc, gyr, mag])).astype(np.int16)
    g = run_golden(counts)
    assert (
        np.abs(g.euler[:, 0]).max() > HALF_TURN - HALF_TURN // 10
    )  # crosses the branch cut
    assert np.all(
        np.abs(np.diff(g.points[:, 0])) < TURN // 50
    )  # continuous after unwrap
    assert np.all(np.diff(g.points[:, 0]) <= 0)  # heading grows: x = -yaw decreases
    e = compare(counts, fp=FP)
    assert e["points_deg"] <= EULER_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT


def test_heading_180_simulated():
    for c in simulated_recordings(6, seed=7, heading_deg=180.0):
        g = run_golden(c)
        assert np.all(np.abs(np.diff(g.points[:, 0].astype(np.int64))) < TURN // 8)
        e = compare(c, fp=FP)
        assert e["points_deg"] <= EULER_ERR_DEG
        assert e["normalised"] <= POINT_ERR_UNIT


# ======================================================================== stage 3-5
def _float_paths(min_n=1, max_n=32, lo=-3.0, hi=3.0):
    return st.lists(
        st.tuples(st.floats(lo, hi), st.floats(lo, hi)), min_size=min_n, max_size=max_n
    ).map(lambda v: np.array(v, dtype=np.float64))


@FAST
@given(_float_paths())
def test_normalise_vs_float(p):
    pa = quantise_angle(p)
    pf = pa * RAD_PER_UNIT
    g = g_normalise(pa)
    assert g.dtype == np.int32 and g.min() >= 0 and g.max() <= ONE_Q30
    r = np.ptp(pa, axis=0).max()
    if r == 0:
        assert np.all(g == ONE_Q30 // 2)
    else:
        # one rounding of the exact rational (p - lo)/r + (1 - rng/r)/2
        assert np.abs(g / U - f_normalise(pf)).max() <= 2.0**-31 + 1e-12 * r


def test_normalise_stationary_and_axes():
    assert np.all(g_normalise(np.full((32, 2), 12345, dtype=np.int32)) == ONE_Q30 // 2)
    g = g_normalise(np.array([[0, 0], [100, 10]], dtype=np.int32))
    assert g.tolist() == [
        [0, ONE_Q30 // 2 - ONE_Q30 // 20],
        [ONE_Q30, ONE_Q30 // 2 + ONE_Q30 // 20],
    ]


@FAST
@given(_float_paths(lo=0.0, hi=1.0), st.sampled_from([1, 3, 5]))
def test_smooth_vs_float(p, window):
    pq = quantise_unit(p)
    g = g_smooth(pq, window)
    assert g.dtype == np.int32
    assert np.abs(g / U - f_smooth(pq / U, window)).max() <= 2.0**-31 + 1e-15
    if len(p) >= 1:
        const = g_smooth(np.tile(pq[:1], (len(p), 1)), window)
        assert np.all(const == pq[0])


def test_thin_end_index_formula_equals_float():
    for frac in (0.25, 0.0, 1.0, 0.1, 0.3, 1 / 3, 0.5, 0.75):
        fp = derive_fixed_params(replace(PAPER, thin_end_fraction=frac))
        assert all(
            g_end_start_index(n, fp) == f_end_start_index(n, frac) for n in range(20001)
        ), frac


@FAST
@given(_float_paths(lo=0.0, hi=1.0, max_n=32))
def test_thin_vs_float(p):
    pq = quantise_unit(p)
    pf = pq / U
    keep = g_thin_indices(pq, FP)
    ref = f_thin_indices(
        pf, PAPER.thin_min_dist, PAPER.thin_end_min_dist, PAPER.thin_end_fraction
    )
    if not np.array_equal(keep, ref):
        # only a distance within rounding of a threshold may decide differently
        d = np.sqrt(((pf[:, None, :] - pf[None, :, :]) ** 2).sum(-1))
        near = np.minimum(
            np.abs(d - PAPER.thin_min_dist), np.abs(d - PAPER.thin_end_min_dist)
        ).min()
        assert near < 1e-9
    assert keep[0] == 0 and np.all(np.diff(keep) > 0)


def test_thin_threshold_is_inclusive_and_exact():
    T = FP.thin_min
    p = np.array([[0, 0], [T, 0], [T, T - 1], [2 * T, 0]], dtype=np.int32)
    # 4 points: i_end = 3, so point 3 uses the end threshold (4 T): dropped
    assert g_thin_indices(p, FP).tolist() == [0, 1]  # |d| == T is kept, T - 1 is not
    q = np.array([[0, 0], [T - 1, 0], [T, 0], [T, 1]], dtype=np.int32)
    assert g_thin_indices(q, FP).tolist() == [0, 2]


# ======================================================================== stage 6: resample
@st.composite
def thinned_paths(draw, max_n=32):
    """Paths as thin leaves them (consecutive points >= 0.01 apart), from random walks."""
    n = draw(st.integers(1, max_n))
    steps = draw(
        st.lists(
            st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3)),
            min_size=n,
            max_size=n,
        )
    )
    p = np.cumsum(np.array(steps), axis=0)
    p = p - p.min(axis=0)
    p = p / max(np.ptp(p, axis=0).max(), 1e-9)
    pq = quantise_unit(np.clip(p, 0, 1))
    return pq[g_thin_indices(pq, FP)]


@FAST
@given(thinned_paths())
def test_resample_vs_float_on_thinned_paths(pq):
    g = g_resample(pq, FP)
    assert (
        g.shape == (100, 2)
        and g.dtype == np.int32
        and g.min() >= 0
        and g.max() <= ONE_Q30
    )
    ref = f_resample(pq / U, 100)
    assert np.abs(g / U - ref).max() <= RESAMPLE_ERR_UNIT


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, ONE_Q30), st.integers(0, ONE_Q30)),
        min_size=1,
        max_size=32,
    ),
    st.integers(0, 3),
)
def test_resample_any_points(pts, mode):
    """Arbitrary Q30 points (repeats, 1-ulp chords): no overflow, in range, ends kept;
    against the float spline the error grows like 1/(shortest chord) (chords are rounded
    to 0.5 ulp, so a 1-ulp chord's direction is coarse)."""
    pq = np.array(pts, dtype=np.int64)
    if mode == 1:  # tiny chords: points 0..3 ulp apart
        pq = np.clip(pq[:1] + np.cumsum(np.array(pts) % 4 - 1, axis=0), 0, ONE_Q30)
    elif mode == 2:  # duplicates
        pq = np.repeat(pq, 2, axis=0)[:32]
    pq = pq.astype(np.int32)
    g = g_resample(pq, FP)
    assert g.dtype == np.int32 and g.min() >= 0 and g.max() <= ONE_Q30
    d = drop_repeats(pq, FP)
    assert (
        np.array_equal(g[0], d[0]) and np.abs(g[-1].astype(np.int64) - d[-1]).max() <= 1
    )
    ref = f_resample(pq / U, 100)
    if len(d) >= 2:
        hmin = min(chord_lengths(d.tolist())) / U
        # chords are rounded to 0.5 ulp: a relative slope error of 2^-31 / hmin
        assert np.abs(g / U - ref).max() <= RESAMPLE_ERR_UNIT + 5e-10 / hmin


@SLOW
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, 1000, 2**20, 2**27]), st.booleans(), st.booleans()
        ),
        min_size=3,
        max_size=31,
    )
)
def test_spline_moments_bound_on_adversarial_chords(steps):
    """Zig-zags with slope changes of +-2 and chord ratios up to 2^27: |w| <= sum |r| <= 12 (m-2) (Q22, int32)."""
    p = [(0, 0)]
    for s, axis, sign in steps:
        x, y = p[-1]
        if axis:
            p.append((x + s, y + (s if sign else -s)))
        else:
            p.append((x + s, y - (s if sign else -s)))
    pq = np.array(p, dtype=np.int64)
    pq -= pq.min(axis=0)
    if pq.max() > ONE_Q30:
        pq = pq * ONE_Q30 // pq.max()
    d = drop_repeats(pq.astype(np.int32), FP)
    m = len(d)
    assume(m >= 3)
    h = chord_lengths(d.tolist())
    al, be = spline_coefficients(h)
    for k in range(2):
        y = d[:, k].tolist()
        w = spline_moments(h, y, al, be)
        slopes = [(y[j + 1] - y[j]) / h[j] for j in range(m - 1)]
        r1 = sum(6 * abs(slopes[i] - slopes[i - 1]) for i in range(1, m - 1))
        assert sum(abs(v) for v in w) <= (r1 + 1e-6 * m) * 2**22  # ||B^-1||_1 <= 1
        assert max(abs(v) for v in w) <= 12 * (m - 2) * 2**22 < 2**31
    g = g_resample(d, FP)
    assert g.min() >= 0 and g.max() <= ONE_Q30


def test_resample_fallbacks():
    a, b, c = (
        [ONE_Q30 // 4, ONE_Q30 // 2],
        [3 * ONE_Q30 // 4, ONE_Q30 // 2],
        [3 * ONE_Q30 // 4, ONE_Q30],
    )
    one = g_resample(np.array([a, a, a], dtype=np.int32), FP)
    assert np.all(one == a)
    two = g_resample(np.array([a, b], dtype=np.int32), FP)
    assert (
        np.all(two[:, 1] == ONE_Q30 // 2) and two[0, 0] == a[0] and two[-1, 0] == b[0]
    )
    assert np.abs(np.diff(two[:, 0].astype(np.int64), 2)).max() <= 2  # equally spaced
    three = g_resample(np.array([a, b, c], dtype=np.int32), FP)
    ref = f_resample(np.array([a, b, c]) / U, 100)
    assert np.abs(three / U - ref).max() <= 2e-9  # piecewise linear
    with pytest.raises(PipelineError):
        g_resample(
            np.zeros((MAX_POINTS + 1, 2), dtype=np.int32)
            + np.arange(MAX_POINTS + 1)[:, None] * 1000,
            FP,
        )


# ======================================================================== stage 7: raster
@SLOW
@given(thinned_paths())
def test_raster_vs_float(pq):
    pts = g_resample(pq, FP)
    pf = pts / U
    g = g_raster(pts, FP)
    assert (
        g.dtype == np.int32
        and g.shape == (28, 28)
        and g.min() >= 0
        and g.max() == 1 << 15
    )
    ref = f_raster(pf, PAPER)
    same_canvas = np.array_equal(
        g_draw(pts, FP).astype(bool), f_draw(pf, PAPER).astype(bool)
    )
    if same_canvas:
        assert np.abs(g / 2.0**15 - ref).max() <= IMAGE_ISO_ERR
    else:  # a stamp centre rounded to the other pixel (position within ~1e-6 px of .5)
        assert np.abs(g / 2.0**15 - ref).mean() <= IMAGE_RUN_MEAN_ERR


def test_raster_single_point_and_uint8():
    g = g_raster(np.array([[ONE_Q30 // 2, ONE_Q30 // 2]], dtype=np.int32), FP)
    ref = f_raster(np.array([[0.5, 0.5]]), PAPER)
    assert np.abs(g / 2.0**15 - ref).max() <= IMAGE_ISO_ERR
    assert g.max() == 1 << 15 and np.array_equal(g, g.T)
    u8 = to_uint8(g)
    assert u8.dtype == np.uint8 and u8.max() == 255 and u8.min() == 0
    assert to_uint8(np.array([0, 1 << 14, 1 << 15])).tolist() == [0, 128, 255]


# ======================================================================== whole pipeline
def _assert_integer_stages(g: GoldenStages):
    for name in (
        "quaternions",
        "euler",
        "points",
        "normalised",
        "smoothed",
        "thin_keep",
        "thinned",
        "resampled",
        "image",
    ):
        a = getattr(g, name)
        assert a.dtype.kind in "iu", name
        assert a.min() >= -(2**31) and a.max() < 2**31, name
    for name in ("normalised", "smoothed", "thinned", "resampled"):
        a = getattr(g, name)
        assert a.min() >= 0 and a.max() <= ONE_Q30, name
    assert np.abs(g.quaternions).max() <= ONE_Q30 + 2
    assert np.abs(g.euler).max() <= HALF_TURN
    assert g.image.min() >= 0 and g.image.max() <= 1 << 15


def test_pipeline_on_simulated_recordings(sim_counts, sim_compare):
    same = [e for e in sim_compare if e["thin_same"]]
    assert len(same) >= 0.9 * len(sim_compare)
    for e in sim_compare:
        assert e["quat_deg"] <= QUAT_RUN_ERR_DEG
        assert (
            max(e["yaw_deg"], e["pitch_deg"], e["roll_deg"], e["points_deg"])
            <= EULER_ERR_DEG
        )
        assert max(e["normalised"], e["smoothed"]) <= POINT_ERR_UNIT
        assert e["iso_resample"] <= 1e-7 and e["iso_image_max"] <= IMAGE_ISO_ERR
    for e in same:
        assert e["resampled"] <= POINT_ERR_UNIT
        assert e["image_mean"] <= IMAGE_RUN_MEAN_ERR
    for c in sim_counts[:4]:
        _assert_integer_stages(run_golden(c))


@pytest.mark.data
def test_pipeline_on_digilets_letters(digilets_dir):
    for c in simulated_recordings(8, seed=11, digilets_root=digilets_dir):
        e = compare(c, fp=FP)
        assert e["quat_deg"] <= QUAT_RUN_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT
        if e["thin_same"]:
            assert (
                e["resampled"] <= POINT_ERR_UNIT
                and e["image_mean"] <= IMAGE_RUN_MEAN_ERR
            )


def test_determinism(sim_counts):
    c = sim_counts[0]
    a, b = run_golden(c), run_golden(c.copy())
    for name in (
        "quaternions",
        "euler",
        "points",
        "normalised",
        "smoothed",
        "thin_keep",
        "thinned",
        "resampled",
        "image",
    ):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.to_float().resampled.dtype == np.float64


def _stationary_counts():
    c = np.zeros((32, 9), dtype=np.int16)
    c[:, 0:3] = (120, -340, 8150)
    c[:, 6:9] = (140, 10, -260)
    return c


def test_stationary_glove():
    c = _stationary_counts()
    g = run_golden(c)
    assert np.all(g.quaternions == g.quaternions[0])  # zero gyro: q bit for bit
    assert np.all(g.points == g.points[0])
    assert np.all(g.normalised == ONE_Q30 // 2) and np.all(g.smoothed == ONE_Q30 // 2)
    assert g.thinned.shape == (1, 2) and np.all(g.resampled == ONE_Q30 // 2)
    ph = to_physical(c)
    f = float_run(ph[:, 0:3], ph[:, 3:6], ph[:, 6:9])
    assert quat_angle_deg(g.to_float().quaternions, f.quaternions).max() <= 1e-5
    assert np.array_equal(g.to_float().resampled, f.resampled)
    assert np.abs(g.to_float().image - f.image).max() <= IMAGE_ISO_ERR


def _float_sensitivity_deg(counts, use_mag=True) -> float:
    """Largest change of one float Madgwick step when its a-priori q moves by ~2^-30.

    Large where the objective f is ~0 (estimate already agrees with the measurements to
    rounding) or at a stationary point of |f|^2: the normalised gradient is then rounding
    noise in the float twin and quantisation noise in the golden one, and the two take
    their beta*dt steps (up to 0.087 deg of rotation each) in unrelated directions.
    """
    from glovexfer.pipeline.orientation import orientation as f_orientation

    ph = to_physical(counts)
    acc, gyr, mag = ph[:, 0:3], ph[:, 3:6], ph[:, 6:9]
    Q = f_orientation(acc, gyr, mag if use_mag else None)
    rng = np.random.default_rng(0)
    worst = 0.0
    with np.errstate(all="ignore"):
        for t in range(1, len(Q)):
            if use_mag:

                def step(q, t=t):
                    return f_marg(q, gyr[t], acc[t], mag[t])

            else:

                def step(q, t=t):
                    return f_imu(q, gyr[t], acc[t])

            ref = step(Q[t - 1])
            for _ in range(2):
                qp = Q[t - 1] + rng.normal(size=4) * 2.0**-30
                worst = max(
                    worst, float(quat_angle_deg(step(qp / np.linalg.norm(qp)), ref))
                )
    return worst


@pytest.mark.parametrize("value", [32767, -32768])
def test_saturated_constant_counts(value):
    """Every channel at full scale: runs within every range claim.  The float twin is
    ill-conditioned here (constant acc = mag direction: f ~ 0 after the initial quaternion),
    so the orientations agree only to the size of a few beta*dt steps."""
    c = np.full((32, 9), value, dtype=np.int16)
    g = run_golden(c)  # raises OverflowError if any range claim were violated
    _assert_integer_stages(g)
    assert _float_sensitivity_deg(c) > 1e-3  # documents the ill-conditioning
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_saturated_random_full_scale(seed):
    """Every count at +32767 or -32768 (random pattern): agrees with the float twin."""
    rng = np.random.default_rng(seed)
    c = np.where(rng.random((32, 9)) < 0.5, 32767, -32768).astype(np.int16)
    _assert_integer_stages(run_golden(c))
    assert _float_sensitivity_deg(c) < QUAT_STEP_ERR_DEG / 4
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG
    assert max(e["yaw_deg"], e["pitch_deg"]) <= EULER_ERR_DEG
    assert e["normalised"] <= POINT_ERR_UNIT


def test_saturated_gyro_on_simulated(sim_counts):
    c = sim_counts[3].copy()
    c[8:20, 3:6] = np.where(
        c[8:20, 3:6] >= 0, 32767, -32768
    )  # a violent turn: every gyro axis at full scale
    _assert_integer_stages(run_golden(c))
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT


def test_all_zero_mag_is_6axis(sim_counts):
    c = sim_counts[1].copy()
    c[:, 6:9] = 0
    a, b = run_golden(c), run_golden(c, use_mag=False)
    for name in ("quaternions", "resampled", "image"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    e = compare(c, fp=FP)  # float: MARG with zero mag falls back to 6-axis too
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT


def test_zero_acc_samples(sim_counts):
    c = sim_counts[2].copy()
    c[5:9, 0:3] = 0
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG


def test_very_short_motion():
    """One small turn right after the start, then still: 3 points survive thin (smooth
    puts one between the two poses) -> the linear fallback, as the float twin."""
    c = _stationary_counts()
    rotvec = np.radians([0.0, 1.2, 2.0])  # body-frame turn during sample 1
    th = np.linalg.norm(rotvec)
    k = rotvec / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    R = np.eye(3) + math.sin(th) * K + (1 - math.cos(th)) * K @ K
    c[1:, 0:3] = np.round(c[0, 0:3].astype(float) @ R).astype(
        np.int16
    )  # R^T v, a world-fixed vector
    c[1:, 6:9] = np.round(c[0, 6:9].astype(float) @ R).astype(np.int16)
    c[1, 3:6] = np.round(
        rotvec * PAPER.sample_rate_hz / MPU9250.gyr_rads_per_count
    ).astype(np.int16)
    assert _float_sensitivity_deg(c) < QUAT_STEP_ERR_DEG / 4  # well-conditioned
    g = run_golden(c)
    assert len(g.thin_keep) == 3
    e = compare(c, fp=FP)
    assert (
        e["thin_same"]
        and e["resampled"] <= POINT_ERR_UNIT
        and e["image_mean"] <= IMAGE_RUN_MEAN_ERR
    )


@SLOW
@given(
    st.lists(st.lists(counts16, min_size=9, max_size=9), min_size=1, max_size=32),
    st.booleans(),
)
def test_random_counts_run_and_match(rows, use_mag):
    c = np.array(rows, dtype=np.int16)
    g = run_golden(c, use_mag=use_mag)
    _assert_integer_stages(g)
    ph = to_physical(c)
    with np.errstate(all="ignore"):
        try:
            f = float_run(ph[:, 0:3], ph[:, 3:6], ph[:, 6:9] if use_mag else None)
        except PipelineError:  # the float twin's 0/0 gradient (see golden.orientation)
            assume(False)
    assume(_float_sensitivity_deg(c, use_mag) < QUAT_STEP_ERR_DEG / 4)
    assert (
        quat_angle_deg(g.to_float().quaternions, f.quaternions).max()
        <= QUAT_RUN_ERR_DEG
    )


def test_bad_input_is_rejected():
    with pytest.raises(PipelineError):
        run_golden(np.zeros((32, 9), dtype=np.int32))
    with pytest.raises(PipelineError):
        run_golden(np.zeros((32, 8), dtype=np.int16))
    with pytest.raises(PipelineError):
        run_golden(np.zeros((33, 9), dtype=np.int16))
    with pytest.raises(OverflowError):
        fixed.chk32(2**31)


# ======================================================================== integer-only source
DEVICE_MODULES = [
    fixed,
    g_or,
    g_points_mod,
    g_normalise_mod,
    g_smooth_mod,
    g_thin_mod,
    g_resample_mod,
    g_raster_mod,
]
NOT_DEVICE = {
    "derive_fixed_params",
    "_derive",
    "_round_half_up",
    "_scaled_constant",
    "as_dict",
    "input_quantiser",
}
FLOAT_NAMES = {
    "float",
    "sqrt",
    "atan2",
    "arctan2",
    "asin",
    "arcsin",
    "atan",
    "exp",
    "log",
    "cos",
    "sin",
    "float64",
    "float32",
    "isclose",
    "hypot",
    "linspace",
    "true_divide",
}


def _device_functions():
    for mod in DEVICE_MODULES:
        for name, obj in vars(mod).items():
            obj = getattr(obj, "__wrapped__", obj)  # lru_cache
            if (
                inspect.isfunction(obj)
                and obj.__module__ == mod.__name__
                and name not in NOT_DEVICE
            ):
                yield mod.__name__ + "." + name, obj
    yield "pipeline.run_golden", g_pipeline_mod.run_golden
    yield "pipeline._check_counts", g_pipeline_mod._check_counts


def test_device_path_has_no_floating_point():
    """No float literal, true division, or float function in any device-path function."""
    names = []
    for qual, fn in _device_functions():
        names.append(qual)
        tree = ast.parse(
            inspect.getsource(fn).strip()
            if not inspect.getsource(fn).startswith(" ")
            else "if 1:\n" + inspect.getsource(fn)
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                pytest.fail(f"{qual}: float literal {node.value}")
            if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(
                node.op, ast.Div
            ):
                pytest.fail(f"{qual}: true division '/'")
            if isinstance(node, ast.Name) and node.id in FLOAT_NAMES:
                pytest.fail(f"{qual}: uses {node.id}")
            if isinstance(node, ast.Attribute) and node.attr in FLOAT_NAMES:
                pytest.fail(f"{qual}: uses .{node.attr}")
    assert len(names) > 40


def test_image_to_int8_matches_host_quantiser():
    from glovexfer.golden.quant import quantize_to_int8
    from glovexfer.golden.raster import image_to_int8, input_quantiser

    v = np.arange(0, (1 << 15) + 1, dtype=np.int64)
    for scale, zp in ((1 / 255, -128), (0.0039215, -128), (1 / 127, 0), (0.0123, -5)):
        mult, rshift = input_quantiser(scale)
        g = image_to_int8(v, mult, rshift, zp).astype(np.int64)
        ref = quantize_to_int8(v / 2.0**15, scale, zp).astype(np.int64)
        assert np.abs(g - ref).max() <= 1
        assert np.mean(g != ref) < 1e-3
    mult, rshift = input_quantiser(1 / 255)
    assert np.array_equal(
        image_to_int8(v, mult, rshift, -128).astype(np.int64),
        to_uint8(v).astype(np.int64) - 128,
    )
