"""Continuous writing on the golden device path: the spotting stages (features, windows, runs,
words, time normalisation), the lexicon decoder and file, and ``evaluate --sessions``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glovexfer.cli import main
from glovexfer.errors import DataFormatError, GloveXferError
from glovexfer.golden import spotting as S
from glovexfer.golden.decode import TABLES, Lexicon, decode_word, letter_costs, load_lexicon, parse_lexicon
from glovexfer.params import LETTERS

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models" / "glove"


# ----------------------------------------------------------------------------- features, runs, words
def test_features_are_shifted_and_saturated_counts():
    c = np.zeros((4, 9), np.int16)
    c[0, 3:6] = [128, -129, 32767]
    c[1, 0:3] = [256, -32768, 255]
    f = S.spot_features(c)
    assert f.dtype == np.int8 and f.shape == (4, 6)
    assert f[0, :3].tolist() == [1, -2, 127]  # arithmetic shift (floor), saturated
    assert f[1, 3:].tolist() == [1, -128, 0]


@given(st.lists(st.integers(-128, 127), min_size=1, max_size=200), st.integers(-20, 20), st.integers(1, 8), st.integers(0, 3),
       st.integers(8, 80), st.integers(0, 6))
@settings(max_examples=300, deadline=None)
def test_letter_segments_are_the_long_joined_runs_above_the_threshold_widened(logits, thr, min_len, grow, max_len, join):
    lg = np.array(logits, np.int8)
    segs = S.letter_segments(lg, thr, min_len, grow, max_len, join)
    n = len(lg)
    runs, i = [], 0
    while i < n:  # the runs, the plain way: a gap of at most `join` inactive samples does not end one
        if lg[i] > thr:
            j = i
            while True:
                while j < n and lg[j] > thr:
                    j += 1
                k = j
                while k < n and k - j < join + 1 and not lg[k] > thr:
                    k += 1
                if k < n and k - j <= join and lg[k] > thr:
                    j = k
                else:
                    break
            runs.append((i, j))
            i = j
        else:
            i += 1
    want = [(max(0, a - grow), min(n, b + grow)) for a, b in runs if b - a >= min_len]
    assert segs == [(a, b) for a, b in want if b - a <= max_len]


def test_a_dot_after_a_short_travel_joins_its_letter():
    """Two runs JOIN_GAP samples apart are one letter (the dot of an i, the cross of a t); one
    sample further apart they are two, the short one dropped when under MIN_LETTER."""
    lg = np.zeros(60, np.int8)
    lg[10:22] = 100
    lg[22 + S.JOIN_GAP: 22 + S.JOIN_GAP + 4] = 100  # a 4-sample dot
    assert S.letter_segments(lg, 0) == [(10 - S.GROW, 22 + S.JOIN_GAP + 4 + S.GROW)]
    lg[:] = 0
    lg[10:22] = 100
    lg[23 + S.JOIN_GAP: 23 + S.JOIN_GAP + 8] = 100
    assert S.letter_segments(lg, 0) == [(10 - S.GROW, 22 + S.GROW), (23 + S.JOIN_GAP - S.GROW, 31 + S.JOIN_GAP + S.GROW)]


def test_a_segment_longer_than_max_letter_is_dropped():
    """A run too long to be a letter (> MAX_LETTER samples once widened) is no letter: the
    device's history of raw samples could not time-normalise it."""
    n = S.MAX_LETTER + 40
    lg = np.zeros(n, np.int8)
    lg[10: 10 + S.MAX_LETTER - 2 * S.GROW] = 100  # widened: exactly MAX_LETTER samples
    assert S.letter_segments(lg, 0) == [(10 - S.GROW, 10 + S.MAX_LETTER - S.GROW)]
    lg[10 + S.MAX_LETTER - 2 * S.GROW] = 100  # one sample more: dropped
    assert S.letter_segments(lg, 0) == []
    lg[:] = 0
    lg[: S.MAX_LETTER - S.GROW] = 100  # clipped at the stream's start: MAX_LETTER, kept
    assert S.letter_segments(lg, 0) == [(0, S.MAX_LETTER)]


def test_word_groups_split_at_long_gaps():
    segs = [(0, 10), (15, 25), (25 + S.WORD_GAP + 1, 80), (82, 90)]
    assert S.word_groups(segs) == [[(0, 10), (15, 25)], [(25 + S.WORD_GAP + 1, 80), (82, 90)]]
    assert S.word_groups([(0, 10), (10 + S.WORD_GAP, 60)]) == [[(0, 10), (10 + S.WORD_GAP, 60)]]
    assert S.word_groups([]) == []


class _Echo:
    """A stand-in spotter: its output at every position is the first feature there, so the
    windowing can be checked sample by sample."""

    input_shape, output_shape = (1, 1, S.WINDOW, 6), (1, 1, S.WINDOW, 1)
    input_scale, input_zero_point, output_zero_point = 1.0, 0, 0

    def run(self, x):
        return x[..., :1]


@given(st.integers(1, 300))
@settings(max_examples=60, deadline=None)
def test_every_sample_gets_its_own_logit_from_the_window_that_centres_it(n):
    feats = np.random.default_rng(n).integers(-128, 128, size=(n, 6)).astype(np.int8)
    assert np.array_equal(S.frame_logits(_Echo(), feats), feats[:, 0])


def test_the_flush_repeats_the_last_sample():
    feats = np.arange(40 * 6).reshape(40, 6).astype(np.int8)
    xp = S.padded_stream(feats)
    assert len(xp) == S.HOP * (2 - 1) + S.WINDOW  # two windows for 40 samples
    assert not xp[:S.HOP].any() and np.array_equal(xp[S.HOP:S.HOP + 40], feats)
    assert (xp[S.HOP + 40:] == feats[-1]).all()


def test_a_spotter_with_another_input_quantisation_is_refused():
    class Bad(_Echo):
        input_scale = 0.5

    with pytest.raises(ValueError, match="scale 1"):
        S.frame_logits(Bad(), np.zeros((10, 6), np.int8))


# ----------------------------------------------------------------------------- time normalisation
def test_time_normalise_keeps_the_ends_and_is_the_identity_on_32_samples():
    c = np.random.default_rng(0).integers(-30000, 30000, size=(100, 9)).astype(np.int16)
    out = S.time_normalise(c, 10, 60)
    assert out.shape == (32, 9) and out.dtype == np.int16
    assert np.array_equal(out[0], c[10]) and np.array_equal(out[-1], c[59])
    assert np.array_equal(S.time_normalise(c, 20, 52), c[20:52])


@given(st.integers(2, 90), st.integers(-1000, 1000), st.integers(-300, 300))
@settings(max_examples=100, deadline=None)
def test_time_normalise_of_a_ramp_is_a_ramp(length, offset, slope):
    t = np.arange(length)
    c = np.repeat((offset + slope * t)[:, None], 9, axis=1).astype(np.int16)
    out = S.time_normalise(c, 0, length)[:, 0].astype(np.float64)
    want = offset + slope * np.arange(32) * (length - 1) / 31
    assert np.max(np.abs(out - want)) <= 1.0


def test_time_normalise_refuses_a_segment_outside_the_stream():
    with pytest.raises(ValueError):
        S.time_normalise(np.zeros((10, 9), np.int16), 5, 11)


# ----------------------------------------------------------------------------- lexicon and decoder
def _lex(words, prior=None):
    from glovexfer.export.lexicon import letter_cost_table

    return Lexicon(list(words), np.array(prior if prior is not None else [0] * len(words), np.uint8),
                   {m: letter_cost_table(m) for m in TABLES})


def _probs(text, strong=200, weak=2, nets=2):
    """(L, nets, 26) network outputs with ``text``'s letters clear in every network."""
    p = np.full((len(text), nets, 26), weak, np.int64)
    for i, c in enumerate(text):
        p[i, :, LETTERS.index(c)] = strong
    return p


def _decode(p, lex):
    return decode_word(letter_costs(p, lex), lex)


def test_letter_cost_tables_are_the_weighted_product():
    """cost_single = round(-8 log2((s+1)/256)); the fused model's cost_lstm and cost_cnn are
    the LSTM's and CNN's shares (2/3, 1/3) of 8 units per bit x 1.25; a fused letter cost is
    their sum."""
    lex = _lex(["ab"])
    s = np.arange(256)
    for name, k in (("single", 8), ("lstm", 20 / 3), ("cnn", 10 / 3)):
        assert np.array_equal(lex.table(name), np.round(-k * np.log2((s + 1) / 256)).astype(np.uint8)), name
    assert [int(lex.table(m)[0]) for m in TABLES] == [64, 53, 27] and all(lex.table(m)[255] == 0 for m in TABLES)
    a, b = np.arange(26)[None] * 9, 255 - np.arange(26)[None] * 9
    c = letter_costs(np.stack([a, b], axis=1), lex)
    assert c.shape == (1, 26) and np.array_equal(c[0], lex.table("lstm")[a[0]].astype(int) + lex.table("cnn")[b[0]])
    assert np.array_equal(letter_costs(a[:, None], lex)[0], lex.table("single")[a[0]])
    with pytest.raises(ValueError):
        letter_costs(np.full((1, 2, 26), 256), lex)  # outputs are 0..255
    with pytest.raises(ValueError):
        letter_costs(np.zeros((1, 3, 26), int), lex)  # one network or two


def test_decoder_reads_clear_letters_as_they_are_and_fixes_one_unclear():
    lex = _lex(["cat", "cot", "dog", "input"], [3, 9, 3, 20])
    for nets in (1, 2):
        assert _decode(_probs("cat", nets=nets), lex)[0] == "cat"
        p = _probs("cot", nets=nets)
        p[1] = 9  # the middle letter unreadable: the more frequent word wins
        assert _decode(p, lex)[0] == "cat"
    # the LSTM weighs twice the CNN: where they disagree on a letter, the LSTM's reading wins
    p = _probs("cat")
    p[1, 0], p[1, 1] = 2, 9
    p[1, 0, LETTERS.index("o")], p[1, 1, LETTERS.index("a")] = 200, 200
    p[1, 1, LETTERS.index("o")] = 2
    assert _decode(p, _lex(["cat", "cot"]))[0] == "cot"


def test_decoder_handles_one_extra_or_one_missing_letter():
    lex = _lex(["input", "cat"], [20, 3])
    assert _decode(_probs("inpuut"), lex)[0] == "input"  # a letter spotted twice
    assert _decode(_probs("inut"), lex)[0] == "input"  # two letters merged into one


def test_decoder_without_a_candidate_length_says_so():
    assert _decode(_probs("abcdefgh"), _lex(["ab"])) == (None, 0)


def test_the_shipped_lexicon_loads_and_covers_the_phrases():
    lex = load_lexicon(MODELS / "lexicon")
    assert len(lex) == 10000
    info = json.loads((MODELS / "lexicon" / "lexicon.json").read_text())
    assert info["words"] == 10000 and info["bytes"] == (MODELS / "lexicon" / "lexicon.tsv").stat().st_size
    assert lex.words[:3] == ["the", "to", "and"] and list(lex.prior[:1]) == [0]


def test_a_changed_lexicon_is_refused(tmp_path):
    for f in ("lexicon.tsv", "lexicon.json"):
        (tmp_path / f).write_bytes((MODELS / "lexicon" / f).read_bytes())
    text = (tmp_path / "lexicon.tsv").read_text().replace("\nthe\t0\n", "\nteh\t0\n", 1)
    (tmp_path / "lexicon.tsv").write_text(text)
    with pytest.raises(GloveXferError, match="SHA-256.*refused"):
        load_lexicon(tmp_path)


@pytest.mark.parametrize("line, field", [("cat 3", None), ("Cat\t3", "word"), ("cat\t300", "prior"),
                                         ("#letter_cost 510 1 2", "letter_cost"),
                                         ("#letter_cost lstm " + " ".join(["0"] * 255), "letter_cost")])
def test_bad_lexicon_lines_name_the_line(tmp_path, line, field):
    good = (MODELS / "lexicon" / "lexicon.tsv").read_text().splitlines()
    text = "\n".join(good[:2] + [line] + good[2:]) + "\n"
    with pytest.raises(DataFormatError) as e:
        parse_lexicon(tmp_path / "l.tsv", text)
    assert e.value.field == field and ":3" in str(e.value)


def test_lexicon_of_format_1_or_with_tables_too_dear_is_refused(tmp_path):
    """Format 1 (tables on the fused sum 0..510, no '#gxlex' line) and an unknown format are
    refused naming the format; lstm + cnn tables whose largest costs add up to more than 255
    (a fused letter cost would not fit the firmware's byte) are refused."""
    good = (MODELS / "lexicon" / "lexicon.tsv").read_text().splitlines()
    old = ["#letter_cost 510 " + " ".join(["0"] * 511), "#letter_cost 255 " + " ".join(["0"] * 256), "the\t0"]
    for lines, what in ((old, "lexicon format 1, this decoder reads format 2"),
                        (["#gxlex 3"] + good[1:], "lexicon format 3, this decoder reads format 2"),
                        (good[4:], "want '#gxlex 2' as the first line")):
        with pytest.raises(DataFormatError, match=what) as e:
            parse_lexicon(tmp_path / "l.tsv", "\n".join(lines) + "\n")
        assert e.value.field == "format" and ("export --lexicon" in str(e.value)) == ("first line" not in what)
    dear = [good[0], good[1], "#letter_cost lstm " + " ".join(["200"] * 256), "#letter_cost cnn " + " ".join(["56"] * 256)]
    with pytest.raises(DataFormatError, match="add up to more than 255"):
        parse_lexicon(tmp_path / "l.tsv", "\n".join(dear + good[4:]) + "\n")


# ----------------------------------------------------------------------------- evaluate --sessions
def test_evaluate_sessions_end_to_end(tmp_path, digilets_dir, capsys):
    out = tmp_path / "s.npz"
    assert main(["simulate", "--sessions", "3", "--digilets", str(digilets_dir), "--out", str(out), "--quiet", "--seed", "5"]) == 0
    capsys.readouterr()
    js = tmp_path / "w.json"
    assert main(["evaluate", "--sessions", str(out), "--json", str(js), "--per-session", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "spotting: recall" in text and "word error rate" in text
    res = json.loads(js.read_text())
    assert res["sessions"] == 3 and res["lexicon_size"] == 10000 and res["simulated"] is True
    assert 0.0 <= res["spotting"]["recall"] <= 1.0 and len(res["per_session"]) == 3
    for p in res["per_session"]:
        assert len(p["decoded"].split(" ")) == len(p["raw"].split(" "))
    # the per-writer figures split the whole: sessions and words add up, the word error rate
    # is their word-weighted mean
    pw = res["per_writer"]
    assert sum(v["sessions"] for v in pw.values()) == 3 and sum(v["words"] for v in pw.values()) == res["words"]
    assert sum(v["wer_lexicon"] * v["words"] for v in pw.values()) / res["words"] == pytest.approx(res["wer_lexicon"])
    assert "per writer, word error rate with the lexicon, worst first:" in text


def test_evaluate_sessions_calibrated_end_to_end(tmp_path, digilets_dir, capsys):
    """--calibrate K on sessions with held-out instances: the uncalibrated figures stay as
    they are, each K has its own figures, per-writer shares and guards; a set without
    held-out instances is refused with a clear error."""
    out, plain = tmp_path / "s.npz", tmp_path / "plain.npz"
    dig = ["--digilets", str(digilets_dir)]
    assert main(["simulate", "--sessions", "4", *dig, "--out", str(out), "--quiet", "--seed", "5", "--hold-out-instances", "2"]) == 0
    capsys.readouterr()
    js, js0 = tmp_path / "c.json", tmp_path / "u.json"
    assert main(["evaluate", "--sessions", str(out), "--json", str(js0), "--no-progress"]) == 0
    assert main(["evaluate", "--sessions", str(out), *dig, "--calibrate", "1", "3", "--json", str(js), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "calibrated, K=1 (" in text and "calibrated, K=3 (" in text
    res, res0 = json.loads(js.read_text()), json.loads(js0.read_text())
    cal = res.pop("calibrated")
    assert {k: v for k, v in res.items() if k != "reproduce"} == {k: v for k, v in res0.items() if k != "reproduce"}
    assert "--hold-out-instances 2" in res["reproduce"] and "--calibrate 1 3" in res["reproduce"]
    assert sorted(cal) == ["1", "3"]
    for c in cal.values():
        assert set(c["guards"]) == set(res["per_writer"]) == {f"u{k:02d}" for k in range(1, 5)}
        for g in c["guards"].values():
            # spec v3: with one sample per letter guard 2 judges none
            assert g["samples"] in (26, 78) and g["leave_one_out"][2] == (0 if g["samples"] == 26 else g["samples"])
            assert g["gain"] in (1020, 2040, 4080) and (g["samples"] != 26 or g["gain"] == 1020)
        gains = [g["gain"] for g in c["guards"].values()]
        assert c["spec"] == 5 and c["gains_chosen"] == {str(g): gains.count(g) for g in (1020, 2040, 4080)}
        pw = c["per_writer"]
        assert sum(v["words"] for v in pw.values()) == res["words"]
        assert sum(v["wer_lexicon"] * v["words"] for v in pw.values()) / res["words"] == pytest.approx(c["wer_lexicon"])
        assert 0 <= c["cer_raw"] <= 1 and 0 <= c["true_spans"]["wer_lexicon"] <= 1
        assert 0 <= c["unguarded"]["wer_lexicon"] <= 1 and set(c["unguarded"]["per_writer"]) == set(pw)
        if all(g["enabled"] for g in c["guards"].values()):  # guard 2 changed nothing
            assert c["unguarded"]["wer_lexicon"] == c["wer_lexicon"]
    assert main(["simulate", "--sessions", "2", *dig, "--out", str(plain), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--sessions", str(plain), *dig, "--calibrate", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--hold-out-instances" in err and "Traceback" not in err


def test_calibrate_letters_changes_only_the_wearers_with_a_calibration_on():
    """calibrate_letters: a wearer whose set Guard 2 switches off keeps the uncalibrated
    letters and outputs; one whose set is on gets the window mode's calibrated decision and
    the calibrated outputs."""
    from glovexfer.data.recordings import RecordingSet
    from glovexfer.golden import calibrate as C
    from glovexfer.nets.writing import calibrate_letters

    n_cal = 26 * 2
    labels = np.array([c for c in LETTERS for _ in range(1)] * 2)
    users = np.array(["a"] * 26 + ["b"] * 26)
    y = np.array([LETTERS.index(c) for c in labels])
    # each letter's features 180 apart in L1 from the next letter's (the scale is then 180)
    feats = np.repeat(y[:, None] * 9 - 117, 20, axis=1).astype(np.int8)
    probs = np.zeros((n_cal, 1, 26), np.int64)
    probs[np.arange(n_cal), 0, y] = 250  # user a: right without calibration...
    probs[26:, 0] = 0
    probs[np.arange(26, n_cal), 0, (y[26:] + 1) % 26] = 100  # ... user b: always the next letter
    rs = RecordingSet(np.zeros((n_cal, 32, 9), np.int16), labels, users)
    # the test letters: copies of the calibration letters (exact matches), uncalibrated wrong for b
    who = users.copy()
    dec = np.argmax(probs.sum(axis=1), axis=1)
    res = calibrate_letters(rs, (dec, probs, (feats,)), 1, {"spotted": (who, (dec, probs, (feats,)))})
    d, p = res["spotted"]
    g = res["guards"]
    # K = 1: a letter's only sample is not judged (spec v3), so guard 2 judges none and both are on
    assert g["b"]["enabled"] is True and g["b"]["leave_one_out"] == [0, 0, 0]
    assert g["a"]["enabled"] is True and g["a"]["leave_one_out"] == [0, 0, 0]
    # an exact match of its own sample: 0 + 1020 > 100 + 510 (the next letter is one scale away,
    # half the reach of spec v3: half the gain; spec v4's gain 1020 when nothing is judged)
    assert np.array_equal(d[users == "b"], y[users == "b"])
    for u in ("a", "b"):
        m = users == u
        if not g[u]["enabled"]:
            assert np.array_equal(p[m], probs[m]) and np.array_equal(d[m], dec[m])
            continue
        cal = C.CalibrationSet(1)
        for i in np.flatnonzero(m):
            C.add_sample(cal, int(y[i]), (feats[i],), probs[i].sum(axis=0), confirm=True)
        assert C.seal(cal).gain == g[u]["gain"]  # the gain the wearer's set was sealed with
        assert np.array_equal(d[m], np.argmax(C.calibrated_scores_batch(cal, (feats[m],), probs[m].sum(axis=1)), axis=1))
        # the outputs mix in the bonus of the shorter reach (spec v4: OUTPUT_REACH tau) and the nearest sample (spec v5)
        assert np.array_equal(p[m], C.calibrated_outputs(probs[m], C.output_bonuses_batch(cal, (feats[m],))))


def test_the_shipped_spotter_equals_tflm_on_session_windows(digilets_dir):
    """The golden int8 spotter against TFLite Micro (the referee) on windows of simulated
    sessions, bit for bit."""
    pytest.importorskip("tflite_micro")
    from glovexfer.export.tflm import TflmModel
    from glovexfer.nets.spotter import load_spotter
    from glovexfer.simulate.sessions import simulate_sessions

    net = load_spotter(MODELS / "spotter")
    ref = TflmModel((MODELS / "spotter" / "model_int8.tflite").read_bytes())
    ss = simulate_sessions(digilets_dir, n_sessions=2, seed=9, progress=False)
    n = 0
    for i in range(len(ss)):
        xp = S.padded_stream(S.spot_features(ss[i].counts))
        for j in range(0, len(xp) - S.WINDOW + 1, S.HOP):
            w = xp[j:j + S.WINDOW][None]
            assert np.array_equal(net.run(w[None]).reshape(-1), np.asarray(ref.run(w[None])).reshape(-1)), (i, j)
            n += 1
    assert n > 20


def test_evaluate_sessions_learning_end_to_end(tmp_path, digilets_dir, capsys):
    """--learn: the uncalibrated figures stay as they are; ``self_calibrated`` has the figures
    of the glove learning each wearer from the words it decodes, per writer shares and the
    wearers' sets; --learn is refused without the lexicon and outside --sessions."""
    out = tmp_path / "s.npz"
    assert main(["simulate", "--sessions", "4", "--digilets", str(digilets_dir), "--out", str(out), "--quiet", "--seed", "5"]) == 0
    capsys.readouterr()
    js, js0 = tmp_path / "l.json", tmp_path / "u.json"
    assert main(["evaluate", "--sessions", str(out), "--json", str(js0), "--no-progress"]) == 0
    assert main(["evaluate", "--sessions", str(out), "--learn", "--json", str(js), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "learning from decoded words (calib learn on;" in text
    res, res0 = json.loads(js.read_text()), json.loads(js0.read_text())
    sc = res.pop("self_calibrated")
    assert {k: v for k, v in res.items() if k != "reproduce"} == {k: v for k, v in res0.items() if k != "reproduce"}
    assert res["reproduce"].endswith(f"--learn --json {js}")
    assert sc["spec"] == 5 and set(sc["wearers"]) == set(sc["per_writer"]) == set(res["per_writer"])
    assert sum(w["words_taught"] for w in sc["wearers"].values()) > 0
    for w in sc["wearers"].values():
        assert 0 <= w["words_taught"] and w["samples"] <= 78 and isinstance(w["on"], bool)
    pw = sc["per_writer"]
    assert sum(v["wer_lexicon"] * v["words"] for v in pw.values()) / res["words"] == pytest.approx(sc["wer_lexicon"])
    assert main(["evaluate", "--sessions", str(out), "--learn", "--no-lexicon", "--no-progress"]) == 2
    assert main(["evaluate", "--data", str(out), "--learn", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--learn needs the lexicon" in err and "--learn cannot be used with" in err and "Traceback" not in err


def test_learn_letters_is_the_continuous_mode_learning(tmp_path, digilets_dir):
    """The evaluation's learning (``learn_letters``, batched) and the glove's golden twin
    (``continuous_stream(..., learning=...)``, the parity tests' reference) give the same
    letters, decoder inputs and taught words, one wearer's set carried over six sessions."""
    from glovexfer.data.sessions import SessionSet
    from glovexfer.golden import calibrate as C
    from glovexfer.nets import shipping
    from glovexfer.nets.spotter import SPOTTER, load_spotter
    from glovexfer.nets.writing import (Learning, StreamLearn, StreamLetter, _recognise, continuous_stream, learn_letters,
                                        session_segments)

    out = tmp_path / "s.npz"
    assert main(["simulate", "--sessions", "6", "--digilets", str(digilets_dir), "--out", str(out), "--quiet", "--seed", "7"]) == 0
    ss = SessionSet.load(out)
    nets = shipping.int8_networks(shipping.model_folder("writing", MODELS))
    spotter, lex = load_spotter(MODELS / SPOTTER), load_lexicon(MODELS / "lexicon")
    spots, segs, _, cuts = session_segments(ss, spotter)
    plans = [(text, words, tw, "w", {}) for text, words, tw in cuts]  # one wearer writes them all
    res = learn_letters(plans, _recognise(segs, nets, ss.sensor), lex)
    d, p = res["spotted"]
    learning = Learning(C.CalibrationSet(2))
    taught = 0
    for (s, _), (_, words, _) in zip(spots, cuts):
        ev = continuous_stream(s.counts, spotter, nets, lex, learning=learning)
        letters = [e for e in ev if isinstance(e, StreamLetter)]
        idx = [i for w in words for i in w]
        assert [e.letter for e in letters] == [LETTERS[d[i]] for i in idx]
        assert all(np.array_equal(e.probs, p[i]) for e, i in zip(letters, idx))
        taught += sum(isinstance(e, StreamLearn) for e in ev)
    assert res["wearers"]["w"] == {"words_taught": taught, "samples": len(learning.cal), "on": learning.on}
    assert taught > 0 and learning.on
