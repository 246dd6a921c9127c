"""Reading input files so that every failure names the file (and the field): JSON objects,
size-limited UTF-8 text, the SHA-256 check of a file against its recorded digest, and where
the shipped models of each domain live (``models/<domain>/``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .errors import DataFormatError, GloveXferError

#: The repository's models/ folder (an editable install finds it next to host/): one folder
#: per domain, each laid out the same way (model folders, ``metrics.json``, ``firmware/``).
MODELS_ROOT = Path(__file__).resolve().parents[2] / "models"
#: The domains: simulated glove recordings and the real pen IMU letters of Chen et al. (2021).
DOMAINS = ("glove", "chen2021")
#: The generated C++ model data the firmware compiles in, inside a domain's folder.
FIRMWARE_DIR = "firmware"


def domain_dir(domain: str = "glove") -> Path:
    """``models/<domain>/``: the shipped models, their metrics and firmware data of ``domain``."""
    if domain not in DOMAINS:
        raise GloveXferError(f"unknown domain '{domain}'; choose one of {', '.join(DOMAINS)}")
    return MODELS_ROOT / domain


def domain_firmware_dir(domain: str = "glove") -> Path:
    """``models/<domain>/firmware``: the generated model sources the firmware builds with."""
    return domain_dir(domain) / FIRMWARE_DIR


def moved_models_hint(path) -> str:
    """For a missing ``path`` under models/ in the layout before the domain folders
    (``models/firmware``, ``models/best_lstm``, ``models/metrics_chen2021.json``): a sentence
    naming where it is now; else ``""``."""
    p = Path(path).resolve()
    try:
        rel = p.relative_to(MODELS_ROOT.resolve())
    except ValueError:
        return ""
    if p.exists() or not rel.parts or rel.parts[0] in DOMAINS:
        return ""
    if rel == Path("metrics_chen2021.json"):
        new = domain_dir("chen2021") / "metrics.json"
    else:
        new = domain_dir("glove") / rel
    return f" (the shipped models are in one folder per domain: models/{rel.as_posix()} is now {new.relative_to(MODELS_ROOT.parent).as_posix()})" if new.exists() else ""


def read_text(path, what: str, max_bytes: int | None = None) -> str:
    """``path`` as UTF-8 text; refused (DataFormatError) when missing, unreadable, not UTF-8
    or larger than ``max_bytes`` (checked before the file is read whole)."""
    p = Path(path)
    if not p.is_file():
        raise DataFormatError(p, f"no such file ({what})")
    try:
        with p.open("rb") as f:
            data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    except OSError as e:
        raise DataFormatError(p, f"cannot read {what}: {e}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise DataFormatError(p, f"{what} larger than {max_bytes} bytes: refused without reading it whole")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataFormatError(p, f"{what} is not UTF-8 text (byte {e.start}: {data[e.start:e.start + 1]!r})") from None


def read_json_object(path, what: str) -> dict:
    """A JSON file that must hold an object (``{...}``)."""
    text = read_text(path, what)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataFormatError(path, f"{what} is not JSON ({e})") from None
    if not isinstance(obj, dict):
        raise DataFormatError(path, f"{what} must be a JSON object, got {type(obj).__name__}")
    return obj


def field(obj: dict, key: str, path, kinds: tuple = (str,), choices=None):
    """``obj[key]``, which must exist, be one of ``kinds`` and, with ``choices``, one of them."""
    if key not in obj:
        raise DataFormatError(path, "missing", field=key)
    v = obj[key]
    if not isinstance(v, kinds) or isinstance(v, bool) and bool not in kinds:
        raise DataFormatError(path, f"must be {' or '.join(k.__name__ for k in kinds)}, got {type(v).__name__}", field=key)
    if choices is not None and v not in choices:
        raise DataFormatError(path, f"{v!r} is not one of {', '.join(map(str, choices))}", field=key)
    return v


def check_digest(data: bytes, expected, source, recorded_in) -> None:
    """Refuse ``data`` (read from ``source``) unless its SHA-256 is ``expected`` (hex, from
    ``recorded_in``): a corrupted or replaced model must never be used."""
    if not isinstance(expected, str) or len(expected) != 64:
        raise DataFormatError(recorded_in, "not a SHA-256 hex digest", field="sha256")
    got = hashlib.sha256(data).hexdigest()
    if got != expected.lower():
        raise GloveXferError(
            f"{source}: SHA-256 {got[:16]}... does not match the {expected[:16]}... recorded in {recorded_in}: "
            "the file is corrupted or was replaced; refused (re-export it: glovexfer export)"
        )


__all__ = ["DOMAINS", "FIRMWARE_DIR", "MODELS_ROOT", "check_digest", "field", "domain_firmware_dir", "domain_dir",
           "moved_models_hint", "read_json_object", "read_text"]
