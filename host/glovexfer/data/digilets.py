"""Loader for the raw DigiLeTs online-handwriting files (see FORMAT.md in the data folder).

Each writer file holds 62 symbols x 5 instances x 2 lines: a line of points
``x y pressure pen_down t`` (5 numbers per point) and a one-hot line of length 62.
We return the lowercase letters only.  Tablet ``y`` grows upwards (checked by
plotting: the stem of ``b`` rises above its bowl, the tail of ``y`` and ``p`` hangs
below), so ``PenLetter.xy_up`` is the raw x, y, which is how every later stage sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from ..files import read_text
from ..params import LETTERS

#: The largest of the 62 writers' files is about 1 MB; a file far larger is not one.
WRITER_FILE_MAX_BYTES = 64 << 20
N_SYMBOLS = 62
INSTANCES = 5
LINES_PER_FILE = N_SYMBOLS * INSTANCES * 2
FIRST_LOWERCASE = 10  # symbols: digits 0-9, then a-z, then A-Z
_NAME = re.compile(r"^(\d{3})-([mf])-(\d{2})-(left|right)_")


@dataclass(frozen=True)
class PenLetter:
    """One handwritten lowercase letter from a tablet."""

    writer: str  # three-digit writer id, e.g. "002"
    label: str  # 'a'..'z'
    instance: int  # 0..4
    xy: np.ndarray  # (n, 2) float64 tablet coordinates in [0, 1], y upwards
    pen_down: np.ndarray  # (n,) bool, True on the first point of each stroke
    t: np.ndarray  # (n,) float64 seconds since the first point
    pressure: np.ndarray  # (n,) float64 in [0, 1]
    source: str = ""  # "file:line" for error messages

    @property
    def xy_up(self) -> np.ndarray:
        """Points with y pointing up (the tablet's own orientation)."""
        return self.xy

    @property
    def n_strokes(self) -> int:
        return int(self.pen_down.sum())

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0])


def writer_id(path: Path) -> str:
    m = _NAME.match(path.name)
    if not m:
        raise DataFormatError(path, "file name does not look like NNN-G-AA-HAND_DATE (a DigiLeTs raw file)")
    return m.group(1)


def list_writer_files(root: Path) -> list[Path]:
    """The writer files in ``root``, sorted by writer id."""
    files = sorted((p for p in Path(root).iterdir() if p.is_file() and _NAME.match(p.name)), key=lambda p: p.name)
    if not files:
        raise DataFormatError(root, "no DigiLeTs writer files (NNN-G-AA-HAND_DATE) in this folder")
    return files


def _parse_points(path: Path, lineno: int, text: str) -> np.ndarray:
    tokens = text.split()
    if len(tokens) == 0:
        raise DataFormatError(path, "empty point line", lineno, "points")
    if len(tokens) % 5 != 0:
        raise DataFormatError(path, f"{len(tokens)} numbers, not a multiple of 5 (x y pressure pen_down t)", lineno, "points")
    try:
        vals = np.array([float(tok) for tok in tokens], dtype=np.float64)
    except ValueError as e:
        raise DataFormatError(path, f"not a number: {e}", lineno, "points") from None
    pts = vals.reshape(-1, 5)
    bad = ~np.isfinite(pts)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        field = ("x", "y", "pressure", "pen_down", "t")[j]
        raise DataFormatError(path, f"non-finite value at point {i}", lineno, field)
    if not np.isin(pts[:, 3], (0.0, 1.0)).all():
        raise DataFormatError(path, "pen_down must be 0 or 1", lineno, "pen_down")
    # A few real files omit the flag on the very first point; the first point always
    # starts the first stroke.
    pts[0, 3] = 1.0
    if np.any(np.diff(pts[:, 4]) < 0):
        raise DataFormatError(path, "timestamps go backwards", lineno, "t")
    return pts


TABLET_SLACK = 0.1  # writers do go slightly past the tablet's [0, 1] area
#: A usable letter: at least this many points (the 62 writers' fewest: 7) written over more
#: than MIN_DURATION_S and at most MAX_DURATION_S seconds (theirs: 0.12 .. 5.8 s), every point
#: within COORD_LIMIT of the tablet's [0, 1] (theirs: -0.04 .. 0.98, after dropping
#: off-tablet glitch strokes).  Anything else (one point, zero duration, 1e30) is a broken file.
MIN_POINTS = 2
MIN_DURATION_S = 0.01
MAX_DURATION_S = 60.0
COORD_LIMIT = (-1.0, 2.0)


def _check_letter(path: Path, lineno: int, pts: np.ndarray) -> np.ndarray:
    """Refuse a degenerate letter (see MIN_POINTS)."""
    if len(pts) < MIN_POINTS:
        raise DataFormatError(path, f"{len(pts)} point(s): a letter needs at least {MIN_POINTS}", lineno, "points")
    duration = pts[-1, 4] - pts[0, 4]
    if not MIN_DURATION_S < duration <= MAX_DURATION_S:
        raise DataFormatError(path, f"letter lasts {duration:g} s: not in ({MIN_DURATION_S:g}, {MAX_DURATION_S:g}] s", lineno, "t")
    lo, hi = COORD_LIMIT
    xy = pts[:, :2]
    bad = (xy < lo) | (xy > hi)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataFormatError(path, f"point {i} has {'xy'[j]} = {xy[i, j]:g}, outside the tablet ({lo:g}..{hi:g})",
                              lineno, "xy"[j])
    return pts


def _drop_off_tablet_strokes(pts: np.ndarray) -> np.ndarray:
    """Drop strokes that lie wholly outside the tablet (recording glitches).

    One instance in the 62 writers (103's 'y') ends with a two-point stroke at
    (1.32, -1.04), far off the tablet; points slightly past the edge (a few hundredths)
    are real writing and are kept.  The first stroke is never dropped.
    """
    starts = np.flatnonzero(pts[:, 3] > 0.5).tolist() + [len(pts)]
    keep = np.ones(len(pts), dtype=bool)
    lo, hi = -TABLET_SLACK, 1.0 + TABLET_SLACK
    for a, b in zip(starts[1:-1], starts[2:]):
        xy = pts[a:b, :2]
        if ((xy < lo) | (xy > hi)).any(axis=1).all():
            keep[a:b] = False
    return pts[keep]


def _parse_onehot(path: Path, lineno: int, text: str) -> int:
    tokens = text.split()
    if len(tokens) != N_SYMBOLS:
        raise DataFormatError(path, f"one-hot has {len(tokens)} values, expected {N_SYMBOLS}", lineno, "one-hot")
    try:
        vec = np.array([float(tok) for tok in tokens])
    except ValueError as e:
        raise DataFormatError(path, f"not a number: {e}", lineno, "one-hot") from None
    if not np.isfinite(vec).all() or not np.isin(vec, (0.0, 1.0)).all() or vec.sum() != 1.0:
        raise DataFormatError(path, "not a one-hot vector (exactly one 1, the rest 0)", lineno, "one-hot")
    return int(np.argmax(vec))


def load_writer(path: str | Path, letters: str = LETTERS) -> list[PenLetter]:
    """All instances of ``letters`` (lowercase) written by one writer, in file order."""
    path = Path(path)
    wid = writer_id(path)
    lines = read_text(path, "DigiLeTs writer file", max_bytes=WRITER_FILE_MAX_BYTES).splitlines()
    if len(lines) != LINES_PER_FILE:
        raise DataFormatError(path, f"{len(lines)} lines, expected {LINES_PER_FILE} (62 symbols x 5 instances x 2)")
    out: list[PenLetter] = []
    for label in letters:
        sym = FIRST_LOWERCASE + LETTERS.index(label)
        for k in range(INSTANCES):
            i = 2 * (INSTANCES * sym + k)
            pts = _check_letter(path, i + 1, _drop_off_tablet_strokes(_parse_points(path, i + 1, lines[i])))
            got = _parse_onehot(path, i + 2, lines[i + 1])
            if got != sym:
                raise DataFormatError(path, f"one-hot names symbol {got}, expected {sym} ('{label}')", i + 2, "one-hot")
            out.append(
                PenLetter(
                    writer=wid,
                    label=label,
                    instance=k,
                    xy=pts[:, :2].copy(),
                    pen_down=pts[:, 3] > 0.5,
                    t=pts[:, 4].copy(),
                    pressure=pts[:, 2].copy(),
                    source=f"{path}:{i + 1}",
                )
            )
    return out


def load_digilets(root: str | Path, writers: list[str] | None = None, letters: str = LETTERS, progress: bool = False) -> dict[str, list[PenLetter]]:
    """Letters per writer id for every writer file in ``root`` (or only ``writers``)."""
    files = list_writer_files(Path(root))
    if writers is not None:
        wanted = set(writers)
        files = [f for f in files if writer_id(f) in wanted]
        missing = wanted - {writer_id(f) for f in files}
        if missing:
            raise DataFormatError(root, f"writers not found: {sorted(missing)}")
    it = files
    if progress:
        from tqdm import tqdm

        it = tqdm(files, desc="DigiLeTs writers", unit="writer")
    return {writer_id(f): load_writer(f, letters) for f in it}


def split_writers(writer_ids: list[str], n_target: int = 16, seed: int = 0) -> tuple[list[str], list[str]]:
    """Deterministic disjoint (source, target) writer split.

    The target writers become simulated glove users; the source writers are the
    pretraining set.  The split depends only on the sorted ids and the seed.
    """
    ids = sorted(writer_ids)
    if n_target > len(ids):
        raise ValueError(f"cannot take {n_target} target writers from {len(ids)}")
    rng = np.random.default_rng(seed)
    target = sorted(rng.choice(ids, size=n_target, replace=False).tolist())
    source = [w for w in ids if w not in set(target)]
    return source, target


def join_strokes(letter: PenLetter) -> np.ndarray:
    """The letter as one continuous path (y up), as a fingertip in the air draws it.

    A glove has no pen lift, so consecutive strokes are simply joined by the finger's
    travel: the points are kept in time order and the gap between strokes becomes a
    straight segment.  Returns (n, 2).
    """
    return letter.xy_up


def total_length(xy: np.ndarray) -> float:
    d = np.diff(xy, axis=0)
    return float(np.sum(np.hypot(d[:, 0], d[:, 1]))) if len(xy) > 1 else 0.0


__all__ = [
    "PenLetter",
    "load_writer",
    "load_digilets",
    "list_writer_files",
    "writer_id",
    "split_writers",
    "join_strokes",
    "total_length",
]
