"""gx_model_io.h: the host-derived constants the firmware needs beside the model data.

The generated model sources (``glovexfer.export.model_data.write_model_source``) carry the
weights and every layer's quantisation, but the network's *input* quantiser and the int8
SOFTMAX parameters are derived from float scales, which the firmware never sees.  They are
computed here, once, with the golden model's own functions:

* LSTM: ``points_quantiser(input_scale)`` -> ``(mult, shift)`` (``golden.recognise``);
* CNN: ``input_quantiser(input_scale)`` -> ``(mult, rshift)`` (``golden.raster``);
* signal network (optional, when the model directory holds ``gx_model_signal.cpp``):
  ``signal_quantiser(mean, std, input_scale, zero_point)`` (``golden.signals``; the norm from
  the ``// signal norm: {JSON}`` header line that ``export.model_data`` writes from the
  .tflite's metadata) -> ``GxSignalIo kSignalIo``;
* all: ``SoftmaxParams.from_scales(1.0, output_scale)`` (``golden.softmax``).

The scales are read from the header comment every generated ``.cpp`` has
(``// input: scale <repr>, zero point <zp>; output: scale <repr>, zero point <zp>``; Python's
float repr round-trips exactly) together with the version line; the firmware checks at
start-up that ``kLstmIo.version`` / ``kCnnIo.version`` (/ ``kSignalIo.version``) equal the
models' versions.

The export records the FNV-1a 32 checksum of these constants (:func:`io_canonical_bytes`,
the same walk as firmware/core/model_check.cpp) in the model's ``io_checksum``; the firmware
refuses a model whose ``gx_model_io.h`` constants do not hash to it (a scale comment edited
after the export, a header generated from another model).

Command line (used by firmware/CMakeLists.txt)::

    python -m glovexfer.device.model_io MODEL_DIR OUT_DIR
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..errors import GloveXferError
from ..export.model_io import NetIo, SignalIo, io_canonical_bytes, net_io, signal_io  # noqa: F401  (re-exported)

_VERSION = re.compile(r"^// (gxmodel/\d+ \S+ (lstm|cnn|signal) tflite-sha256:[0-9a-f]+)$", re.M)
_NORM = re.compile(r"^// signal norm: (\{.*\})$", re.M)
_SCALES = re.compile(
    r"^// input: scale (\S+), zero point (-?\d+); output: scale (\S+), zero point (-?\d+)$", re.M
)


def read_model_source(path) -> NetIo | SignalIo:
    """Parse a generated ``gx_model_<name>.cpp``'s version and scale comments (and, for the
    signal network, its norm line): a :class:`NetIo`, or a :class:`SignalIo`."""
    p = Path(path)
    if not p.is_file():
        raise GloveXferError(f"{p}: generated model source not found (glovexfer.export.model_data)")
    head = p.read_text(errors="replace")[:4000]
    v = _VERSION.search(head)
    s = _SCALES.search(head)
    if v is None or s is None:
        raise GloveXferError(
            f"{p}: no 'gxmodel/...' version line or 'input: scale ..., output: scale ...' comment "
            "(not made by glovexfer.export.model_data.write_model_source?)"
        )
    try:
        in_scale, out_scale = float(s.group(1)), float(s.group(3))
    except ValueError as e:
        raise GloveXferError(f"{p}: unreadable scale in the header comment: {e}") from None
    if v.group(2) == "signal":
        import json

        n = _NORM.search(head)
        if n is None:
            raise GloveXferError(f"{p}: signal network source without its '// signal norm: {{...}}' line")
        try:
            d = json.loads(n.group(1))
            mean, std = [float(x) for x in d["mean"]], [float(x) for x in d["std"]]
        except (ValueError, KeyError, TypeError) as e:
            raise GloveXferError(f"{p}: malformed signal norm line: {e}") from None
        return signal_io(v.group(1), mean, std, in_scale, int(s.group(2)), out_scale)
    return net_io(v.group(2), v.group(1), in_scale, int(s.group(2)), out_scale)


def _c_struct(name: str, io: NetIo) -> str:
    return (
        f"// {io.kind}: {io.version}\n"
        f"constexpr GxNetIo {name} = {{\"{io.version}\", {io.in_mult}, {io.in_shift}, {io.in_zero_point}, "
        f"{{{io.sm_mult}, {io.sm_shift}, {io.sm_diff_min}}}, {io.has_softmax}}};\n"
    )


def _c_signal_struct(name: str, io: SignalIo) -> str:
    arr = lambda v: "{" + ", ".join(str(x) for x in v) + "}"
    return (
        f"// signal: {io.version}\n"
        f"constexpr GxSignalIo {name} = {{\"{io.version}\", {{{arr(io.offset)}, {arr(io.mult)}, {arr(io.shift)}, "
        f"{io.zero_point}}}, {{{io.sm_mult}, {io.sm_shift}, {io.sm_diff_min}}}, {io.has_softmax}}};\n"
    )


def io_header_text(lstm: NetIo, cnn: NetIo, signal: SignalIo | None = None) -> str:
    if lstm.kind != "lstm" or cnn.kind != "cnn":
        raise GloveXferError(f"gx_model_lstm must be an LSTM and gx_model_cnn a CNN (got {lstm.kind}, {cnn.kind})")
    if signal is not None and signal.kind != "signal":
        raise GloveXferError(f"gx_model_signal must be a signal network (got {signal.kind})")
    return (
        "// Generated by glovexfer.device.model_io -- do not edit.\n"
        "// Input quantisers and softmax parameters of the compiled-in models (GxNetIo"
        + (", GxSignalIo" if signal is not None else "") + ").\n"
        "#ifndef GX_MODEL_IO_H\n#define GX_MODEL_IO_H\n\n#include \"recognizer.h\"\n\nnamespace gx {\n\n"
        + _c_struct("kLstmIo", lstm)
        + _c_struct("kCnnIo", cnn)
        + (_c_signal_struct("kSignalIo", signal) if signal is not None else "")
        + "\n}  // namespace gx\n\n#endif  // GX_MODEL_IO_H\n"
    )


def write_io_header(model_dir, out_dir) -> Path:
    """Read ``gx_model_lstm.cpp`` / ``gx_model_cnn.cpp`` (and ``gx_model_signal.cpp`` when
    present) in ``model_dir``; write ``out_dir/gx_model_io.h`` (only when its text changes, so
    builds stay incremental)."""
    md = Path(model_dir)
    sig = md / "gx_model_signal.cpp"
    text = io_header_text(read_model_source(md / "gx_model_lstm.cpp"), read_model_source(md / "gx_model_cnn.cpp"),
                          read_model_source(sig) if sig.is_file() else None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    h = out / "gx_model_io.h"
    if not h.is_file() or h.read_text() != text:
        h.write_text(text)
    return h


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m glovexfer.device.model_io MODEL_DIR OUT_DIR", file=sys.stderr)
        return 2
    try:
        print(write_io_header(args[0], args[1]))
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
