"""The float reference pipeline: one glove recording -> 100 points -> 28x28 image.

Stages (one module each, each a small deterministic function)::

    orientation  (n,3) acc, gyr[, mag] -> (n,4) quaternions     Madgwick filter
    points       (n,4) -> (n,3) euler -> (n,2) (x, y) radians    (yaw, pitch) rotated by pi
    normalise    (n,2) -> (n,2) in [0,1]^2, aspect kept
    smooth       (n,2) -> (n,2) centred moving average
    thin         (n,2) -> (m,2) close points dropped
    resample     (m,2) -> (100,2) natural cubic spline over chord length
    raster       (100,2) -> (28,28) image in [0,1]
    signals      (n,4) quaternions + acc, gyr -> (n,9) writer-frame signals (signal network)

Every stage raises ``PipelineError(stage, message)`` on NaN/inf or badly shaped input
and never returns NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import PAPER, PipelineParams
from .normalise import normalise
from .orientation import initial_quaternion, madgwick_imu_update, madgwick_marg_update, orientation
from .points import points, points_from_euler, quat_to_euler
from .raster import raster
from .resample import resample
from .smooth import smooth
from .thin import thin

#: Batch helpers show a tqdm progress bar above this many items (if ``progress``).
PROGRESS_MIN_ITEMS = 200


@dataclass
class Stages:
    """Every intermediate result of one recording (float64)."""

    quaternions: np.ndarray  # (n, 4) sensor -> world (NWU)
    euler: np.ndarray  # (n, 3) yaw, pitch, roll [rad]
    points: np.ndarray  # (n, 2) (x, y) [rad], x right, y up
    normalised: np.ndarray  # (n, 2) in [0, 1]^2
    smoothed: np.ndarray  # (n, 2)
    thinned: np.ndarray  # (m, 2), 1 <= m <= n
    resampled: np.ndarray  # (resample_points, 2) in [0, 1]^2
    image: np.ndarray | None  # (raster_out_px, raster_out_px) in [0, 1], None if not asked for


def clean_trajectory(xy, params: PipelineParams = PAPER) -> np.ndarray:
    """normalise -> smooth -> thin -> resample of a 2D path (x right, y up).

    The source-domain path for DigiLeTs pen trajectories; glove data go through the same
    four stages inside ``run``.  Returns (params.resample_points, 2) float64 in [0, 1].
    """
    p = normalise(xy)
    p = smooth(p, params.smooth_window)
    p = thin(p, params.thin_min_dist, params.thin_end_min_dist, params.thin_end_fraction)
    return resample(p, params.resample_points)


def run(acc, gyr, mag=None, params: PipelineParams = PAPER, with_image: bool = True) -> Stages:
    """The whole float pipeline on one recording in physical units.

    Parameters
    ----------
    acc : (n, 3) m/s^2;  gyr : (n, 3) rad/s;  mag : (n, 3) uT or None (6-axis mode).
    params : PipelineParams
    with_image : bool
        Also rasterise (``Stages.image`` is None otherwise).
    """
    q = orientation(acc, gyr, mag, params.madgwick_beta, params.sample_rate_hz)
    eul = quat_to_euler(q)
    pts = points_from_euler(eul, params.points_rotation_rad)  # == points(q, ...)
    nrm = normalise(pts)
    smo = smooth(nrm, params.smooth_window)
    thn = thin(smo, params.thin_min_dist, params.thin_end_min_dist, params.thin_end_fraction)
    res = resample(thn, params.resample_points)
    img = raster(res, params) if with_image else None
    return Stages(q, eul, pts, nrm, smo, thn, res, img)


def run_recording(rec, params: PipelineParams = PAPER, with_image: bool = True, use_mag: bool = True) -> Stages:
    """``run`` on a ``Recording`` (its physical acc, gyr, mag).

    ``use_mag=False`` ignores the magnetometer (6-axis mode).  A recording whose
    magnetometer columns are all zero gives the 6-axis result either way.
    """
    phys = rec.physical
    return run(phys[:, 0:3], phys[:, 3:6], phys[:, 6:9] if use_mag else None, params, with_image)


def _progress(it, n: int, progress: bool, desc: str, unit: str):
    if progress and n > PROGRESS_MIN_ITEMS:
        from tqdm import tqdm

        return tqdm(it, total=n, desc=desc, unit=unit)
    return it


def sequences(recset, params: PipelineParams = PAPER, progress: bool = True, desc: str = "glove sequences", use_mag: bool = True) -> np.ndarray:
    """(N, resample_points, 2) float32: the resampled points of every recording of a ``RecordingSet``."""
    n = len(recset)
    out = np.empty((n, params.resample_points, 2), dtype=np.float32)
    for i in _progress(range(n), n, progress, desc, "rec"):
        out[i] = run_recording(recset[i], params, with_image=False, use_mag=use_mag).resampled
    return out


def images(seqs, params: PipelineParams = PAPER, progress: bool = True, desc: str = "images") -> np.ndarray:
    """(N, raster_out_px, raster_out_px) float32: ``raster`` of every (n, 2) sequence in ``seqs``."""
    seqs = np.asarray(seqs)
    n = len(seqs)
    k = params.raster_out_px
    out = np.empty((n, k, k), dtype=np.float32)
    for i in _progress(range(n), n, progress, desc, "img"):
        out[i] = raster(np.asarray(seqs[i], dtype=np.float64), params)
    return out


# Note: the names above shadow the stage modules of the same name on the package
# (``glovexfer.pipeline.points`` is the function); import a module's helpers with
# ``from glovexfer.pipeline.points import ...``.

__all__ = [
    "Stages",
    "run",
    "run_recording",
    "clean_trajectory",
    "sequences",
    "images",
    "orientation",
    "initial_quaternion",
    "madgwick_imu_update",
    "madgwick_marg_update",
    "quat_to_euler",
    "points",
    "normalise",
    "smooth",
    "thin",
    "resample",
    "raster",
]
