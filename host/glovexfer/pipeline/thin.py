"""Stage 5: drop points too close to the last kept point."""

from __future__ import annotations

import math

import numpy as np

from ..errors import PipelineError
from ..params import PAPER
from .normalise import _as_points

STAGE = "thin"


def end_start_index(n: int, end_fraction: float) -> int:
    """First index of the end region: ``ceil(n (1 - end_fraction))`` (1e-9 tolerance
    against rounding, so e.g. n=32, 0.25 gives 24)."""
    return int(math.ceil(n * (1.0 - end_fraction) - 1e-9))


def thin(
    p,
    min_dist: float = PAPER.thin_min_dist,
    end_min_dist: float = PAPER.thin_end_min_dist,
    end_fraction: float = PAPER.thin_end_fraction,
) -> np.ndarray:
    """Keep only points that moved far enough from the last kept point.

    Parameters
    ----------
    p : (n, 2) array_like
        Points (normalised square), n >= 1.
    min_dist : float
        Threshold (Euclidean, same unit as ``p``) for indices ``i < i_end``.
    end_min_dist : float
        Threshold for indices ``i >= i_end = end_start_index(n, end_fraction)``.
    end_fraction : float in [0, 1]
        Fraction of the sequence, at its end, that uses ``end_min_dist``.

    Returns
    -------
    (m, 2) float64, 1 <= m <= n: the kept points in their original order.  Point 0 is
    always kept; point i (i >= 1) is kept iff ``|p[i] - last_kept| >= threshold(i)``,
    the distance computed as ``sqrt(dx*dx + dy*dy)`` (not ``hypot``).
    With positive thresholds consecutive kept points are distinct.
    """
    a = _as_points(p, STAGE)
    for name, v in (("min_dist", min_dist), ("end_min_dist", end_min_dist)):
        if not (math.isfinite(v) and v >= 0):
            raise PipelineError(STAGE, f"{name} must be a finite number >= 0, got {v}")
    if not (0.0 <= end_fraction <= 1.0):
        raise PipelineError(STAGE, f"end_fraction must be in [0, 1], got {end_fraction}")
    return a[thin_indices(a, min_dist, end_min_dist, end_fraction)]


def thin_indices(a: np.ndarray, min_dist: float, end_min_dist: float, end_fraction: float) -> np.ndarray:
    """Indices (int64, increasing, starting with 0) that ``thin`` keeps; no input checks."""
    n = a.shape[0]
    i_end = end_start_index(n, end_fraction)
    keep = [0]
    lx, ly = a[0]
    for i in range(1, n):
        thr = end_min_dist if i >= i_end else min_dist
        dx, dy = a[i, 0] - lx, a[i, 1] - ly
        if math.sqrt(dx * dx + dy * dy) >= thr:
            keep.append(i)
            lx, ly = a[i]
    return np.asarray(keep, dtype=np.int64)


__all__ = ["thin", "thin_indices", "end_start_index"]
