"""The glove simulator: physics (frames, gravity, lever arm, body rate, Earth field),
sensor effects (bias, noise, quantisation, saturation), user styles, the data set and
a round trip through the float pipeline.

Most tests use synthetic pen letters built here; the ones that need DigiLeTs take the
``digilets_dir`` fixture (conftest.py), which skips when the data set is absent.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from glovexfer.data.digilets import PenLetter, join_strokes, list_writer_files, load_digilets, split_writers, writer_id
from glovexfer.data.recordings import RecordingSet, channel_scales
from glovexfer.params import GRAVITY_MPS2, LETTERS, MPU9250, SAMPLES_PER_LETTER, WINDOW_S
from glovexfer.simulate import (
    SensorErrors,
    SimulatorConfig,
    UserStyle,
    body_rate_zyx,
    earth_field,
    euler_zyx_to_matrix,
    euler_zyx_to_quat,
    jitter_style,
    letter_motion,
    letter_path,
    quat_conj,
    quat_mul,
    quat_to_matrix,
    sample_times,
    sample_user_style,
    simulate_dataset,
    simulate_letter,
)
from glovexfer.simulate.kinematics import band_noise

CFG = SimulatorConfig()
NO_LOWPASS = replace(CFG, imu_lowpass_s=0.0)


# ----------------------------------------------------------------------------- helpers
def make_letter(xy, t, pen_down=None, label="z") -> PenLetter:
    xy = np.asarray(xy, dtype=float)
    pd = np.zeros(len(xy), dtype=bool) if pen_down is None else np.asarray(pen_down, dtype=bool)
    pd[0] = True
    return PenLetter("999", label, 0, xy, pd, np.asarray(t, dtype=float), np.full(len(xy), 0.5), "synthetic")


def zigzag_letter(duration_s: float = 0.6, rate_hz: float = 50.0) -> PenLetter:
    """A 'z': top bar, diagonal, bottom bar, as a pen at 50 Hz would record it."""
    corners = np.array([[0.3, 0.6], [0.5, 0.6], [0.3, 0.4], [0.5, 0.4]])
    n = int(duration_s * rate_hz) + 1
    s = np.linspace(0, 3, n)
    k = np.minimum(s.astype(int), 2)
    xy = corners[k] + (s - k)[:, None] * (corners[k + 1] - corners[k])
    return make_letter(xy, np.linspace(0, duration_s, n))


def circle_letter(duration_s: float = 0.7, turns: float = 1.0, rate_hz: float = 50.0, label="o") -> PenLetter:
    n = int(duration_s * rate_hz) + 1
    a = np.linspace(0, 2 * np.pi * turns, n) + np.pi / 2
    xy = 0.5 + 0.1 * np.stack([np.cos(a), np.sin(a)], axis=1)
    return make_letter(xy, np.linspace(0, duration_s, n), label=label)


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """v_world = q v q* written out independently of the module (v' = v + 2w u×v + 2u×(u×v))."""
    w, u = q[..., :1], q[..., 1:]
    v = np.broadcast_to(v, u.shape)
    return v + 2 * w * np.cross(u, v) + 2 * np.cross(u, np.cross(u, v))


def quat_angle_deg(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    d = np.abs(np.sum(q1 * q2, axis=-1)) / (np.linalg.norm(q1, axis=-1) * np.linalg.norm(q2, axis=-1))
    return np.rad2deg(2 * np.arccos(np.clip(d, -1, 1)))


def still_style(**kw) -> UserStyle:
    """A wearer who does not move (letter of zero angular size), no tremor, perfect sensor."""
    base = UserStyle(size_deg=0.0, tremor_rms_deg=0.0, heading_deg=37.0, pitch0_deg=12.0, roll0_deg=-7.0, sensor=SensorErrors.ideal())
    return base.replace(**kw)


MOVING = UserStyle(
    size_deg=30.0,
    slant=0.1,
    speed=0.7,
    min_duration_s=0.5,
    delay_s=0.08,
    tail_s=0.1,
    tremor_rms_deg=0.1,
    heading_deg=172.0,  # crosses +-180 while writing
    pitch0_deg=15.0,
    roll0_deg=8.0,
    roll_coupling=0.1,
    lever_m=0.45,
    sensor=SensorErrors.ideal(),
)


# ----------------------------------------------------------------------------- rotations
def test_euler_quaternion_matrix_agree_and_conventions():
    rng = np.random.default_rng(1)
    yaw, pitch, roll = rng.uniform(-np.pi, np.pi, 50), rng.uniform(-1.4, 1.4, 50), rng.uniform(-np.pi, np.pi, 50)
    q = euler_zyx_to_quat(yaw, pitch, roll)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    R = euler_zyx_to_matrix(yaw, pitch, roll)
    np.testing.assert_allclose(quat_to_matrix(q), R, atol=1e-12)
    v = rng.normal(size=(50, 3))
    np.testing.assert_allclose(rotate(q, v), np.einsum("nij,nj->ni", R, v), atol=1e-12)
    # q = qz(yaw) ⊗ qy(pitch) ⊗ qx(roll)
    qz = euler_zyx_to_quat(yaw, 0 * yaw, 0 * yaw)
    qy = euler_zyx_to_quat(0 * yaw, pitch, 0 * yaw)
    qx = euler_zyx_to_quat(0 * yaw, 0 * yaw, roll)
    np.testing.assert_allclose(quat_mul(quat_mul(qz, qy), qx), q, atol=1e-12)
    # positive pitch tips the finger (x) down; positive yaw turns x from north to west
    ex = np.array([1.0, 0, 0])
    assert rotate(euler_zyx_to_quat(0.0, 0.3, 0.0), ex)[2] < 0
    assert rotate(euler_zyx_to_quat(0.3, 0.0, 0.0), ex)[1] > 0


def test_body_rate_formula_matches_quaternion_derivative():
    """w_b from the ZYX relation equals 2 vec(q* ⊗ dq/dt) on a smooth random motion."""
    t = np.arange(0, 1.0, 1e-4)
    yaw = 2.9 + 0.8 * np.sin(2 * np.pi * 1.3 * t) + 0.3 * t
    pitch = 0.4 * np.sin(2 * np.pi * 0.9 * t + 1.0)
    roll = -0.3 + 0.5 * np.cos(2 * np.pi * 1.7 * t)
    d = [np.gradient(a, t) for a in (yaw, pitch, roll)]
    w = body_rate_zyx(yaw, pitch, roll, *d)
    q = euler_zyx_to_quat(yaw, pitch, roll)
    qdot = np.gradient(q, t, axis=0)
    w_q = 2 * quat_mul(quat_conj(q), qdot)
    np.testing.assert_allclose(w_q[5:-5, 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(w[5:-5], w_q[5:-5, 1:], atol=1e-5)
    assert np.abs(w).max() > 3.0  # a real motion, not a trivial zero


# ----------------------------------------------------------------------------- kinematics
def test_letter_path_joins_strokes_centres_and_scales():
    # two strokes with a pen-up gap, a repeated time stamp and a stale repeated position
    xy = [[0.2, 0.2], [0.2, 0.4], [0.2, 0.4], [0.2, 0.6], [0.1, 0.5], [0.3, 0.5]]
    t = [0.0, 0.02, 0.04, 0.04, 0.30, 0.32]
    letter = make_letter(xy, t, pen_down=[1, 0, 0, 0, 1, 0], label="t")
    p = letter_path(letter)
    assert np.all(np.diff(p.t) > 0) and p.t[0] == 0.0
    assert len(p.t) == 4  # the repeated time stamp and the stale repeat are gone
    lo, hi = p.xy.min(axis=0), p.xy.max(axis=0)
    np.testing.assert_allclose((lo + hi) / 2, 0.0, atol=1e-12)
    assert np.isclose(np.max(hi - lo), 1.0)
    # kept: (0.2, 0.2), (0.2, 0.4), (0.1, 0.5), (0.3, 0.5); box centre (0.2, 0.35), extent 0.3
    np.testing.assert_allclose(p.xy, (np.array([[0.2, 0.2], [0.2, 0.4], [0.1, 0.5], [0.3, 0.5]]) - [0.2, 0.35]) / 0.3, atol=1e-12)
    np.testing.assert_allclose(letter_path(letter, pause_speed_frac=0.0).t, [0.0, 0.02, 0.30, 0.32])
    # the slow pen-up travel (0.14 in 0.28 s against a median speed of 10/s) is cut to
    # what 0.2 x the median speed needs: 0.1414 / 2 = 0.0707 s
    np.testing.assert_allclose(p.t, [0.0, 0.02, 0.02 + np.hypot(0.1, 0.1) / 2.0, 0.04 + np.hypot(0.1, 0.1) / 2.0])
    np.testing.assert_allclose(join_strokes(letter), letter.xy)


def test_time_placement_delay_letter_tail():
    letter = zigzag_letter(0.6)
    style = MOVING.replace(tremor_rms_deg=0.0, delay_s=0.12, tail_s=0.1, speed=1.0, min_duration_s=0.0)
    m = letter_motion(letter, style, np.random.default_rng(0), CFG)
    lead_in = 3 * CFG.smooth_sigma_s  # the smoothing's ramp starts after the delay
    assert np.isclose(m.start_s, 0.12 + lead_in) and np.isclose(m.end_s, 0.72 + lead_in) and np.isclose(m.speed, 1.0)
    assert np.abs(m.omega_body[m.t <= 0.12]).max() < 0.01  # at rest until the delay is over
    w = np.linalg.norm(m.omega_body, axis=1)
    idle = (m.t < m.start_s - 0.1) | (m.t > m.end_s + 0.1)
    assert w[idle].max() < 1e-3 and w[(m.t > 0.2) & (m.t < 0.6)].min() > 0.05
    # too long for the window: sped up so that delay + letter + tail = window
    slow = letter_motion(zigzag_letter(2.0), style, np.random.default_rng(0), CFG)
    assert np.isclose(slow.end_s, WINDOW_S - style.tail_s) and slow.speed > 1.5
    # too fast for the wearer: slowed to the minimum duration
    quick = letter_motion(zigzag_letter(0.2), style.replace(min_duration_s=0.5), np.random.default_rng(0), CFG)
    assert np.isclose(quick.end_s - quick.start_s, 0.5)
    # a letter needing more acceleration than the wearer's limit is written more slowly
    base = letter_motion(zigzag_letter(0.4), style, np.random.default_rng(0), CFG)
    capped = letter_motion(zigzag_letter(0.4), style.replace(max_acc_mps2=5.0), np.random.default_rng(0), CFG)
    assert capped.end_s - capped.start_s > base.end_s - base.start_s
    assert np.linalg.norm(capped.a_world, axis=1).max() < np.linalg.norm(base.a_world, axis=1).max()


def test_orientation_follows_the_letter():
    """yaw = heading - A x, pitch = pitch0 - A y: moving right lowers yaw, moving up lowers pitch."""
    style = MOVING.replace(tremor_rms_deg=0.0, slant=0.0, roll_coupling=0.0)
    sim = simulate_letter(zigzag_letter(0.6), style, np.random.default_rng(0), keep_fine=True)
    m = sim.fine
    a = np.deg2rad(style.size_deg)
    np.testing.assert_allclose(m.yaw, np.deg2rad(style.heading_deg) - a * m.pen_xy[:, 0], atol=1e-12)
    np.testing.assert_allclose(m.pitch, np.deg2rad(style.pitch0_deg) - a * m.pen_xy[:, 1], atol=1e-12)
    np.testing.assert_allclose(m.roll, np.deg2rad(style.roll0_deg), atol=1e-12)
    # the 'z' top bar goes right (yaw falls), the letter spans A in yaw
    assert np.ptp(m.yaw) == pytest.approx(a, rel=0.05)
    np.testing.assert_allclose(np.linalg.norm(sim.quat, axis=1), 1.0, atol=1e-12)
    assert sim.quat.shape == (32, 4) and sim.pen_xy.shape == (32, 2)


def test_tremor_is_band_limited_with_the_requested_rms():
    x = band_noise(np.random.default_rng(3), 4000, 1e-3, (8.0, 12.0), 0.01)
    assert x.shape == (4000, 3)
    np.testing.assert_allclose(np.sqrt(np.mean(x**2, axis=0)), 0.01, rtol=1e-9)
    f = np.fft.rfftfreq(4000, 1e-3)
    p = np.abs(np.fft.rfft(x[:, 0])) ** 2
    assert p[(f >= 8) & (f <= 12)].sum() / p.sum() > 0.999


# ----------------------------------------------------------------------------- physics
def test_stationary_finger_reads_gravity_field_and_nothing_else():
    style = still_style()
    sim = simulate_letter(zigzag_letter(), style, np.random.default_rng(0))
    acc, gyr, mag = sim.acc, sim.gyr, sim.mag
    lsb_a, lsb_g, lsb_m = MPU9250.scales()
    np.testing.assert_allclose(np.linalg.norm(acc, axis=1), GRAVITY_MPS2, atol=2 * lsb_a)
    np.testing.assert_allclose(gyr, 0.0, atol=lsb_g)
    np.testing.assert_allclose(np.linalg.norm(mag, axis=1), CFG.mag_field_ut, atol=2 * lsb_m)
    # +g on the up axis: the specific force is R^T (0, 0, g)
    R = euler_zyx_to_matrix(*np.deg2rad([style.heading_deg, style.pitch0_deg, style.roll0_deg]))
    np.testing.assert_allclose(acc, np.tile(R.T @ [0, 0, GRAVITY_MPS2], (32, 1)), atol=lsb_a)
    np.testing.assert_allclose(mag, np.tile(R.T @ earth_field(CFG), (32, 1)), atol=lsb_m)
    flat = simulate_letter(zigzag_letter(), still_style(heading_deg=0, pitch0_deg=0, roll0_deg=0), np.random.default_rng(0))
    np.testing.assert_allclose(flat.acc[0], [0, 0, GRAVITY_MPS2], atol=lsb_a)
    inc = np.deg2rad(CFG.mag_inclination_deg)
    np.testing.assert_allclose(flat.mag[0], CFG.mag_field_ut * np.array([np.cos(inc), 0, -np.sin(inc)]), atol=lsb_m)


def test_stationary_finger_with_sensor_errors_reads_bias():
    errors = sample_user_style(np.random.default_rng(5)).sensor
    style = still_style(sensor=errors)
    sim = simulate_letter(zigzag_letter(), style, np.random.default_rng(0))
    # gyro: bias only (mean over 32 samples; noise <= 0.1 deg/s rms per sample)
    np.testing.assert_allclose(sim.gyr.mean(axis=0), errors.gyr_bias_rads, atol=np.deg2rad(0.06))
    assert np.all(np.abs(sim.gyr.mean(axis=0)) > np.deg2rad(0.4))
    g = np.linalg.norm(sim.acc, axis=1)
    assert np.all(np.abs(g - GRAVITY_MPS2) < 0.04 * GRAVITY_MPS2)
    assert not np.allclose(g, GRAVITY_MPS2, atol=0.01)  # the errors are there
    # without hard iron the field magnitude stays B up to the gain error
    m = np.linalg.norm(sim.mag - np.asarray(errors.hard_iron_ut), axis=1)
    assert np.all(np.abs(m - CFG.mag_field_ut) < 0.035 * CFG.mag_field_ut + 2.0)
    assert np.isfinite(sim.measured).all()


def test_gyro_integrates_back_to_the_orientation():
    """Integrate the noise-free body rate with quaternion kinematics at 1 kHz (q' = q ⊗ (0, w) / 2):
    the final orientation matches the true one to < 0.5 deg."""
    sim = simulate_letter(zigzag_letter(0.7), MOVING, np.random.default_rng(2), keep_fine=True)
    m = sim.fine
    q = m.q[0].copy()
    dt = m.dt
    for k in range(len(m.t) - 1):
        w = 0.5 * (m.omega_body[k] + m.omega_body[k + 1])
        ang = np.linalg.norm(w) * dt
        dq = np.r_[np.cos(ang / 2), np.sin(ang / 2) * w / (np.linalg.norm(w) + 1e-300)]
        q = quat_mul(q, dq)
    total_turn = np.rad2deg(np.sum(np.linalg.norm(m.omega_body, axis=1)) * dt)
    assert total_turn > 60  # the finger really moved
    assert quat_angle_deg(q, m.q[-1]) < 0.5
    # the sampled ideal gyro is the body rate at the sample times
    plain = simulate_letter(zigzag_letter(0.7), MOVING, np.random.default_rng(2), config=NO_LOWPASS, keep_fine=True)
    idx = np.searchsorted(plain.fine.t, sample_times())
    assert np.abs(plain.ideal[:, 3:6] - plain.fine.omega_body[idx]).max() < 0.05 * np.abs(plain.ideal[:, 3:6]).max()


def test_accelerometer_minus_gravity_is_the_lever_arm_acceleration():
    """R(q) acc - (0, 0, g) = d^2/dt^2 of the fingertip L R(q) e_x, computed here independently."""
    sim = simulate_letter(circle_letter(0.8), MOVING, np.random.default_rng(4), config=NO_LOWPASS, keep_fine=True)
    m = sim.fine
    p = m.lever_m * rotate(m.q, np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), MOVING.lever_m, atol=1e-12)
    h = 3  # grid steps: a 6 ms central stencil, a different one from the simulator's
    a = np.full_like(p, np.nan)
    a[h:-h] = (p[2 * h :] - 2 * p[h:-h] + p[: -2 * h]) / (h * m.dt) ** 2
    ts = sample_times()
    a_ref = np.stack([np.interp(ts, m.t, a[:, k]) for k in range(3)], axis=1)
    a_sim = rotate(sim.quat, sim.acc) - np.array([0.0, 0.0, GRAVITY_MPS2])
    scale = np.abs(a_ref).max()
    assert scale > 2.0  # a real acceleration (m/s^2), not gravity alone
    assert np.abs(a_sim - a_ref).max() < 0.005 * scale + 0.01


def test_magnetometer_rotates_with_the_sensor():
    style = MOVING.replace(size_deg=40.0, roll_coupling=0.15)
    sim = simulate_letter(circle_letter(0.8), style, np.random.default_rng(6), config=NO_LOWPASS)
    lsb_m = MPU9250.mag_ut_per_count
    np.testing.assert_allclose(np.linalg.norm(sim.mag, axis=1), CFG.mag_field_ut, atol=2 * lsb_m)
    # rotated back to the world with the true orientation it is the Earth field
    np.testing.assert_allclose(rotate(sim.quat, sim.mag), np.tile(earth_field(CFG), (32, 1)), atol=2 * lsb_m)
    assert np.ptp(sim.mag, axis=0).max() > 10.0  # it did rotate
    # a hard-iron offset adds a constant vector; the rest keeps its length
    hi = (3.0, -2.0, 4.0)
    sim2 = simulate_letter(circle_letter(0.8), style.replace(sensor=SensorErrors(hard_iron_ut=hi)), np.random.default_rng(6), config=NO_LOWPASS)
    np.testing.assert_allclose(np.linalg.norm(sim2.mag - np.array(hi), axis=1), CFG.mag_field_ut, atol=2 * lsb_m)
    field = replace(CFG, imu_lowpass_s=0.0, mag_field_ut=30.0, mag_inclination_deg=-40.0)
    sim3 = simulate_letter(circle_letter(0.8), style, np.random.default_rng(6), config=field)
    np.testing.assert_allclose(np.linalg.norm(sim3.mag, axis=1), 30.0, atol=2 * lsb_m)


def test_violent_motion_saturates_and_the_mask_says_so():
    violent = MOVING.replace(size_deg=90.0, lever_m=0.6, speed=1.0, min_duration_s=0.0, max_acc_mps2=0.0)
    sim = simulate_letter(circle_letter(0.5, turns=3.0), violent, np.random.default_rng(0))
    assert sim.saturated[:, 0:6].any()  # beyond +-4 g and +-1000 deg/s
    assert sim.saturated[:, 3:6].any()
    assert np.abs(sim.ideal[:, 3:6]).max() > np.deg2rad(MPU9250.gyr_full_scale_dps)
    c = sim.counts.astype(int)
    assert np.all((c[sim.saturated] == 32767) | (c[sim.saturated] == -32768))
    raw = np.round(sim.measured / channel_scales(MPU9250))
    np.testing.assert_array_equal(sim.saturated, (raw > 32767) | (raw < -32768))
    np.testing.assert_array_equal(c[~sim.saturated], raw[~sim.saturated])
    calm = simulate_letter(circle_letter(0.8), MOVING, np.random.default_rng(0))
    assert not calm.saturated.any()


def test_imu_lowpass_averages_but_keeps_the_signal():
    rng_args = (circle_letter(0.8), MOVING)
    a = simulate_letter(*rng_args, np.random.default_rng(1), config=NO_LOWPASS)
    b = simulate_letter(*rng_args, np.random.default_rng(1), config=CFG)
    assert a.ideal.shape == b.ideal.shape == (32, 9)
    assert 0 < np.abs(a.ideal - b.ideal)[:, 3:6].max() < 0.1 * np.abs(a.ideal[:, 3:6]).max()


# ----------------------------------------------------------------------------- users, determinism
def test_user_styles_cover_the_configured_ranges():
    rng = np.random.default_rng(0)
    styles = [sample_user_style(rng) for _ in range(300)]
    c = CFG
    for field, (lo, hi) in [
        ("size_deg", c.size_deg_range),
        ("slant", c.slant_range),
        ("speed", c.speed_range),
        ("delay_s", c.delay_s_range),
        ("tremor_rms_deg", c.tremor_rms_deg_range),
        ("heading_deg", c.heading_deg_range),
        ("pitch0_deg", c.pitch0_deg_range),
        ("roll0_deg", c.roll0_deg_range),
        ("lever_m", c.lever_m_range),
    ]:
        v = np.array([getattr(s, field) for s in styles])
        assert v.min() >= lo and v.max() <= hi, field
    headings = np.array([s.heading_deg for s in styles])
    assert headings.min() < -170 and headings.max() > 170  # any direction, also near +-180
    assert all(np.deg2rad(s.size_deg) * s.lever_m <= c.fingertip_size_m_max + 1e-12 for s in styles)
    e = np.array([s.sensor.gyr_bias_rads for s in styles])
    assert np.all((np.abs(np.rad2deg(e)) >= 0.5) & (np.abs(np.rad2deg(e)) <= 2.0))
    json.dumps(styles[0].to_dict())
    # per-recording jitter stays close to the user's style
    s = styles[0]
    for _ in range(50):
        j = jitter_style(s, rng)
        assert abs(j.size_deg / s.size_deg - 1) <= c.jitter_size_frac + 1e-12
        assert abs(j.speed / s.speed - 1) <= c.jitter_speed_frac + 1e-12
        assert -180 <= j.heading_deg < 180 and j.sensor == s.sensor


def test_simulation_is_deterministic_under_a_seed():
    style = sample_user_style(np.random.default_rng(9))
    a = simulate_letter(zigzag_letter(), style, np.random.default_rng(9))
    b = simulate_letter(zigzag_letter(), style, np.random.default_rng(9))
    c = simulate_letter(zigzag_letter(), style, np.random.default_rng(10))
    assert a.counts.dtype == np.int16 and a.counts.shape == (SAMPLES_PER_LETTER, 9)
    assert a.counts.tobytes() == b.counts.tobytes()
    assert a.counts.tobytes() != c.counts.tobytes()


# ----------------------------------------------------------------------------- data set (DigiLeTs)
@pytest.mark.data
def test_small_dataset_structure_split_and_determinism(digilets_dir, tmp_path):
    rs = simulate_dataset(digilets_dir, n_users=3, letters_per_user=4, reps=6, seed=7, progress=False)
    assert rs.counts.shape == (3 * 4 * 6, 32, 9) and rs.counts.dtype == np.int16
    ids = sorted(writer_id(f) for f in list_writer_files(digilets_dir))
    source, target = split_writers(ids, n_target=16, seed=0)
    split = rs.meta["writer_split"]
    assert split["source"] == source and split["target"] == target and split["split_seed"] == 0
    assert not set(split["source"]) & set(split["target"]) and sorted(split["source"] + split["target"]) == ids
    assert rs.meta["simulated"] is True and rs.meta["seed"] == 7
    assert rs.meta["generator"].startswith("glovexfer.simulate v")
    assert rs.meta["config"] == CFG.to_dict()
    users = rs.meta["users"]
    assert list(users) == ["u01", "u02", "u03"]
    assert [users[u]["writer"] for u in users] == target[:3]
    for u in users:
        sel = rs.users == u
        assert set(rs.extras["writer"][sel]) == {users[u]["writer"]}
        assert set(rs.extras["writer"][sel]) <= set(target)
        assert "".join(sorted(set(rs.labels[sel]))) == users[u]["letters"] and len(users[u]["letters"]) == 4
        for lab in users[u]["letters"]:
            inst = rs.extras["instance"][sel & (rs.labels == lab)]
            assert list(inst) == [0, 1, 2, 3, 4, 0]  # cycles through the writer's 5 instances
    # fresh jitter and noise: the two recordings of instance 0 differ
    assert len({rs.counts[i].tobytes() for i in range(len(rs))}) == len(rs)
    json.dumps(rs.meta)
    again = simulate_dataset(digilets_dir, n_users=3, letters_per_user=4, reps=6, seed=7, progress=False)
    assert again.counts.tobytes() == rs.counts.tobytes() and again.meta == rs.meta
    other = simulate_dataset(digilets_dir, n_users=3, letters_per_user=4, reps=6, seed=8, progress=False)
    assert other.meta["writer_split"] == split  # the split does not depend on the simulation seed
    assert other.counts.tobytes() != rs.counts.tobytes()
    back = RecordingSet.load(rs.save(tmp_path / "sim.npz"))
    assert back.meta == rs.meta and back.counts.tobytes() == rs.counts.tobytes()
    assert list(back.extras["writer"]) == list(rs.extras["writer"])


@pytest.mark.data
def test_paper_sized_dataset(digilets_dir):
    """16 users x 10 letters x 10 reps = 1600 recordings, with sane physical values."""
    rs = simulate_dataset(digilets_dir, seed=0, progress=False)
    assert rs.counts.shape == (1600, 32, 9) and rs.counts.dtype == np.int16
    assert len(set(rs.users)) == 16
    for u in set(rs.users):
        sel = rs.users == u
        assert sel.sum() == 100 and len(set(rs.labels[sel])) == 10
    assert len(rs.extras["writer"]) == len(rs.extras["instance"]) == 1600
    assert set(rs.extras["writer"]) == set(rs.meta["writer_split"]["target"])
    ph = rs.physical
    acc = np.linalg.norm(ph[..., 0:3], axis=-1)
    assert abs(np.median(acc) - GRAVITY_MPS2) < 0.15 * GRAVITY_MPS2
    assert np.mean(rs.extras["n_saturated"] > 0) < 0.03  # saturation happens, but rarely
    mag = np.linalg.norm(ph[..., 6:9], axis=-1)
    assert np.all(np.abs(mag - CFG.mag_field_ut) < 0.05 * CFG.mag_field_ut + np.sqrt(3) * CFG.hard_iron_ut_max + 3.0)


@pytest.mark.data
@pytest.mark.slow
def test_all_writers_dataset(digilets_dir):
    rs = simulate_dataset(digilets_dir, reps=1, all_writers=True, progress=False)
    ids = sorted(writer_id(f) for f in list_writer_files(digilets_dir))
    assert len(rs) == len(ids) * 26
    assert rs.meta["writer_split"]["all_writers"] is True and rs.meta["writer_split"]["source"] == []
    assert rs.meta["writer_split"]["target"] == ids
    assert all(v["letters"] == LETTERS for v in rs.meta["users"].values())


# ----------------------------------------------------------------------------- round trip through the float pipeline
@pytest.mark.data
def test_round_trip_through_the_float_pipeline(digilets_dir):
    """Simulate all 26 letters of one target writer, run the float pipeline on the
    physical signals, and compare the 100 resampled points with the pen trajectory
    cleaned the same way (clean_trajectory), after similarity Procrustes alignment.

    Bound: the mean point error over the 26 letters < 0.05 and every letter < 0.12, in
    units of the normalised letter (the [0, 1] box).  With a perfect sensor and no
    tremor the error is already ~0.02: the 27 Hz sampling and the pipeline's smoothing
    round the corners that the 50 Hz tablet keeps; 0.05 is ~1.4 px of the 28 px image,
    and 0.12 still leaves every stroke where a reader expects it (checked by plotting).
    The user style is a sampled one (random heading, bias, noise, hard iron, tremor)
    with the slant set to 0, because a shear is not a similarity transform.
    """
    ids = sorted(writer_id(f) for f in list_writer_files(digilets_dir))
    _, target = split_writers(ids, n_target=16, seed=0)
    w = target[0]
    letters = [x for x in load_digilets(digilets_dir, writers=[w])[w] if x.instance == 0]
    assert "".join(x.label for x in letters) == LETTERS
    from glovexfer.simulate.roundtrip import round_trip

    rt = round_trip(letters, seed=0, slant=0.0)
    assert rt.recovered.shape == rt.reference.shape == (26, 100, 2)
    errors = rt.errors
    print(f"round trip writer {w}: mean point error {errors.mean():.4f}, worst {errors.max():.4f} ('{LETTERS[errors.argmax()]}')")
    assert errors.mean() < 0.05
    assert errors.max() < 0.12
