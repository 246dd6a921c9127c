"""Stage 2: Euler angles and the 2D (x, y) points of the fingertip's pointing direction.

A fingertip pointing forward that moves RIGHT turns clockwise seen from above, so its
yaw decreases; moving UP lifts the finger, so its pitch (positive = nose down about the
west axis) decreases.  Rotating ``(yaw, pitch)`` by pi gives ``(x, y) = (-yaw, -pitch)``:
x grows to the right and y grows up, like pen coordinates.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import PipelineError
from ..params import PAPER

STAGE = "points"

#: ``cos``/``sin`` of the rotation smaller than this in magnitude are taken as exactly 0,
#: so that the paper's pi gives exactly ``(-yaw, -pitch)``.
ROTATION_SNAP = 1e-12


def _quats(q, stage: str) -> np.ndarray:
    a = np.asarray(q, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 4 or a.shape[0] < 1:
        raise PipelineError(stage, f"quaternions must have shape (n>=1, 4), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise PipelineError(stage, "quaternions contain NaN or inf")
    n = np.sqrt(np.sum(a * a, axis=1))
    if np.any(n == 0.0) or not np.all(np.isfinite(n)):
        raise PipelineError(stage, "a quaternion has zero (or overflowing) norm")
    return a / n[:, None]


def quat_to_euler(q) -> np.ndarray:
    """ZYX Euler angles (yaw, pitch, roll) of sensor->world quaternions.

    Parameters
    ----------
    q : (n, 4) array_like
        Quaternions ``(w, x, y, z)``; each row is normalised first.

    Returns
    -------
    (n, 3) float64 radians::

        yaw   = atan2(2 (w z + x y), 1 - 2 (y^2 + z^2))     in [-pi, pi]
        pitch = asin(clip(2 (w y - z x), -1, 1))           in [-pi/2, pi/2]
        roll  = atan2(2 (w x + y z), 1 - 2 (x^2 + y^2))     in [-pi, pi]
    """
    q = _quats(q, STAGE)
    w, x, y, z = q.T
    yaw = np.arctan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    pitch = np.arcsin(np.clip(2.0 * (w * y - z * x), -1.0, 1.0))
    roll = np.arctan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    return np.stack([yaw, pitch, roll], axis=1)


def rotation_matrix_2d(rotation_rad: float) -> np.ndarray:
    """(2, 2) rotation by ``rotation_rad``; entries below ``ROTATION_SNAP`` are exactly 0."""
    c, s = math.cos(rotation_rad), math.sin(rotation_rad)
    c = 0.0 if abs(c) < ROTATION_SNAP else c
    s = 0.0 if abs(s) < ROTATION_SNAP else s
    return np.array([[c, -s], [s, c]])


def points_from_euler(euler, rotation_rad: float = PAPER.points_rotation_rad) -> np.ndarray:
    """``points`` from precomputed (n, 3) Euler angles (yaw, pitch, roll); see ``points``."""
    e = np.asarray(euler, dtype=np.float64)
    if e.ndim != 2 or e.shape[1] != 3 or e.shape[0] < 1:
        raise PipelineError(STAGE, f"euler angles must have shape (n>=1, 3), got {e.shape}")
    if not np.all(np.isfinite(e)):
        raise PipelineError(STAGE, "euler angles contain NaN or inf")
    if not math.isfinite(rotation_rad):
        raise PipelineError(STAGE, f"rotation_rad must be finite, got {rotation_rad}")
    yaw = np.unwrap(e[:, 0])
    yp = np.stack([yaw, e[:, 1]], axis=1)
    return yp @ rotation_matrix_2d(rotation_rad).T


def points(q, rotation_rad: float = PAPER.points_rotation_rad) -> np.ndarray:
    """2D points (x, y) in radians from orientation quaternions.

    Parameters
    ----------
    q : (n, 4) array_like
        Sensor->world quaternions, n >= 1.
    rotation_rad : float
        Rotation applied to ``(yaw, pitch)`` (paper: pi).

    Returns
    -------
    (n, 2) float64 ``R(rotation_rad) @ (yaw_u, pitch)`` per row, where ``yaw_u`` is the
    yaw unwrapped along time (``np.unwrap``: every step is taken modulo 2 pi into
    [-pi, pi], starting from ``yaw[0]``).  A heading near +-180 deg that crosses the
    branch cut therefore gives a continuous path, and ``|yaw_u| <= pi + (total turn)``
    stays bounded.  The absolute offset is kept (``normalise`` removes it).  With the
    default pi: ``(x, y) = (-yaw_u, -pitch)`` exactly.
    """
    return points_from_euler(quat_to_euler(q), rotation_rad)


__all__ = ["quat_to_euler", "points", "points_from_euler", "rotation_matrix_2d"]
