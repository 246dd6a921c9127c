"""Golden sensor calibration: gyroscope bias and magnetometer hard + soft iron, integers only.

Twin of ``firmware/core/sensorcal.{h,cpp}`` (bit for bit); the method and its limits are in
docs/sensor-calibration.md.

* ``estimate_gyro_bias(still)``: ``still`` is (kGxCalGyroSamples, 9) int16 counts of the
  glove held still; the bias is the per-axis mean rounded half away from zero.  Refused
  (``CalibrationError`` "moved") when any gyro axis spans more than ``STILL_RANGE`` counts.
* ``estimate_mag(sweep)``: ``sweep`` is (MAG_SAMPLES, 9) counts while the hand turns through
  many orientations; offset ``(max + min) >> 1``, diameters ``d = max - min``, their mean
  ``D = (d0 + d1 + d2) // 3`` and scale ``(D * 2^14 + d // 2) // d`` (Q14).  Refused when a
  sample has no magnetometer, an axis spans less than ``MAG_MIN_DIAMETER`` or less than 3/4
  of the largest diameter.
* ``apply(counts, cal)``: (n, 9) -> (n, 9) int16: gyro minus bias, magnetometer
  ``(scale * (m - offset) + 2^13) >> 14``, both saturated to int16; an all-zero magnetometer
  sample (6-axis) stays zero; the accelerometer is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import GloveXferError
from .fixed import div_round

GYRO_SAMPLES = 54
MAG_SAMPLES = 324
STILL_RANGE = 40
MAG_MIN_DIAMETER = 200
MAX_GYRO_BIAS = 4096
SCALE_ONE = 1 << 14
SCALE_MIN, SCALE_MAX = 1 << 13, (1 << 15) - 1


class CalibrationError(GloveXferError):
    """A calibration run that cannot give a calibration; ``reason`` is the firmware's word
    (``moved``, ``no_mag``, ``coverage``, ``range``)."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"sensor calibration: {message}")
        self.reason = reason


@dataclass(frozen=True)
class SensorCal:
    """One glove's calibration (the identity unless a part was estimated)."""

    gyro_bias: tuple[int, int, int] = (0, 0, 0)
    mag_offset: tuple[int, int, int] = (0, 0, 0)
    mag_scale_q14: tuple[int, int, int] = (SCALE_ONE, SCALE_ONE, SCALE_ONE)
    has_gyro: bool = False
    has_mag: bool = False


def _counts(a, rows: int | None, what: str) -> np.ndarray:
    x = np.asarray(a)
    if x.ndim != 2 or x.shape[1] != 9 or (rows is not None and x.shape[0] != rows):
        want = f"({rows}, 9)" if rows is not None else "(n, 9)"
        raise CalibrationError("range", f"{what}: counts must have shape {want}, got {x.shape}")
    if not np.issubdtype(x.dtype, np.integer) or x.min(initial=0) < -32768 or x.max(initial=0) > 32767:
        raise CalibrationError("range", f"{what}: counts must be int16 values")
    return x.astype(np.int64)


def estimate_gyro_bias(still, cal: SensorCal = SensorCal()) -> SensorCal:
    """``cal`` with its gyro part replaced by the bias of ``still``."""
    g = _counts(still, GYRO_SAMPLES, "gyro calibration")[:, 3:6]
    if np.any(g.max(axis=0) - g.min(axis=0) > STILL_RANGE):
        raise CalibrationError("moved", f"the glove moved (a gyro axis spans more than {STILL_RANGE} counts)")
    bias = tuple(div_round(int(s), GYRO_SAMPLES) for s in g.sum(axis=0))
    if any(abs(b) > MAX_GYRO_BIAS for b in bias):
        raise CalibrationError("range", f"gyro bias {bias} beyond +-{MAX_GYRO_BIAS} counts")
    return replace(cal, gyro_bias=bias, has_gyro=True)


def estimate_mag(sweep, cal: SensorCal = SensorCal()) -> SensorCal:
    """``cal`` with its magnetometer part replaced by the hard/soft iron of ``sweep``."""
    m = _counts(sweep, MAG_SAMPLES, "magnetometer calibration")[:, 6:9]
    if np.any(np.all(m == 0, axis=1)):
        raise CalibrationError("no_mag", "a sample has no magnetometer (6-axis glove)")
    lo, hi = m.min(axis=0), m.max(axis=0)
    d = [int(v) for v in hi - lo]
    if any(dk < MAG_MIN_DIAMETER or 4 * dk < 3 * max(d) for dk in d):
        raise CalibrationError("coverage", f"turn the hand through more orientations (diameters {d} counts)")
    mean_d = sum(d) // 3
    scale = tuple((mean_d * SCALE_ONE + dk // 2) // dk for dk in d)
    if any(not SCALE_MIN <= s <= SCALE_MAX for s in scale):
        raise CalibrationError("range", f"soft-iron scale {scale} (Q14) out of range")
    offset = tuple(int((int(h) + int(low)) >> 1) for h, low in zip(hi, lo))
    return replace(cal, mag_offset=offset, mag_scale_q14=scale, has_mag=True)


def apply(counts, cal: SensorCal) -> np.ndarray:
    """(n, 9) int16 counts -> the calibrated (n, 9) int16 counts."""
    x = _counts(counts, None, "calibrated counts")
    out = x.copy()
    out[:, 3:6] = x[:, 3:6] - np.asarray(cal.gyro_bias, dtype=np.int64)
    centred = x[:, 6:9] - np.asarray(cal.mag_offset, dtype=np.int64)
    mag = (np.asarray(cal.mag_scale_q14, dtype=np.int64) * centred + (1 << 13)) >> 14
    no_mag = np.all(x[:, 6:9] == 0, axis=1)
    mag[no_mag] = 0
    out[:, 6:9] = mag
    return np.clip(out, -32768, 32767).astype(np.int16)


__all__ = [
    "CalibrationError", "SensorCal", "estimate_gyro_bias", "estimate_mag", "apply",
    "GYRO_SAMPLES", "MAG_SAMPLES", "STILL_RANGE", "MAG_MIN_DIAMETER",
]
