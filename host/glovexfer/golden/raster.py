"""Golden stage 7: Q30 points -> 28 x 28 image, integers only.

Integer twin of ``glovexfer.pipeline.raster`` (same steps, see its module docstring):

1. **Map** to canvas coordinates in Q20 pixels (int32, <= 127 * 2^20 < 2^27):
   ``col = (M << 20) + rshift_round(x S, 10)``, ``row = (M << 20) + rshift_round((2^30 - y) S, 10)``
   (``x, y`` Q30 clamped to [0, 2^30] first; ``S = C - 1 - 2M``; ``x S <= 95 * 2^30``, int64).
2. **Draw**: segment ``a -> b`` (``d = b - a``, Q20): ``k = max(1, ceil(2 |d|))`` computed
   exactly as ``ceil(isqrt_ceil(4 |d|^2) / 2^20)`` (``4 |d|^2 <= 2^57``); positions
   ``a + div_round(i d, k)``, i = 0..k; pixel ``(v + 2^19) >> 20`` (= ``floor(v + 0.5)``);
   a disc (``4 (dr^2 + dc^2) <= w^2``) set to 1 on a uint8 canvas.
3. **Blur + downscale** with one integer matrix ``A = W G`` (out x C, int64, exact):
   ``G[r, c] = taps[c - r + K//2]`` with the Q16 taps of ``FixedParams.blur_taps``
   (sum exactly 2^16, the centre tap absorbs the rounding), and ``W[j, i]`` the integer
   overlap numerators of the exact area average (units of 1/out px; each row sums to C).
   Entries of A: row sums exactly ``C * 2^16 = 2^23``.  ``tmp = A canvas`` (<= 2^23,
   int32), ``img = tmp A^T`` (<= 2^46, int64).  The float's ``W G canvas G^T W^T`` is
   this divided by ``(C 2^16)^2`` with the taps unrounded.
4. **Scale** by the maximum: ``out = div_round(img << 15, max)`` (``<= 2^61``, int64),
   i.e. Q15 with 1.0 = 2^15: values 0..32768 (uint16 on the device), the brightest pixel
   exactly 32768; ``max == 0`` (nothing drawn on the canvas) -> all zero.

``to_uint8`` maps Q15 to 0..255 (``(v * 255 + 2^14) >> 15``), the usual int8 CNN input
with scale 1/255 and zero point -128 being ``to_uint8(v) - 128``.  For any other input
scale, ``image_to_int8`` quantises the Q15 image with an integer multiplier
(``input_quantiser(scale)``, derived once on the host like every constant).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

import numpy as np

from ..errors import PipelineError
from .fixed import (
    ONE_Q30,
    Q_CANVAS,
    Q_IMAGE,
    FixedParams,
    chk32,
    chk64,
    chk_array,
    derive_fixed_params,
    div_round,
    div_round_array,
    isqrt_ceil,
    isqrt_ceil_array,
    rshift_round,
    rshift_round_array,
    sat,
)
from .normalise import _int_points, _int_points_batch

STAGE = "golden.raster"


def to_canvas(p, fp: FixedParams) -> list[tuple[int, int]]:
    """(row, col) canvas coordinates in Q20 of Q30 points (clamped to [0, 2^30] first)."""
    m0 = fp.margin_px << Q_CANVAS
    s = fp.span_px
    out = []
    for x, y in np.asarray(p).tolist():
        x, y = sat(x, 0, ONE_Q30), sat(y, 0, ONE_Q30)
        out.append(
            (
                chk32(m0 + rshift_round((ONE_Q30 - y) * s, 30 - Q_CANVAS)),
                chk32(m0 + rshift_round(x * s, 30 - Q_CANVAS)),
            )
        )
    return out


def stamp_centres(rc: list[tuple[int, int]]) -> np.ndarray:
    """(k, 2) int32 pixel (row, col) positions stamped along the Q20 polyline ``rc``."""
    half = 1 << (Q_CANVAS - 1)
    if len(rc) == 1:
        pos = [rc[0]]
    else:
        pos = []
        for (ar, ac), (br, bc) in pairwise(rc):
            dr, dc = br - ar, bc - ac
            c = isqrt_ceil(chk64(4 * (dr * dr + dc * dc)))  # ceil(2 |d|) in Q20
            k = max(1, (c + (1 << Q_CANVAS) - 1) >> Q_CANVAS)
            for i in range(k + 1):
                pos.append((ar + div_round(i * dr, k), ac + div_round(i * dc, k)))
    return np.array(
        [((r + half) >> Q_CANVAS, (c + half) >> Q_CANVAS) for r, c in pos],
        dtype=np.int32,
    )


def draw(p, fp: FixedParams | None = None) -> np.ndarray:
    """(C, C) uint8 canvas of 0s and 1s with the polyline drawn."""
    fp = fp or derive_fixed_params()
    c = fp.canvas_px
    canvas = np.zeros((c, c), dtype=np.uint8)
    for r0, c0 in stamp_centres(to_canvas(p, fp)).tolist():
        for dr, dc in fp.disc_offsets:
            r, q = r0 + dr, c0 + dc
            if 0 <= r < c and 0 <= q < c:
                canvas[r, q] = 1
    return canvas


def area_weights(out_px: int, in_px: int) -> np.ndarray:
    """(out, in) int64 overlap numerators: ``min(out (i+1), in (j+1)) - max(out i, in j)``, >= 0.

    ``W_float = area_weights / in_px``; every row sums to ``in_px``.
    """
    W = np.zeros((out_px, in_px), dtype=np.int64)
    for j in range(out_px):
        for i in range(in_px):
            W[j, i] = max(
                0, min(out_px * (i + 1), in_px * (j + 1)) - max(out_px * i, in_px * j)
            )
    return W


def blur_weights(canvas_px: int, taps: tuple[int, ...]) -> np.ndarray:
    """(C, C) int64 banded matrix ``G[r, c] = taps[c - r + K//2]`` (zero padding)."""
    h = len(taps) // 2
    G = np.zeros((canvas_px, canvas_px), dtype=np.int64)
    for r in range(canvas_px):
        for c in range(max(0, r - h), min(canvas_px, r + h + 1)):
            G[r, c] = taps[c - r + h]
    return G


@lru_cache(maxsize=8)
def blur_area_matrix(fp: FixedParams) -> np.ndarray:
    """(out, C) int64 ``A = W G`` (exact integer product; row sums <= C 2^16)."""
    A = area_weights(fp.out_px, fp.canvas_px) @ blur_weights(fp.canvas_px, fp.blur_taps)
    chk_array(A, 32, "A = W G")
    A.flags.writeable = False
    return A


def raster(p100, fp: FixedParams | None = None) -> np.ndarray:
    """(out, out) int32 image in Q15 (0..32768, max exactly 32768 unless blank).

    ``p100``: (n, 2) int32 Q30 points, n >= 1 (values outside [0, 2^30] are clamped).
    """
    fp = fp or derive_fixed_params()
    a = _int_points(p100, STAGE)
    canvas = draw(a, fp).astype(np.int64)
    A = blur_area_matrix(fp)
    tmp = chk_array(A @ canvas, 32, "A canvas")  # integer matmul: exact (no float)
    img = chk_array(tmp @ A.T, 64, "A canvas A^T")
    mx = int(img.max())
    k = fp.out_px
    out = np.zeros((k, k), dtype=np.int32)
    if mx <= 0:
        return out
    il = img.tolist()
    for r in range(k):
        for c in range(k):
            out[r, c] = div_round(chk64(il[r][c] << Q_IMAGE), mx)
    return out


def to_uint8(img_q15) -> np.ndarray:
    """Q15 image -> 0..255 (uint8): ``(v * 255 + 2^14) >> 15``."""
    v = np.asarray(img_q15, dtype=np.int64)
    if v.size and (int(v.min()) < 0 or int(v.max()) > (1 << Q_IMAGE)):
        raise PipelineError(STAGE, "Q15 image values must be in [0, 2^15]")
    return ((v * 255 + (1 << (Q_IMAGE - 1))) >> Q_IMAGE).astype(np.uint8)


def input_quantiser(scale: float) -> tuple[int, int]:
    """``(mult, rshift)`` with ``mult / 2^rshift ~= 1 / (scale 2^15)``, ``2^30 <= mult < 2^31``
    (host-side derivation, float; relative error <= 2^-31)."""
    import math

    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be positive, got {scale}")
    real = 1.0 / (scale * (1 << Q_IMAGE))
    m, e = math.frexp(real)  # real = m 2^e, m in [0.5, 1)
    mult = math.floor(m * (1 << 31) + 0.5)
    rshift = 31 - e
    if mult == 1 << 31:
        mult >>= 1
        rshift -= 1
    if not 1 <= rshift <= 62:
        raise ValueError(f"input scale {scale} out of range")
    return mult, rshift


def image_to_int8(img_q15, mult: int, rshift: int, zero_point: int) -> np.ndarray:
    """Q15 image -> int8 CNN input: ``sat8(rshift_round(v * mult, rshift) + zero_point)``.

    ``v * mult <= 2^15 * 2^31`` (int64); ``v >= 0`` so "half up" is TFLite's half away
    from zero.  Equals ``quantize_to_int8(v / 2^15, scale, zero_point)`` except where
    ``v / (2^15 scale)`` lies within ~2^-20 of a rounding tie.
    """
    v = np.asarray(img_q15, dtype=np.int64)
    if v.size and (int(v.min()) < 0 or int(v.max()) > (1 << Q_IMAGE)):
        raise PipelineError(STAGE, "Q15 image values must be in [0, 2^15]")
    out = np.empty(v.shape, dtype=np.int8)
    flat = out.reshape(-1)
    for i, x in enumerate(v.reshape(-1).tolist()):
        flat[i] = sat(rshift_round(chk64(x * mult), rshift) + zero_point, -128, 127)
    return out


# ----------------------------------------------------------------------------------- batched
def draw_batch(p, fp: FixedParams | None = None) -> np.ndarray:
    """``draw`` of each path of a (B, n, 2) batch of Q30 points -> (B, C, C) uint8.

    The segments stamp different numbers of discs; every stamp of every segment of every
    path is laid out in one flat array (segment ``s`` with ``k_s + 1`` stamps ``i = 0..k_s``)."""
    fp = fp or derive_fixed_params()
    a = np.clip(_int_points_batch(p, STAGE), 0, ONE_Q30)
    b, n, _ = a.shape
    c = fp.canvas_px
    m0 = fp.margin_px << Q_CANVAS
    rc = np.stack(
        [m0 + rshift_round_array((ONE_Q30 - a[:, :, 1]) * fp.span_px, np.int64(30 - Q_CANVAS)),
         m0 + rshift_round_array(a[:, :, 0] * fp.span_px, np.int64(30 - Q_CANVAS))],
        axis=-1,
    )
    chk_array(rc, 32, "canvas coordinates")
    if n == 1:
        bi, pos = np.arange(b), rc[:, 0]
    else:
        start = rc[:, :-1].reshape(-1, 2)
        d = np.diff(rc, axis=1).reshape(-1, 2)
        cq = isqrt_ceil_array(4 * (d * d).sum(axis=1))
        k = np.maximum(1, (cq + (1 << Q_CANVAS) - 1) >> Q_CANVAS)
        seg = np.repeat(np.arange(k.size), k + 1)
        first = np.cumsum(k + 1) - (k + 1)
        i = np.arange(seg.size) - first[seg]
        pos = start[seg] + div_round_array(i[:, None] * d[seg], k[seg][:, None])
        bi = seg // (n - 1)
    pix = (pos + (1 << (Q_CANVAS - 1))) >> Q_CANVAS
    canvas = np.zeros((b, c, c), dtype=np.uint8)
    for dr, dc in fp.disc_offsets:
        r, q = pix[:, 0] + dr, pix[:, 1] + dc
        ok = (r >= 0) & (r < c) & (q >= 0) & (q < c)
        canvas[bi[ok], r[ok], q[ok]] = 1
    return canvas


def raster_batch(p100, fp: FixedParams | None = None) -> np.ndarray:
    """``raster`` of each path of a (B, n, 2) batch -> (B, out, out) int32 Q15."""
    fp = fp or derive_fixed_params()
    canvas = draw_batch(p100, fp)
    A = blur_area_matrix(fp)
    tmp = chk_array(np.matmul(A, canvas.astype(np.int64)), 32, "A canvas")
    img = chk_array(np.matmul(tmp, A.T), 64, "A canvas A^T")
    mx = img.max(axis=(1, 2), keepdims=True)
    out = div_round_array(img << Q_IMAGE, np.maximum(mx, 1))
    return np.where(mx > 0, out, 0).astype(np.int32)


def image_to_int8_batch(img_q15, mult: int, rshift: int, zero_point: int) -> np.ndarray:
    """``image_to_int8`` on an array of any shape (element-wise, int8)."""
    v = np.asarray(img_q15, dtype=np.int64)
    if v.size and (int(v.min()) < 0 or int(v.max()) > (1 << Q_IMAGE)):
        raise PipelineError(STAGE, "Q15 image values must be in [0, 2^15]")
    y = rshift_round_array(v * mult, np.int64(rshift)) + zero_point
    return np.clip(y, -128, 127).astype(np.int8)


__all__ = [
    "area_weights",
    "blur_area_matrix",
    "blur_weights",
    "draw",
    "draw_batch",
    "image_to_int8",
    "image_to_int8_batch",
    "input_quantiser",
    "raster",
    "raster_batch",
    "stamp_centres",
    "to_canvas",
    "to_uint8",
]
