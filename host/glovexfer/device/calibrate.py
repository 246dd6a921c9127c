"""Letter calibration over the serial protocol (docs/serial-protocol.md, "Letter calibration";
the method: docs/calibration.md): the wearer writes each letter K times, the glove keeps the
features of each sample and from then on favours letters close to the wearer's own.

The glove does the work (firmware/core/calibrate, twin of golden/calibrate.py); the host
asks for the letters and reports what the glove says: what it recognised, its guards (a
sample that does not look like its letter; a set that lowers accuracy on the wearer's own
samples). Boards without an IMU (the virtual glove, QEMU) take each sample as a window of
``s`` lines, which :func:`add_sample` sends when it is given the recording.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import GloveXferError
from ..params import LETTERS
from .protocol import Message, ProtocolError, parse_top3, sample_line

#: Samples per letter the glove keeps (kGxCalibKMax).
K_MAX = 3


@dataclass
class CalibState:
    """A ``CALIB`` line: ``state`` on / off / inactive (on, but not applied: fewer than two
    letters or another model selected), the per-letter ``counts``, leave-one-out ``loo``
    = (uncalibrated correct, calibrated correct, samples), the ``gain`` the leave-one-out
    chose (calibration spec v2 and v3; None from a glove of spec v1, which has no ``gain=`` field)."""

    state: str
    model: str
    letters: int
    samples: int
    counts: dict
    tau: tuple
    loo: tuple
    gain: int | None = None


@dataclass
class AddOutcome:
    """One sample: ``stored`` (in the glove's set), ``suspect`` (guard 1: the letter is not in
    the uncalibrated top-3: ``got`` / ``top3`` say what the glove recognised), ``warnings``
    (WARN lines: guard 2 switched the calibration off)."""

    letter: str
    stored: bool
    suspect: bool
    got: str | None
    top3: list
    state: CalibState | None
    warnings: list = field(default_factory=list)


def _int(msg: Message, key: str) -> int:
    try:
        return int(msg.fields[key])
    except (KeyError, ValueError):
        raise ProtocolError(f"malformed CALIB line (field {key}): {msg.raw[:160]!r}") from None


def state_of(msg: Message) -> CalibState:
    """A ``CALIB show`` / ``CALIB sample`` line -> :class:`CalibState`."""
    if msg.kind != "CALIB":
        raise ProtocolError(f"expected a CALIB line, got {msg.raw[:120]!r}")
    counts = msg.fields.get("counts", "")
    loo = msg.fields.get("loo", "")
    try:
        (u, n1), (c, n2) = (tuple(int(v) for v in part.split("/")) for part in loo.split("->"))
        tau = tuple(int(v) for v in msg.fields.get("tau", "").split(","))
        gain = int(msg.fields["gain"]) if "gain" in msg.fields else None
    except ValueError:
        raise ProtocolError(f"malformed CALIB line (loo/tau/gain): {msg.raw[:160]!r}") from None
    if len(counts) != len(LETTERS) or not counts.isdigit() or n1 != n2:
        raise ProtocolError(f"malformed CALIB line (counts/loo): {msg.raw[:160]!r}")
    return CalibState(state=msg.fields.get("state", ""), model=msg.fields.get("model", ""),
                      letters=_int(msg, "letters"), samples=_int(msg, "samples"),
                      counts={ch: int(v) for ch, v in zip(LETTERS, counts)}, tau=tau, loo=(u, c, n1), gain=gain)


def _answer(device, timeout: float | None, warnings: list | None = None) -> Message:
    """The next CALIB or OK line; WARN lines go to ``warnings``; an ERR raises."""
    deadline = time.monotonic() + (device.timeout if timeout is None else timeout)
    while True:
        m = device.read_message(max(0.0, deadline - time.monotonic()))
        if m is None:
            raise GloveXferError(f"{device.name}: no answer to the calibration command within the timeout")
        if m.kind == "WARN" and warnings is not None:
            warnings.append(m.raw)
        elif m.kind == "ERR":
            raise GloveXferError(f"{device.name}: device error {m.args[0]}: {' '.join(m.args[1:])}")
        elif m.kind in ("CALIB", "OK"):
            return m


def show(device) -> CalibState:
    device.write_line("calib show")
    return state_of(_answer(device, None))


def clear(device) -> None:
    device.write_line("calib clear")
    _answer(device, None)


def switch_off(device) -> None:
    device.write_line("calib off")
    _answer(device, None)


def learn(device, on: bool = True) -> None:
    """``calib learn on|off``: the glove learns from the words it decodes in continuous mode
    (docs/writing.md, "Self-calibration"); GloveXferError when it cannot (no lexicon, another
    model selected)."""
    device.write_line(f"calib learn {'on' if on else 'off'}")
    _answer(device, None)


def switch_on(device) -> tuple[bool, str]:
    """``calib on``: (True, "") when the glove applies it now, else (False, its reason: too
    few letters, or guard 2's leave-one-out)."""
    device.write_line("calib on")
    try:
        _answer(device, None)
    except GloveXferError as e:
        if "E_CALIB" in str(e):
            return False, str(e).split("device error ", 1)[-1]
        raise
    return True, ""


def add_sample(device, letter: str, recording=None, confirm=False, timeout: float = 30.0) -> AddOutcome:
    """``calib add <letter>``, then the next window is the sample: the given (32, 9)
    ``recording`` sent as ``start`` + ``s`` lines, else the wearer's writing (button / auto
    start). A sample that does not look like the letter is stored when ``confirm`` is true
    (or, a callable, returns true for the suspect :class:`AddOutcome`), else dropped."""
    if len(letter) != 1 or letter not in LETTERS:
        raise GloveXferError(f"calibration: a letter a..z expected, got {letter!r}")
    device.write_line(f"calib add {letter}")
    _answer(device, None)
    if recording is not None:
        r = np.asarray(recording)
        if r.ndim != 2 or r.shape[1] != 9:
            raise GloveXferError(f"calibration: a recording of (32, 9) counts expected, got {r.shape}")
        device.write_line("start")
        for row in r:
            device.write_line(sample_line(row))
    warnings: list = []
    m = _answer(device, timeout, warnings)
    if m.kind != "CALIB" or not m.args or m.args[0] not in ("sample", "suspect"):
        raise ProtocolError(f"{device.name}: expected a CALIB sample/suspect line, got {m.raw[:120]!r}")
    if m.args[0] == "sample":
        return AddOutcome(letter, True, False, None, [], state_of(m), warnings)
    got = m.fields.get("got")
    top3 = parse_top3(m.fields["top3"]) if "top3" in m.fields else []
    o = AddOutcome(letter, False, True, got, top3, None, warnings)
    keep = bool(confirm(o)) if callable(confirm) else bool(confirm)
    device.write_line("calib confirm" if keep else "calib drop")
    a = _answer(device, None, warnings)
    return AddOutcome(letter, keep, True, got, top3, state_of(a) if a.kind == "CALIB" else None, warnings)


def run_calibration(device, k: int, recordings=None, confirm=None, out=print, keep: bool = False) -> CalibState:
    """The wearer writes every letter ``k`` (1..K_MAX) times; progress and the glove's
    answers go to ``out``.  ``recordings(letter, i)`` gives the i-th recording of a letter
    (boards without an IMU), or None: the wearer writes on the glove.  ``confirm(outcome)``
    decides whether a suspect sample is kept (default: dropped).  Then ``calib on``; returns
    the glove's state."""
    if not 1 <= k <= K_MAX:
        raise GloveXferError(f"calibration: --k must be 1..{K_MAX}, got {k}")
    if not keep:
        clear(device)
    total = k * len(LETTERS)
    done = 0
    for i in range(k):
        for letter in LETTERS:
            done += 1
            rec = recordings(letter, i) if recordings is not None else None
            if rec is None:
                out(f"[{done}/{total}] write '{letter}' ({i + 1}/{k}) ...")
            o = add_sample(device, letter, rec, confirm=confirm or False)
            if o.suspect:
                tops = ",".join(t[0] for t in o.top3)
                out(f"[{done}/{total}] '{letter}': does not look like {letter} (recognised {o.got}, top-3 {tops}): "
                    f"{'kept' if o.stored else 'dropped'}")
            else:
                st = o.state
                out(f"[{done}/{total}] '{letter}' stored ({st.counts[letter]}/{k}); leave-one-out on your samples "
                    f"{st.loo[0]}/{st.loo[2]} uncalibrated -> {st.loo[1]}/{st.loo[2]} calibrated")
            for w in o.warnings:
                out(f"warning: {w}")
    ok, why = switch_on(device)
    st = show(device)
    u, c, n = st.loo
    if ok:
        # spec v3: a letter's only sample is not judged, so a set without a letter written twice has no count
        judged = (f"on your own samples {u}/{n} -> {c}/{n}" if n else
                  "no letter has two samples, so guard 2 cannot check it on your own samples (write each letter twice for that)")
        out(f"calibration on: {st.samples} samples of {st.letters} letters; {judged}"
            + (f" (gain {st.gain})" if st.gain is not None else ""))
    else:
        out(f"calibration NOT switched on: {why}")
    return st


__all__ = ["AddOutcome", "CalibState", "K_MAX", "add_sample", "clear", "run_calibration", "show", "state_of",
           "switch_off", "switch_on"]
