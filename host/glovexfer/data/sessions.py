"""Writing sessions: a continuous 27 Hz stream in which a wearer writes a phrase (docs/data-format.md).

A session has the same nine channels, counts and sensor settings as a recording, but any
length: letter after letter, with the fingertip travelling between letters, pauses, and
non-writing motion between words. With the ground truth where known: the text and every
letter's first and last sample.

* ``Session``: one stream, ``counts`` (n, 9) int16, ``text`` ('' if unknown), ``spans``
  (L, 2) int32 ``[start, end)`` sample indices of the L letters of ``text`` (spaces
  excluded, in order; empty when unknown).
* ``SessionSet``: many sessions in one compressed ``.npz`` (format ``glovexfer-sessions``):
  the streams concatenated, with offsets.
* ``write_session_csv`` / ``read_session_csv``: one session as glove-logger CSV (the
  recording CSV's columns, any number of rows; the truth in ``#`` comment lines).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from ..files import read_text
from ..params import LETTERS, MPU9250, SAMPLE_RATE_HZ, SensorSpec
from .recordings import (COLUMNS, N_CHANNELS, PhysicalView, _header_sensor, _npz_array, _npz_header, _parse_sensor_comment,
                         check_sensor, csv_rows, csv_values, open_npz, to_counts)

FORMAT = "glovexfer-sessions"
FORMAT_VERSION = 1
#: A session CSV holds at most this many samples (10 minutes at 27 Hz) and bytes.
MAX_SAMPLES = int(600 * SAMPLE_RATE_HZ)
CSV_MAX_BYTES = 8 << 20


def text_letters(text: str) -> str:
    """The letters a text is written with: its words' letters, spaces dropped."""
    return text.replace(" ", "")


def check_text(text: str) -> str | None:
    """Why ``text`` is not a session text (lowercase a-z words separated by single spaces), or None."""
    if text == "":
        return None
    if text != text.strip() or "  " in text:
        return "words must be separated by single spaces, without leading or trailing spaces"
    bad = sorted({c for c in text_letters(text) if c not in LETTERS})
    return f"characters {bad} are not lowercase letters a-z" if bad else None


def check_spans(spans: np.ndarray, n_samples: int, n_letters: int) -> str | None:
    """Why letter spans are not valid for a stream of ``n_samples`` and a text of ``n_letters``, or None."""
    if spans.ndim != 2 or spans.shape[1] != 2:
        return f"must be (L, 2), got shape {spans.shape}"
    if len(spans) not in (0, n_letters):
        return f"{len(spans)} letter spans for a text of {n_letters} letters"
    if len(spans) == 0:
        return None
    if np.any(spans[:, 0] < 0) or np.any(spans[:, 1] > n_samples) or np.any(spans[:, 1] <= spans[:, 0]):
        return f"every span must satisfy 0 <= start < end <= {n_samples} (the session's samples)"
    if np.any(spans[1:, 0] < spans[:-1, 1]):
        return "letter spans overlap or are out of order"
    return None


@dataclass
class Session(PhysicalView):
    """One continuous stream with its truth (``text`` and ``spans`` may be empty)."""

    counts: np.ndarray
    text: str = ""
    spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int32))
    user: str = ""
    sensor: SensorSpec = MPU9250

    def __post_init__(self):
        self.counts = np.asarray(self.counts)
        self.spans = np.asarray(self.spans, dtype=np.int32).reshape(-1, 2)
        if self.counts.ndim != 2 or self.counts.shape[1] != N_CHANNELS or self.counts.dtype != np.int16:
            raise ValueError(f"a session is (n, {N_CHANNELS}) int16 counts, got {self.counts.dtype} {self.counts.shape}")
        why = check_text(self.text) or check_spans(self.spans, len(self.counts), len(text_letters(self.text)))
        if why:
            raise ValueError(why)

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def duration_s(self) -> float:
        return len(self.counts) / SAMPLE_RATE_HZ

    @property
    def letters(self) -> str:
        return text_letters(self.text)


def _offsets(path, a: np.ndarray, name: str, total: int) -> np.ndarray:
    if a.ndim != 1 or a.dtype.kind not in "iu" or len(a) < 1:
        raise DataFormatError(path, f"must be a 1-D integer array, got {a.dtype} {a.shape}", field=name)
    a = a.astype(np.int64)
    if a[0] != 0 or a[-1] != total or np.any(np.diff(a) < 0):
        raise DataFormatError(path, f"must rise from 0 to {total}", field=name)
    return a


class SessionSet:
    """Sessions stored as one concatenated stream: session i is ``counts[offsets[i]:offsets[i+1]]``,
    its letters ``letter_spans[letter_offsets[i]:letter_offsets[i+1]]`` (relative to its start)."""

    def __init__(self, counts, offsets, texts, users, letter_spans, letter_offsets,
                 sensor: SensorSpec = MPU9250, meta: dict | None = None, extras: dict | None = None):
        self.counts = np.asarray(counts)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.texts = np.asarray(texts, dtype=str)
        self.users = np.asarray(users, dtype=str)
        self.letter_spans = np.asarray(letter_spans, dtype=np.int32).reshape(-1, 2)
        self.letter_offsets = np.asarray(letter_offsets, dtype=np.int64)
        self.sensor = sensor
        self.meta = dict(meta or {})
        self.extras = dict(extras or {})
        n = len(self.texts)
        if self.counts.ndim != 2 or self.counts.shape[1] != N_CHANNELS or self.counts.dtype != np.int16:
            raise ValueError(f"counts must be (T, {N_CHANNELS}) int16, got {self.counts.dtype} {self.counts.shape}")
        if len(self.offsets) != n + 1 or len(self.letter_offsets) != n + 1 or len(self.users) != n:
            raise ValueError(f"{n} texts but {len(self.users)} users, {len(self.offsets)} offsets, "
                             f"{len(self.letter_offsets)} letter offsets (want {n}, {n + 1}, {n + 1})")
        for k, v in self.extras.items():
            if len(v) != n:
                raise ValueError(f"extra array '{k}' has {len(v)} rows, expected {n}")
        for i in range(n):  # each session's own checks
            self.session(i)

    def __len__(self) -> int:
        return len(self.texts)

    def session(self, i: int) -> Session:
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        la, lb = int(self.letter_offsets[i]), int(self.letter_offsets[i + 1])
        try:
            return Session(self.counts[a:b], str(self.texts[i]), self.letter_spans[la:lb], str(self.users[i]), self.sensor)
        except ValueError as e:
            raise ValueError(f"session {i}: {e}") from None

    def __getitem__(self, i: int) -> Session:
        return self.session(i)

    @classmethod
    def from_sessions(cls, sessions: list[Session], sensor: SensorSpec = MPU9250, meta: dict | None = None,
                      extras: dict | None = None) -> "SessionSet":
        counts = np.concatenate([s.counts for s in sessions]) if sessions else np.zeros((0, N_CHANNELS), np.int16)
        spans = np.concatenate([s.spans for s in sessions]) if sessions else np.zeros((0, 2), np.int32)
        offsets = np.concatenate([[0], np.cumsum([len(s) for s in sessions])])
        letter_offsets = np.concatenate([[0], np.cumsum([len(s.spans) for s in sessions])])
        return cls(counts, offsets, [s.text for s in sessions], [s.user for s in sessions], spans, letter_offsets,
                   sensor, meta, extras)

    def summary(self) -> str:
        secs = len(self.counts) / SAMPLE_RATE_HZ
        words = sum(len(t.split()) for t in self.texts.tolist())
        return (f"{len(self)} sessions, {len(set(self.users.tolist()))} users, {words} words, "
                f"{len(self.letter_spans)} letters, {secs / 60:.1f} min of stream")

    # ---------------------------------------------------------------- npz
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        s = self.sensor
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "sample_rate_hz": SAMPLE_RATE_HZ,
            "columns": list(COLUMNS),
            "sensor": {"acc_full_scale_g": s.acc_full_scale_g, "gyr_full_scale_dps": s.gyr_full_scale_dps,
                       "mag_ut_per_count": s.mag_ut_per_count},
            "meta": self.meta,
        }
        np.savez_compressed(path, header=np.array(json.dumps(header)), counts=self.counts, offsets=self.offsets,
                            texts=self.texts, users=self.users, letter_spans=self.letter_spans,
                            letter_offsets=self.letter_offsets,
                            **{f"extra_{k}": np.asarray(v) for k, v in self.extras.items()})
        return path

    @classmethod
    def load(cls, path: str | Path) -> "SessionSet":
        path = Path(path)
        with open_npz(path, "a glovexfer session set .npz") as z:
            for key in ("header", "counts", "offsets", "texts", "users", "letter_spans", "letter_offsets"):
                if key not in z.files:
                    raise DataFormatError(path, "missing array" + (" (a recording set? sessions need "
                                          "'glovexfer simulate --sessions')" if key == "offsets" else ""), field=key)
            header = _npz_header(path, _npz_array(path, z, "header"), FORMAT, FORMAT_VERSION)
            sensor = _header_sensor(path, header)
            counts = _npz_array(path, z, "counts")
            if counts.dtype != np.int16 or counts.ndim != 2 or counts.shape[1] != N_CHANNELS:
                raise DataFormatError(path, f"counts must be int16 (T, {N_CHANNELS}), got {counts.dtype} {counts.shape}", field="counts")
            texts, users = (_npz_array(path, z, k) for k in ("texts", "users"))
            for key, a in (("texts", texts), ("users", users)):
                if a.ndim != 1 or a.dtype.kind not in "US":
                    raise DataFormatError(path, f"must be a 1-D string array, got {a.dtype} {a.shape}", field=key)
            spans = _npz_array(path, z, "letter_spans")
            if spans.ndim != 2 or spans.shape[1:] != (2,) or spans.dtype.kind not in "iu":
                raise DataFormatError(path, f"must be (L, 2) integers, got {spans.dtype} {spans.shape}", field="letter_spans")
            offsets = _offsets(path, _npz_array(path, z, "offsets"), "offsets", len(counts))
            letter_offsets = _offsets(path, _npz_array(path, z, "letter_offsets"), "letter_offsets", len(spans))
            if len(offsets) != len(texts) + 1 or len(letter_offsets) != len(texts) + 1 or len(users) != len(texts):
                raise DataFormatError(path, f"{len(texts)} texts need {len(texts)} users and {len(texts) + 1} offsets and "
                                            f"letter offsets, got {len(users)}, {len(offsets)}, {len(letter_offsets)}", field="offsets")
            extras = {}
            for k in z.files:
                if k.startswith("extra_"):
                    a = _npz_array(path, z, k)
                    if a.ndim == 0 or len(a) != len(texts):
                        raise DataFormatError(path, f"must have one row per session ({len(texts)})", field=k)
                    extras[k[len("extra_"):]] = a
            try:
                return cls(counts, offsets, texts, users, spans, letter_offsets, sensor, header.get("meta", {}), extras)
            except ValueError as e:
                raise DataFormatError(path, str(e), field="letter_spans" if "span" in str(e) else "texts") from None


def npz_format(path: str | Path) -> str | None:
    """The ``format`` a glovexfer .npz header names (recordings or sessions), or None when the
    file is not readable as one (the loader then says why)."""
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            return str(json.loads(str(z["header"])).get("format"))
    except Exception:  # any unreadable file: the loader's error names the problem
        return None


# -------------------------------------------------------------------- CSV (one session)
def write_session_csv(s: Session, path: str | Path | None = None) -> str:
    """One session as CSV: the recording CSV's comment lines and columns, one row per sample.

    The truth, when known, is in comment lines: ``# text: ...`` and ``# letters: a 12 40; b 52 77``
    (label, first sample, end sample exclusive). Returns the text (written when ``path`` is given).
    """
    buf = io.StringIO()
    sn = s.sensor
    buf.write(f"# glovexfer session v{FORMAT_VERSION}, {SAMPLE_RATE_HZ:g} Hz\n")
    buf.write(f"# sensor acc_full_scale_g={sn.acc_full_scale_g:g} gyr_full_scale_dps={sn.gyr_full_scale_dps:g} "
              f"mag_ut_per_count={sn.mag_ut_per_count:g}\n")
    if s.text:
        buf.write(f"# text: {s.text}\n")
    if len(s.spans):
        buf.write("# letters: " + "; ".join(f"{c} {a} {b}" for c, (a, b) in zip(s.letters, s.spans.tolist())) + "\n")
    if s.user:
        buf.write(f"# user: {s.user}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for row in s.physical:
        w.writerow([f"{v:.9g}" for v in row])
    text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text)
    return text


def _parse_letters(path, lineno: int, body: str) -> list[tuple[str, int, int]]:
    out = []
    for item in filter(None, (x.strip() for x in body.split(";"))):
        parts = item.split()
        if len(parts) != 3 or parts[0] not in LETTERS or not all(p.isascii() and p.isdigit() for p in parts[1:]):
            raise DataFormatError(path, f"letter span '{item}' is not 'LETTER START END' (a-z, sample numbers)", lineno, "letters")
        out.append((parts[0], int(parts[1]), int(parts[2])))
    return out


def read_session_csv(path: str | Path, sensor: SensorSpec | None = None) -> Session:
    """Read one session written by ``write_session_csv`` or by a glove logger (any number of
    rows up to :data:`MAX_SAMPLES`; the nine columns required, others ignored)."""
    path = Path(path)
    lines = read_text(path, "CSV session", max_bytes=CSV_MAX_BYTES).splitlines()
    truth: dict = {"sensor": None, "text": "", "text_line": 0, "user": "", "letters": None}

    def comment(lineno: int, line: str) -> None:
        body = line.lstrip("#").strip()
        if body.startswith("text:"):
            truth["text"], truth["text_line"] = body[len("text:"):].strip(), lineno
        elif body.startswith("letters:"):
            truth["letters"] = (lineno, _parse_letters(path, lineno, body[len("letters:"):]))
        elif body.startswith("user:"):
            truth["user"] = body[len("user:"):].strip()
        else:
            truth["sensor"] = _parse_sensor_comment(path, lineno, line) or truth["sensor"]

    header, rows = csv_rows(path, lines, MAX_SAMPLES,
                            lambda n: f"more than {MAX_SAMPLES} data rows (10 minutes at 27 Hz): reading stopped", comment)
    if not rows:
        raise DataFormatError(path, "no data rows")
    text, letters = truth["text"], truth["letters"]
    why = check_text(text)
    if why:
        raise DataFormatError(path, why, truth["text_line"], "text")
    values = csv_values(path, header, rows)
    spans = np.zeros((0, 2), dtype=np.int32)
    if letters is not None:
        lineno, items = letters
        if "".join(c for c, _, _ in items) != text_letters(text):
            raise DataFormatError(path, f"the letter spans spell '{''.join(c for c, _, _ in items)}', the text "
                                        f"'{text_letters(text)}'", lineno, "letters")
        spans = np.array([[a, b] for _, a, b in items], dtype=np.int32).reshape(-1, 2)
        why = check_spans(spans, len(rows), len(items))
        if why:
            raise DataFormatError(path, why, lineno, "letters")
    spec = truth["sensor"] or (check_sensor(path, sensor) if sensor is not None else MPU9250)
    counts, _ = to_counts(values, spec)
    return Session(counts, text, spans, truth["user"], spec)


__all__ = ["Session", "SessionSet", "npz_format", "read_session_csv", "write_session_csv", "text_letters", "check_text",
           "check_spans", "FORMAT", "FORMAT_VERSION", "MAX_SAMPLES"]
