"""Golden stage 3, ``golden.normalise``, against its float twin.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures
from golden_common import _float_paths


@FAST
@given(_float_paths())
def test_normalise_vs_float(p):
    pa = quantise_angle(p)
    pf = pa * RAD_PER_UNIT
    g = g_normalise(pa)
    assert g.dtype == np.int32 and g.min() >= 0 and g.max() <= ONE_Q30
    r = np.ptp(pa, axis=0).max()
    if r == 0:
        assert np.all(g == ONE_Q30 // 2)
    else:
        # one rounding of the exact rational (p - lo)/r + (1 - rng/r)/2
        assert np.abs(g / U - f_normalise(pf)).max() <= 2.0**-31 + 1e-12 * r


def test_normalise_stationary_and_axes():
    assert np.all(g_normalise(np.full((32, 2), 12345, dtype=np.int32)) == ONE_Q30 // 2)
    g = g_normalise(np.array([[0, 0], [100, 10]], dtype=np.int32))
    assert g.tolist() == [
        [0, ONE_Q30 // 2 - ONE_Q30 // 20],
        [ONE_Q30, ONE_Q30 // 2 + ONE_Q30 // 20],
    ]
