"""The golden model against its float twin: quantisers of float values into the golden
formats and ``compare`` (per-stage and stage-isolated errors of one recording).  For tests
and error measurements (tools/golden_errors.py); not part of the device path."""

from __future__ import annotations

import math

import numpy as np

from ..params import MPU9250, PAPER, PipelineParams, SensorSpec
from .fixed import Q30, Q_IMAGE, Q_UNIT, FixedParams, derive_fixed_params
from .normalise import normalise
from .pipeline import RAD_PER_UNIT, run_golden
from .points import quat_to_euler
from .raster import raster
from .resample import resample
from .smooth import smooth


def quantise_quat(q) -> np.ndarray:
    """Float unit quaternions -> int32 Q30 (round half up)."""
    return np.floor(np.asarray(q, dtype=np.float64) * (1 << Q30) + 0.5).astype(np.int32)


def quantise_angle(rad) -> np.ndarray:
    """Radians -> int32 angle units (2^-24 turn)."""
    return np.floor(np.asarray(rad, dtype=np.float64) / RAD_PER_UNIT + 0.5).astype(
        np.int32
    )


def quantise_unit(p) -> np.ndarray:
    """[0, 1] floats -> int32 Q30."""
    return np.floor(np.asarray(p, dtype=np.float64) * (1 << Q_UNIT) + 0.5).astype(
        np.int32
    )


def quat_angle_deg(q1, q2) -> np.ndarray:
    """Rotation angle (deg) between float quaternions (normalised first; sign-insensitive;
    ``4 asin(|q1 - q2| / 2)``, accurate for tiny angles unlike ``2 acos(|q1.q2|)``)."""
    a = np.asarray(q1, dtype=np.float64)
    b = np.asarray(q2, dtype=np.float64)
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    sg = np.where(np.sum(a * b, axis=-1, keepdims=True) < 0, -1.0, 1.0)
    return np.degrees(
        4.0 * np.arcsin(np.clip(np.linalg.norm(a - sg * b, axis=-1) / 2.0, 0.0, 1.0))
    )


def wrap_rad(d) -> np.ndarray:
    """Angle differences wrapped into [-pi, pi)."""
    return (np.asarray(d, dtype=np.float64) + math.pi) % (2 * math.pi) - math.pi


def compare(
    counts,
    sensor: SensorSpec = MPU9250,
    params: PipelineParams = PAPER,
    use_mag: bool = True,
    fp: FixedParams | None = None,
) -> dict:
    """Golden vs float on one recording: per-stage errors (float units) and stage-isolated errors."""
    from ..data.recordings import to_physical
    from ..pipeline import run
    from ..pipeline.normalise import normalise as f_normalise
    from ..pipeline.points import quat_to_euler as f_euler
    from ..pipeline.raster import raster as f_raster
    from ..pipeline.resample import resample as f_resample
    from ..pipeline.smooth import smooth as f_smooth

    fp = fp or derive_fixed_params(params, sensor)
    c = np.asarray(counts)
    ph = to_physical(c, sensor)
    f = run(ph[:, 0:3], ph[:, 3:6], ph[:, 6:9] if use_mag else None, params)
    g = run_golden(c, sensor, params, use_mag=use_mag, fp=fp)
    gf = g.to_float()
    e = {}
    e["quat_deg"] = float(quat_angle_deg(gf.quaternions, f.quaternions).max())
    de = np.degrees(np.abs(wrap_rad(gf.euler - f.euler)))
    e["yaw_deg"], e["pitch_deg"], e["roll_deg"] = (
        float(de[:, k].max()) for k in range(3)
    )
    dp = gf.points - f.points
    dp[:, 0] -= (
        2 * math.pi * np.round(dp[0, 0] / (2 * math.pi))
    )  # unwrap may start on the other branch
    e["points_deg"] = float(np.degrees(np.abs(dp).max()))
    e["normalised"] = float(np.abs(gf.normalised - f.normalised).max())
    e["smoothed"] = float(np.abs(gf.smoothed - f.smoothed).max())
    fkeep = _float_thin_keep(f.smoothed, params)
    e["thin_same"] = bool(
        len(fkeep) == len(g.thin_keep) and np.array_equal(fkeep, g.thin_keep)
    )
    e["resampled"] = float(np.abs(gf.resampled - f.resampled).max())
    e["image_max"] = float(np.abs(gf.image - f.image).max())
    e["image_mean"] = float(np.abs(gf.image - f.image).mean())
    # stage-isolated: the golden stage on the float stage's input, quantised
    e["iso_euler_deg"] = float(
        np.degrees(
            np.abs(
                wrap_rad(
                    quat_to_euler(quantise_quat(f.quaternions), fp) * RAD_PER_UNIT
                    - f_euler(f.quaternions)
                )
            )
        ).max()
    )
    e["iso_normalise"] = float(
        np.abs(
            normalise(quantise_angle(f.points)) / (1 << Q_UNIT) - f_normalise(f.points)
        ).max()
    )
    e["iso_smooth"] = float(
        np.abs(
            smooth(quantise_unit(f.normalised), fp.smooth_window) / (1 << Q_UNIT)
            - f_smooth(f.normalised, params.smooth_window)
        ).max()
    )
    e["iso_resample"] = float(
        np.abs(
            resample(quantise_unit(f.thinned), fp) / (1 << Q_UNIT)
            - f_resample(f.thinned, params.resample_points)
        ).max()
    )
    img = raster(quantise_unit(f.resampled), fp) / float(1 << Q_IMAGE)
    e["iso_image_max"] = float(np.abs(img - f_raster(f.resampled, params)).max())
    return e


def _float_thin_keep(smoothed, params: PipelineParams) -> np.ndarray:
    from ..pipeline.thin import thin_indices as f_thin_indices

    return f_thin_indices(
        np.asarray(smoothed, dtype=np.float64),
        params.thin_min_dist,
        params.thin_end_min_dist,
        params.thin_end_fraction,
    )


ERROR_ROWS = [
    ("quat_deg", "orientation: quaternion angle", "deg"),
    ("yaw_deg", "euler: yaw", "deg"),
    ("pitch_deg", "euler: pitch", "deg"),
    ("roll_deg", "euler: roll", "deg"),
    ("iso_euler_deg", "euler alone (from Q30 of the float q)", "deg"),
    ("points_deg", "points (x, y)", "deg"),
    ("normalised", "normalise", "unit square"),
    ("iso_normalise", "normalise alone", "unit square"),
    ("smoothed", "smooth", "unit square"),
    ("iso_smooth", "smooth alone", "unit square"),
    ("resampled", "resample (same thin decisions)", "unit square"),
    ("iso_resample", "resample alone", "unit square"),
    ("image_max", "image, max |diff| (same thin decisions)", "[0, 1]"),
    ("image_mean", "image, mean |diff| (same thin decisions)", "[0, 1]"),
    ("iso_image_max", "raster alone, max |diff|", "[0, 1]"),
]


__all__ = ["ERROR_ROWS", "compare", "quantise_angle", "quantise_quat", "quantise_unit", "quat_angle_deg", "wrap_rad"]
