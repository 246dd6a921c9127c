"""Golden stage 6: natural cubic spline over chord length, Q30 points -> 100 Q30 points.

Integer twin of ``glovexfer.pipeline.resample``.  Same steps, same fallbacks:

1. ``drop_repeats``: a point whose squared step to the last kept point is
   ``<= FixedParams.min_step_sq`` (= 0: the float's 1e-12 is below one Q30 ulp) is dropped.
2. Chord lengths ``h_j = isqrt_round(dx^2 + dy^2)`` (Q30; ``h_j >= max(|dx|, |dy|)``, so
   every slope is in [-1, 1]), cumulative ``u`` (int64), ``t_j = div_round(j U, n_out - 1)``.
3. m >= 4 distinct points: natural cubic spline; m in {2, 3}: linear interpolation over
   ``u``; m == 1: n_out copies.  Output clamped to [0, 2^30].

The spline is solved for the scaled moments ``w_i = (h_{i-1} + h_i) M_i`` instead of the
second derivatives ``M_i`` (dividing column i of the float's tridiagonal system by
``h_{i-1} + h_i``; mathematically the same spline).  Row i (1 <= i <= m-2) becomes

    alpha_i w_{i-1} + 2 w_i + beta_i w_{i+1} = r_i = 6 (s_i - s_{i-1})
    alpha_i = h_{i-1} / (h_{i-2} + h_{i-1}),  beta_i = h_i / (h_i + h_{i+1})   (in [0, 1], Q30)

with slopes ``s_j = dy_j / h_j`` in [-1, 1] (Q30), ``|r_i| <= 12``, so everything is
dimensionless and bounded independently of how short a chord is.  The scaled matrix
``B`` (diagonal 2, sub-diagonal alpha, super-diagonal beta) has off-diagonal column sums
``beta_{j-1} + alpha_{j+1} = (h_{j-1} + h_j) / H_j = 1`` (less at the two ends), so it is
column diagonally dominant with margin 1 and ``||B^-1||_1 <= 1``:
``|w_i| <= sum_i |w_i| <= sum_i |r_i| <= 12 (m - 2)``, i.e. ``<= 360`` for m <= 32, which
fits int32 in Q22 (docs/fixed-point.md has the whole argument).  The Thomas algorithm
keeps ``cp_i`` in Q30 (in [0, 1)), ``den_i = 2 - alpha_i cp_{i-1}`` in Q30 (in (1, 2],
int64), ``dp_i`` (``|dp_i| <= sum_{j<=i} |r_j|``) and ``w_i`` in Q22 (int32).

Evaluation on piece s (``h = h_s``, ``b = (t - u_s) / h`` in Q30, ``a = 1 - b``):

    S = y_s a + y_{s+1} b + (h / 6) (alpha_{s+1} w_s (a^3 - a) + beta_s w_{s+1} (b^3 - b))

which is the float's ``(M_s A^3 + M_{s+1} B^3)/(6h) + (y_s/h - M_s h/6) A + ...`` with
``A = a h``, ``B = b h`` and ``h^2 M_s = h alpha_{s+1} w_s`` (``alpha_{s+1} = h_s/(h_{s-1}+h_s)``),
``h^2 M_{s+1} = h beta_s w_{s+1}``.  With w = 0 it is the linear interpolation of the
m < 4 fallback.
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from .fixed import (
    ONE_Q30,
    Q_W,
    FixedParams,
    chk32,
    chk64,
    chk_array,
    derive_fixed_params,
    div_round,
    div_round_array,
    isqrt_round,
    isqrt_round_array,
    rshift_round,
    rshift_round_const as _rsr,
    sat,
)
from .normalise import _int_points, _int_points_batch

STAGE = "golden.resample"

#: Most distinct points the overflow proof covers (a recording has 32 samples).
MAX_POINTS = 32


def drop_repeats(p, fp: FixedParams | None = None) -> np.ndarray:
    """Keep point 0 and every point whose squared step to the last kept one exceeds ``min_step_sq``."""
    fp = fp or derive_fixed_params()
    a = _int_points(p, STAGE)
    pl = a.tolist()
    keep = [0]
    lx, ly = pl[0]
    for i in range(1, len(pl)):
        dx, dy = pl[i][0] - lx, pl[i][1] - ly
        if chk64(dx * dx + dy * dy) > fp.min_step_sq:
            keep.append(i)
            lx, ly = pl[i]
    return a[np.asarray(keep)].astype(np.int32)


def chord_lengths(p) -> list[int]:
    """``h_j = isqrt_round(dx^2 + dy^2)`` (Q30; points in [0, 2^30]^2: ``h <= 2^30.5``, int32)."""
    pl = np.asarray(p).tolist()
    return [
        chk32(
            isqrt_round(
                chk64((pl[j + 1][0] - pl[j][0]) ** 2 + (pl[j + 1][1] - pl[j][1]) ** 2)
            ),
            "chord",
        )
        for j in range(len(pl) - 1)
    ]


def spline_coefficients(h: list[int]) -> tuple[list[int], list[int]]:
    """``alpha`` and ``beta`` (Q30, indexed by knot, 0 where undefined) of the scaled system.

    ``alpha_i = h_{i-1} / (h_{i-2} + h_{i-1})`` for 2 <= i <= m-1 and
    ``beta_i = h_i / (h_i + h_{i+1})`` for 0 <= i <= m-3 (rows of the system use
    2 <= i <= m-2 resp. 1 <= i <= m-3; the evaluation also uses alpha_{m-1} and beta_0).
    ``h << 30 <= 2^60.5``; results in [0, 2^30].
    """
    m = len(h) + 1
    alpha = [0] * m
    beta = [0] * m
    for i in range(2, m):
        alpha[i] = div_round(h[i - 1] << 30, h[i - 2] + h[i - 1])
    for i in range(m - 2):
        beta[i] = div_round(h[i] << 30, h[i] + h[i + 1])
    return alpha, beta


def spline_moments(
    h: list[int], y: list[int], alpha: list[int], beta: list[int]
) -> list[int]:
    """Scaled moments ``w`` (Q22, length m, ``w[0] = w[m-1] = 0``) of one coordinate.

    ``h``: m-1 chord lengths (Q30, > 0); ``y``: m values (Q30).  Thomas algorithm::

        s_j  = div_round(dy_j << 30, h_j)                   Q30, |s| <= 2^30
        r_i  = rshift_round(6 (s_i - s_{i-1}), 8)            Q22, |r| <= 12 * 2^22
        den_1 = 2^31;  den_i = 2^31 - rshift_round(alpha_i cp_{i-1}, 30)      Q30 in (2^30, 2^31]
        cp_i = div_round(beta_i << 30, den_i)               Q30 in [0, 2^30)
        dp_i = div_round((r_i - rshift_round(alpha_i dp_{i-1}, 30)) << 30, den_i)   Q22, numerator <= 2^60.5
        w_{m-2} = dp_{m-2};  w_i = dp_i - rshift_round(cp_i w_{i+1}, 30)
    """
    m = len(y)
    w = [0] * m
    if m < 3:
        return w
    s = [
        chk32(div_round(chk64((y[j + 1] - y[j]) << 30), h[j]), "slope")
        for j in range(m - 1)
    ]
    cp = [0] * m
    dp = [0] * m
    den = 0
    for i in range(1, m - 1):
        r = rshift_round(6 * (s[i] - s[i - 1]), 30 - Q_W)
        if i == 1:
            den = 1 << 31
            num = r
        else:
            den = (1 << 31) - rshift_round(alpha[i] * cp[i - 1], 30)
            num = r - rshift_round(alpha[i] * dp[i - 1], 30)
        cp[i] = chk32(div_round(beta[i] << 30, den), "cp")
        dp[i] = chk32(div_round(chk64(num << 30, "dp numerator"), den), "dp")
    w[m - 2] = dp[m - 2]
    for i in range(m - 3, 0, -1):
        w[i] = chk32(dp[i] - rshift_round(cp[i] * w[i + 1], 30), "w")
    return w


def resample_unclipped(p, fp: FixedParams | None = None) -> np.ndarray:
    """``resample`` without the final clamp (int64 (n_out, 2), the spline's own values)."""
    fp = fp or derive_fixed_params()
    a = drop_repeats(p, fp)
    m = a.shape[0]
    n_out = fp.resample_points
    if m > MAX_POINTS:
        raise PipelineError(
            STAGE,
            f"at most {MAX_POINTS} distinct points (the overflow proof's bound), got {m}",
        )
    if int(a.min()) < 0 or int(a.max()) > ONE_Q30:
        raise PipelineError(
            STAGE, "points must be in [0, 2^30] (the unit square in Q30)"
        )
    if m == 1:
        return np.repeat(a.astype(np.int64), n_out, axis=0)
    pl = a.tolist()
    h = chord_lengths(pl)
    u = [0]
    for hj in h:
        u.append(u[-1] + hj)
    U = u[-1]
    ys = [[pl[j][k] for j in range(m)] for k in range(2)]
    alpha, beta = spline_coefficients(h)
    if m >= fp.min_spline_points:
        ws = [spline_moments(h, ys[k], alpha, beta) for k in range(2)]
    else:
        ws = [[0] * m, [0] * m]
    out = np.empty((n_out, 2), dtype=np.int64)
    seg = 0
    for j in range(n_out):
        t = div_round(chk64(j * U), n_out - 1) if n_out > 1 else 0
        while seg < m - 2 and u[seg + 1] <= t:
            seg += 1
        hs = h[seg]
        b = div_round(chk64((t - u[seg]) << 30), hs)
        a_ = ONE_Q30 - b
        a3 = (
            rshift_round(rshift_round(a_ * a_, 30) * a_, 30) - a_
        )  # a^3 - a, Q30 in [-0.385, 0]
        b3 = rshift_round(rshift_round(b * b, 30) * b, 30) - b
        for k in range(2):
            y, w = ys[k], ws[k]
            val = rshift_round(chk64(y[seg] * a_ + y[seg + 1] * b), 30)
            cl = rshift_round(rshift_round(alpha[seg + 1] * w[seg], 30) * a3, 30)
            cr = rshift_round(rshift_round(beta[seg] * w[seg + 1], 30) * b3, 30)
            out[j, k] = val + div_round(chk64(hs * (cl + cr), "spline term"), 6 << Q_W)
    return out


def resample(p, fp: FixedParams | None = None) -> np.ndarray:
    """(n_out, 2) int32 Q30 in [0, 2^30]: the path resampled equally in chord length.

    ``p``: (n, 2) int32 Q30 points in [0, 2^30], n >= 1, at most ``MAX_POINTS`` distinct.
    """
    out = resample_unclipped(p, fp)
    return np.array(
        [[sat(int(v), 0, ONE_Q30) for v in row] for row in out.tolist()], dtype=np.int32
    ).reshape(out.shape)


# ----------------------------------------------------------------------------------- batched

def drop_repeats_mask(p, mask, fp: FixedParams) -> np.ndarray:
    """(B, n) bool: the points of ``p`` (B, n, 2) that ``drop_repeats`` keeps among those
    where ``mask`` is set (a thinned path is the masked points, in order)."""
    b, n, _ = p.shape
    keep = np.zeros((b, n), dtype=bool)
    keep[:, 0] = mask[:, 0]
    last = p[:, 0].copy()
    for i in range(1, n):
        d = p[:, i] - last
        k = mask[:, i] & ((d * d).sum(axis=1) > fp.min_step_sq)
        keep[:, i] = k
        last = np.where(k[:, None], p[:, i], last)
    return keep


def resample_batch(p, mask=None, fp: FixedParams | None = None) -> np.ndarray:
    """``resample`` of each recording of a batch: (B, n, 2) int32 Q30 points, of which the
    ``mask`` (B, n) ones (all when None; the first of each recording must be set) form the
    path -> (B, n_out, 2) int32, recording for recording the bits of ``resample``.

    Paths of different lengths are left-aligned into (B, M) arrays (M the longest path; a
    shorter path is padded with its last point); every quantity past a path's end is
    masked out, so each path gets exactly the arithmetic of the scalar function.
    """
    fp = fp or derive_fixed_params()
    a = _int_points_batch(p, STAGE)
    b, n, _ = a.shape
    mask = np.ones((b, n), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if mask.shape != (b, n) or not mask[:, 0].all():
        raise PipelineError(STAGE, "the mask must be (B, n) with every path's first point set")
    keep = drop_repeats_mask(a, mask, fp)
    m = keep.sum(axis=1)
    n_out = fp.resample_points
    if int(m.max()) > MAX_POINTS:
        raise PipelineError(STAGE, f"at most {MAX_POINTS} distinct points (the overflow proof's bound), got {int(m.max())}")
    kept_vals = a[keep]
    if kept_vals.size and (int(kept_vals.min()) < 0 or int(kept_vals.max()) > ONE_Q30):
        raise PipelineError(STAGE, "points must be in [0, 2^30] (the unit square in Q30)")
    M = int(m.max())
    rows = np.arange(b)[:, None]
    order = np.argsort(~keep, axis=1, kind="stable")[:, :M]
    col = np.arange(M)[None, :]
    valid = col < m[:, None]
    y = a[rows, np.where(valid, order, order[rows, m[:, None] - 1])]  # (B, M, 2)
    # chords: h_j for j < m - 1, 1 past the end (never used unmasked)
    hv = col[:, : M - 1] < (m[:, None] - 1)
    d = np.diff(y, axis=1)
    h = np.where(hv, isqrt_round_array((d * d).sum(axis=2)), 1)
    chk_array(h, 32, "chord")
    u = np.concatenate([np.zeros((b, 1), dtype=np.int64), np.cumsum(np.where(hv, h, 0), axis=1)], axis=1)
    U = u[np.arange(b), m - 1]
    # alpha_i (2 <= i <= m-1) and beta_i (0 <= i <= m-3), 0 elsewhere
    alpha = np.zeros((b, M), dtype=np.int64)
    beta = np.zeros((b, M), dtype=np.int64)
    if M >= 3:
        am = col[:, 2:] <= (m[:, None] - 1)
        alpha[:, 2:] = np.where(am, div_round_array(h[:, 1:] << 30, h[:, :-1] + h[:, 1:]), 0)
        bm = col[:, : M - 2] <= (m[:, None] - 3)
        beta[:, : M - 2] = np.where(bm, div_round_array(h[:, :-1] << 30, h[:, :-1] + h[:, 1:]), 0)
    w = _spline_moments_batch(h, y, alpha, beta, m, m >= fp.min_spline_points)
    # evaluation at t_j = j U / (n_out - 1)
    j = np.arange(n_out, dtype=np.int64)
    t = div_round_array(j[None, :] * U[:, None], n_out - 1) if n_out > 1 else np.zeros((b, n_out), dtype=np.int64)
    chk_array(j[None, :] * U[:, None], 64, "j U")
    inner = (col[:, 1 : M - 1] <= (m[:, None] - 2))[:, None, :] & (u[:, None, 1 : M - 1] <= t[:, :, None])
    seg = np.clip(np.minimum(inner.sum(axis=2), (m - 2)[:, None]), 0, None)  # (B, n_out)
    hs = np.take_along_axis(h, np.minimum(seg, M - 2), axis=1) if M >= 2 else np.ones_like(seg)
    us = np.take_along_axis(u, seg, axis=1)
    bq = div_round_array((t - us) << 30, hs)
    aq = ONE_Q30 - bq
    a3 = _rsr(_rsr(aq * aq, 30) * aq, 30) - aq
    b3 = _rsr(_rsr(bq * bq, 30) * bq, 30) - bq
    s1 = np.minimum(seg + 1, M - 1)
    out = np.empty((b, n_out, 2), dtype=np.int64)
    for k in range(2):
        yk, wk = y[:, :, k], w[:, :, k]
        val = _rsr(np.take_along_axis(yk, seg, axis=1) * aq + np.take_along_axis(yk, s1, axis=1) * bq, 30)
        cl = _rsr(_rsr(np.take_along_axis(alpha, s1, axis=1) * np.take_along_axis(wk, seg, axis=1), 30) * a3, 30)
        cr = _rsr(_rsr(np.take_along_axis(beta, seg, axis=1) * np.take_along_axis(wk, s1, axis=1), 30) * b3, 30)
        out[:, :, k] = val + div_round_array(hs * (cl + cr), 6 << Q_W)
    out = np.where((m == 1)[:, None, None], y[:, :1], out)
    return np.clip(out, 0, ONE_Q30).astype(np.int32)


def _spline_moments_batch(h, y, alpha, beta, m, spline) -> np.ndarray:
    """``spline_moments`` of both coordinates of every path: (B, M, 2) Q22, zero for the
    paths where ``spline`` is False (fewer than ``min_spline_points``) and past each end."""
    b, M, _ = y.shape
    w = np.zeros((b, M, 2), dtype=np.int64)
    if M < 3 or not spline.any():
        return w
    hv = np.arange(M - 1)[None, :] < (m[:, None] - 1)
    s = np.where(hv[:, :, None], div_round_array(np.diff(y, axis=1) << 30, h[:, :, None]), 0)
    chk_array(s, 32, "slope")
    cp = np.zeros((b, M), dtype=np.int64)
    dp = np.zeros((b, M, 2), dtype=np.int64)
    for i in range(1, M - 1):
        act = spline & (i <= m - 2)
        r = _rsr(6 * (s[:, i] - s[:, i - 1]), 30 - Q_W)
        if i == 1:
            den = np.full(b, 1 << 31, dtype=np.int64)
            num = r
        else:
            den = (1 << 31) - _rsr(alpha[:, i] * cp[:, i - 1], 30)
            num = r - _rsr(alpha[:, i, None] * dp[:, i - 1], 30)
        den = np.where(act, den, 1 << 31)
        cp[:, i] = np.where(act, div_round_array(beta[:, i] << 30, den), 0)
        dp[:, i] = np.where(act[:, None], div_round_array(num << 30, den[:, None]), 0)
    chk_array(cp, 32, "cp")
    chk_array(dp, 32, "dp")
    last = np.clip(m - 2, 0, None)
    rows = np.arange(b)
    w[rows, last] = np.where(spline[:, None], dp[rows, last], 0)
    for i in range(M - 3, 0, -1):
        act = spline & (i <= m - 3)
        w[:, i] = np.where(act[:, None], dp[:, i] - _rsr(cp[:, i, None] * w[:, i + 1], 30), w[:, i])
    return chk_array(w, 32, "w")


__all__ = [
    "MAX_POINTS",
    "chord_lengths",
    "drop_repeats",
    "drop_repeats_mask",
    "resample",
    "resample_batch",
    "resample_unclipped",
    "spline_coefficients",
    "spline_moments",
]
