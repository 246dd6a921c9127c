"""The constants the firmware needs beside the model data (``gx_model_io.h``: the input
quantiser and the int8 SOFTMAX parameters, ``GxNetIo`` / ``GxSignalIo`` of
firmware/core/recognizer.h), derived from a network's float scales with the golden model's
own functions, and their canonical serialisation.

The export (``model_data``) records the checksum of these constants, computed from the
.tflite itself, in the model's ``io_checksum``; ``glovexfer.device.model_io`` writes
``gx_model_io.h`` from the generated sources' comments, and the firmware refuses a model
whose io constants do not hash to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import GloveXferError


@dataclass(frozen=True)
class NetIo:
    """What ``GxNetIo`` (firmware/core/recognizer.h) holds for one model."""

    version: str
    kind: str
    in_mult: int
    in_shift: int
    in_zero_point: int
    sm_mult: int
    sm_shift: int
    sm_diff_min: int
    has_softmax: int = 0


@dataclass(frozen=True)
class SignalIo:
    """What ``GxSignalIo`` (firmware/core/recognizer.h) holds for the signal network."""

    version: str
    offset: tuple
    mult: tuple
    shift: tuple
    zero_point: int
    sm_mult: int
    sm_shift: int
    sm_diff_min: int
    has_softmax: int = 0
    kind: str = "signal"


def signal_io(version: str, mean, std, in_scale: float, in_zp: int, out_scale: float) -> SignalIo:
    """The signal network's constants from its norm and scales (golden functions only)."""
    from ..golden.signals import signal_quantiser
    from ..golden.softmax import SoftmaxParams

    try:
        offset, mult, shift, zp = signal_quantiser(mean, std, in_scale, in_zp)
    except ValueError as e:
        raise GloveXferError(f"signal network {version}: {e}") from None
    sm = SoftmaxParams.from_scales(1.0, out_scale)
    return SignalIo(version, tuple(int(v) for v in offset), tuple(int(v) for v in mult), tuple(int(v) for v in shift),
                    int(zp), int(sm.input_multiplier), int(sm.input_left_shift), int(sm.diff_min))


def net_io(kind: str, version: str, in_scale: float, in_zp: int, out_scale: float) -> NetIo:
    """The constants of one network from its scales (golden functions only)."""
    from ..golden.raster import input_quantiser
    from ..golden.recognise import points_quantiser
    from ..golden.softmax import SoftmaxParams

    if kind == "lstm":
        mult, shift = points_quantiser(in_scale)
    elif kind == "cnn":
        mult, shift = input_quantiser(in_scale)
    else:
        raise GloveXferError(f"model kind must be lstm or cnn, got {kind!r}")
    sm = SoftmaxParams.from_scales(1.0, out_scale)
    return NetIo(version, kind, int(mult), int(shift), int(in_zp), int(sm.input_multiplier),
                 int(sm.input_left_shift), int(sm.diff_min))


def io_canonical_bytes(io: NetIo | SignalIo) -> bytes:
    """The canonical serialisation of a ``GxNetIo`` / ``GxSignalIo``, fields in struct order:
    the version as int32 length + bytes, then every value as int32 little-endian."""
    v = io.version.encode("ascii")
    if isinstance(io, SignalIo):
        vals = [*io.offset, *io.mult, *io.shift, io.zero_point]
    else:
        vals = [io.in_mult, io.in_shift, io.in_zero_point]
    vals += [io.sm_mult, io.sm_shift, io.sm_diff_min, io.has_softmax]
    return len(v).to_bytes(4, "little") + v + b"".join(int(x & 0xFFFFFFFF).to_bytes(4, "little") for x in vals)
