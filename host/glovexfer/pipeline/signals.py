"""Stage ``signals``: the time signals of one recording in the writer frame (float reference).

The input of the time-signal network (issue 7): per sample, in the **writer frame**,

* the pointing axis (sensor x, the glove's finger / the pen axis after
  ``chen.represent.PEN_AXIS_REMAP``) in the world, a unit vector (3 channels);
* the angular rate, rad/s (3 channels);
* the specific force minus its mean over the recording, m/s^2 (3 channels).

Writer frame (rows ``right``, ``up``, ``z``): ``up`` is minus the mean horizontal direction
of the pointing axis over the recording (from where the axis points back towards the
writer: "up the page"), ``right = up x z_up``, ``z`` the world vertical.  If the mean
horizontal axis is shorter than ``FRAME_MIN_NORM`` (axis vertical on average) ``up`` is
world north.  Expressing the vectors in this frame makes the channels independent of the
heading of the desk (the 6-axis yaw is arbitrary) and of the roll of the pen in the fingers.

``signals(quaternions, acc, gyr)`` takes the orientation stage's quaternions (sensor ->
world, NWU) and the physical acc / gyr; the golden twin (``glovexfer.golden.signals``)
computes the same numbers in integers from the counts and its Q30 quaternions.
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError

STAGE = "signals"
#: Channel names, in order.
CHANNELS = ("axis_right", "axis_up", "axis_z", "gyr_right", "gyr_up", "gyr_z", "acc_right", "acc_up", "acc_z")
N_CHANNELS = len(CHANNELS)
#: Below this length of the mean horizontal pointing axis the frame falls back to north
#: (the golden twin: ``FRAME_MIN_NORM_Q30``).
FRAME_MIN_NORM = 2.0**-10


def quat_matrices(q) -> np.ndarray:
    """(n, 3, 3) sensor -> world rotation matrices of (n, 4) unit quaternions (w, x, y, z)."""
    q = np.asarray(q, dtype=np.float64)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1),
        ],
        axis=1,
    )


def writer_frame(axis: np.ndarray) -> np.ndarray:
    """(3, 3) rows right, up, z_up (world coordinates) from the (n, 3) pointing axes."""
    h = axis[:, :2].mean(axis=0)
    r = float(np.hypot(h[0], h[1]))
    up = np.array([1.0, 0.0]) if r < FRAME_MIN_NORM else -h / r
    return np.array([[up[1], -up[0], 0.0], [up[0], up[1], 0.0], [0.0, 0.0, 1.0]])


def signals(quaternions, acc, gyr) -> np.ndarray:
    """(n, 9) float64 channels ``CHANNELS`` of one recording.

    quaternions (n, 4) sensor -> world; acc (n, 3) m/s^2 and gyr (n, 3) rad/s in the
    sensor frame.
    """
    q = np.asarray(quaternions, dtype=np.float64)
    a = np.asarray(acc, dtype=np.float64)
    g = np.asarray(gyr, dtype=np.float64)
    n = q.shape[0] if q.ndim == 2 else 0
    if q.shape != (n, 4) or n < 1 or a.shape != (n, 3) or g.shape != (n, 3):
        raise PipelineError(STAGE, f"quaternions (n, 4), acc (n, 3), gyr (n, 3) expected, got {q.shape}, {a.shape}, {g.shape}")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(a)) and np.all(np.isfinite(g))):
        raise PipelineError(STAGE, "NaN/inf in the input")
    R = quat_matrices(q)
    F = writer_frame(R[:, :, 0])
    M = np.einsum("ij,njk->nik", F, R)  # sensor -> writer frame
    acc_w = np.einsum("nij,nj->ni", M, a)
    acc_w -= acc_w.mean(axis=0)
    return np.concatenate([M[:, :, 0], np.einsum("nij,nj->ni", M, g), acc_w], axis=1)


__all__ = ["CHANNELS", "FRAME_MIN_NORM", "N_CHANNELS", "quat_matrices", "signals", "writer_frame"]
