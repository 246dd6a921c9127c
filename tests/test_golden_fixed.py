"""The golden model's integer constants and arithmetic primitives (``golden.fixed``):
rounding rules, exact integer square roots, unit vectors, the CORDIC atan2/asin sweep.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures


def test_fixed_params_are_integers_derived_once():
    fp = FP
    assert derive_fixed_params(PAPER, MPU9250) is fp  # cached: one derivation
    for k, v in fp.as_dict().items():
        flat = np.asarray(v).ravel() if isinstance(v, tuple) else [v]
        assert all(isinstance(x, (int, np.integer)) for x in flat), k
    dt = 1 / PAPER.sample_rate_hz
    assert fp.gyr_k < 2**31 <= 2 * fp.gyr_k + 1
    assert fp.gyr_k / 2.0 ** (30 + fp.gyr_shift) == pytest.approx(
        0.5 * dt * MPU9250.gyr_rads_per_count, rel=1e-9
    )
    assert fp.beta_dt_k / 2.0 ** (30 + fp.beta_shift) == pytest.approx(
        PAPER.madgwick_beta * dt, rel=1e-9
    )
    assert (fp.gyr_k, fp.gyr_shift, fp.beta_dt_k, fp.beta_shift) == (
        1388172603,
        17,
        1669628768,
        10,
    )
    assert (fp.rot_cos, fp.rot_sin) == (-ONE_Q30, 0)  # pi -> exactly (-yaw, -pitch)
    assert fp.atan_table[0] == 1 << 27 and len(fp.atan_table) == fixed.CORDIC_ITERATIONS
    assert sum(fp.blur_taps) == 1 << 16 and fp.blur_taps == tuple(
        reversed(fp.blur_taps)
    )
    assert (fp.end_num, fp.end_den) == (1, 4)
    assert fp.thin_min == 10737418 and fp.thin_min_sq == fp.thin_min**2
    assert fp.min_step_sq == 0 and fp.span_px == 95
    with pytest.raises(FrozenInstanceError):
        fp.gyr_k = 1  # frozen
    other = derive_fixed_params(PAPER, SensorSpec(gyr_full_scale_dps=2000.0))
    assert other.gyr_k / 2.0 ** (30 + other.gyr_shift) == pytest.approx(
        0.5 * dt * 2000 * math.pi / 180 / 32768, rel=1e-9
    )


@FAST
@given(st.integers(-(2**62), 2**62), st.integers(0, 40))
def test_rshift_round_is_round_half_up(x, s):
    r = rshift_round(x, s)
    exact = Fraction(x, 2**s)
    assert r == math.floor(exact + Fraction(1, 2))


def test_rounding_rules_on_ties():
    assert [rshift_round(v, 1) for v in (-3, -1, 1, 3)] == [
        -1,
        0,
        1,
        2,
    ]  # -1.5 -> -1, -0.5 -> 0 (half up)
    assert [div_round(a, 2) for a in (-5, -3, -1, 1, 3, 5)] == [
        -3,
        -2,
        -1,
        1,
        2,
        3,
    ]  # half away from 0
    assert div_round(7, 3) == 2 and div_round(-7, 3) == -2 and div_round(8, 3) == 3


@FAST
@given(st.integers(-(2**62), 2**62), st.integers(1, 2**40))
def test_div_round_half_away_from_zero(a, b):
    r = div_round(a, b)
    exact = Fraction(a, b)
    ref = math.floor(abs(exact) + Fraction(1, 2))
    assert r == (ref if a >= 0 else -ref)


@FAST
@given(st.integers(0, 2**64 - 1))
def test_isqrt_bitwise_is_exact(n):
    r = isqrt_u64_bitwise(n)
    assert r == math.isqrt(n) == isqrt_floor(n)
    assert r * r <= n < (r + 1) ** 2
    rr = isqrt_round(n)
    assert abs(rr - math.sqrt(n)) <= 0.5 + 1e-6 * max(1, rr)
    assert (
        rr == 0 and n == 0 or (2 * rr - 1) ** 2 <= 4 * n <= (2 * rr + 1) ** 2
    )  # nearest integer
    c = isqrt_ceil(n)
    assert (c - 1) ** 2 < n <= c * c or n == c == 0


def test_isqrt_edges():
    for n in (0, 1, 2, 3, 4, 2**62, 2**64 - 1, (2**32 - 1) ** 2):
        assert isqrt_u64_bitwise(n) == math.isqrt(n)
    with pytest.raises(OverflowError):
        isqrt_floor(2**64)


@FAST
@given(st.lists(st.integers(-(2**62), 2**62), min_size=2, max_size=4))
def test_normalise_vec_unit_and_direction(v):
    out = normalise_vec(v)
    if not any(v):
        assert out is None
        return
    o = np.array(out, dtype=np.float64)
    assert all(abs(x) <= ONE_Q30 + 2 for x in out)
    assert abs(o @ o / U**2 - 1.0) <= 4 * 2.0**-30
    ref = np.array(v, dtype=np.float64)
    ref = ref / np.linalg.norm(ref)
    assert np.abs(o / U - ref).max() <= 2.0 * 2.0**-29


def _angle_err_deg(g_units, ref_rad) -> float:
    return float(
        np.degrees(np.abs(wrap_rad(np.asarray(g_units) * RAD_PER_UNIT - ref_rad))).max()
    )


def test_atan2_full_range_sweep():
    th = np.linspace(-math.pi, math.pi, 100001)
    for R in (2.0**62, 2.0**60, 2.0**30, 2.0**20, 1e4, 50.0):
        x = np.round(R * np.cos(th)).astype(np.int64)
        y = np.round(R * np.sin(th)).astype(np.int64)
        g = atan2_turns(y, x, FP.atan_table)
        assert g.min() >= -HALF_TURN and g.max() <= HALF_TURN
        err = _angle_err_deg(g, np.arctan2(y.astype(float), x.astype(float)))
        assert err <= ATAN2_MAX_ERR_DEG, (R, err)
    # exact special cases, as numpy's arctan2 with +0.0
    y = np.array([0, 0, 0, 5, -5, 1, -1], dtype=np.int64)
    x = np.array([0, 3, -3, 0, 0, 1, -1], dtype=np.int64)
    assert atan2_turns(y, x, FP.atan_table).tolist() == [
        0,
        0,
        HALF_TURN,
        QUARTER_TURN,
        -QUARTER_TURN,
        TURN // 8,
        -3 * TURN // 8,
    ]


def test_asin_full_range_sweep():
    v = np.concatenate(
        [
            np.arange(-ONE_Q30, ONE_Q30 + 1, 9973),
            [ONE_Q30 - 1, 1 - ONE_Q30, ONE_Q30, -ONE_Q30, 0, 1, -1],
        ]
    ).astype(np.int64)
    g = asin_turns(v, FP.atan_table)
    assert _angle_err_deg(g, np.arcsin(v / U)) <= ATAN2_MAX_ERR_DEG
    assert asin_turns(
        np.array([ONE_Q30, -ONE_Q30, 2 * ONE_Q30]), FP.atan_table
    ).tolist() == [QUARTER_TURN, -QUARTER_TURN, QUARTER_TURN]
