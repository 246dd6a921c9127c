"""The letter listener: reads a glove's lines, prints letters as they arrive and builds
words (a ``WORD`` line from the device ends a word).  Used by ``glovexfer listen`` for real
gloves and by ``glovexfer demo`` for the virtual one.

In continuous mode (docs/serial-protocol.md) a ``WORD`` line carries the word's raw letters
and the glove's lexicon word; both are shown, and the text is made of the decoded words.  A
glove without a lexicon sends ``word=?``: the host then decodes the word itself with the
shipped lexicon (``models/glove/lexicon``, golden ``letter_costs`` and ``decode_word`` on the
letters' ``probs=``: each network's outputs), which is exactly what a glove with the lexicon
computes. A glove of an earlier firmware sends ``scores=`` (the fused sum) instead, which the
letter costs of lexicon format 2 cannot be computed from: its words stay raw on the host.

A serial line is not a clean channel: a line that cannot be used (noise, an ESP32 boot
banner, a malformed letter) is reported on stderr and skipped, and a glove that goes away
(cable pulled) ends nothing: ``listen`` says so, keeps the text so far and waits for the
port to come back."""

from __future__ import annotations

import sys
import time

import numpy as np

from ..errors import GloveXferError
from .calibrate import learn as calib_learn
from .protocol import Message, ProtocolError, letter_of, parse_line, word_of
from .transport import DeviceLost

#: Unusable lines reported one by one; after that every ``BAD_LINE_EVERY``-th with the count.
BAD_LINES_REPORTED = 10
BAD_LINE_EVERY = 100
#: Seconds between attempts to reopen a port whose glove went away: doubling, at most the
#: second value.
RECONNECT_BACKOFF = (0.5, 5.0)


class Listener:
    """Collects the recognised text from device messages; ``feed`` returns what it printed."""

    def __init__(self, out=None, verbose: bool = True, err=None, lexicon=None):
        self.out = out  # None: sys.stdout at print time
        self.err = err  # None: sys.stderr at print time
        self.verbose = verbose
        self.lexicon = lexicon  # golden Lexicon: decode words the glove sends without one
        self.words: list[str] = []
        self.raw_words: list[str] = []  # continuous mode: the words' recognised letters
        self.current = ""
        self.current_probs: list = []  # continuous mode: the open word's letters' network outputs
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
        self.current_probs = []

    def host_decode(self, raw: str) -> tuple[str | None, int]:
        """The shipped lexicon's word for the open word (golden decode_word), or (None, 0) when
        there is no lexicon, a letter came without network outputs or the word's letters differ
        in their networks (golden letter_costs, decode_word)."""
        from ..golden.decode import decode_word, letter_costs

        p = self.current_probs
        if (self.lexicon is None or not p or len(p) != len(raw) or any(x is None for x in p)
                or len({x.shape for x in p}) != 1):
            return None, 0
        return decode_word(letter_costs(np.stack(p), self.lexicon), self.lexicon)

    def continuous_word(self, w) -> None:
        """A continuous-mode WORD line: the raw letters and the decoded word (the glove's, else
        the host's)."""
        word, cost, where = w.word, w.cost, "lexicon on the glove"
        if word is None:
            word, cost = self.host_decode(w.raw)
            where = "decoded on the host"
        elif self.lexicon is not None:  # a check of the glove's decoder
            mine = self.host_decode(w.raw)
            if mine[0] is not None and mine != (word, cost):
                self.warn(f"  the glove decoded '{w.raw}' as '{word}' (cost {cost}), the host as '{mine[0]}' "
                          f"(cost {mine[1]}): is the glove's lexicon the shipped one?")
        self.raw_words.append(w.raw)
        self.words.append(word or w.raw)
        self.current = ""
        self.current_probs = []
        how = f"{where}, cost {cost}" if word else "no lexicon word"
        self._say(f"  word: {word or w.raw}   (letters '{w.raw}'; {how})")

    def feed(self, m: Message) -> None:
        if m.kind == "LETTER":
            try:
                L = letter_of(m)
            except ProtocolError as e:
                self.bad_line(str(e))
                return
            self.letters.append(L)
            self.current += L.letter
            self.current_probs.append(L.probs)
            top = " ".join(f"{a}:{q}" for a, q in L.top3)
            self._say(f"  letter '{L.letter}'  confidence {L.q8}/256 = {100 * L.confidence:.0f} %  "
                      f"(top-3 {top}; {L.model})   text so far: {self.text}")
        elif m.kind == "WORD":
            try:
                w = word_of(m)
            except ProtocolError as e:
                self.bad_line(str(e))
                return
            if w is None:
                self.end_word()
            else:
                self.continuous_word(w)
        elif m.kind == "ERR":
            self.errors.append(f"{m.args[0]} {m.args[1]}")
            self._say(f"  device error {m.args[0]}: {m.args[1]}")
        elif m.kind == "CALIB" and m.args[:1] == ["learn"]:
            from .continuous import learnt_of

            try:
                e = learnt_of(m)
            except ProtocolError as err:
                self.bad_line(str(err))
                return
            u, c, n = e.loo
            self._say(f"  learnt from '{e.word}': {e.samples} samples, calibration {'on' if e.on else 'off'} "
                      f"(gain {e.gain}; its own samples {u}/{n} -> {c}/{n})")
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


def host_lexicon(banner, decode: bool | None, err=None):
    """The shipped lexicon for host decoding: with ``decode`` True, or None (automatic) when the
    glove's banner names no usable lexicon (``lexicon="none"`` / ``"refused"``, or a
    version-1 glove); else None. Automatic decoding without a shipped lexicon says so on
    ``err`` and goes on without; ``decode`` True then raises."""
    from ..files import domain_dir
    from ..golden.decode import load_lexicon

    has = banner is not None and str(banner.fields.get("lexicon", "")).startswith("gxlex/")
    if decode is False or (decode is None and has):
        return None
    try:
        return load_lexicon(domain_dir("glove") / "lexicon")
    except GloveXferError as e:
        if decode:
            raise
        print(f"  the glove has no lexicon and the host cannot load one ({e}): words stay raw",
              file=err if err is not None else sys.stderr, flush=True)
        return None


def _wait_for_device(device, lis: Listener, model: str | None, t_end: float | None, out,
                     continuous: bool = False, learn: bool = False) -> bool:
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
            if continuous:
                device.set_mode("continuous")
            if learn:
                calib_learn(device, True)
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
           out=None, err=None, reconnect: bool = True, continuous: bool = False,
           decode: bool | None = None, learn: bool | None = None) -> Listener:
    """Print letters from ``device`` until ``count`` letters came, ``timeout`` s passed, or Ctrl-C.
    When the glove goes away the text so far is kept and, with ``reconnect`` and a device
    that can be reopened, the port is reopened until the glove is back. ``continuous``: the
    glove is switched to continuous mode (no button; words with raw letters and decoded
    word); ``decode``: words decoded on the host (``host_lexicon``: None = when the glove has
    no lexicon); ``learn`` (continuous mode): ``calib learn on``, the glove learns the wearer
    from the words it decodes (docs/writing.md, "Self-calibration"): True asks for it (an
    error when the glove cannot), None (the default) switches it on where the glove can
    (a warning where it cannot: no lexicon, no letter calibration), False leaves it off."""
    out = out if out is not None else sys.stdout
    if learn and not continuous:
        raise GloveXferError("learning from decoded words is a continuous-mode feature: add --continuous")
    lis = Listener(out=out, err=err, lexicon=host_lexicon(device.banner, decode, err))
    if model:
        device.select_model(model)
    if continuous:
        device.set_mode("continuous")
    learning = False
    if continuous and learn is not False:
        try:
            calib_learn(device, True)
            learning = True
        except GloveXferError as e:
            if learn:
                raise
            lis.warn(f"the glove does not learn from the words it decodes ({e}); words are decoded without it")
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
                if not _wait_for_device(device, lis, model, t_end, out, continuous, learning):
                    break
    except KeyboardInterrupt:
        pass
    lis.end_word()
    print(f"text: {lis.text}", file=out, flush=True)
    return lis


__all__ = ["Listener", "host_lexicon", "listen"]
