"""Sensor calibration (firmware/core/sensorcal, golden/sensorcal): the gyroscope bias and
the magnetometer's hard and soft iron of a simulated glove are recovered from simulated
calibration runs, calibrated recordings give the true counts back within the sensor noise,
bad runs are refused, and the firmware equals the golden model bit for bit (estimation,
the CAL answer, and every replayed stage with a calibration active)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from glovexfer.golden import sensorcal as sc
from glovexfer.params import MPU9250
from glovexfer.simulate.calibration import still_session, sweep_session, without_offsets
from glovexfer.simulate.glove import simulate_letter
from glovexfer.simulate.users import sample_user_style

GYRO_LSB = 32768 / np.deg2rad(MPU9250.gyr_full_scale_dps)  # counts per rad/s
MAG_LSB = 1 / 0.15  # counts per uT


def _users(n, seed=0):
    return [sample_user_style(np.random.default_rng(seed + k)) for k in range(n)]


def _letter(digilets, writer, label):
    return next(p for p in digilets[writer] if p.label == label)


def test_gyro_bias_recovered():
    for k, st in enumerate(_users(12)):
        cal = sc.estimate_gyro_bias(still_session(st, np.random.default_rng(100 + k)))
        true = np.array(st.sensor.gyr_bias_rads) * GYRO_LSB * np.array(st.sensor.gyr_gain)
        sigma = st.sensor.gyr_noise_rads * GYRO_LSB
        # the mean of 54 samples: error ~ sigma / sqrt(54), plus rounding
        assert np.all(np.abs(np.array(cal.gyro_bias) - true) <= 4 * sigma / np.sqrt(54) + 1), (cal, true)
        assert cal.has_gyro and not cal.has_mag


def test_hard_and_soft_iron_recovered():
    for k, st in enumerate(_users(12)):
        cal = sc.estimate_mag(sweep_session(st, np.random.default_rng(200 + k)))
        true_off = np.array(st.sensor.hard_iron_ut) * MAG_LSB
        sigma = st.sensor.mag_noise_ut * MAG_LSB
        # max/min of the noisy sweep: each end is off by up to ~3 sigma
        assert np.all(np.abs(np.array(cal.mag_offset) - true_off) <= 3 * sigma + 1), (cal.mag_offset, true_off)
        # soft iron: scale_k * gain_k is the same for every axis (the mean diameter), up to
        # the noise at both ends of each diameter (3 sigma each) and the Q14 rounding
        eff = np.array(cal.mag_scale_q14) / sc.SCALE_ONE * np.array(st.sensor.mag_gain)
        diameter = 2 * 48.0 * MAG_LSB
        assert eff.max() - eff.min() <= 2 * 6 * sigma / diameter + 0.002, (eff, sigma)


def test_calibrated_recordings_recover_the_true_counts(digilets):
    """The simulator's bias and hard iron are the test: a letter recorded by a glove with
    them, calibrated, equals the same letter (same noise) from the glove without them, within
    the sensor noise; uncalibrated it is off by the bias."""
    w = sorted(digilets)
    letters = [_letter(digilets, w[0], "a"), _letter(digilets, w[1], "s")]
    for k, st in enumerate(_users(6, seed=50)):
        # a glove with hard iron and bias but unit mag gain: the true field is then the ideal one
        st = replace(st, sensor=replace(st.sensor, mag_gain=(1.0, 1.0, 1.0), mag_misalign_rotvec_rad=(0.0, 0.0, 0.0)))
        cal = sc.estimate_mag(sweep_session(st, np.random.default_rng(300 + k)),
                              sc.estimate_gyro_bias(still_session(st, np.random.default_rng(400 + k))))
        for j, letter in enumerate(letters):
            raw = simulate_letter(letter, st, np.random.default_rng(500 + 10 * k + j)).counts
            true = simulate_letter(letter, without_offsets(st), np.random.default_rng(500 + 10 * k + j)).counts
            got = sc.apply(raw, cal).astype(int)
            gyro_sigma = st.sensor.gyr_noise_rads * GYRO_LSB
            mag_sigma = st.sensor.mag_noise_ut * MAG_LSB
            d_gyro = np.abs(got[:, 3:6] - true[:, 3:6])
            d_mag = np.abs(got[:, 6:9] - true[:, 6:9])
            assert d_gyro.max() <= max(2, gyro_sigma), (d_gyro.max(), gyro_sigma)
            # offset error (<= 3 sigma of the sweep's extremes) + the soft-iron scale's rounding
            assert d_mag.max() <= 3 * mag_sigma + 3, (d_mag.max(), mag_sigma)
            assert np.abs(raw[:, 3:6].astype(int) - true[:, 3:6]).max() >= 10  # the bias was there
            assert np.array_equal(got[:, 0:3], raw[:, 0:3])  # the accelerometer is untouched


def test_bad_runs_are_refused():
    st = _users(1, seed=7)[0]
    still = still_session(st, np.random.default_rng(1))
    moved = still.copy()
    moved[20, 4] += 200  # a twitch of 6 deg/s
    with pytest.raises(sc.CalibrationError) as e:
        sc.estimate_gyro_bias(moved)
    assert e.value.reason == "moved"
    sweep = sweep_session(st, np.random.default_rng(2))
    with pytest.raises(sc.CalibrationError) as e:
        sc.estimate_mag(np.repeat(sweep[:1], sc.MAG_SAMPLES, axis=0))  # the hand did not turn
    assert e.value.reason == "coverage"
    six_axis = sweep.copy()
    six_axis[:, 6:9] = 0
    with pytest.raises(sc.CalibrationError) as e:
        sc.estimate_mag(six_axis)
    assert e.value.reason == "no_mag"
    with pytest.raises(sc.CalibrationError):
        sc.estimate_gyro_bias(still[:10])  # too few samples


def test_apply_edges():
    cal = sc.SensorCal(gyro_bias=(4096, -4096, 7), mag_offset=(-32768, 32767, 0), mag_scale_q14=(32767, 8192, 16384),
                       has_gyro=True, has_mag=True)
    x = np.array([[1, 2, 3, -32768, 32767, 5, 32767, -32768, 0], [9, 9, 9, 1, 1, 1, 0, 0, 0]], dtype=np.int16)
    y = sc.apply(x, cal)
    assert y.dtype == np.int16
    assert y[0, 3:6].tolist() == [-32768, 32767, -2]  # saturated
    assert y[0, 6:9].tolist() == [32767, -32767, 0]  # x saturates; y: (8192 * -65535 + 2^13) >> 14
    assert y[1, 6:9].tolist() == [0, 0, 0]  # a 6-axis sample stays 6-axis
    assert np.array_equal(sc.apply(x, sc.SensorCal()), x)  # identity


def _cal_line(cal):
    return (f"CAL gyro={'on' if cal.has_gyro else 'off'} bias={','.join(map(str, cal.gyro_bias))} "
            f"mag={'on' if cal.has_mag else 'off'} offset={','.join(map(str, cal.mag_offset))} "
            f"scale_q14={','.join(map(str, cal.mag_scale_q14))}")


def _s(rows):
    return ["s " + " ".join(str(int(v)) for v in r) for r in rows]


def test_firmware_estimates_like_golden(glove):
    """cal gyro / cal mag on the virtual glove: the CAL answers equal the golden model's, for
    several simulated gloves, and refused runs answer E_CAL."""
    import fw_models

    lines, want = [], []
    for k, st in enumerate(_users(6, seed=20)):
        still = still_session(st, np.random.default_rng(600 + k))
        sweep = sweep_session(st, np.random.default_rng(700 + k))
        cal = sc.estimate_gyro_bias(still)
        lines += ["cal clear", "cal gyro", *_s(still)]
        want.append(_cal_line(cal))
        cal = sc.estimate_mag(sweep, cal)
        lines += ["cal mag", *_s(sweep)]
        want.append(_cal_line(cal))
    moved = still.copy()
    moved[5, 3] += 300
    lines += ["cal gyro", *_s(moved), "cal mag", *_s(np.repeat(sweep[:1], sc.MAG_SAMPLES, axis=0))]
    out = fw_models.session(glove, lines)
    cal_lines = [line for line in out if line.startswith("CAL")]
    assert cal_lines == want
    errs = [line for line in out if line.startswith("ERR")]
    assert len(errs) == 2 and all(e.startswith("ERR E_CAL") for e in errs), errs
    assert "moved" in errs[0] and "orientations" in errs[1]


def test_calibration_is_applied_to_streamed_letters(glove, digilets):
    """A letter streamed with a calibration active is the letter of the calibrated counts
    (the same LETTER line as streaming the golden-calibrated counts uncalibrated)."""
    import fw_models

    st = _users(1, seed=33)[0]
    cal = sc.SensorCal(gyro_bias=(40, -25, 13), mag_offset=(30, -20, 10), mag_scale_q14=(16000, 16800, 16384),
                       has_gyro=True, has_mag=True)
    rec = [simulate_letter(_letter(digilets, w, "e"), st, np.random.default_rng(k)).counts for k, w in
           enumerate(sorted(digilets)[:4])]
    set_line = "cal set " + " ".join(map(str, (*cal.gyro_bias, *cal.mag_offset, *cal.mag_scale_q14)))
    a = [set_line]
    b = ["cal clear"]
    for r in rec:
        a += ["start", *_s(r)]
        b += ["start", *_s(sc.apply(r, cal))]
    la = [x for x in fw_models.session(glove, a) if x.startswith("LETTER")]
    lb = [x for x in fw_models.session(glove, b) if x.startswith("LETTER")]
    assert len(la) == len(rec) and la == lb


def test_parity_with_calibration(glove, models):
    """parity reads the device's calibration and applies it on the golden side: 0 mismatches
    with a non-trivial calibration active."""
    from glovexfer.device.parity import load_device_nets, run_parity
    from glovexfer.device.sensorcal import read_calibration, set_calibration
    from glovexfer.device.transport import open_native
    from glovexfer.simulate.recordings import simulated_recordings

    import fw_models

    cal = sc.SensorCal(gyro_bias=(-60, 33, 7), mag_offset=(25, -40, 12), mag_scale_q14=(15500, 17000, 16384),
                       has_gyro=True, has_mag=True)
    with open_native(glove) as dev:
        assert set_calibration(dev, cal) == cal
        assert read_calibration(dev) == cal
        nets = load_device_nets(dev, [models, fw_models.ROOT / "models"])
        recs = [(f"simulated #{i}", c) for i, c in enumerate(simulated_recordings(20))]
        rep = run_parity(dev, recs, *nets, progress=False)
    assert rep.ok, (rep.first, rep.errors[:3])
    assert rep.values > 20 * 2000


def test_stored_record_refuses_corruption(tmp_path, fw_build_tools):
    """The 32-byte record the board stores: a round trip keeps every field; each of its 256
    single-bit corruptions and out-of-range fields are refused (the glove runs uncalibrated)."""
    import subprocess

    import fw_models

    exe = fw_models.cmake_build(tmp_path / "b", "gx_test_sensorcal")
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok 259", r.stdout + r.stderr


def test_cli_sensorcal_on_the_virtual_glove(models, glove, capsys):
    """glovexfer sensorcal run --simulate: both runs on a board without an IMU, the result shown."""
    from glovexfer.cli import main

    assert main(["sensorcal", "run", "--simulate", "3", "--model-dir", str(models)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"gyro bias \(-?\d+, -?\d+, -?\d+\) counts \(on\); magnetometer offset .* \(on\)", out), out
