"""Golden stage 6, ``golden.resample`` (natural cubic spline), against its float twin.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures


@FAST
@given(thinned_paths())
def test_resample_vs_float_on_thinned_paths(pq):
    g = g_resample(pq, FP)
    assert (
        g.shape == (100, 2)
        and g.dtype == np.int32
        and g.min() >= 0
        and g.max() <= ONE_Q30
    )
    ref = f_resample(pq / U, 100)
    assert np.abs(g / U - ref).max() <= RESAMPLE_ERR_UNIT


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, ONE_Q30), st.integers(0, ONE_Q30)),
        min_size=1,
        max_size=32,
    ),
    st.integers(0, 3),
)
def test_resample_any_points(pts, mode):
    """Arbitrary Q30 points (repeats, 1-ulp chords): no overflow, in range, ends kept;
    against the float spline the error grows like 1/(shortest chord) (chords are rounded
    to 0.5 ulp, so a 1-ulp chord's direction is coarse)."""
    pq = np.array(pts, dtype=np.int64)
    if mode == 1:  # tiny chords: points 0..3 ulp apart
        pq = np.clip(pq[:1] + np.cumsum(np.array(pts) % 4 - 1, axis=0), 0, ONE_Q30)
    elif mode == 2:  # duplicates
        pq = np.repeat(pq, 2, axis=0)[:32]
    pq = pq.astype(np.int32)
    g = g_resample(pq, FP)
    assert g.dtype == np.int32 and g.min() >= 0 and g.max() <= ONE_Q30
    d = drop_repeats(pq, FP)
    assert (
        np.array_equal(g[0], d[0]) and np.abs(g[-1].astype(np.int64) - d[-1]).max() <= 1
    )
    ref = f_resample(pq / U, 100)
    if len(d) >= 2:
        hmin = min(chord_lengths(d.tolist())) / U
        # chords are rounded to 0.5 ulp: a relative slope error of 2^-31 / hmin
        assert np.abs(g / U - ref).max() <= RESAMPLE_ERR_UNIT + 5e-10 / hmin


@SLOW
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, 1000, 2**20, 2**27]), st.booleans(), st.booleans()
        ),
        min_size=3,
        max_size=31,
    )
)
def test_spline_moments_bound_on_adversarial_chords(steps):
    """Zig-zags with slope changes of +-2 and chord ratios up to 2^27: |w| <= sum |r| <= 12 (m-2) (Q22, int32)."""
    p = [(0, 0)]
    for s, axis, sign in steps:
        x, y = p[-1]
        if axis:
            p.append((x + s, y + (s if sign else -s)))
        else:
            p.append((x + s, y - (s if sign else -s)))
    pq = np.array(p, dtype=np.int64)
    pq -= pq.min(axis=0)
    if pq.max() > ONE_Q30:
        pq = pq * ONE_Q30 // pq.max()
    d = drop_repeats(pq.astype(np.int32), FP)
    m = len(d)
    assume(m >= 3)
    h = chord_lengths(d.tolist())
    al, be = spline_coefficients(h)
    for k in range(2):
        y = d[:, k].tolist()
        w = spline_moments(h, y, al, be)
        slopes = [(y[j + 1] - y[j]) / h[j] for j in range(m - 1)]
        r1 = sum(6 * abs(slopes[i] - slopes[i - 1]) for i in range(1, m - 1))
        assert sum(abs(v) for v in w) <= (r1 + 1e-6 * m) * 2**22  # ||B^-1||_1 <= 1
        assert max(abs(v) for v in w) <= 12 * (m - 2) * 2**22 < 2**31
    g = g_resample(d, FP)
    assert g.min() >= 0 and g.max() <= ONE_Q30


def test_resample_fallbacks():
    a, b, c = (
        [ONE_Q30 // 4, ONE_Q30 // 2],
        [3 * ONE_Q30 // 4, ONE_Q30 // 2],
        [3 * ONE_Q30 // 4, ONE_Q30],
    )
    one = g_resample(np.array([a, a, a], dtype=np.int32), FP)
    assert np.all(one == a)
    two = g_resample(np.array([a, b], dtype=np.int32), FP)
    assert (
        np.all(two[:, 1] == ONE_Q30 // 2) and two[0, 0] == a[0] and two[-1, 0] == b[0]
    )
    assert np.abs(np.diff(two[:, 0].astype(np.int64), 2)).max() <= 2  # equally spaced
    three = g_resample(np.array([a, b, c], dtype=np.int32), FP)
    ref = f_resample(np.array([a, b, c]) / U, 100)
    assert np.abs(three / U - ref).max() <= 2e-9  # piecewise linear
    with pytest.raises(PipelineError):
        g_resample(
            np.zeros((MAX_POINTS + 1, 2), dtype=np.int32)
            + np.arange(MAX_POINTS + 1)[:, None] * 1000,
            FP,
        )
