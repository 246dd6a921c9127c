"""The C++ firmware core (firmware/core) is bit-exact with the golden model.

Builds firmware/ with CMake into a temporary directory, writes golden test vectors
(``glovexfer.export.vectors.write_vectors``: the shipped demo set plus edge cases) and runs
the host test program, which compares every intermediate value.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from glovexfer.export.vectors import params_header_text, write_vectors

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"


def _run(exe: Path, vec_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(exe), str(vec_dir)], capture_output=True, text=True, timeout=120, check=False
    )


def test_params_header_is_generated_output():
    """firmware/core/params_generated.h is exactly what write_params_header emits."""
    path = FIRMWARE / "core" / "params_generated.h"
    assert path.read_text() == params_header_text(), (
        "regenerate: python -c 'from glovexfer.export.vectors import write_params_header; "
        "write_params_header()'"
    )


def test_firmware_core_bit_exact(core_test_program, tmp_path):
    paths = write_vectors(tmp_path, n=110, seed=0)
    names = [p.stem for p in paths]
    assert len(names) >= 110 + 10
    for edge in ("zero", "sat_pos", "sat_neg", "stationary", "heading180_0"):
        assert edge in names
    r = _run(core_test_program, tmp_path)
    last = r.stdout.strip().splitlines()[-1]
    assert last == f"{len(paths)} passed, 0 failed", r.stdout[-3000:]
    assert r.returncode == 0, r.stdout[-3000:]


def test_firmware_core_reports_mismatch(core_test_program, tmp_path):
    """A corrupted golden value is caught, reported with stage and index, and fails."""
    paths = write_vectors(tmp_path, n=2, seed=1, with_edge_cases=False)
    p = paths[0]
    lines = p.read_text().splitlines()
    i = lines.index(next(line for line in lines if line.startswith("stage resampled"))) + 1
    vals = lines[i].split()
    vals[0] = str(int(vals[0]) + 1)
    lines[i] = " ".join(vals)
    p.write_text("\n".join(lines) + "\n")
    r = _run(core_test_program, tmp_path)
    assert r.returncode != 0
    assert r.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"
    assert "FIRST MISMATCH" in r.stdout and "stage resampled index 0" in r.stdout
