"""Simulated glove wearers: how each one writes in the air and what their sensor is like.

A ``UserStyle`` is drawn once per user from a seeded ``numpy.random.Generator``
(``sample_user_style``); every recording then draws a small jitter on top of it
(``jitter_style``).  The sensor imperfections (``SensorErrors``) belong to the user's
glove and stay fixed across that user's recordings; only the white noise is fresh for
every sample.  Angles are stored in degrees, everything else in SI units (the field
names say which); ``to_dict`` gives a JSON-serialisable dict for a data set's meta.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from .config import DEFAULT_CONFIG, SimulatorConfig

Vec3 = tuple[float, float, float]
_ZERO: Vec3 = (0.0, 0.0, 0.0)
_ONE: Vec3 = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class SensorErrors:
    """One glove's IMU imperfections.

    measured = gain * (M @ true) + bias + noise, per sensor, with M a small rotation
    (axis misalignment, given as a rotation vector in radians) and gain per axis.  The
    magnetometer's bias is the hard-iron offset.  Noise values are rms per output sample.
    """

    acc_bias_mps2: Vec3 = _ZERO
    gyr_bias_rads: Vec3 = _ZERO
    hard_iron_ut: Vec3 = _ZERO
    acc_gain: Vec3 = _ONE
    gyr_gain: Vec3 = _ONE
    mag_gain: Vec3 = _ONE
    acc_misalign_rotvec_rad: Vec3 = _ZERO
    gyr_misalign_rotvec_rad: Vec3 = _ZERO
    mag_misalign_rotvec_rad: Vec3 = _ZERO
    acc_noise_mps2: float = 0.0
    gyr_noise_rads: float = 0.0
    mag_noise_ut: float = 0.0

    @classmethod
    def ideal(cls) -> "SensorErrors":
        """A perfect sensor: no bias, gain 1, no misalignment, no noise."""
        return cls()


@dataclass(frozen=True)
class UserStyle:
    """How one simulated wearer writes (see SimulatorConfig for the ranges)."""

    size_deg: float = 25.0  # angular size of the letter's larger extent
    slant: float = 0.0  # x += slant * y
    speed: float = 0.8  # tablet duration / air duration
    min_duration_s: float = 0.0  # a letter takes at least this long in the air
    max_acc_mps2: float = 0.0  # slow down for letters that need more (0: no limit)
    delay_s: float = 0.05  # idle before the letter
    tail_s: float = 0.05  # minimum idle after it
    tremor_rms_deg: float = 0.0
    heading_deg: float = 0.0  # yaw when pointing at the letter's centre
    pitch0_deg: float = 0.0  # pitch when pointing at the letter's centre
    roll0_deg: float = 0.0
    roll_coupling: float = 0.0
    lever_m: float = 0.4
    sensor: SensorErrors = SensorErrors()

    def replace(self, **changes) -> "UserStyle":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sensor"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in d["sensor"].items()}
        return d


def _u(rng: np.random.Generator, lo_hi) -> float:
    lo, hi = lo_hi
    return float(rng.uniform(lo, hi))


def _signed_vec(rng: np.random.Generator, lo_hi) -> Vec3:
    """Three values with magnitude in [lo, hi] and random signs."""
    mag = rng.uniform(lo_hi[0], lo_hi[1], size=3)
    sign = rng.choice((-1.0, 1.0), size=3)
    return tuple(float(v) for v in mag * sign)  # type: ignore[return-value]


def _rotvec(rng: np.random.Generator, angle_deg_range) -> Vec3:
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    ang = np.deg2rad(rng.uniform(*angle_deg_range))
    return tuple(float(v) for v in axis * ang)  # type: ignore[return-value]


def sample_sensor_errors(rng: np.random.Generator, config: SimulatorConfig = DEFAULT_CONFIG) -> SensorErrors:
    c = config
    return SensorErrors(
        acc_bias_mps2=_signed_vec(rng, c.acc_bias_mps2_range),
        gyr_bias_rads=tuple(float(v) for v in np.deg2rad(_signed_vec(rng, c.gyr_bias_dps_range))),  # type: ignore[arg-type]
        hard_iron_ut=tuple(float(v) for v in rng.uniform(-c.hard_iron_ut_max, c.hard_iron_ut_max, size=3)),  # type: ignore[arg-type]
        acc_gain=tuple(1.0 + v for v in _signed_vec(rng, c.scale_error_frac_range)),  # type: ignore[arg-type]
        gyr_gain=tuple(1.0 + v for v in _signed_vec(rng, c.scale_error_frac_range)),  # type: ignore[arg-type]
        mag_gain=tuple(1.0 + v for v in _signed_vec(rng, c.scale_error_frac_range)),  # type: ignore[arg-type]
        acc_misalign_rotvec_rad=_rotvec(rng, c.misalignment_deg_range),
        gyr_misalign_rotvec_rad=_rotvec(rng, c.misalignment_deg_range),
        mag_misalign_rotvec_rad=_rotvec(rng, c.misalignment_deg_range),
        acc_noise_mps2=_u(rng, c.acc_noise_mps2_range),
        gyr_noise_rads=float(np.deg2rad(_u(rng, c.gyr_noise_dps_range))),
        mag_noise_ut=_u(rng, c.mag_noise_ut_range),
    )


def sample_user_style(rng: np.random.Generator, config: SimulatorConfig = DEFAULT_CONFIG) -> UserStyle:
    """One wearer's style and glove, drawn from ``config``'s ranges."""
    c = config
    size_deg = _u(rng, c.size_deg_range)
    lever_hi = min(c.lever_m_range[1], max(c.lever_m_range[0], c.fingertip_size_m_max / np.deg2rad(size_deg)))
    return UserStyle(
        size_deg=size_deg,
        slant=_u(rng, c.slant_range),
        speed=_u(rng, c.speed_range),
        min_duration_s=_u(rng, c.min_duration_s_range),
        max_acc_mps2=_u(rng, c.max_acc_mps2_range),
        delay_s=_u(rng, c.delay_s_range),
        tail_s=_u(rng, c.tail_s_range),
        tremor_rms_deg=_u(rng, c.tremor_rms_deg_range),
        heading_deg=_u(rng, c.heading_deg_range),
        pitch0_deg=_u(rng, c.pitch0_deg_range),
        roll0_deg=_u(rng, c.roll0_deg_range),
        roll_coupling=_u(rng, c.roll_coupling_range),
        lever_m=_u(rng, (c.lever_m_range[0], lever_hi)),
        sensor=sample_sensor_errors(rng, c),
    )


def jitter_style(style: UserStyle, rng: np.random.Generator, config: SimulatorConfig = DEFAULT_CONFIG) -> UserStyle:
    """The style of one recording: the user's style with a fresh small jitter.

    Size x (1 +- 10 %), speed x (1 +- 15 %), delay +- 40 ms (kept within the configured
    delay range), slant +- 0.05, heading +- 5 deg, elevation +- 3 deg (defaults).  The
    sensor imperfections stay the user's.
    """
    c = config
    j = rng.uniform(-1.0, 1.0, size=6)
    lo, hi = c.delay_s_range
    heading = style.heading_deg + c.jitter_heading_deg * j[4]
    heading = (heading + 180.0) % 360.0 - 180.0
    return replace(
        style,
        size_deg=style.size_deg * (1.0 + c.jitter_size_frac * j[0]),
        speed=style.speed * (1.0 + c.jitter_speed_frac * j[1]),
        delay_s=float(np.clip(style.delay_s + c.jitter_delay_s * j[2], lo, hi)),
        slant=style.slant + c.jitter_slant * j[3],
        heading_deg=float(heading),
        pitch0_deg=style.pitch0_deg + c.jitter_pitch_deg * j[5],
    )


__all__ = ["SensorErrors", "UserStyle", "sample_sensor_errors", "sample_user_style", "jitter_style"]
