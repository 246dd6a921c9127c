"""Transports to a glove: the host-native virtual glove behind a pseudo-terminal, or a
serial port (a real glove on /dev/ttyUSB0).  Both are opened with pyserial and spoken to
with the same :class:`Device` methods, so every host tool works with either.

``open_device(spec)``: ``spec`` is a name in :data:`TRANSPORTS` (``"native"``; other
engineers add e.g. ``"qemu-arm"`` with ``TRANSPORTS["qemu-arm"] = factory``) or a port path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import GloveXferError
from .protocol import Letter, Message, ProtocolError, letter_of, parse_line, replay_line, sample_line

DEFAULT_BAUD = 115200


class Device:
    """A glove on a serial-like link (pyserial ``Serial``).  ``banner``: the READY (or
    INFO) message; ``close()`` ends the link (and the process behind it, if any)."""

    def __init__(self, ser, name: str, proc: subprocess.Popen | None = None, timeout: float = 10.0):
        self.ser = ser
        self.name = name
        self.proc = proc
        self.timeout = timeout
        self.banner: Message | None = None
        self._buf = b""

    # -- raw lines -----------------------------------------------------------------------
    def write_line(self, line: str) -> None:
        data = (line + "\n").encode("ascii")
        self.ser.write(data)

    def write_raw(self, data: bytes) -> None:
        self.ser.write(data)

    def read_line(self, timeout: float | None = None) -> str | None:
        """The next line (without newline), or None after ``timeout`` seconds."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.ser.timeout = min(left, 0.2)
            chunk = self.ser.read(max(1, self.ser.in_waiting or 1))
            if chunk:
                self._buf += chunk
            elif self.proc is not None and self.proc.poll() is not None:
                raise GloveXferError(f"{self.name}: the virtual glove exited (status {self.proc.returncode})")
        line, _, self._buf = self._buf.partition(b"\n")
        return line.decode("ascii", errors="replace").rstrip("\r")

    def read_message(self, timeout: float | None = None) -> Message | None:
        line = self.read_line(timeout)
        return None if line is None else parse_line(line)

    def expect(self, kinds, timeout: float | None = None, skip: tuple = ()) -> Message:
        """Read until a message of one of ``kinds``; an ERR line raises GloveXferError unless
        its code is in ``skip``."""
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            m = self.read_message(max(0.0, deadline - time.monotonic()))
            if m is None:
                raise GloveXferError(f"{self.name}: no {'/'.join(kinds)} line within the timeout")
            if m.kind in kinds:
                return m
            if m.kind == "ERR" and m.args[0] not in skip:
                raise GloveXferError(f"{self.name}: device error {m.args[0]}: {m.args[1]}")

    # -- commands --------------------------------------------------------------------------
    def wait_ready(self, timeout: float | None = None, ask: bool = False) -> Message:
        """The READY banner; a device that started earlier (or whose banner went before the
        port was opened: pyserial flushes input on open) answers ``info`` instead. ``ask``:
        send ``info`` at once."""
        m = None
        try:
            if ask:
                raise GloveXferError("ask")
            # the start-up check's E_MODEL lines precede READY; INFO's refused= repeats them
            m = self.expect(("READY",), timeout=min(2.0, self.timeout) if timeout is None else timeout,
                            skip=("E_MODEL",))
        except GloveXferError:
            self.write_line("info")
            m = self.expect(("INFO", "READY"), skip=("E_MODEL",))
        self.banner = m
        if m.fields.get("proto") != "1":
            raise ProtocolError(f"{self.name}: protocol version {m.fields.get('proto')!r}, this host speaks 1")
        return m

    def info(self) -> Message:
        self.write_line("info")
        return self.expect("INFO")

    def select_model(self, model: str) -> None:
        self.write_line(f"model {model}")
        self.expect("OK")

    def send_sample(self, sample) -> None:
        self.write_line(sample_line(sample))

    def start_window(self) -> None:
        self.write_line("start")

    def replay(self, counts, timeout: float | None = None) -> list[Message]:
        """Send a recording; return every line of the answer up to ``END`` (or an ERR)."""
        self.write_line(replay_line(counts))
        out = []
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            m = self.read_message(max(0.0, deadline - time.monotonic()))
            if m is None:
                raise GloveXferError(f"{self.name}: replay answer incomplete within the timeout")
            out.append(m)
            if m.kind in ("END", "ERR"):
                return out

    def read_letter(self, timeout: float | None = None) -> Letter | None:
        m = self.read_message(timeout)
        return letter_of(m) if m is not None and m.kind == "LETTER" else None

    def close(self) -> None:
        try:
            self.ser.close()
        finally:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _open_serial(port: str, baud: int = DEFAULT_BAUD):
    try:
        import serial
    except ImportError as e:  # pragma: no cover - pyserial is a dependency
        raise GloveXferError("pyserial is needed to talk to a glove (pip install pyserial)") from e
    try:
        return serial.Serial(port, baudrate=baud, timeout=0.2)
    except (serial.SerialException, OSError) as e:
        raise GloveXferError(f"cannot open serial port {port}: {e}") from None


def open_serial(port: str, baud: int = DEFAULT_BAUD, timeout: float = 10.0, wait_ready: bool = True) -> Device:
    """A real glove (or anything speaking the protocol) on a serial port."""
    d = Device(_open_serial(port, baud), port, timeout=timeout)
    if wait_ready:
        try:
            d.wait_ready()
        except BaseException:
            d.close()
            raise
    return d


def start_native(binary=None, model_dir=None, timeout: float = 10.0) -> tuple[subprocess.Popen, str]:
    """Start the virtual glove (``gx_glove --pty``); returns (process, pty path)."""
    from .build import native_binary

    exe = Path(binary) if binary is not None else native_binary(model_dir=model_dir)
    proc = subprocess.Popen([str(exe), "--pty"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stderr.readline().strip() if proc.stderr is not None else ""
    if not line.startswith("PTY "):
        proc.kill()
        raise GloveXferError(f"the virtual glove {exe} did not open a pseudo-terminal: {line!r}")
    return proc, line[4:]


def open_native(binary=None, model_dir=None, timeout: float = 10.0, wait_ready: bool = True) -> Device:
    """The host-native firmware as a virtual glove behind a pseudo-terminal."""
    proc, pty = start_native(binary, model_dir, timeout)
    try:
        d = Device(_open_serial(pty), f"native({pty})", proc=proc, timeout=timeout)
        if wait_ready:
            d.wait_ready(ask=True)
        return d
    except BaseException:
        proc.kill()
        proc.wait()
        raise


#: name -> factory(**kwargs) -> Device.  Extend with e.g. TRANSPORTS["qemu-arm"] = ...
TRANSPORTS: dict[str, Callable[..., Device]] = {"native": open_native}


def open_device(spec: str, **kwargs) -> Device:
    """``spec``: a transport name (:data:`TRANSPORTS`) or a serial port path."""
    if spec in TRANSPORTS:
        return TRANSPORTS[spec](**kwargs)
    if spec.startswith("/dev/") or os.path.exists(spec) or spec.upper().startswith("COM"):
        kwargs.pop("model_dir", None)
        kwargs.pop("binary", None)
        return open_serial(spec, **kwargs)
    raise GloveXferError(f"unknown device {spec!r}: use {', '.join(sorted(TRANSPORTS))} or a serial port path")


__all__ = ["DEFAULT_BAUD", "TRANSPORTS", "Device", "open_device", "open_native", "open_serial", "start_native"]
