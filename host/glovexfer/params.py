"""Every tunable constant of the pipeline, in one place, with units in the names.

The float reference (``glovexfer.pipeline``), the fixed-point golden model
(``glovexfer.golden``) and the firmware core (``firmware/core/params.h``) all read
their parameters from the values defined here, so a reader can check that the three
implementations agree.  Values follow the SmartGloveXfer paper (Rey and Muller) where
the paper gives them; where it does not, the choice is documented next to the value.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# Recording window (paper: ~27 Hz, 32 samples over 1.2 s)
# --------------------------------------------------------------------------------------
SAMPLE_RATE_HZ = 27.0
SAMPLES_PER_LETTER = 32
WINDOW_S = SAMPLES_PER_LETTER / SAMPLE_RATE_HZ  # 1.185 s

LETTERS = "abcdefghijklmnopqrstuvwxyz"
N_CLASSES = len(LETTERS)

GRAVITY_MPS2 = 9.80665


@dataclass(frozen=True)
class SensorSpec:
    """Full-scale settings of a 9-axis IMU (InvenSense MPU-9250: MPU-6500 + AK8963).

    Counts are signed 16-bit.  The accelerometer and gyroscope scale is
    ``full_scale / 32768`` per count (the datasheet sensitivities 8192 LSB/g at
    +-4 g and 32.8 LSB/(deg/s) at +-1000 deg/s are these values rounded).  The
    AK8963 magnetometer in 16-bit mode has a fixed 0.15 uT per count.  All three
    sensors are given in the accelerometer's body frame: the driver re-maps the
    AK8963 axes (x<->y, z negated) before the counts leave it.
    """

    acc_full_scale_g: float = 4.0
    gyr_full_scale_dps: float = 1000.0
    mag_ut_per_count: float = 0.15

    @property
    def acc_mps2_per_count(self) -> float:
        return self.acc_full_scale_g * GRAVITY_MPS2 / 32768.0

    @property
    def gyr_rads_per_count(self) -> float:
        return self.gyr_full_scale_dps * (3.141592653589793 / 180.0) / 32768.0

    def scales(self) -> tuple[float, float, float]:
        """(acc m/s^2, gyr rad/s, mag uT) per count."""
        return (self.acc_mps2_per_count, self.gyr_rads_per_count, self.mag_ut_per_count)


MPU9250 = SensorSpec()


@dataclass(frozen=True)
class PipelineParams:
    """Float-pipeline parameters (paper values where the paper states them)."""

    # Orientation: Madgwick gradient-descent filter.  beta is the ahrs default for
    # MARG (9-axis) updates; the initial quaternion comes from the first sample's
    # accelerometer + magnetometer (tilt-compensated compass), as ahrs's ``q0``.
    madgwick_beta: float = 0.041
    sample_rate_hz: float = SAMPLE_RATE_HZ

    # Points: (yaw, pitch) rotated by pi, i.e. (x, y) = (-yaw, -pitch), in radians.
    points_rotation_rad: float = 3.141592653589793

    # Smooth: centred moving average over this many points (end points kept).
    smooth_window: int = 3

    # Thin: drop a point closer than ``thin_min_dist`` to the last kept point (in the
    # [0, 1] normalised square); in the last ``thin_end_fraction`` of the sequence the
    # stricter ``thin_end_min_dist`` applies, which removes the idle tail that wearers
    # leave while they wait for the recording to end.
    thin_min_dist: float = 0.01
    thin_end_min_dist: float = 0.04
    thin_end_fraction: float = 0.25

    # Resample: natural cubic spline over cumulative chord length, to this many points.
    resample_points: int = 100

    # Raster: lines on a square canvas, Gaussian blur, area downscale.
    raster_canvas_px: int = 128
    raster_margin_px: int = 16
    raster_line_width_px: int = 5
    raster_blur_kernel_px: int = 21
    # sigma that OpenCV derives for ksize 21 and sigma 0: 0.3*((21-1)/2 - 1) + 0.8
    raster_blur_sigma_px: float = 3.5
    raster_out_px: int = 28


PAPER = PipelineParams()
