"""The IMU: ideal sensor signals from a motion, the low-pass and sampling, sensor errors.

* accelerometer: specific force in the sensor frame, ``R^T (a_world + (0, 0, g))``;
  at rest it reads +g on the axis that points up;
* gyroscope: the body-frame angular rate;
* magnetometer: ``R^T m_world`` with ``m_world = B (cos I, 0, -sin I)`` (NWU), plus
  the glove's hard-iron offset.

Sampling: the 1 kHz signals pass a centred moving average of ``imu_lowpass_s`` (the
MPU-9250's digital low-pass before decimation; centred so that sample k is aligned with
the true orientation at ``t_k``) and are read at ``t_k = k / 27 Hz``, k = 0..31.

Errors (``apply_sensor_errors``): per sensor ``gain * (M @ true) + bias + noise``, with
the user's constant gain, misalignment rotation M and bias, and fresh white noise per
sample; then ``data.recordings.to_counts`` quantises to int16 and saturates at full scale.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from ..params import GRAVITY_MPS2, SAMPLE_RATE_HZ, SAMPLES_PER_LETTER
from .config import DEFAULT_CONFIG, SimulatorConfig
from .kinematics import Motion, quat_to_matrix
from .users import SensorErrors


def sample_times() -> np.ndarray:
    """The 32 sample instants, seconds from the start of the recording."""
    return np.arange(SAMPLES_PER_LETTER) / SAMPLE_RATE_HZ


def earth_field(config: SimulatorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """m_world in uT, NWU."""
    inc = np.deg2rad(config.mag_inclination_deg)
    return config.mag_field_ut * np.array([np.cos(inc), 0.0, -np.sin(inc)])


def rotvec_to_matrix(rv) -> np.ndarray:
    """Rodrigues: the rotation by |rv| radians about rv."""
    rv = np.asarray(rv, dtype=np.float64)
    ang = float(np.linalg.norm(rv))
    if ang < 1e-15:
        return np.eye(3)
    k = rv / ang
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(ang) * K + (1 - np.cos(ang)) * (K @ K)


def ideal_signals(motion: Motion, config: SimulatorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """(n, 9) true acc (m/s^2), gyr (rad/s), mag (uT, no hard iron) in the sensor frame."""
    R = quat_to_matrix(motion.q)
    f_world = motion.a_world + np.array([0.0, 0.0, GRAVITY_MPS2])
    acc = np.einsum("nji,nj->ni", R, f_world)
    mag = np.einsum("nji,j->ni", R, earth_field(config))
    return np.concatenate([acc, motion.omega_body, mag], axis=1)


def lowpass_and_sample(signals: np.ndarray, t: np.ndarray, config: SimulatorConfig = DEFAULT_CONFIG, times: np.ndarray | None = None) -> np.ndarray:
    """Centred moving average of ``imu_lowpass_s``, then linear read-out at ``times``."""
    times = sample_times() if times is None else times
    dt = float(t[1] - t[0])
    half = int(round(config.imu_lowpass_s / dt / 2))
    x = uniform_filter1d(signals, size=2 * half + 1, axis=0, mode="nearest") if half > 0 else signals
    return interp_rows(times, t, x)


def interp_rows(times: np.ndarray, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Linear interpolation of the rows of ``x`` (sampled on uniform ``t``) at ``times``."""
    dt = float(t[1] - t[0])
    pos = (np.asarray(times) - t[0]) / dt
    i = np.clip(np.floor(pos).astype(int), 0, len(t) - 2)
    w = (pos - i)[:, None] if x.ndim == 2 else pos - i
    return x[i] * (1 - w) + x[i + 1] * w


def apply_sensor_errors(ideal: np.ndarray, errors: SensorErrors, rng: np.random.Generator) -> np.ndarray:
    """(m, 9) ideal signals -> measured physical values (float, before quantisation)."""
    out = np.empty_like(ideal, dtype=np.float64)
    parts = (
        (errors.acc_gain, errors.acc_misalign_rotvec_rad, errors.acc_bias_mps2, errors.acc_noise_mps2),
        (errors.gyr_gain, errors.gyr_misalign_rotvec_rad, errors.gyr_bias_rads, errors.gyr_noise_rads),
        (errors.mag_gain, errors.mag_misalign_rotvec_rad, errors.hard_iron_ut, errors.mag_noise_ut),
    )
    noise = rng.normal(size=ideal.shape)  # always drawn: the stream does not depend on the levels
    for k, (gain, rv, bias, sigma) in enumerate(parts):
        s = slice(3 * k, 3 * k + 3)
        M = rotvec_to_matrix(rv)
        out[:, s] = np.asarray(gain) * (ideal[:, s] @ M.T) + np.asarray(bias) + sigma * noise[:, s]
    return out


__all__ = ["sample_times", "earth_field", "rotvec_to_matrix", "ideal_signals", "lowpass_and_sample", "interp_rows", "apply_sensor_errors"]
