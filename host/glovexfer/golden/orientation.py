"""Golden stage 1: int16 counts -> Q30 orientation quaternions (fixed-point Madgwick).

The integer twin of ``glovexfer.pipeline.orientation``: the same equations (ahrs 0.4.0's
Madgwick, scalar first, sensor -> world NWU), the same special cases, integers only.

Formats (docs/fixed-point.md):

* quaternion ``q``: Q30 in int32 (1.0 = 2^30), unit norm to within 3 * 2^-30;
* accelerometer and magnetometer: raw int16 counts (only their directions are used), made
  unit vectors in Q30 by ``normalise_vec``;
* gyroscope: ``dtheta = 0.5 * dt * omega`` in Q30 (``counts_to_fixed``), so that
  ``q (x) (0, dtheta) = dt * qdot``; ``|dtheta_i| <= 0.3228`` (full scale, 27 Hz);
* objective ``f`` (|f_i| <= 2): Q29 int32; Jacobian ``J`` (|J_ij| <= 4): Q28 int32;
  gradient ``J^T f``: Q57 in int64 (each product ``|J f| <= 2^60``, at most 6 summed);
* ``beta * dt``: ``FixedParams.beta_dt_k`` in Q(30 + beta_shift).

Special cases, as in the float twin: sample 0 gets no update (it is the initial
quaternion); gyroscope exactly zero (all three counts 0) -> ``q`` returned bit for bit;
magnetometer zero -> 6-axis update; accelerometer zero -> gyroscope integration only.
One deliberate difference: if the objective ``f`` is not zero but the gradient ``J^T f``
is exactly zero (a stationary point of the objective, e.g. the accelerometer reading
exactly opposite the predicted gravity), the float twin divides 0 by 0 and produces NaN;
the golden model skips the correction (as it does for ``f == 0``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import PipelineError
from .fixed import (
    ONE_Q30,
    FixedParams,
    chk32,
    chk64,
    chk_array,
    div_round,
    isqrt_round,
    isqrt_round_array,
    normalise_vec,
    normalise_vec_array,
    rshift_round,
    rshift_round_const as _rsr,
)

STAGE = "golden.orientation"

IDENTITY = (ONE_Q30, 0, 0, 0)


class FixedSamples(NamedTuple):
    """One recording in the golden model's input formats (int32 arrays, (n, 3) each)."""

    acc: np.ndarray  # raw counts
    dtheta: np.ndarray  # Q30, 0.5 * dt * omega
    mag: np.ndarray  # raw counts


def _counts(a, name: str, cols: int) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[1] != cols or a.shape[0] < 1:
        raise PipelineError(
            STAGE, f"{name} must have shape (n>=1, {cols}), got {a.shape}"
        )
    if a.dtype.kind not in "iu":
        raise PipelineError(
            STAGE, f"{name} must be integer counts, got dtype {a.dtype}"
        )
    if a.size and (int(a.min()) < -32768 or int(a.max()) > 32767):
        raise PipelineError(STAGE, f"{name} counts must be within int16")
    return a.astype(np.int64)


def gyro_to_dtheta(gyr_counts, fp: FixedParams) -> np.ndarray:
    """(n, 3) int32 Q30 half-angle steps ``rshift_round(count * gyr_k, gyr_shift)``.

    ``|count * gyr_k| <= 2^15 * 2^31 = 2^46`` (int64); result ``<= 0.323 * 2^30``.  A
    count is zero iff its step is zero (``gyr_k > 2^(gyr_shift-1)``, checked when derived).
    """
    g = _counts(gyr_counts, "gyr", 3)
    out = np.empty(g.shape, dtype=np.int32)
    for i in range(g.shape[0]):
        for k in range(3):
            out[i, k] = chk32(
                rshift_round(int(g[i, k]) * fp.gyr_k, fp.gyr_shift), "dtheta"
            )
    return out


def counts_to_fixed(counts, fp: FixedParams) -> FixedSamples:
    """(n, 9) int16 counts (acc, gyr, mag columns) -> ``FixedSamples``."""
    c = _counts(counts, "counts", 9)
    return FixedSamples(
        c[:, 0:3].astype(np.int32),
        gyro_to_dtheta(c[:, 3:6], fp),
        c[:, 6:9].astype(np.int32),
    )


# ----------------------------------------------------------------------------------- algebra
def quat_mul_q30(p, q) -> tuple[int, int, int, int]:
    """Hamilton product of two Q30 quaternions, Q30 (each component: an int64 sum of four
    Q60 products, ``|sum| <= |p| |q| 2^60`` by Cauchy-Schwarz, then ``rshift_round(., 30)``)."""
    pw, px, py, pz = p
    qw, qx, qy, qz = q
    return (
        rshift_round(chk64(pw * qw - px * qx - py * qy - pz * qz), 30),
        rshift_round(chk64(pw * qx + px * qw + py * qz - pz * qy), 30),
        rshift_round(chk64(pw * qy - px * qz + py * qw + pz * qx), 30),
        rshift_round(chk64(pw * qz + px * qy - py * qx + pz * qw), 30),
    )


def cross_q60(a, b) -> tuple[int, int, int]:
    """Cross product of two Q30 vectors, exact, Q60 (each ``|.| <= 2^61``, int64)."""
    return (
        chk64(a[1] * b[2] - a[2] * b[1]),
        chk64(a[2] * b[0] - a[0] * b[2]),
        chk64(a[0] * b[1] - a[1] * b[0]),
    )


def matrix_to_quat(R) -> tuple[int, int, int, int]:
    """Q30 unit quaternion (w >= 0) of a Q30 rotation matrix given as three rows (Shepperd).

    Branch: first maximum of ``[trace, R00, R11, R22]`` (as ``np.argmax``); its radicand
    ``1 + trace`` (or ``1 + 2 R_kk - trace``) is >= 1, in Q30 <= 2^32 (int64).
    ``r = isqrt_round(radicand << 30)`` is ``sqrt(radicand)`` in Q30 (>= 2^30); the big
    component is ``rshift_round(r, 1)`` (= s/4 with s = 2 r), the others
    ``div_round((R_ij -+ R_ji) << 30, 2 r)`` (numerators <= 2^61).  Then ``normalise_vec``
    and the sign fix ``w < 0 -> -q``.
    """
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = R
    t = r00 + r11 + r22
    cand = [t, r00, r11, r22]
    k = cand.index(max(cand))
    one = ONE_Q30
    if k == 0:
        rad = one + t
    elif k == 1:
        rad = one + r00 - r11 - r22
    elif k == 2:
        rad = one - r00 + r11 - r22
    else:
        rad = one - r00 - r11 + r22
    r = isqrt_round(chk64(rad << 30, "shepperd radicand"))
    s = 2 * r
    big = rshift_round(r, 1)

    def d(a: int) -> int:
        return div_round(chk64(a << 30), s)

    if k == 0:
        q = (big, d(r21 - r12), d(r02 - r20), d(r10 - r01))
    elif k == 1:
        q = (d(r21 - r12), big, d(r01 + r10), d(r02 + r20))
    elif k == 2:
        q = (d(r02 - r20), d(r01 + r10), big, d(r12 + r21))
    else:
        q = (d(r10 - r01), d(r02 + r20), d(r12 + r21), big)
    qn = normalise_vec(q)
    if qn[0] < 0:
        qn = tuple(-x for x in qn)
    return qn


def _frame_quaternion(z, y60) -> tuple[int, int, int, int]:
    """Quaternion of the rows ``x = y x z``, ``y = y60 / |y60|``, ``z`` (Q30 unit)."""
    y = normalise_vec(y60)
    x = normalise_vec(cross_q60(y, z))
    return matrix_to_quat((x, y, z))


def tilt_quaternion(acc) -> tuple[int, int, int, int]:
    """Integer twin of the float ``tilt_quaternion`` (roll and pitch from acc, yaw 0).

    The float's ``roll = atan2(ay, az)``, ``pitch = atan2(-ax, hypot(ay, az))``, ``yaw = 0``
    is the rotation with rows ``z = a/|a|``, ``y = (0, az, -ay)/hypot(ay, az)`` (= z x e_x,
    normalised), ``x = y x z``: the compass below with the sensor x axis as "north" -- no
    trigonometry needed.  ``ay = az = 0`` (roll undefined, float: roll = atan2(0, 0) = 0)
    -> ``y = (0, 1, 0)``.  Zero acc -> identity.
    """
    z = normalise_vec(acc)
    if z is None:
        return IDENTITY
    if z[1] == 0 and z[2] == 0:
        y60 = (0, 1, 0)
    else:
        y60 = (0, z[2], -z[1])
    return _frame_quaternion(z, y60)


def initial_quaternion(acc, mag=None) -> tuple[int, int, int, int]:
    """Integer twin of the float ``initial_quaternion``: tilt-compensated compass.

    ``acc``, ``mag``: 3 int16 counts each.  ``z = normalise_vec(acc)``; ``y60 = z x m``
    (exact Q60 cross product with ``m = normalise_vec(mag)``); ``y = normalise_vec(y60)``,
    ``x = normalise_vec(y x z)``; rows ``(x, y, z)`` -> ``matrix_to_quat``.

    Degenerate cases: ``mag`` None or zero -> ``tilt_quaternion(acc)``; acc zero ->
    identity; acc and mag parallel -- every ``|y60_k| < 2^30`` (i.e. each component of the
    sine vector below 2^-30 = 0.93e-9, the float's ``PARALLEL_SIN_EPS`` is 1e-9 on its
    norm) -> ``tilt_quaternion(acc)``.
    """
    acc = [int(v) for v in acc]
    if mag is None:
        return tilt_quaternion(acc)
    mag = [int(v) for v in mag]
    z = normalise_vec(acc)
    if z is None:
        return IDENTITY
    m = normalise_vec(mag)
    if m is None:
        return tilt_quaternion(acc)
    y60 = cross_q60(z, m)
    if max(abs(v) for v in y60) < ONE_Q30:
        return tilt_quaternion(acc)
    return _frame_quaternion(z, y60)


# ----------------------------------------------------------------------------------- updates
def _j28(c: int, v: int) -> int:
    """Jacobian entry ``c * v`` (v Q30, c in {+-2, +-4}) in Q28."""
    return chk32(rshift_round(c * v, 2), "J")


def _gradient_step(dq, grad, fp: FixedParams) -> list[int]:
    """``dq - beta dt grad / |grad|`` (Q30); grad exactly zero -> ``dq`` unchanged.

    ``grad / |grad|`` by ``normalise_vec`` (Q30); ``beta_dt_k * g <= 2^31 * 2^30`` (int64),
    ``rshift_round(., 30 + beta_shift)`` -> Q30.
    """
    gn = normalise_vec(grad)
    if gn is None:
        return dq
    return [
        dq[k] - rshift_round(chk64(fp.beta_dt_k * gn[k]), 30 + fp.beta_shift)
        for k in range(4)
    ]


def _finish(q, dq) -> tuple[int, int, int, int]:
    """``normalise(q + dq)``; ``|q + dq| <= (1 + 0.56 + 0.0016) 2^30 < 2^31`` per component."""
    return normalise_vec([chk32(q[k] + dq[k], "q + dq") for k in range(4)])


def _f_acc(q, a) -> tuple[int, int, int]:
    """Gravity part of the objective, Q29: each from one Q60 int64 sum (|.| <= 3 * 2^60)."""
    qw, qx, qy, qz = q
    ax, ay, az = a
    f0 = rshift_round(chk64(2 * (qx * qz - qw * qy) - (ax << 30)), 31)
    f1 = rshift_round(chk64(2 * (qw * qx + qy * qz) - (ay << 30)), 31)
    f2 = rshift_round(chk64((1 << 60) - 2 * (qx * qx + qy * qy) - (az << 30)), 31)
    return chk32(f0, "f0"), chk32(f1, "f1"), chk32(f2, "f2")


def _j_acc(q) -> list[tuple[int, int, int, int]]:
    qw, qx, qy, qz = q
    return [
        (_j28(-2, qy), _j28(2, qz), _j28(-2, qw), _j28(2, qx)),
        (_j28(2, qx), _j28(2, qw), _j28(2, qz), _j28(2, qy)),
        (0, _j28(-4, qx), _j28(-4, qy), 0),
    ]


def _jt_f(J, f) -> list[int]:
    """``J^T f`` in Q57: int32 x int32 products (|.| <= 2^30 * 2^30), at most 6 summed (< 2^63)."""
    g = [0, 0, 0, 0]
    for row, fj in zip(J, f):
        for k in range(4):
            g[k] += row[k] * fj
    return [chk64(v, "grad") for v in g]


def madgwick_imu_update(q, dtheta, acc, fp: FixedParams) -> tuple[int, int, int, int]:
    """One 6-axis step.  ``q`` Q30 unit, ``dtheta`` Q30 (3,), ``acc`` counts (3,).

    ``dtheta`` all zero -> ``q`` unchanged; acc zero -> gyro only; else
    ``q_new = normalise(q + q (x) (0, dtheta) - beta dt grad/|grad|)`` (f all zero or
    grad all zero -> no correction).
    """
    q = tuple(int(v) for v in q)
    dtheta = [int(v) for v in dtheta]
    if dtheta[0] == 0 and dtheta[1] == 0 and dtheta[2] == 0:
        return q
    dq = list(quat_mul_q30(q, (0, dtheta[0], dtheta[1], dtheta[2])))
    a = normalise_vec([int(v) for v in acc])
    if a is not None:
        f = _f_acc(q, a)
        if f != (0, 0, 0):
            dq = _gradient_step(dq, _jt_f(_j_acc(q), f), fp)
    return _finish(q, dq)


def madgwick_marg_update(
    q, dtheta, acc, mag, fp: FixedParams
) -> tuple[int, int, int, int]:
    """One 9-axis step.  ``q`` Q30 unit, ``dtheta`` Q30 (3,), ``acc``/``mag`` counts (3,).

    ``dtheta`` zero -> ``q``; mag zero -> ``madgwick_imu_update``; acc zero -> gyro only.
    Reference field: ``h = q (0, m) q*`` (two Q30 products), ``bx = isqrt_round(hx^2 + hy^2)``,
    ``bz = hz`` (Q30).  Magnetic part of ``f`` (Q29) from Q30 helper terms
    (``0.5 - qy^2 - qz^2`` etc., each rounded once from Q60), and Q28 Jacobian entries
    rounded once from their Q60 expressions (``|4 bx qy + 2 bz qw| <= 4``).
    """
    q = tuple(int(v) for v in q)
    dtheta = [int(v) for v in dtheta]
    if dtheta[0] == 0 and dtheta[1] == 0 and dtheta[2] == 0:
        return q
    mag = [int(v) for v in mag]
    if mag[0] == 0 and mag[1] == 0 and mag[2] == 0:
        return madgwick_imu_update(q, dtheta, acc, fp)
    dq = list(quat_mul_q30(q, (0, dtheta[0], dtheta[1], dtheta[2])))
    a = normalise_vec([int(v) for v in acc])
    if a is not None:
        mx, my, mz = normalise_vec(mag)
        qw, qx, qy, qz = q
        h = quat_mul_q30(quat_mul_q30(q, (0, mx, my, mz)), (qw, -qx, -qy, -qz))
        bx = isqrt_round(chk64(h[1] * h[1] + h[2] * h[2]))
        bz = h[3]
        # Q30 helper terms (each rounded once from Q60)
        c_a = rshift_round((1 << 59) - qy * qy - qz * qz, 30)  # 0.5 - qy^2 - qz^2
        c_b = rshift_round(qx * qz - qw * qy, 30)
        c_c = rshift_round(qx * qy - qw * qz, 30)
        c_d = rshift_round(qw * qx + qy * qz, 30)
        c_e = rshift_round(qw * qy + qx * qz, 30)
        c_f = rshift_round((1 << 59) - qx * qx - qy * qy, 30)  # 0.5 - qx^2 - qy^2
        f0, f1, f2 = _f_acc(q, a)
        f3 = chk32(
            rshift_round(chk64(2 * bx * c_a + 2 * bz * c_b - (mx << 30)), 31), "f3"
        )
        f4 = chk32(
            rshift_round(chk64(2 * bx * c_c + 2 * bz * c_d - (my << 30)), 31), "f4"
        )
        f5 = chk32(
            rshift_round(chk64(2 * bx * c_e + 2 * bz * c_f - (mz << 30)), 31), "f5"
        )
        f = (f0, f1, f2, f3, f4, f5)
        if any(f):

            def j(e: int) -> int:  # Q60 expression -> Q28
                return chk32(rshift_round(chk64(e, "J (Q60)"), 32), "J")

            J = _j_acc(q) + [
                (
                    j(-2 * bz * qy),
                    j(2 * bz * qz),
                    j(-4 * bx * qy - 2 * bz * qw),
                    j(-4 * bx * qz + 2 * bz * qx),
                ),
                (
                    j(-2 * bx * qz + 2 * bz * qx),
                    j(2 * bx * qy + 2 * bz * qw),
                    j(2 * bx * qx + 2 * bz * qz),
                    j(-2 * bx * qw + 2 * bz * qy),
                ),
                (
                    j(2 * bx * qy),
                    j(2 * bx * qz - 4 * bz * qx),
                    j(2 * bx * qw - 4 * bz * qy),
                    j(2 * bx * qx),
                ),
            ]
            dq = _gradient_step(dq, _jt_f(J, f), fp)
    return _finish(q, dq)


def orientation(acc, gyr, mag=None, fp: FixedParams | None = None) -> np.ndarray:
    """(n, 4) int32 Q30 quaternions from (n, 3) int16 counts each (``mag`` None: 6-axis).

    ``Q[0] = initial_quaternion(acc[0], mag[0])`` (6-axis: ``tilt_quaternion(acc[0])``),
    no update at sample 0; ``Q[t] = update(Q[t-1], dtheta[t], acc[t], mag[t])``.
    """
    if fp is None:
        from .fixed import derive_fixed_params

        fp = derive_fixed_params()
    a = _counts(acc, "acc", 3)
    n = a.shape[0]
    dth = gyro_to_dtheta(gyr, fp)
    if dth.shape[0] != n:
        raise PipelineError(STAGE, f"gyr has {dth.shape[0]} samples, expected {n}")
    m = None
    if mag is not None:
        m = _counts(mag, "mag", 3)
        if m.shape[0] != n:
            raise PipelineError(STAGE, f"mag has {m.shape[0]} samples, expected {n}")
    al, dl = a.tolist(), dth.tolist()
    Q = np.empty((n, 4), dtype=np.int32)
    if m is None:
        q = tilt_quaternion(al[0])
        Q[0] = q
        for t in range(1, n):
            q = madgwick_imu_update(q, dl[t], al[t], fp)
            Q[t] = q
    else:
        ml = m.tolist()
        q = initial_quaternion(al[0], ml[0])
        Q[0] = q
        for t in range(1, n):
            q = madgwick_marg_update(q, dl[t], al[t], ml[t], fp)
            Q[t] = q
    return Q


# ----------------------------------------------------------------------------------- batched

def _counts_batch(a, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 3 or a.shape[2] != 3 or a.shape[1] < 1:
        raise PipelineError(STAGE, f"{name} must have shape (B, n>=1, 3), got {a.shape}")
    if a.dtype.kind not in "iu":
        raise PipelineError(STAGE, f"{name} must be integer counts, got dtype {a.dtype}")
    if a.size and (int(a.min()) < -32768 or int(a.max()) > 32767):
        raise PipelineError(STAGE, f"{name} counts must be within int16")
    return a.astype(np.int64)


def _quat_mul_array(p, q) -> np.ndarray:
    """``quat_mul_q30`` on (..., 4) int64 arrays."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return _rsr(
        np.stack(
            [
                pw * qw - px * qx - py * qy - pz * qz,
                pw * qx + px * qw + py * qz - pz * qy,
                pw * qy - px * qz + py * qw + pz * qx,
                pw * qz + px * qy - py * qx + pz * qw,
            ],
            axis=-1,
        ),
        30,
    )


def _marg_step_batch(q, dth, acc, mag, fp: FixedParams) -> np.ndarray:
    """One ``madgwick_marg_update`` on B lanes at once: (B, 4) Q30 ``q``, (B, 3) ``dth``,
    (B, 3) acc and mag counts -> (B, 4).  Every branch of the scalar update is computed on
    every lane and selected per lane: gyro zero keeps ``q``; mag zero is the 6-axis update
    (the magnetic rows of ``f`` are zero, so they add nothing to ``J^T f``); acc zero, ``f``
    zero or ``J^T f`` zero skip the correction."""
    zero3 = np.zeros_like(dth[:, :1])
    dq = _quat_mul_array(q, np.concatenate([zero3, dth], axis=1))
    a, acc_zero = normalise_vec_array(acc)
    m, mag_zero = normalise_vec_array(mag)
    qw, qx, qy, qz = q.T
    ax, ay, az = a.T
    f0 = _rsr(2 * (qx * qz - qw * qy) - (ax << 30), 31)
    f1 = _rsr(2 * (qw * qx + qy * qz) - (ay << 30), 31)
    f2 = _rsr((1 << 60) - 2 * (qx * qx + qy * qy) - (az << 30), 31)
    mx, my, mz = m.T
    conj = q * np.array([1, -1, -1, -1], dtype=np.int64)
    h = _quat_mul_array(_quat_mul_array(q, np.concatenate([zero3, m], axis=1)), conj)
    bx = isqrt_round_array(h[:, 1] * h[:, 1] + h[:, 2] * h[:, 2])
    bz = h[:, 3]
    c_a = _rsr((1 << 59) - qy * qy - qz * qz, 30)
    c_b = _rsr(qx * qz - qw * qy, 30)
    c_c = _rsr(qx * qy - qw * qz, 30)
    c_d = _rsr(qw * qx + qy * qz, 30)
    c_e = _rsr(qw * qy + qx * qz, 30)
    c_f = _rsr((1 << 59) - qx * qx - qy * qy, 30)
    f3 = _rsr(2 * bx * c_a + 2 * bz * c_b - (mx << 30), 31)
    f4 = _rsr(2 * bx * c_c + 2 * bz * c_d - (my << 30), 31)
    f5 = _rsr(2 * bx * c_e + 2 * bz * c_f - (mz << 30), 31)
    f = np.stack([f0, f1, f2, f3, f4, f5], axis=1)
    f[:, 3:] = np.where(mag_zero[:, None], 0, f[:, 3:])
    chk_array(f, 32, "f")

    def j28(c: int, v: np.ndarray) -> np.ndarray:
        return _rsr(c * v, 2)

    def j(e: np.ndarray) -> np.ndarray:
        return _rsr(e, 32)

    zero = np.zeros_like(qw)
    J = np.stack(
        [
            np.stack([j28(-2, qy), j28(2, qz), j28(-2, qw), j28(2, qx)], axis=1),
            np.stack([j28(2, qx), j28(2, qw), j28(2, qz), j28(2, qy)], axis=1),
            np.stack([zero, j28(-4, qx), j28(-4, qy), zero], axis=1),
            np.stack([j(-2 * bz * qy), j(2 * bz * qz), j(-4 * bx * qy - 2 * bz * qw), j(-4 * bx * qz + 2 * bz * qx)], axis=1),
            np.stack([j(-2 * bx * qz + 2 * bz * qx), j(2 * bx * qy + 2 * bz * qw), j(2 * bx * qx + 2 * bz * qz), j(-2 * bx * qw + 2 * bz * qy)], axis=1),
            np.stack([j(2 * bx * qy), j(2 * bx * qz - 4 * bz * qx), j(2 * bx * qw - 4 * bz * qy), j(2 * bx * qx)], axis=1),
        ],
        axis=1,
    )  # (B, 6, 4)
    chk_array(J, 32, "J")
    grad = (J * f[:, :, None]).sum(axis=1)
    gn, grad_zero = normalise_vec_array(grad)
    step = _rsr(fp.beta_dt_k * gn, 30 + fp.beta_shift)
    correct = ~acc_zero & f.any(axis=1) & ~grad_zero
    dq = np.where(correct[:, None], dq - step, dq)
    qn = chk_array(q + dq, 32, "q + dq")
    qn, _ = normalise_vec_array(qn)
    gyro_zero = ~dth.any(axis=1)
    return np.where(gyro_zero[:, None], q, qn)


def orientation_batch(acc, gyr, mag=None, fp: FixedParams | None = None) -> np.ndarray:
    """``orientation`` of B recordings of the same length at once: (B, n, 3) int16 counts
    each -> (B, n, 4) int32 Q30, recording for recording the bits of ``orientation``.

    The initial quaternion (one per recording) comes from the scalar ``initial_quaternion``
    / ``tilt_quaternion``; the n - 1 updates run on all B lanes at once.  ``mag`` None
    (6-axis) is an all-zero magnetometer, which gives the 6-axis result in ``orientation``
    too.
    """
    if fp is None:
        from .fixed import derive_fixed_params

        fp = derive_fixed_params()
    a = _counts_batch(acc, "acc")
    g = _counts_batch(gyr, "gyr")
    m = np.zeros_like(a) if mag is None else _counts_batch(mag, "mag")
    if g.shape != a.shape or m.shape != a.shape:
        raise PipelineError(STAGE, f"acc, gyr and mag must have the same shape, got {a.shape}, {g.shape}, {m.shape}")
    b, n, _ = a.shape
    dth = chk_array(_rsr(g * fp.gyr_k, fp.gyr_shift) if fp.gyr_shift > 0 else g * fp.gyr_k, 32, "dtheta")
    Q = np.empty((b, n, 4), dtype=np.int32)
    if mag is None:
        q0 = [tilt_quaternion(row) for row in a[:, 0].tolist()]
    else:
        q0 = [initial_quaternion(x, y) for x, y in zip(a[:, 0].tolist(), m[:, 0].tolist())]
    q = np.array(q0, dtype=np.int64).reshape(b, 4)
    Q[:, 0] = q
    for t in range(1, n):
        q = _marg_step_batch(q, dth[:, t], a[:, t], m[:, t], fp)
        Q[:, t] = q
    return Q


__all__ = [
    "IDENTITY",
    "FixedSamples",
    "counts_to_fixed",
    "cross_q60",
    "gyro_to_dtheta",
    "initial_quaternion",
    "madgwick_imu_update",
    "madgwick_marg_update",
    "matrix_to_quat",
    "orientation",
    "orientation_batch",
    "quat_mul_q30",
    "tilt_quaternion",
]
