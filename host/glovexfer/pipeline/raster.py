"""Stage 7: draw a normalised path as a 28x28 image (white letter on black, like EMNIST).

Every step is chosen so an integer implementation can reproduce it exactly:

1. **Map** ``[0, 1]^2`` to pixel-centre coordinates of a ``C x C`` canvas (``C =
   raster_canvas_px``) with margin ``M``: ``col = M + x S``, ``row = M + (1 - y) S``,
   ``S = C - 1 - 2 M`` (y up, row 0 is the top).  Inputs are clipped to [0, 1] first.
2. **Draw**: each segment ``a -> b`` is sampled at ``k + 1`` equally spaced positions,
   ``k = max(1, ceil(|b - a| / 0.5))`` (step <= 0.5 px); each position is rounded half up
   (``floor(v + 0.5)``) to a pixel, and a disc of diameter ``w = raster_line_width_px``
   (offsets ``(dr, dc)`` with ``4 (dr^2 + dc^2) <= w^2``) is set to 1.  A single point
   draws one disc.
3. **Blur**: separable Gaussian, kernel ``K = raster_blur_kernel_px`` taps,
   ``g[i] = exp(-(i - K//2)^2 / (2 sigma^2))`` normalised to sum 1, zero padding,
   output the size of the input: ``img = G @ img @ G.T`` with the banded (C, C) matrix
   ``G[r, c] = g[c - r + K//2]``.
4. **Downscale** by exact area averaging to ``N = raster_out_px``: ``W[j, i]`` is the
   overlap of input pixel ``[i, i+1)`` with output pixel ``[j C/N, (j+1) C/N)`` divided
   by ``C/N`` (rows sum to 1; computed in integers, units of ``1/N`` px);
   ``img = W @ img @ W.T``.
5. **Scale** to [0, 1] by dividing by the maximum (if positive).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..errors import PipelineError
from ..params import PAPER, PipelineParams
from .normalise import _as_points

STAGE = "raster"

#: Largest step (in canvas pixels) between two stamped positions along a segment.
MAX_STEP_PX = 0.5


def check_raster_params(params: PipelineParams) -> None:
    """PipelineError unless the raster parameters leave room to draw (shared with the
    golden model's constants)."""
    c, m, w, k, n = (
        params.raster_canvas_px,
        params.raster_margin_px,
        params.raster_line_width_px,
        params.raster_blur_kernel_px,
        params.raster_out_px,
    )
    if not (c >= 2 and 0 <= m and c - 1 - 2 * m > 0):
        raise PipelineError(STAGE, f"canvas {c} px with margin {m} px leaves no room to draw")
    if w < 1 or k < 1 or k % 2 == 0 or n < 1 or n > c or not params.raster_blur_sigma_px > 0:
        raise PipelineError(STAGE, f"bad raster parameters (width {w}, kernel {k}, sigma {params.raster_blur_sigma_px}, out {n})")


@lru_cache(maxsize=8)
def disc_offsets(width_px: int) -> np.ndarray:
    """(k, 2) int64 offsets (dr, dc) of a disc of diameter ``width_px``: ``4 (dr^2 + dc^2) <= w^2``."""
    r = width_px // 2
    d = np.arange(-r, r + 1)
    dr, dc = np.meshgrid(d, d, indexing="ij")
    ok = 4 * (dr * dr + dc * dc) <= width_px * width_px
    out = np.stack([dr[ok], dc[ok]], axis=1).astype(np.int64)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=8)
def gaussian_kernel(size_px: int, sigma_px: float) -> np.ndarray:
    """(size_px,) Gaussian taps ``exp(-(i - size//2)^2 / (2 sigma^2))`` normalised to sum 1."""
    x = np.arange(size_px) - size_px // 2
    g = np.exp(-(x * x) / (2.0 * sigma_px * sigma_px))
    g = g / g.sum()
    g.flags.writeable = False
    return g


@lru_cache(maxsize=8)
def blur_matrix(canvas_px: int, size_px: int, sigma_px: float) -> np.ndarray:
    """(C, C) banded matrix of the zero-padded 'same' Gaussian filter: ``G[r, c] = g[c - r + K//2]``."""
    g = gaussian_kernel(size_px, sigma_px)
    h = size_px // 2
    G = np.zeros((canvas_px, canvas_px))
    for r in range(canvas_px):
        lo, hi = max(0, r - h), min(canvas_px, r + h + 1)
        G[r, lo:hi] = g[lo - r + h : hi - r + h]
    G.flags.writeable = False
    return G


@lru_cache(maxsize=8)
def area_matrix(out_px: int, in_px: int) -> np.ndarray:
    """(out, in) exact area-overlap weights; each row sums to 1.

    In units of ``1/out`` input pixels, input pixel i spans ``[out i, out (i+1))`` and
    output pixel j spans ``[in j, in (j+1))``; ``W[j, i] = overlap / in``.
    """
    i = np.arange(in_px)[None, :]
    j = np.arange(out_px)[:, None]
    overlap = np.minimum(out_px * (i + 1), in_px * (j + 1)) - np.maximum(out_px * i, in_px * j)
    W = np.clip(overlap, 0, None) / in_px
    W.flags.writeable = False
    return W


def to_canvas(p: np.ndarray, params: PipelineParams = PAPER) -> np.ndarray:
    """(n, 2) float (row, col) canvas coordinates of points in [0, 1]^2 (clipped first)."""
    c, m = params.raster_canvas_px, params.raster_margin_px
    s = c - 1 - 2 * m
    q = np.clip(p, 0.0, 1.0)
    return np.stack([m + (1.0 - q[:, 1]) * s, m + q[:, 0] * s], axis=1)


def stamp_centres(rc: np.ndarray) -> np.ndarray:
    """(k, 2) int64 pixel (row, col) positions stamped along the polyline ``rc`` (n, 2)."""
    if rc.shape[0] == 1:
        pos = rc
    else:
        parts = []
        for a, b in zip(rc[:-1], rc[1:]):
            d = b - a
            k = max(1, math.ceil(math.sqrt(float(d @ d)) / MAX_STEP_PX))
            t = np.arange(k + 1) / k
            parts.append(a[None, :] + t[:, None] * d[None, :])
        pos = np.concatenate(parts)
    return np.floor(pos + 0.5).astype(np.int64)


def draw(p: np.ndarray, params: PipelineParams = PAPER) -> np.ndarray:
    """(C, C) float64 canvas of 0s and 1s with the polyline drawn (steps 1-2)."""
    c = params.raster_canvas_px
    canvas = np.zeros((c, c))
    centres = np.unique(stamp_centres(to_canvas(p, params)), axis=0)
    for dr, dc in disc_offsets(params.raster_line_width_px):
        r = centres[:, 0] + dr
        q = centres[:, 1] + dc
        ok = (r >= 0) & (r < c) & (q >= 0) & (q < c)
        canvas[r[ok], q[ok]] = 1.0
    return canvas


def raster(p100, params: PipelineParams = PAPER) -> np.ndarray:
    """Render a normalised path as a small grey-level image.

    Parameters
    ----------
    p100 : (n, 2) array_like
        Points in [0, 1]^2, x right and y up (typically the 100 resampled points);
        n >= 1; values outside [0, 1] are clipped.
    params : PipelineParams
        ``raster_*`` fields: canvas, margin, line width, blur kernel and sigma, output size.

    Returns
    -------
    (raster_out_px, raster_out_px) float64 in [0, 1], max exactly 1: white (1) strokes
    on black (0), row 0 at the top.  See the module docstring for the exact steps.
    """
    a = _as_points(p100, STAGE)
    check_raster_params(params)
    canvas = draw(a, params)
    G = blur_matrix(params.raster_canvas_px, params.raster_blur_kernel_px, float(params.raster_blur_sigma_px))
    W = area_matrix(params.raster_out_px, params.raster_canvas_px)
    WG = W @ G
    img = WG @ canvas @ WG.T
    mx = img.max()
    if mx > 0:
        img = img / mx
    return np.clip(img, 0.0, 1.0)


__all__ = ["check_raster_params", "raster", "draw", "to_canvas", "stamp_centres", "disc_offsets", "gaussian_kernel", "blur_matrix", "area_matrix"]
