"""The whole golden pipeline (``golden.pipeline.run_golden``) on simulated recordings and
edge cases (stationary, saturated, zero sensors, short motions), against the float pipeline.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures


def _assert_integer_stages(g: GoldenStages):
    for name in (
        "quaternions",
        "euler",
        "points",
        "normalised",
        "smoothed",
        "thin_keep",
        "thinned",
        "resampled",
        "image",
    ):
        a = getattr(g, name)
        assert a.dtype.kind in "iu", name
        assert a.min() >= -(2**31) and a.max() < 2**31, name
    for name in ("normalised", "smoothed", "thinned", "resampled"):
        a = getattr(g, name)
        assert a.min() >= 0 and a.max() <= ONE_Q30, name
    assert np.abs(g.quaternions).max() <= ONE_Q30 + 2
    assert np.abs(g.euler).max() <= HALF_TURN
    assert g.image.min() >= 0 and g.image.max() <= 1 << 15


def test_pipeline_on_simulated_recordings(sim_counts, sim_compare):
    same = [e for e in sim_compare if e["thin_same"]]
    assert len(same) >= 0.9 * len(sim_compare)
    for e in sim_compare:
        assert e["quat_deg"] <= QUAT_RUN_ERR_DEG
        assert (
            max(e["yaw_deg"], e["pitch_deg"], e["roll_deg"], e["points_deg"])
            <= EULER_ERR_DEG
        )
        assert max(e["normalised"], e["smoothed"]) <= POINT_ERR_UNIT
        assert e["iso_resample"] <= 1e-7 and e["iso_image_max"] <= IMAGE_ISO_ERR
    for e in same:
        assert e["resampled"] <= POINT_ERR_UNIT
        assert e["image_mean"] <= IMAGE_RUN_MEAN_ERR
    for c in sim_counts[:4]:
        _assert_integer_stages(run_golden(c))


@pytest.mark.data
def test_pipeline_on_digilets_letters(digilets_dir):
    for c in simulated_recordings(8, seed=11, digilets_root=digilets_dir):
        e = compare(c, fp=FP)
        assert e["quat_deg"] <= QUAT_RUN_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT
        if e["thin_same"]:
            assert (
                e["resampled"] <= POINT_ERR_UNIT
                and e["image_mean"] <= IMAGE_RUN_MEAN_ERR
            )


def test_determinism(sim_counts):
    c = sim_counts[0]
    a, b = run_golden(c), run_golden(c.copy())
    for name in (
        "quaternions",
        "euler",
        "points",
        "normalised",
        "smoothed",
        "thin_keep",
        "thinned",
        "resampled",
        "image",
    ):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.to_float().resampled.dtype == np.float64


def _stationary_counts():
    c = np.zeros((32, 9), dtype=np.int16)
    c[:, 0:3] = (120, -340, 8150)
    c[:, 6:9] = (140, 10, -260)
    return c


def test_stationary_glove():
    c = _stationary_counts()
    g = run_golden(c)
    assert np.all(g.quaternions == g.quaternions[0])  # zero gyro: q bit for bit
    assert np.all(g.points == g.points[0])
    assert np.all(g.normalised == ONE_Q30 // 2) and np.all(g.smoothed == ONE_Q30 // 2)
    assert g.thinned.shape == (1, 2) and np.all(g.resampled == ONE_Q30 // 2)
    ph = to_physical(c)
    f = float_run(ph[:, 0:3], ph[:, 3:6], ph[:, 6:9])
    assert quat_angle_deg(g.to_float().quaternions, f.quaternions).max() <= 1e-5
    assert np.array_equal(g.to_float().resampled, f.resampled)
    assert np.abs(g.to_float().image - f.image).max() <= IMAGE_ISO_ERR


def _float_sensitivity_deg(counts, use_mag=True) -> float:
    """Largest change of one float Madgwick step when its a-priori q moves by ~2^-30.

    Large where the objective f is ~0 (estimate already agrees with the measurements to
    rounding) or at a stationary point of |f|^2: the normalised gradient is then rounding
    noise in the float twin and quantisation noise in the golden one, and the two take
    their beta*dt steps (up to 0.087 deg of rotation each) in unrelated directions.
    """
    from glovexfer.pipeline.orientation import orientation as f_orientation

    ph = to_physical(counts)
    acc, gyr, mag = ph[:, 0:3], ph[:, 3:6], ph[:, 6:9]
    Q = f_orientation(acc, gyr, mag if use_mag else None)
    rng = np.random.default_rng(0)
    worst = 0.0
    with np.errstate(all="ignore"):
        for t in range(1, len(Q)):
            if use_mag:

                def step(q, t=t):
                    return f_marg(q, gyr[t], acc[t], mag[t])

            else:

                def step(q, t=t):
                    return f_imu(q, gyr[t], acc[t])

            ref = step(Q[t - 1])
            for _ in range(2):
                qp = Q[t - 1] + rng.normal(size=4) * 2.0**-30
                worst = max(
                    worst, float(quat_angle_deg(step(qp / np.linalg.norm(qp)), ref))
                )
    return worst


@pytest.mark.parametrize("value", [32767, -32768])
def test_saturated_constant_counts(value):
    """Every channel at full scale: runs within every range claim.  The float twin is
    ill-conditioned here (constant acc = mag direction: f ~ 0 after the initial quaternion),
    so the orientations agree only to the size of a few beta*dt steps."""
    c = np.full((32, 9), value, dtype=np.int16)
    g = run_golden(c)  # raises OverflowError if any range claim were violated
    _assert_integer_stages(g)
    assert _float_sensitivity_deg(c) > 1e-3  # documents the ill-conditioning
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_saturated_random_full_scale(seed):
    """Every count at +32767 or -32768 (random pattern): agrees with the float twin."""
    rng = np.random.default_rng(seed)
    c = np.where(rng.random((32, 9)) < 0.5, 32767, -32768).astype(np.int16)
    _assert_integer_stages(run_golden(c))
    assert _float_sensitivity_deg(c) < QUAT_STEP_ERR_DEG / 4
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG
    assert max(e["yaw_deg"], e["pitch_deg"]) <= EULER_ERR_DEG
    assert e["normalised"] <= POINT_ERR_UNIT


def test_saturated_gyro_on_simulated(sim_counts):
    c = sim_counts[3].copy()
    c[8:20, 3:6] = np.where(
        c[8:20, 3:6] >= 0, 32767, -32768
    )  # a violent turn: every gyro axis at full scale
    _assert_integer_stages(run_golden(c))
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT


def test_all_zero_mag_is_6axis(sim_counts):
    c = sim_counts[1].copy()
    c[:, 6:9] = 0
    a, b = run_golden(c), run_golden(c, use_mag=False)
    for name in ("quaternions", "resampled", "image"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    e = compare(c, fp=FP)  # float: MARG with zero mag falls back to 6-axis too
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG and e["normalised"] <= POINT_ERR_UNIT


def test_zero_acc_samples(sim_counts):
    c = sim_counts[2].copy()
    c[5:9, 0:3] = 0
    e = compare(c, fp=FP)
    assert e["quat_deg"] <= QUAT_RUN_ERR_DEG


def test_very_short_motion():
    """One small turn right after the start, then still: 3 points survive thin (smooth
    puts one between the two poses) -> the linear fallback, as the float twin."""
    c = _stationary_counts()
    rotvec = np.radians([0.0, 1.2, 2.0])  # body-frame turn during sample 1
    th = np.linalg.norm(rotvec)
    k = rotvec / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    R = np.eye(3) + math.sin(th) * K + (1 - math.cos(th)) * K @ K
    c[1:, 0:3] = np.round(c[0, 0:3].astype(float) @ R).astype(
        np.int16
    )  # R^T v, a world-fixed vector
    c[1:, 6:9] = np.round(c[0, 6:9].astype(float) @ R).astype(np.int16)
    c[1, 3:6] = np.round(
        rotvec * PAPER.sample_rate_hz / MPU9250.gyr_rads_per_count
    ).astype(np.int16)
    assert _float_sensitivity_deg(c) < QUAT_STEP_ERR_DEG / 4  # well-conditioned
    g = run_golden(c)
    assert len(g.thin_keep) == 3
    e = compare(c, fp=FP)
    assert (
        e["thin_same"]
        and e["resampled"] <= POINT_ERR_UNIT
        and e["image_mean"] <= IMAGE_RUN_MEAN_ERR
    )


@SLOW
@given(
    st.lists(st.lists(counts16, min_size=9, max_size=9), min_size=1, max_size=32),
    st.booleans(),
)
def test_random_counts_run_and_match(rows, use_mag):
    c = np.array(rows, dtype=np.int16)
    g = run_golden(c, use_mag=use_mag)
    _assert_integer_stages(g)
    ph = to_physical(c)
    with np.errstate(all="ignore"):
        try:
            f = float_run(ph[:, 0:3], ph[:, 3:6], ph[:, 6:9] if use_mag else None)
        except PipelineError:  # the float twin's 0/0 gradient (see golden.orientation)
            assume(False)
    assume(_float_sensitivity_deg(c, use_mag) < QUAT_STEP_ERR_DEG / 4)
    assert (
        quat_angle_deg(g.to_float().quaternions, f.quaternions).max()
        <= QUAT_RUN_ERR_DEG
    )


def test_bad_input_is_rejected():
    with pytest.raises(PipelineError):
        run_golden(np.zeros((32, 9), dtype=np.int32))
    with pytest.raises(PipelineError):
        run_golden(np.zeros((32, 8), dtype=np.int16))
    with pytest.raises(PipelineError):
        run_golden(np.zeros((33, 9), dtype=np.int16))
    with pytest.raises(OverflowError):
        fixed.chk32(2**31)
