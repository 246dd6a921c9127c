"""Continuous writing sessions: the file format (npz, CSV, bad files) and the simulator's
sessions (letters in place, travel without pen lift, non-writing motion between words)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glovexfer.cli import main
from glovexfer.data.recordings import to_physical
from glovexfer.data.sessions import Session, SessionSet, read_session_csv, write_session_csv
from glovexfer.errors import DataFormatError
from glovexfer.params import SAMPLE_RATE_HZ


def _toy(n: int = 120, text: str = "ab c", seed: int = 0) -> Session:
    rng = np.random.default_rng(seed)
    counts = rng.integers(-3000, 3000, size=(n, 9)).astype(np.int16)
    spans = np.array([[5, 30], [40, 62], [90, 115]], dtype=np.int32)
    return Session(counts, text, spans, "u01")


def run_cli(argv, capsys) -> str:
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and "Traceback" not in err, err
    return err


# ----------------------------------------------------------------------------- format
def test_npz_round_trip_is_exact(tmp_path):
    sessions = [_toy(120, "ab c", 0), Session(_toy().counts[:90], "", np.zeros((0, 2)), "u02"), _toy(130, "ab c", 2)]
    ss = SessionSet.from_sessions(sessions, meta={"k": 1}, extras={"writer": np.array(["a", "b", "c"])})
    back = SessionSet.load(ss.save(tmp_path / "s.npz"))
    assert len(back) == 3 and back.meta == {"k": 1}
    for a, b in zip(sessions, (back[i] for i in range(3))):
        assert np.array_equal(a.counts, b.counts) and a.text == b.text and np.array_equal(a.spans, b.spans)
        assert a.user == b.user
    assert back.extras["writer"].tolist() == ["a", "b", "c"]


def test_csv_round_trip_is_exact(tmp_path):
    s = _toy()
    p = tmp_path / "s.csv"
    write_session_csv(s, p)
    back = read_session_csv(p)
    assert np.array_equal(back.counts, s.counts)
    assert back.text == "ab c" and back.spans.tolist() == s.spans.tolist() and back.user == "u01"


def test_a_logger_csv_without_truth_reads(tmp_path):
    s = _toy()
    lines = [ln for ln in write_session_csv(s).splitlines() if not ln.startswith("# text") and not ln.startswith("# letters")]
    p = tmp_path / "logger.csv"
    p.write_text("\n".join(lines) + "\n")
    back = read_session_csv(p)
    assert back.text == "" and len(back.spans) == 0 and len(back) == len(s)


@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace("# text: ab c", "# text: aB c"), "text"),
    (lambda t: t.replace("# letters: a 5 30", "# letters: a 5 300"), "letters"),
    (lambda t: t.replace("# letters: a 5 30", "# letters: x 5 30"), "letters"),
    (lambda t: t.replace("# letters: a 5 30", "# letters: a five 30"), "letters"),
    (lambda t: t.replace("# letters: a 5 30; b 40 62", "# letters: a 5 45; b 40 62"), "letters"),
    (lambda t: t.replace("acc_x,", "acc_q,", 1), "header"),
])
def test_bad_session_csv_names_the_field(tmp_path, capsys, edit, field):
    p = tmp_path / "bad.csv"
    p.write_text(edit(write_session_csv(_toy())))
    with pytest.raises(DataFormatError) as e:
        read_session_csv(p)
    assert e.value.field == field and str(p) in str(e.value)
    err = run_cli(["csv-import", "--sessions", p, "--out", tmp_path / "o.npz"], capsys)
    assert "bad.csv" in err


def _write_npz(path: Path, **arrays):
    np.savez_compressed(path, **arrays)
    return path


@pytest.mark.parametrize("change, field", [
    (lambda a: a.update(offsets=np.array([0, 50, 40, 340])), "offsets"),
    (lambda a: a.update(letter_spans=a["letter_spans"] + 200), "letter_spans"),
    (lambda a: a.update(texts=np.array(["ab c", "", "AB c"])), "texts"),
    (lambda a: a.pop("offsets"), "offsets"),
    (lambda a: a.update(counts=a["counts"].astype(np.int32)), "counts"),
])
def test_bad_session_npz_names_the_field(tmp_path, capsys, change, field):
    sessions = [_toy(120, "ab c", 0), Session(_toy().counts[:90], "", np.zeros((0, 2)), "u02"), _toy(130, "ab c", 2)]
    good = SessionSet.from_sessions(sessions).save(tmp_path / "good.npz")
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    p = _write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataFormatError) as e:
        SessionSet.load(p)
    assert e.value.field == field, str(e.value)
    assert "bad.npz" in run_cli(["info", p], capsys)


# ----------------------------------------------------------------------------- simulator
@pytest.fixture(scope="module")
def sim(digilets_dir):
    from glovexfer.simulate.sessions import simulate_sessions

    return simulate_sessions(digilets_dir, n_sessions=16, seed=3, progress=False)


def test_simulation_is_reproducible(digilets_dir, sim):
    from glovexfer.simulate.sessions import simulate_sessions

    again = simulate_sessions(digilets_dir, n_sessions=16, seed=3, progress=False)
    assert np.array_equal(again.counts, sim.counts) and again.texts.tolist() == sim.texts.tolist()
    assert np.array_equal(again.letter_spans, sim.letter_spans)


def _instances_used(monkeypatch, digilets_dir, **kw):
    """(set, {(writer, letter, instance)}) of simulate_sessions(**kw): the pen letters it reads."""
    from glovexfer.simulate import kinematics
    from glovexfer.simulate.sessions import simulate_sessions

    used, real = set(), kinematics.letter_path

    def spy(letter, *a, **k):
        used.add((letter.writer, letter.label, letter.instance))
        return real(letter, *a, **k)

    monkeypatch.setattr(kinematics, "letter_path", spy)
    return simulate_sessions(digilets_dir, progress=False, **kw), used


def test_held_out_instances_stay_out_of_the_sessions_and_make_the_calibration_letters(monkeypatch, digilets_dir, sim):
    from glovexfer.simulate.sessions import calibration_recordings

    ss, used = _instances_used(monkeypatch, digilets_dir, n_sessions=32, seed=3, hold_out=2)
    assert ss.meta["held_out_instances"] == [3, 4] and {i for _, _, i in used} == {0, 1, 2}
    assert ss.texts.tolist()[:16] == sim.texts.tolist() and "held_out_instances" not in sim.meta  # same phrases
    assert ss.meta["users"] == sim.meta["users"]  # the same wearers, styles and gloves
    used.clear()
    cal = calibration_recordings(digilets_dir, ss.meta, k=3)
    assert {i for _, _, i in used} == {3, 4}  # only the held-out instances
    assert len(cal) == 16 * 26 * 3 and cal.counts.shape[1:] == (32, 9)
    per_user = cal.labels.reshape(16, 26, 3)
    assert (per_user == np.array(list("abcdefghijklmnopqrstuvwxyz"))[None, :, None]).all()
    assert cal.extras["instance"].reshape(16, 26, 3)[0, 0].tolist() == [3, 4, 3]
    assert cal.users.reshape(16, 78)[:, 0].tolist() == sorted(ss.meta["writers"])
    again = calibration_recordings(digilets_dir, ss.meta, k=1)  # the first recording of each letter
    assert np.array_equal(again.counts[:1], cal.counts[:1])
    some = calibration_recordings(digilets_dir, ss.meta, k=3, users=["u02", "u16"])  # the same recordings
    assert np.array_equal(some.counts, cal.counts[np.isin(cal.users, ["u02", "u16"])])
    with pytest.raises(ValueError, match="left no DigiLeTs instance out"):
        calibration_recordings(digilets_dir, sim.meta)


def test_no_held_out_instance_gives_the_set_of_before(monkeypatch, digilets_dir, sim):
    ss, used = _instances_used(monkeypatch, digilets_dir, n_sessions=16, seed=3, hold_out=0)
    assert np.array_equal(ss.counts, sim.counts) and ss.meta == sim.meta
    with pytest.raises(ValueError, match="hold_out"):
        _instances_used(monkeypatch, digilets_dir, n_sessions=1, hold_out=5)


def test_sessions_are_by_the_unseen_target_writers(sim, digilets_dir):
    from glovexfer.data.digilets import list_writer_files, split_writers, writer_id
    from glovexfer.simulate.dataset import SPLIT_SEED

    _, target = split_writers(sorted(writer_id(f) for f in list_writer_files(Path(digilets_dir))), n_target=16, seed=SPLIT_SEED)
    assert sorted(sim.meta["writers"].values()) == sorted(target)
    assert len(set(sim.users.tolist())) == 16
    assert set(sim.extras["writer"].tolist()) == set(sim.meta["writers"].values())
    assert sim.meta["simulated"] is True


def test_letters_take_plausible_times_and_follow_the_text(sim):
    for i in range(len(sim)):
        s = sim[i]
        assert len(s.spans) == len(s.letters) > 0
        d = np.diff(s.spans, axis=1).ravel() / SAMPLE_RATE_HZ
        assert d.min() >= 0.3 and d.max() <= 1.8, d  # the window's room x at most 1.4
        assert s.spans[0, 0] >= int(0.5 * SAMPLE_RATE_HZ)  # the session starts at rest
        assert len(s) - s.spans[-1, 1] >= int(0.5 * SAMPLE_RATE_HZ)  # ... and ends at rest
        assert np.all(s.spans[1:, 0] > s.spans[:-1, 1])  # a pause or a move between letters


def test_the_hand_is_still_at_the_start_and_moves_while_writing(sim):
    """Gyro magnitude: at rest (the lead-in) only bias and noise; while writing far more."""
    for i in range(len(sim)):
        s = sim[i]
        gyr = np.linalg.norm(to_physical(s.counts, s.sensor)[:, 3:6], axis=1)
        rest = gyr[: s.spans[0, 0] - 3]
        writing = np.concatenate([gyr[a:b] for a, b in s.spans])
        assert np.median(writing) > 4 * np.median(rest) + 0.05, (np.median(writing), np.median(rest))


def test_the_hand_drops_between_words(sim):
    """Gravity in the sensor frame turns by more than 10 degrees between two words: the hand
    drops and turns to a rest pose."""
    def gravity_dir(s, a, b):
        acc = to_physical(s.counts, s.sensor)[a:b, 0:3].mean(axis=0)
        return acc / np.linalg.norm(acc)

    seen = 0
    for i in range(len(sim)):
        s = sim[i]
        words = s.text.split(" ")
        ends = np.cumsum([len(w) for w in words])[:-1]  # index of each next word's first letter
        for k in ends:
            prev_end, next_start = s.spans[k - 1, 1], s.spans[k, 0]
            # the most turned pose inside the gap, against the pose just after the last letter
            g0 = gravity_dir(s, prev_end, prev_end + 3)
            angles = [np.degrees(np.arccos(np.clip(g0 @ gravity_dir(s, j, j + 3), -1, 1))) for j in range(prev_end, next_start - 3)]
            assert max(angles) > 10.0, (s.text, k, max(angles))
            seen += 1
    assert seen > 10


def test_cli_simulates_sessions(tmp_path, digilets_dir, capsys):
    out = tmp_path / "s.npz"
    assert main(["simulate", "--sessions", "2", "--digilets", str(digilets_dir), "--out", str(out), "--quiet"]) == 0
    assert "2 sessions" in capsys.readouterr().out
    assert len(SessionSet.load(out)) == 2
    assert main(["csv-export", str(out), "--out", str(tmp_path / "csv")]) == 0
    files = sorted((tmp_path / "csv").glob("*.csv"))
    assert len(files) == 2
    assert np.array_equal(read_session_csv(files[0]).counts, SessionSet.load(out)[0].counts)
