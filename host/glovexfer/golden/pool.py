"""TFLite-Micro int8 MAX_POOL_2D (reference_integer_ops::MaxPool), NHWC.

Maximum over the in-image taps of each window (starting from -128), then clamped to the
fused-activation range.  Input and output share scale and zero point (TFLM checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv import compute_padding


@dataclass
class PoolParams:
    filter_h: int
    filter_w: int
    stride_h: int
    stride_w: int
    padding: str  # "SAME" | "VALID"
    act_min: int
    act_max: int


def max_pool2d(x: np.ndarray, p: PoolParams) -> np.ndarray:
    """int8 (B, H, W, C) -> int8 (B, OH, OW, C)."""
    x = np.asarray(x, dtype=np.int8)
    b, h, w, c = x.shape
    oh, pad_t = compute_padding(p.padding, h, p.filter_h, p.stride_h)
    ow, pad_l = compute_padding(p.padding, w, p.filter_w, p.stride_w)
    need_h = (oh - 1) * p.stride_h + p.filter_h
    need_w = (ow - 1) * p.stride_w + p.filter_w
    pad_b = max(0, need_h - h - pad_t)
    pad_r = max(0, need_w - w - pad_l)
    # out-of-image taps are skipped in TFLM; padding with the int8 minimum is equivalent
    xp = np.pad(x, ((0, 0), (pad_t, pad_b), (pad_l, pad_r), (0, 0)), constant_values=-128)
    out = np.full((b, oh, ow, c), -128, dtype=np.int8)
    for ky in range(p.filter_h):
        for kx in range(p.filter_w):
            tap = xp[:, ky : ky + (oh - 1) * p.stride_h + 1 : p.stride_h, kx : kx + (ow - 1) * p.stride_w + 1 : p.stride_w, :]
            np.maximum(out, tap, out=out)
    return np.clip(out, p.act_min, p.act_max).astype(np.int8)


def average_pool2d(x: np.ndarray, p: PoolParams) -> np.ndarray:
    """TFLite-Micro int8 AVERAGE_POOL_2D (reference_integer_ops::AveragePool), NHWC.

    Per output: ``acc`` = int32 sum of the in-image taps, ``count`` = their number;
    ``avg = (acc + count / 2) / count`` if ``acc > 0`` else ``(acc - count / 2) / count``
    (C division, truncating: round half away from zero), then clamped to the fused-activation
    range.  Input and output share scale and zero point (TFLM checks it).
    """
    x = np.asarray(x, dtype=np.int8)
    b, h, w, c = x.shape
    oh, pad_t = compute_padding(p.padding, h, p.filter_h, p.stride_h)
    ow, pad_l = compute_padding(p.padding, w, p.filter_w, p.stride_w)
    out = np.empty((b, oh, ow, c), dtype=np.int8)
    for oy in range(oh):
        y0 = oy * p.stride_h - pad_t
        ys = slice(max(0, y0), min(h, y0 + p.filter_h))
        for ox in range(ow):
            x0 = ox * p.stride_w - pad_l
            xs = slice(max(0, x0), min(w, x0 + p.filter_w))
            win = x[:, ys, xs, :].astype(np.int64)
            count = win.shape[1] * win.shape[2]
            if count == 0:
                raise ValueError("AVERAGE_POOL_2D window without in-image taps (TFLM fails)")
            acc = win.sum(axis=(1, 2))
            half = count // 2
            avg = np.where(acc > 0, (acc + half) // count, -((-acc + half) // count))
            out[:, oy, ox, :] = np.clip(avg, p.act_min, p.act_max)
    return out
