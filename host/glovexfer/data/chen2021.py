"""Loader for the Chen et al. (2021) IMU-pen recordings (FORMAT.md in the data folder).

Layout: ``<session>/<letter>.csv`` (letter a..z) and ``<session>/calibration.csv``; a session
folder is one recording day of one writer, and the writer is the folder name before the
first underscore (``russell_11_7`` -> ``russell``).  Rows are CSV without header, 15 columns::

    id, td, yaw, pitch, roll, ax, ay, az, gx, gy, gz, q0, q1, q2, q3

``id`` numbers the writing sequence; consecutive rows with the same id form one letter.
``td`` is milliseconds since the previous row; yaw/pitch/roll in degrees (the pen's own
fusion), acc in milli-g (gravity included), gyro in deg/s, q0..q3 the pen's quaternion
(scalar first).  A row whose first field is ``#`` marks the sequence just before it as
invalid; sequences shorter than ``MIN_ROWS`` rows are dropped, as the authors did.

Malformed rows raise ``DataFormatError`` naming the file, the line and the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from ..files import read_text
from ..params import LETTERS

COLUMNS = ("id", "td", "yaw", "pitch", "roll", "ax", "ay", "az", "gx", "gy", "gz", "q0", "q1", "q2", "q3")
N_COLUMNS = len(COLUMNS)
#: The original authors dropped sequences shorter than this many rows (FORMAT.md).
MIN_ROWS = 25
#: A quaternion whose norm is further than this from 1 is reported as malformed (the pen's
#: five-decimal quaternions are within 1e-4 of unit norm; 0.05 catches a corrupted column).
QUAT_NORM_TOL = 0.05
INVALID_MARK = "#"
#: The data set's largest file is about 330 kB; a file far larger is not one of its files.
FILE_MAX_BYTES = 64 << 20
_LETTER_FILE = re.compile(r"^([a-z])\.csv$")


@dataclass
class PenSequence:
    """One written letter from the IMU pen (rows in file order)."""

    session: str
    writer: str
    label: str  # 'a'..'z'
    seq_id: int  # the file's sequence id
    td_ms: np.ndarray  # (n,) milliseconds since the previous row
    ypr_deg: np.ndarray  # (n, 3) yaw, pitch, roll in degrees (pen's own fusion)
    acc_mg: np.ndarray  # (n, 3) milli-g, gravity included
    gyr_dps: np.ndarray  # (n, 3) deg/s
    quat: np.ndarray  # (n, 4) w, x, y, z
    source: str = ""  # "file:first_line"

    def __len__(self) -> int:
        return len(self.td_ms)

    @property
    def t_s(self) -> np.ndarray:
        """(n,) seconds since the first row (the first row's own ``td`` is not counted)."""
        t = np.cumsum(self.td_ms, dtype=np.float64) / 1000.0
        return t - t[0]

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1])


@dataclass
class Calibration:
    """The pen held still and upright (about 10 s): acc (n, 3) mg and gyro (n, 3) deg/s."""

    session: str
    acc_mg: np.ndarray
    gyr_dps: np.ndarray

    @property
    def gyro_bias_dps(self) -> np.ndarray:
        """(3,) median gyro reading at rest: the bias to subtract."""
        return np.median(self.gyr_dps, axis=0)


@dataclass
class ChenSet:
    """Every valid sequence of the data set, with session calibrations."""

    root: Path
    sequences: list[PenSequence]
    calibrations: dict[str, Calibration] = field(default_factory=dict)
    dropped_invalid: int = 0  # sequences marked with '#'
    dropped_short: int = 0  # sequences shorter than MIN_ROWS

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def y(self) -> np.ndarray:
        return np.array([LETTERS.index(s.label) for s in self.sequences], dtype=np.int64)

    @property
    def writers(self) -> np.ndarray:
        return np.array([s.writer for s in self.sequences])

    @property
    def sessions(self) -> np.ndarray:
        return np.array([s.session for s in self.sequences])

    def writer_list(self) -> list[str]:
        return sorted(set(self.writers.tolist()))


def writer_of(session: str) -> str:
    """The writer of a session folder: the name before the first underscore."""
    return session.split("_", 1)[0]


def _parse_rows(path: Path, text: str) -> tuple[np.ndarray, np.ndarray, list[int], int]:
    """Parse one file -> (values (n, 15) float64, line numbers (n,), indices of rows that
    are followed by a '#' mark, number of '#' marks)."""
    vals: list[list[float]] = []
    lines: list[int] = []
    marked_after: list[int] = []  # row index (into vals) of the last row before each '#'
    n_marks = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(",")]
        if parts[0] == INVALID_MARK:
            n_marks += 1
            if vals:
                marked_after.append(len(vals) - 1)
            continue
        if len(parts) != N_COLUMNS:
            raise DataFormatError(path, f"expected {N_COLUMNS} comma-separated fields ({', '.join(COLUMNS)}), got {len(parts)}", line=lineno)
        row = []
        for name, p in zip(COLUMNS, parts):
            try:
                v = float(p)
            except ValueError:
                raise DataFormatError(path, f"not a number: {p!r}", line=lineno, field=name) from None
            if not math.isfinite(v):
                raise DataFormatError(path, f"not a finite number: {p!r}", line=lineno, field=name)
            row.append(v)
        if row[0] != int(row[0]) or row[0] < 0:
            raise DataFormatError(path, f"sequence id must be a non-negative integer, got {parts[0]!r}", line=lineno, field="id")
        if row[1] < 0:
            raise DataFormatError(path, f"time step must be >= 0 ms, got {parts[1]!r}", line=lineno, field="td")
        qn = math.sqrt(sum(x * x for x in row[11:15]))
        if abs(qn - 1.0) > QUAT_NORM_TOL:
            raise DataFormatError(path, f"quaternion norm {qn:.4f} is not 1 (tolerance {QUAT_NORM_TOL})", line=lineno, field="q0..q3")
        vals.append(row)
        lines.append(lineno)
    arr = np.array(vals, dtype=np.float64).reshape(-1, N_COLUMNS)
    return arr, np.array(lines, dtype=np.int64), marked_after, n_marks


def load_letter_file(path: str | Path, session: str | None = None, min_rows: int = MIN_ROWS) -> tuple[list[PenSequence], int, int]:
    """Sequences of one ``<letter>.csv`` -> (valid sequences, # dropped by '#', # dropped as short)."""
    path = Path(path)
    m = _LETTER_FILE.match(path.name)
    if not m:
        raise DataFormatError(path, "file name must be <letter>.csv with a lowercase letter a..z")
    label = m.group(1)
    session = session or path.parent.name
    text = read_text(path, "Chen letter file", max_bytes=FILE_MAX_BYTES)
    arr, lines, marked_after, _ = _parse_rows(path, text)
    if len(arr) == 0:
        return [], 0, 0
    # a new sequence starts where the id changes
    starts = np.flatnonzero(np.r_[True, arr[1:, 0] != arr[:-1, 0]])
    ends = np.r_[starts[1:], len(arr)]
    marked = set(marked_after)
    out: list[PenSequence] = []
    n_invalid = n_short = 0
    for s, e in zip(starts, ends):
        if (e - 1) in marked:
            n_invalid += 1
            continue
        if e - s < min_rows:
            n_short += 1
            continue
        r = arr[s:e]
        out.append(
            PenSequence(
                session=session,
                writer=writer_of(session),
                label=label,
                seq_id=int(r[0, 0]),
                td_ms=r[:, 1].copy(),
                ypr_deg=r[:, 2:5].copy(),
                acc_mg=r[:, 5:8].copy(),
                gyr_dps=r[:, 8:11].copy(),
                quat=r[:, 11:15].copy(),
                source=f"{path}:{lines[s]}",
            )
        )
    return out, n_invalid, n_short


def load_calibration(path: str | Path) -> Calibration:
    path = Path(path)
    text = read_text(path, "Chen calibration file", max_bytes=FILE_MAX_BYTES)
    arr, _, _, _ = _parse_rows(path, text)
    if len(arr) == 0:
        raise DataFormatError(path, "calibration file has no rows")
    return Calibration(path.parent.name, arr[:, 5:8].copy(), arr[:, 8:11].copy())


def list_sessions(root: str | Path) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise DataFormatError(root, "not a directory (expected the chen2021 data folder)")
    sessions = sorted(p for p in root.iterdir() if p.is_dir() and any(_LETTER_FILE.match(f.name) for f in p.iterdir()))
    if not sessions:
        raise DataFormatError(root, "no session folders with <letter>.csv files (see FORMAT.md of the chen2021 data set)")
    return sessions


def load_chen2021(root: str | Path, writers: list[str] | None = None, min_rows: int = MIN_ROWS, progress: bool = False) -> ChenSet:
    """Every valid letter sequence under ``root`` (optionally only those of ``writers``)."""
    root = Path(root)
    sessions = list_sessions(root)
    if writers is not None:
        known = {writer_of(s.name) for s in sessions}
        unknown = sorted(set(writers) - known)
        if unknown:
            raise DataFormatError(root, f"unknown writer(s) {unknown}; the data set has {sorted(known)}")
        sessions = [s for s in sessions if writer_of(s.name) in writers]
    it = sessions
    if progress:
        from tqdm import tqdm

        it = tqdm(sessions, desc="chen2021 sessions", unit="session")
    seqs: list[PenSequence] = []
    cals: dict[str, Calibration] = {}
    n_inv = n_short = 0
    for sdir in it:
        for letter in LETTERS:
            f = sdir / f"{letter}.csv"
            if not f.is_file():
                continue  # some writers skipped letters (FORMAT.md: chen has no l p r s)
            got, a, b = load_letter_file(f, sdir.name, min_rows)
            seqs.extend(got)
            n_inv += a
            n_short += b
        cal = sdir / "calibration.csv"
        if cal.is_file():
            cals[sdir.name] = load_calibration(cal)
    return ChenSet(root, seqs, cals, n_inv, n_short)


__all__ = [
    "COLUMNS",
    "MIN_ROWS",
    "PenSequence",
    "Calibration",
    "ChenSet",
    "writer_of",
    "load_letter_file",
    "load_calibration",
    "list_sessions",
    "load_chen2021",
]
