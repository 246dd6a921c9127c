"""Golden stage 2, ``golden.points`` (Euler angles, heading unwrap, points), against its float twin.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures


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
