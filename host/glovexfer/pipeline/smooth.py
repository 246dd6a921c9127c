"""Stage 4: centred moving average of a 2D path."""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from ..params import PAPER
from .normalise import _as_points

STAGE = "smooth"


def smooth(p, window: int = PAPER.smooth_window) -> np.ndarray:
    """Centred moving average, end points kept.

    Parameters
    ----------
    p : (n, 2) array_like
        Points, n >= 1.
    window : int
        Odd number of points averaged, >= 1 (paper: 3).

    Returns
    -------
    (n, 2) float64.  With ``h = window // 2``: ``out[i] = mean(p[i-h : i+h+1])`` for
    ``h <= i < n - h``; the first and last ``h`` points are copied unchanged.  If
    ``n < window`` the input is returned unchanged (as a copy).  A constant path stays
    constant; the length is preserved.
    """
    a = _as_points(p, STAGE)
    if not isinstance(window, (int, np.integer)) or window < 1 or window % 2 == 0:
        raise PipelineError(STAGE, f"window must be an odd integer >= 1, got {window!r}")
    n = a.shape[0]
    out = a.copy()
    if n < window or window == 1:
        return out
    h = window // 2
    # out[i] = (p[i-h] + ... + p[i+h]) / window, summed left to right, for i in [h, n-h)
    acc = np.zeros((n - 2 * h, 2))
    for k in range(window):
        acc += a[k : n - 2 * h + k]
    out[h : n - h] = acc / window
    if not np.all(np.isfinite(out)):
        raise PipelineError(STAGE, "numerical overflow: point magnitudes are out of range")
    return out


__all__ = ["smooth"]
