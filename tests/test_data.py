"""DigiLeTs loader, data-set discovery, and the glove recording format (npz + CSV)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from glovexfer.data import digilets as dl
from glovexfer.data.paths import find_dataset
from glovexfer.data.recordings import (
    COLUMNS,
    Recording,
    RecordingSet,
    read_csv,
    to_counts,
    to_physical,
    write_csv,
)
from glovexfer.errors import DataFormatError, DataNotFoundError
from glovexfer.params import LETTERS, MPU9250, SensorSpec


# ------------------------------------------------------------------ DigiLeTs (real files)
def test_digilets_all_writers_all_lowercase(digilets):
    assert len(digilets) == 62
    for wid, letters in digilets.items():
        assert len(letters) == 26 * 5, wid
        assert "".join(sorted({x.label for x in letters})) == LETTERS
        for x in letters:
            assert x.xy.shape[1] == 2 and len(x.xy) == len(x.t) == len(x.pen_down)
            assert np.isfinite(x.xy).all() and (x.xy >= -dl.TABLET_SLACK).all() and (x.xy <= 1 + dl.TABLET_SLACK).all()
            assert x.pen_down[0] and np.all(np.diff(x.t) >= 0)


def test_digilets_multi_stroke_letters_have_pen_downs(digilets):
    # i, j, t, x, f, k are usually written with two or more strokes
    for label in "ijtx":
        strokes = [x.n_strokes for w in digilets.values() for x in w if x.label == label]
        assert np.median(strokes) >= 2, label


def test_digilets_y_points_up(digilets):
    """The tail of 'p' and 'q' hangs below the start-to-bowl region: the stroke's lowest
    point is below its first point, and 'b'/'d'/'h' rise above where they start or end."""
    below = []
    for w in digilets.values():
        for x in w:
            if x.label in "pq":
                below.append(x.xy_up[:, 1].min() < x.xy_up[0, 1])
    assert np.mean(below) > 0.9


def test_writer_split_disjoint_and_deterministic():
    ids = [f"{i:03d}" for i in range(62)]
    src, tgt = dl.split_writers(ids, n_target=16, seed=0)
    assert len(tgt) == 16 and len(src) == 46 and not set(src) & set(tgt)
    assert (src, tgt) == dl.split_writers(list(reversed(ids)), n_target=16, seed=0)


def _write_writer(tmp_path, mutate=None):
    """A syntactically valid DigiLeTs file (2 points per instance), optionally broken."""
    lines = []
    for sym in range(62):
        for k in range(5):
            lines.append("0.1 0.2 0.5 1 0.0 0.3 0.4 0.5 0 0.02")
            onehot = ["0.0"] * 62
            onehot[sym] = "1.0"
            lines.append(" ".join(onehot))
    if mutate:
        mutate(lines)
    p = tmp_path / "999-m-30-right_2020-01-01-00-00-00"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_loader_reads_synthetic_writer(tmp_path):
    letters = dl.load_writer(_write_writer(tmp_path))
    assert len(letters) == 130 and letters[0].writer == "999"
    assert letters[0].label == "a" and letters[-1].label == "z"


LINE_A0 = 2 * (5 * 10)  # 0-based index of the points line of 'a', instance 0


@pytest.mark.parametrize(
    "mutate, field, line",
    [
        (lambda L: L.__setitem__(LINE_A0, L[LINE_A0] + " 0.7"), "points", LINE_A0 + 1),
        (lambda L: L.__setitem__(LINE_A0, L[LINE_A0].replace("0.3", "nan")), "x", LINE_A0 + 1),
        (lambda L: L.__setitem__(LINE_A0, L[LINE_A0].replace("0.4", "abc")), "points", LINE_A0 + 1),
        (lambda L: L.__setitem__(LINE_A0 + 1, L[LINE_A0 + 1].replace("1.0", "0.0")), "one-hot", LINE_A0 + 2),
        (lambda L: L.__setitem__(LINE_A0 + 1, L[LINE_A0 + 1] + " 0.0"), "one-hot", LINE_A0 + 2),
        (lambda L: L.__setitem__(LINE_A0 + 1, "1.0 " + L[LINE_A0 + 1][4:]), "one-hot", LINE_A0 + 2),
    ],
    ids=["token-count", "nan", "not-a-number", "one-hot-empty", "one-hot-length", "one-hot-wrong-symbol"],
)
def test_loader_errors_name_file_line_field(tmp_path, mutate, field, line):
    p = _write_writer(tmp_path, mutate)
    with pytest.raises(DataFormatError) as e:
        dl.load_writer(p)
    assert e.value.path == str(p) and e.value.line == line and e.value.field == field
    assert f"{p.name}:{line}" in str(e.value)


def test_loader_wrong_line_count(tmp_path):
    p = _write_writer(tmp_path, lambda L: L.pop())
    with pytest.raises(DataFormatError, match="619 lines, expected 620"):
        dl.load_writer(p)


def test_find_dataset_explains_how_to_point_at_data(tmp_path, monkeypatch):
    monkeypatch.delenv("GLOVEXFER_DIGILETS", raising=False)
    with pytest.raises(DataNotFoundError, match="--digilets DIR.*GLOVEXFER_DIGILETS"):
        find_dataset("digilets", tmp_path / "nope")
    monkeypatch.setenv("GLOVEXFER_DIGILETS", str(tmp_path))
    assert find_dataset("digilets") == tmp_path
    assert find_dataset("digilets", tmp_path / "nope", required=False) is None


# ------------------------------------------------------------------ recording format
counts_strategy = arrays(np.int16, (32, 9), elements=st.integers(-32768, 32767))


@settings(max_examples=50, deadline=None)
@given(counts_strategy)
def test_csv_round_trip_is_exact(tmp_path_factory, counts):
    rec = Recording(counts, "q", "u07", MPU9250)
    path = tmp_path_factory.mktemp("csv") / "r.csv"
    write_csv(rec, path)
    back = read_csv(path)
    assert np.array_equal(back.counts, counts) and back.label == "q" and back.user == "u07"
    assert back.sensor == MPU9250


def test_csv_keeps_sensor_settings(tmp_path):
    spec = SensorSpec(acc_full_scale_g=8.0, gyr_full_scale_dps=2000.0, mag_ut_per_count=0.15)
    rec = Recording(np.full((32, 9), 1000, np.int16), "a", "x", spec)
    write_csv(rec, tmp_path / "r.csv")
    back = read_csv(tmp_path / "r.csv")
    assert back.sensor == spec and np.array_equal(back.counts, rec.counts)


def _csv_lines(tmp_path):
    write_csv(Recording(np.zeros((32, 9), np.int16), "a", "u"), tmp_path / "ok.csv")
    return (tmp_path / "ok.csv").read_text().splitlines()


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda L: L[:-1], "31 data rows"),
        (lambda L: L + [L[-1]], "33 data rows"),
        (lambda L: L[:5] + [L[5].replace("0", "x", 1)] + L[6:], r"\[acc_x\]: not a number"),
        (lambda L: L[:5] + ["nan" + L[5][1:]] + L[6:], r"\[acc_x\]: non-finite"),
        (lambda L: [L[0], L[1], L[2].replace("gyr_y", "gyro_y")] + L[3:], r"lacks columns \['gyr_y'\]"),
        (lambda L: L[:4] + [L[4].replace(",a,", ",A,")] + L[5:], r"\[label\]"),
        (lambda L: L[:4] + [L[4] + ",1"] + L[5:], "fields, header has"),
    ],
    ids=["short", "long", "text", "nan", "header", "label", "extra-field"],
)
def test_csv_errors_name_the_problem(tmp_path, edit, match):
    lines = edit(_csv_lines(tmp_path))
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=match) as e:
        read_csv(p)
    assert str(p) in str(e.value)


def test_counts_saturate_and_report():
    phys = np.zeros((32, 9))
    phys[0, 0] = 100.0  # 10 g on a +-4 g accelerometer
    phys[1, 3] = -50.0  # rad/s, beyond +-1000 deg/s
    counts, sat = to_counts(phys)
    assert counts[0, 0] == 32767 and counts[1, 3] == -32768
    assert sat[0, 0] and sat[1, 3] and sat.sum() == 2
    assert np.allclose(to_physical(counts)[2:], 0)


def test_npz_round_trip_and_subset(tmp_path):
    rng = np.random.default_rng(1)
    counts = rng.integers(-32768, 32767, (5, 32, 9)).astype(np.int16)
    rs = RecordingSet(counts, list("abcde"), ["u1"] * 3 + ["u2"] * 2, meta={"simulated": True}, extras={"writer": np.array(list("11122"))})
    p = rs.save(tmp_path / "set.npz")
    back = RecordingSet.load(p)
    assert np.array_equal(back.counts, counts) and list(back.labels) == list("abcde")
    assert back.meta == {"simulated": True} and list(back.extras["writer"]) == list("11122")
    sub = back.subset(back.users == "u2")
    assert len(sub) == 2 and list(sub.labels) == ["d", "e"] and list(sub.extras["writer"]) == ["2", "2"]
    assert list(back.y) == [0, 1, 2, 3, 4]
    assert back[3].label == "d" and back[3].acc.shape == (32, 3)


def test_npz_bad_files(tmp_path):
    p = tmp_path / "junk.npz"
    p.write_bytes(b"not a zip")
    with pytest.raises(DataFormatError, match="junk.npz"):
        RecordingSet.load(p)
    np.savez(tmp_path / "partial.npz", counts=np.zeros((1, 32, 9), np.int16))
    with pytest.raises(DataFormatError, match=r"\[header\]"):
        RecordingSet.load(tmp_path / "partial.npz")
    with pytest.raises(DataFormatError, match="no such file"):
        RecordingSet.load(tmp_path / "missing.npz")


def test_columns_are_the_papers():
    assert COLUMNS == ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z", "mag_x", "mag_y", "mag_z")


def test_loader_drops_off_tablet_glitch_strokes(tmp_path):
    # 'a' instance 0 gets a second, two-point stroke far off the tablet (as writer 103's 'y')
    def glitch(L):
        L[LINE_A0] += " 1.32 -1.04 0.2 1 0.05 1.33 -1.11 0.2 0 0.07"

    letters = dl.load_writer(_write_writer(tmp_path, glitch))
    assert len(letters[0].xy) == 2 and letters[0].n_strokes == 1
