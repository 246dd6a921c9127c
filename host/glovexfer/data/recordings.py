"""Glove recordings: one letter = 32 samples x 9 channels at 27 Hz (docs/data-format.md).

Two equivalent views of the same numbers:

* raw sensor counts, ``int16`` with the sensor's full-scale settings (what the IMU
  delivers and what the firmware consumes), and
* physical units, acc m/s^2, gyr rad/s, mag uT, with the paper's column names
  ``acc_x .. mag_z`` (what a glove logger writes to CSV and what the float pipeline uses).

``physical = counts * scale``; ``counts = clip(round(physical / scale))``.  A data set
is one compressed ``.npz``; single recordings import/export as CSV.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from ..files import read_text
from ..params import LETTERS, MPU9250, SAMPLE_RATE_HZ, SAMPLES_PER_LETTER, SensorSpec

COLUMNS = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z", "mag_x", "mag_y", "mag_z")
N_CHANNELS = len(COLUMNS)
FORMAT_VERSION = 1
INT16_MIN, INT16_MAX = -32768, 32767


def channel_scales(sensor: SensorSpec) -> np.ndarray:
    """(9,) physical units per count for each column."""
    a, g, m = sensor.scales()
    return np.array([a] * 3 + [g] * 3 + [m] * 3, dtype=np.float64)


def to_counts(physical: np.ndarray, sensor: SensorSpec = MPU9250) -> tuple[np.ndarray, np.ndarray]:
    """Quantise physical values to int16 counts.  Returns (counts, saturated mask)."""
    physical = np.asarray(physical, dtype=np.float64)
    if physical.shape[-1] != N_CHANNELS:
        raise ValueError(f"last axis must have {N_CHANNELS} channels, got shape {physical.shape}")
    raw = np.round(physical / channel_scales(sensor))
    saturated = (raw < INT16_MIN) | (raw > INT16_MAX)
    return np.clip(raw, INT16_MIN, INT16_MAX).astype(np.int16), saturated


def to_physical(counts: np.ndarray, sensor: SensorSpec = MPU9250) -> np.ndarray:
    return np.asarray(counts, dtype=np.float64) * channel_scales(sensor)


#: Plausible sensor settings: an accelerometer full scale in g, a gyroscope full scale in
#: deg/s, a magnetometer resolution in uT per count (the MPU-9250: 2..16 g, 250..2000 deg/s,
#: 0.15 uT); a value outside (a zero, a sign error, 1e30) turns every count into 0 or a
#: saturated value.
SENSOR_LIMITS = {"acc_full_scale_g": (0.5, 1000.0), "gyr_full_scale_dps": (10.0, 100000.0), "mag_ut_per_count": (1e-4, 100.0)}


def check_sensor(path, sensor: SensorSpec, line: int | None = None, field_prefix: str = "") -> SensorSpec:
    """Refuse sensor settings outside :data:`SENSOR_LIMITS` (NaN included)."""
    for name, (lo, hi) in SENSOR_LIMITS.items():
        v = getattr(sensor, name)
        if not (lo <= v <= hi):  # False for NaN
            raise DataFormatError(path, f"sensor setting {name}={v:g} is outside {lo:g}..{hi:g}", line, field_prefix + name)
    return sensor


def _npz_array(path, z, key: str) -> np.ndarray:
    """One member of an .npz archive; a corrupted (CRC, zlib), pickled or garbage member is
    a DataFormatError naming it."""
    try:
        return z[key]
    except Exception as e:  # BadZipFile, zlib.error, ValueError (pickle, bad .npy header), EOFError, OSError
        raise DataFormatError(path, f"unreadable array ({type(e).__name__}: {e})", field=key) from None


def _npz_header(path, raw: np.ndarray, fmt: str = "glovexfer-recordings", version: int = FORMAT_VERSION) -> dict:
    """The JSON header of a glovexfer .npz of format ``fmt``, checked (format, version, object fields)."""
    if raw.ndim != 0 or raw.dtype.kind not in "US":
        raise DataFormatError(path, f"must be one JSON string, got {raw.dtype} {raw.shape}", field="header")
    try:
        header = json.loads(str(raw))
    except json.JSONDecodeError as e:
        raise DataFormatError(path, f"header is not JSON ({e})", field="header") from None
    if not isinstance(header, dict):
        raise DataFormatError(path, f"header must be a JSON object, got {type(header).__name__}", field="header")
    if header.get("format") != fmt:
        raise DataFormatError(path, f"header does not name the {fmt} format", field="header")
    if header.get("version") != version:
        raise DataFormatError(path, f"format version {header.get('version')}, this tool reads {version}", field="header.version")
    if not isinstance(header.get("sensor", {}), dict):
        raise DataFormatError(path, "must be a JSON object", field="header.sensor")
    if not isinstance(header.get("meta", {}), dict):
        raise DataFormatError(path, f"must be a JSON object, got {type(header.get('meta')).__name__}", field="header.meta")
    return header


def _header_sensor(path, header: dict) -> SensorSpec:
    """The sensor settings of a checked header, range-checked."""
    s = header.get("sensor", {})
    try:
        sensor = SensorSpec(float(s["acc_full_scale_g"]), float(s["gyr_full_scale_dps"]), float(s["mag_ut_per_count"]))
    except (KeyError, TypeError, ValueError):
        raise DataFormatError(path, "sensor full-scale settings missing or not numbers", field="header.sensor") from None
    return check_sensor(path, sensor, field_prefix="header.sensor.")


def open_npz(path, what: str):
    """An .npz archive opened without pickles; a missing, unreadable or bare-array file is a
    DataFormatError saying it is not ``what``."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(path, "no such file")
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as e:  # zipfile/format errors from numpy
        raise DataFormatError(path, f"not {what} ({e})") from None
    if not hasattr(z, "files"):  # a bare .npy array, not an archive
        raise DataFormatError(path, f"not {what} (a single array, not an archive)")
    return z


class PhysicalView:
    """``physical`` (32, 9) in acc, gyr, mag units, with ``acc``, ``gyr``, ``mag`` views;
    a class mixing it in has ``counts`` and ``sensor``."""

    @property
    def physical(self) -> np.ndarray:
        return to_physical(self.counts, self.sensor)

    @property
    def acc(self) -> np.ndarray:
        return self.physical[:, 0:3]

    @property
    def gyr(self) -> np.ndarray:
        return self.physical[:, 3:6]

    @property
    def mag(self) -> np.ndarray:
        return self.physical[:, 6:9]


@dataclass
class Recording(PhysicalView):
    """One letter: counts (32, 9) int16, its label ('a'..'z' or '' if unknown) and user."""

    counts: np.ndarray
    label: str = ""
    user: str = ""
    sensor: SensorSpec = MPU9250

    def __post_init__(self):
        self.counts = np.asarray(self.counts)
        if self.counts.shape != (SAMPLES_PER_LETTER, N_CHANNELS):
            raise ValueError(f"a recording is ({SAMPLES_PER_LETTER}, {N_CHANNELS}) counts, got {self.counts.shape}")
        if self.counts.dtype != np.int16:
            raise ValueError(f"counts must be int16, got {self.counts.dtype}")


@dataclass
class RecordingSet:
    """Many recordings with labels, users and free-form metadata (a JSON dict)."""

    counts: np.ndarray  # (N, 32, 9) int16
    labels: np.ndarray  # (N,) str
    users: np.ndarray  # (N,) str
    sensor: SensorSpec = MPU9250
    meta: dict = field(default_factory=dict)
    extras: dict = field(default_factory=dict)  # optional per-recording arrays, first axis N

    def __post_init__(self):
        self.counts = np.asarray(self.counts)
        self.labels = np.asarray(self.labels, dtype=str)
        self.users = np.asarray(self.users, dtype=str)
        n = len(self.counts)
        if self.counts.ndim != 3 or self.counts.shape[1:] != (SAMPLES_PER_LETTER, N_CHANNELS):
            raise ValueError(f"counts must be (N, {SAMPLES_PER_LETTER}, {N_CHANNELS}), got {self.counts.shape}")
        if self.counts.dtype != np.int16:
            raise ValueError(f"counts must be int16, got {self.counts.dtype}")
        if len(self.labels) != n or len(self.users) != n:
            raise ValueError(f"{n} recordings but {len(self.labels)} labels and {len(self.users)} users")
        for k, v in self.extras.items():
            if len(v) != n:
                raise ValueError(f"extra array '{k}' has {len(v)} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.counts)

    def __getitem__(self, i: int) -> Recording:
        return Recording(self.counts[i], str(self.labels[i]), str(self.users[i]), self.sensor)

    @property
    def physical(self) -> np.ndarray:
        return to_physical(self.counts, self.sensor)

    @property
    def y(self) -> np.ndarray:
        """Class indices 0..25 (raises on unknown labels)."""
        bad = [lab for lab in self.labels if lab not in LETTERS or lab == ""]
        if bad:
            raise ValueError(f"labels outside a-z: {sorted(set(bad))[:5]}")
        return np.array([LETTERS.index(lab) for lab in self.labels], dtype=np.int64)

    def subset(self, mask_or_index) -> "RecordingSet":
        idx = np.arange(len(self))[mask_or_index]
        return replace(
            self,
            counts=self.counts[idx],
            labels=self.labels[idx],
            users=self.users[idx],
            extras={k: v[idx] for k, v in self.extras.items()},
        )

    # ---------------------------------------------------------------- npz
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "format": "glovexfer-recordings",
            "version": FORMAT_VERSION,
            "sample_rate_hz": SAMPLE_RATE_HZ,
            "columns": list(COLUMNS),
            "sensor": {
                "acc_full_scale_g": self.sensor.acc_full_scale_g,
                "gyr_full_scale_dps": self.sensor.gyr_full_scale_dps,
                "mag_ut_per_count": self.sensor.mag_ut_per_count,
            },
            "meta": self.meta,
        }
        arrays = {f"extra_{k}": np.asarray(v) for k, v in self.extras.items()}
        np.savez_compressed(
            path,
            header=np.array(json.dumps(header)),
            counts=self.counts,
            labels=self.labels,
            users=self.users,
            **arrays,
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> "RecordingSet":
        path = Path(path)
        with open_npz(path, "a glovexfer .npz data set") as z:
            for key in ("header", "counts", "labels", "users"):
                if key not in z.files:
                    raise DataFormatError(path, "missing array", field=key)
            header = _npz_header(path, _npz_array(path, z, "header"))
            sensor = _header_sensor(path, header)
            meta = header.get("meta", {})
            counts = _npz_array(path, z, "counts")
            if counts.dtype != np.int16 or counts.ndim != 3 or counts.shape[1:] != (SAMPLES_PER_LETTER, N_CHANNELS):
                raise DataFormatError(path, f"counts must be int16 (N, {SAMPLES_PER_LETTER}, {N_CHANNELS}), got {counts.dtype} {counts.shape}", field="counts")
            arrays = {key: _npz_array(path, z, key) for key in ("labels", "users")}
            for key, a in arrays.items():
                if a.ndim != 1 or a.dtype.kind not in "US":
                    raise DataFormatError(path, f"must be a 1-D string array, got {a.dtype} {a.shape}", field=key)
            extras = {}
            for k in z.files:
                if k.startswith("extra_"):
                    a = _npz_array(path, z, k)
                    if a.ndim == 0:
                        raise DataFormatError(path, "must be an array with one row per recording, got a scalar", field=k)
                    extras[k[len("extra_"):]] = a
            try:
                return cls(counts, arrays["labels"], arrays["users"], sensor, meta, extras)
            except ValueError as e:
                raise DataFormatError(path, str(e)) from None

    # ---------------------------------------------------------------- summaries
    def summary(self) -> str:
        users = sorted(set(self.users.tolist()))
        letters = "".join(sorted(set(self.labels.tolist())))
        return f"{len(self)} recordings, {len(users)} users, letters '{letters}'"


# -------------------------------------------------------------------- CSV (one recording)
def write_csv(rec: Recording, path: str | Path | None = None) -> str:
    """One recording as CSV: '#' lines with the sensor settings, a header, 32 rows.

    Values are physical units printed with enough digits to give back the exact counts.
    Returns the text (and writes it when ``path`` is given).
    """
    buf = io.StringIO()
    s = rec.sensor
    buf.write(f"# glovexfer recording v{FORMAT_VERSION}, {SAMPLE_RATE_HZ:g} Hz\n")
    buf.write(f"# sensor acc_full_scale_g={s.acc_full_scale_g:g} gyr_full_scale_dps={s.gyr_full_scale_dps:g} mag_ut_per_count={s.mag_ut_per_count:g}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(COLUMNS) + ["label", "user"])
    for row in rec.physical:
        w.writerow([f"{v:.9g}" for v in row] + [rec.label, rec.user])
    text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text)
    return text


def _parse_sensor_comment(path, lineno: int, line: str) -> SensorSpec | None:
    body = line.lstrip("#").strip()
    if not body.startswith("sensor "):
        return None
    kv = {}
    for tok in body.split()[1:]:
        if "=" not in tok:
            raise DataFormatError(path, f"bad sensor setting '{tok}' (want key=value)", lineno, "sensor")
        k, v = tok.split("=", 1)
        try:
            kv[k] = float(v)
        except ValueError:
            raise DataFormatError(path, f"sensor setting {k} is not a number: '{v}'", lineno, k) from None
    try:
        spec = SensorSpec(kv["acc_full_scale_g"], kv["gyr_full_scale_dps"], kv["mag_ut_per_count"])
    except KeyError as e:
        raise DataFormatError(path, f"sensor line lacks {e}", lineno, "sensor") from None
    return check_sensor(path, spec, lineno)


#: A recording CSV is 32 rows of 11 short fields (about 4 kB); anything much larger is refused
#: before it is read whole.
CSV_MAX_BYTES = 1 << 20


def csv_rows(path, lines: list[str], max_rows: int, too_many, comment=None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A glove-logger CSV's header (it must name the nine columns) and data rows (line number,
    cells); ``#`` lines go to ``comment(lineno, line)``; more than ``max_rows`` rows stop the
    reading with ``too_many(n)`` as the error."""
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            if comment is not None:
                comment(lineno, line)
            continue
        try:
            cells = next(csv.reader([line]))
        except csv.Error as e:
            raise DataFormatError(path, f"not a CSV row ({e})", lineno) from None
        if header is None:
            header = [c.strip() for c in cells]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise DataFormatError(path, f"header lacks columns {missing}", lineno, "header")
            continue
        rows.append((lineno, cells))
        if len(rows) > max_rows:
            raise DataFormatError(path, too_many(len(rows)), lineno)
    if header is None:
        raise DataFormatError(path, "no header row")
    return header, rows


def csv_values(path, header: list[str], rows: list[tuple[int, list[str]]]) -> np.ndarray:
    """(len(rows), 9) the nine sensor columns as finite numbers (errors name line and column)."""
    col = [header.index(name) for name in COLUMNS]
    values = np.zeros((len(rows), N_CHANNELS))
    for r, (lineno, cells) in enumerate(rows):
        if len(cells) != len(header):
            raise DataFormatError(path, f"{len(cells)} fields, header has {len(header)}", lineno)
        for j, name in enumerate(COLUMNS):
            text = cells[col[j]].strip()
            try:
                v = float(text)
            except ValueError:
                raise DataFormatError(path, f"not a number: '{text}'", lineno, name) from None
            if not np.isfinite(v):
                raise DataFormatError(path, f"non-finite value '{text}'", lineno, name)
            values[r, j] = v
    return values


def read_csv(path: str | Path, sensor: SensorSpec | None = None) -> Recording:
    """Read one recording written by ``write_csv`` or by a glove logger.

    Required: a header naming the nine columns (``label`` and ``user`` optional) and
    exactly 32 data rows of finite numbers.  Sensor settings come from the ``# sensor``
    comment line, else ``sensor``, else the MPU-9250 defaults.
    """
    path = Path(path)
    lines = read_text(path, "CSV recording", max_bytes=CSV_MAX_BYTES).splitlines()
    found: list[SensorSpec] = []

    def comment(lineno: int, line: str) -> None:
        spec = _parse_sensor_comment(path, lineno, line)
        if spec is not None:
            found.append(spec)

    header, rows = csv_rows(path, lines, SAMPLES_PER_LETTER,
                            lambda n: f"{n} data rows (reading stopped there), a recording has {SAMPLES_PER_LETTER} (1.2 s at 27 Hz)",
                            comment)
    if len(rows) != SAMPLES_PER_LETTER:
        raise DataFormatError(path, f"{len(rows)} data rows, a recording has {SAMPLES_PER_LETTER} (1.2 s at 27 Hz)")
    values = csv_values(path, header, rows)
    label = user = ""
    for lineno, cells in rows:
        if "label" in header:
            lab = cells[header.index("label")].strip()
            if lab and lab not in LETTERS:
                raise DataFormatError(path, f"label '{lab}' is not a lowercase letter a-z", lineno, "label")
            label = label or lab
        if "user" in header:
            user = user or cells[header.index("user")].strip()
    spec = found[-1] if found else (check_sensor(path, sensor) if sensor is not None else MPU9250)
    counts, _ = to_counts(values, spec)
    return Recording(counts, label, user, spec)
