"""TFLite-Micro as the referee: a thin wrapper around the ``tflite_micro`` Python interpreter.

TFLM (not LiteRT's ``tf.lite.Interpreter``, whose int8 LSTM differs) is the reference the
firmware and the golden model must match.  The LSTM's state lives in variable tensors that
persist across ``invoke`` calls, so :meth:`TflmModel.run` resets the interpreter before every
example (one letter = one fresh inference, as on the device).
"""

from __future__ import annotations

import numpy as np

from ..golden.quant import quantize_to_int8


def _runtime():
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as e:  # pragma: no cover
        raise ImportError("the tflite-micro package is needed (pip install 'glovexfer[train]')") from e
    return runtime


class TflmModel:
    """One .tflite model in a TFLite-Micro interpreter (batch 1, single input and output).

    ``preserve_all_tensors=True`` keeps every intermediate tensor readable after ``invoke``
    (:meth:`tensor`), for layer-by-layer comparison with the golden model.
    """

    def __init__(self, tflite_bytes: bytes, arena_size: int | None = None, preserve_all_tensors: bool = False):
        rt = _runtime()
        cfg = rt.InterpreterConfig.kPreserveAllTensors if preserve_all_tensors else rt.InterpreterConfig.kAllocationRecording
        if arena_size is None:
            arena_size = max(64 * 1024, 16 * len(tflite_bytes))
        self._interp = rt.Interpreter.from_bytes(bytes(tflite_bytes), arena_size=arena_size, intrepreter_config=cfg)
        self.input_details = self._interp.get_input_details(0)
        self.output_details = self._interp.get_output_details(0)
        # (scale, zero point); None for float tensors
        self.input_scale, self.input_zero_point = self._qparams(self.input_details)
        self.output_scale, self.output_zero_point = self._qparams(self.output_details)
        self.input_shape = tuple(int(d) for d in self.input_details["shape"])
        self.output_shape = tuple(int(d) for d in self.output_details["shape"])
        self.input_dtype = np.dtype(self.input_details["dtype"])
        self.output_dtype = np.dtype(self.output_details["dtype"])

    @staticmethod
    def _qparams(details) -> tuple:
        q = details.get("quantization_parameters") or {}
        scales = np.asarray(q.get("scales", []))
        if scales.size == 0:
            return None, None
        return float(scales[0]), int(np.asarray(q["zero_points"])[0])

    def quantize_input(self, x_float) -> np.ndarray:
        """float -> int8 with the model's input (scale, zero point): round half away from 0, clamp."""
        if self.input_scale is None:
            raise ValueError("the model's input is not quantised")
        return quantize_to_int8(x_float, self.input_scale, self.input_zero_point)

    def dequantize_output(self, q) -> np.ndarray:
        if self.output_scale is None:
            return np.asarray(q, dtype=np.float64)
        return (np.asarray(q, dtype=np.float64) - self.output_zero_point) * self.output_scale

    def run(self, x_int8) -> np.ndarray:
        """One example (shape with or without the batch-1 axis) -> the int8 output, e.g. (1, 26)."""
        x = np.asarray(x_int8)
        if x.dtype != self.input_dtype:
            raise TypeError(f"{self.input_dtype} input expected, got {x.dtype}")
        x = x.reshape(self.input_shape)
        self._interp.reset()
        self._interp.set_input(x, 0)
        self._interp.invoke()
        return np.array(self._interp.get_output(0), copy=True)

    def run_batch(self, xs_int8) -> np.ndarray:
        """(B, ...) examples -> (B, ...) outputs, one fresh inference each."""
        xs = np.asarray(xs_int8)
        return np.stack([self.run(x)[0] for x in xs])

    def tensor(self, index: int) -> np.ndarray:
        """A tensor's value after the last ``run`` (needs ``preserve_all_tensors=True``)."""
        t = self._interp.GetTensor(int(index), 0)
        data = np.array(t["tensor_data"], copy=True)
        return data.reshape(tuple(int(d) for d in t["shape"]))

    def run_tensors(self, x_int8, indices) -> dict:
        """Run one example and return ``{tensor index: value}`` for ``indices``."""
        self.run(x_int8)
        return {int(i): self.tensor(i) for i in indices}
