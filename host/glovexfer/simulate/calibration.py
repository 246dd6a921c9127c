"""The glove's sensor-calibration runs, simulated: what the IMU delivers while the wearer
holds the glove still (gyroscope bias) and while they turn the hand through many
orientations (magnetometer hard and soft iron).

Both use the wearer's own ``SensorErrors`` (bias, gain, misalignment, hard iron, noise), so
a calibration estimated from them can be checked against the simulator's settings:
``without_offsets(style)`` is the same glove with zero gyro bias and hard iron, whose
recordings (same ``rng`` seed) are the "true counts" a calibration should recover.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..data.recordings import to_counts
from ..params import GRAVITY_MPS2, MPU9250, SAMPLE_RATE_HZ, SensorSpec
from .config import DEFAULT_CONFIG, SimulatorConfig
from .imu import apply_sensor_errors, earth_field
from .kinematics import euler_zyx_to_quat, quat_to_matrix
from .users import UserStyle

_ZERO = (0.0, 0.0, 0.0)


def without_offsets(style: UserStyle) -> UserStyle:
    """``style`` with a glove that has no gyro bias and no hard iron (everything else equal)."""
    return replace(style, sensor=replace(style.sensor, gyr_bias_rads=_ZERO, hard_iron_ut=_ZERO))


def _session(R: np.ndarray, omega: np.ndarray, style: UserStyle, rng: np.random.Generator,
             sensor: SensorSpec, config: SimulatorConfig) -> np.ndarray:
    acc = np.einsum("nji,j->ni", R, np.array([0.0, 0.0, GRAVITY_MPS2]))
    mag = np.einsum("nji,j->ni", R, earth_field(config))
    ideal = np.concatenate([acc, omega, mag], axis=1)
    counts, _ = to_counts(apply_sensor_errors(ideal, style.sensor, rng), sensor)
    return counts


def still_session(style: UserStyle, rng: np.random.Generator, n: int = 54, sensor: SensorSpec = MPU9250,
                  config: SimulatorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """(n, 9) int16: the glove resting in one (random) orientation for n samples at 27 Hz."""
    yaw, pitch, roll = rng.uniform(-np.pi, np.pi), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)
    R = np.repeat(quat_to_matrix(euler_zyx_to_quat(yaw, pitch, roll))[None], n, axis=0)
    return _session(R, np.zeros((n, 3)), style, rng, sensor, config)


def _rz(a):
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def _ry(a):
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def sweep_session(style: UserStyle, rng: np.random.Generator, n: int = 324, sensor: SensorSpec = MPU9250,
                  config: SimulatorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """(n, 9) int16: the hand turning through every orientation for n samples at 27 Hz.

    The Earth's field, seen from the sensor, runs along a spiral over the whole sphere (six
    turns from one pole to the other): ``R(t)^T b = (sin th cos ph, sin th sin ph, cos th)``
    with ``th`` from 0 to pi, ``ph`` six turns, ``b`` the field's direction; the gyroscope
    sees the body rate of that motion."""
    T = n / SAMPLE_RATE_HZ
    b = earth_field(config)
    b = b / np.linalg.norm(b)
    B0 = _rz(np.arctan2(b[1], b[0])) @ _ry(np.arccos(np.clip(b[2], -1, 1)))  # B0 e_z = b
    ph0 = rng.uniform(0, 2 * np.pi)

    def rotation(tt):  # sensor -> world
        RT = _rz(12 * np.pi * tt / T + ph0) @ _ry(np.pi * tt / T) @ B0.T
        return np.swapaxes(RT, -1, -2)

    t = np.arange(n) / SAMPLE_RATE_HZ
    R = rotation(t)
    h = 1e-3  # body rate from R^T dR/dt, central difference
    W = np.einsum("nji,njk->nik", R, (rotation(t + h) - rotation(t - h)) / (2 * h))
    omega = np.stack([W[:, 2, 1], W[:, 0, 2], W[:, 1, 0]], axis=1)
    return _session(R, omega, style, rng, sensor, config)


__all__ = ["still_session", "sweep_session", "without_offsets"]
