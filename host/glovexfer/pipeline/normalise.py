"""Stage 3: scale a 2D path into the unit square, keeping its aspect ratio."""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError

STAGE = "normalise"

#: Both ranges below this (in the input's unit) = a stationary glove: every point -> (0.5, 0.5).
DEGENERATE_RANGE = 1e-12


def _as_points(p, stage: str, min_n: int = 1) -> np.ndarray:
    a = np.asarray(p, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < min_n:
        raise PipelineError(stage, f"points must have shape (n>={min_n}, 2), got {a.shape}")
    if not np.all(np.isfinite(a)):
        bad = int(np.argwhere(~np.isfinite(a))[0, 0])
        raise PipelineError(stage, f"points contain NaN or inf (first at point {bad})")
    return a


def normalise(p) -> np.ndarray:
    """Scale and translate a path into [0, 1]^2, aspect ratio kept.

    Parameters
    ----------
    p : (n, 2) array_like
        Points (any unit), n >= 1.

    Returns
    -------
    (n, 2) float64.  With ``lo = min(p, axis=0)``, ``rng = ptp(p, axis=0)`` and
    ``r = max(rng)``::

        out = (p - lo) / r + (1 - rng / r) / 2

    so the longer axis spans exactly [0, 1] and the shorter one is centred on 0.5
    (its extent is ``rng_short / r``).  Invariant to translation and to positive
    scaling of the input.  If ``r < DEGENERATE_RANGE`` (a stationary glove) every point
    is ``(0.5, 0.5)``.
    """
    a = _as_points(p, STAGE)
    lo = a.min(axis=0)
    rng = a.max(axis=0) - lo
    r = float(rng.max())
    if not np.isfinite(r):
        raise PipelineError(STAGE, "the range of the points overflows float64")
    if r < DEGENERATE_RANGE:
        return np.full_like(a, 0.5)
    out = (a - lo) / r + (1.0 - rng / r) / 2.0
    return np.clip(out, 0.0, 1.0)


__all__ = ["normalise"]
