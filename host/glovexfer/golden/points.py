"""Golden stage 2: Q30 quaternions -> Euler angles -> (x, y) points, in binary angle units.

Angles are int32 in units of 2^-24 turn (``fixed.ANGLE_BITS``; 1 unit = 2.146e-5 deg):
``[-2^23, 2^23]`` is ``[-pi, pi]``.  The arguments of atan2/asin are formed exactly in
Q60 (int64) from the Q30 quaternion; atan2 is a 29-step CORDIC with block-floating
operands (``fixed.atan2_turns``), so yaw and roll keep their precision near gimbal lock.

    yaw   = atan2(2 (w z + x y), 1 - 2 (y^2 + z^2))     Q60 args, |.| <= 2^60
    pitch = asin(2 (w y - z x))                        arg rounded to Q30, clamped to [-1, 1]
    roll  = atan2(2 (w x + y z), 1 - 2 (x^2 + y^2))

The heading unwrap is ``np.unwrap``'s rule in integers (period 2^24, discontinuity 2^23),
and the rotation by ``points_rotation_rad`` uses the Q30 ``rot_cos``/``rot_sin`` of
``FixedParams`` (for the paper's pi: exactly ``(x, y) = (-yaw_u, -pitch)``).
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from .fixed import (
    HALF_TURN,
    ONE_Q30,
    TURN,
    FixedParams,
    asin_turns,
    atan2_turns,
    chk32,
    chk_array,
    derive_fixed_params,
    isqrt_round_array,
    rshift_round,
    rshift_round_array,
)

STAGE = "golden.points"


def _quats(q) -> np.ndarray:
    a = np.asarray(q)
    if a.ndim != 2 or a.shape[1] != 4 or a.shape[0] < 1:
        raise PipelineError(
            STAGE, f"quaternions must have shape (n>=1, 4), got {a.shape}"
        )
    if a.dtype.kind not in "iu":
        raise PipelineError(STAGE, f"quaternions must be integer (Q30), got {a.dtype}")
    a = a.astype(np.int64)
    if a.size and int(np.abs(a).max()) > ONE_Q30 + 4:
        raise PipelineError(
            STAGE,
            "quaternion components must be within [-1, 1] in Q30 (|q_i| <= 2^30 + 4)",
        )
    return a


def quat_to_euler(q, fp: FixedParams | None = None) -> np.ndarray:
    """(n, 3) int32 (yaw, pitch, roll) in 2^-24 turn from (n, 4) int32 Q30 quaternions.

    The quaternions are used as given (they are unit to 3 * 2^-30; atan2 ignores the
    scale, and the asin argument is clamped); components must satisfy ``|q_i| <= 2^30 + 4``.
    Products are int32 x int32 -> int64; for a unit ``q``
    ``|2 (w z + x y)| <= (w^2 + x^2 + y^2 + z^2) 2^60 ~ 2^60`` and ``|1 - 2 (y^2 + z^2)| <= 2^60``;
    for any admissible ``q`` every argument is below ``2^62 + 2^36`` (atan2_turns' limit).
    """
    fp = fp or derive_fixed_params()
    Q = _quats(q)
    w, x, y, z = Q[:, 0], Q[:, 1], Q[:, 2], Q[:, 3]
    one60 = np.int64(1) << 60
    yaw = atan2_turns(2 * (w * z + x * y), one60 - 2 * (y * y + z * z), fp.atan_table)
    s = np.array(
        [rshift_round(int(v), 30) for v in 2 * (w * y - z * x)], dtype=np.int64
    )
    pitch = asin_turns(s, fp.atan_table)
    roll = atan2_turns(2 * (w * x + y * z), one60 - 2 * (x * x + y * y), fp.atan_table)
    return np.stack([yaw, pitch, roll], axis=1).astype(np.int32)


def unwrap_turns(a) -> np.ndarray:
    """``np.unwrap`` in binary angle units: (n,) int -> (n,) int64.

    ``out[0] = a[0]``; ``dd = a[i] - a[i-1]``; if ``|dd| < 2^23`` the step is ``dd``,
    else ``((dd + 2^23) mod 2^24) - 2^23`` (``mod`` non-negative: ``& (2^24 - 1)`` in
    two's complement), with ``-2^23 -> +2^23`` when ``dd > 0`` (numpy's boundary rule).
    ``|out| <= 2^23 + (n - 1) 2^23`` (< 2^31 for n <= 255).
    """
    a = [int(v) for v in np.asarray(a).ravel()]
    out = np.empty(len(a), dtype=np.int64)
    if not a:
        return out
    u = a[0]
    out[0] = u
    for i in range(1, len(a)):
        dd = a[i] - a[i - 1]
        if -HALF_TURN < dd < HALF_TURN:
            step = dd
        else:
            step = ((dd + HALF_TURN) & (TURN - 1)) - HALF_TURN
            if step == -HALF_TURN and dd > 0:
                step = HALF_TURN
        u = chk32(u + step, "unwrapped yaw")
        out[i] = u
    return out


def points_from_euler(euler, fp: FixedParams | None = None) -> np.ndarray:
    """(n, 2) int32 points (2^-24 turn) from (n, 3) int32 Euler angles.

    ``(x, y) = rshift_round(R (yaw_u, pitch), 30)`` with ``R = [[c, -s], [s, c]]`` in Q30
    (``|c yaw_u| <= 2^30 * 2^28``, int64).  With c = -2^30, s = 0 (pi): exactly ``(-yaw_u, -pitch)``.
    """
    fp = fp or derive_fixed_params()
    e = np.asarray(euler)
    if e.ndim != 2 or e.shape[1] != 3 or e.shape[0] < 1 or e.dtype.kind not in "iu":
        raise PipelineError(
            STAGE,
            f"euler angles must be integer with shape (n>=1, 3), got {e.shape} {e.dtype}",
        )
    yaw = unwrap_turns(e[:, 0])
    pitch = e[:, 1].astype(np.int64)
    c, s = fp.rot_cos, fp.rot_sin
    n = e.shape[0]
    out = np.empty((n, 2), dtype=np.int32)
    for i in range(n):
        yv, pv = int(yaw[i]), int(pitch[i])
        out[i, 0] = chk32(rshift_round(c * yv - s * pv, 30), "x")
        out[i, 1] = chk32(rshift_round(s * yv + c * pv, 30), "y")
    return out


def points(q, fp: FixedParams | None = None) -> np.ndarray:
    """(n, 2) int32 points (2^-24 turn) from (n, 4) int32 Q30 quaternions."""
    return points_from_euler(quat_to_euler(q, fp), fp)


# ----------------------------------------------------------------------------------- batched
def quat_to_euler_batch(q, fp: FixedParams | None = None) -> np.ndarray:
    """``quat_to_euler`` over a leading batch axis: (B, n, 4) int32 Q30 -> (B, n, 3) int32."""
    fp = fp or derive_fixed_params()
    a = np.asarray(q)
    if a.ndim != 3:
        raise PipelineError(STAGE, f"quaternions must have shape (B, n>=1, 4), got {a.shape}")
    b, n = a.shape[:2]
    Q = _quats(a.reshape(b * n, a.shape[2]) if a.size else a.reshape(0, 4))
    w, x, y, z = Q.T
    one60 = np.int64(1) << 60
    yaw = atan2_turns(2 * (w * z + x * y), one60 - 2 * (y * y + z * z), fp.atan_table)
    v = np.clip(rshift_round_array(2 * (w * y - z * x), np.int64(30)), -ONE_Q30, ONE_Q30)
    pitch = atan2_turns(v, isqrt_round_array((np.int64(1) << 60) - v * v), fp.atan_table)
    roll = atan2_turns(2 * (w * x + y * z), one60 - 2 * (x * x + y * y), fp.atan_table)
    return np.stack([yaw, pitch, roll], axis=1).astype(np.int32).reshape(b, n, 3)


def unwrap_turns_batch(a) -> np.ndarray:
    """``unwrap_turns`` along the last axis of an integer array (int64 result).

    The step of each sample depends only on its difference to the previous one, so the
    unwrapped angles are the first angle plus a cumulative sum (exact in int64; every
    partial sum is checked against int32 as the scalar loop does)."""
    a = np.asarray(a).astype(np.int64)
    if a.shape[-1] == 0:
        return a
    dd = np.diff(a, axis=-1)
    wrapped = ((dd + HALF_TURN) & (TURN - 1)) - HALF_TURN
    wrapped = np.where((wrapped == -HALF_TURN) & (dd > 0), HALF_TURN, wrapped)
    step = np.where((dd > -HALF_TURN) & (dd < HALF_TURN), dd, wrapped)
    out = np.concatenate([a[..., :1], a[..., :1] + np.cumsum(step, axis=-1)], axis=-1)
    return chk_array(out, 32, "unwrapped yaw")


def points_from_euler_batch(euler, fp: FixedParams | None = None) -> np.ndarray:
    """``points_from_euler`` over a leading batch axis: (B, n, 3) -> (B, n, 2) int32."""
    fp = fp or derive_fixed_params()
    e = np.asarray(euler)
    if e.ndim != 3 or e.shape[2] != 3 or e.shape[1] < 1 or e.dtype.kind not in "iu":
        raise PipelineError(STAGE, f"euler angles must be integer with shape (B, n>=1, 3), got {e.shape} {e.dtype}")
    yaw = unwrap_turns_batch(e[:, :, 0])
    pitch = e[:, :, 1].astype(np.int64)
    c, s = fp.rot_cos, fp.rot_sin
    x = rshift_round_array(c * yaw - s * pitch, np.int64(30))
    y = rshift_round_array(s * yaw + c * pitch, np.int64(30))
    return chk_array(np.stack([x, y], axis=-1), 32, "points").astype(np.int32)


__all__ = ["points", "points_from_euler", "points_from_euler_batch", "quat_to_euler", "quat_to_euler_batch", "unwrap_turns", "unwrap_turns_batch"]
