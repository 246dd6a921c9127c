"""Stage 1: orientation quaternions from accelerometer, gyroscope and magnetometer.

Conventions
-----------
* World frame NWU: x north, y west, z up.
* A quaternion ``q = (w, x, y, z)`` (scalar first, unit norm) rotates SENSOR-frame
  vectors into the WORLD frame: ``v_world = q v_sensor q*``.  This is the convention of
  Madgwick's filter as implemented by ``ahrs.filters.Madgwick``.
* The accelerometer measures specific force: at rest it reads ``R^T (0, 0, g)``
  (``+g`` on the sensor axis that points up).
* The magnetometer reads ``R^T m_world`` with ``m_world = B (cos I, 0, -sin I)``.

The filter equations are exactly those of ``ahrs.filters.Madgwick`` (ahrs 0.4.0), written
out as plain scalar arithmetic so that the fixed-point model and the C++ firmware can
mirror them line by line.  ``orientation`` returns what
``Madgwick(gyr=, acc=, mag=, frequency=, gain=)`` stores in ``.Q`` (to rounding):
sample 0 gets **no** update, it is the initial quaternion itself.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import PipelineError
from ..params import PAPER

STAGE = "orientation"

#: Below this ``|a x m| / (|a| |m|)`` (sine of the angle between the two vectors) the
#: magnetometer gives no usable heading and ``initial_quaternion`` falls back to tilt only.
PARALLEL_SIN_EPS = 1e-9


def _vec3(v, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    if a.shape != (3,):
        raise PipelineError(STAGE, f"{name} must have shape (3,), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise PipelineError(STAGE, f"{name} contains NaN or inf: {a}")
    return a


def _quat(q) -> np.ndarray:
    a = np.asarray(q, dtype=np.float64)
    if a.shape != (4,):
        raise PipelineError(STAGE, f"quaternion must have shape (4,), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise PipelineError(STAGE, f"quaternion contains NaN or inf: {a}")
    n = math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + a[3] * a[3])
    if n == 0.0:
        raise PipelineError(STAGE, "quaternion has zero norm")
    return a / n


def _series(x, name: str, n: int | None = None) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 3 or a.shape[0] < 1:
        raise PipelineError(STAGE, f"{name} must have shape (n>=1, 3), got {a.shape}")
    if n is not None and a.shape[0] != n:
        raise PipelineError(STAGE, f"{name} has {a.shape[0]} samples, expected {n}")
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise PipelineError(STAGE, f"{name} contains NaN or inf (first at sample {bad[0]}, axis {bad[1]})")
    return a


def _norm3(v: np.ndarray) -> float:
    return math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])


def quat_multiply(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product ``p q`` of two (4,) quaternions (scalar first)."""
    pw, px, py, pz = p
    qw, qx, qy, qz = q
    return np.array(
        [
            pw * qw - px * qx - py * qy - pz * qz,
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
        ]
    )


def quat_to_matrix(q) -> np.ndarray:
    """(3, 3) rotation matrix ``R`` of a unit quaternion: ``v_world = R @ v_sensor``."""
    w, x, y, z = _quat(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quat(R) -> np.ndarray:
    """Unit quaternion (w >= 0) of a (3, 3) rotation matrix (Shepperd's method).

    The branch is chosen by the largest of ``trace, R00, R11, R22`` so the square root
    never takes a small argument; the result is then normalised and its sign fixed so
    that ``w >= 0``.
    """
    R = np.asarray(R, dtype=np.float64)
    t = R[0, 0] + R[1, 1] + R[2, 2]
    k = int(np.argmax([t, R[0, 0], R[1, 1], R[2, 2]]))
    if k == 0:
        s = 2.0 * math.sqrt(1.0 + t)
        q = np.array([0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s])
    elif k == 1:
        s = 2.0 * math.sqrt(1.0 + R[0, 0] - R[1, 1] - R[2, 2])
        q = np.array([(R[2, 1] - R[1, 2]) / s, 0.25 * s, (R[0, 1] + R[1, 0]) / s, (R[0, 2] + R[2, 0]) / s])
    elif k == 2:
        s = 2.0 * math.sqrt(1.0 - R[0, 0] + R[1, 1] - R[2, 2])
        q = np.array([(R[0, 2] - R[2, 0]) / s, (R[0, 1] + R[1, 0]) / s, 0.25 * s, (R[1, 2] + R[2, 1]) / s])
    else:
        s = 2.0 * math.sqrt(1.0 - R[0, 0] - R[1, 1] + R[2, 2])
        q = np.array([(R[1, 0] - R[0, 1]) / s, (R[0, 2] + R[2, 0]) / s, (R[1, 2] + R[2, 1]) / s, 0.25 * s])
    q /= math.sqrt(float(q @ q))
    if q[0] < 0:
        q = -q
    return q


def tilt_quaternion(acc) -> np.ndarray:
    """Orientation from one accelerometer sample alone (yaw 0).

    Parameters
    ----------
    acc : (3,) array_like, any unit (only the direction is used).

    Returns
    -------
    (4,) unit quaternion with ZYX angles ``roll = atan2(ay, az)``,
    ``pitch = atan2(-ax, hypot(ay, az))``, ``yaw = 0`` -- the same formula as
    ``ahrs.common.orientation.acc2q``.  A zero vector gives the identity ``(1, 0, 0, 0)``.
    """
    a = _vec3(acc, "acc")
    n = _norm3(a)
    if n == 0.0:
        return np.array([1.0, 0.0, 0.0, 0.0])
    ax, ay, az = a / n
    roll = math.atan2(ay, az)
    pitch = math.atan2(-ax, math.sqrt(ay * ay + az * az))
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    q = np.array([cr * cp, sr * cp, cr * sp, -sr * sp])
    return q / math.sqrt(float(q @ q))


def initial_quaternion(acc, mag=None) -> np.ndarray:
    """Orientation of a static sensor from one accelerometer + magnetometer sample.

    Tilt-compensated compass: the world's up axis, seen in the sensor frame, is
    ``z = acc / |acc|``; west is ``y = z x mag`` (normalised) and north is ``x = y x z``.
    The rows ``x, y, z`` form the sensor-to-world matrix ``R``, returned as a quaternion
    (this is ``ahrs.common.orientation.ecompass(acc, mag, frame='NED')`` -- which, with
    the specific-force accelerometer, is in fact the NWU frame used here).

    Parameters
    ----------
    acc : (3,) array_like
        Accelerometer sample (specific force; any unit, only the direction is used).
    mag : (3,) array_like or None
        Magnetometer sample in the same sensor frame (any unit).

    Returns
    -------
    (4,) float64 unit quaternion ``(w, x, y, z)``, ``w >= 0``, sensor -> world (NWU).
    For a static sensor with noise-free readings this is the true orientation.

    Degenerate cases: ``mag`` is None, zero, or parallel to ``acc`` (``sin`` of the angle
    below ``PARALLEL_SIN_EPS``) -> ``tilt_quaternion(acc)`` (yaw 0); ``acc`` zero ->
    identity.
    """
    a = _vec3(acc, "acc")
    if mag is None:
        return tilt_quaternion(a)
    m = _vec3(mag, "mag")
    na, nm = _norm3(a), _norm3(m)
    if na == 0.0:
        return np.array([1.0, 0.0, 0.0, 0.0])
    if nm == 0.0:
        return tilt_quaternion(a)
    z = a / na
    y = np.cross(z, m / nm)
    ny = _norm3(y)
    if ny < PARALLEL_SIN_EPS:
        return tilt_quaternion(a)
    y = y / ny
    x = np.cross(y, z)
    x = x / _norm3(x)
    return matrix_to_quat(np.array([x, y, z]))


def madgwick_imu_update(q, gyr, acc, beta: float = PAPER.madgwick_beta, dt: float = 1.0 / PAPER.sample_rate_hz) -> np.ndarray:
    """One step of Madgwick's 6-axis (gyroscope + accelerometer) filter.

    Parameters
    ----------
    q : (4,) array_like
        A-priori orientation (normalised here first).
    gyr : (3,) array_like
        Angular rate in rad/s, sensor frame.
    acc : (3,) array_like
        Accelerometer (any unit; only the direction is used).
    beta : float
        Gain of the gradient-descent correction, rad/s.
    dt : float
        Step in seconds.

    Returns
    -------
    (4,) unit quaternion.  As in ahrs: ``gyr`` exactly zero -> ``q`` unchanged (no
    correction either); ``acc`` zero -> gyroscope integration only;
    ``q_new = normalise(q + dt (0.5 q (0, gyr) - beta grad / |grad|))``.
    """
    q = _quat(q)
    g = _vec3(gyr, "gyr")
    a = _vec3(acc, "acc")
    if _norm3(g) == 0.0:
        return q
    qdot = 0.5 * quat_multiply(q, np.array([0.0, g[0], g[1], g[2]]))
    na = _norm3(a)
    if na > 0.0:
        ax, ay, az = a / na
        qw, qx, qy, qz = q
        f0 = 2.0 * (qx * qz - qw * qy) - ax
        f1 = 2.0 * (qw * qx + qy * qz) - ay
        f2 = 2.0 * (0.5 - qx * qx - qy * qy) - az
        if f0 != 0.0 or f1 != 0.0 or f2 != 0.0:
            # gradient = J^T f, J the (3, 4) Jacobian of f
            grad = np.array(
                [
                    -2.0 * qy * f0 + 2.0 * qx * f1,
                    2.0 * qz * f0 + 2.0 * qw * f1 - 4.0 * qx * f2,
                    -2.0 * qw * f0 + 2.0 * qz * f1 - 4.0 * qy * f2,
                    2.0 * qx * f0 + 2.0 * qy * f1,
                ]
            )
            grad /= math.sqrt(float(grad @ grad))
            qdot = qdot - beta * grad
    q_new = q + qdot * dt
    return q_new / math.sqrt(float(q_new @ q_new))


def madgwick_marg_update(q, gyr, acc, mag, beta: float = PAPER.madgwick_beta, dt: float = 1.0 / PAPER.sample_rate_hz) -> np.ndarray:
    """One step of Madgwick's 9-axis (MARG) filter.

    Parameters
    ----------
    q : (4,) array_like
        A-priori orientation (normalised here first).
    gyr : (3,) array_like
        Angular rate in rad/s, sensor frame.
    acc, mag : (3,) array_like
        Accelerometer and magnetometer (any units; only directions are used).
    beta : float
        Gain of the gradient-descent correction, rad/s.
    dt : float
        Step in seconds.

    Returns
    -------
    (4,) unit quaternion.  As in ahrs: ``gyr`` exactly zero -> ``q`` unchanged; ``mag``
    zero -> ``madgwick_imu_update``; ``acc`` zero -> gyroscope integration only.  The
    reference field is ``(bx, 0, bz)`` with ``h = q m q*``, ``bx = hypot(h_x, h_y)``,
    ``bz = h_z``.
    """
    q = _quat(q)
    g = _vec3(gyr, "gyr")
    a = _vec3(acc, "acc")
    m = _vec3(mag, "mag")
    if _norm3(g) == 0.0:
        return q
    if _norm3(m) == 0.0:
        return madgwick_imu_update(q, g, a, beta, dt)
    qdot = 0.5 * quat_multiply(q, np.array([0.0, g[0], g[1], g[2]]))
    na = _norm3(a)
    if na > 0.0:
        ax, ay, az = a / na
        mx, my, mz = m / _norm3(m)
        h = quat_multiply(q, quat_multiply(np.array([0.0, mx, my, mz]), q * np.array([1.0, -1.0, -1.0, -1.0])))
        bx = math.sqrt(h[1] * h[1] + h[2] * h[2])
        bz = h[3]
        qw, qx, qy, qz = q
        f = np.array(
            [
                2.0 * (qx * qz - qw * qy) - ax,
                2.0 * (qw * qx + qy * qz) - ay,
                2.0 * (0.5 - qx * qx - qy * qy) - az,
                2.0 * bx * (0.5 - qy * qy - qz * qz) + 2.0 * bz * (qx * qz - qw * qy) - mx,
                2.0 * bx * (qx * qy - qw * qz) + 2.0 * bz * (qw * qx + qy * qz) - my,
                2.0 * bx * (qw * qy + qx * qz) + 2.0 * bz * (0.5 - qx * qx - qy * qy) - mz,
            ]
        )
        if np.any(f != 0.0):
            J = np.array(
                [
                    [-2.0 * qy, 2.0 * qz, -2.0 * qw, 2.0 * qx],
                    [2.0 * qx, 2.0 * qw, 2.0 * qz, 2.0 * qy],
                    [0.0, -4.0 * qx, -4.0 * qy, 0.0],
                    [-2.0 * bz * qy, 2.0 * bz * qz, -4.0 * bx * qy - 2.0 * bz * qw, -4.0 * bx * qz + 2.0 * bz * qx],
                    [-2.0 * bx * qz + 2.0 * bz * qx, 2.0 * bx * qy + 2.0 * bz * qw, 2.0 * bx * qx + 2.0 * bz * qz, -2.0 * bx * qw + 2.0 * bz * qy],
                    [2.0 * bx * qy, 2.0 * bx * qz - 4.0 * bz * qx, 2.0 * bx * qw - 4.0 * bz * qy, 2.0 * bx * qx],
                ]
            )
            grad = J.T @ f
            grad /= math.sqrt(float(grad @ grad))
            qdot = qdot - beta * grad
    q_new = q + qdot * dt
    return q_new / math.sqrt(float(q_new @ q_new))


def orientation(acc, gyr, mag=None, beta: float = PAPER.madgwick_beta, rate_hz: float = PAPER.sample_rate_hz) -> np.ndarray:
    """Orientation of every sample with Madgwick's filter.

    Parameters
    ----------
    acc : (n, 3) array_like
        Accelerometer, m/s^2 (specific force), sensor frame, n >= 1.
    gyr : (n, 3) array_like
        Gyroscope, rad/s, sensor frame.
    mag : (n, 3) array_like or None
        Magnetometer (any unit), sensor frame.  None -> 6-axis mode.
    beta : float
        Filter gain (rad/s), > 0.
    rate_hz : float
        Sample rate; the filter step is ``dt = 1 / rate_hz``.

    Returns
    -------
    (n, 4) float64 unit quaternions, sensor -> world (NWU).

    ``Q[0] = initial_quaternion(acc[0], mag[0])`` (6-axis: ``tilt_quaternion(acc[0])``,
    yaw 0) and sample 0 gets no filter update; ``Q[t] = update(Q[t-1], gyr[t], acc[t],
    mag[t])`` for t >= 1.  This is exactly what ``ahrs.filters.Madgwick(gyr=, acc=,
    mag=, frequency=rate_hz, gain=beta)`` stores in ``.Q`` (in 6-axis mode ahrs's ``q0``
    defaults to the same tilt formula).  A MARG sample whose magnetometer reads exactly
    zero is a 6-axis update, so an all-zero magnetometer column gives the 6-axis result.
    """
    acc = _series(acc, "acc")
    n = acc.shape[0]
    gyr = _series(gyr, "gyr", n)
    if mag is not None:
        mag = _series(mag, "mag", n)
    if not (np.isfinite(beta) and beta > 0):
        raise PipelineError(STAGE, f"beta must be a positive number, got {beta}")
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        raise PipelineError(STAGE, f"rate_hz must be a positive number, got {rate_hz}")
    dt = 1.0 / rate_hz
    Q = np.empty((n, 4))
    if mag is None:
        Q[0] = tilt_quaternion(acc[0])
        for t in range(1, n):
            Q[t] = madgwick_imu_update(Q[t - 1], gyr[t], acc[t], beta, dt)
    else:
        Q[0] = initial_quaternion(acc[0], mag[0])
        for t in range(1, n):
            Q[t] = madgwick_marg_update(Q[t - 1], gyr[t], acc[t], mag[t], beta, dt)
    if not np.all(np.isfinite(Q)):  # only with absurd inputs (|x| > 1e150 overflows a norm)
        raise PipelineError(STAGE, "numerical overflow: input magnitudes are out of range")
    return Q


__all__ = [
    "initial_quaternion",
    "tilt_quaternion",
    "madgwick_imu_update",
    "madgwick_marg_update",
    "orientation",
    "quat_multiply",
    "quat_to_matrix",
    "matrix_to_quat",
]
