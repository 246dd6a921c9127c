"""Shared by the tests of the golden model's stages (tests/test_golden_*.py): imports, the
stated error bounds, hypothesis strategies and the simulated-recording fixtures.

Each golden stage is run on the same input as its float twin (quantised to the golden
format) and compared with a stated bound; the whole golden pipeline is compared with the
float pipeline on simulated glove recordings.
"""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import FrozenInstanceError, replace
from fractions import Fraction

import numpy as np
import pytest
from glovexfer.data.recordings import to_physical
from glovexfer.errors import PipelineError
from glovexfer.golden import fixed
from glovexfer.golden import normalise as g_normalise_mod
from glovexfer.golden import orientation as g_or
from glovexfer.golden import pipeline as g_pipeline_mod
from glovexfer.golden import points as g_points_mod
from glovexfer.golden import raster as g_raster_mod
from glovexfer.golden import resample as g_resample_mod
from glovexfer.golden import smooth as g_smooth_mod
from glovexfer.golden import thin as g_thin_mod
from glovexfer.golden.fixed import (
    HALF_TURN,
    ONE_Q30,
    QUARTER_TURN,
    TURN,
    asin_turns,
    atan2_turns,
    derive_fixed_params,
    div_round,
    isqrt_ceil,
    isqrt_floor,
    isqrt_round,
    isqrt_u64_bitwise,
    normalise_vec,
    rshift_round,
)
from glovexfer.golden.normalise import normalise as g_normalise
from glovexfer.golden.compare import (
    compare,
    quantise_angle,
    quantise_quat,
    quantise_unit,
    quat_angle_deg,
    wrap_rad,
)
from glovexfer.golden.pipeline import RAD_PER_UNIT, GoldenStages, run_golden
from glovexfer.golden.points import points_from_euler as g_points_from_euler
from glovexfer.golden.points import quat_to_euler as g_euler
from glovexfer.golden.points import unwrap_turns
from glovexfer.golden.raster import draw as g_draw
from glovexfer.golden.raster import raster as g_raster
from glovexfer.golden.raster import to_uint8
from glovexfer.golden.resample import (
    MAX_POINTS,
    chord_lengths,
    drop_repeats,
    spline_coefficients,
    spline_moments,
)
from glovexfer.golden.resample import resample as g_resample
from glovexfer.golden.smooth import smooth as g_smooth
from glovexfer.golden.thin import end_start_index as g_end_start_index
from glovexfer.golden.thin import thin_indices as g_thin_indices
from glovexfer.params import MPU9250, PAPER, SensorSpec
from glovexfer.pipeline import run as float_run
from glovexfer.pipeline.normalise import normalise as f_normalise
from glovexfer.pipeline.orientation import (
    initial_quaternion as f_initial,
)
from glovexfer.pipeline.orientation import (
    madgwick_imu_update as f_imu,
)
from glovexfer.pipeline.orientation import (
    madgwick_marg_update as f_marg,
)
from glovexfer.pipeline.orientation import (
    tilt_quaternion as f_tilt,
)
from glovexfer.pipeline.points import points_from_euler as f_points_from_euler
from glovexfer.pipeline.points import quat_to_euler as f_euler
from glovexfer.pipeline.raster import draw as f_draw
from glovexfer.pipeline.raster import raster as f_raster
from glovexfer.pipeline.resample import resample as f_resample
from glovexfer.pipeline.smooth import smooth as f_smooth
from glovexfer.pipeline.thin import end_start_index as f_end_start_index
from glovexfer.pipeline.thin import thin_indices as f_thin_indices
from glovexfer.simulate.recordings import simulated_recordings
from hypothesis import assume, given, settings
from hypothesis import strategies as st

FP = derive_fixed_params()
FAST = settings(max_examples=60, deadline=None)
SLOW = settings(max_examples=25, deadline=None)
U = float(ONE_Q30)
DEG_PER_UNIT = 360.0 / TURN

# ------------------------------------------------------------------ stated error bounds
ATAN2_MAX_ERR_DEG = 1.3e-5  # CORDIC atan2 / asin, full-range sweep (measured 1.27e-5)
QUAT_STEP_ERR_DEG = 2e-6  # one Madgwick step from the same Q30 quaternion
QUAT_RUN_ERR_DEG = 1e-5  # 32-sample orientation, golden vs float (measured ~1.3e-6)
EULER_ERR_DEG = 3e-5  # well-conditioned (|cos pitch| >= 0.05); measured ~1.4e-5
POINT_ERR_UNIT = (
    3e-5  # normalised / smoothed / resampled points, end to end (measured ~1.5e-5)
)
RESAMPLE_ERR_UNIT = (
    1e-7  # resample alone, chords >= 0.01 as thin leaves them (measured 5e-8)
)
IMAGE_ISO_ERR = 2e-4  # raster alone on identical canvases (measured 8.8e-5)
IMAGE_RUN_MEAN_ERR = (
    2e-3  # end to end, mean |diff| (pixel-rounding flips allowed; measured 2e-4)
)

counts16 = st.integers(-32768, 32767)
vec3 = st.tuples(counts16, counts16, counts16)


def quats(draw_tuple) -> np.ndarray:
    q = np.asarray(draw_tuple, dtype=np.float64)
    return q / np.linalg.norm(q)


unit_quats = (
    st.tuples(*[st.floats(-1, 1, allow_nan=False)] * 4)
    .filter(lambda t: sum(x * x for x in t) > 1e-3)
    .map(quats)
)


# ======================================================================== simulated data
@pytest.fixture(scope="module")
def sim_counts():
    """A few dozen simulated recordings (DigiLeTs letters when present, else synthetic)."""
    return simulated_recordings(24, seed=1)


@pytest.fixture(scope="module")
def sim_compare(sim_counts):
    return [compare(c, fp=FP) for c in sim_counts]


def _float_paths(min_n=1, max_n=32, lo=-3.0, hi=3.0):
    return st.lists(
        st.tuples(st.floats(lo, hi), st.floats(lo, hi)), min_size=min_n, max_size=max_n
    ).map(lambda v: np.array(v, dtype=np.float64))



@st.composite
def thinned_paths(draw, max_n=32):
    """Paths as thin leaves them (consecutive points >= 0.01 apart), from random walks."""
    n = draw(st.integers(1, max_n))
    steps = draw(
        st.lists(
            st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3)),
            min_size=n,
            max_size=n,
        )
    )
    p = np.cumsum(np.array(steps), axis=0)
    p = p - p.min(axis=0)
    p = p / max(np.ptp(p, axis=0).max(), 1e-9)
    pq = quantise_unit(np.clip(p, 0, 1))
    return pq[g_thin_indices(pq, FP)]


