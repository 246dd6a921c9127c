"""The golden pre-network pipeline: int16 counts (32, 9) -> every integer intermediate.

``run_golden`` is the bit-exact specification of what the firmware computes from one
recording, stage by stage (``GoldenStages``).  ``GoldenStages.to_float`` views the
integers in the float pipeline's units, for error measurement only, and
``measure_errors`` compares the golden model with the float reference on simulated
recordings and prints the table of docs/fixed-point.md::

    python -c "from glovexfer.golden.pipeline import measure_errors; measure_errors(500)"
"""

from __future__ import annotations

import math
import time
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


# ======================================================================================
# Float helpers: quantisers (tests) and error measurement.  Not part of the device path.
# ======================================================================================
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


def synthetic_letters(rng: np.random.Generator, n: int):
    """``n`` random smooth pen letters (``PenLetter``) for the simulator, when DigiLeTs is absent."""
    from ..data.digilets import PenLetter

    out = []
    for i in range(n):
        dur = float(rng.uniform(0.5, 1.0))
        k = int(dur * 50) + 1
        s = np.linspace(0.0, 1.0, k)
        xy = np.zeros((k, 2))
        for d in range(2):
            for f in range(1, 4):
                xy[:, d] += rng.normal(0, 0.1 / f) * np.sin(
                    2 * np.pi * f * s + rng.uniform(0, 2 * np.pi)
                )
        xy = 0.5 + 0.4 * xy / max(np.abs(xy).max(), 1e-9)
        pd = np.zeros(k, dtype=bool)
        pd[0] = True
        out.append(
            PenLetter(
                "999",
                "o",
                i % 5,
                xy,
                pd,
                np.linspace(0, dur, k),
                np.full(k, 0.5),
                "synthetic",
            )
        )
    return out


def simulated_recordings(
    n: int,
    seed: int = 0,
    digilets_root=None,
    sensor: SensorSpec = MPU9250,
    **style_changes,
) -> list[np.ndarray]:
    """``n`` simulated (32, 9) int16 recordings: DigiLeTs letters when found, else synthetic.

    ``style_changes`` override fields of every sampled ``UserStyle`` (e.g. ``heading_deg=180``).
    """
    from ..data.paths import find_dataset
    from ..simulate import sample_user_style, simulate_letter

    rng = np.random.default_rng(seed)
    root = (
        digilets_root
        if digilets_root is not None
        else find_dataset("digilets", required=False)
    )
    letters = []
    if root is not None:
        from ..data.digilets import list_writer_files, load_writer

        files = list_writer_files(root)
        for f in [
            files[i]
            for i in rng.permutation(len(files))[
                : max(1, min(len(files), (n + 25) // 26))
            ]
        ]:
            letters.extend(load_writer(f))
        letters = [letters[i] for i in rng.permutation(len(letters))[:n]]
    if len(letters) < n:
        letters.extend(synthetic_letters(rng, n - len(letters)))
    out = []
    for L in letters[:n]:
        style = sample_user_style(rng)
        if style_changes:
            style = style.replace(**style_changes)
        out.append(simulate_letter(L, style, rng, sensor=sensor).counts)
    return out


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


def measure_errors(
    n: int = 200,
    seed: int = 0,
    use_mag: bool = True,
    digilets_root=None,
    verbose: bool = True,
) -> dict:
    """Golden vs float on ``n`` simulated recordings; prints and returns the max of each error.

    Errors whose float reference is discontinuous in its input are reported separately:
    ``thin_differs`` counts the recordings where the golden model keeps other points than
    the float one (the resample and image rows are over the others), ``image_flips`` those
    where a stamp centre rounds to a neighbouring canvas pixel (image max |diff| > 1e-3).
    """
    recs = simulated_recordings(n, seed, digilets_root)
    fp = derive_fixed_params()
    worst: dict = {}
    differs = 0
    flips = 0
    t_golden = 0.0
    for c in recs:
        t0 = time.perf_counter()
        run_golden(c, fp=fp, use_mag=use_mag)
        t_golden += time.perf_counter() - t0
        e = compare(c, use_mag=use_mag, fp=fp)
        if not e["thin_same"]:
            differs += 1
        elif e["image_max"] > 1e-3:
            flips += 1
        for k, v in e.items():
            if k == "thin_same" or (
                not e["thin_same"] and k in ("resampled", "image_max", "image_mean")
            ):
                continue
            worst[k] = max(worst.get(k, 0.0), v)
    worst["thin_differs"] = differs
    worst["image_flips"] = flips
    worst["n"] = len(recs)
    worst["run_golden_ms"] = 1000.0 * t_golden / max(1, len(recs))
    if verbose:
        print(
            f"golden vs float, {len(recs)} simulated recordings (seed {seed}, {'9' if use_mag else '6'}-axis)"
        )
        print(f"| {'stage':45s} | {'max error':>10s} | unit |")
        print(f"|{'-' * 47}|{'-' * 12}|------|")
        for k, name, unit in ERROR_ROWS:
            print(f"| {name:45s} | {worst.get(k, float('nan')):10.3g} | {unit} |")
        print(
            f"thin decisions differ in {differs} of {len(recs)} recordings; a stamp centre rounds to another pixel (image max |diff| > 1e-3) in {flips}"
        )
        print(f"run_golden: {worst['run_golden_ms']:.1f} ms per recording (Python)")
    return worst


__all__ = [
    "BATCH_CHUNK",
    "GoldenBatch",
    "GoldenStages",
    "compare",
    "measure_errors",
    "quantise_angle",
    "quantise_quat",
    "quantise_unit",
    "quat_angle_deg",
    "run_golden",
    "run_golden_batch",
    "simulated_recordings",
    "synthetic_letters",
    "wrap_rad",
]
