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

from .quant import (
    multiply_by_quantized_multiplier,
    quantize_multiplier_array,
    wrap_int32,
)


def int32_dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x (..., D) . w (N, D)^T`` accumulated in int32 lanes as the C++ kernels do (int64 result).

    Sums and products in int32 lanes are exact modulo 2^32, so the result is ``wrap_int32``
    of the exact dot product, whatever the order of the additions.  The operands are offset
    int8 values, far inside int32."""
    return np.einsum("...d,nd->...n", x.astype(np.int32), w.astype(np.int32)).astype(np.int64)


def fc_multipliers(input_scale: float, filter_scales, output_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Requantisation multipliers/shifts of TFLM's ``CalculateOpDataFullyConnected``.

    ``QuantizeMultiplier(double(s_in) * double(s_w[n]) / double(s_out))`` for each filter
    scale (one for per-tensor weights, N for per-channel); the scales are the flatbuffer's
    float32 values.

    Measured, not read: the TFLM source of August 2026 still forms the per-tensor product
    ``s_in * s_w`` in float32 (``GetQuantizedConvolutionMultipler``), but the
    ``tflite-micro`` wheel used here (0.dev20261023) matches only the double product: with
    the float32 product a trained LSTM's gate requantisation lands on the other side of a
    rounding tie about once per 10^5 gate values (e.g. 29799 * m gives 2007.4375 vs
    2007.4374 -> 2008 vs 2007), and TFLM agrees with the double product.
    Returns int32 arrays (length 1 for per-tensor).
    """
    fs = np.atleast_1d(np.asarray(filter_scales, dtype=np.float32))
    s_in = float(np.float32(input_scale))
    s_out = float(np.float32(output_scale))
    return quantize_multiplier_array([s_in * float(s) / s_out for s in fs])


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
    acc = int32_dot(np.asarray(x, dtype=np.int64) + p.input_offset, np.asarray(weights, dtype=np.int64) + p.weights_offset)
    if bias is not None:
        acc = wrap_int32(acc + np.asarray(bias, dtype=np.int64))
    out = multiply_by_quantized_multiplier(acc, p.multiplier, p.shift) + p.output_offset
    return np.clip(out, p.act_min, p.act_max)
