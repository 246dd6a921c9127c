"""Golden stage 5, ``golden.thin``, against its float twin.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures
from golden_common import _float_paths


def test_thin_end_index_formula_equals_float():
    for frac in (0.25, 0.0, 1.0, 0.1, 0.3, 1 / 3, 0.5, 0.75):
        fp = derive_fixed_params(replace(PAPER, thin_end_fraction=frac))
        assert all(
            g_end_start_index(n, fp) == f_end_start_index(n, frac) for n in range(20001)
        ), frac


@FAST
@given(_float_paths(lo=0.0, hi=1.0, max_n=32))
def test_thin_vs_float(p):
    pq = quantise_unit(p)
    pf = pq / U
    keep = g_thin_indices(pq, FP)
    ref = f_thin_indices(
        pf, PAPER.thin_min_dist, PAPER.thin_end_min_dist, PAPER.thin_end_fraction
    )
    if not np.array_equal(keep, ref):
        # only a distance within rounding of a threshold may decide differently
        d = np.sqrt(((pf[:, None, :] - pf[None, :, :]) ** 2).sum(-1))
        near = np.minimum(
            np.abs(d - PAPER.thin_min_dist), np.abs(d - PAPER.thin_end_min_dist)
        ).min()
        assert near < 1e-9
    assert keep[0] == 0 and np.all(np.diff(keep) > 0)


def test_thin_threshold_is_inclusive_and_exact():
    T = FP.thin_min
    p = np.array([[0, 0], [T, 0], [T, T - 1], [2 * T, 0]], dtype=np.int32)
    # 4 points: i_end = 3, so point 3 uses the end threshold (4 T): dropped
    assert g_thin_indices(p, FP).tolist() == [0, 1]  # |d| == T is kept, T - 1 is not
    q = np.array([[0, 0], [T - 1, 0], [T, 0], [T, 1]], dtype=np.int32)
    assert g_thin_indices(q, FP).tolist() == [0, 2]
