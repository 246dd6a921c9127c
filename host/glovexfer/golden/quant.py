"""TFLite-Micro's fixed-point quantisation helpers, bit-exact, on numpy integer arrays.

Semantics follow tensorflow/lite/kernels/internal/{common.h,common.cc,quantization_util.cc}
and gemmlowp's fixedpoint.h as built into TFLite-Micro (``TFLITE_SINGLE_ROUNDING`` is *not*
defined there, so the double-rounding ``MultiplyByQuantizedMultiplier`` is the one used):

* ``SaturatingRoundingDoublingHighMul(a, b)`` = ``(a*b + nudge) / 2^31`` with C++ truncating
  division, nudge ``2^30`` for ``a*b >= 0`` else ``1 - 2^30``; the only overflow,
  ``INT32_MIN * INT32_MIN``, saturates to ``INT32_MAX``.
* ``RoundingDivideByPOT(x, e)`` = ``(x >> e) + (remainder > threshold)`` with
  ``remainder = x & (2^e - 1)`` and ``threshold = (2^e - 1) >> 1`` (+1 for negative x):
  round to nearest, ties away from zero.
* ``MultiplyByQuantizedMultiplier(x, m, s)`` =
  ``RoundingDivideByPOT(SRDHM(x * 2^max(s,0), m), max(-s, 0))`` (the left shift wraps in
  int32, as the C++ does on every target we care about).
* ``QuantizeMultiplier(d)``: ``frexp`` + ``round(q * 2^31)`` (half away from zero), carry
  ``2^31`` into the shift, flush shifts below -31 to zero.  This is the only place where
  float is used, and only when deriving multipliers from the .tflite scales at load time.

Every function takes and returns numpy arrays (or Python ints); values are carried in
``int64`` and wrapped/saturated exactly where the C++ narrows to 32 or 16 bits.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127
INT16_MIN, INT16_MAX = -32768, 32767
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


# ---------------------------------------------------------------------------------------
# casts
# ---------------------------------------------------------------------------------------
def wrap_int32(x) -> np.ndarray:
    """Two's-complement wrap to int32 (what a C++ int32 addition/multiplication does)."""
    x = np.asarray(x, dtype=np.int64)
    return ((x + 2**31) & 0xFFFFFFFF) - 2**31


def wrap_int16(x) -> np.ndarray:
    """Two's-complement truncation to int16 (``static_cast<int16_t>``), as int64."""
    x = np.asarray(x, dtype=np.int64)
    return ((x + 2**15) & 0xFFFF) - 2**15


def saturate(x, lo: int, hi: int) -> np.ndarray:
    """Clamp to [lo, hi] (int64 result)."""
    return np.clip(np.asarray(x, dtype=np.int64), lo, hi)


def saturate_int8(x) -> np.ndarray:
    return saturate(x, INT8_MIN, INT8_MAX).astype(np.int8)


def saturate_int16(x) -> np.ndarray:
    return saturate(x, INT16_MIN, INT16_MAX).astype(np.int16)


def saturate_int32(x) -> np.ndarray:
    return saturate(x, INT32_MIN, INT32_MAX).astype(np.int32)


def trunc_div_pow2(x, n: int) -> np.ndarray:
    """C++ ``x / 2^n`` for int64 x: division truncating toward zero."""
    x = np.asarray(x, dtype=np.int64)
    # adding 2^n - 1 to a negative x before the floor shift rounds it towards zero
    return (x + ((x >> 63) & ((1 << n) - 1))) >> n


# ---------------------------------------------------------------------------------------
# gemmlowp primitives (int32)
# ---------------------------------------------------------------------------------------
def saturating_rounding_doubling_high_mul(a, b) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` for int32 a, b (ARM VQRDMULH)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ab = a * b
    # nudge 2^30 for ab >= 0, 1 - 2^30 for ab < 0 (ab >> 63 is -1 exactly there)
    res = trunc_div_pow2(ab + ((1 << 30) - ((ab >> 63) & ((1 << 31) - 1))), 31)
    if np.any(a == INT32_MIN) and np.any(b == INT32_MIN):
        res = np.where((a == b) & (a == INT32_MIN), INT32_MAX, res)
    return res


def rounding_divide_by_pot(x, exponent) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT``: x / 2^exponent rounded to nearest, ties away from 0.

    ``exponent`` in [0, 31] may be an array broadcast against ``x``.
    """
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    if np.any(e < 0) or np.any(e > 31):
        raise ValueError("RoundingDivideByPOT exponent must be in [0, 31]")
    if e.ndim and e.size and e.min() == e.max() and np.broadcast_shapes(x.shape, e.shape) == x.shape:
        e = e.reshape(-1)[0]  # one exponent for all: shifts by a scalar are cheaper
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def saturating_rounding_multiply_by_pot(x, exponent: int) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingMultiplyByPOT<exponent>`` for int32 raw values.

    Positive exponent: saturating left shift; negative: ``RoundingDivideByPOT``.
    """
    x = np.asarray(x, dtype=np.int64)
    if exponent == 0:
        return x
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    res = x << exponent
    res = np.where(x > threshold, INT32_MAX, res)
    return np.where(x < -threshold, INT32_MIN, res)


# ---------------------------------------------------------------------------------------
# TFLite fixed-point requantisation
# ---------------------------------------------------------------------------------------
def multiply_by_quantized_multiplier(x, quantized_multiplier, shift) -> np.ndarray:
    """TFLite ``MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift)``.

    Double-rounding form (TFLite-Micro default).  ``quantized_multiplier`` and ``shift`` may
    be arrays broadcast against ``x`` (per-channel requantisation).  Returns int64 values in
    the int32 range.
    """
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(quantized_multiplier, dtype=np.int64)
    s = np.asarray(shift, dtype=np.int64)
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    shifted = wrap_int32(x << left)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, m), right)


def multiply_by_quantized_multiplier_greater_than_one(x, quantized_multiplier, left_shift) -> np.ndarray:
    """TFLite ``MultiplyByQuantizedMultiplierGreaterThanOne`` (double-rounding build):
    ``SRDHM(x * 2^left_shift, multiplier)``; used by the int8 softmax."""
    x = np.asarray(x, dtype=np.int64)
    return saturating_rounding_doubling_high_mul(wrap_int32(x << int(left_shift)), quantized_multiplier)


def tflite_round(x: float) -> float:
    """``TfLiteRound`` = ``std::round``: half away from zero."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def quantize_multiplier(double_multiplier: float) -> tuple[int, int]:
    """TFLite ``QuantizeMultiplier``: real multiplier -> (Q0.31 int32 multiplier, shift).

    ``real ~= multiplier * 2^(shift - 31)``; shift > 0 is a left shift.
    """
    d = float(double_multiplier)
    if d == 0.0:
        return 0, 0
    q, shift = math.frexp(d)
    q_fixed = int(tflite_round(q * (1 << 31)))
    if q_fixed > (1 << 31):
        raise ValueError(f"QuantizeMultiplier: bad multiplier {d}")
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if q_fixed > INT32_MAX:
        raise ValueError(f"QuantizeMultiplier: bad multiplier {d}")
    if shift < -31:
        shift = 0
        q_fixed = 0
    return q_fixed, shift


def quantize_multiplier_array(multipliers) -> tuple[np.ndarray, np.ndarray]:
    """:func:`quantize_multiplier` of each element: (int32 multipliers, int32 shifts)."""
    pairs = [quantize_multiplier(float(d)) for d in np.ravel(np.asarray(multipliers, dtype=np.float64))]
    m = np.array([p[0] for p in pairs], dtype=np.int32)
    s = np.array([p[1] for p in pairs], dtype=np.int32)
    return m, s


def checked_log2(x: float) -> tuple[int, bool]:
    """TFLite ``CheckedLog2(float)``: (rounded log2, whether x is a power of two to 1e-3).

    Computed in float32 like the C++ (``std::log(float) * (1.0f / std::log(2.0f))``).
    """
    xf = np.float32(x)
    x_log2 = np.float32(np.log(xf)) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    x_log2 = np.float32(x_log2)
    rounded = np.float32(tflite_round(float(x_log2)))
    frac = np.float32(x_log2 - rounded)
    return int(rounded), bool(abs(frac) < np.float32(1e-3))


def quantize_to_int8(x_float, scale: float, zero_point: int) -> np.ndarray:
    """Host-side float -> int8 with the model's input parameters:
    ``clamp(round_half_away(x / scale) + zero_point, -128, 127)`` (as TFLite ``Quantize``).
    Computed in float32 like the TFLite reference quantiser."""
    x = (np.asarray(x_float, dtype=np.float32) / np.float32(scale)).astype(np.float64)
    r = np.sign(x) * np.floor(np.abs(x) + 0.5)
    return np.clip(r.astype(np.int64) + int(zero_point), INT8_MIN, INT8_MAX).astype(np.int8)


def dequantize(q, scale, zero_point) -> np.ndarray:
    """int -> float (host-side analysis only)."""
    return (np.asarray(q, dtype=np.float64) - np.asarray(zero_point, dtype=np.float64)) * np.asarray(scale, dtype=np.float64)
