"""Sensor calibration over the serial protocol (docs/sensor-calibration.md): run the
glove's gyroscope / magnetometer calibration, read it, set it, clear it.

The device estimates the calibration itself from its own samples (a real glove's IMU);
boards without an IMU (the virtual glove, QEMU) take the samples as ``s`` lines, which
``run_calibration`` sends when it is given them (e.g. a simulated calibration run,
``glovexfer.simulate.calibration``).
"""

from __future__ import annotations

import numpy as np

from ..errors import GloveXferError
from ..golden.sensorcal import SensorCal
from .protocol import Message, ProtocolError


def _triple(msg: Message, key: str) -> tuple[int, int, int]:
    try:
        vals = tuple(int(v) for v in msg.fields[key].split(","))
    except (KeyError, ValueError):
        raise ProtocolError(f"malformed CAL line (field {key}): {msg.raw[:120]!r}") from None
    if len(vals) != 3:
        raise ProtocolError(f"malformed CAL line (field {key} needs 3 values): {msg.raw[:120]!r}")
    return vals  # type: ignore[return-value]


def cal_of(msg: Message) -> SensorCal:
    """A ``CAL`` line -> :class:`SensorCal`."""
    if msg.kind != "CAL":
        raise ProtocolError(f"expected a CAL line, got {msg.raw[:120]!r}")
    return SensorCal(gyro_bias=_triple(msg, "bias"), mag_offset=_triple(msg, "offset"),
                     mag_scale_q14=_triple(msg, "scale_q14"), has_gyro=msg.fields.get("gyro") == "on",
                     has_mag=msg.fields.get("mag") == "on")


def read_calibration(device) -> SensorCal:
    """The calibration the device applies now (``cal show``)."""
    device.write_line("cal show")
    return cal_of(device.expect("CAL"))


def set_calibration(device, cal: SensorCal) -> SensorCal:
    """Makes the device apply ``cal`` (``cal set``); returns what the device reports."""
    vals = [*cal.gyro_bias, *cal.mag_offset, *cal.mag_scale_q14]
    device.write_line("cal set " + " ".join(str(int(v)) for v in vals))
    return cal_of(device.expect("CAL"))


def clear_calibration(device) -> None:
    device.write_line("cal clear")
    device.expect("OK")


def run_calibration(device, kind: str, samples=None, timeout: float | None = None) -> SensorCal:
    """``cal gyro`` or ``cal mag``: the device collects its samples (from its IMU, or the
    given (n, 9) ``samples`` sent as ``s`` lines) and answers the new calibration; a run the
    device refuses (the glove moved, too little turning, no magnetometer) raises
    GloveXferError with the device's message."""
    if kind not in ("gyro", "mag"):
        raise GloveXferError(f"sensor calibration: kind must be 'gyro' or 'mag', got {kind!r}")
    device.write_line(f"cal {kind}")
    ok = device.expect("OK")
    want = int(ok.fields.get("samples", "0"))
    if samples is not None:
        s = np.asarray(samples)
        if s.ndim != 2 or s.shape[1] != 9 or s.shape[0] < want:
            raise GloveXferError(f"sensor calibration: the device wants {want} samples of 9 counts, got {s.shape}")
        for row in s[:want]:
            device.send_sample(row)
    return cal_of(device.expect("CAL", timeout=timeout))


__all__ = ["cal_of", "read_calibration", "set_calibration", "clear_calibration", "run_calibration"]
