"""Shared integer helpers of the fixed-point golden model, and its integer constants.

Everything the device path computes is an integer.  This module holds

* the **formats** (module constants ``Q_*``), see docs/fixed-point.md for the table;
* the **arithmetic primitives** every stage uses, each with the exact rounding rule the
  C++ twin implements: ``rshift_round`` (round half up), ``div_round`` (round half away
  from zero), ``isqrt_floor``/``isqrt_round``/``isqrt_ceil`` (exact integer square roots),
  ``normalise_vec`` (unit vector in Q30), ``atan2_turns``/``asin_turns`` (CORDIC);
* the **range checks** ``chk32``/``chk64`` that turn every claimed "no overflow" into a
  checked statement (they raise ``OverflowError``; Python ints never wrap, so a
  silent wrap of the C++ twin shows up here as an exception instead);
* ``FixedParams`` -- every integer constant derived from ``(PipelineParams, SensorSpec)``
  by ``derive_fixed_params``, the only function in the golden model that uses floats.
  The firmware gets exactly these integers generated into a header.

Conventions shared with the C++ twin
------------------------------------
* ``x >> s`` on a negative value is an *arithmetic* shift, i.e. ``floor(x / 2^s)``
  (Python's ``>>``; guaranteed by C++20, and what GCC/Clang do on every target before).
* ``rshift_round(x, s) = (x + (1 << (s - 1))) >> s`` for ``s >= 1``: round to nearest,
  ties towards +infinity ("half up"), also for negative ``x``.
* ``div_round(a, b)``, ``b > 0``: round to nearest, ties away from zero; in C++
  ``a >= 0 ? (a + b/2) / b : -((-a + b/2) / b)`` (C++ ``/`` truncates; both operands
  of each division are non-negative there, so truncation = floor).
* int32 values are stored in ``int32_t``; every product of two int32 values is formed in
  ``int64_t``; sums of such products are accumulated in ``int64_t``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ..params import MPU9250, PAPER, PipelineParams, SensorSpec

# --------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------
#: Unit quaternions, unit vectors, and every [-1, 1] / [0, 1] quantity: 1.0 = 2^30.
Q30 = 30
ONE_Q30 = 1 << 30
#: Madgwick objective function f (|f_i| <= 2): Q29.  Its Jacobian J (|J_ij| <= 4): Q28.
Q_F = 29
Q_J = 28
#: Angles: binary angle units, 2^ANGLE_BITS per turn (1 unit = 360 / 2^24 deg = 3.745e-7 rad),
#: int32.  A wrap is natural: differences are taken modulo TURN.
ANGLE_BITS = 24
TURN = 1 << ANGLE_BITS
HALF_TURN = TURN >> 1
QUARTER_TURN = TURN >> 2
#: CORDIC: internal angle accumulator in 2^-30 turn; operands scaled to |v| < 2^29.
CORDIC_ANGLE_BITS = 30
CORDIC_OPERAND_BITS = 29
CORDIC_ITERATIONS = 29  # atan(2^-i) for i >= 29 rounds to 0 in 2^-30 turn
#: Normalised / smoothed / thinned / resampled points in the unit square: Q30.
Q_UNIT = 30
#: Spline moments w_i = (h_{i-1} + h_i) M_i (dimensionless, |w| <= 12 (m - 2) <= 360 for m <= 32
#: points) and the Thomas right-hand sides: Q22 (360 * 2^22 < 2^31).
Q_W = 22
#: Canvas coordinates (pixel units, 0..127): Q20.
Q_CANVAS = 20
#: Gaussian blur taps: Q16, sum exactly 2^16.
Q_TAPS = 16
#: Image: 1.0 = 2^15, values 0..32768 (uint16 on the device).
Q_IMAGE = 15

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


# --------------------------------------------------------------------------------------
# Range checks (the C++ twin has none: these prove, on every run, that it needs none)
# --------------------------------------------------------------------------------------
def chk32(x: int, what: str = "value") -> int:
    """``x`` if it fits ``int32_t``, else OverflowError."""
    if not INT32_MIN <= x <= INT32_MAX:
        raise OverflowError(f"{what} = {x} does not fit int32")
    return x


def chk64(x: int, what: str = "value") -> int:
    """``x`` if it fits ``int64_t``, else OverflowError."""
    if not INT64_MIN <= x <= INT64_MAX:
        raise OverflowError(f"{what} = {x} does not fit int64")
    return x


def chk_array(a: np.ndarray, bits: int, what: str = "array") -> np.ndarray:
    """``a`` if every element fits a signed ``bits``-bit integer (``a`` must be integer)."""
    if a.dtype.kind not in "iu":
        raise TypeError(f"{what} must be an integer array, got {a.dtype}")
    if a.size:
        lo, hi = int(a.min()), int(a.max())
        if lo < -(1 << (bits - 1)) or hi > (1 << (bits - 1)) - 1:
            raise OverflowError(f"{what} range [{lo}, {hi}] does not fit int{bits}")
    return a


def sat(x: int, lo: int, hi: int) -> int:
    """Saturate (clamp) ``x`` to ``[lo, hi]``."""
    return lo if x < lo else min(x, hi)


# --------------------------------------------------------------------------------------
# Rounding primitives
# --------------------------------------------------------------------------------------
def rshift_round(x: int, s: int) -> int:
    """``x / 2^s`` rounded to nearest, ties towards +inf: ``(x + 2^(s-1)) >> s`` (s >= 0)."""
    if s <= 0:
        return x << (-s)
    return (x + (1 << (s - 1))) >> s


def div_round(a: int, b: int) -> int:
    """``a / b`` (``b > 0``) rounded to nearest, ties away from zero (C++: see module doc)."""
    if b <= 0:
        raise ZeroDivisionError(f"div_round needs b > 0, got {b}")
    if a >= 0:
        return (a + (b >> 1)) // b
    return -((-a + (b >> 1)) // b)


def bit_length(m: int) -> int:
    """Number of bits of ``m >= 0`` (``64 - clz64(m)`` in C++; 0 for 0)."""
    return m.bit_length()


# --------------------------------------------------------------------------------------
# Integer square roots
# --------------------------------------------------------------------------------------
def isqrt_u64_bitwise(n: int) -> int:
    """``floor(sqrt(n))`` for ``0 <= n < 2^64``: the digit-by-digit (bit-pair) method.

    This is the loop the C++ twin runs (32 iterations, shifts, adds and compares on
    uint64 only).  It is exact.  ``isqrt_floor`` returns the same value (tested).
    """
    if not 0 <= n < (1 << 64):
        raise OverflowError(f"isqrt argument {n} outside [0, 2^64)")
    res = 0
    bit = 1 << 62
    while bit > n:
        bit >>= 2
    while bit:
        if n >= res + bit:
            n -= res + bit
            res = (res >> 1) + bit
        else:
            res >>= 1
        bit >>= 2
    return res


def isqrt_floor(n: int) -> int:
    """``floor(sqrt(n))`` for ``0 <= n < 2^64``, exact (same value as ``isqrt_u64_bitwise``;
    ``math.isqrt`` is used here only because it is faster in Python -- it is an exact
    integer function, no floating point)."""
    if not 0 <= n < (1 << 64):
        raise OverflowError(f"isqrt argument {n} outside [0, 2^64)")
    return math.isqrt(n)


def isqrt_round(n: int) -> int:
    """``sqrt(n)`` rounded to the nearest integer (never a tie): ``r = isqrt_floor(n)``,
    ``r + 1`` if ``n - r^2 > r``."""
    r = isqrt_floor(n)
    return r + 1 if n - r * r > r else r


def isqrt_ceil(n: int) -> int:
    """``ceil(sqrt(n))``."""
    r = isqrt_floor(n)
    return r if r * r == n else r + 1


# --------------------------------------------------------------------------------------
# Unit vectors
# --------------------------------------------------------------------------------------
def normalise_vec(v) -> tuple[int, ...] | None:
    """Q30 unit vector along the integer vector ``v`` (2 to 4 components, int64), or None if zero.

    Method (block floating point + exact integer square root + one division per component):

    1. ``m = max |v_k|``; shift every component by ``s = bitlen(m) - 30`` (right with
       ``rshift_round`` if ``s > 0``, left -- exact -- if ``s < 0``) so that
       ``2^29 <= max |w_k| <= 2^30``;
    2. ``n2 = sum w_k^2 <= 4 * 2^60`` (int64), ``r = isqrt_round(n2)`` in ``[2^29, 2^31]``;
    3. ``out_k = div_round(w_k << 30, r)`` (``|w_k << 30| <= 2^60``).

    Accuracy: the shift in 1. loses at most half a unit of 2^-29 relative; ``r`` is within
    0.5 of ``|w|`` (relative 2^-30); the division rounds to 0.5 ulp.  Every component is
    within 2 ulp (2^-29) of the exact unit vector; ``|out| = 1`` within 3 * 2^-30 (tested).
    """
    v = [int(x) for x in v]
    m = 0
    for x in v:
        chk64(x, "normalise_vec input")
        ax = -x if x < 0 else x
        m = max(m, ax)
    if m == 0:
        return None
    s = m.bit_length() - 30
    w = [rshift_round(x, s) for x in v] if s > 0 else [x << (-s) for x in v]
    n2 = 0
    for x in w:
        n2 += x * x
    chk64(n2, "normalise_vec |w|^2")
    r = isqrt_round(n2)
    return tuple(div_round(x << 30, r) for x in w)


# --------------------------------------------------------------------------------------
# CORDIC atan2 / asin (vectorised over numpy int64 arrays; same arithmetic per element)
# --------------------------------------------------------------------------------------
_POW2 = np.array([1 << k for k in range(63)], dtype=np.int64)


def bit_length_array(m: np.ndarray) -> np.ndarray:
    """Element-wise ``bitlen`` of a non-negative int64 array (integer compares only)."""
    return np.searchsorted(_POW2, m, side="right").astype(np.int64)


def rshift_round_array(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Element-wise ``rshift_round(x, s)`` for int64 arrays, ``s`` may be <= 0 (left shift)."""
    s = np.asarray(s, dtype=np.int64)
    sr = np.maximum(s, 1)
    right = (x + (np.int64(1) << (sr - 1))) >> sr
    left = x << np.maximum(-s, 0)
    return np.where(s > 0, right, left)


def atan2_turns(y, x, table: tuple[int, ...]) -> np.ndarray:
    """``atan2(y, x)`` in angle units (2^-24 turn), int64 array in ``[-2^23, 2^23]``.

    ``y``, ``x``: int64 arrays (any scale, ``|.| <= 2^62 + 2^40``; only the direction is used).
    ``table``: ``FixedParams.atan_table``, ``round(atan(2^-i) / (2 pi) * 2^30)``.

    Method: exact special cases (``y == 0``: 0 for ``x >= 0``, +half turn for ``x < 0``
    -- as ``arctan2(+0.0, x)``; ``x == 0``: +-quarter turn); block-floating normalisation
    of ``(x, y)`` to ``max |.|`` in ``[2^28, 2^29]`` (``rshift_round`` or exact left
    shift); ``x < 0`` -> ``(x, y) = (-x, -y)`` and the accumulator starts at +-half turn
    (the sign of the original ``y``); then 29 CORDIC vectoring iterations on int32
    (``y >= 0``: ``x += y >> i, y -= x >> i, z += T[i]``, else the opposite; ``>>`` is
    floor), ``z`` in 2^-30 turn; result ``rshift_round(z, 6)`` clamped to ``[-2^23, 2^23]``.

    Ranges: ``|x|, |y| <= 1.6468 * sqrt(2) * 2^29 < 2^30.3`` (CORDIC gain), ``|z| < 2^30``.
    Measured error over the full circle: see docs/fixed-point.md (<= 1.2e-5 deg).
    """
    y = np.asarray(y, dtype=np.int64).copy()
    x = np.asarray(x, dtype=np.int64).copy()
    y0, x0 = y.copy(), x.copy()
    m = np.maximum(np.abs(x), np.abs(y))
    if np.any(m > (np.int64(1) << 62) + (np.int64(1) << 40)):
        raise OverflowError(
            "atan2_turns operands must be at most 2^62 + 2^40 in magnitude"
        )
    s = bit_length_array(m) - CORDIC_OPERAND_BITS
    x = rshift_round_array(x, s)
    y = rshift_round_array(y, s)
    z = np.zeros_like(x)
    half_c = np.int64(1) << (CORDIC_ANGLE_BITS - 1)
    neg = x < 0
    z = np.where(neg, np.where(y0 > 0, half_c, -half_c), z)
    x = np.where(neg, -x, x)
    y = np.where(neg, -y, y)
    for i in range(CORDIC_ITERATIONS):
        t = np.int64(table[i])
        up = y >= 0
        xs, ys = x >> i, y >> i
        x, y = np.where(up, x + ys, x - ys), np.where(up, y - xs, y + xs)
        z = np.where(up, z + t, z - t)
    chk_array(x, 32, "cordic x")
    chk_array(y, 32, "cordic y")
    chk_array(z, 32, "cordic z")
    out = np.clip(
        rshift_round_array(z, np.int64(CORDIC_ANGLE_BITS - ANGLE_BITS)),
        -HALF_TURN,
        HALF_TURN,
    )
    # exact special cases
    out = np.where(y0 == 0, np.where(x0 >= 0, 0, HALF_TURN), out)
    out = np.where(
        (x0 == 0) & (y0 != 0), np.where(y0 > 0, QUARTER_TURN, -QUARTER_TURN), out
    )
    return out.astype(np.int64)


def asin_turns(v, table: tuple[int, ...]) -> np.ndarray:
    """``asin(v)`` in angle units for Q30 ``v`` (clamped to ``[-2^30, 2^30]`` first):
    ``atan2_turns(v, isqrt_round(2^60 - v^2))``; result in ``[-2^22, 2^22]``."""
    v = np.clip(np.asarray(v, dtype=np.int64), -ONE_Q30, ONE_Q30)
    c2 = (np.int64(1) << 60) - v * v
    c = np.array([isqrt_round(int(e)) for e in c2.ravel()], dtype=np.int64).reshape(
        c2.shape
    )
    return atan2_turns(v, c, table)


# --------------------------------------------------------------------------------------
# The same primitives on int64 arrays (the batched golden model; element for element the
# values of the scalar functions above, tested against them)
# --------------------------------------------------------------------------------------
def rshift_round_const(x: np.ndarray, s: int) -> np.ndarray:
    """Element-wise ``rshift_round(x, s)`` by one constant ``s >= 1`` (int64 array)."""
    return (x + (1 << (s - 1))) >> s


def div_round_array(a, b) -> np.ndarray:
    """Element-wise ``div_round(a, b)`` (``b > 0``, broadcast against ``a``), int64."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if b.size and int(b.min()) <= 0:
        raise ZeroDivisionError("div_round needs b > 0")
    h = b >> 1
    return np.where(a >= 0, (a + h) // b, -((-a + h) // b))


def isqrt_floor_array(n) -> np.ndarray:
    """Element-wise ``isqrt_floor`` of a non-negative int64 array: the digit-by-digit loop of
    ``isqrt_u64_bitwise`` on uint64 lanes (32 fixed iterations; while ``bit > n`` a lane's
    result stays 0, as the scalar loop's skipping of those bits)."""
    n = np.asarray(n, dtype=np.int64)
    if n.size and int(n.min()) < 0:
        raise OverflowError("isqrt argument must be non-negative")
    rem = n.astype(np.uint64)
    res = np.zeros_like(rem)
    for k in range(31, -1, -1):
        bit = np.uint64(1 << (2 * k))
        t = res + bit
        ge = rem >= t
        rem = np.where(ge, rem - t, rem)
        res = np.where(ge, (res >> np.uint64(1)) + bit, res >> np.uint64(1))
    return res.astype(np.int64)


def isqrt_round_array(n) -> np.ndarray:
    """Element-wise ``isqrt_round`` (``r + 1`` where ``n - r^2 > r``)."""
    n = np.asarray(n, dtype=np.int64)
    r = isqrt_floor_array(n)
    return r + (n - r * r > r)


def isqrt_ceil_array(n) -> np.ndarray:
    """Element-wise ``isqrt_ceil``."""
    n = np.asarray(n, dtype=np.int64)
    r = isqrt_floor_array(n)
    return r + (r * r != n)


def normalise_vec_array(v) -> tuple[np.ndarray, np.ndarray]:
    """``normalise_vec`` over the last axis of an int64 array (2 to 4 components).

    Returns ``(unit, zero)``: the Q30 unit vectors (same shape as ``v``; 0 where the input
    is zero) and the boolean mask of the zero inputs (where ``normalise_vec`` gives None).
    """
    v = np.asarray(v, dtype=np.int64)
    m = np.abs(v).max(axis=-1)
    zero = m == 0
    s = bit_length_array(m) - 30
    w = rshift_round_array(v, s[..., None])
    n2 = (w * w).sum(axis=-1)
    r = np.where(zero, 1, isqrt_round_array(n2))
    return np.where(zero[..., None], 0, div_round_array(w << 30, r[..., None])), zero


# --------------------------------------------------------------------------------------
# Integer constants
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FixedParams:
    """Every integer constant of the golden model (and of the firmware header).

    Derived once by ``derive_fixed_params(params, sensor)``; rounding of a real constant
    ``c`` to an integer is ``floor(c + 0.5)`` (round half up) unless stated.
    """

    # -- orientation ------------------------------------------------------------------
    #: gyro count -> Q30 half-angle step ``0.5 * dt * omega``:
    #: ``dtheta = rshift_round(count * gyr_k, gyr_shift)``, ``gyr_k = round(0.5 dt scale 2^(30+gyr_shift))``,
    #: ``gyr_shift`` the largest with ``gyr_k < 2^31``.
    gyr_k: int
    gyr_shift: int
    #: Madgwick step ``beta * dt`` in Q(30 + beta_shift), ``beta_shift`` the largest with ``beta_dt_k < 2^31``.
    beta_dt_k: int
    beta_shift: int
    #: CORDIC table ``round(atan(2^-i) / (2 pi) * 2^30)``, i = 0..28 (2^-30 turn).
    atan_table: tuple[int, ...]
    # -- points ---------------------------------------------------------------------
    #: ``cos``/``sin`` of ``points_rotation_rad`` in Q30 (entries below 1e-12 snapped to 0 first).
    rot_cos: int
    rot_sin: int
    # -- smooth / thin ------------------------------------------------------------------
    smooth_window: int
    #: thin thresholds in Q30 and their squares (Q60, int64).
    thin_min: int
    thin_end_min: int
    thin_min_sq: int
    thin_end_min_sq: int
    #: ``end_fraction = end_num / end_den`` (exact rational of the float value, denominator <= 2^16);
    #: ``i_end = (n * (end_den - end_num) + end_den - 1) // end_den``.
    end_num: int
    end_den: int
    # -- resample -----------------------------------------------------------------------
    #: drop a point whose squared step (Q60) is <= this (float MIN_STEP = 1e-12 -> 0: exact repeats).
    min_step_sq: int
    resample_points: int
    min_spline_points: int
    # -- raster -------------------------------------------------------------------------
    canvas_px: int
    margin_px: int
    span_px: int  # canvas_px - 1 - 2 margin_px
    line_width_px: int
    disc_offsets: tuple[tuple[int, int], ...]
    blur_taps: tuple[int, ...]  # Q16, sum exactly 2^16
    out_px: int

    def as_dict(self) -> dict:
        """Plain dict (for generating the firmware header)."""
        return asdict(self)


def _round_half_up(c: float) -> int:
    return math.floor(c + 0.5)


def _scaled_constant(c: float, base_bits: int) -> tuple[int, int]:
    """``(k, s)``: ``k = round(c 2^(base_bits + s))`` with the largest ``s >= 0`` keeping ``k < 2^31``."""
    if not (c > 0 and math.isfinite(c)):
        raise ValueError(f"constant must be positive and finite, got {c}")
    s = 0
    while _round_half_up(c * 2.0 ** (base_bits + s + 1)) < (1 << 31) and s < 32:
        s += 1
    k = _round_half_up(c * 2.0 ** (base_bits + s))
    if not 0 < k < (1 << 31):
        raise ValueError(f"constant {c} does not fit Q{base_bits}: {k}")
    return k, s


def derive_fixed_params(
    params: PipelineParams = PAPER, sensor: SensorSpec = MPU9250
) -> FixedParams:
    """All integer constants from the float parameters (the only float code of the golden model).

    Cached: the same ``(params, sensor)`` always gives the same ``FixedParams`` object.
    """
    return _derive(params, sensor)


@lru_cache(maxsize=16)
def _derive(params: PipelineParams, sensor: SensorSpec) -> FixedParams:
    from ..pipeline.points import ROTATION_SNAP
    from ..pipeline.raster import check_raster_params, disc_offsets, gaussian_kernel
    from ..pipeline.resample import MIN_SPLINE_POINTS, MIN_STEP

    if not (params.sample_rate_hz > 0 and params.madgwick_beta > 0):
        raise ValueError("sample rate and beta must be positive")
    dt = 1.0 / params.sample_rate_hz
    gyr_k, gyr_shift = _scaled_constant(0.5 * dt * sensor.gyr_rads_per_count, 30)
    # a non-zero count must give a non-zero step (so "gyro zero" is the same test on
    # counts and on dtheta): |count * gyr_k| >= gyr_k > 2^(gyr_shift - 1)
    if gyr_k <= (1 << max(gyr_shift - 1, 0)):
        raise ValueError("gyro scale too small for Q30 half-angle steps")
    beta_dt_k, beta_shift = _scaled_constant(params.madgwick_beta * dt, 30)

    table = tuple(
        _round_half_up(math.atan(2.0**-i) / (2 * math.pi) * 2.0**CORDIC_ANGLE_BITS)
        for i in range(CORDIC_ITERATIONS)
    )

    c, s = math.cos(params.points_rotation_rad), math.sin(params.points_rotation_rad)
    c = 0.0 if abs(c) < ROTATION_SNAP else c
    s = 0.0 if abs(s) < ROTATION_SNAP else s

    for name in ("thin_min_dist", "thin_end_min_dist"):
        v = getattr(params, name)
        if not (math.isfinite(v) and 0 <= v <= 2):
            raise ValueError(f"{name} must be in [0, 2], got {v}")
    if not 0.0 <= params.thin_end_fraction <= 1.0:
        raise ValueError(
            f"thin_end_fraction must be in [0, 1], got {params.thin_end_fraction}"
        )
    frac = Fraction(params.thin_end_fraction).limit_denominator(1 << 16)
    thin_min = _round_half_up(params.thin_min_dist * 2.0**Q_UNIT)
    thin_end = _round_half_up(params.thin_end_min_dist * 2.0**Q_UNIT)

    min_step = _round_half_up(MIN_STEP * 2.0**Q_UNIT)

    check_raster_params(params)
    g = gaussian_kernel(
        params.raster_blur_kernel_px, float(params.raster_blur_sigma_px)
    )
    taps = [_round_half_up(x * 2.0**Q_TAPS) for x in g]
    taps[len(taps) // 2] += (1 << Q_TAPS) - sum(
        taps
    )  # centre tap absorbs the rounding: sum = 2^16
    if params.smooth_window < 1 or params.smooth_window % 2 == 0:
        raise ValueError(
            f"smooth_window must be an odd integer >= 1, got {params.smooth_window}"
        )

    return FixedParams(
        gyr_k=gyr_k,
        gyr_shift=gyr_shift,
        beta_dt_k=beta_dt_k,
        beta_shift=beta_shift,
        atan_table=table,
        rot_cos=_round_half_up(c * 2.0**Q30),
        rot_sin=_round_half_up(s * 2.0**Q30),
        smooth_window=int(params.smooth_window),
        thin_min=thin_min,
        thin_end_min=thin_end,
        thin_min_sq=thin_min * thin_min,
        thin_end_min_sq=thin_end * thin_end,
        end_num=frac.numerator,
        end_den=frac.denominator,
        min_step_sq=min_step * min_step,
        resample_points=int(params.resample_points),
        min_spline_points=int(MIN_SPLINE_POINTS),
        canvas_px=int(params.raster_canvas_px),
        margin_px=int(params.raster_margin_px),
        span_px=int(params.raster_canvas_px - 1 - 2 * params.raster_margin_px),
        line_width_px=int(params.raster_line_width_px),
        disc_offsets=tuple(
            (int(a), int(b)) for a, b in disc_offsets(params.raster_line_width_px)
        ),
        blur_taps=tuple(int(t) for t in taps),
        out_px=int(params.raster_out_px),
    )


__all__ = [
    "ANGLE_BITS",
    "HALF_TURN",
    "ONE_Q30",
    "Q30",
    "QUARTER_TURN",
    "Q_CANVAS",
    "Q_F",
    "Q_IMAGE",
    "Q_J",
    "Q_TAPS",
    "Q_UNIT",
    "Q_W",
    "TURN",
    "FixedParams",
    "asin_turns",
    "atan2_turns",
    "bit_length_array",
    "chk32",
    "chk64",
    "chk_array",
    "derive_fixed_params",
    "div_round",
    "div_round_array",
    "isqrt_ceil",
    "isqrt_ceil_array",
    "isqrt_floor",
    "isqrt_floor_array",
    "isqrt_round",
    "isqrt_round_array",
    "isqrt_u64_bitwise",
    "normalise_vec",
    "normalise_vec_array",
    "rshift_round",
    "rshift_round_array",
    "rshift_round_const",
    "sat",
]
