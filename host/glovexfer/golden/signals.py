"""Golden stage ``signals``: the float ``glovexfer.pipeline.signals`` in integers.

Input: the recording's int16 counts (n, 9) (acc, gyr columns used) and the orientation
stage's Q30 quaternions (n, 4).  Output: (n, 9) int32, the channels of
``pipeline.signals.CHANNELS``:

=============  ==============================  =========================================
columns        quantity (writer frame)         format
=============  ==============================  =========================================
0..2           pointing axis (sensor x)        Q24 (1.0 = 2^24)
3..5           angular rate                    gyro counts * 2^4 (``Q_SIGNAL_COUNTS``)
6..8           specific force minus its mean   acc counts * 2^4
=============  ==============================  =========================================

Arithmetic (every product int32 x int32 in int64; the C++ twin is
firmware/core/signals.cpp):

1. ``R`` (Q30) from the quaternion: ``R00 = rshift_round(2^60 - 2 (y^2 + z^2), 30)``,
   ``R01 = rshift_round(2 (x y - w z), 30)``, ... (``pipeline.signals.quat_matrices``).
2. Writer frame from the pointing axes ``R[:, :, 0]``: ``h = div_round(sum, n)`` (Q30, x and
   y), ``r = isqrt_round(hx^2 + hy^2)``; ``r < FRAME_MIN_NORM_Q30``: ``up = (2^30, 0)``, else
   ``up = (div_round(-hx 2^30, r), div_round(-hy 2^30, r))``; ``right = (up_y, -up_x)``.
3. ``M = F R`` (Q30): row right ``rshift_round(up_y R0j - up_x R1j, 30)``, row up
   ``rshift_round(up_x R0j + up_y R1j, 30)``, row z ``R2j``.
4. axis ``= rshift_round(M[:, 0], 6)``; gyro and acc ``= rshift_round(M . counts, 26)``.
5. acc columns minus ``div_round(column sum, n)``.

Range (n <= 32): |R|, |M| <= 2^30 (1 + 2^-28); |M . counts| <= 3 2^30 32768 < 2^47;
outputs |axis| <= 2^24, |gyro| < 2^21, |acc| < 2^22 (after the mean removal).
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from ..params import MPU9250, SensorSpec
from ..pipeline.signals import FRAME_MIN_NORM, N_CHANNELS
from .fixed import Q30, chk_array, div_round, div_round_array, isqrt_round, isqrt_round_array
from .fixed import rshift_round_const as _rsr

STAGE = "golden-signals"
#: Format of the axis channels.
Q_SIGNAL_AXIS = 24
#: Fraction bits of the gyro / acc channels (in sensor counts).
Q_SIGNAL_COUNTS = 4
#: ``pipeline.signals.FRAME_MIN_NORM`` in Q30.
FRAME_MIN_NORM_Q30 = int(round(FRAME_MIN_NORM * (1 << Q30)))




def rotation_q30(q) -> np.ndarray:
    """(n, 3, 3) int64 Q30 sensor -> world matrices of (n, 4) Q30 quaternions (step 1)."""
    q = np.asarray(q, dtype=np.int64)
    w, x, y, z = q.T
    one = np.int64(1) << 60
    R = np.empty((q.shape[0], 3, 3), dtype=np.int64)
    R[:, 0, 0] = one - 2 * (y * y + z * z)
    R[:, 0, 1] = 2 * (x * y - w * z)
    R[:, 0, 2] = 2 * (x * z + w * y)
    R[:, 1, 0] = 2 * (x * y + w * z)
    R[:, 1, 1] = one - 2 * (x * x + z * z)
    R[:, 1, 2] = 2 * (y * z - w * x)
    R[:, 2, 0] = 2 * (x * z - w * y)
    R[:, 2, 1] = 2 * (y * z + w * x)
    R[:, 2, 2] = one - 2 * (x * x + y * y)
    return _rsr(R, Q30)


def writer_up(R: np.ndarray) -> tuple[int, int]:
    """Q30 (up_x, up_y) of the writer frame (step 2)."""
    n = R.shape[0]
    hx = div_round(int(R[:, 0, 0].sum()), n)
    hy = div_round(int(R[:, 1, 0].sum()), n)
    r = isqrt_round(hx * hx + hy * hy)
    if r < FRAME_MIN_NORM_Q30:
        return 1 << Q30, 0
    return div_round(-hx << Q30, r), div_round(-hy << Q30, r)


def signals(counts, quaternions) -> np.ndarray:
    """(n, 9) int32 signals of one recording (formats: module doc)."""
    c = np.asarray(counts)
    q = np.asarray(quaternions)
    n = c.shape[0] if c.ndim == 2 else 0
    if c.ndim != 2 or c.shape[1] < 6 or n < 1 or q.shape != (n, 4):
        raise PipelineError(STAGE, f"counts (n, >=6) and quaternions (n, 4) expected, got {c.shape}, {q.shape}")
    R = rotation_q30(q)
    ux, uy = writer_up(R)
    M = np.empty_like(R)
    M[:, 0, :] = _rsr(uy * R[:, 0, :] - ux * R[:, 1, :], Q30)
    M[:, 1, :] = _rsr(ux * R[:, 0, :] + uy * R[:, 1, :], Q30)
    M[:, 2, :] = R[:, 2, :]
    shift = Q30 - Q_SIGNAL_COUNTS
    acc = c[:, 0:3].astype(np.int64)
    gyr = c[:, 3:6].astype(np.int64)
    out = np.empty((n, N_CHANNELS), dtype=np.int64)
    out[:, 0:3] = _rsr(M[:, :, 0], Q30 - Q_SIGNAL_AXIS)
    out[:, 3:6] = _rsr(np.einsum("nij,nj->ni", M, gyr), shift)
    a = _rsr(np.einsum("nij,nj->ni", M, acc), shift)
    out[:, 6:9] = a - div_round_array(a.sum(axis=0), n)
    return chk_array(out, 32, "signals").astype(np.int32)


def signals_batch(counts, quaternions) -> np.ndarray:
    """``signals`` of each recording of a batch: (B, n, >=6) counts and (B, n, 4) Q30
    quaternions -> (B, n, 9) int32."""
    c = np.asarray(counts)
    q = np.asarray(quaternions)
    if c.ndim != 3 or c.shape[2] < 6 or c.shape[1] < 1 or q.shape != c.shape[:2] + (4,):
        raise PipelineError(STAGE, f"counts (B, n, >=6) and quaternions (B, n, 4) expected, got {c.shape}, {q.shape}")
    b, n = c.shape[:2]
    R = rotation_q30(q.reshape(b * n, 4)).reshape(b, n, 3, 3)
    hx = div_round_array(R[:, :, 0, 0].sum(axis=1), n)
    hy = div_round_array(R[:, :, 1, 0].sum(axis=1), n)
    r = isqrt_round_array(hx * hx + hy * hy)
    small = r < FRAME_MIN_NORM_Q30
    rs = np.where(small, 1, r)
    ux = np.where(small, 1 << Q30, div_round_array(-hx << Q30, rs))[:, None, None]
    uy = np.where(small, 0, div_round_array(-hy << Q30, rs))[:, None, None]
    M = np.empty_like(R)
    M[:, :, 0, :] = _rsr(uy * R[:, :, 0, :] - ux * R[:, :, 1, :], Q30)
    M[:, :, 1, :] = _rsr(ux * R[:, :, 0, :] + uy * R[:, :, 1, :], Q30)
    M[:, :, 2, :] = R[:, :, 2, :]
    shift = Q30 - Q_SIGNAL_COUNTS
    acc = c[:, :, 0:3].astype(np.int64)
    gyr = c[:, :, 3:6].astype(np.int64)
    out = np.empty((b, n, N_CHANNELS), dtype=np.int64)
    out[:, :, 0:3] = _rsr(M[:, :, :, 0], Q30 - Q_SIGNAL_AXIS)
    out[:, :, 3:6] = _rsr(np.einsum("bnij,bnj->bni", M, gyr), shift)
    a = _rsr(np.einsum("bnij,bnj->bni", M, acc), shift)
    out[:, :, 6:9] = a - div_round_array(a.sum(axis=1, keepdims=True), n)
    return chk_array(out, 32, "signals").astype(np.int32)


def quantise_signals_batch(sig, offset, mult, shift, zero_point: int) -> np.ndarray:
    """``quantise_signals`` of a (B, n, 9) batch -> (B, 1, n, 9) int8."""
    from .quant import INT8_MAX, INT8_MIN, multiply_by_quantized_multiplier

    s = np.asarray(sig)
    if s.ndim != 3 or s.shape[2] != N_CHANNELS or not np.issubdtype(s.dtype, np.integer):
        raise PipelineError(STAGE, f"signals must be integer (B, n, {N_CHANNELS}), got {s.dtype} {s.shape}")
    d = s.astype(np.int64) - np.asarray(offset, dtype=np.int64)
    out = multiply_by_quantized_multiplier(d, np.asarray(mult, dtype=np.int64), np.asarray(shift, dtype=np.int64))
    return np.clip(out + int(zero_point), INT8_MIN, INT8_MAX).astype(np.int8)[:, None]


def to_float(sig, sensor: SensorSpec = MPU9250) -> np.ndarray:
    """The golden signals in the float stage's units (axis 1, rad/s, m/s^2)."""
    s = np.asarray(sig, dtype=np.float64)
    a, g, _ = sensor.scales()
    k = 1.0 / (1 << Q_SIGNAL_COUNTS)
    return np.concatenate([s[..., 0:3] / (1 << Q_SIGNAL_AXIS), s[..., 3:6] * (g * k), s[..., 6:9] * (a * k)], axis=-1)


__all__ = ["FRAME_MIN_NORM_Q30", "Q_SIGNAL_AXIS", "Q_SIGNAL_COUNTS", "quantise_signals_batch", "rotation_q30", "signals", "signals_batch", "to_float", "writer_up"]


# --------------------------------------------------------------------------------------
# Input quantisation of the signal network
# --------------------------------------------------------------------------------------
#: Name of the .tflite metadata entry that holds the network's per-channel standardisation
#: (JSON ``{"mean": [9 floats], "std": [9 floats]}`` in the signals' integer units).
SIGNAL_NORM_METADATA = "glovexfer_signal_norm"
#: ``|signal| <= 2^24`` and ``|offset| <= 2^24`` (module doc ranges), so
#: ``|signal - offset| <= 2^25``: a left shift of up to 5 keeps it within int32.
MAX_QUANTISER_LEFT_SHIFT = 5


def signal_quantiser(mean, std, scale: float, zero_point: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Host side, once per model: per channel ``offset = round(mean)`` and
    ``(mult, shift) = QuantizeMultiplier(1 / (std scale))``, so that the int8 input is
    ``(signal - mean) / std`` (the network's standardised input) quantised with the model's
    input ``(scale, zero_point)``.  Returns ``(offset int32 (9,), mult int32 (9,),
    shift int32 (9,), zero_point)``."""
    from .quant import quantize_multiplier

    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    std = np.asarray(std, dtype=np.float64).reshape(-1)
    if mean.shape != (N_CHANNELS,) or std.shape != (N_CHANNELS,):
        raise ValueError(f"signal norm must have {N_CHANNELS} means and stds, got {mean.shape} and {std.shape}")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std > 0)):
        raise ValueError("signal norm: means must be finite and stds positive")
    if not (scale > 0 and np.isfinite(scale)):
        raise ValueError(f"input scale must be positive and finite, got {scale}")
    offset = np.floor(mean + 0.5).astype(np.int64)
    if np.any(np.abs(offset) > 1 << Q_SIGNAL_AXIS):
        raise ValueError("signal norm mean outside the signals' range")
    mult, shift = zip(*(quantize_multiplier(1.0 / (float(s) * float(scale))) for s in std))
    shift = np.asarray(shift, dtype=np.int64)
    if np.any(shift > MAX_QUANTISER_LEFT_SHIFT) or np.any(shift < -31):
        raise ValueError(f"signal quantiser shift {shift.tolist()} outside [-31, {MAX_QUANTISER_LEFT_SHIFT}]")
    return offset.astype(np.int32), np.asarray(mult, dtype=np.int32), shift.astype(np.int32), int(zero_point)


def quantise_signals(sig, offset, mult, shift, zero_point: int) -> np.ndarray:
    """Device side: ``sat8(MultiplyByQuantizedMultiplier(s - offset, mult, shift) + zero_point)``
    per channel; (n, 9) int32 -> (1, n, 9) int8 (the network's NHWC input)."""
    from .quant import INT8_MAX, INT8_MIN, multiply_by_quantized_multiplier

    s = np.asarray(sig)
    if s.ndim != 2 or s.shape[1] != N_CHANNELS or not np.issubdtype(s.dtype, np.integer):
        raise PipelineError(STAGE, f"signals must be integer (n, {N_CHANNELS}), got {s.dtype} {s.shape}")
    d = s.astype(np.int64) - np.asarray(offset, dtype=np.int64)
    out = np.empty(s.shape, dtype=np.int64)
    for c in range(N_CHANNELS):
        out[:, c] = multiply_by_quantized_multiplier(d[:, c], int(mult[c]), int(shift[c]))
    return np.clip(out + int(zero_point), INT8_MIN, INT8_MAX).astype(np.int8)[None]


def norm_metadata(mean, std) -> bytes:
    """The ``SIGNAL_NORM_METADATA`` bytes of a standardisation."""
    import json

    return json.dumps({"mean": [float(v) for v in mean], "std": [float(v) for v in std]}).encode()


def norm_from_metadata(metadata: dict) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) from an ``Int8Network.metadata``; ``ValueError`` if absent or malformed."""
    import json

    raw = metadata.get(SIGNAL_NORM_METADATA)
    if raw is None:
        raise ValueError(f"the signal network has no '{SIGNAL_NORM_METADATA}' metadata (export it with glovexfer.export.ship.signal_int8)")
    try:
        d = json.loads(bytes(raw).decode())
        return np.asarray(d["mean"], dtype=np.float64), np.asarray(d["std"], dtype=np.float64)
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"malformed '{SIGNAL_NORM_METADATA}' metadata: {e}") from None


def from_float(sig, sensor: SensorSpec = MPU9250) -> np.ndarray:
    """Float signals (axis 1, rad/s, m/s^2) in the golden units (float64, not rounded):
    the inverse of ``to_float``, so that a network trained on golden signals reads them."""
    s = np.asarray(sig, dtype=np.float64)
    a, g, _ = sensor.scales()
    k = float(1 << Q_SIGNAL_COUNTS)
    return np.concatenate([s[..., 0:3] * (1 << Q_SIGNAL_AXIS), s[..., 3:6] * (k / g), s[..., 6:9] * (k / a)], axis=-1)
