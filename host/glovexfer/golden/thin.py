"""Golden stage 5: drop Q30 points too close to the last kept point.

Integer twin of ``glovexfer.pipeline.thin``.  The distance test needs no square root:
``sqrt(d2) >= T  <=>  d2 >= T^2`` for integers ``d2 = dx^2 + dy^2`` (int64, ``<= 2^61``)
and ``T`` (the Q30 threshold, ``FixedParams.thin_min``/``thin_end_min``; squares
precomputed as int64 constants) -- exact, so the golden decision differs from the float
one only through the (< 0.5 ulp) rounding of the thresholds and of the points.

End region: ``i_end = ceil(n (1 - f))`` with ``f = end_num / end_den`` exactly, i.e.
``i_end = (n (end_den - end_num) + end_den - 1) // end_den`` -- equal to the float
``end_start_index`` (``ceil(n (1 - f) - 1e-9)``) for every n <= 10^5 (tested).
"""

from __future__ import annotations

import numpy as np

from .fixed import FixedParams, chk64, derive_fixed_params
from .normalise import _int_points, _int_points_batch

STAGE = "golden.thin"


def end_start_index(n: int, fp: FixedParams) -> int:
    """First index of the end region (integers only)."""
    return (n * (fp.end_den - fp.end_num) + fp.end_den - 1) // fp.end_den


def thin_indices(p, fp: FixedParams | None = None) -> np.ndarray:
    """Indices (int32, increasing, starting with 0) that ``thin`` keeps."""
    fp = fp or derive_fixed_params()
    a = _int_points(p, STAGE)
    pl = a.tolist()
    n = len(pl)
    i_end = end_start_index(n, fp)
    keep = [0]
    lx, ly = pl[0]
    for i in range(1, n):
        thr2 = fp.thin_end_min_sq if i >= i_end else fp.thin_min_sq
        dx, dy = pl[i][0] - lx, pl[i][1] - ly
        if chk64(dx * dx + dy * dy, "thin d2") >= thr2:
            keep.append(i)
            lx, ly = pl[i]
    return np.asarray(keep, dtype=np.int32)


def thin(p, fp: FixedParams | None = None) -> np.ndarray:
    """(m, 2) int32 Q30 kept points, 1 <= m <= n, in their original order."""
    a = _int_points(p, STAGE)
    return a[thin_indices(a, fp)].astype(np.int32)


def thin_mask_batch(p, fp: FixedParams | None = None) -> np.ndarray:
    """(B, n) bool: ``True`` at the indices ``thin_indices`` keeps, for each recording of a
    (B, n, 2) batch (thin keeps a different number of points per recording: a mask)."""
    fp = fp or derive_fixed_params()
    a = _int_points_batch(p, STAGE)
    b, n, _ = a.shape
    i_end = end_start_index(n, fp)
    keep = np.zeros((b, n), dtype=bool)
    keep[:, 0] = True
    last = a[:, 0].copy()
    for i in range(1, n):
        thr2 = fp.thin_end_min_sq if i >= i_end else fp.thin_min_sq
        d = a[:, i] - last
        k = (d * d).sum(axis=1) >= thr2
        keep[:, i] = k
        last = np.where(k[:, None], a[:, i], last)
    return keep


__all__ = ["end_start_index", "thin", "thin_indices", "thin_mask_batch"]
