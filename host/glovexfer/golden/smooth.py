"""Golden stage 4: centred moving average of Q30 points.

Integer twin of ``glovexfer.pipeline.smooth``: ``out[i] = div_round(p[i-h] + ... + p[i+h],
window)`` for ``h <= i < n - h`` (``h = window // 2``), the first and last ``h`` points
copied; ``n < window`` or ``window == 1``: a copy.  The sum is an int64 accumulator
(``<= window * 2^30``); ``div_round`` rounds half away from zero (the points are >= 0,
so: half up).  A constant path stays exactly constant.
"""

from __future__ import annotations

import numpy as np

from ..errors import PipelineError
from .fixed import chk32, chk_array, div_round, div_round_array
from .normalise import _int_points, _int_points_batch

STAGE = "golden.smooth"


def smooth(p, window: int = 3) -> np.ndarray:
    """(n, 2) int32 Q30 -> (n, 2) int32 Q30."""
    a = _int_points(p, STAGE)
    if not isinstance(window, (int, np.integer)) or window < 1 or window % 2 == 0:
        raise PipelineError(
            STAGE, f"window must be an odd integer >= 1, got {window!r}"
        )
    n = a.shape[0]
    out = a.astype(np.int32)
    if n < window or window == 1:
        return out
    h = window // 2
    pl = a.tolist()
    for i in range(h, n - h):
        for k in range(2):
            s = 0
            for j in range(i - h, i + h + 1):
                s += pl[j][k]
            out[i, k] = chk32(div_round(s, int(window)), "smoothed")
    return out


def smooth_batch(p, window: int = 3) -> np.ndarray:
    """``smooth`` of each recording of a (B, n, 2) batch -> (B, n, 2) int32."""
    a = _int_points_batch(p, STAGE)
    if not isinstance(window, (int, np.integer)) or window < 1 or window % 2 == 0:
        raise PipelineError(STAGE, f"window must be an odd integer >= 1, got {window!r}")
    n = a.shape[1]
    out = a.copy()
    if n < window or window == 1:
        return out.astype(np.int32)
    h = window // 2
    s = sum(a[:, j : n - window + 1 + j] for j in range(window))
    out[:, h : n - h] = chk_array(div_round_array(s, int(window)), 32, "smoothed")
    return out.astype(np.int32)


__all__ = ["smooth", "smooth_batch"]
