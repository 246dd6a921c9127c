"""The letter listener: reads a glove's lines, prints letters as they arrive and builds
words (a ``WORD`` line from the device ends a word).  Used by ``glovexfer listen`` for real
gloves and by ``glovexfer demo`` for the virtual one."""

from __future__ import annotations

import sys
import time

from .protocol import Message, letter_of


class Listener:
    """Collects the recognised text from device messages; ``feed`` returns what it printed."""

    def __init__(self, out=None, verbose: bool = True):
        self.out = out  # None: sys.stdout at print time
        self.verbose = verbose
        self.words: list[str] = []
        self.current = ""
        self.letters = []
        self.errors: list[str] = []

    @property
    def text(self) -> str:
        return " ".join(self.words + ([self.current] if self.current else []))

    def _say(self, s: str) -> None:
        if self.verbose:
            print(s, file=self.out if self.out is not None else sys.stdout, flush=True)

    def feed(self, m: Message) -> None:
        if m.kind == "LETTER":
            L = letter_of(m)
            self.letters.append(L)
            self.current += L.letter
            top = " ".join(f"{a}:{q}" for a, q in L.top3)
            self._say(f"  letter '{L.letter}'  confidence {L.q8}/256 = {100 * L.confidence:.0f} %  "
                      f"(top-3 {top}; {L.model})   text so far: {self.text}")
        elif m.kind == "WORD":
            if self.current:
                self.words.append(self.current)
                self._say(f"  word: {self.current}")
                self.current = ""
        elif m.kind == "ERR":
            self.errors.append(f"{m.args[0]} {m.args[1]}")
            self._say(f"  device error {m.args[0]}: {m.args[1]}")
        elif m.kind in ("READY", "INFO"):
            self._say(f"  device: {m.raw}")

    def drain(self, device, timeout: float = 0.0) -> int:
        """Feed every line that arrives within ``timeout`` s (0: only what is waiting)."""
        n = 0
        deadline = time.monotonic() + timeout
        while True:
            m = device.read_message(timeout=max(0.0, deadline - time.monotonic()) if timeout > 0 else 0.001)
            if m is None:
                return n
            self.feed(m)
            n += 1


def listen(device, model: str | None = None, count: int | None = None, timeout: float | None = None,
           out=None) -> Listener:
    """Print letters from ``device`` until ``count`` letters came, ``timeout`` s passed, or Ctrl-C."""
    out = out if out is not None else sys.stdout
    lis = Listener(out=out)
    if model:
        device.select_model(model)
    print(f"listening on {device.name} ({device.banner.raw if device.banner else 'no banner'}); Ctrl-C stops",
          file=out, flush=True)
    t_end = None if timeout is None else time.monotonic() + timeout
    try:
        while (count is None or len(lis.letters) < count) and (t_end is None or time.monotonic() < t_end):
            m = device.read_message(timeout=0.5)
            if m is not None:
                lis.feed(m)
    except KeyboardInterrupt:
        pass
    if lis.current:
        lis.words.append(lis.current)
        lis.current = ""
    print(f"text: {lis.text}", file=out, flush=True)
    return lis


__all__ = ["Listener", "listen"]
