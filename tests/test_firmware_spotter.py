"""The firmware's streaming letter spotter (firmware/core/spotter.cpp) is bit-exact with the
golden model (glovexfer.golden.spotting) on simulated writing sessions.

``glovexfer simulate --sessions`` writes sessions of the target writers; the golden model
gives every window's spotter outputs (``Int8Network.run`` on the windows ``frame_logits``
reads), the letters (``letter_segments``), their word starts (``word_groups``) and each
letter time-normalised (``time_normalise``). ``gx_test_spotter`` pushes every session sample
by sample through the shipped spotter (models/glove/firmware/gx_model_spotter.cpp) and compares
all of it; tests/test_cross_targets.py runs the same program on the emulated MCUs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: simulated sessions compared natively (about 20 minutes of stream)
NATIVE_SESSIONS = 40


def simulated_sessions(out: Path, n: int, seed: int, digilets_dir) -> Path:
    from glovexfer.cli import main

    path = out / f"sessions_{n}_{seed}.npz"
    if not path.is_file():
        assert main(["simulate", "--sessions", str(n), "--seed", str(seed), "--out", str(path), "--quiet",
                     "--digilets", str(digilets_dir)]) == 0
    return path


def golden_spotting(net, counts: np.ndarray) -> dict:
    """Every window's outputs, the letters with their word starts and the normalised letters."""
    from glovexfer.golden import spotting as S

    feats = S.spot_features(counts)
    n = len(feats)
    xp = S.padded_stream(feats)
    n_win = -(-n // S.HOP)
    windows = np.stack([xp[S.HOP * j: S.HOP * j + S.WINDOW] for j in range(n_win)])[:, None]
    outputs = net.run(windows)[:, 0, :, 0].astype(np.int8)
    sp = S.spot(net, counts)
    starts = {word[0] for word in sp.words}
    letters = np.array([(a, b, int((a, b) in starts)) for a, b in sp.letters], np.int32).reshape(-1, 3)
    norm = np.array([S.time_normalise(counts, a, b) for a, b in sp.letters], np.int16).reshape(-1, 32, 9)
    # the windows' middle hops are frame_logits (the golden definition the firmware streams)
    assert np.array_equal(outputs[:, S.HOP: 2 * S.HOP].reshape(-1)[:n], sp.logits)
    return {"outputs": outputs, "letters": letters, "normalised": norm}


def write_spotter_file(path: Path, sessions_npz: Path, n: int | None = None) -> dict:
    """``gx_test_spotter``'s input (its header comment) for the first ``n`` sessions."""
    from glovexfer.data.sessions import SessionSet
    from glovexfer.nets.spotter import load_spotter

    net = load_spotter(ROOT / "models" / "glove" / "spotter")
    ss = SessionSet.load(sessions_npz)
    n = len(ss) if n is None else min(n, len(ss))
    totals = {"sessions": n, "windows": 0, "letters": 0, "word_starts": 0}
    with open(path, "wb") as f:
        f.write(f"gxspot 1 {n}\n".encode())
        for i in range(n):
            counts = np.ascontiguousarray(ss[i].counts, dtype="<i2")
            g = golden_spotting(net, counts)
            f.write(f"session {len(counts)} {len(g['outputs'])} {len(g['letters'])}\n".encode())
            f.write(counts.tobytes())
            f.write(g["outputs"].tobytes())
            f.write(g["letters"].astype("<i4").tobytes())
            f.write(g["normalised"].astype("<i2").tobytes())
            totals["windows"] += len(g["outputs"])
            totals["letters"] += len(g["letters"])
            totals["word_starts"] += int(g["letters"][:, 2].sum())
    return totals


def check_report(stdout: str, totals: dict) -> None:
    """The program's summary: every window, letter and normalised value compared, all equal."""
    lines = stdout.strip().splitlines()
    assert lines[-1] == f"{totals['sessions']} passed, 0 failed", stdout[-3000:]
    w = re.search(r"windows compared: (\d+), logits compared: (\d+), logit mismatches: (\d+)", stdout)
    assert w and int(w[1]) == totals["windows"] and int(w[2]) == 96 * totals["windows"] and int(w[3]) == 0
    le = re.search(r"letters compared: (\d+), letter mismatches: (\d+)", stdout)
    assert le and int(le[1]) == totals["letters"] and int(le[2]) == 0
    nv = re.search(r"normalised values compared: (\d+), normalised mismatches: (\d+)", stdout)
    assert nv and int(nv[1]) == 32 * 9 * totals["letters"] and int(nv[2]) == 0


@pytest.fixture(scope="module")
def spotter_program(models):
    if not (Path(models) / "gx_model_spotter.cpp").is_file():
        pytest.skip(f"{models} has no gx_model_spotter.cpp (glovexfer export --firmware-only)")
    return fw_models.build("gx_test_spotter", "spotter", models)


@pytest.fixture(scope="module")
def sessions_npz(tmp_path_factory, digilets_dir):
    return simulated_sessions(tmp_path_factory.mktemp("spot"), NATIVE_SESSIONS, 3, digilets_dir)


def test_streaming_spotter_is_bit_exact_with_golden(spotter_program, sessions_npz, tmp_path):
    totals = write_spotter_file(tmp_path / "spot.bin", sessions_npz)
    assert totals["letters"] > 10 * totals["sessions"] and 0 < totals["word_starts"] < totals["letters"]
    r = subprocess.run([str(spotter_program), str(tmp_path / "spot.bin")], capture_output=True, text=True, timeout=600)
    print(r.stdout[-1500:])
    assert r.returncode == 0, r.stdout[-3000:]
    check_report(r.stdout, totals)


@pytest.mark.parametrize("part", ["outputs", "letters", "normalised"])
def test_a_changed_golden_value_is_caught(spotter_program, sessions_npz, tmp_path, part):
    """One golden value changed in the file: the program names it and fails."""
    path = tmp_path / "spot.bin"
    write_spotter_file(path, sessions_npz, n=1)
    data = bytearray(path.read_bytes())
    head = data.index(b"\n", data.index(b"session")) + 1
    n, windows, letters = map(int, data[data.index(b"session"): head].split()[1:])
    at = head + 18 * n  # after the counts
    if part == "letters":
        at += 96 * windows + 4  # the first letter's end
    elif part == "normalised":
        at += 96 * windows + 12 * letters + 2 * (5 * 9)  # the first letter's sample 5
    data[at] = (data[at] + 1) % 256
    path.write_bytes(bytes(data))
    r = subprocess.run([str(spotter_program), str(path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"
    assert "FIRST MISMATCH session 0" in r.stdout


def test_shipped_spotter_data_is_the_export_of_the_shipped_spotter():
    """models/glove/firmware/gx_model_spotter.{h,cpp} are what the export makes of models/glove/spotter
    (glovexfer export --firmware-only), and MANIFEST.json names its digest."""
    import json

    from glovexfer.export.model_data import model_source_text

    blob = (ROOT / "models" / "glove" / "spotter" / "model_int8.tflite").read_bytes()
    header, source = model_source_text(blob, "spotter")
    fw = ROOT / "models" / "glove" / "firmware"
    assert (fw / "gx_model_spotter.h").read_text() == header
    assert (fw / "gx_model_spotter.cpp").read_text() == source
    info = json.loads((ROOT / "models" / "glove" / "spotter" / "int8.json").read_text())
    entry = json.loads((fw / "MANIFEST.json").read_text())["networks"]["spotter"]
    assert entry["sha256"] == info["sha256"] and info["sha256"][:16] in entry["version"]
    assert ", 0x00000000u, 0, " in source  # io_checksum 0 and input zero point 0: the firmware requires both
