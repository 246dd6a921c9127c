"""Golden stage 4, ``golden.smooth``, against its float twin.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures
from golden_common import _float_paths


@FAST
@given(_float_paths(lo=0.0, hi=1.0), st.sampled_from([1, 3, 5]))
def test_smooth_vs_float(p, window):
    pq = quantise_unit(p)
    g = g_smooth(pq, window)
    assert g.dtype == np.int32
    assert np.abs(g / U - f_smooth(pq / U, window)).max() <= 2.0**-31 + 1e-15
    if len(p) >= 1:
        const = g_smooth(np.tile(pq[:1], (len(p), 1)), window)
        assert np.all(const == pq[0])
