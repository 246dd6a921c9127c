"""The glove's serial line protocol, version 3 (docs/serial-protocol.md): parse the
device's lines, format the host's.  Pure functions; no I/O.  Version 1 devices (no
continuous mode) and version 2 devices (no letter calibration) are still accepted: each
version only adds to the one before."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

import numpy as np

from ..errors import GloveXferError
from ..params import LETTERS

PROTO_VERSION = 3
#: Versions this host speaks: 2 is version 3 without the letter calibration (``calib``), 1 is
#: version 2 without the continuous mode.
PROTO_VERSIONS = (1, 2, 3)
#: Longest host line the firmware accepts (kGxMaxLine, firmware/core/protocol.h).
MAX_LINE = 1200
#: Samples per recording window (kMaxSamples).
WINDOW = 32
#: Models the device can run (``signal`` and ``fused_signal`` = LSTM + signal network only on
#: firmware built with a signal network; GxModelSel order).
MODELS = ("lstm", "cnn", "fused", "signal", "fused_signal")

_TYPES = {"i32": (8, np.int32), "i8": (2, np.int8), "u8": (2, np.uint8), "u16": (4, np.uint16)}
#: A device line starts with an upper-case kind; anything else (an ESP32 boot banner, noise
#: on the line) is not the protocol.  Unknown upper-case kinds parse: later versions add some.
_KIND = re.compile(r"[A-Z][A-Z0-9_]*")
#: Printable ASCII and tab, as the firmware requires of host lines (E_GARBAGE).
_PRINTABLE = re.compile(r"[\t\x20-\x7e]*")
_UINT = re.compile(r"[0-9]{1,9}")


@dataclass
class Message:
    """One device line: ``kind`` (READY, LETTER, WORD, ERR, INFO, OK, STAGE, RESULT, END),
    positional ``args`` and ``key=value`` ``fields``."""

    kind: str
    args: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    raw: str = ""


@dataclass
class Letter:
    letter: str
    q8: int  # confidence 0..255 (/256)
    top3: list  # [(letter, q8)]
    model: str = ""
    n: int = 0
    start: int | None = None  # continuous mode: the letter's samples [start, end) of the stream
    end: int | None = None
    probs: np.ndarray | None = None  # continuous mode: the network outputs (nets, 26) the word decoder reads

    @property
    def confidence(self) -> float:
        return self.q8 / 256.0


@dataclass
class Word:
    """A continuous-mode ``WORD`` line: the raw letters, the lexicon's word (None for ``?``:
    no candidate, or a device without a lexicon), its cost and the word's letter count."""

    raw: str
    word: str | None
    cost: int
    letters: int


@dataclass
class Stage:
    name: str
    values: np.ndarray


class ProtocolError(GloveXferError):
    """A device line that does not follow the protocol."""


def _kv(tokens: list[str]) -> tuple[list, dict]:
    args, fields = [], {}
    for t in tokens:
        k, sep, v = t.partition("=")
        if sep and k and k.replace("_", "").isalnum():
            fields[k] = v
        else:
            args.append(t)
    return args, fields


def parse_line(line: str) -> Message:
    """One line from the device (without or with its newline) -> :class:`Message`."""
    s = line.rstrip("\r\n")
    if not s:
        raise ProtocolError("empty line from the device")
    if not _PRINTABLE.fullmatch(s):
        raise ProtocolError(f"device line with bytes that are not printable ASCII: {s[:80]!r}")
    kind, _, rest = s.partition(" ")
    if not _KIND.fullmatch(kind):
        raise ProtocolError(f"not a protocol line (no upper-case line kind): {s[:80]!r}")
    if kind == "STAGE":
        parts = rest.split(" ")
        if len(parts) not in (3, 4):
            raise ProtocolError(f"STAGE line with {len(parts)} fields: {s[:80]!r}")
        return Message(kind, parts if len(parts) == 4 else parts + [""], {}, s)
    if kind in ("ERR",):
        code, _, msg = rest.partition(" ")
        return Message(kind, [code, msg], {}, s)
    try:
        tokens = shlex.split(rest)
    except ValueError as e:
        raise ProtocolError(f"unparsable device line {s[:80]!r}: {e}") from None
    args, fields = _kv(tokens)
    return Message(kind, args, fields, s)


def _uint(text: str, what: str, hi: int | None = None) -> int:
    """A decimal field of a device line (ASCII digits only, at most ``hi``)."""
    if not _UINT.fullmatch(text) or (hi is not None and int(text) > hi):
        raise ProtocolError(f"{what} must be an integer 0..{hi if hi is not None else '999999999'}, got {text[:40]!r}")
    return int(text)


def parse_top3(text: str) -> list:
    out = []
    for item in text.split(","):
        letter, _, q = item.partition(":")
        if len(letter) != 1 or letter not in LETTERS:
            raise ProtocolError(f"bad top3 entry {item[:40]!r}")
        out.append((letter, _uint(q, "top3 confidence", 255)))
    if len(out) != 3:
        raise ProtocolError(f"top3 must have 3 entries, got {text!r}")
    return out


def letter_of(msg: Message) -> Letter:
    """A LETTER or RESULT message -> :class:`Letter`."""
    args = msg.args[1:] if msg.kind == "RESULT" else msg.args
    if not args or len(args[0]) != 1 or args[0] not in LETTERS or "q8" not in msg.fields or "top3" not in msg.fields:
        raise ProtocolError(f"malformed {msg.kind} line: {msg.raw[:120]!r}")
    return Letter(
        letter=args[0],
        q8=_uint(msg.fields["q8"], f"{msg.kind} q8", 255),
        top3=parse_top3(msg.fields["top3"]),
        model=msg.fields.get("model", msg.args[0] if msg.kind == "RESULT" else ""),
        n=_uint(msg.fields.get("n", "0"), f"{msg.kind} n"),
        start=_uint(msg.fields["start"], f"{msg.kind} start") if "start" in msg.fields else None,
        end=_uint(msg.fields["end"], f"{msg.kind} end") if "end" in msg.fields else None,
        probs=_probs(msg.fields["probs"], msg.fields.get("model", "")) if "probs" in msg.fields else None,
    )


#: models whose letters carry two networks' outputs (the LSTM's first)
FUSED_MODELS = ("fused", "fused_signal")


def _probs(text: str, model: str) -> np.ndarray:
    """A LETTER line's ``probs=``: 26 network outputs 0..255 per network, 2 hex digits each,
    two networks (the LSTM's first) for a fused ``model``, else one: (nets, 26)."""
    nets = 2 if model in FUSED_MODELS else 1
    if len(text) != 2 * nets * len(LETTERS) or not re.fullmatch(r"[0-9a-f]*", text):
        raise ProtocolError(f"LETTER probs of model {model or '?'} must be {2 * nets * len(LETTERS)} lowercase hex "
                            f"digits ({nets} x 26 outputs), got {len(text)}: {text[:40]!r}")
    return np.frombuffer(bytes.fromhex(text), dtype=np.uint8).astype(np.int64).reshape(nets, len(LETTERS))


def _letters(text: str, what: str, allow_empty: bool = False) -> str:
    if not (text or allow_empty) or len(text) > 64 or any(c not in LETTERS for c in text):
        raise ProtocolError(f"{what} must be letters a-z, got {text[:40]!r}")
    return text


def word_of(msg: Message) -> Word | None:
    """A ``WORD`` message -> :class:`Word`; None for a window-mode ``WORD`` (no fields: the
    device only says that the word ended)."""
    if msg.kind != "WORD":
        raise ProtocolError(f"not a WORD line: {msg.raw[:80]!r}")
    if "raw" not in msg.fields:
        return None
    f = msg.fields
    if "word" not in f or "cost" not in f or "letters" not in f:
        raise ProtocolError(f"malformed WORD line (raw, word, cost, letters expected): {msg.raw[:120]!r}")
    word = None if f["word"] == "?" else _letters(f["word"], "WORD word")
    return Word(raw=_letters(f["raw"], "WORD raw"), word=word, cost=_uint(f["cost"], "WORD cost"),
                letters=_uint(f["letters"], "WORD letters"))


def stage_of(msg: Message) -> Stage:
    """A STAGE message -> :class:`Stage` with the decoded values (1-D array)."""
    if msg.kind != "STAGE" or len(msg.args) != 4:
        raise ProtocolError(f"not a STAGE line: {msg.raw[:80]!r}")
    name, typ, count, hexs = msg.args
    if typ not in _TYPES or not _UINT.fullmatch(count):
        raise ProtocolError(f"STAGE {name[:40]}: unknown type {typ[:40]!r} or count {count[:40]!r}")
    digits, dtype = _TYPES[typ]
    n = int(count)
    if len(hexs) != n * digits:
        raise ProtocolError(f"STAGE {name}: {len(hexs)} hex digits for {n} {typ} values")
    try:
        raw = bytes.fromhex(hexs)
    except ValueError as e:
        raise ProtocolError(f"STAGE {name}: bad hex: {e}") from None
    be = np.dtype(dtype).newbyteorder(">")
    return Stage(name, np.frombuffer(raw, dtype=be).astype(dtype))


def _check_counts(counts) -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim == 1:
        c = c[None, :]
    if c.ndim != 2 or c.shape[1] != 9:
        raise GloveXferError(f"samples must have shape (n, 9), got {c.shape}")
    if not np.issubdtype(c.dtype, np.integer) or c.min(initial=0) < -32768 or c.max(initial=0) > 32767:
        raise GloveXferError("samples must be int16 counts")
    return c.astype(np.int16)


def sample_line(sample) -> str:
    """One raw sample (9 int16 counts) -> ``s ax ay az gx gy gz mx my mz``."""
    c = _check_counts(sample)
    if c.shape[0] != 1:
        raise GloveXferError("sample_line takes one sample")
    return "s " + " ".join(str(int(v)) for v in c[0])


def replay_line(counts) -> str:
    """A recording (n <= 32, 9) int16 -> ``replay N HEX`` (4 hex digits per count)."""
    c = _check_counts(counts)
    if not 1 <= c.shape[0] <= WINDOW:
        raise GloveXferError(f"replay takes 1..{WINDOW} samples, got {c.shape[0]}")
    return f"replay {c.shape[0]} " + c.astype(">i2").tobytes().hex()


__all__ = [
    "MAX_LINE",
    "MODELS",
    "PROTO_VERSION",
    "PROTO_VERSIONS",
    "Word",
    "WINDOW",
    "Letter",
    "Message",
    "ProtocolError",
    "Stage",
    "letter_of",
    "parse_line",
    "parse_top3",
    "replay_line",
    "sample_line",
    "stage_of",
    "word_of",
]
