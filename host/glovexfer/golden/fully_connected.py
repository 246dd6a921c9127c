"""TFLite-Micro int8 FULLY_CONNECTED (reference_integer_ops::FullyConnected[PerChannel]).

``acc = sum_d w[n, d] * (x[b, d] + input_offset)`` in int32 (+ ``weights_offset`` for the
per-tensor form, always 0 for int8 weights), ``+ bias[n]``, then
``MultiplyByQuantizedMultiplier(acc, multiplier[n], shift[n]) + output_offset`` clamped to the
fused-activation range.  The same kernel, with an int16 output range, computes the LSTM gate
pre-activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .quant import multiply_by_quantized_multiplier, quantize_multiplier, quantize_multiplier_array, wrap_int32


def fc_multipliers(input_scale: float, filter_scales, output_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Requantisation multipliers/shifts exactly as TFLM's ``CalculateOpDataFullyConnected``.

    Per-channel (more than one filter scale): ``double(s_in) * double(s_w[n]) / double(s_out)``.
    Per-tensor: ``GetQuantizedConvolutionMultipler``, whose product ``s_in * s_w`` is taken
    in float32 before the division in double.  Returns arrays of length 1 for per-tensor.
    """
    fs = np.atleast_1d(np.asarray(filter_scales, dtype=np.float32))
    if fs.size > 1:
        real = [float(np.float32(input_scale)) * float(s) / float(np.float32(output_scale)) for s in fs]
        return quantize_multiplier_array(real)
    prod = np.float32(np.float32(input_scale) * fs[0])
    m, s = quantize_multiplier(float(prod) / float(np.float32(output_scale)))
    return np.array([m], dtype=np.int32), np.array([s], dtype=np.int32)


@dataclass
class FullyConnectedParams:
    input_offset: int  # -input zero point
    weights_offset: int  # -filter zero point (0 for int8)
    output_offset: int  # output zero point
    multiplier: np.ndarray  # (N,) or (1,) int32
    shift: np.ndarray  # (N,) or (1,) int32, >0 = left shift
    act_min: int
    act_max: int


def fully_connected(
    x: np.ndarray,
    weights: np.ndarray,
    bias: np.ndarray | None,
    p: FullyConnectedParams,
) -> np.ndarray:
    """int8 x (..., D) . int8 weights (N, D)^T + int32 bias (N) -> int64 values in [act_min, act_max].

    Returns int64; the caller casts to the output type (int8 for FULLY_CONNECTED, int16 for
    LSTM gates).
    """
    x = np.asarray(x, dtype=np.int64)
    w = np.asarray(weights, dtype=np.int64) + p.weights_offset
    acc = (x + p.input_offset) @ w.T
    acc = wrap_int32(acc)
    if bias is not None:
        acc = wrap_int32(acc + np.asarray(bias, dtype=np.int64))
    out = multiply_by_quantized_multiplier(acc, p.multiplier, p.shift) + p.output_offset
    return np.clip(out, p.act_min, p.act_max)
