"""Golden stage 3: int32 points (2^-24 turn) -> the unit square in Q30, aspect kept.

Integer twin of ``glovexfer.pipeline.normalise``::

    lo = min(p), rng = max(p) - lo (per axis), r = max(rng)
    out = div_round((2 (p - lo) + r - rng) << 30, 2 r)     = ((p - lo)/r + (1 - rng/r)/2) in Q30

one rounding per value (round half away from zero; the numerator is >= 0, so half up).
Ranges: inputs must satisfy ``|p| <= 2^29`` (checked; the unwrapped yaw of 32 samples is
``<= 2^28``), so ``rng <= 2^30``; the numerator is ``<= 2 r <= 2^31``, shifted
``<= 2^61`` (int64); ``0 <= out <= 2^30`` (the clamp to [0, 2^30] of the float twin's
clip is kept for parity; it never acts).

Stationary glove: ``r == 0`` (every point identical in 2^-24 turn) -> every point is
(0.5, 0.5) = 2^29.  The float twin uses ``r < 1e-12 rad``; a golden range of a few units
(3.7e-7 rad each) is normalised like any other, as the float twin does with its noise.
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from .fixed import ONE_Q30, chk64, div_round, div_round_array, sat

STAGE = "golden.normalise"
HALF_Q30 = ONE_Q30 >> 1


def _int_points(p, stage: str, bits: int = 32) -> np.ndarray:
    a = np.asarray(p)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 1:
        raise PipelineError(stage, f"points must have shape (n>=1, 2), got {a.shape}")
    if a.dtype.kind not in "iu":
        raise PipelineError(stage, f"points must be integers, got {a.dtype}")
    a = a.astype(np.int64)
    lim = 1 << (bits - 1)
    if a.size and (int(a.min()) < -lim or int(a.max()) >= lim):
        raise PipelineError(stage, f"points must fit int{bits}")
    return a


def normalise(p) -> np.ndarray:
    """(n, 2) int32 Q30 in [0, 2^30] from (n, 2) int32 points (|p| <= 2^29 required)."""
    a = _int_points(p, STAGE)
    if int(np.abs(a).max()) > (1 << 29):
        raise PipelineError(STAGE, "points must be within +-2^29 (= +-32 turns)")
    lo = [int(a[:, k].min()) for k in range(2)]
    rng = [int(a[:, k].max()) - lo[k] for k in range(2)]
    r = max(rng)
    n = a.shape[0]
    out = np.empty((n, 2), dtype=np.int32)
    if r == 0:
        out[:] = HALF_Q30
        return out
    pl = a.tolist()
    for i in range(n):
        for k in range(2):
            num = chk64(
                (2 * (pl[i][k] - lo[k]) + r - rng[k]) << 30, "normalise numerator"
            )
            out[i, k] = sat(div_round(num, 2 * r), 0, ONE_Q30)
    return out


def _int_points_batch(p, stage: str) -> np.ndarray:
    """(B, n, 2) integer points fitting int32, as int64."""
    a = np.asarray(p)
    if a.ndim != 3 or a.shape[2] != 2 or a.shape[1] < 1:
        raise PipelineError(stage, f"points must have shape (B, n>=1, 2), got {a.shape}")
    if a.dtype.kind not in "iu":
        raise PipelineError(stage, f"points must be integers, got {a.dtype}")
    a = a.astype(np.int64)
    if a.size and (int(a.min()) < -(1 << 31) or int(a.max()) >= 1 << 31):
        raise PipelineError(stage, "points must fit int32")
    return a


def normalise_batch(p) -> np.ndarray:
    """``normalise`` of each recording of a (B, n, 2) batch -> (B, n, 2) int32."""
    a = _int_points_batch(p, STAGE)
    if a.size and int(np.abs(a).max()) > (1 << 29):
        raise PipelineError(STAGE, "points must be within +-2^29 (= +-32 turns)")
    lo = a.min(axis=1, keepdims=True)
    rng = a.max(axis=1, keepdims=True) - lo
    r = rng.max(axis=2, keepdims=True)
    num = (2 * (a - lo) + r - rng) << 30
    out = np.clip(div_round_array(num, np.maximum(2 * r, 1)), 0, ONE_Q30)
    return np.where(r == 0, HALF_Q30, out).astype(np.int32)


__all__ = ["normalise", "normalise_batch"]
