"""The glove's continuous mode from the host (docs/serial-protocol.md, "Continuous mode"):
the lines that stream a writing session, the device's ``LETTER`` / ``WORD`` (and, with
``calib learn on``, ``CALIB learn``) answers as events, and their comparison with the golden model's twin (``nets.writing.continuous_stream``)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from ..errors import GloveXferError
from ..nets.writing import StreamLearn, StreamLetter, StreamWord
from .protocol import Letter, Message, ProtocolError, Word, letter_of, parse_line, sample_line, word_of


def learnt_of(msg: Message) -> StreamLearn:
    """A ``CALIB learn word=W samples=S state=on|off gain=G loo=U/N->C/N`` line (a decoded
    word taught the letter calibration, ``calib learn on``) as the golden twin's event."""
    try:
        (u, n1), (c, n2) = (tuple(int(v) for v in part.split("/")) for part in msg.fields["loo"].split("->"))
        state = msg.fields["state"]
        out = StreamLearn(msg.fields["word"], int(msg.fields["samples"]), state == "on", int(msg.fields["gain"]), (u, c, n1))
    except (KeyError, ValueError):
        raise ProtocolError(f"malformed CALIB learn line: {msg.raw[:160]!r}") from None
    if state not in ("on", "off") or n1 != n2 or not out.word.isalpha():
        raise ProtocolError(f"malformed CALIB learn line: {msg.raw[:160]!r}")
    return out


def stream_lines(counts) -> list[str]:
    """One ``s`` line per sample of a stream (no ``start`` lines: the spotter finds the letters)."""
    return [sample_line(s) for s in np.asarray(counts, dtype=np.int16)]


def lines_to_end(device, timeout: float) -> Iterator[str]:
    """The device's lines up to its answer to ``end`` (``OK end samples=N``, left out);
    GloveXferError when it does not come within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        line = device.read_line(timeout=left) if left > 0 else None
        if line is None:
            raise GloveXferError(f"{device.name}: the stream did not end ('OK end') within {timeout:.0f} s")
        if line.startswith("OK end"):
            return
        yield line


def stream_session(device, counts, timeout: float = 300.0) -> list[str]:
    """Stream one session to a glove in continuous mode (its samples, then ``end``) and
    return the device's lines up to its ``OK end``. The samples go out at once: the glove's
    answers to one session (a few kB) fit the link's buffers while it reads them."""
    for line in stream_lines(counts):
        device.write_line(line)
    device.write_line("end")
    return list(lines_to_end(device, timeout))


def device_events(messages: list[Message]) -> list:
    """The continuous-mode ``LETTER``, ``WORD`` and ``CALIB learn`` lines of ``messages`` as
    :class:`Letter` / :class:`Word` / ``StreamLearn``, in order (other lines skipped; a
    window-mode ``WORD`` has no fields and is refused here)."""
    out: list = []
    for m in messages:
        if m.kind == "LETTER":
            out.append(letter_of(m))
        elif m.kind == "WORD":
            w = word_of(m)
            if w is None:
                raise ProtocolError(f"a window-mode WORD line in a continuous stream: {m.raw!r}")
            out.append(w)
        elif m.kind == "CALIB" and m.args[:1] == ["learn"]:
            out.append(learnt_of(m))
    return out


def parse_events(lines: list[str]) -> list:
    """:func:`device_events` of raw device lines."""
    return device_events([parse_line(x) for x in lines if x.strip()])


def _key(e) -> tuple:
    """An event's fields the comparison reads: device (Letter, Word) and golden (StreamLetter,
    StreamWord) events have the same names."""
    if isinstance(e, (Word, StreamWord)):
        return ("WORD", e.raw, e.word, e.cost, e.letters)
    if isinstance(e, StreamLearn):
        return ("LEARN", e.word, e.samples, e.on, e.gain, tuple(e.loo))
    if isinstance(e, (Letter, StreamLetter)):
        sc = None if e.probs is None else tuple(int(v) for v in np.asarray(e.probs).ravel())
        return ("LETTER", e.letter, e.q8, tuple(e.top3), e.start, e.end, sc)
    raise TypeError(f"not a stream event: {e!r}")


def compare_events(device: list, golden: list) -> list[str]:
    """Every difference between the device's events and the golden twin's, as text (empty:
    equal): each event's kind, letter, q8, top-3 and span, or raw letters, word, cost, count."""
    d = [_key(e) for e in device]
    g = [_key(e) for e in golden]
    out = [f"event {i}: device {a} golden {b}" for i, (a, b) in enumerate(zip(d, g)) if a != b]
    if len(d) != len(g):
        out.append(f"{len(d)} device events, {len(g)} golden")
    return out


__all__ = ["compare_events", "device_events", "learnt_of", "lines_to_end", "parse_events", "stream_lines", "stream_session"]
