"""The float pipeline on simulated glove recordings (the shipped demo set: no data set needed)."""

from __future__ import annotations

import numpy as np
import pytest

from glovexfer.cli import demo_set_path
from glovexfer.data.recordings import RecordingSet
from glovexfer.params import PAPER
from glovexfer.pipeline import orientation, run_recording, sequences

ahrs = pytest.importorskip("ahrs")


@pytest.fixture(scope="module")
def demo():
    return RecordingSet.load(demo_set_path())


def _ahrs_quaternions(acc, gyr, mag):
    from ahrs.filters import Madgwick

    f = Madgwick(gyr=gyr, acc=acc, mag=mag, frequency=PAPER.sample_rate_hz, gain=PAPER.madgwick_beta)
    return f.Q


def test_madgwick_matches_ahrs_on_simulated_recordings(demo):
    """Every one of the 156 simulated recordings: quaternion difference < 1e-6 (9-axis)."""
    worst = 0.0
    for i in range(len(demo)):
        rec = demo[i]
        ours = orientation(rec.acc, rec.gyr, rec.mag)
        ref = _ahrs_quaternions(rec.acc, rec.gyr, rec.mag)
        sign = np.sign(np.sum(ours * ref, axis=1, keepdims=True))
        worst = max(worst, float(np.max(np.abs(ours - sign * ref))))
    assert worst < 1e-6, worst


def test_madgwick_6axis_matches_ahrs_on_simulated_recordings(demo):
    from ahrs.filters import Madgwick

    worst = 0.0
    for i in range(0, len(demo), 3):
        rec = demo[i]
        ours = orientation(rec.acc, rec.gyr, None)
        ref = Madgwick(gyr=rec.gyr, acc=rec.acc, frequency=PAPER.sample_rate_hz, gain=PAPER.madgwick_beta, q0=ours[0]).Q
        sign = np.sign(np.sum(ours * ref, axis=1, keepdims=True))
        worst = max(worst, float(np.max(np.abs(ours - sign * ref))))
    assert worst < 1e-6, worst


def test_every_simulated_recording_gives_100_points_in_the_unit_square(demo):
    seq = sequences(demo, progress=False)
    assert seq.shape == (len(demo), 100, 2) and np.isfinite(seq).all()
    assert seq.min() >= 0.0 and seq.max() <= 1.0
    # each letter spans the unit box on its larger axis (normalise keeps the aspect ratio)
    span = seq.max(axis=1) - seq.min(axis=1)
    assert np.all(span.max(axis=1) > 0.9)


def test_images_are_white_letters_on_black(demo):
    st = run_recording(demo[0])
    img = st.image
    assert img.shape == (28, 28) and img.max() == pytest.approx(1.0) and img.min() >= 0
    # the border is background: the margin keeps the letter inside
    assert img[0].max() < 0.05 and img[-1].max() < 0.05 and img[:, 0].max() < 0.05 and img[:, -1].max() < 0.05
