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
from .protocol import PROTO_VERSIONS, Letter, Message, ProtocolError, letter_of, parse_line, replay_line, sample_line

DEFAULT_BAUD = 115200
#: Longest device line kept (the replay's ``image`` STAGE line is about 6,300 bytes): a
#: device that sends more without a newline is not speaking the protocol.
MAX_DEVICE_LINE = 65536
#: Seconds between ``reset`` commands while a connecting host waits for the device's answer
#: (an ESP32 that reboots when its port opens loses what arrives during its boot).
RESYNC_RESEND_S = 1.0


def _link_errors() -> tuple:
    """What a serial link raises when its device goes away: pyserial's SerialException (an
    OSError), OSError itself (EIO on a pty whose other side closed), termios.error."""
    errs: list = [OSError]
    try:
        import termios

        errs.append(termios.error)
    except ImportError:  # pragma: no cover - not POSIX
        pass
    return tuple(errs)


LINK_ERRORS = _link_errors()


class DeviceLost(GloveXferError):
    """The link to the glove broke: cable pulled, port gone, the device's process ended."""


class Device:
    """A glove on a serial-like link (pyserial ``Serial``).  ``banner``: the READY (or
    INFO) message; ``close()`` ends the link (and the process behind it, if any)."""

    def __init__(self, ser, name: str, proc: subprocess.Popen | None = None, timeout: float = 10.0,
                 reopen: Callable[[], object] | None = None):
        self.ser = ser
        self.name = name
        self.proc = proc
        self.timeout = timeout
        #: opens the same port again (a serial port; None where the device cannot come back)
        self.reopen = reopen
        self.banner: Message | None = None
        self._buf = b""
        self._skip_to_newline = False

    def _lost(self, e) -> DeviceLost:
        return DeviceLost(f"{self.name}: the glove went away ({type(e).__name__}: {e})")

    # -- raw lines -----------------------------------------------------------------------
    def write_line(self, line: str) -> None:
        self.write_raw((line + "\n").encode("ascii"))

    def write_raw(self, data: bytes) -> None:
        try:
            self.ser.write(data)
        except LINK_ERRORS as e:
            raise self._lost(e) from None

    def _read_chunk(self, left: float) -> bytes:
        try:
            self.ser.timeout = min(left, 0.2)
            return self.ser.read(max(1, self.ser.in_waiting or 1))
        except LINK_ERRORS as e:
            raise self._lost(e) from None

    def read_line(self, timeout: float | None = None) -> str | None:
        """The next line (without newline), or None after ``timeout`` seconds.  Raises
        :class:`DeviceLost` when the link breaks and ProtocolError for a line longer than
        :data:`MAX_DEVICE_LINE` (the rest of that line is then dropped)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if self._skip_to_newline and b"\n" in self._buf:
                self._buf = self._buf.partition(b"\n")[2]
                self._skip_to_newline = False
            if b"\n" in self._buf and not self._skip_to_newline:
                break
            if len(self._buf) > MAX_DEVICE_LINE:
                self._buf = b""
                if not self._skip_to_newline:
                    self._skip_to_newline = True
                    raise ProtocolError(f"{self.name}: device line longer than {MAX_DEVICE_LINE} bytes (dropped)")
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            chunk = self._read_chunk(left)
            if chunk:
                self._buf += chunk
            elif self.proc is not None and self.proc.poll() is not None:
                raise DeviceLost(f"{self.name}: the virtual glove exited (status {self.proc.returncode})")
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
    def _next_known(self, deadline: float) -> Message | None:
        """The next line that parses before ``deadline`` (unusable lines are skipped)."""
        while time.monotonic() < deadline:
            try:
                line = self.read_line(max(0.0, min(RESYNC_RESEND_S, deadline - time.monotonic())))
            except ProtocolError:
                continue
            if line is None:
                return None
            try:
                return parse_line(line)
            except ProtocolError:
                continue
        return None

    def resync(self, timeout: float | None = None) -> Message:
        """Bring the device to a known state whatever an earlier client left behind, and
        return its banner: a newline ends a half-written line (its answer, an error or
        anything else, is drained), ``reset`` drops an open letter window and the word state,
        and everything up to ``OK reset`` is discarded; then everything up to the answer to
        ``info`` (the answers to resent ``reset`` lines too); the banner is the ``READY`` of a
        device that started meanwhile, else that ``INFO``.  ``reset`` is sent again every
        :data:`RESYNC_RESEND_S` s until answered (a board that reboots on open loses it)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        ready = None
        self.write_raw(b"\n")
        self.write_line("reset")
        next_send = time.monotonic() + RESYNC_RESEND_S
        while True:
            m = self._next_known(min(deadline, next_send))
            if m is not None and m.kind == "READY":
                ready = m
            elif m is not None and m.kind == "OK" and m.args[:1] == ["reset"]:
                break
            elif m is None:
                if time.monotonic() >= deadline:
                    raise GloveXferError(f"{self.name}: no answer to 'reset' within {self.timeout if timeout is None else timeout:g} s "
                                         "(is this a glove speaking protocol 1, 2 or 3?)")
                self.write_line("reset")
                next_send = time.monotonic() + RESYNC_RESEND_S
        # ``info`` also drains the answers to earlier resends of ``reset`` (the device answers
        # in order, so they all come before the INFO line)
        self.write_line("info")
        while True:
            m = self._next_known(deadline)
            if m is None:
                raise GloveXferError(f"{self.name}: no INFO line within the timeout")
            if m.kind == "READY":
                ready = m
            elif m.kind == "INFO":
                return ready if ready is not None else m

    def wait_ready(self, timeout: float | None = None) -> Message:
        """Resynchronise (:meth:`resync`) and check the banner's protocol version.  The
        banner is the ``READY`` of a device that just started, else its ``INFO``."""
        m = self.resync(timeout)
        self.banner = m
        if m.fields.get("proto") not in [str(v) for v in PROTO_VERSIONS]:
            raise ProtocolError(f"{self.name}: protocol version {m.fields.get('proto')!r}, this host speaks "
                                f"{' and '.join(str(v) for v in PROTO_VERSIONS)}")
        return m

    def reconnect(self) -> Message:
        """Open the port again after :class:`DeviceLost` and resynchronise; the banner.
        Raises GloveXferError while the device is not back."""
        if self.reopen is None:
            raise GloveXferError(f"{self.name}: this device cannot be reopened")
        try:
            self.ser.close()
        except LINK_ERRORS:
            pass
        self.ser = self.reopen()
        self._buf = b""
        self._skip_to_newline = False
        try:
            return self.wait_ready()
        except GloveXferError:
            try:
                self.ser.close()
            except LINK_ERRORS:
                pass
            raise

    def info(self) -> Message:
        self.write_line("info")
        return self.expect("INFO")

    def select_model(self, model: str) -> None:
        self.write_line(f"model {model}")
        self.expect("OK")

    def set_mode(self, mode: str) -> None:
        """``window`` or ``continuous`` (docs/serial-protocol.md); a glove without the letter
        spotter refuses continuous mode (GloveXferError naming E_NO_SPOTTER)."""
        self.write_line(f"mode {mode}")
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
        except LINK_ERRORS:
            pass  # a port whose device went away
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
    d = Device(_open_serial(port, baud), port, timeout=timeout, reopen=lambda: _open_serial(port, baud))
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
            d.wait_ready()
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


__all__ = ["DEFAULT_BAUD", "LINK_ERRORS", "TRANSPORTS", "Device", "DeviceLost", "open_device", "open_native", "open_serial", "start_native"]
