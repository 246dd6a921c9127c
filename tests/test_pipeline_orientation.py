"""Stage 1 (orientation): Madgwick filter against ahrs, initial quaternion, conventions."""

from __future__ import annotations

import numpy as np
import pytest

from glovexfer.simulate.kinematics import euler_zyx_to_quat
from glovexfer.errors import PipelineError
from glovexfer.params import GRAVITY_MPS2, PAPER
from glovexfer.pipeline.orientation import (
    initial_quaternion,
    madgwick_imu_update,
    madgwick_marg_update,
    matrix_to_quat,
    orientation,
    quat_multiply,
    quat_to_matrix,
    tilt_quaternion,
)

ahrs = pytest.importorskip("ahrs")
from ahrs.common.orientation import acc2q, ecompass  # noqa: E402
from ahrs.filters import Madgwick  # noqa: E402

INCL = np.radians(60.0)
M_WORLD = 48.0 * np.array([np.cos(INCL), 0.0, -np.sin(INCL)])  # uT, NWU, pointing down
DT = 1.0 / PAPER.sample_rate_hz
# q = qz(yaw) qy(pitch) qx(roll), vectorised: the same convention the simulator uses
quat_from_zyx = euler_zyx_to_quat




def synthetic_motion(n=200, seed=0, noise=True, yaw0=None):
    """A smooth random orientation trajectory and the sensor readings it produces."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * DT
    ang = []
    for k in range(3):
        a = rng.uniform(0.2, 1.0, 3) * (1.5 if k == 0 else 0.6)
        f = rng.uniform(0.1, 0.8, 3)
        ph = rng.uniform(0, 2 * np.pi, 3)
        ang.append((a[:, None] * np.sin(2 * np.pi * f[:, None] * t + ph[:, None])).sum(0))
    yaw, pitch, roll = ang
    if yaw0 is not None:
        yaw = yaw - yaw[0] + yaw0
    q = quat_from_zyx(yaw, pitch, roll)
    # body rates: the rotation from sample t-1 to t, expressed in the sensor frame
    gyr = np.zeros((n, 3))
    for i in range(1, n):
        d = quat_multiply(q[i - 1] * [1, -1, -1, -1], q[i])
        d = d if d[0] >= 0 else -d
        s = np.linalg.norm(d[1:])
        gyr[i] = 0.0 if s == 0 else d[1:] / s * 2 * np.arctan2(s, d[0]) / DT
    gyr[0] = gyr[1]
    R = np.stack([quat_to_matrix(x) for x in q])
    acc = np.einsum("nji,j->ni", R, [0.0, 0.0, GRAVITY_MPS2])
    mag = np.einsum("nji,j->ni", R, M_WORLD)
    if noise:
        acc += rng.normal(0, 0.05, acc.shape)
        gyr += rng.normal(0, 0.01, gyr.shape)
        mag += rng.normal(0, 0.3, mag.shape)
    return q, acc, gyr, mag


def sign_aligned_err(a, b):
    # np.array(..., float): ahrs returns its Quaternion subclass, whose ``*`` is the product
    a, b = np.atleast_2d(np.array(a, dtype=float)), np.atleast_2d(np.array(b, dtype=float))
    s = np.sign(np.sum(a * b, axis=1))
    s[s == 0] = 1
    return float(np.max(np.abs(a - s[:, None] * b)))


# ---------------------------------------------------------------------- vs ahrs
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_marg_matches_ahrs(seed):
    _, acc, gyr, mag = synthetic_motion(seed=seed)
    ours = orientation(acc, gyr, mag)
    ref = Madgwick(gyr=gyr, acc=acc, mag=mag, frequency=PAPER.sample_rate_hz, gain=PAPER.madgwick_beta).Q
    assert ours.shape == (len(acc), 4)
    assert sign_aligned_err(ours, ref) < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_imu_matches_ahrs(seed):
    _, acc, gyr, _ = synthetic_motion(seed=seed)
    ours = orientation(acc, gyr, None, beta=0.033)
    ref = Madgwick(gyr=gyr, acc=acc, frequency=PAPER.sample_rate_hz, gain=0.033).Q
    assert sign_aligned_err(ours, ref) < 1e-6
    # ahrs's default q0 in 6-axis mode is acc2q, our tilt_quaternion
    assert sign_aligned_err(ours[0], acc2q(acc[0])) < 1e-12


def test_sample_zero_gets_no_update():
    _, acc, gyr, mag = synthetic_motion(n=5, seed=3)
    Q = orientation(acc, gyr, mag)
    assert np.array_equal(Q[0], initial_quaternion(acc[0], mag[0]))
    assert np.allclose(Q[1], madgwick_marg_update(Q[0], gyr[1], acc[1], mag[1], PAPER.madgwick_beta, DT), atol=0)


def test_single_updates_match_ahrs_including_zero_cases():
    rng = np.random.default_rng(5)
    f = Madgwick(frequency=PAPER.sample_rate_hz, gain=PAPER.madgwick_beta)
    for _ in range(20):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        g, a, m = rng.normal(size=3), rng.normal(size=3) * 9, rng.normal(size=3) * 40
        for gg, aa, mm in [(g, a, m), (g, np.zeros(3), m), (g, a, np.zeros(3)), (np.zeros(3), a, m)]:
            ours = madgwick_marg_update(q, gg, aa, mm, PAPER.madgwick_beta, DT)
            assert sign_aligned_err(ours, f.updateMARG(q, gg, aa, mm)) < 1e-12
            ours = madgwick_imu_update(q, gg, aa, PAPER.madgwick_beta, DT)
            assert sign_aligned_err(ours, f.updateIMU(q, gg, aa)) < 1e-12


def test_zero_mag_column_is_six_axis_mode():
    _, acc, gyr, mag = synthetic_motion(n=60, seed=4)
    assert np.array_equal(orientation(acc, gyr, np.zeros_like(mag)), orientation(acc, gyr, None))


# ---------------------------------------------------------------------- initial quaternion
@pytest.mark.parametrize("seed", range(8))
def test_initial_quaternion_recovers_static_orientation(seed):
    rng = np.random.default_rng(seed)
    yaw = rng.uniform(-np.pi, np.pi)
    pitch = rng.uniform(-1.4, 1.4)
    roll = rng.uniform(-np.pi, np.pi)
    q = quat_from_zyx(yaw, pitch, roll)
    R = quat_to_matrix(q)
    acc = R.T @ [0, 0, GRAVITY_MPS2]
    mag = R.T @ M_WORLD
    q0 = initial_quaternion(acc, mag)
    assert sign_aligned_err(q0, q) < 1e-9
    assert q0[0] >= 0 and abs(np.linalg.norm(q0) - 1) < 1e-15
    assert sign_aligned_err(q0, ecompass(acc, mag, frame="NED", representation="quaternion")) < 1e-9


@pytest.mark.parametrize("yaw", [np.pi, -np.pi + 1e-9, np.pi / 2, 0.0])
def test_initial_quaternion_special_headings(yaw):
    q = quat_from_zyx(yaw, 0.0, 0.0)
    R = quat_to_matrix(q)
    assert sign_aligned_err(initial_quaternion(R.T @ [0, 0, 9.81], R.T @ M_WORLD), q) < 1e-9


def test_initial_quaternion_degenerate():
    acc = np.array([1.0, 2.0, 9.0])
    tilt = tilt_quaternion(acc)
    assert sign_aligned_err(tilt, acc2q(acc)) < 1e-12
    assert np.array_equal(initial_quaternion(acc, None), tilt)
    assert np.array_equal(initial_quaternion(acc, np.zeros(3)), tilt)
    assert np.array_equal(initial_quaternion(acc, -3.0 * acc), tilt)  # mag parallel to acc
    assert np.array_equal(initial_quaternion(np.zeros(3), [20.0, 0, -40]), [1.0, 0, 0, 0])
    assert np.array_equal(tilt_quaternion(np.zeros(3)), [1.0, 0, 0, 0])
    # tilt gives yaw 0 and the right gravity direction
    R = quat_to_matrix(tilt)
    assert np.allclose(R @ (acc / np.linalg.norm(acc)), [0, 0, 1], atol=1e-12)
    assert abs(np.arctan2(R[1, 0], R[0, 0])) < 1e-12


def test_matrix_to_quat_roundtrip_all_branches():
    rng = np.random.default_rng(9)
    qs = list(rng.normal(size=(50, 4))) + [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    for q in qs:
        q = np.asarray(q, float) / np.linalg.norm(q)
        assert sign_aligned_err(matrix_to_quat(quat_to_matrix(q)), q) < 1e-12


# ---------------------------------------------------------------------- static / conventions
def test_static_sensor_stays_put():
    q = quat_from_zyx(0.7, -0.2, 0.3)
    R = quat_to_matrix(q)
    n = 64
    acc = np.tile(R.T @ [0, 0, GRAVITY_MPS2], (n, 1))
    mag = np.tile(R.T @ M_WORLD, (n, 1))
    Q = orientation(acc, np.zeros((n, 3)), mag)  # zero gyro: no update at all (as ahrs)
    assert sign_aligned_err(Q, np.tile(q, (n, 1))) < 1e-9
    gyr = np.random.default_rng(0).normal(0, 2e-3, (n, 3))  # gyro noise only
    for m in (mag, None):
        Q = orientation(acc, gyr, m)
        ref = q if m is not None else tilt_quaternion(acc[0])
        ang = 2 * np.arccos(np.clip(np.abs(Q @ ref), 0, 1))
        assert ang.max() < 0.01


def test_turn_right_and_up_signs():
    """Pointing forward (north), turning right lowers yaw; lifting the finger lowers pitch."""
    n = 32
    t = np.arange(n) * DT
    for yaw, pitch in [(-0.8 * t, 0 * t), (0 * t, -0.8 * t)]:
        q = quat_from_zyx(yaw, pitch, 0 * t)
        R = np.stack([quat_to_matrix(x) for x in q])
        fwd = R[:, :, 0]  # sensor x axis in the world
        if yaw[-1] != 0:
            assert fwd[-1, 1] < 0  # pointing towards east (negative west): turned right
        else:
            assert fwd[-1, 2] > 0  # pointing up
        acc = np.einsum("nji,j->ni", R, [0, 0, GRAVITY_MPS2])
        mag = np.einsum("nji,j->ni", R, M_WORLD)
        gyr = np.zeros((n, 3))
        gyr[:, 2 if yaw[-1] != 0 else 1] = -0.8
        Q = orientation(acc, gyr, mag)
        from glovexfer.pipeline.points import quat_to_euler

        e = quat_to_euler(Q)
        k = 0 if yaw[-1] != 0 else 1
        assert e[-1, k] < e[0, k] - 0.5


def test_orientation_bad_input():
    _, acc, gyr, mag = synthetic_motion(n=10, seed=0)
    bad = acc.copy()
    bad[3, 1] = np.nan
    for args in [(bad, gyr, mag), (acc, gyr[:5], mag), (acc[:, :2], gyr, mag), (acc, gyr, np.inf * mag), (acc[:0], gyr[:0], None)]:
        with pytest.raises(PipelineError) as e:
            orientation(*args)
        assert e.value.stage == "orientation" and "orientation" in str(e.value)
    with pytest.raises(PipelineError):
        initial_quaternion([np.nan, 0, 1], [1, 0, 0])
    with pytest.raises(PipelineError):
        madgwick_imu_update([0, 0, 0, 0], [0, 0, 1], [0, 0, 1])
