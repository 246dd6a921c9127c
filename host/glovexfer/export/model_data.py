"""Export an int8 .tflite as C++ model data for the firmware networks (firmware/core/network.h).

``write_model_source(tflite_bytes, name, out_dir)`` writes ``gx_model_<name>.h`` and
``gx_model_<name>.cpp``: every weight, bias and integer quantisation parameter as constant
arrays, and a ``constexpr`` :cpp:`gx::GxLstmNetModel` / :cpp:`gx::GxCnnNetModel` /
:cpp:`gx::GxSignalNetModel` descriptor that points at them.  The numbers are the golden model's (``glovexfer.golden.network``
derives multipliers, shifts, offsets, clamp ranges and LSTM constants from the flatbuffer
exactly as TFLM's ``Prepare`` does), so the firmware runs the same integers as
``Int8Network.run``.

Every scalar parameter is stored in one int32 array (``kQ``) that the descriptor reads by
index.  The checksum covers what the firmware reads, not how the source spells it: FNV-1a 32
over the canonical serialisation of the descriptor's initialiser, field by field in struct
order (:func:`canonical_bytes`): an int32 field as 4 bytes little-endian, a pointer as int32
1 followed by the bytes of the array it points at (or int32 0 for ``nullptr``), the version
string as its int32 length and its bytes.  The firmware walks the structs the same way at
start-up (``gx_*_net_verify``, firmware/core/model_check.cpp), after range-checking every
dimension, index, shift and zero point, so that the lengths it reads are the compiled-in ones.
``kBlobs`` lists every array with its ``sizeof``: the firmware reads only within these bounds,
so a corrupted count (``n_mult``) or dimension is refused before anything is read past an
array.  ``io_checksum`` is the checksum of the input-quantiser and softmax constants
(``glovexfer.export.model_io``) derived here from the .tflite's scales: the firmware compares it
with the ``gx_model_io.h`` it was built with.  The version string names the export format,
the model and the first 16 hex digits of the .tflite's SHA-256.

Supported topologies: the paper BiLSTM (REVERSE_V2, 2x UNIDIRECTIONAL_SEQUENCE_LSTM,
2x STRIDED_SLICE, CONCATENATION, FULLY_CONNECTED) and the paper CNN (CONV_2D, MAX_POOL_2D,
CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, FULLY_CONNECTED) and the signal network
(CONV_2D x2, MAX_POOL_2D, CONV_2D x2, AVERAGE_POOL_2D, FULLY_CONNECTED on a (1, 1, 32, 9)
input; ``glovexfer.nets.models.signal_net``) and the letter spotter (CONV_2D x5, dilated
1 x k, on a (1, 1, 96, 6) input; ``golden.spotting``, firmware/core/spotter.h); anything else
raises.  The spotter has no io constants (its input is the int8 features as they are): its
``io_checksum`` is 0.

The signal network's input standardisation (the .tflite's ``glovexfer_signal_norm`` metadata)
is written into the ``.cpp`` header as ``// signal norm: <JSON>`` (floats as Python reprs,
exact), from which ``glovexfer.device.model_io`` derives the device's input quantiser
(``golden.signals.signal_quantiser``); the tflite SHA-256 in the version covers it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from ..golden.conv import compute_padding
from ..golden.lstm import GATES
from ..golden.network import Int8Network, load_int8_model

FORMAT_VERSION = 2
LSTM_OPS = [
    "REVERSE_V2", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "STRIDED_SLICE", "CONCATENATION", "FULLY_CONNECTED",
]
CNN_OPS = ["CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "FULLY_CONNECTED"]
SIGNAL_OPS = ["CONV_2D", "CONV_2D", "MAX_POOL_2D", "CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED"]
SIGNAL_ROLES = ["conv1", "conv2", "pool1", "conv3", "conv4", "pool2", "logits"]
#: the letter spotter of continuous writing (``golden.spotting``): dilated 1 x k convolutions
SPOTTER_OPS = ["CONV_2D"] * 5
SPOTTER_ROLES = ["conv1", "conv2", "conv3", "conv4", "logits"]
#: the ``.cpp`` header line carrying the signal network's standardisation (JSON)
SIGNAL_NORM_PREFIX = "// signal norm: "


def fnv1a32(data: bytes) -> int:
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


_CANON_TOKEN = re.compile(
    r"\s*(?:static_cast<int32_t>\(sizeof (?P<len>k\w+) / sizeof (?P=len)\[0\]\)|kQ\[(?P<q>\d+)\]\s*/\*.*?\*/|(?P<null>nullptr)|(?P<arr>k[A-Za-z0-9_]*)|(?P<int>-?\d+)|(?P<str>\"[^\"]*\")|[{},])",
    re.S,
)


def _i32(v: int) -> bytes:
    return int(v & 0xFFFFFFFF).to_bytes(4, "little")


def canonical_bytes(initialiser: str, arrays: dict, q: list) -> bytes:
    """The canonical serialisation of a descriptor initialiser (its C text, fields in struct
    order): ``kQ[i]``, integer literals and an array's ``sizeof`` length -> int32 LE, an array name -> int32 1 + the array's
    little-endian bytes, ``nullptr`` -> int32 0, a string -> int32 length + its bytes.  Any
    other token raises (the firmware's walk, model_check.cpp, must learn every new field)."""
    out = []
    pos = 0
    text = initialiser.rstrip()
    while pos < len(text):
        m = _CANON_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"descriptor initialiser: unexpected text {text[pos:pos + 40]!r}")
        pos = m.end()
        if m.group("len") is not None:
            out.append(_i32(arrays[m.group("len")].size))
        elif m.group("q") is not None:
            out.append(_i32(q[int(m.group("q"))]))
        elif m.group("null") is not None:
            out.append(_i32(0))
        elif m.group("arr") is not None:
            a = arrays[m.group("arr")]
            out.append(_i32(1) + a.astype(a.dtype.newbyteorder("<")).tobytes())
        elif m.group("int") is not None:
            out.append(_i32(int(m.group("int"))))
        elif m.group("str") is not None:
            b = m.group("str")[1:-1].encode("ascii")
            out.append(_i32(len(b)) + b)
    return b"".join(out)


def network_kind(net: Int8Network) -> str:
    """``'lstm'``, ``'cnn'`` (the op sequence of the paper topologies), ``'signal'`` (the
    device signal network) or ``'spotter'`` (the letter spotter), else ValueError."""
    names = sorted(net.op_names)
    if names == sorted(LSTM_OPS):
        return "lstm"
    if net.op_names == CNN_OPS:
        return "cnn"
    if net.op_names == SIGNAL_OPS:
        return "signal"
    if net.op_names == SPOTTER_OPS:
        return "spotter"
    raise ValueError(f"not a paper topology nor the signal network: {net.op_names}")


def layer_roles(net: Int8Network) -> list[str]:
    """The firmware trace name of each golden layer (``Int8Network.run(return_all=True)``).

    LSTM: reversed, lstm_bwd, slice_bwd, lstm_fwd, slice_fwd, concat, logits;
    CNN: conv1, pool1, conv2, pool2, reshape, hidden, logits;
    signal: conv1, conv2, pool1, conv3, conv4, pool2, logits.
    """
    kind = network_kind(net)
    if kind == "cnn":
        return ["conv1", "pool1", "conv2", "pool2", "reshape", "hidden", "logits"]
    if kind == "signal":
        return list(SIGNAL_ROLES)
    if kind == "spotter":
        return list(SPOTTER_ROLES)
    by_out = {layer.output: layer for layer in net.layers}
    roles = []
    for layer in net.layers:
        if layer.name == "REVERSE_V2":
            roles.append("reversed")
        elif layer.name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            roles.append("lstm_bwd" if by_out.get(layer.inputs[0]) is not None else "lstm_fwd")
        elif layer.name == "STRIDED_SLICE":
            src = by_out[layer.inputs[0]]
            roles.append("slice_bwd" if by_out.get(src.inputs[0]) is not None else "slice_fwd")
        elif layer.name == "CONCATENATION":
            roles.append("concat")
        else:
            roles.append("logits")
    return roles


# ---------------------------------------------------------------------------------------
# C++ emission
# ---------------------------------------------------------------------------------------
_CTYPES = {np.int8: "int8_t", np.int16: "int16_t", np.int32: "int32_t"}


def lstm_pairs(units: int) -> int:
    """Column pairs of the packed LSTM layout: ceil(units / 2); firmware lstm.h gx_lstm_pairs."""
    return (units + 1) // 2


def _pair_words(lo, hi) -> np.ndarray:
    """int16 pairs (lo, hi) as the two int16 halves of one little-endian word."""
    return np.stack([np.asarray(lo, np.int64), np.asarray(hi, np.int64)], axis=-1)


def lstm_packed(p) -> np.ndarray | None:
    """The LSTM weights laid out for the firmware kernel (lstm.cpp), int16, or None when the
    input is not two features (the kernel's reference path then reads the int8 arrays).

    Per unit k, 16 + 8 * pairs int16 (gates in GxLstmGate order: input, forget, cell,
    output): per gate its bias as int32 (low half, high half) and its input-weight pair
    (w[k][0], w[k][1]); then for each column pair j the 4 gates' recurrent pairs
    (R[k][2j], R[k][2j+1]), zero beyond the units. Every value doubled (|2w| <= 256, an
    int16; the bias modulo 2^32): the kernel's sums then arrive as the 2x its high multiply
    takes. A re-layout of the int8 arrays, which the firmware re-checks at start-up."""
    n, i = p.gates["forget"].w_input.shape
    if i != 2:
        return None
    pairs = lstm_pairs(n)
    out = np.zeros((n, 8 + 4 * pairs, 2), np.int64)
    for g, name in enumerate(GATES):
        q = p.gates[name]
        b = np.zeros(n, np.int64) if q.bias is None else np.asarray(q.bias, np.int64)
        u = (2 * b) & 0xFFFFFFFF
        w = 2 * np.asarray(q.w_input, np.int64)
        out[:, 2 * g] = _pair_words(u & 0xFFFF, u >> 16)
        out[:, 2 * g + 1] = _pair_words(w[:, 0], w[:, 1])
        r = np.zeros((n, 2 * pairs), np.int64)
        r[:, :n] = 2 * np.asarray(q.w_recurrent, np.int64)
        out[:, 8 + g :: 4] = _pair_words(r[:, 0::2], r[:, 1::2])
    # the bias halves are unsigned 16-bit patterns: as int16 they wrap
    return ((out.reshape(-1) + 0x8000) % 0x10000 - 0x8000).astype(np.int16)


class _Emitter:
    def __init__(self, ident: str):
        self.ident = ident
        self.arrays: list[tuple[str, str, np.ndarray]] = []  # (c name, c type, values)
        self.q: list[tuple[int, str]] = []  # scalar parameters (value, comment)
        self.asserts: list[str] = []  # static_asserts on the arrays' lengths

    def array(self, cname: str, values, dtype) -> str:
        a = np.ascontiguousarray(np.asarray(values).astype(dtype).ravel())
        self.arrays.append((cname, _CTYPES[dtype], a))
        return cname

    def scalar(self, value, what: str) -> str:
        v = int(value)
        if not -(2**31) <= v < 2**31:
            raise ValueError(f"{what} = {v} does not fit int32")
        self.q.append((v, what))
        return f"kQ[{len(self.q) - 1}] /* {what} */"


def _fmt(a: np.ndarray, per_line: int = 20) -> str:
    vals = [str(int(v)) for v in a]
    if not vals:
        vals = ["0"]
    lines = [", ".join(vals[i : i + per_line]) for i in range(0, len(vals), per_line)]
    return "    " + ",\n    ".join(lines)


def _fc(e: _Emitter, pfx: str, p) -> str:
    mult = e.array(f"k{pfx}Mult", p.multiplier, np.int32)
    shift = e.array(f"k{pfx}Shift", p.shift, np.int32)
    return (
        "{" + ", ".join([
            e.scalar(p.input_offset, f"{pfx} input_offset"),
            e.scalar(p.weights_offset, f"{pfx} weights_offset"),
            e.scalar(p.output_offset, f"{pfx} output_offset"),
            e.scalar(p.act_min, f"{pfx} act_min"),
            e.scalar(p.act_max, f"{pfx} act_max"),
            mult, shift, _n_of(e, mult, shift),
        ]) + "}"
    )


def _n_of(e: _Emitter, mult: str, shift: str) -> str:
    """n_mult as the multiplier array's own length: no literal that could disagree with the
    arrays the kernels index (the shift array is asserted to have the same length)."""
    e.asserts.append(f"static_assert(sizeof {shift} == sizeof {mult}, \"one shift per multiplier\");")
    return f"static_cast<int32_t>(sizeof {mult} / sizeof {mult}[0])"


def _bias(e: _Emitter, cname: str, bias) -> str:
    return "nullptr" if bias is None else e.array(cname, bias, np.int32)


def _lstm(e: _Emitter, pfx: str, p) -> str:
    if p.time_major:
        raise ValueError("time-major LSTM is not supported by the firmware")
    n, i = p.gates["forget"].w_input.shape
    gates = []
    for g in GATES:  # input, forget, cell, output = GxLstmGate order
        q = p.gates[g]
        G = pfx + g.capitalize()
        gates.append(
            "{" + ", ".join([
                e.array(f"k{G}WIn", q.w_input, np.int8),
                e.array(f"k{G}WRec", q.w_recurrent, np.int8),
                _bias(e, f"k{G}Bias", q.bias),
                _fc(e, f"{G}FcIn", q.fc_input),
                _fc(e, f"{G}FcRec", q.fc_recurrent),
            ]) + "}"
        )
    fields = [
        e.scalar(i, f"{pfx} in_dim"), e.scalar(n, f"{pfx} units"),
        e.scalar(p.hidden_zero_point, f"{pfx} hidden_zero_point"),
        e.scalar(p.cell_state_scale_power, f"{pfx} cell_state_scale_power"),
        e.scalar(p.forget_cell_mul[0], f"{pfx} forget_cell_mul"), e.scalar(p.forget_cell_mul[1], f"{pfx} forget_cell_shift"),
        e.scalar(p.input_mul[0], f"{pfx} input_mul"), e.scalar(p.input_mul[1], f"{pfx} input_shift"),
        e.scalar(p.output_mul[0], f"{pfx} output_mul"), e.scalar(p.output_mul[1], f"{pfx} output_shift"),
        e.scalar(1 if p.cell_clip > 0 else 0, f"{pfx} use_cell_clip"),
        e.scalar(p.quantized_cell_clip, f"{pfx} quantized_cell_clip"),
    ]
    packed = lstm_packed(p)
    packed_c = "nullptr" if packed is None else e.array(f"k{pfx}Packed", packed, np.int16)
    return "{" + ", ".join(fields) + ", {\n        " + ",\n        ".join(gates) + "},\n        " + packed_c + "}"


def _conv(e: _Emitter, pfx: str, layer, in_shape, out_shape) -> str:
    p = layer.params
    _, kh, kw, _ = layer.weights.shape
    _, pad_t = compute_padding(p.padding, in_shape[0], kh, p.stride_h, p.dilation_h)
    _, pad_l = compute_padding(p.padding, in_shape[1], kw, p.stride_w, p.dilation_w)
    s = lambda v, w: e.scalar(v, f"{pfx} {w}")
    return "{" + ", ".join([
        s(in_shape[0], "in_h"), s(in_shape[1], "in_w"), s(in_shape[2], "in_c"),
        s(out_shape[0], "out_h"), s(out_shape[1], "out_w"), s(out_shape[2], "out_c"),
        s(kh, "k_h"), s(kw, "k_w"), s(p.stride_h, "stride_h"), s(p.stride_w, "stride_w"),
        s(p.dilation_h, "dilation_h"), s(p.dilation_w, "dilation_w"), s(pad_t, "pad_t"), s(pad_l, "pad_l"),
        s(p.input_offset, "input_offset"), s(p.output_offset, "output_offset"),
        s(p.act_min, "act_min"), s(p.act_max, "act_max"),
        e.array(f"k{pfx}Mult", p.multiplier, np.int32), e.array(f"k{pfx}Shift", p.shift, np.int32),
    ]) + "}"


def _pool(e: _Emitter, pfx: str, layer, in_shape, out_shape) -> str:
    p = layer.params
    _, pad_t = compute_padding(p.padding, in_shape[0], p.filter_h, p.stride_h)
    _, pad_l = compute_padding(p.padding, in_shape[1], p.filter_w, p.stride_w)
    s = lambda v, w: e.scalar(v, f"{pfx} {w}")
    return "{" + ", ".join([
        s(in_shape[0], "in_h"), s(in_shape[1], "in_w"), s(in_shape[2], "c"),
        s(out_shape[0], "out_h"), s(out_shape[1], "out_w"),
        s(p.filter_h, "f_h"), s(p.filter_w, "f_w"), s(p.stride_h, "stride_h"), s(p.stride_w, "stride_w"),
        s(pad_t, "pad_t"), s(pad_l, "pad_l"), s(p.act_min, "act_min"), s(p.act_max, "act_max"),
    ]) + "}"


def _slice_step(layer, seq_shape) -> int:
    """The time index a STRIDED_SLICE takes from a (1, T, N) LSTM output (must be one whole step)."""
    t, n = seq_shape
    probe = np.arange(t * n).reshape(1, t, n)
    got = np.ravel(probe[(slice(None),) + tuple(layer.params)])
    step = int(got[0]) // n
    if got.size != n or not np.array_equal(got, np.arange(step * n, step * n + n)):
        raise ValueError(f"STRIDED_SLICE {layer.params} does not take one whole time step")
    return step


def _lstm_body(e: _Emitter, net: Int8Network) -> str:
    roles = dict(zip(layer_roles(net), net.layers))
    rev = roles["reversed"]
    if rev.params != [1]:
        raise ValueError(f"REVERSE_V2 over axes {rev.params}, expected the time axis [1]")
    if rev.inputs[0] != net.input_index or roles["lstm_fwd"].inputs[0] != net.input_index:
        raise ValueError("unexpected LSTM wiring")
    seq_shape = net.tensors[roles["lstm_fwd"].output].shape[1:]
    cat = roles["concat"]
    bwd_first = 1 if cat.inputs[0] == roles["slice_bwd"].output else 0
    fc = roles["logits"]
    t, i = net.input_shape[1:]
    fields = [
        e.scalar(t, "steps"), e.scalar(i, "in_dim"), e.scalar(seq_shape[1], "units"),
        e.scalar(net.output_shape[-1], "classes"), e.scalar(1, "reverse_time"),
        _lstm(e, "Bwd", roles["lstm_bwd"].params), _lstm(e, "Fwd", roles["lstm_fwd"].params),
        e.scalar(_slice_step(roles["slice_bwd"], seq_shape), "bwd_slice_step"),
        e.scalar(_slice_step(roles["slice_fwd"], seq_shape), "fwd_slice_step"),
        e.scalar(bwd_first, "bwd_first"),
        e.array("kFcW", fc.weights, np.int8), _bias(e, "kFcB", fc.bias), _fc(e, "Fc", fc.params),
    ]
    return ",\n    ".join(fields)


def _cnn_body(e: _Emitter, net: Int8Network) -> str:
    L = net.layers
    shp = lambda idx: net.tensors[idx].shape[1:]
    in_shape = tuple(net.input_shape[1:])
    fields = []
    prev = in_shape
    for k, (conv, pool) in enumerate(((L[0], L[1]), (L[2], L[3])), start=1):
        fields += [
            _conv(e, f"Conv{k}", conv, prev, shp(conv.output)),
            e.array(f"kConv{k}W", conv.weights, np.int8), _bias(e, f"kConv{k}B", conv.bias),
            _pool(e, f"Pool{k}", pool, shp(conv.output), shp(pool.output)),
        ]
        prev = shp(pool.output)
    for k, fc in ((1, L[5]), (2, L[6])):
        n, d = fc.weights.shape
        fields += [
            e.scalar(d, f"fc{k}_in"), e.scalar(n, f"fc{k}_out"),
            e.array(f"kFc{k}W", fc.weights, np.int8), _bias(e, f"kFc{k}B", fc.bias), _fc(e, f"Fc{k}", fc.params),
        ]
    return ",\n    ".join(fields)


def _signal_body(e: _Emitter, net: Int8Network) -> str:
    L = net.layers
    shp = lambda idx: tuple(net.tensors[idx].shape[1:])
    if tuple(net.input_shape) != (1, 1, 32, 9):
        raise ValueError(f"signal network input shape {net.input_shape}, expected (1, 1, 32, 9)")
    fields = []
    prev = tuple(net.input_shape[1:])
    for pfx, layer in zip(("Conv1", "Conv2", "Pool1", "Conv3", "Conv4", "Pool2"), L[:6]):
        out = shp(layer.output)
        if layer.name == "CONV_2D":
            fields += [
                _conv(e, pfx, layer, prev, out),
                e.array(f"k{pfx}W", layer.weights, np.int8), _bias(e, f"k{pfx}B", layer.bias),
            ]
        else:  # MAX_POOL_2D, AVERAGE_POOL_2D (SIGNAL_OPS order, checked by network_kind)
            fields.append(_pool(e, pfx, layer, prev, out))
        prev = out
    fc = L[6]
    n, d = fc.weights.shape
    fields += [
        e.scalar(d, "fc_in"), e.scalar(n, "fc_out"),
        e.array("kFcW", fc.weights, np.int8), _bias(e, "kFcB", fc.bias), _fc(e, "Fc", fc.params),
    ]
    return ",\n    ".join(fields)


def _spotter_body(e: _Emitter, net: Int8Network) -> str:
    """Five convolutions, each (GxConvParams, weights, bias): GxSpotterNetModel's layers."""
    from ..golden.spotting import check_spotter

    check_spotter(net)  # the input is the features as they are; one logit per sample
    shp = lambda idx: tuple(net.tensors[idx].shape[1:])
    layers = []
    prev = tuple(net.input_shape[1:])
    for k, layer in enumerate(net.layers, start=1):
        out = shp(layer.output)
        layers.append("{" + ", ".join([
            _conv(e, f"Conv{k}", layer, prev, out),
            e.array(f"kConv{k}W", layer.weights, np.int8), _bias(e, f"kConv{k}B", layer.bias),
        ]) + "}")
        prev = out
    return "{\n    " + ",\n    ".join(layers) + "}"


def signal_norm_line(net: Int8Network) -> str:
    """The ``// signal norm: {...}`` header line of a signal network's ``.cpp``."""
    from ..golden.signals import norm_from_metadata, norm_metadata, signal_quantiser

    mean, std = norm_from_metadata(net.metadata)
    signal_quantiser(mean, std, float(net.input_scale), int(net.input_zero_point))  # raises if unusable
    return SIGNAL_NORM_PREFIX + norm_metadata(mean, std).decode()


def model_source_text(tflite_bytes: bytes, name: str) -> tuple[str, str]:
    """(header text, source text) of the model data; see :func:`write_model_source`."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"model name {name!r} must be a C identifier")
    net = load_int8_model(tflite_bytes)
    kind = network_kind(net)
    e = _Emitter(name)
    body = {"lstm": _lstm_body, "cnn": _cnn_body, "signal": _signal_body, "spotter": _spotter_body}[kind](e, net)
    struct = {"lstm": "GxLstmNetModel", "cnn": "GxCnnNetModel", "signal": "GxSignalNetModel",
              "spotter": "GxSpotterNetModel"}[kind]
    norm = signal_norm_line(net) + "\n" if kind == "signal" else ""
    sha = hashlib.sha256(tflite_bytes).hexdigest()[:16]
    version = f"gxmodel/{FORMAT_VERSION} {name} {kind} tflite-sha256:{sha}"
    from .model_io import io_canonical_bytes

    # the spotter has no io constants (its input is the int8 features, scale 1 and zero point
    # 0; its threshold is the output zero point): io_checksum 0, which the firmware requires
    io_sum = 0 if kind == "spotter" else fnv1a32(io_canonical_bytes(io_of(net, kind, version)))
    # GxModelInfo without its own checksum field, then the network's fields
    canon_text = f"{{\"{version}\", {io_sum}, {int(net.input_zero_point)}, {int(net.output_zero_point)}}},\n    {body}"
    checksum = fnv1a32(canonical_bytes(canon_text, {c: a for c, _, a in e.arrays}, [v for v, _ in e.q]))
    fn = f"gx_model_{name}"
    guard = f"GX_MODEL_{name.upper()}_H"
    header = (
        f"// Generated by glovexfer.export.model_data.write_model_source -- do not edit.\n"
        f"// {version}\n#ifndef {guard}\n#define {guard}\n\n#include \"{'spotter.h' if kind == 'spotter' else 'network.h'}\"\n\n"
        f"namespace gx {{\n\n"
        f"// {kind.upper()} model data; check with gx_{kind}_net_verify({fn}()) at start-up.\n"
        f"const {struct}* {fn}();\n\nconstexpr uint32_t k{name.capitalize()}Checksum = 0x{checksum:08X}u;\n\n"
        f"}}  // namespace gx\n\n#endif  // {guard}\n"
    )
    parts = [
        (
            f"// Generated by glovexfer.export.model_data.write_model_source -- do not edit.\n// {version}\n"
            f"// input: scale {net.input_scale!r}, zero point {net.input_zero_point}; "
            f"output: scale {net.output_scale!r}, zero point {net.output_zero_point}\n"
            f"{norm}"
            f"#include \"gx_model_{name}.h\"\n\nnamespace gx {{\nnamespace {{\n"
        )
    ]
    for cname, ctype, a in e.arrays:
        # word-aligned: the kernels read int16 pairs and int8 quads as words
        parts.append(f"alignas(4) constexpr {ctype} {cname}[{max(a.size, 1)}] = {{\n{_fmt(a)}\n}};\n")
    parts += [a + "\n" for a in e.asserts]
    parts.append("// every scalar parameter (index: meaning)\nconstexpr int32_t kQ[] = {\n")
    parts += [f"    {v},  // {i}: {what}\n" for i, (v, what) in enumerate(e.q)]
    parts.append("};\n\n// the arrays' bounds, within which the start-up check reads\nconstexpr GxBlob kBlobs[] = {\n")
    parts += [f"    {{{cname}, sizeof {cname}}},\n" for cname, _, _ in e.arrays]
    parts.append("};\n\n")
    parts.append(
        f"constexpr {struct} kModel = {{\n    {{\"{version}\", 0x{checksum:08X}u, 0x{io_sum:08X}u, "
        f"{int(net.input_zero_point)}, {int(net.output_zero_point)}, kBlobs, "
        f"static_cast<int32_t>(sizeof kBlobs / sizeof kBlobs[0])}},\n    {body}\n}};\n\n}}  // namespace\n\n"
        f"const {struct}* {fn}() {{ return &kModel; }}\n\n}}  // namespace gx\n"
    )
    return header, "".join(parts)


def io_of(net: Int8Network, kind: str, version: str):
    """The ``gx_model_io.h`` constants of this network (``glovexfer.export.model_io``), from
    the .tflite's own scales: what the firmware's io constants must hash to."""
    from .model_io import net_io, signal_io
    from ..golden.signals import norm_from_metadata

    if kind == "signal":
        mean, std = norm_from_metadata(net.metadata)
        return signal_io(version, mean, std, float(net.input_scale), int(net.input_zero_point), float(net.output_scale))
    return net_io(kind, version, float(net.input_scale), int(net.input_zero_point), float(net.output_scale))


def write_model_source(tflite_bytes: bytes, name: str, out_dir) -> tuple[Path, Path]:
    """Write ``gx_model_<name>.h`` / ``.cpp`` into ``out_dir``; returns their paths.

    Compile the .cpp with firmware/core on the include path (it includes ``network.h``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    header, source = model_source_text(tflite_bytes, name)
    h, c = out / f"gx_model_{name}.h", out / f"gx_model_{name}.cpp"
    h.write_text(header)
    c.write_text(source)
    return h, c
