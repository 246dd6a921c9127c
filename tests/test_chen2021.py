"""The Chen et al. (2021) pen-data loader, its representations and its split protocols."""

from __future__ import annotations

import numpy as np
import pytest
from glovexfer.nets import chen2021 as CP
from glovexfer.chen.counts import T_FIRMWARE_S, to_counts
from glovexfer.chen.represent import KINDS, cleaned, raw_path, tail_displacement
from glovexfer.data.chen2021 import MIN_ROWS, load_chen2021, load_letter_file, writer_of
from glovexfer.errors import DataFormatError, GloveXferError

ROW = "{id}, 15, 10.0, -5.0, 2.0, {ax:.2f}, 20.00, 1000.00, {gx:.2f}, 0.50, -0.25, 0.70711, 0.00000, 0.00000, 0.70711"


def _rows(seq_id: int, n: int, phase: float = 0.0) -> list[str]:
    return [ROW.format(id=seq_id, ax=50 * np.sin(0.3 * i + phase), gx=30 * np.cos(0.2 * i + phase)) for i in range(n)]


def _write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------- loader, synthetic files
def test_sequences_split_on_id_and_marks_drop(tmp_path):
    lines = _rows(1, 30) + _rows(2, 40) + ["#"] + _rows(3, MIN_ROWS - 1) + _rows(4, MIN_ROWS)
    seqs, n_invalid, n_short = load_letter_file(_write(tmp_path / "bob_1_2" / "q.csv", lines))
    assert [s.seq_id for s in seqs] == [1, 4]
    assert (n_invalid, n_short) == (1, 1)
    assert [len(s) for s in seqs] == [30, MIN_ROWS]
    s = seqs[0]
    assert s.label == "q" and s.writer == "bob" and s.session == "bob_1_2"
    assert s.acc_mg.shape == (30, 3) and s.gyr_dps.shape == (30, 3) and s.quat.shape == (30, 4)
    assert s.ypr_deg[0].tolist() == [10.0, -5.0, 2.0]
    assert s.source.endswith("q.csv:1")
    assert seqs[1].source.endswith(f"q.csv:{30 + 40 + 1 + MIN_ROWS - 1 + 1}")


@pytest.mark.parametrize(
    "bad, field, needle",
    [
        ("1, 15, 10.0, -5.0", None, "expected 15 comma-separated fields"),
        ("1, 15, 10.0, -5.0, 2.0, abc, 20, 1000, 1, 2, 3, 1, 0, 0, 0", "ax", "not a number"),
        ("1, 15, 10.0, -5.0, 2.0, nan, 20, 1000, 1, 2, 3, 1, 0, 0, 0", "ax", "not a finite number"),
        ("1.5, 15, 10.0, -5.0, 2.0, 1, 20, 1000, 1, 2, 3, 1, 0, 0, 0", "id", "non-negative integer"),
        ("1, -3, 10.0, -5.0, 2.0, 1, 20, 1000, 1, 2, 3, 1, 0, 0, 0", "td", ">= 0 ms"),
        ("1, 15, 10.0, -5.0, 2.0, 1, 20, 1000, 1, 2, 3, 2, 0, 0, 0", "q0..q3", "quaternion norm"),
    ],
)
def test_malformed_rows_name_file_line_field(tmp_path, bad, field, needle):
    p = _write(tmp_path / "s" / "a.csv", _rows(1, 3) + [bad])
    with pytest.raises(DataFormatError) as e:
        load_letter_file(p)
    msg = str(e.value)
    assert needle in msg and "a.csv:4" in msg
    assert e.value.line == 4 and e.value.field == field
    assert isinstance(e.value, GloveXferError)


def test_bad_names_and_folders(tmp_path):
    with pytest.raises(DataFormatError, match="<letter>.csv"):
        load_letter_file(_write(tmp_path / "s" / "A1.csv", _rows(1, 30)))
    with pytest.raises(DataFormatError, match="not a directory"):
        load_chen2021(tmp_path / "missing")
    (tmp_path / "empty" / "x").mkdir(parents=True)
    with pytest.raises(DataFormatError, match="no session folders"):
        load_chen2021(tmp_path / "empty")


def test_writers_group_sessions(tmp_path):
    for sess in ("ann_11_7", "ann_12_5", "ben"):
        _write(tmp_path / sess / "a.csv", _rows(1, 30) + _rows(2, 30, 1.0))
        _write(tmp_path / sess / "b.csv", _rows(1, 30, 2.0))
        _write(tmp_path / sess / "calibration.csv", _rows(0, 50))
    cs = load_chen2021(tmp_path)
    assert len(cs) == 9 and cs.writer_list() == ["ann", "ben"]
    assert sorted(cs.calibrations) == ["ann_11_7", "ann_12_5", "ben"]
    assert np.allclose(cs.calibrations["ben"].gyro_bias_dps, [np.median(30 * np.cos(0.2 * np.arange(50))), 0.5, -0.25], atol=0.01)
    assert cs.y.tolist().count(1) == 3
    assert writer_of("russell_random_12_7") == "russell" and writer_of("chen") == "chen"
    assert len(load_chen2021(tmp_path, writers=["ben"])) == 3
    with pytest.raises(DataFormatError, match="unknown writer"):
        load_chen2021(tmp_path, writers=["zed"])


# ---------------------------------------------------------------- representations and counts
def test_every_representation_gives_a_clean_path(tmp_path):
    seqs, _, _ = load_letter_file(_write(tmp_path / "s" / "c.csv", _rows(1, 60)))
    for kind in KINDS:
        p = cleaned(seqs[0], kind)
        assert p.shape == (100, 2) and np.all(np.isfinite(p))
        assert p.min() >= 0.0 and p.max() <= 1.0
    with pytest.raises(GloveXferError, match="unknown representation"):
        raw_path(seqs[0], "nope")


def test_tail_integration_recovers_a_known_displacement():
    """A constant-orientation sensor moved along x by a smooth bump (zero velocity at both
    ends) is recovered by the double integration (gravity removed as the mean)."""
    t = np.linspace(0.0, 1.0, 67)
    x = 0.01 * (1 - np.cos(2 * np.pi * t)) / 2  # 1 cm out and back
    ax = np.gradient(np.gradient(x, t), t)
    acc_mg = np.stack([ax, np.zeros_like(t), np.full_like(t, 9.80665)], axis=1) / 9.80665 * 1000
    R = np.repeat(np.eye(3)[None], len(t), axis=0)
    d = tail_displacement(t, R, acc_mg)
    assert np.max(np.abs(d[:, 0] - x)) < 0.05 * x.max()
    assert np.max(np.abs(d[:, 1:])) < 1e-9


def test_counts_preserve_integrated_angle(tmp_path):
    """Time stretch: the gyro is scaled so that its integral over the window is kept."""
    seqs, _, _ = load_letter_file(_write(tmp_path / "s" / "d.csv", _rows(1, 80)))
    s = seqs[0]
    c, sat = to_counts(s, None)
    assert c.shape == (32, 9) and c.dtype == np.int16 and sat == 0
    assert np.all(c[:, 6:9] == 0)  # 6-axis: no magnetometer
    # pen z (1000 mg) becomes sensor x at 8.192 counts per mg
    assert abs(int(c[0, 0]) - round(1000 * 8.192)) <= 1
    t = np.cumsum(s.td_ms) / 1000.0
    real = np.trapezoid(s.gyr_dps[:, 0], t - t[0])  # pen x rate -> sensor y
    fw = np.trapezoid(c[:, 4] / 32.768, np.linspace(0, T_FIRMWARE_S, 32))
    assert abs(fw - real) < 0.02 * abs(real) + 0.05


# ---------------------------------------------------------------- protocols (no training)
def test_split_protocols():
    ws = [f"w{i:02d}" for i in range(12)]
    pairs = CP.subject_pairs(ws, seed=0)
    held = [w for _, p in pairs for w in p]
    assert len(pairs) == 6 and sorted(held) == ws  # 6 disjoint pairs covering everyone
    assert CP.subject_pairs(ws, seed=0) == pairs
    assert [f[1] for f in CP.lowo_folds(ws)] == [[w] for w in ws]
    tr, va, te = CP.random_split(1000, seed=0)
    assert (len(tr), len(va), len(te)) == (800, 100, 100)
    assert len(np.intersect1d(tr, te)) == 0 and len(np.intersect1d(va, te)) == 0
    with pytest.raises(GloveXferError, match="even number"):
        CP.subject_pairs(ws[:3])


def test_picking_folds_keeps_each_folds_seed():
    """A fold trains with seed + k, k its place in the protocol's whole list: running it
    alone (--only), among the first N (--folds) or in the full run gives it the same k
    (a run split over processes with --only computes the same folds as one run)."""
    ws = [f"w{i:02d}" for i in range(12)]
    full = CP.fold_plan(CP.PROTOCOLS, ws)
    assert [p for p, *_ in full] == ["lowo"] * 12 + ["subject_split"] * 6 + ["random_split"]
    where = {(p, name): (k, n) for p, k, n, name, _ in full}
    assert where[("lowo", "w05")] == (5, 12) and where[("random_split", "random")] == (0, 1)
    picked = CP.fold_plan(CP.PROTOCOLS, ws, only=["w05", "w09", "random"]) + CP.fold_plan(["lowo"], ws, folds=3)
    assert [name for _, _, _, name, _ in picked] == ["w05", "w09", "random", "w00", "w01", "w02"]
    for p, k, n, name, held in picked:
        assert where[(p, name)] == (k, n) and held == next(h for q, _, _, m, h in full if (q, m) == (p, name))


# ---------------------------------------------------------------- the real data set
def test_real_data_set_counts(chen2021_dir):
    cs = load_chen2021(chen2021_dir)
    assert cs.writer_list() == ["canon", "chen", "haobin", "isa", "jq", "kelly", "kevin", "russell", "wenzhou", "yiheng", "yongxu", "zhaoye"]
    assert len(set(cs.sessions.tolist())) == 15 and len(cs.calibrations) == 15
    assert len(cs) == 7576 and cs.dropped_invalid == 2 and cs.dropped_short == 255
    assert min(len(s) for s in cs.sequences) >= MIN_ROWS
    per_writer = {w: set(cs.y[cs.writers == w].tolist()) for w in cs.writer_list()}
    assert len(per_writer["chen"]) == 22 and len(per_writer["zhaoye"]) == 24
    assert all(len(v) == 26 for w, v in per_writer.items() if w not in ("chen", "zhaoye"))
    # calibration: the pen upright and still, gravity on sensor z (about 1.15 g on this sensor)
    for cal in cs.calibrations.values():
        a = np.median(cal.acc_mg, axis=0)
        assert a[2] > 1000 and np.hypot(a[0], a[1]) < 0.2 * a[2]
        assert np.all(np.abs(cal.gyro_bias_dps) < 3.0)


def test_signals_do_not_depend_on_how_the_pen_is_rolled(tmp_path):
    """The writer-frame signals are the same when the sensor is turned about the pen axis
    (sensor z): the 6-axis world frame only changes by a yaw, which the writer frame removes."""
    from glovexfer.chen.represent import SIGNAL_CHANNELS, SIGNAL_STEPS, signals

    seqs, _, _ = load_letter_file(_write(tmp_path / "s" / "e.csv", _rows(1, 70)))
    s = seqs[0]
    # a tilted pen with motion on all gyro axes
    s.acc_mg = s.acc_mg + np.array([300.0, -200.0, 0.0])
    s.gyr_dps = s.gyr_dps + 20 * np.sin(np.linspace(0, 6, len(s)))[:, None] * np.array([1.0, -0.5, 0.7])
    a = signals(s)
    assert a.shape == (SIGNAL_STEPS, len(SIGNAL_CHANNELS)) and np.all(np.isfinite(a))
    c, si = np.cos(np.radians(40)), np.sin(np.radians(40))
    Rz = np.array([[c, -si, 0], [si, c, 0], [0, 0, 1]])
    r = load_letter_file(tmp_path / "s" / "e.csv")[0][0]
    r.acc_mg, r.gyr_dps = s.acc_mg @ Rz.T, s.gyr_dps @ Rz.T
    b = signals(r)
    assert np.max(np.abs(a - b)) < 1e-6 * (1 + np.max(np.abs(a)))
    assert np.max(np.abs(a[:, 3:6])) > 0.1  # it moved


def test_recording_set_is_the_firmware_input_of_every_kth_letter(chen2021_dir, tmp_path):
    """``counts.recording_set``: real letters as a glove RecordingSet (what
    ``evaluate --data SET --int8`` reads), one writer per user, round-tripping through save/load."""
    from glovexfer.chen.counts import recording_set
    from glovexfer.data.recordings import RecordingSet

    rs = recording_set(chen2021_dir, every=50, writers=["isa", "kelly"])
    cs = load_chen2021(chen2021_dir)
    mine = [s for s in cs.sequences if s.writer in ("isa", "kelly")][::50]
    assert len(rs) == len(mine) and set(rs.users.tolist()) == {"isa", "kelly"}
    assert rs.meta["simulated"] is False and list(rs.labels) == [s.label for s in mine]
    c0, _ = to_counts(mine[0], cs.calibrations.get(mine[0].session))
    assert np.array_equal(rs.counts[0], c0) and np.all(rs.counts[:, :, 6:9] == 0)
    back = RecordingSet.load(rs.save(tmp_path / "chen.npz"))
    assert np.array_equal(back.counts, rs.counts) and list(back.users) == list(rs.users)
    with pytest.raises(ValueError, match="no Chen sequences"):
        recording_set(chen2021_dir, writers=["nobody"])
