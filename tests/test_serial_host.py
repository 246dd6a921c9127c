"""The host on a real serial line: unusable device lines are reported and skipped, a glove
that goes away mid-stream (cable pulled) is reported with the text so far and ``listen``
waits for it to come back, and a host that connects first brings the device to a known
state whatever the previous client left behind."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import serial

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.cli import main  # noqa: E402
from glovexfer.device.listen import BAD_LINES_REPORTED, Listener, listen  # noqa: E402
from glovexfer.device.protocol import ProtocolError, letter_of, parse_line, sample_line  # noqa: E402
from glovexfer.device.transport import Device, DeviceLost  # noqa: E402

INFO = 'INFO proto=1 fw=0.1.0 board=fake model=fused auto=off lstm="x" cnn="y" ram_core=1 samples=0 letters=0 uptime_ms=0'


def letter(c: str, n: int = 1) -> str:
    return f"LETTER {c} q8=200 top3={c}:200,a:10,b:5 model=fused n={n}"


#: Lines a real serial line delivers that are not usable protocol lines.
UNUSABLE = [
    b"",
    b"ets Jun  8 2016 00:22:57",
    b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
    b"load:0x3fff0030,len:1184",
    b"entry 0x400805f0",
    b'INFO proto=1 lstm="unbalanced',
    b"LETTER H q8=zz",
    b"LETTER h q8=zz top3=h:1,a:1,b:1",
    b"LETTER h q8=300 top3=h:1,a:1,b:1",
    b"LETTER h q8=1 top3=h:\xc2\xb2,a:1,b:1",
    b"LETTER ab q8=1 top3=a:1,a:1,b:1",
    b"\x00\xff\xfe\x01binary",
    b"LETTER h q8=\xef\xbf\xbd top3=h:1,a:1,b:1",
]


class FakeSerial:
    """A pyserial-like port: serves ``script`` (bytes), answers ``reset``/``info`` as a
    protocol-1 glove does, then raises SerialException (the cable pulled) once the script
    is read when ``unplug`` is set."""

    def __init__(self, script: bytes = b"", unplug: bool = False):
        self.pending = b""
        self.script = script
        self.unplug = unplug
        self.timeout = 0.2
        self.closed = False
        self._inbuf = b""

    def write(self, data: bytes) -> int:
        if self.closed:
            raise serial.SerialException("write failed: [Errno 5] Input/output error")
        self._inbuf += data
        while b"\n" in self._inbuf:
            line, _, self._inbuf = self._inbuf.partition(b"\n")
            if line == b"reset":
                self.pending += b"OK reset\n"
            elif line == b"info":
                self.pending += INFO.encode() + b"\n" + self.script
                self.script = b""
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self.pending)

    def read(self, n: int = 1) -> bytes:
        if self.closed:
            raise serial.SerialException("read failed: port closed")
        if not self.pending:
            if self.unplug and not self.script:
                raise serial.SerialException("device reports readiness to read but returned no data "
                                             "(device disconnected or multiple access on port?)")
            time.sleep(min(self.timeout or 0, 0.01))
            return b""
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def close(self) -> None:
        self.closed = True


# ----------------------------------------------------------------------------- parser
@pytest.mark.parametrize("raw", UNUSABLE, ids=lambda b: repr(b[:24]))
def test_unusable_device_line_is_a_protocol_error(raw):
    """Every unusable line gives ProtocolError (a GloveXferError), never another exception."""
    line = raw.decode("ascii", errors="replace")
    with pytest.raises(ProtocolError):
        m = parse_line(line)
        if m.kind == "LETTER":
            letter_of(m)
        else:  # a line that parses must not be one of these
            raise AssertionError(f"parsed {m}")


# ----------------------------------------------------------------------------- listener
def test_listen_skips_unusable_lines_and_keeps_later_letters(capsys):
    """Bad lines between letters are reported on stderr and skipped; no letter is lost."""
    script = b"".join([letter("h", 1).encode() + b"\n"] + [u + b"\n" for u in UNUSABLE]
                      + [letter("i", 2).encode() + b"\n", b"WORD\n", letter("x", 3).encode() + b"\n"])
    dev = Device(FakeSerial(script), "fake", timeout=2.0)
    dev.wait_ready()
    lis = listen(dev, count=3, timeout=10)
    cap = capsys.readouterr()
    assert lis.text == "hi x"
    assert lis.bad_lines == len(UNUSABLE)
    assert cap.err.count("skipped an unusable line") == min(len(UNUSABLE), BAD_LINES_REPORTED)
    assert cap.out.strip().splitlines()[-1] == "text: hi x"


def test_unusable_line_reports_are_rate_limited():
    import io

    err = io.StringIO()
    lis = Listener(out=io.StringIO(), err=err)
    for _ in range(1000):
        lis.feed_line("garbage")
    lis.feed_line(letter("a"))
    assert lis.bad_lines == 1000 and lis.text == "a"
    assert err.getvalue().count("\n") == 20  # the first 10, then every 100th (100, 200, ..., 1000)


def test_listen_survives_a_pulled_cable_and_waits_for_the_glove(capsys, monkeypatch):
    """A SerialException mid-stream: said on stderr with the text so far; the port is
    reopened with backoff and the later letters are added."""
    import glovexfer.device.listen as L

    monkeypatch.setattr(L, "RECONNECT_BACKOFF", (0.01, 0.05))
    ports = [FakeSerial(b"", unplug=True), FakeSerial(b"", unplug=True), FakeSerial((letter("x", 1) + "\n").encode())]
    failures = [0]

    def reopen():
        if failures[0] < 2:  # the port is not back for two attempts
            failures[0] += 1
            raise serial.SerialException("could not open port /dev/ttyUSB0: No such file or directory")
        return ports.pop()

    first = FakeSerial((letter("h", 1) + "\n" + letter("i", 2) + "\n").encode(), unplug=True)
    dev = Device(first, "/dev/ttyUSB0", timeout=2.0, reopen=reopen)
    dev.wait_ready()
    lis = listen(dev, count=3, timeout=20)
    cap = capsys.readouterr()
    assert lis.text == "hi x"
    assert "glove disconnected" in cap.err and "text so far: hi" in cap.err
    assert "glove back on /dev/ttyUSB0" in cap.out
    assert failures[0] == 2


def test_listen_without_reopen_keeps_the_text(capsys):
    """A device that cannot be reopened (a virtual glove whose process ended): the text so
    far is printed and listen returns normally."""
    dev = Device(FakeSerial((letter("o", 1) + "\n" + letter("k", 2) + "\n").encode(), unplug=True), "fake", timeout=2.0)
    dev.wait_ready()
    lis = listen(dev, count=5, timeout=10)
    cap = capsys.readouterr()
    assert lis.text == "ok" and "glove disconnected" in cap.err
    assert cap.out.strip().splitlines()[-1] == "text: ok"


class PtyGlove:
    """A minimal protocol-1 glove on the master side of a pseudo-terminal, reached through a
    symlink (like /dev/serial/by-id/...) that :meth:`replug` points at a fresh pty."""

    def __init__(self, link: Path):
        self.link = link
        self.master = None
        self.thread = None
        self.after_info: list[bytes] = []
        self.answered = threading.Event()

    def plug(self, after_info: list[str]):
        master, slave = os.openpty()
        path = os.ttyname(slave)
        # the glove keeps a slave open itself: its master's reads see no EIO between clients
        self.slave = slave
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(path)
        os.replace(tmp, self.link)
        self.master = master
        self.after_info = [(a + "\n").encode() for a in after_info]
        self.answered = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(master,), daemon=True)
        self.thread.start()

    def _serve(self, master):
        import select

        buf = b""
        while not self.stop.is_set():
            if not select.select([master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, _, buf = buf.partition(b"\n")
                if line == b"reset":
                    os.write(master, b"OK reset\n")
                elif line == b"info":
                    os.write(master, INFO.encode() + b"\n" + b"".join(self.after_info))
                    self.answered.set()

    def unplug(self):
        self.stop.set()  # a read in progress would keep the pty open
        self.thread.join()
        os.close(self.master)
        os.close(self.slave)


def test_listen_on_a_pty_that_is_closed_and_reopened(tmp_path, capsys, monkeypatch):
    """``glovexfer listen --port LINK``: the pty behind LINK closes mid-stream (the glove's
    USB cable pulled), a new one appears under the same name; listen goes on."""
    import glovexfer.device.listen as L

    monkeypatch.setattr(L, "RECONNECT_BACKOFF", (0.05, 0.2))
    glove = PtyGlove(tmp_path / "ttyGLOVE")
    glove.plug([letter("h", 1), letter("i", 2)])

    def pull_and_replug():
        assert glove.answered.wait(20)
        time.sleep(0.5)  # the letters are read
        glove.unplug()
        time.sleep(0.3)
        glove.plug([letter("x", 1)])

    t = threading.Thread(target=pull_and_replug)
    t.start()
    rc = main(["listen", "--port", str(glove.link), "--count", "3", "--timeout", "30"])
    t.join()
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "Traceback" not in cap.err
    assert "glove disconnected" in cap.err and "text so far: hi" in cap.err
    assert cap.out.strip().splitlines()[-1] == "text: hi x"
    glove.unplug()


# ----------------------------------------------------------------------------- virtual glove
@pytest.fixture()
def native(glove):
    from glovexfer.device.transport import start_native

    proc, pty = start_native(binary=glove)
    yield proc, pty
    proc.terminate()
    proc.wait(timeout=10)


def test_unterminated_line_of_a_previous_client_does_not_break_listen(native, capsys):
    """A previous client wrote ``abc`` without a newline; the next ``listen`` connects."""
    _, pty = native
    with serial.Serial(pty, timeout=0.1) as w:
        w.write(b"abc")
        w.flush()
    rc = main(["listen", "--port", pty, "--timeout", "0.5"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert cap.out.strip().splitlines()[-1] == "text:"


def _demo(dev, text="hi"):
    from glovexfer.cli import demo_set_path
    from glovexfer.data.recordings import RecordingSet
    from glovexfer.device.demo import run_demo

    rs = RecordingSet.load(demo_set_path())
    return run_demo(dev, text, rs, user=sorted(set(rs.users.tolist()))[0], fast=True, timeout=30)


def test_half_filled_window_of_a_previous_client_does_not_leak(native):
    """A previous client opened a window and sent 26 of its 32 samples; the next client's
    ``demo --text hi`` gives exactly what it gives on a fresh device (without the reset on
    connect, the demo's first still samples complete that window: an extra letter)."""
    from glovexfer.device.transport import open_serial
    from glovexfer.simulate.recordings import simulated_recordings

    _, pty = native
    with open_serial(pty) as dev:
        fresh = _demo(dev).text
    assert len(fresh.replace(" ", "")) == 2
    rec = simulated_recordings(1, seed=4)[0]
    with serial.Serial(pty, timeout=0.1) as w:
        w.write(("start\n" + "".join(sample_line(s) + "\n" for s in rec[:26])).encode())
        w.flush()
        time.sleep(0.3)  # processed before the next client connects
    with open_serial(pty) as dev:
        assert _demo(dev).text == fresh


def test_demo_reports_a_glove_that_goes_away_with_the_text_so_far(glove):
    """The glove's process dies mid-phrase: DeviceLost (exit 2 in the CLI) naming the
    letters recognised before, never a pyserial traceback."""
    from glovexfer.device.transport import open_device

    with open_device("native", binary=glove) as dev:
        fresh = _demo(dev, "hi").text
    with open_device("native", binary=glove) as dev:
        sent = [0]
        write = dev.write_line

        def write_then_pull(line):
            if line == "start":
                sent[0] += 1
                if sent[0] == 2:  # the first letter is out; the cable is pulled
                    time.sleep(0.5)
                    dev.proc.kill()
                    dev.proc.wait()
            write(line)

        dev.write_line = write_then_pull
        with pytest.raises(DeviceLost, match=f"recognised so far: '{fresh[0]}'"):
            _demo(dev, "hi")


def test_demo_cli_exit_2_when_the_glove_goes_away(glove, capsys, monkeypatch):
    """The same through ``glovexfer demo``: an error line and exit status 2."""
    import glovexfer.device.transport as T

    real = T.open_native

    def dying_glove(**kw):
        dev = real(binary=glove)
        dev.proc.kill()
        dev.proc.wait()
        return dev

    monkeypatch.setitem(T.TRANSPORTS, "native", dying_glove)
    rc = main(["demo", "--text", "hi", "--fast"])
    cap = capsys.readouterr()
    assert rc == 2, cap.err
    assert "the glove went away" in cap.err or "the virtual glove exited" in cap.err, cap.err
    assert "Traceback" not in cap.err
