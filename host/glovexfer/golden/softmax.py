"""TFLite-Micro int8 -> int8 SOFTMAX (reference_ops::Softmax, gemmlowp fixed point).

Prepare (``CalculateSoftmaxParams``, int8 in / int8 out, output scale 1/256, zero point -128):
``PreprocessSoftmaxScaling(beta, s_in, 5)`` -> (multiplier, left_shift) of
``min(beta * s_in * 2^26, 2^31 - 1)``; ``diff_min = -floor(31 * 2^26 / 2^left_shift)``.

Eval, per row: ``d = x - max(x)``; entries with ``d >= diff_min`` contribute
``exp_on_negative_values(Q5.26(SRDHM(d * 2^left_shift, multiplier)))`` (Q0.31), summed in
Q12.19 after ``Rescale``; ``GetReciprocal`` (count leading zeros +
``one_over_one_plus_x_for_x_in_0_1``) gives the scale; each output is
``RoundingDivideByPOT(SRDHM(scale, exp), bits_over_unit + 23) - 128`` clamped to int8
(entries below ``diff_min`` give -128).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .quant import (
    INT32_MAX,
    multiply_by_quantized_multiplier_greater_than_one,
    quantize_multiplier,
    rounding_divide_by_pot,
    saturating_rounding_multiply_by_pot,
    wrap_int32,
)
from .quant import (
    saturating_rounding_doubling_high_mul as srdhm,
)

SCALED_DIFF_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12


@dataclass
class SoftmaxParams:
    input_multiplier: int
    input_left_shift: int
    diff_min: int

    @staticmethod
    def from_scales(beta: float, input_scale: float) -> SoftmaxParams:
        """``PreprocessSoftmaxScaling`` + ``CalculateInputRadius`` (double-rounding build)."""
        max_real = float((1 << 31) - 1)
        real = min(float(beta) * float(np.float32(input_scale)) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)), max_real)
        if not real > 1.0:
            raise ValueError("softmax: beta * input_scale * 2^26 must exceed 1 (QuantizeMultiplierGreaterThanOne)")
        mult, shift = quantize_multiplier(real)
        radius = math.floor(
            1.0
            * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
            * (1 << (31 - SCALED_DIFF_INTEGER_BITS))
            / (1 << shift)
        )
        return SoftmaxParams(mult, shift, int(-1.0 * radius))


# ---------------------------------------------------------------------------------------
# gemmlowp fixed-point functions on int32 raw values (int64 arrays)
# ---------------------------------------------------------------------------------------
def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: np.ndarray) -> np.ndarray:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor expansion around -1/8)."""
    constant_term = 1895147668  # exp(-1/8)
    constant_1_over_3 = 715827883
    x = wrap_int32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = rounding_divide_by_pot(wrap_int32(srdhm(wrap_int32(x4_over_4 + x3), constant_1_over_3) + x2), 1)
    return wrap_int32(constant_term + srdhm(constant_term, wrap_int32(x + poly)))


_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535), (3, 720401), (4, 242))


def exp_on_negative_values(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp ``exp_on_negative_values`` for a Q(integer_bits).(31-integer_bits) input; Q0.31 out."""
    a = np.asarray(a, dtype=np.int64)
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    mask = one_quarter - 1
    a_mod = wrap_int32((a & mask) - one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_multiply_by_pot(a_mod, integer_bits)  # Rescale<0>
    )
    remainder = wrap_int32(a_mod - a)
    for exponent, multiplier in _BARREL:
        if integer_bits > exponent:
            bit = 1 << (frac_bits + exponent)
            result = np.where((remainder & bit) != 0, srdhm(result, multiplier), result)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        result = np.where(a < clamp, 0, result)
    return np.where(a == 0, INT32_MAX, result)


def one_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """gemmlowp ``one_over_one_plus_x_for_x_in_0_1``: Q0.31 in and out (Newton-Raphson)."""
    a = np.asarray(a, dtype=np.int64)
    s = a + INT32_MAX  # RoundingHalfSum(a, One)
    half_den = np.where(s >= 0, (s + 1) // 2, -((-(s - 1)) // 2))
    c48_17 = 1515870810  # Q2.29
    cneg32_17 = -1010580540
    one_f2 = 1 << 29
    x = wrap_int32(c48_17 + srdhm(half_den, cneg32_17))
    for _ in range(3):
        hx = srdhm(half_den, x)
        one_minus = wrap_int32(one_f2 - hx)
        x = wrap_int32(x + saturating_rounding_multiply_by_pot(srdhm(x, one_minus), 2))
    return saturating_rounding_multiply_by_pot(x, 1)


def _count_leading_zeros_u32(x: np.ndarray) -> np.ndarray:
    """``CountLeadingZeros(uint32)`` (32 for zero)."""
    v = np.asarray(x, dtype=np.int64) & 0xFFFFFFFF
    bit_length = np.zeros_like(v)
    for _ in range(32):
        bit_length = bit_length + (v > 0)
        v = v >> 1
    return 32 - bit_length


def get_reciprocal(x: np.ndarray, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite ``GetReciprocal``: (Q0.31 scale, num_bits_over_unit)."""
    x = np.asarray(x, dtype=np.int64)
    headroom_plus_one = _count_leading_zeros_u32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted = (((x & 0xFFFFFFFF) << headroom_plus_one) - (1 << 31)) & 0xFFFFFFFF
    shifted_sum_minus_one = wrap_int32(shifted)
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


def softmax_int8(x: np.ndarray, p: SoftmaxParams) -> np.ndarray:
    """int8 (..., depth) -> int8 (..., depth), over the last axis."""
    x = np.asarray(x, dtype=np.int64)
    diff = x - x.max(axis=-1, keepdims=True)
    valid = diff >= p.diff_min
    rescaled = multiply_by_quantized_multiplier_greater_than_one(
        np.where(valid, diff, 0), p.input_multiplier, p.input_left_shift
    )
    exp_q0 = exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS)
    contrib = saturating_rounding_multiply_by_pot(exp_q0, -ACCUMULATION_INTEGER_BITS)  # Rescale<12>
    sum_of_exps = wrap_int32(np.where(valid, contrib, 0).sum(axis=-1, keepdims=True))
    shifted_scale, bits_over_unit = get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS)
    exponent = bits_over_unit + 31 - 8
    if np.any(exponent < 0) or np.any(exponent > 31):
        raise ArithmeticError("softmax: exponent out of range (TFLITE_CHECK)")
    unsat = rounding_divide_by_pot(srdhm(shifted_scale, exp_q0), exponent)
    out = np.clip(unsat - 128, -128, 127)
    return np.where(valid, out, -128).astype(np.int8)
