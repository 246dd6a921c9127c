"""The letter listener: reads a glove's lines, prints letters as they arrive and builds
words (a ``WORD`` line from the device ends a word).  Used by ``glovexfer listen`` for real
gloves and by ``glovexfer demo`` for the virtual one.

A serial line is not a clean channel: a line that cannot be used (noise, an ESP32 boot
banner, a malformed letter) is reported on stderr and skipped, and a glove that goes away
(cable pulled) ends nothing: ``listen`` says so, keeps the text so far and waits for the
port to come back."""

from __future__ import annotations

import sys
import time

from .protocol import Message, ProtocolError, letter_of, parse_line
from .transport import DeviceLost

#: Unusable lines reported one by one; after that every ``BAD_LINE_EVERY``-th with the count.
BAD_LINES_REPORTED = 10
BAD_LINE_EVERY = 100
#: Seconds between attempts to reopen a port whose glove went away: doubling, at most the
#: second value.
RECONNECT_BACKOFF = (0.5, 5.0)


class Listener:
    """Collects the recognised text from device messages; ``feed`` returns what it printed."""

    def __init__(self, out=None, verbose: bool = True, err=None):
        self.out = out  # None: sys.stdout at print time
        self.err = err  # None: sys.stderr at print time
        self.verbose = verbose
        self.words: list[str] = []
        self.current = ""
        self.letters = []
        self.errors: list[str] = []
        self.bad_lines = 0

    @property
    def text(self) -> str:
        return " ".join(self.words + ([self.current] if self.current else []))

    def _say(self, s: str) -> None:
        if self.verbose:
            print(s, file=self.out if self.out is not None else sys.stdout, flush=True)

    def warn(self, s: str) -> None:
        print(s, file=self.err if self.err is not None else sys.stderr, flush=True)

    def bad_line(self, why: str) -> None:
        """Report an unusable line (rate-limited) and go on."""
        self.bad_lines += 1
        if self.bad_lines <= BAD_LINES_REPORTED:
            self.warn(f"  skipped an unusable line: {why}")
        elif self.bad_lines % BAD_LINE_EVERY == 0:
            self.warn(f"  skipped an unusable line: {why} ({self.bad_lines} unusable lines so far)")

    def end_word(self) -> None:
        if self.current:
            self.words.append(self.current)
            self._say(f"  word: {self.current}")
            self.current = ""

    def feed(self, m: Message) -> None:
        if m.kind == "LETTER":
            try:
                L = letter_of(m)
            except ProtocolError as e:
                self.bad_line(str(e))
                return
            self.letters.append(L)
            self.current += L.letter
            top = " ".join(f"{a}:{q}" for a, q in L.top3)
            self._say(f"  letter '{L.letter}'  confidence {L.q8}/256 = {100 * L.confidence:.0f} %  "
                      f"(top-3 {top}; {L.model})   text so far: {self.text}")
        elif m.kind == "WORD":
            self.end_word()
        elif m.kind == "ERR":
            self.errors.append(f"{m.args[0]} {m.args[1]}")
            self._say(f"  device error {m.args[0]}: {m.args[1]}")
        elif m.kind in ("READY", "INFO"):
            self._say(f"  device: {m.raw}")

    def feed_line(self, line: str) -> None:
        """One raw device line: parsed and fed, or reported and skipped."""
        try:
            m = parse_line(line)
        except ProtocolError as e:
            self.bad_line(str(e))
            return
        self.feed(m)

    def read_one(self, device, timeout: float) -> bool:
        """Read and feed one line; False when none came within ``timeout`` s."""
        try:
            line = device.read_line(timeout=timeout)
        except ProtocolError as e:  # an over-long line
            self.bad_line(str(e))
            return True
        if line is None:
            return False
        self.feed_line(line)
        return True

    def drain(self, device, timeout: float = 0.0) -> int:
        """Feed every line that arrives within ``timeout`` s (0: only what is waiting)."""
        n = 0
        deadline = time.monotonic() + timeout
        while self.read_one(device, max(0.0, deadline - time.monotonic()) if timeout > 0 else 0.001):
            n += 1
        return n


def _wait_for_device(device, lis: Listener, model: str | None, t_end: float | None, out) -> bool:
    """Reopen ``device`` until it answers (backoff doubling up to RECONNECT_BACKOFF[1] s),
    ``t_end`` passes (False) or Ctrl-C (KeyboardInterrupt)."""
    delay, cap = RECONNECT_BACKOFF
    tries = 0
    while True:
        if t_end is not None and time.monotonic() + delay > t_end:
            return False
        time.sleep(delay)
        tries += 1
        try:
            banner = device.reconnect()
            if model:
                device.select_model(model)
        except DeviceLost:
            pass
        except Exception as e:  # noqa: BLE001 - a port that is not back yet fails in many ways
            if tries == 1:
                lis.warn(f"  waiting for {device.name}: {type(e).__name__}: {e}")
        else:
            print(f"glove back on {device.name} ({banner.raw}); listening", file=out, flush=True)
            return True
        delay = min(2 * delay, cap)


def listen(device, model: str | None = None, count: int | None = None, timeout: float | None = None,
           out=None, err=None, reconnect: bool = True) -> Listener:
    """Print letters from ``device`` until ``count`` letters came, ``timeout`` s passed, or Ctrl-C.
    When the glove goes away the text so far is kept and, with ``reconnect`` and a device
    that can be reopened, the port is reopened until the glove is back."""
    out = out if out is not None else sys.stdout
    lis = Listener(out=out, err=err)
    if model:
        device.select_model(model)
    print(f"listening on {device.name} ({device.banner.raw if device.banner else 'no banner'}); Ctrl-C stops",
          file=out, flush=True)
    t_end = None if timeout is None else time.monotonic() + timeout
    try:
        while (count is None or len(lis.letters) < count) and (t_end is None or time.monotonic() < t_end):
            try:
                lis.read_one(device, 0.5)
            except DeviceLost as e:
                lis.end_word()  # the device's window and word state are gone with it
                lis.warn(f"glove disconnected: {e}; text so far: {lis.text or '(none)'}")
                if not reconnect or device.reopen is None:
                    break
                lis.warn(f"waiting for {device.name} to come back (Ctrl-C stops)")
                if not _wait_for_device(device, lis, model, t_end, out):
                    break
    except KeyboardInterrupt:
        pass
    lis.end_word()
    print(f"text: {lis.text}", file=out, flush=True)
    return lis


__all__ = ["Listener", "listen"]
