"""Talking to a glove: the serial line protocol (docs/serial-protocol.md), transports (the
host-native virtual glove behind a pseudo-terminal, a serial port), the parity suite, the
letter listener and the demo.  ``open_device("native" | "/dev/ttyUSB0")``."""

from .transport import TRANSPORTS, Device, open_device
from . import qemu as _qemu  # noqa: E402,F401  registers the "qemu-arm", "qemu-riscv" and "qemu-xtensa" transports

__all__ = ["TRANSPORTS", "Device", "open_device"]
