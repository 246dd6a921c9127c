"""Chen pen recordings as the firmware's raw input: (32, 9) int16 counts at 27 Hz, 6-axis.

The firmware reads 32 samples of MPU-9250 counts and assumes ``dt = 1 / 27 s`` between them
(``glovexfer.params``).  A pen letter has its own length (0.4 .. 2.9 s at about 66 Hz,
irregular), so it is resampled in time and the time base is stretched:

1. time stamps ``t`` from the ``td`` column (``represent.sample_times``);
2. the gyro bias of the session's calibration recording is subtracted (deg/s);
3. each of the 6 channels is linearly interpolated at 32 equally spaced times over
   ``[0, T]`` (``T`` = the letter's duration);
4. time stretch: the firmware believes the 32 samples span ``T_fw = 31 / 27 s``, so the
   angular rate is multiplied by ``T / T_fw``; every integrated angle (the orientation at
   each of the 32 samples) is then preserved.  The accelerometer is not scaled (the filter
   uses its direction only);
5. sensor axes remapped by ``represent.PEN_AXIS_REMAP`` (new x, y, z = pen z, x, y: a
   cyclic permutation, a proper rotation) so that the glove's points stage -- azimuth and
   elevation of sensor x -- follows the pen axis;
6. scaling to counts of the glove's MPU-9250 settings (``params.MPU9250``):
   acc ``8.192`` counts per milli-g (+-4 g, 32768 / 4000), gyro ``32.768`` counts per
   deg/s (+-1000 deg/s, 32768 / 1000), rounded to nearest and clipped to int16
   (saturations are counted and reported);
7. magnetometer columns zero: the golden model and the firmware take the 6-axis path.
"""

from __future__ import annotations

import numpy as np

from ..data.chen2021 import Calibration, PenSequence
from ..params import MPU9250, SAMPLE_RATE_HZ, SAMPLES_PER_LETTER, SensorSpec
from .represent import PEN_AXIS_REMAP, sample_times

#: The firmware's window: 32 samples, 31 steps of 1/27 s.
T_FIRMWARE_S = (SAMPLES_PER_LETTER - 1) / SAMPLE_RATE_HZ


def acc_counts_per_mg(sensor: SensorSpec = MPU9250) -> float:
    return 32768.0 / (sensor.acc_full_scale_g * 1000.0)


def gyr_counts_per_dps(sensor: SensorSpec = MPU9250) -> float:
    return 32768.0 / sensor.gyr_full_scale_dps


def resample_time(seq: PenSequence, cal: Calibration | None = None, n: int = SAMPLES_PER_LETTER) -> tuple[np.ndarray, np.ndarray, float]:
    """(acc mg (n, 3), gyro deg/s (n, 3) bias-removed, duration s) at n equally spaced times."""
    t = sample_times(seq)
    tt = np.linspace(0.0, t[-1], n)
    gyr = np.asarray(seq.gyr_dps, dtype=np.float64)
    if cal is not None:
        gyr = gyr - cal.gyro_bias_dps
    acc = np.stack([np.interp(tt, t, seq.acc_mg[:, k]) for k in range(3)], axis=1)
    gy = np.stack([np.interp(tt, t, gyr[:, k]) for k in range(3)], axis=1)
    return acc, gy, float(t[-1])


def to_counts(seq: PenSequence, cal: Calibration | None = None, sensor: SensorSpec = MPU9250, remap=PEN_AXIS_REMAP) -> tuple[np.ndarray, int]:
    """(32, 9) int16 firmware input of one pen letter, and the number of saturated values."""
    acc, gyr, dur = resample_time(seq, cal)
    stretch = dur / T_FIRMWARE_S
    r = list(remap)
    raw = np.zeros((SAMPLES_PER_LETTER, 9))
    raw[:, 0:3] = acc[:, r] * acc_counts_per_mg(sensor)
    raw[:, 3:6] = gyr[:, r] * stretch * gyr_counts_per_dps(sensor)
    raw = np.round(raw)
    sat = int(np.sum((raw < -32768) | (raw > 32767)))
    return np.clip(raw, -32768, 32767).astype(np.int16), sat


def to_physical(counts: np.ndarray, sensor: SensorSpec = MPU9250) -> tuple[np.ndarray, np.ndarray]:
    """(acc m/s^2, gyr rad/s) of counts from ``to_counts`` (magnetometer unused)."""
    a, g, _ = sensor.scales()
    c = np.asarray(counts, dtype=np.float64)
    return c[:, 0:3] * a, c[:, 3:6] * g


__all__ = ["T_FIRMWARE_S", "parity_recordings", "acc_counts_per_mg", "gyr_counts_per_dps", "resample_time", "to_counts", "to_physical"]


def parity_recordings(chen_root, per_session: int = 4) -> list[tuple[str, np.ndarray]]:
    """Named (32, 9) int16 firmware inputs for parity vectors: ``per_session`` letters of every
    session, spread over the alphabet (letters ``k * 26 / per_session + session index``),
    the first valid sequence of each."""
    from ..data.chen2021 import load_chen2021
    from ..params import LETTERS

    cs = load_chen2021(chen_root)
    out: list[tuple[str, np.ndarray]] = []
    sessions = sorted(set(cs.sessions.tolist()))
    for si, sess in enumerate(sessions):
        mine = [s for s in cs.sequences if s.session == sess]
        have = sorted({s.label for s in mine})
        for k in range(per_session):
            want = LETTERS[(k * 26 // per_session + si) % 26]
            letter = want if want in have else have[(k + si) % len(have)]
            s = next(s for s in mine if s.label == letter)
            c, _ = to_counts(s, cs.calibrations.get(sess))
            out.append((f"chen_{sess}_{letter}_{s.seq_id}", c))
    return out


def recording_set(chen_root, every: int = 1, writers: list[str] | None = None):
    """Chen letters as a glove ``RecordingSet`` of firmware inputs (:func:`to_counts`): every
    ``every``-th valid sequence (of ``writers``, default all), users = writers, so that
    ``glovexfer evaluate --data SET --int8`` runs any shipped model's float and device paths on
    real recordings.  ``meta['simulated']`` is False."""
    from ..data.chen2021 import load_chen2021
    from ..data.recordings import RecordingSet

    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    cs = load_chen2021(chen_root)
    seqs = [s for s in cs.sequences if writers is None or s.writer in writers][::every]
    if not seqs:
        raise ValueError(f"{chen_root}: no Chen sequences for writers {writers}")
    counts, sat = [], 0
    for s in seqs:
        c, n = to_counts(s, cs.calibrations.get(s.session))
        counts.append(c)
        sat += n
    writer = np.array([s.writer for s in seqs])
    meta = {
        "simulated": False,
        "source": f"Chen et al. 2021 pen IMU, every {every}th valid sequence, glovexfer.chen.counts.to_counts",
        "saturated_values": sat,
    }
    return RecordingSet(np.stack(counts), np.array([s.label for s in seqs]), writer, MPU9250, meta, {"writer": writer})
