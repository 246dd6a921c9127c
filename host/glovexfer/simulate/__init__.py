"""The glove simulator: DigiLeTs pen trajectories -> physically consistent 9-axis IMU recordings.

There is no public glove data set, so the target domain is simulated.  A fingertip
writes the letter in the air by rotating about a fixed pivot (yaw/pitch follow the pen,
plus roll and tremor); the IMU at the fingertip measures the specific force, the body
rate and the Earth's field in its own frame, with a per-glove bias, gain error,
misalignment and hard-iron offset, white noise, int16 quantisation and saturation.

Modules: ``config`` (SimulatorConfig, every magnitude), ``users`` (UserStyle,
SensorErrors), ``kinematics`` (letter path, orientation, body rate, lever-arm
acceleration), ``imu`` (sensor model, low-pass, sampling), ``glove`` (one recording),
``dataset`` (a RecordingSet from DigiLeTs writers).
"""

from .config import DEFAULT_CONFIG, SimulatorConfig
from .dataset import GENERATOR, GENERATOR_VERSION, SPLIT_SEED, simulate_dataset
from .glove import SimulatedLetter, simulate_letter
from .imu import apply_sensor_errors, earth_field, ideal_signals, lowpass_and_sample, sample_times
from .kinematics import (
    LetterPath,
    Motion,
    body_rate_zyx,
    euler_zyx_to_matrix,
    euler_zyx_to_quat,
    letter_motion,
    letter_path,
    quat_conj,
    quat_mul,
    quat_to_matrix,
)
from .users import SensorErrors, UserStyle, jitter_style, sample_sensor_errors, sample_user_style

__all__ = [
    "SimulatorConfig",
    "DEFAULT_CONFIG",
    "UserStyle",
    "SensorErrors",
    "sample_user_style",
    "sample_sensor_errors",
    "jitter_style",
    "LetterPath",
    "Motion",
    "letter_path",
    "letter_motion",
    "body_rate_zyx",
    "euler_zyx_to_quat",
    "euler_zyx_to_matrix",
    "quat_to_matrix",
    "quat_mul",
    "quat_conj",
    "earth_field",
    "ideal_signals",
    "lowpass_and_sample",
    "apply_sensor_errors",
    "sample_times",
    "SimulatedLetter",
    "simulate_letter",
    "simulate_dataset",
    "GENERATOR",
    "GENERATOR_VERSION",
    "SPLIT_SEED",
]
