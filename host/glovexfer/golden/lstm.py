"""TFLite-Micro int8 UNIDIRECTIONAL_SEQUENCE_LSTM (kernels/lstm_eval.{h,cc}, integer path).

Formats (int8 activations and weights, int16 cell, int32 bias, "8x8->16"):

* input ``x_t``: int8, the op input's (scale, zero point);
* hidden state ``h``: int8 with the *hidden-state variable tensor's* (scale, zero point),
  initialised to its zero point; cell state ``c``: int16, scale ``2^p`` (p =
  ``CheckedLog2(cell scale)``, e.g. -11), initialised to 0;
* gate pre-activation, for each gate g (computed in TFLM's order: forget, input, cell,
  [cell update], output -- the output gate still sees the previous ``h``)::

      a_g = sat16( FC(x_t; W_g, b_g) ) +sat sat16( FC(h; R_g) )        (int16, Q3.12)

  each FC is TFLM's int8 FULLY_CONNECTED with an int16 output of scale 2^-12 and zero point
  0: int32 accumulation with input offset (-zp_x resp. -zp_h), bias only on the input FC,
  per-tensor ``MultiplyByQuantizedMultiplier`` by ``QuantizeMultiplier(s_in * s_w / 2^-12)``
  (product in double, see :func:`glovexfer.golden.fully_connected.fc_multipliers`), clamp to
  int16; the two are added with int16 saturation;
* activations (Q3.12 -> Q0.15, int16): sigmoid for input/forget/output gates =
  ``reference_integer_ops::Logistic(0, 0, ...)`` and tanh for the cell gate =
  ``Tanh(-12)`` -- both TFLite's 256-entry ``sigmoid_table_uint16`` (sigmoid(i/24) in 0.16)
  with linear interpolation: sigmoid uses ``3x`` with 9 fractional index bits, tanh uses
  ``3x`` (scaled by the input's power-of-two, see :func:`tanh_int16`) with 8 fractional bits
  and tanh(x) = 2 sigmoid(2x) - 1;
* cell update (int16 x int16 -> int16 ``MulElementwise``, requantised with
  ``MultiplyByQuantizedMultiplier``)::

      c = sat16( Mul(f, c; 2^-15) +sat Mul(i, g; 2^-30 / s_c) ),  then clip to
          +-int16(cell_clip / s_c) if cell_clip > 0

* hidden: ``h = clamp8( zp_h + MBQM(tanh_{2^p}(c) * o; 2^-30 / s_h) )`` and the op output at
  step t is a raw copy of ``h`` (TFLM copies the hidden-state bytes, whatever the output
  tensor's quantisation says).

The batch (non-time-major) is processed example by example in TFLM with separate states;
here all examples are processed at once, which is identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fully_connected import FullyConnectedParams, fc_multipliers, fully_connected
from .quant import (
    INT8_MAX,
    INT8_MIN,
    INT16_MAX,
    INT16_MIN,
    checked_log2,
    multiply_by_quantized_multiplier,
    quantize_multiplier,
)

#: TFLite's ``sigmoid_table_uint16`` (kernels/internal/common.h): sigmoid(i/24) in 0.16
#: fixed point, shared by the int16 sigmoid and tanh.  Numeric data, needed bit-exactly.
SIGMOID_TABLE_UINT16 = np.array(
    [
        32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
        40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
        47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
        53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
        57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
        60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
        62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
        63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
        64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
        64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
        65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
        65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
        65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
        65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
        65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
        65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
        65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
        65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
        65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
        65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
        65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
        65534, 65534, 65534, 65535,
    ],
    dtype=np.int64,
)

GATE_INPUT_SCALE = 2.0**-12  # Q3.12, TFLM's nonlinear_input_scale (float 0.000244140625)
GATE_OUTPUT_SCALE = 2.0**-15  # Q0.15, TFLM's nonlinear_output_scale (float 0.000030517578125)
GATES = ("input", "forget", "cell", "output")


def sigmoid_int16(x: np.ndarray, input_multiplier: int = 0, input_left_shift: int = 0) -> np.ndarray:
    """``reference_integer_ops::Logistic`` (int16 LUT version); LSTM gates use (0, 0): Q3.12 in."""
    x = np.asarray(x, dtype=np.int64)
    if input_left_shift < 0:
        raise ValueError("input_left_shift must be >= 0")
    if input_multiplier == 0:
        input_multiplier = 3 << input_left_shift
        input_left_shift = 0
    rnd = (1 << (input_left_shift - 1)) if input_left_shift > 0 else 0
    v = (x * input_multiplier + rnd) >> input_left_shift
    a = np.abs(v)
    uh = a >> 9
    sat = uh >= 255
    uh_c = np.minimum(uh, 254)
    ua = SIGMOID_TABLE_UINT16[uh_c]
    ub = SIGMOID_TABLE_UINT16[uh_c + 1]
    ut = a & 0x1FF
    res = np.where(sat, 0x7FFF << 10, (ua << 9) + ut * (ub - ua))
    res = np.where(v >= 0, res + (1 << 9), (1 << (16 + 9)) - res + (1 << 9) - 1)
    res = (res & 0xFFFFFFFF) >> 10  # uint32 arithmetic
    return (((res + 2**15) & 0xFFFF) - 2**15).astype(np.int16)


def tanh_int16(x: np.ndarray, input_multiplier: int, input_left_shift: int) -> np.ndarray:
    """``reference_integer_ops::Tanh`` (int16 LUT version)."""
    x = np.asarray(x, dtype=np.int64)
    if input_multiplier == 0:
        input_multiplier = 3 << input_left_shift
        input_left_shift = 0
    rnd = (1 << (input_left_shift - 1)) if input_left_shift > 0 else 0
    v = (x * input_multiplier + rnd) >> input_left_shift
    a = np.abs(v)
    uh = a >> 8
    sat = uh >= 255
    uh_c = np.minimum(uh, 254)
    ua = SIGMOID_TABLE_UINT16[uh_c]
    ub = SIGMOID_TABLE_UINT16[uh_c + 1]
    ut = a & 0xFF
    res = np.where(sat, 0xFFFF << 8, (ua << 8) + ut * (ub - ua))
    res = np.where(v >= 0, res - (1 << (14 + 9)) + (1 << (9 - 2)), -res + (1 << (14 + 9)) + (1 << (9 - 2)) - 1)
    res = res >> (9 - 1)
    return (((res + 2**15) & 0xFFFF) - 2**15).astype(np.int16)


def lstm_tanh(x: np.ndarray, cell_state_scale_power: int) -> np.ndarray:
    """``lstm_internal::Tanh``: tanh of an int16 of scale 2^power, to Q0.15."""
    left_shift = (15 + cell_state_scale_power) - 3
    multiplier = 0
    if left_shift < 0:
        left_shift = -left_shift
        multiplier = 3
    return tanh_int16(x, multiplier, left_shift)


def mul_elementwise(a, b, multiplier: int, shift: int, output_offset: int, act_min: int, act_max: int) -> np.ndarray:
    """``reference_integer_ops::MulElementwise`` with zero input offsets (int64 result)."""
    prod = np.asarray(a, dtype=np.int64) * np.asarray(b, dtype=np.int64)
    return np.clip(output_offset + multiply_by_quantized_multiplier(prod, multiplier, shift), act_min, act_max)


def _inter_gate_mul(s1: float, s2: float, s_out: float) -> tuple[int, int]:
    """``CreateInterGateMulParams``: double(s1) * double(s2) / double(s_out)."""
    f = lambda v: float(np.float32(v))
    return quantize_multiplier(f(s1) * f(s2) / f(s_out))


@dataclass
class LstmGate:
    w_input: np.ndarray  # int8 (N, I)
    w_recurrent: np.ndarray  # int8 (N, N)
    bias: np.ndarray  # int32 (N,)
    fc_input: FullyConnectedParams
    fc_recurrent: FullyConnectedParams
    activation: str  # "sigmoid" | "tanh"


@dataclass
class LstmParams:
    gates: dict  # name -> LstmGate
    input_zero_point: int
    hidden_scale: float
    hidden_zero_point: int
    cell_scale: float
    cell_state_scale_power: int
    forget_cell_mul: tuple  # (multiplier, shift)
    input_mul: tuple
    output_mul: tuple
    cell_clip: float
    quantized_cell_clip: int
    time_major: bool = False

    @staticmethod
    def from_tensors(
        *,
        input_scale: float,
        input_zero_point: int,
        weights: dict,  # gate -> (w_input int8 (N,I), s_w_input, w_recurrent int8 (N,N), s_w_recurrent, bias int32 (N,))
        hidden_scale: float,
        hidden_zero_point: int,
        cell_scale: float,
        cell_clip: float,
        cell_activation: str = "tanh",
        time_major: bool = False,
        weight_zero_points: dict | None = None,
    ) -> LstmParams:
        """Derive every integer parameter as TFLM's ``UnidirectionalSequenceLstmPrepare`` does."""
        gates = {}
        for g in GATES:
            w_in, s_in_w, w_rec, s_rec_w, bias = weights[g]
            zp_in_w, zp_rec_w = (weight_zero_points or {}).get(g, (0, 0))
            m_in, sh_in = fc_multipliers(input_scale, [s_in_w], GATE_INPUT_SCALE)
            m_rec, sh_rec = fc_multipliers(hidden_scale, [s_rec_w], GATE_INPUT_SCALE)
            gates[g] = LstmGate(
                w_input=np.asarray(w_in, dtype=np.int8),
                w_recurrent=np.asarray(w_rec, dtype=np.int8),
                bias=None if bias is None else np.asarray(bias, dtype=np.int32),
                fc_input=FullyConnectedParams(-int(input_zero_point), -int(zp_in_w), 0, m_in, sh_in, INT16_MIN, INT16_MAX),
                fc_recurrent=FullyConnectedParams(
                    -int(hidden_zero_point), -int(zp_rec_w), 0, m_rec, sh_rec, INT16_MIN, INT16_MAX
                ),
                activation=cell_activation if g == "cell" else "sigmoid",
            )
        power, _exact = checked_log2(cell_scale)
        q_clip = float(np.float32(cell_clip)) / float(np.float32(cell_scale))
        q_clip = int(min(max(q_clip, -32768.0), 32767.0))  # static_cast<int16_t> truncates
        return LstmParams(
            gates=gates,
            input_zero_point=int(input_zero_point),
            hidden_scale=float(hidden_scale),
            hidden_zero_point=int(hidden_zero_point),
            cell_scale=float(cell_scale),
            cell_state_scale_power=power,
            forget_cell_mul=_inter_gate_mul(GATE_OUTPUT_SCALE, cell_scale, cell_scale),
            input_mul=_inter_gate_mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, cell_scale),
            output_mul=_inter_gate_mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, hidden_scale),
            cell_clip=float(cell_clip),
            quantized_cell_clip=q_clip,
            time_major=bool(time_major),
        )


def _gate(p: LstmParams, name: str, x_t: np.ndarray, h: np.ndarray) -> np.ndarray:
    g = p.gates[name]
    a = fully_connected(x_t, g.w_input, g.bias, g.fc_input)
    r = fully_connected(h, g.w_recurrent, None, g.fc_recurrent)
    pre = np.clip(a + r, INT16_MIN, INT16_MAX)  # AddElementWise saturates to int16
    if g.activation == "sigmoid":
        return sigmoid_int16(pre)
    if g.activation == "tanh":
        return lstm_tanh(pre, -12)
    raise NotImplementedError(f"LSTM cell activation {g.activation!r} (TFLM asserts)")


def _stacked(p: LstmParams):
    """The four gates' input and recurrent FULLY_CONNECTED stacked into one each, in the
    order (forget, input, cell, output): weights with their zero points folded in (int64,
    (4N, I) and (4N, N)), the input bias, and per-row multipliers and shifts.  One matmul
    then gives all four gates, each row with exactly the arithmetic of its own gate's FC."""
    st = getattr(p, "_stacked_cache", None)
    if st is not None:
        return st
    order = ("forget", "input", "cell", "output")
    gs = [p.gates[g] for g in order]
    n = gs[0].w_recurrent.shape[0]

    def params(kind: str, fc_name: str) -> FullyConnectedParams:
        fcs = [getattr(g, fc_name) for g in gs]
        return FullyConnectedParams(
            fcs[0].input_offset, 0, 0,
            np.concatenate([np.broadcast_to(np.asarray(f.multiplier, dtype=np.int64), (n,)) for f in fcs]),
            np.concatenate([np.broadcast_to(np.asarray(f.shift, dtype=np.int64), (n,)) for f in fcs]),
            INT16_MIN, INT16_MAX,
        )

    w_in = np.concatenate([np.asarray(g.w_input, dtype=np.int64) + g.fc_input.weights_offset for g in gs])
    w_rec = np.concatenate([np.asarray(g.w_recurrent, dtype=np.int64) + g.fc_recurrent.weights_offset for g in gs])
    biases = [np.zeros(n, dtype=np.int64) if g.bias is None else np.asarray(g.bias, dtype=np.int64) for g in gs]
    for g in gs:
        if g.activation not in ("sigmoid", "tanh"):
            raise NotImplementedError(f"LSTM cell activation {g.activation!r} (TFLM asserts)")
        if len({g.fc_input.input_offset for g in gs}) != 1 or len({g.fc_recurrent.input_offset for g in gs}) != 1:
            raise ValueError("LSTM gates with different input offsets")
    st = (w_in, np.concatenate(biases), params("in", "fc_input"), w_rec, params("rec", "fc_recurrent"), gs[2].activation, n)
    object.__setattr__(p, "_stacked_cache", st)
    return st


def _lstm_int8_stacked(x: np.ndarray, p: LstmParams) -> np.ndarray:
    """``lstm_int8`` (batch-major (B, T, I) int8 in, (B, T, N) int8 out) with the input
    FULLY_CONNECTED of every step in one matmul and the four gates stacked: the same
    integers as the per-gate loop (each gate row keeps its own weights, offsets,
    multiplier and shift; the output gate still sees the previous ``h``)."""
    w_in, bias, fc_in, w_rec, fc_rec, cell_act, n = _stacked(p)
    b, t_steps, _ = x.shape
    pre_in = fully_connected(x, w_in, bias, fc_in)  # (B, T, 4N), int16 range
    h = np.full((b, n), p.hidden_zero_point, dtype=np.int64)
    c = np.zeros((b, n), dtype=np.int64)
    out = np.empty((b, t_steps, n), dtype=np.int8)
    fm, fs = p.forget_cell_mul
    im, ish = p.input_mul
    om, osh = p.output_mul
    for t in range(t_steps):
        pre = np.clip(pre_in[:, t] + fully_connected(h, w_rec, None, fc_rec), INT16_MIN, INT16_MAX)
        f_g = sigmoid_int16(pre[:, 0:n])
        i_g = sigmoid_int16(pre[:, n : 2 * n])
        g_g = sigmoid_int16(pre[:, 2 * n : 3 * n]) if cell_act == "sigmoid" else lstm_tanh(pre[:, 2 * n : 3 * n], -12)
        o_g = sigmoid_int16(pre[:, 3 * n :])
        c = mul_elementwise(f_g, c, fm, fs, 0, INT16_MIN, INT16_MAX)
        c = np.clip(c + mul_elementwise(i_g, g_g, im, ish, 0, INT16_MIN, INT16_MAX), INT16_MIN, INT16_MAX)
        if p.cell_clip > 0:
            c = np.clip(c, -p.quantized_cell_clip, p.quantized_cell_clip)
        h = mul_elementwise(lstm_tanh(c, p.cell_state_scale_power), o_g, om, osh, p.hidden_zero_point, INT8_MIN, INT8_MAX)
        out[:, t, :] = h
    return out


def lstm_int8(x: np.ndarray, p: LstmParams, trace: bool = False, per_gate: bool = False):
    """Run the integer LSTM over int8 ``x``: (B, T, I), or (T, B, I) when ``time_major``.

    Returns the int8 output sequence with the input's layout ((B, T, N) or (T, B, N)); with
    ``trace=True`` also a dict of per-step internals (batch-major, (B, T, N)): ``input``,
    ``forget``, ``cell``, ``output`` gate activations (int16 Q0.15), ``c`` (int16 cell state)
    and ``h`` (int8 hidden state).

    Without ``trace`` the gates are computed stacked (``_lstm_int8_stacked``, same
    integers); ``per_gate=True`` runs the per-gate loop below, the readable reference.
    """
    x = np.asarray(x, dtype=np.int8)
    if p.time_major:
        x = np.swapaxes(x, 0, 1)
    if not trace and not per_gate:
        out = _lstm_int8_stacked(x, p)
        return np.swapaxes(out, 0, 1) if p.time_major else out
    b, t_steps, _ = x.shape
    n = p.gates["forget"].w_recurrent.shape[0]
    h = np.full((b, n), p.hidden_zero_point, dtype=np.int64)
    c = np.zeros((b, n), dtype=np.int64)
    out = np.empty((b, t_steps, n), dtype=np.int8)
    rec = {k: np.empty((b, t_steps, n), dtype=np.int16) for k in ("input", "forget", "cell", "output", "c")} if trace else None
    fm, fs = p.forget_cell_mul
    im, ish = p.input_mul
    om, osh = p.output_mul
    for t in range(t_steps):
        x_t = x[:, t, :]
        f_g = _gate(p, "forget", x_t, h)
        i_g = _gate(p, "input", x_t, h)
        g_g = _gate(p, "cell", x_t, h)
        c = mul_elementwise(f_g, c, fm, fs, 0, INT16_MIN, INT16_MAX)
        ig = mul_elementwise(i_g, g_g, im, ish, 0, INT16_MIN, INT16_MAX)
        c = np.clip(c + ig, INT16_MIN, INT16_MAX)
        if p.cell_clip > 0:
            c = np.clip(c, -p.quantized_cell_clip, p.quantized_cell_clip)
        o_g = _gate(p, "output", x_t, h)
        tc = lstm_tanh(c, p.cell_state_scale_power)
        h = mul_elementwise(tc, o_g, om, osh, p.hidden_zero_point, INT8_MIN, INT8_MAX)
        out[:, t, :] = h
        if trace:
            rec["input"][:, t], rec["forget"][:, t], rec["cell"][:, t], rec["output"][:, t] = i_g, f_g, g_g, o_g
            rec["c"][:, t] = c
    if trace:
        rec["h"] = out.copy()
    if p.time_major:
        out = np.swapaxes(out, 0, 1)
    return (out, rec) if trace else out
