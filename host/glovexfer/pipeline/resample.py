"""Stage 6: resample a 2D path to a fixed number of points with a natural cubic spline.

The spline is written out here (tridiagonal system for the second derivatives, solved
with the Thomas algorithm; piecewise-cubic evaluation) rather than taken from scipy, so
the fixed-point model and the C++ firmware can mirror it step by step.  It agrees with
``scipy.interpolate.CubicSpline(u, y, bc_type='natural')`` to rounding.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import PipelineError
from ..params import PAPER
from .normalise import _as_points

STAGE = "resample"

#: A step between consecutive points at most this long (Euclidean) is treated as zero
#: and its end point dropped before the chord-length parameter is built.
MIN_STEP = 1e-12

#: Fewer distinct points than this: linear interpolation instead of the cubic spline.
MIN_SPLINE_POINTS = 4


def drop_repeats(p: np.ndarray, min_step: float = MIN_STEP) -> np.ndarray:
    """Drop every point whose distance to the last kept point is <= ``min_step``.

    ``p`` is (n, 2), n >= 1; returns (m, 2), 1 <= m <= n, point 0 always kept.
    """
    keep = [0]
    lx, ly = p[0]
    for i in range(1, p.shape[0]):
        dx, dy = p[i, 0] - lx, p[i, 1] - ly
        if math.sqrt(dx * dx + dy * dy) > min_step:
            keep.append(i)
            lx, ly = p[i]
    return p[np.asarray(keep)]


def chord_parameter(p: np.ndarray) -> np.ndarray:
    """(m,) cumulative chord length: ``u[0] = 0``, ``u[i] = u[i-1] + |p[i] - p[i-1]|``."""
    d = np.diff(p, axis=0)
    return np.concatenate([[0.0], np.cumsum(np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]))])


def natural_spline_second_derivatives(u, y) -> np.ndarray:
    """Second derivatives ``M`` of the natural cubic spline through ``(u[i], y[i])``.

    Parameters
    ----------
    u : (m,) float64, strictly increasing, m >= 2.
    y : (m,) or (m, k) float64; each column is an independent curve.

    Returns
    -------
    ``M`` with the shape of ``y``: ``M[0] = M[m-1] = 0`` and, for ``1 <= i <= m-2``
    (``h_i = u[i+1] - u[i]``)::

        h_{i-1} M_{i-1} + 2 (h_{i-1} + h_i) M_i + h_i M_{i+1}
            = 6 ((y_{i+1} - y_i) / h_i - (y_i - y_{i-1}) / h_{i-1})

    solved with the Thomas algorithm (forward elimination, back substitution; the
    matrix is strictly diagonally dominant so no pivoting is needed).
    """
    u = np.asarray(u, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m = u.shape[0]
    M = np.zeros_like(y)
    if m < 3:
        return M
    h = np.diff(u)
    slope = np.diff(y, axis=0) / (h[:, None] if y.ndim == 2 else h)
    rhs = 6.0 * (slope[1:] - slope[:-1])  # (m-2, ...)
    sub = h[:-1]  # coefficient of M_{i-1}, rows i = 1..m-2
    diag = 2.0 * (h[:-1] + h[1:])
    sup = h[1:]  # coefficient of M_{i+1}
    k = m - 2
    cp = np.empty(k)  # modified super-diagonal
    dp = np.empty_like(rhs)  # modified right-hand side
    cp[0] = sup[0] / diag[0]
    dp[0] = rhs[0] / diag[0]
    for i in range(1, k):
        den = diag[i] - sub[i] * cp[i - 1]
        cp[i] = sup[i] / den
        dp[i] = (rhs[i] - sub[i] * dp[i - 1]) / den
    x = np.empty_like(rhs)
    x[k - 1] = dp[k - 1]
    for i in range(k - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    M[1 : m - 1] = x
    return M


def natural_spline_eval(u, y, M, t) -> np.ndarray:
    """Evaluate the cubic spline with knots ``u``, values ``y`` and second derivatives ``M``.

    Parameters
    ----------
    u : (m,) strictly increasing knots, m >= 2.
    y, M : (m,) or (m, k) values and second derivatives at the knots.
    t : (j,) evaluation parameters; values outside ``[u[0], u[-1]]`` use the end
        pieces' cubics (extrapolation).

    Returns
    -------
    (j,) or (j, k): on piece ``s`` (``u[s] <= t <= u[s+1]``, ``h = u[s+1] - u[s]``,
    ``A = u[s+1] - t``, ``B = t - u[s]``)::

        S(t) = (M_s A^3 + M_{s+1} B^3) / (6 h) + (y_s / h - M_s h / 6) A
               + (y_{s+1} / h - M_{s+1} h / 6) B
    """
    u = np.asarray(u, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    M = np.asarray(M, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    s = np.clip(np.searchsorted(u, t, side="right") - 1, 0, u.shape[0] - 2)
    h = u[s + 1] - u[s]
    A = u[s + 1] - t
    B = t - u[s]
    if y.ndim == 2:
        h, A, B = h[:, None], A[:, None], B[:, None]
    return (M[s] * A**3 + M[s + 1] * B**3) / (6.0 * h) + (y[s] / h - M[s] * h / 6.0) * A + (y[s + 1] / h - M[s + 1] * h / 6.0) * B


def _check_n_out(n_out) -> int:
    if not isinstance(n_out, (int, np.integer)) or n_out < 1:
        raise PipelineError(STAGE, f"n_out must be an integer >= 1, got {n_out!r}")
    return int(n_out)


def resample_unclipped(p, n_out: int = PAPER.resample_points) -> np.ndarray:
    """``resample`` without the final clip to [0, 1] (the spline's own values)."""
    a = _as_points(p, STAGE)
    n_out = _check_n_out(n_out)
    a = drop_repeats(a)
    m = a.shape[0]
    if m == 1:
        return np.repeat(a, n_out, axis=0)
    u = chord_parameter(a)
    if not np.isfinite(u[-1]):
        raise PipelineError(STAGE, "numerical overflow: the path length is out of range")
    t = np.linspace(0.0, u[-1], n_out)
    if m < MIN_SPLINE_POINTS:
        # linear interpolation over chord length
        return np.stack([np.interp(t, u, a[:, 0]), np.interp(t, u, a[:, 1])], axis=1)
    M = natural_spline_second_derivatives(u, a)
    out = natural_spline_eval(u, a, M, t)
    if not np.all(np.isfinite(out)):  # only with absurd inputs (|x| > 1e150)
        raise PipelineError(STAGE, "numerical overflow: point magnitudes are out of range")
    return out


def resample(p, n_out: int = PAPER.resample_points) -> np.ndarray:
    """Resample a path to ``n_out`` points equally spaced in chord length.

    Parameters
    ----------
    p : (n, 2) array_like
        Points in [0, 1]^2 (e.g. the output of ``thin``), n >= 1.
    n_out : int
        Number of output points (paper: 100).

    Returns
    -------
    (n_out, 2) float64, finite, within [0, 1].

    1. Points within ``MIN_STEP`` of the previous kept point are dropped (no zero-length
       chords), leaving m >= 1 distinct points.
    2. ``u`` = cumulative chord length (``u[0] = 0``); ``t = linspace(0, u[-1], n_out)``.
    3. m >= 4: each coordinate is the natural cubic spline through ``(u, p)``
       (``scipy.interpolate.CubicSpline(u, p, bc_type='natural')``) evaluated at ``t``.
       m in {2, 3}: linear interpolation over ``u`` (too few points for a useful
       cubic).  m == 1: ``n_out`` copies of the point.
    4. The result is clipped to [0, 1]: a cubic spline can overshoot its knots, e.g. at
       a sharp turn on the border of the normalised square.

    The first and last outputs are the first and last distinct input points (to rounding).
    """
    return np.clip(resample_unclipped(p, n_out), 0.0, 1.0)


__all__ = [
    "resample",
    "resample_unclipped",
    "natural_spline_second_derivatives",
    "natural_spline_eval",
    "chord_parameter",
    "drop_repeats",
]
