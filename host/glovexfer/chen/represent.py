"""Pen recordings -> 2D letter trajectories: the domain-alignment choices of issue 7.

The IMU sits on the tail of a stylus whose tip writes on a surface.  Several 2D paths can
be read from one recording; each is then cleaned exactly like glove data
(``glovexfer.pipeline.clean_trajectory``: normalise, smooth, thin, spline to 100 points).

Representations (``KINDS``):

``ypr``     the pen's own yaw and pitch, ``(x, y) = (-yaw, -pitch)`` (the glove's points
            stage applied to the pen's 9-axis fusion).
``mad6``    the project's 6-axis Madgwick filter (``glovexfer.pipeline.orientation`` with no
            magnetometer) on the raw acc + gyro, gyro bias from the session's calibration
            recording, then the glove's points stage.  This is what the device computes.
``axis``    the pen axis (sensor z, tip -> tail) in the world, projected on the horizontal
            plane, in the writer frame (below).  It is where the tail points, i.e. minus the
            tip's offset from the tail.
``tail``    the tail's displacement: world-frame acceleration (pen quaternion), gravity and
            constant offset removed, integrated twice with the velocity forced to zero at
            both ends (linear drift removal), horizontal components in the writer frame.
``tip``     the pen tip: ``tail - L * axis`` with ``L = PEN_LENGTH_M``.
``azel``    azimuth and elevation of the pen axis (pen quaternion): ``(x, y) = (-az, el)``,
            i.e. the glove's points stage applied to the pen axis instead of sensor x.
``axis6``   ``axis`` from the project's 6-axis Madgwick quaternions instead of the pen's.
``mad6z``   ``azel`` as the device computes it: raw acc + gyro with the sensor axes remapped
            by ``PEN_AXIS_REMAP`` (pen axis -> sensor x), the project's 6-axis Madgwick and
            the unchanged glove points stage ``(-yaw, -pitch)``.

Writer frame: the mean horizontal direction of the pen axis over the letter points from the
paper towards the writer's hand; ``y`` (up on the page) is its opposite and ``x`` (right) is
``y x z_up``, then rotated by ``frame_rotation_deg`` (a right-handed writer holds the pen
tilted to the right, so "towards the hand" is not straight down the page).
"""

from __future__ import annotations

import math

import numpy as np

from ..data.chen2021 import Calibration, PenSequence
from ..errors import PipelineError
from ..params import PAPER, PipelineParams
from ..pipeline import clean_trajectory
from ..pipeline.orientation import orientation
from ..pipeline.points import points

STAGE = "chen-represent"
KINDS = ("ypr", "mad6", "axis", "tail", "tip", "azel", "mad6z", "axis6")
#: Sensor axis remap that makes the pen axis the glove's pointing axis: new (x, y, z) =
#: old (z, x, y), a cyclic permutation (a proper rotation, det +1), so that the glove
#: pipeline's (-yaw, -pitch) of the sensor x axis becomes the azimuth/elevation of the pen.
PEN_AXIS_REMAP = (2, 0, 1)
G_MPS2 = 9.80665
#: Distance from the pen tip to the IMU on its tail (a stylus with the board on its end;
#: the authors' photo shows a pen of about 14 cm): the lever arm of the ``tip`` path.
PEN_LENGTH_M = 0.14
#: 6-axis Madgwick gain for the pen: the glove's 0.041 rad/s (ahrs default).
MADGWICK_BETA = PAPER.madgwick_beta


def sample_times(seq: PenSequence) -> np.ndarray:
    """(n,) seconds, strictly increasing (a 0 ms step is taken as 1 ms)."""
    td = np.maximum(np.asarray(seq.td_ms, dtype=np.float64), 1.0)
    t = np.cumsum(td) / 1000.0
    return t - t[0]


def mean_rate_hz(seq: PenSequence) -> float:
    t = sample_times(seq)
    return (len(t) - 1) / t[-1] if t[-1] > 0 else 66.0


def madgwick6(seq: PenSequence, cal: Calibration | None = None, beta: float = MADGWICK_BETA, remap: tuple[int, int, int] = (0, 1, 2)) -> np.ndarray:
    """(n, 4) quaternions of the project's 6-axis Madgwick filter on the raw acc + gyro
    (sensor axes taken in the order ``remap``; gyro bias of ``cal`` removed)."""
    gyr = np.asarray(seq.gyr_dps, dtype=np.float64)
    if cal is not None:
        gyr = gyr - cal.gyro_bias_dps
    r = list(remap)
    return orientation(seq.acc_mg[:, r] / 1000.0 * G_MPS2, np.deg2rad(gyr[:, r]), None, beta, mean_rate_hz(seq))


def rotations(quat: np.ndarray) -> np.ndarray:
    """(n, 3, 3) sensor->world matrices of (n, 4) quaternions (normalised first);
    the same matrix as ``glovexfer.pipeline.orientation.quat_to_matrix``, vectorised."""
    q = np.asarray(quat, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1),
        ],
        axis=1,
    )


def writer_frame(R: np.ndarray, rotation_deg: float = 0.0) -> np.ndarray:
    """(2, 3) rows x_right, y_up in world coordinates (see the module docstring)."""
    axis = R[:, :, 2].mean(axis=0)
    h = np.array([axis[0], axis[1], 0.0])
    n = float(np.hypot(h[0], h[1]))
    if n < 1e-6:  # pen exactly upright on average: no heading; take world north as up
        y = np.array([1.0, 0.0, 0.0])
    else:
        y = -h / n
    x = np.cross(y, [0.0, 0.0, 1.0])
    c, s = math.cos(math.radians(rotation_deg)), math.sin(math.radians(rotation_deg))
    return np.array([c * x + s * y, -s * x + c * y])


def tail_displacement(t: np.ndarray, R: np.ndarray, acc_mg: np.ndarray) -> np.ndarray:
    """(n, 3) metres: world acceleration integrated twice, velocity zero at both ends.

    The world-frame specific force minus its mean over the letter (gravity, the sensor's
    gain error along gravity and any constant bias) is integrated to velocity (trapezoid);
    the linear ramp that takes the end velocity back to zero is subtracted (drift removal),
    and the result is integrated again.
    """
    a = np.einsum("nij,nj->ni", R, np.asarray(acc_mg, dtype=np.float64) / 1000.0 * G_MPS2)
    a = a - a.mean(axis=0)
    dt = np.diff(t)[:, None]
    v = np.concatenate([np.zeros((1, 3)), np.cumsum(0.5 * (a[1:] + a[:-1]) * dt, axis=0)])
    v = v - np.outer(t / t[-1], v[-1])
    return np.concatenate([np.zeros((1, 3)), np.cumsum(0.5 * (v[1:] + v[:-1]) * dt, axis=0)])


def raw_path(seq: PenSequence, kind: str, cal: Calibration | None = None, rotation_deg: float = 0.0, mirror_x: bool = False, pen_length_m: float = PEN_LENGTH_M, beta: float = MADGWICK_BETA) -> np.ndarray:
    """(n, 2) path of one sequence for representation ``kind`` (before cleaning)."""
    if kind == "ypr":
        xy = -np.deg2rad(seq.ypr_deg[:, :2])
        xy[:, 0] = -np.unwrap(np.deg2rad(seq.ypr_deg[:, 0]))
    elif kind == "mad6":
        xy = points(madgwick6(seq, cal, beta))
    elif kind == "mad6z":
        xy = points(madgwick6(seq, cal, beta, remap=PEN_AXIS_REMAP))
    elif kind == "azel":
        z = rotations(seq.quat)[:, :, 2]
        xy = np.stack([-np.unwrap(np.arctan2(z[:, 1], z[:, 0])), np.arcsin(np.clip(z[:, 2], -1.0, 1.0))], axis=1)
    elif kind == "axis6":
        R = rotations(madgwick6(seq, cal, beta))
        xy = R[:, :, 2] @ writer_frame(R, rotation_deg).T
    elif kind in ("axis", "tail", "tip"):
        R = rotations(seq.quat)
        F = writer_frame(R, rotation_deg)
        if kind == "axis":
            p3 = R[:, :, 2]
        else:
            p3 = tail_displacement(sample_times(seq), R, seq.acc_mg)
            if kind == "tip":
                p3 = p3 - pen_length_m * R[:, :, 2]
        xy = p3 @ F.T
    else:
        raise PipelineError(STAGE, f"unknown representation '{kind}' (one of {', '.join(KINDS)})")
    if mirror_x:
        xy = xy * np.array([-1.0, 1.0])
    if not np.all(np.isfinite(xy)):
        raise PipelineError(STAGE, f"{seq.source}: representation '{kind}' gave NaN/inf")
    return xy


def cleaned(seq: PenSequence, kind: str, cal: Calibration | None = None, params: PipelineParams = PAPER, **kw) -> np.ndarray:
    """(100, 2) the path of ``kind`` through normalise, smooth, thin, resample."""
    return clean_trajectory(raw_path(seq, kind, cal, **kw), params)


__all__ = ["KINDS", "PEN_LENGTH_M", "raw_path", "cleaned", "madgwick6", "tail_displacement", "writer_frame", "sample_times"]


#: Time steps of ``signals``.
SIGNAL_STEPS = 64
SIGNAL_CHANNELS = ("axis_x", "axis_y", "axis_z", "gyr_x", "gyr_y", "gyr_z", "acc_x", "acc_y", "acc_z")


def signals(seq: PenSequence, cal: Calibration | None = None, n: int = SIGNAL_STEPS, beta: float = MADGWICK_BETA) -> np.ndarray:
    """(n, 9) time signals in the writer frame, equally spaced over the letter's duration.

    The project's 6-axis Madgwick orientation gives the world frame; every vector is then
    expressed in the writer frame (x right, y up the page, z up; ``writer_frame``), which
    makes the channels independent of how the pen is rolled in the fingers and of the
    heading of the desk: the pen axis (3), the angular rate (rad/s, bias removed, 3) and the
    acceleration with its mean over the letter removed (m/s^2, 3).  A float-only input for
    the time-domain network of the study (not computed by the device pipeline).
    """
    R = rotations(madgwick6(seq, cal, beta))
    F = writer_frame(R, 0.0)
    F3 = np.vstack([F, [0.0, 0.0, 1.0]])
    gyr = np.deg2rad(np.asarray(seq.gyr_dps, dtype=np.float64) - (cal.gyro_bias_dps if cal is not None else 0.0))
    w_world = np.einsum("nij,nj->ni", R, gyr)
    a_world = np.einsum("nij,nj->ni", R, np.asarray(seq.acc_mg, dtype=np.float64) / 1000.0 * G_MPS2)
    a_world = a_world - a_world.mean(axis=0)
    raw = np.concatenate([R[:, :, 2] @ F3.T, w_world @ F3.T, a_world @ F3.T], axis=1)
    t = sample_times(seq)
    tt = np.linspace(0.0, t[-1], n)
    out = np.stack([np.interp(tt, t, raw[:, k]) for k in range(raw.shape[1])], axis=1)
    if not np.all(np.isfinite(out)):
        raise PipelineError(STAGE, f"{seq.source}: signals gave NaN/inf")
    return out
