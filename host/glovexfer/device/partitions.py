"""The ESP32 partition table of the glove (``firmware/src/partitions.csv``) and what its NVS
partition can hold.

The settings store of the ESP32 board (``board_esp32.cpp``) keeps each record of
``kGxBoardSettingsMax`` (``firmware/boards/board.h``: the sensor calibration, the wearer's letter
calibration) as an NVS blob. ESP-IDF documents a blob's limit as 97.6 % of the partition minus
4,000 bytes (one page stays free for garbage collection; each 4,096-byte page keeps 4,000 bytes
of blob data), and NVS writes a value's new copy before it erases the old one: rewriting the
largest records needs room for them twice. ``check`` raises naming the file and the field when
the table is malformed, overlaps, leaves the 4 MB flash, misaligns an app, or its NVS partition
cannot take the records.

    python -m glovexfer.device.partitions      # prints the table and the NVS budget
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import GloveXferError
from .build import repo_root

TABLE = Path("firmware") / "src" / "partitions.csv"
BOARD_H = Path("firmware") / "boards" / "board.h"
FLASH_SIZE = 4 * 1024 * 1024   # both boards of platformio.ini
TABLE_END = 0x9000             # bootloader and the partition table itself lie below
APP_ALIGN = 0x10000            # app partitions start on 64 kB
DATA_ALIGN = 0x1000            # everything else on a 4 kB flash sector


@dataclass(frozen=True)
class Partition:
    name: str
    type: str
    subtype: str
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def _number(text: str, path: Path, lineno: int, what: str) -> int:
    t = text.strip().upper()
    try:
        if t.endswith("K"):
            return int(t[:-1], 0) * 1024
        if t.endswith("M"):
            return int(t[:-1], 0) * 1024 * 1024
        return int(t.lower(), 0)
    except ValueError:
        raise GloveXferError(f"{path}:{lineno}: {what} {text.strip()!r} is not a number") from None


def parse(path: Path) -> list[Partition]:
    """The partitions of an ESP-IDF partition CSV (every offset given)."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise GloveXferError(f"{path}: cannot read the partition table ({e.strerror})") from None
    parts = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) < 5 or not all(cells[:5]):
            raise GloveXferError(f"{path}:{lineno}: want 'name, type, subtype, offset, size', got {line!r}")
        parts.append(Partition(cells[0], cells[1], cells[2], _number(cells[3], path, lineno, "offset"),
                               _number(cells[4], path, lineno, "size")))
    if not parts:
        raise GloveXferError(f"{path}: no partitions")
    return parts


def settings_records(root: Path | None = None) -> list[int]:
    """``kGxBoardSettingsMax`` of firmware/boards/board.h: the largest record per settings key."""
    path = (root or repo_root()) / BOARD_H
    m = re.search(r"kGxBoardSettingsMax\[kGxSettingsKeys\]\s*=\s*\{([^}]*)\}", path.read_text())
    if not m:
        raise GloveXferError(f"{path}: kGxBoardSettingsMax not found")
    return [int(v) for v in m.group(1).replace(" ", "").split(",") if v]


def nvs_blob_room(size: int) -> int:
    """Bytes of blob data an NVS partition of ``size`` bytes holds (ESP-IDF's limit)."""
    return min(508_000, size * 976 // 1000 - 4000)


def check(path: Path | None = None, records: list[int] | None = None) -> dict:
    """Validates the table; {app_slot, nvs, nvs_room, records, needed} in bytes."""
    root = repo_root()
    path = Path(path) if path else root / TABLE
    parts = parse(path)
    records = settings_records(root) if records is None else records
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise GloveXferError(f"{path}: a partition name appears twice ({', '.join(names)})")
    prev_end, prev = TABLE_END, "the partition table"
    for p in sorted(parts, key=lambda q: q.offset):
        align = APP_ALIGN if p.type == "app" else DATA_ALIGN
        if p.size <= 0 or p.offset % align or p.size % DATA_ALIGN:
            raise GloveXferError(f"{path}: partition {p.name}: offset 0x{p.offset:X} / size 0x{p.size:X} not aligned "
                                 f"(offset to 0x{align:X}, size to 0x{DATA_ALIGN:X})")
        if p.offset < prev_end:
            raise GloveXferError(f"{path}: partition {p.name} at 0x{p.offset:X} overlaps {prev} (ends 0x{prev_end:X})")
        prev_end, prev = p.end, f"partition {p.name}"
    if prev_end > FLASH_SIZE:
        raise GloveXferError(f"{path}: {prev} ends at 0x{prev_end:X}, beyond the {FLASH_SIZE >> 20} MB flash")
    nvs = [p for p in parts if p.type == "data" and p.subtype == "nvs" and p.name == "nvs"]
    apps = [p for p in parts if p.type == "app"]
    if not nvs or not apps:
        raise GloveXferError(f"{path}: needs a data/nvs partition named 'nvs' (the settings store) and an app partition")
    room = nvs_blob_room(nvs[0].size)
    needed = 2 * sum(records)
    if room < needed:
        raise GloveXferError(f"{path}: partition nvs: {nvs[0].size} bytes hold {room} bytes of records, the settings "
                             f"store needs {needed} ({' + '.join(map(str, records))}, twice: NVS writes a record's new "
                             "copy before erasing the old)")
    return {"app_slot": min(p.size for p in apps), "nvs": nvs[0].size, "nvs_room": room, "records": records, "needed": needed}


def main() -> int:
    try:
        r = check()
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{TABLE}: app slot {r['app_slot']} bytes; nvs {r['nvs']} bytes, {r['nvs_room']} bytes of records, "
          f"settings store needs {r['needed']} (records {r['records']}, twice)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
