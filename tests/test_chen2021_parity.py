"""Real pen recordings (Chen et al. 2021) through the firmware core, bit-exact with the golden model.

The recordings become the firmware's raw input with ``glovexfer.chen.counts.to_counts``
(32 samples, time-stretched gyro, pen axis as sensor x, MPU-9250 counts, magnetometer zero),
so they exercise the 6-axis orientation path with real sensor noise.  The C++ host test
program (firmware/test/test_core.cpp) compares every intermediate stage.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from glovexfer.chen.counts import parity_recordings, to_physical
from glovexfer.export.vectors import write_vector_files
from glovexfer.golden.compare import quat_angle_deg
from glovexfer.golden.pipeline import run_golden
from glovexfer.pipeline import run

PER_SESSION = 4  # 15 sessions x 4 letters = 60 real recordings


@pytest.fixture(scope="module")
def recordings(chen2021_dir):
    return parity_recordings(chen2021_dir, PER_SESSION)


def test_real_recordings_are_six_axis_and_varied(recordings):
    assert len(recordings) == 15 * PER_SESSION
    names = [n for n, _ in recordings]
    assert len(set(names)) == len(names)
    c = np.stack([r for _, r in recordings])
    assert c.shape == (len(recordings), 32, 9) and c.dtype == np.int16
    assert np.all(c[:, :, 6:9] == 0)  # no magnetometer: the golden/firmware 6-axis path
    assert np.all(np.abs(c[:, :, 0:6]) < 32767)  # nothing saturated
    # real noise: no two samples of a channel repeat exactly along a recording
    assert np.mean(np.diff(c[:, :, 3:6], axis=1) != 0) > 0.95
    assert len({n.split("_")[-2] for n in names}) >= 20  # letters spread over the alphabet


def test_golden_six_axis_tracks_float_on_real_noise(recordings):
    """The integer 6-axis filter stays close to the float one on real recordings."""
    worst = 0.0
    for _, c in recordings:
        g = run_golden(c, with_image=False).to_float()
        a, w = to_physical(c)
        f = run(a, w, None, with_image=False)
        worst = max(worst, float(quat_angle_deg(g.quaternions, f.quaternions).max()))
    assert worst < 1e-4, f"golden vs float 6-axis orientation differs by {worst:.2e} deg"  # measured 1.1e-6


def test_firmware_bit_exact_on_real_recordings(core_test_program, recordings, tmp_path):
    paths = write_vector_files(tmp_path, recordings)
    r = subprocess.run([str(core_test_program), str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    last = r.stdout.strip().splitlines()[-1]
    assert last == f"{len(paths)} passed, 0 failed", r.stdout[-3000:]
    assert r.returncode == 0
