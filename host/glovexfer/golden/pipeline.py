"""The golden pre-network pipeline: int16 counts (32, 9) -> every integer intermediate.

``run_golden`` is the bit-exact specification of what the firmware computes from one
recording, stage by stage (``GoldenStages``); ``run_golden_batch`` computes the same
integers for a batch of recordings at once (``GoldenBatch``).  ``GoldenStages.to_float``
views the integers in the float pipeline's units; ``golden.compare`` holds the error
measurements against the float reference (tools/golden_errors.py prints the table of
docs/fixed-point.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import PipelineError
from ..params import MPU9250, PAPER, SAMPLES_PER_LETTER, PipelineParams, SensorSpec
from .fixed import ANGLE_BITS, Q30, Q_IMAGE, Q_UNIT, FixedParams, derive_fixed_params
from .normalise import normalise, normalise_batch
from .orientation import orientation, orientation_batch
from .points import points_from_euler, points_from_euler_batch, quat_to_euler, quat_to_euler_batch
from .raster import raster, raster_batch
from .resample import resample, resample_batch
from .signals import signals as signals_stage
from .signals import signals_batch
from .smooth import smooth, smooth_batch
from .thin import thin_indices, thin_mask_batch

STAGE = "golden"

#: Angle units (2^-24 turn) -> radians.
RAD_PER_UNIT = 2.0 * math.pi / (1 << ANGLE_BITS)


@dataclass
class GoldenStages:
    """Every intermediate of one recording, integers (formats: docs/fixed-point.md)."""

    quaternions: np.ndarray  # (n, 4) int32 Q30, sensor -> world (NWU)
    euler: np.ndarray  # (n, 3) int32 yaw, pitch, roll in 2^-24 turn
    points: np.ndarray  # (n, 2) int32 (x, y) in 2^-24 turn (yaw unwrapped, rotated)
    normalised: np.ndarray  # (n, 2) int32 Q30 in [0, 2^30]
    smoothed: np.ndarray  # (n, 2) int32 Q30
    thin_keep: np.ndarray  # (m,) int32 indices kept by thin
    thinned: np.ndarray  # (m, 2) int32 Q30
    resampled: np.ndarray  # (resample_points, 2) int32 Q30 in [0, 2^30]
    image: np.ndarray | None  # (out, out) int32 Q15 in [0, 2^15], None if not asked for
    signals: np.ndarray | None = None  # (n, 9) int32 golden.signals, None if not asked for

    def to_float(self):
        """The same numbers in the float pipeline's units (a ``glovexfer.pipeline.Stages``)."""
        from ..pipeline import Stages

        u = 1.0 / (1 << Q_UNIT)
        return Stages(
            quaternions=self.quaternions / float(1 << Q30),
            euler=self.euler * RAD_PER_UNIT,
            points=self.points * RAD_PER_UNIT,
            normalised=self.normalised * u,
            smoothed=self.smoothed * u,
            thinned=self.thinned * u,
            resampled=self.resampled * u,
            image=None if self.image is None else self.image / float(1 << Q_IMAGE),
        )


def _check_counts(counts) -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] != 9 or c.shape[0] < 1:
        raise PipelineError(STAGE, f"counts must have shape (n>=1, 9), got {c.shape}")
    if c.shape[0] > SAMPLES_PER_LETTER:
        raise PipelineError(
            STAGE,
            f"at most {SAMPLES_PER_LETTER} samples (the range proofs' bound), got {c.shape[0]}",
        )
    if c.dtype != np.int16:
        raise PipelineError(STAGE, f"counts must be int16, got {c.dtype}")
    return c


def run_golden(
    counts,
    sensor: SensorSpec = MPU9250,
    params: PipelineParams = PAPER,
    with_image: bool = True,
    use_mag: bool = True,
    fp: FixedParams | None = None,
    with_signals: bool = False,
) -> GoldenStages:
    """The whole golden pipeline on one recording of raw counts.

    Parameters
    ----------
    counts : (n, 9) int16, n <= 32 -- acc, gyr, mag columns (``Recording.counts``).
    sensor, params : the float parameters; the integer constants are
        ``derive_fixed_params(params, sensor)`` (or ``fp`` when given).
    with_image : also rasterise (``image`` is None otherwise).
    use_mag : False ignores the magnetometer (6-axis); an all-zero magnetometer gives
        the 6-axis result either way.
    with_signals : also compute the ``signals`` stage (``glovexfer.golden.signals``, the
        signal network's input; None otherwise).
    """
    c = _check_counts(counts)
    fp = fp or derive_fixed_params(params, sensor)
    q = orientation(c[:, 0:3], c[:, 3:6], c[:, 6:9] if use_mag else None, fp)
    eul = quat_to_euler(q, fp)
    pts = points_from_euler(eul, fp)
    nrm = normalise(pts)
    smo = smooth(nrm, fp.smooth_window)
    keep = thin_indices(smo, fp)
    thn = smo[keep]
    res = resample(thn, fp)
    img = raster(res, fp) if with_image else None
    sig = signals_stage(c, q) if with_signals else None
    return GoldenStages(q, eul, pts, nrm, smo, keep, thn, res, img, sig)


# --------------------------------------------------------------------------------------
# The same pipeline over a batch of recordings
# --------------------------------------------------------------------------------------
#: Recordings per slice of ``run_golden_batch`` (bounds the memory of the raster stage).
BATCH_CHUNK = 512


@dataclass
class GoldenBatch:
    """``GoldenStages`` of B recordings of the same length, stacked on a leading axis.

    ``thin_mask`` (B, n) bool replaces ``thin_keep``/``thinned`` (a different number of
    points per recording); ``at(i)`` gives recording ``i``'s ``GoldenStages``."""

    quaternions: np.ndarray  # (B, n, 4)
    euler: np.ndarray  # (B, n, 3)
    points: np.ndarray  # (B, n, 2)
    normalised: np.ndarray  # (B, n, 2)
    smoothed: np.ndarray  # (B, n, 2)
    thin_mask: np.ndarray  # (B, n) bool
    resampled: np.ndarray  # (B, resample_points, 2)
    image: np.ndarray | None  # (B, out, out)
    signals: np.ndarray | None = None  # (B, n, 9)

    def __len__(self) -> int:
        return self.quaternions.shape[0]

    def at(self, i: int) -> GoldenStages:
        keep = np.flatnonzero(self.thin_mask[i]).astype(np.int32)
        return GoldenStages(
            self.quaternions[i], self.euler[i], self.points[i], self.normalised[i], self.smoothed[i],
            keep, self.smoothed[i][keep], self.resampled[i],
            None if self.image is None else self.image[i],
            None if self.signals is None else self.signals[i],
        )

    @staticmethod
    def concat(parts: list[GoldenBatch]) -> GoldenBatch:
        def cat(name):
            vals = [getattr(p, name) for p in parts]
            return None if vals[0] is None else np.concatenate(vals)

        return GoldenBatch(*(cat(f) for f in GoldenBatch.__dataclass_fields__))


def _check_counts_batch(counts) -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim != 3 or c.shape[2] != 9 or c.shape[1] < 1 or c.shape[0] < 1:
        raise PipelineError(STAGE, f"counts must have shape (B>=1, n>=1, 9), got {c.shape}")
    if c.shape[1] > SAMPLES_PER_LETTER:
        raise PipelineError(STAGE, f"at most {SAMPLES_PER_LETTER} samples (the range proofs' bound), got {c.shape[1]}")
    if c.dtype != np.int16:
        raise PipelineError(STAGE, f"counts must be int16, got {c.dtype}")
    return c


def run_golden_batch(
    counts,
    sensor: SensorSpec = MPU9250,
    params: PipelineParams = PAPER,
    with_image: bool = True,
    use_mag: bool = True,
    fp: FixedParams | None = None,
    with_signals: bool = False,
) -> GoldenBatch:
    """``run_golden`` of B recordings of the same length at once: ``counts`` (B, n, 9) int16.

    Recording for recording the same integers as ``run_golden`` (the per-recording
    functions are the readable reference; tests compare the two).  Arguments as
    ``run_golden``; recordings of different lengths go in separate calls.
    """
    c = _check_counts_batch(counts)
    fp = fp or derive_fixed_params(params, sensor)
    parts = []
    for k in range(0, c.shape[0], BATCH_CHUNK):
        b = c[k : k + BATCH_CHUNK]
        q = orientation_batch(b[:, :, 0:3], b[:, :, 3:6], b[:, :, 6:9] if use_mag else None, fp)
        eul = quat_to_euler_batch(q, fp)
        pts = points_from_euler_batch(eul, fp)
        nrm = normalise_batch(pts)
        smo = smooth_batch(nrm, fp.smooth_window)
        keep = thin_mask_batch(smo, fp)
        res = resample_batch(smo, keep, fp)
        img = raster_batch(res, fp) if with_image else None
        sig = signals_batch(b, q) if with_signals else None
        parts.append(GoldenBatch(q, eul, pts, nrm, smo, keep, res, img, sig))
    return parts[0] if len(parts) == 1 else GoldenBatch.concat(parts)


__all__ = [
    "BATCH_CHUNK",
    "GoldenBatch",
    "GoldenStages",
    "run_golden",
    "run_golden_batch",
]
