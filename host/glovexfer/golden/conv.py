"""TFLite-Micro int8 CONV_2D, per-channel (reference_integer_ops::ConvPerChannel), NHWC.

``acc[o] = sum_{ky,kx,c} w[o,ky,kx,c] * (x[y*sy - pad_h + ky*dy, x*sx - pad_w + kx*dx, c]
+ input_offset)`` over the taps inside the image (outside taps are skipped, which equals
padding with the input zero point), ``+ bias[o]``, then per-channel
``MultiplyByQuantizedMultiplier`` ``+ output_offset`` clamped to the fused-activation range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fully_connected import int32_dot
from .quant import (
    multiply_by_quantized_multiplier,
    quantize_multiplier_array,
    wrap_int32,
)


def conv_multipliers(input_scale: float, filter_scales, output_scale: float, n_channels: int):
    """``PopulateConvolutionQuantizationParams``: ``double(s_in) * double(s_w[o]) / double(s_out)``
    per output channel (a single filter scale is broadcast)."""
    fs = np.atleast_1d(np.asarray(filter_scales, dtype=np.float32))
    if fs.size == 1:
        fs = np.repeat(fs, n_channels)
    s_in = float(np.float32(input_scale))
    s_out = float(np.float32(output_scale))
    return quantize_multiplier_array([s_in * float(s) / s_out for s in fs])


def compute_padding(padding: str, in_size: int, filter_size: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(output size, leading padding) as TFLite's ``ComputeOutSize`` / ``ComputePadding``."""
    eff = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size + stride - eff) // stride
    else:
        raise ValueError(f"unknown padding {padding!r}")
    total = max(0, (out - 1) * stride + eff - in_size)
    return out, total // 2


@dataclass
class ConvParams:
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int
    padding: str  # "SAME" | "VALID"
    input_offset: int
    output_offset: int
    multiplier: np.ndarray  # (O,) int32
    shift: np.ndarray  # (O,) int32
    act_min: int
    act_max: int


def _windows(xp: np.ndarray, kh: int, kw: int, oh: int, ow: int, p: ConvParams) -> np.ndarray:
    """(B, oh, ow, kh, kw, C) copy of the padded input's receptive fields."""
    b, c = xp.shape[0], xp.shape[3]
    cols = np.empty((b, oh, ow, kh, kw, c), dtype=xp.dtype)
    for ky in range(kh):
        y0 = ky * p.dilation_h
        for kx in range(kw):
            x0 = kx * p.dilation_w
            cols[:, :, :, ky, kx, :] = xp[
                :, y0 : y0 + (oh - 1) * p.stride_h + 1 : p.stride_h, x0 : x0 + (ow - 1) * p.stride_w + 1 : p.stride_w, :
            ]
    return cols


def pad_input(x: np.ndarray, kh: int, kw: int, strides_dilations: tuple, padding: str, fill: int):
    """Pad NHWC ``x`` with ``fill`` so every window of the TFLite output is in bounds.

    ``strides_dilations`` = (stride_h, stride_w, dilation_h, dilation_w); returns (xp, oh, ow).
    """
    sh, sw, dh, dw = strides_dilations
    _, h, w, _ = x.shape
    oh, pad_t = compute_padding(padding, h, kh, sh, dh)
    ow, pad_l = compute_padding(padding, w, kw, sw, dw)
    need_h = (oh - 1) * sh + (kh - 1) * dh + 1
    need_w = (ow - 1) * sw + (kw - 1) * dw + 1
    pad_b = max(0, need_h - h - pad_t)
    pad_r = max(0, need_w - w - pad_l)
    if pad_t or pad_b or pad_l or pad_r:
        x = np.pad(x, ((0, 0), (pad_t, pad_b), (pad_l, pad_r), (0, 0)), constant_values=fill)
    return x, oh, ow


def conv2d(x: np.ndarray, weights: np.ndarray, bias: np.ndarray | None, p: ConvParams) -> np.ndarray:
    """int8 NHWC x (B, H, W, C), int8 weights (O, KH, KW, C), int32 bias (O) -> int8 (B, OH, OW, O)."""
    x = np.asarray(x, dtype=np.int64)
    o, kh, kw, ci = weights.shape
    if x.shape[3] != ci:
        raise NotImplementedError("grouped convolution is not supported by the golden model")
    # padding with -input_offset (the input zero point) makes (x + input_offset) == 0 there,
    # i.e. the tap contributes nothing, exactly like TFLM skipping out-of-image taps.
    xp, oh, ow = pad_input(x, kh, kw, (p.stride_h, p.stride_w, p.dilation_h, p.dilation_w), p.padding, -p.input_offset)
    cols = _windows(xp + p.input_offset, kh, kw, oh, ow, p)
    b = x.shape[0]
    acc = int32_dot(cols.reshape(b * oh * ow, kh * kw * ci), np.asarray(weights, dtype=np.int64).reshape(o, -1))
    if bias is not None:
        acc = wrap_int32(acc + np.asarray(bias, dtype=np.int64))
    out = multiply_by_quantized_multiplier(acc, p.multiplier, p.shift) + p.output_offset
    out = np.clip(out, p.act_min, p.act_max)
    return out.reshape(b, oh, ow, o).astype(np.int8)
