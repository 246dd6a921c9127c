"""Golden stage 1, ``golden.orientation`` (fixed-point Madgwick), against its float twin.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures


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
