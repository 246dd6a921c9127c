"""One simulated glove recording: a pen letter written in the air by one wearer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.digilets import PenLetter
from ..data.recordings import PhysicalView, to_counts
from ..params import MPU9250, SensorSpec
from .config import DEFAULT_CONFIG, SimulatorConfig
from .imu import apply_sensor_errors, ideal_signals, interp_rows, lowpass_and_sample, sample_times
from .kinematics import LetterPath, Motion, euler_zyx_to_quat, letter_motion
from .users import UserStyle


@dataclass
class SimulatedLetter(PhysicalView):
    """A simulated recording with its ground truth.

    ``counts`` (32, 9) int16 is what the glove delivers; ``saturated`` marks the values
    that hit full scale.  ``ideal`` (32, 9) is the noise-free physical signal (acc m/s^2
    specific force, gyr rad/s, mag uT without hard iron) after the IMU low-pass;
    ``measured`` adds the sensor's errors and noise, before quantisation.  ``quat`` (32, 4)
    is the true sensor -> world orientation at the sample times and ``pen_xy`` (32, 2) the
    pen position in letter units (centred, unit max extent, slanted; no tremor).
    ``fine`` is the 1 kHz motion when asked for (``keep_fine=True``).
    """

    counts: np.ndarray
    saturated: np.ndarray
    t: np.ndarray
    quat: np.ndarray
    pen_xy: np.ndarray
    ideal: np.ndarray
    measured: np.ndarray
    style: UserStyle
    sensor: SensorSpec = MPU9250
    label: str = ""
    fine: Motion | None = None



def simulate_letter(
    letter: PenLetter | LetterPath,
    style: UserStyle,
    rng: np.random.Generator,
    sensor: SensorSpec = MPU9250,
    config: SimulatorConfig = DEFAULT_CONFIG,
    keep_fine: bool = False,
) -> SimulatedLetter:
    """Simulate the IMU recording of ``style`` writing ``letter`` in the air.

    ``style`` is used as given (draw a per-recording jitter with ``jitter_style`` first
    if wanted).  ``rng`` supplies the tremor and the white noise.
    """
    motion = letter_motion(letter, style, rng, config)
    ts = sample_times()
    ideal = lowpass_and_sample(ideal_signals(motion, config), motion.t, config, ts)
    measured = apply_sensor_errors(ideal, style.sensor, rng)
    counts, saturated = to_counts(measured, sensor)
    angles = interp_rows(ts, motion.t, np.stack([motion.yaw, motion.pitch, motion.roll], axis=1))
    return SimulatedLetter(
        counts=counts,
        saturated=saturated,
        t=ts,
        quat=euler_zyx_to_quat(angles[:, 0], angles[:, 1], angles[:, 2]),
        pen_xy=interp_rows(ts, motion.t, motion.pen_xy),
        ideal=ideal,
        measured=measured,
        style=style,
        sensor=sensor,
        label=getattr(letter, "label", ""),
        fine=motion if keep_fine else None,
    )


__all__ = ["SimulatedLetter", "simulate_letter"]
