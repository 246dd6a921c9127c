"""Load an int8 .tflite into plain numpy arrays and run it with TFLite-Micro integer semantics.

``load_int8_model(tflite_bytes)`` parses the flatbuffer (the TFLite schema bindings shipped
with ``tflite-micro``, else TensorFlow's; both need the ``flatbuffers`` package), extracts
every weight, bias and quantisation parameter, and derives each kernel's integer parameters
(multipliers, shifts, offsets, clamp ranges) exactly as the TFLM kernels' ``Prepare`` do.
Float appears only there.  ``Int8Network.run`` is then integer-only numpy.

Supported ops (int8): CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX,
UNIDIRECTIONAL_SEQUENCE_LSTM, REVERSE_V2, STRIDED_SLICE, CONCATENATION.

Batching: the .tflite has batch 1 (one letter per inference on the device, and the LSTM
state is reset per inference).  ``run`` accepts a batch of B examples and computes each as an
independent batch-1 inference (all at once, for speed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .conv import ConvParams, conv2d, conv_multipliers
from .fully_connected import FullyConnectedParams, fc_multipliers, fully_connected
from .lstm import LstmParams, lstm_int8
from .pool import PoolParams, average_pool2d, max_pool2d
from .quant import INT8_MAX, INT8_MIN, quantize_to_int8, tflite_round
from .softmax import SoftmaxParams, softmax_int8


def _schema():
    try:
        from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb
    except ImportError:  # pragma: no cover - fallback when only tensorflow is installed
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        from tensorflow.lite.python import schema_py_generated as fb
    return fb


_NP_TYPES = {"FLOAT32": np.float32, "INT32": np.int32, "UINT8": np.uint8, "INT64": np.int64, "INT16": np.int16, "INT8": np.int8, "BOOL": np.bool_}
_ACT = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}


@dataclass
class Tensor:
    """One tensor of the flatbuffer: metadata, quantisation, and constant data if any."""

    index: int
    name: str
    dtype: str  # schema type name, e.g. "INT8"
    shape: tuple
    scale: np.ndarray  # float32, empty if not quantised
    zero_point: np.ndarray  # int64
    quantized_dimension: int
    data: np.ndarray | None
    is_variable: bool

    @property
    def per_tensor(self) -> tuple[float, int]:
        if self.scale.size != 1:
            raise ValueError(f"tensor {self.name!r} is not per-tensor quantised ({self.scale.size} scales)")
        return float(self.scale[0]), int(self.zero_point[0])


@dataclass
class RawOp:
    name: str
    inputs: list
    outputs: list
    options: dict
    intermediates: list = field(default_factory=list)


@dataclass
class ParsedModel:
    tensors: list
    ops: list
    inputs: list
    outputs: list
    metadata: dict = field(default_factory=dict)  # name -> bytes (the flatbuffer's metadata entries)


def _metadata(model) -> dict:
    out = {}
    for m in model.metadata or []:
        name = m.name.decode() if isinstance(m.name, bytes) else str(m.name)
        b = model.buffers[m.buffer] if m.buffer < len(model.buffers) else None
        if b is not None and b.data is not None:
            out[name] = np.asarray(b.data, dtype=np.uint8).tobytes()
    return out


def parse_model(tflite_bytes: bytes) -> ParsedModel:
    """Parse the first subgraph of a .tflite flatbuffer into :class:`Tensor` and :class:`RawOp`."""
    fb = _schema()
    buf = bytearray(tflite_bytes)
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(buf, 0))
    if len(model.subgraphs) != 1:
        raise NotImplementedError(f"{len(model.subgraphs)} subgraphs; the golden model handles one")
    op_names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    type_names = {v: k for k, v in vars(fb.TensorType).items() if not k.startswith("_")}
    sg = model.subgraphs[0]
    tensors = []
    for i, t in enumerate(sg.tensors):
        dtype = type_names[t.type]
        q = t.quantization
        scale = np.asarray(q.scale if q is not None and q.scale is not None else [], dtype=np.float32)
        zp = np.asarray(q.zeroPoint if q is not None and q.zeroPoint is not None else [], dtype=np.int64)
        qdim = int(q.quantizedDimension) if q is not None else 0
        shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
        data = None
        b = model.buffers[t.buffer] if t.buffer < len(model.buffers) else None
        raw = None
        if b is not None:
            if b.data is not None and len(b.data) > 0:
                raw = np.asarray(b.data, dtype=np.uint8).tobytes()
            elif getattr(b, "offset", 0) and b.offset > 1:
                raw = bytes(tflite_bytes[b.offset : b.offset + b.size])
        if raw is not None:
            data = np.frombuffer(raw, dtype=_NP_TYPES[dtype]).reshape(shape).copy()
        name = t.name.decode() if isinstance(t.name, bytes) else str(t.name)
        tensors.append(Tensor(i, name, dtype, shape, scale, zp, qdim, data, bool(t.isVariable)))
    ops = []
    for op in sg.operators:
        oc = model.operatorCodes[op.opcodeIndex]
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        opts = {k: v for k, v in vars(op.builtinOptions).items()} if op.builtinOptions is not None else {}
        ops.append(
            RawOp(
                op_names.get(code, f"BUILTIN_{code}"),
                [int(i) for i in op.inputs],
                [int(i) for i in op.outputs],
                opts,
                [int(i) for i in op.intermediates] if op.intermediates is not None else [],
            )
        )
    return ParsedModel(tensors, ops, [int(i) for i in sg.inputs], [int(i) for i in sg.outputs], _metadata(model))


# ---------------------------------------------------------------------------------------
# quantised activation ranges (CalculateActivationRangeQuantized)
# ---------------------------------------------------------------------------------------
def _quantize_value(scale: float, zero_point: int, f: float) -> int:
    tmp = tflite_round(float(np.float32(np.float32(f) / np.float32(scale))))
    return int(zero_point) + int(tmp)


def activation_range(activation: int, scale: float, zero_point: int, qmin: int = INT8_MIN, qmax: int = INT8_MAX):
    act = _ACT.get(int(activation), str(activation))
    if act == "NONE":
        return qmin, qmax
    if act == "RELU":
        return max(qmin, _quantize_value(scale, zero_point, 0.0)), qmax
    if act == "RELU6":
        return max(qmin, _quantize_value(scale, zero_point, 0.0)), min(qmax, _quantize_value(scale, zero_point, 6.0))
    if act == "RELU_N1_TO_1":
        return max(qmin, _quantize_value(scale, zero_point, -1.0)), min(qmax, _quantize_value(scale, zero_point, 1.0))
    raise NotImplementedError(f"fused activation {act}")


# ---------------------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------------------
@dataclass
class Layer:
    """One op of the golden network: its kind, tensor indices and integer parameters."""

    name: str  # builtin op name
    inputs: list  # tensor indices (runtime inputs only for data ops)
    output: int  # tensor index
    params: object = None
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None

    def run(self, vals: dict, trace: dict | None = None) -> np.ndarray:
        x = vals[self.inputs[0]]
        k = self.name
        if k == "FULLY_CONNECTED":
            p = self.params
            flat = x.reshape(x.shape[0], -1) if x.ndim > 2 else x
            return fully_connected(flat, self.weights, self.bias, p).astype(np.int8)
        if k == "CONV_2D":
            return conv2d(x, self.weights, self.bias, self.params)
        if k == "MAX_POOL_2D":
            return max_pool2d(x, self.params)
        if k == "AVERAGE_POOL_2D":
            return average_pool2d(x, self.params)
        if k == "SOFTMAX":
            return softmax_int8(x, self.params)
        if k == "RESHAPE":
            return x.reshape((x.shape[0],) + tuple(self.params))
        if k == "REVERSE_V2":
            return np.flip(x, axis=tuple(self.params)).copy() if self.params else x
        if k == "STRIDED_SLICE":
            return x[(slice(None),) + tuple(self.params)].copy()
        if k == "CONCATENATION":
            return np.concatenate([vals[i] for i in self.inputs], axis=self.params)
        if k == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            if trace is not None:
                out, rec = lstm_int8(x, self.params, trace=True)
                trace[self.output] = rec
                return out
            return lstm_int8(x, self.params)
        raise NotImplementedError(k)


def _const(t: Tensor) -> np.ndarray:
    if t.data is None:
        raise ValueError(f"tensor {t.name!r} should be a constant")
    return t.data


def _opt_tensor(pm: ParsedModel, idx: int):
    return None if idx < 0 else pm.tensors[idx]


def _strided_slice_index(shape: tuple, begin, end, strides, o: dict) -> tuple:
    """Index tuple for axes 1.. (axis 0, the batch, must be taken whole)."""
    if o.get("ellipsisMask", 0) or o.get("newAxisMask", 0):
        raise NotImplementedError("STRIDED_SLICE with ellipsis/new-axis masks")
    bm, em, sm = o.get("beginMask", 0), o.get("endMask", 0), o.get("shrinkAxisMask", 0)
    offset = bool(o.get("offset", False))
    idx = []
    for ax, dim in enumerate(shape):
        b, e, s = int(begin[ax]), int(end[ax]), int(strides[ax])
        if sm >> ax & 1:
            i = b + dim if b < 0 else b
            if ax == 0:
                raise NotImplementedError("STRIDED_SLICE shrinking the batch axis")
            idx.append(i)
            continue
        start = None if bm >> ax & 1 else b
        stop = None if em >> ax & 1 else (b + e if offset else e)
        sl = slice(start, stop, s)
        if ax == 0:
            if len(range(dim)[sl]) != dim:
                raise NotImplementedError("STRIDED_SLICE must keep the batch axis whole")
            continue
        idx.append(sl)
    return tuple(idx)


def _build_layer(pm: ParsedModel, op: RawOp) -> Layer:
    T = pm.tensors
    out = T[op.outputs[0]]
    o = op.options
    k = op.name
    if k in ("FULLY_CONNECTED", "CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "SOFTMAX", "CONCATENATION", "RESHAPE", "REVERSE_V2", "STRIDED_SLICE"):
        x = T[op.inputs[0]]
        if x.dtype != "INT8" or out.dtype != "INT8":
            raise NotImplementedError(f"{k}: only int8 in/out is supported ({x.dtype} -> {out.dtype})")
    if k == "FULLY_CONNECTED":
        x, w = T[op.inputs[0]], T[op.inputs[1]]
        b = _opt_tensor(pm, op.inputs[2]) if len(op.inputs) > 2 else None
        if w.dtype != "INT8":
            raise NotImplementedError(f"FULLY_CONNECTED weights {w.dtype}")
        s_in, z_in = x.per_tensor
        s_out, z_out = out.per_tensor
        m, s = fc_multipliers(s_in, w.scale, s_out)
        lo, hi = activation_range(o.get("fusedActivationFunction", 0), s_out, z_out)
        if o.get("keepNumDims", False) and len(x.shape) > 2:
            raise NotImplementedError("FULLY_CONNECTED keep_num_dims on a >2-D input")
        p = FullyConnectedParams(-z_in, -int(w.zero_point[0]) if w.zero_point.size else 0, z_out, m, s, lo, hi)
        return Layer(k, [x.index], out.index, p, _const(w), None if b is None else _const(b).astype(np.int32))
    if k == "CONV_2D":
        x, w = T[op.inputs[0]], T[op.inputs[1]]
        b = _opt_tensor(pm, op.inputs[2]) if len(op.inputs) > 2 else None
        s_in, z_in = x.per_tensor
        s_out, z_out = out.per_tensor
        m, s = conv_multipliers(s_in, w.scale, s_out, w.shape[0])
        lo, hi = activation_range(o.get("fusedActivationFunction", 0), s_out, z_out)
        p = ConvParams(
            o["strideH"], o["strideW"], o.get("dilationHFactor", 1) or 1, o.get("dilationWFactor", 1) or 1,
            "SAME" if o["padding"] == 0 else "VALID", -z_in, z_out, m, s, lo, hi,
        )
        return Layer(k, [x.index], out.index, p, _const(w), None if b is None else _const(b).astype(np.int32))
    if k in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        x = T[op.inputs[0]]
        s_in, z_in = x.per_tensor
        s_out, z_out = out.per_tensor
        if abs(s_in - s_out) > 1e-6 or z_in != z_out:
            raise ValueError(f"{k}: input and output quantisation differ (TFLM rejects this)")
        lo, hi = activation_range(o.get("fusedActivationFunction", 0), s_out, z_out)
        p = PoolParams(o["filterHeight"], o["filterWidth"], o["strideH"], o["strideW"], "SAME" if o["padding"] == 0 else "VALID", lo, hi)
        return Layer(k, [x.index], out.index, p)
    if k == "SOFTMAX":
        x = T[op.inputs[0]]
        s_out, z_out = out.per_tensor
        if z_out != -128 or np.float32(s_out) != np.float32(1.0 / 256):
            raise ValueError("SOFTMAX int8 output must have scale 1/256 and zero point -128 (TFLM)")
        return Layer(k, [x.index], out.index, SoftmaxParams.from_scales(o.get("beta", 1.0), x.per_tensor[0]))
    if k == "RESHAPE":
        x = T[op.inputs[0]]
        if x.shape[0] != 1 or out.shape[0] != 1:
            raise NotImplementedError("RESHAPE must keep the batch of 1 in front")
        return Layer(k, [x.index], out.index, tuple(out.shape[1:]))
    if k == "REVERSE_V2":
        x, axes_t = T[op.inputs[0]], T[op.inputs[1]]
        rank = len(x.shape)
        axes = sorted({int(a) % rank for a in np.ravel(_const(axes_t))} - {0})  # batch axis has size 1
        return Layer(k, [x.index], out.index, axes)
    if k == "STRIDED_SLICE":
        x = T[op.inputs[0]]
        begin, end, strides = (_const(T[i]) for i in op.inputs[1:4])
        idx = _strided_slice_index(x.shape, begin, end, strides, o)
        return Layer(k, [x.index], out.index, idx)
    if k == "CONCATENATION":
        ins = [T[i] for i in op.inputs]
        if o.get("fusedActivationFunction", 0) != 0:
            raise NotImplementedError("CONCATENATION with a fused activation")
        for t in ins:
            if t.per_tensor[1] != out.per_tensor[1] or np.float32(t.per_tensor[0]) != np.float32(out.per_tensor[0]):
                raise ValueError("CONCATENATION int8 inputs must share the output quantisation (TFLM)")
        axis = int(o.get("axis", 0)) % len(out.shape)
        if axis == 0:
            raise NotImplementedError("CONCATENATION along the batch axis")
        return Layer(k, [t.index for t in ins], out.index, axis)
    if k == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        return Layer(k, [op.inputs[0]], out.index, _lstm_params(pm, op))
    raise NotImplementedError(f"op {k} is not supported by the golden model")


_LSTM_GATE_TENSORS = {"input": (1, 5, 12), "forget": (2, 6, 13), "cell": (3, 7, 14), "output": (4, 8, 15)}


def _lstm_params(pm: ParsedModel, op: RawOp) -> LstmParams:
    T = pm.tensors
    ins = op.inputs + [-1] * (24 - len(op.inputs))
    x = T[ins[0]]
    if x.dtype != "INT8":
        raise NotImplementedError(f"LSTM input type {x.dtype} (int8 only)")
    for i in (9, 10, 11, 16, 17, 20, 21, 22, 23):
        if ins[i] >= 0:
            raise NotImplementedError("LSTM variants (peephole, projection, layer norm) are not supported (TFLM neither)")
    weights, zps = {}, {}
    for g, (wi, wr, bi) in _LSTM_GATE_TENSORS.items():
        if ins[wi] < 0 or ins[wr] < 0:
            raise NotImplementedError("CIFG LSTM (no input gate) is not supported by TFLM")
        w_in, w_rec = T[ins[wi]], T[ins[wr]]
        for w in (w_in, w_rec):
            if w.dtype != "INT8" or w.scale.size != 1:
                raise NotImplementedError("TFLM's integer LSTM needs per-tensor int8 weights")
        bias = None if ins[bi] < 0 else _const(T[ins[bi]]).astype(np.int32)
        weights[g] = (_const(w_in), float(w_in.scale[0]), _const(w_rec), float(w_rec.scale[0]), bias)
        zps[g] = (int(w_in.zero_point[0]), int(w_rec.zero_point[0]))
    h, c = T[ins[18]], T[ins[19]]
    if c.dtype != "INT16":
        raise NotImplementedError(f"LSTM cell state {c.dtype} (int16 only)")
    act = _ACT.get(int(op.options.get("fusedActivationFunction", 4)), "?")
    s_in, z_in = x.per_tensor
    s_h, z_h = h.per_tensor
    return LstmParams.from_tensors(
        input_scale=s_in,
        input_zero_point=z_in,
        weights=weights,
        hidden_scale=s_h,
        hidden_zero_point=z_h,
        cell_scale=float(c.scale[0]),
        cell_clip=float(op.options.get("cellClip", 0.0)),
        cell_activation="tanh" if act == "TANH" else act.lower(),
        time_major=bool(op.options.get("timeMajor", False)),
        weight_zero_points=zps,
    )


# ---------------------------------------------------------------------------------------
# the network
# ---------------------------------------------------------------------------------------
@dataclass
class LayerOutput:
    op_index: int
    op_name: str
    tensor_index: int
    tensor_name: str
    value: np.ndarray


class Int8Network:
    """An int8 network as numpy arrays + an op list, run with TFLM integer semantics."""

    def __init__(self, parsed: ParsedModel):
        if len(parsed.inputs) != 1 or len(parsed.outputs) != 1:
            raise NotImplementedError("single-input, single-output models only")
        self.tensors = parsed.tensors
        self.layers = [_build_layer(parsed, op) for op in parsed.ops]
        self.input_index = parsed.inputs[0]
        self.output_index = parsed.outputs[0]
        tin, tout = self.tensors[self.input_index], self.tensors[self.output_index]
        if tin.dtype != "INT8" or tout.dtype != "INT8":
            raise NotImplementedError(f"int8 input/output expected, got {tin.dtype}/{tout.dtype}")
        self.input_shape = tin.shape
        self.output_shape = tout.shape
        self.input_scale, self.input_zero_point = tin.per_tensor
        self.output_scale, self.output_zero_point = tout.per_tensor
        #: the flatbuffer's metadata entries (name -> bytes), e.g. ``SIGNAL_NORM_METADATA``
        self.metadata = dict(parsed.metadata)
        fcs = [layer for layer in self.layers if layer.name == "FULLY_CONNECTED"]
        #: tensor index of the last FULLY_CONNECTED's input: the network's feature vector
        #: (what ``run_with_features`` returns; the few-shot calibration's ``golden.calibrate``)
        self.feature_index = fcs[-1].inputs[0] if fcs else None

    @property
    def op_names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    def quantize_input(self, x_float) -> np.ndarray:
        """float -> int8 with the model's input scale and zero point (host side)."""
        return quantize_to_int8(x_float, self.input_scale, self.input_zero_point)

    def dequantize_output(self, q) -> np.ndarray:
        return (np.asarray(q, dtype=np.float64) - self.output_zero_point) * self.output_scale

    def _batch(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype != np.int8:
            raise TypeError(f"int8 input expected, got {x.dtype} (use quantize_input)")
        per_example = tuple(self.input_shape[1:])
        if x.shape == per_example:
            x = x[None]
        if tuple(x.shape[1:]) != per_example:
            raise ValueError(f"input shape {x.shape}; the model wants (B,) + {per_example}")
        return x

    def run(self, x_int8, return_all: bool = False, lstm_trace: bool = False):
        """int8 input, one example (shape without batch) or a batch (B, ...) -> int8 (B, ...) output.

        With ``return_all=True`` returns ``(output, layers)``, ``layers`` being a list of
        :class:`LayerOutput` (every op's int8 output, in execution order); with
        ``lstm_trace=True`` too, ``(output, layers, traces)`` where ``traces`` maps each LSTM
        output tensor index to its per-step gates / cell / hidden values.
        """
        vals = {self.input_index: self._batch(x_int8)}
        traces = {} if lstm_trace else None
        outs = []
        for i, layer in enumerate(self.layers):
            y = layer.run(vals, traces)
            vals[layer.output] = y
            if return_all:
                outs.append(LayerOutput(i, layer.name, layer.output, self.tensors[layer.output].name, y))
        y = vals[self.output_index]
        if lstm_trace:
            return y, outs, traces
        return (y, outs) if return_all else y

    def run_with_features(self, x_int8) -> tuple[np.ndarray, np.ndarray]:
        """``run`` plus the int8 input of the last FULLY_CONNECTED (the one feeding SOFTMAX),
        flattened per example: ``(output (B, ...), features (B, F))``; F is 100 for the
        BiLSTM, 128 for the CNN.  The output is ``run``'s, to the bit."""
        if self.feature_index is None:
            raise ValueError("the network has no FULLY_CONNECTED layer: no feature vector")
        y, layers = self.run(x_int8, return_all=True)
        by_tensor = {lo.tensor_index: lo.value for lo in layers}
        feat = by_tensor[self.feature_index] if self.feature_index in by_tensor else self._batch(x_int8)
        return y, np.asarray(feat, dtype=np.int8).reshape(feat.shape[0], -1)

    def predict(self, x_int8) -> np.ndarray:
        """argmax of the int8 output per example (class indices)."""
        return np.argmax(self.run(x_int8), axis=-1)


def load_int8_model(tflite_bytes: bytes) -> Int8Network:
    """Parse an int8 .tflite (bytes) into an :class:`Int8Network`."""
    return Int8Network(parse_model(tflite_bytes))
