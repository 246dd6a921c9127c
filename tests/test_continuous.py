"""The glove's continuous mode (docs/serial-protocol.md, "Continuous mode"): the virtual glove
(host-native firmware with the spotter and the lexicon) fed simulated writing sessions sample
by sample gives exactly the golden model's letters (letter, q8, top-3, span) and words (raw
letters, lexicon word, cost), ``glovexfer.nets.writing.continuous_stream``; and the mode's
commands and error lines."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.device.continuous import compare_events, parse_events, stream_lines  # noqa: E402
from glovexfer.device.protocol import PROTO_VERSION, ProtocolError, letter_of, parse_line, word_of  # noqa: E402
from glovexfer.golden import calibrate as G  # noqa: E402
from glovexfer.params import LETTERS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: simulated sessions compared natively with the fused model (about 10 minutes of stream)
NATIVE_SESSIONS = 20


def run_glove(exe, lines: list[str], timeout=300) -> list[str]:
    r = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=timeout,
                       check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def split_streams(out: list[str]) -> list[list[str]]:
    """The device's lines of each stream, cut at its ``OK end``."""
    streams, cur = [], []
    for x in out:
        if x.startswith("OK end"):
            streams.append(cur)
            cur = []
        else:
            cur.append(x)
    return streams


@pytest.fixture(scope="module")
def continuous_glove(writing_models):
    """The continuous-writing glove: the writing recogniser, the spotter and the lexicon."""
    if not (ROOT / "models" / "glove" / "firmware" / "gx_lexicon.cpp").is_file():
        pytest.skip("no shipped gx_lexicon.cpp: the glove has no lexicon")
    return fw_models.build("gx_glove", "writing", writing_models)


@pytest.fixture(scope="module")
def golden(writing_models):
    from glovexfer.device.parity import find_tflite
    from glovexfer.golden.decode import load_lexicon
    from glovexfer.golden.network import load_int8_model
    from glovexfer.nets.spotter import load_spotter

    md = Path(writing_models)
    nets = {k: load_int8_model(find_tflite(md / f"gx_model_{k}.cpp", [md, ROOT / "models"]).read_bytes())
            for k in ("lstm", "cnn")}
    return {"nets": nets, "spotter": load_spotter(ROOT / "models" / "glove" / "spotter"),
            "lexicon": load_lexicon(ROOT / "models" / "glove" / "lexicon")}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory, digilets_dir):
    from glovexfer.data.sessions import SessionSet
    from test_firmware_spotter import simulated_sessions

    return SessionSet.load(simulated_sessions(tmp_path_factory.mktemp("cont"), NATIVE_SESSIONS, 3, digilets_dir))


def _parity(exe, golden, ss, model: str, n: int) -> dict:
    from glovexfer.nets.writing import StreamLetter, StreamWord, continuous_stream

    lines = ["mode continuous"] + ([f"model {model}"] if model != "fused" else [])
    want = []
    for i in range(n):
        lines += stream_lines(ss[i].counts) + ["end"]
        want.append(continuous_stream(ss[i].counts, golden["spotter"], golden["nets"], golden["lexicon"], model=model))
    out = run_glove(exe, lines)
    assert not [x for x in out if x.startswith("ERR")], [x for x in out if x.startswith("ERR")][:5]
    streams = split_streams(out)
    assert len(streams) == n
    totals = {"letters": 0, "words": 0, "decoded": 0, "corrected": 0, "mismatches": []}
    for i, (got, g) in enumerate(zip(streams, want)):
        totals["mismatches"] += [f"session {i}: {m}" for m in compare_events(parse_events(got), g)]
        totals["letters"] += sum(isinstance(e, StreamLetter) for e in g)
        words = [e for e in g if isinstance(e, StreamWord)]
        totals["words"] += len(words)
        totals["decoded"] += sum(w.word is not None for w in words)
        totals["corrected"] += sum(w.word is not None and w.word != w.raw for w in words)
    return totals


def test_continuous_mode_is_bit_exact_with_golden(continuous_glove, golden, sessions):
    t = _parity(continuous_glove, golden, sessions, "fused", len(sessions))
    print(f"{len(sessions)} simulated sessions: {t['letters']} letters, {t['words']} words ({t['decoded']} decoded, "
          f"{t['corrected']} changed by the lexicon), {len(t['mismatches'])} mismatches")
    assert t["mismatches"] == []
    # the comparison has content: letters, words the lexicon decoded and words it corrected
    assert t["letters"] > 8 * len(sessions) and t["words"] > 2 * len(sessions)
    assert t["decoded"] > t["words"] // 2 and t["corrected"] > 0


def test_continuous_mode_single_network_scores(continuous_glove, golden, sessions):
    """With one network selected the letters and the decoder's inputs (``probs=``, 26 outputs
    0..255) are that network's."""
    t = _parity(continuous_glove, golden, sessions, "lstm", 4)
    assert t["mismatches"] == [] and t["letters"] > 0 and t["words"] > 0


def _calibration_set(sessions, golden, k: int, swap: str = "") -> tuple[list, object]:
    """A wearer's calibration for the parity tests: ``k`` letters of each letter found in
    sessions 10.. (cut at their true spans, 32 samples: a window), added in the golden twin;
    ([(letter, window, guard 1 flags it)], the set if guard 2 lets it on, else None).
    ``swap``: pairs of letters the wearer writes the other way round ("ao": their a is the
    model's o and the other way), each pair's samples added under the other letter."""
    from glovexfer.golden import calibrate as G
    from glovexfer.golden.recognise import recognise_batch
    from glovexfer.golden.spotting import time_normalise

    windows: dict = {}
    for i in range(10, len(sessions)):
        s = sessions[i]
        for ch, (a, b) in zip(s.letters, s.spans.tolist()):
            windows.setdefault(ch, []).append(time_normalise(s.counts, a, b))
    other = {a: b for a, b in zip(swap[::2], swap[1::2])}
    other |= {b: a for a, b in other.items()}
    picks = [(other.get(ch, ch), w) for ch in sorted(windows) for w in windows[ch][:k]]
    rb = recognise_batch(np.stack([w for _, w in picks]), golden["nets"]["lstm"], golden["nets"]["cnn"])
    feats, scores = G.model_features(rb, "fused"), G.model_scores(rb, "fused")
    cal = G.CalibrationSet(2)
    out = []
    for j, (ch, w) in enumerate(picks):
        r = G.add_sample(cal, LETTERS.index(ch), tuple(f[j] for f in feats), scores[j], confirm=True)
        out.append((ch, w, r.suspicious))
    return out, G.enabled_set(cal)[0]


def test_continuous_mode_calibrated_is_bit_exact_with_golden(continuous_glove, golden, sessions):
    """The wearer's letter calibration applied in continuous mode: a set built on the glove in
    window mode (K = 1 and 2 letters cut out of other sessions, each as a 32-sample window)
    and switched on; the spotted letters (calibrated decision, q8, top-3, ``cal=on``) and the
    word decoder's inputs (each network's calibrated outputs, ``probs=``) and words equal
    the golden twin's (``continuous_stream(..., calibration=...)``), and differ from the
    uncalibrated ones. The glove's chosen gain (spec v4, ``gain=`` of its CALIB status) is the
    golden twin's sealed gain; the sets of K = 1, 2 and 3 have 1020 (K = 1: the smallest
    candidate), the K = 2 set of a wearer whose b and d are the model's d and b chooses 2040,
    so the calibrated outputs are compared with the bonus of more than one gain."""
    from glovexfer.nets.writing import continuous_stream

    n, switched_on, gains = 4, 0, {}
    for k, swap in ((1, ""), (2, ""), (3, ""), (2, "bd")):
        picks, on = _calibration_set(sessions, golden, k, swap)
        lines = ["calib clear"]
        for ch, w, suspicious in picks:
            lines += [f"calib add {ch}", "start", *stream_lines(w)] + (["calib confirm"] if suspicious else [])
        lines += ["calib on", "calib show", "mode continuous"]
        want, plain = [], []
        for i in range(n):
            lines += stream_lines(sessions[i].counts) + ["end"]
            want.append(continuous_stream(sessions[i].counts, golden["spotter"], golden["nets"], golden["lexicon"], calibration=on))
            plain.append(continuous_stream(sessions[i].counts, golden["spotter"], golden["nets"], golden["lexicon"]))
        out = run_glove(continuous_glove, lines)
        assert any(x.startswith("OK calib on") for x in out) == (on is not None), [x for x in out if "calib on" in x]
        if on is not None:
            status = [x for x in out if x.startswith("CALIB show")][-1]
            gains[(k, swap)] = on.gain
            assert f" gain={on.gain} " in status and " state=on " in status, (k, swap, on.gain, status)
        errs = [x for x in out if x.startswith("ERR") and "E_CALIB_WORSE" not in x]
        assert not errs, errs[:5]
        cont = out[out.index("OK mode continuous") + 1:]
        streams = split_streams(cont)
        assert len(streams) == n
        for i, (got, g) in enumerate(zip(streams, want)):
            assert compare_events(parse_events(got), g) == [], (k, i, compare_events(parse_events(got), g)[:3])
            letters = [x for x in got if x.startswith("LETTER")]
            assert letters and all((" cal=on" in x) == (on is not None) for x in letters)
        if on is not None:
            switched_on += 1
            changed = [e for ws, ps in zip(want, plain) for e, p in zip(ws, ps) if str(e) != str(p)]
            assert changed, "the calibration changes some letters' outputs"
    print(f"sets on, chosen gain per (K, letters swapped): {gains}")
    assert switched_on >= 2 and len(set(gains.values())) >= 2, gains


#: sessions streamed one after the other with 'calib learn on' (natively)
LEARN_SESSIONS = 12


def _learning_streams(golden, sessions, n: int) -> tuple[list, object]:
    """The golden twin of ``calib clear``, ``calib learn on``, then ``n`` sessions streamed one
    after the other: each stream's events (the same Learning carried over) and the learning."""
    from glovexfer.golden import calibrate as G
    from glovexfer.nets.writing import Learning, continuous_stream

    learning = Learning(G.CalibrationSet(2))
    want = [continuous_stream(sessions[i].counts, golden["spotter"], golden["nets"], golden["lexicon"], learning=learning)
            for i in range(n)]
    return want, learning


def test_continuous_mode_learning_is_bit_exact_with_golden(continuous_glove, golden, sessions):
    """``calib learn on`` (docs/writing.md, "Self-calibration"): from an empty set, sessions
    streamed one after the other; every decoded word of the spotted length teaches the set its
    letters (a ``CALIB learn`` line: samples, state, chosen gain, guard 2's counts), the set
    switches itself on when guard 2 lets it, and the later letters are decided and decoded
    with it (``cal=on``). Every LETTER, WORD and CALIB learn line equals the golden twin's
    (``continuous_stream(..., learning=...)``, one Learning carried from stream to stream);
    the learnt set is stored at each stream's end (``calib show`` after a restart is not
    tested here: the virtual glove's store is its RAM)."""
    from glovexfer.nets.writing import StreamLearn, StreamWord

    want, learning = _learning_streams(golden, sessions, LEARN_SESSIONS)
    lines = ["calib clear", "calib learn on", "mode continuous"]
    for i in range(LEARN_SESSIONS):
        lines += stream_lines(sessions[i].counts) + ["end"]
    lines += ["calib learn off", "calib show"]
    out = run_glove(continuous_glove, lines)
    assert not [x for x in out if x.startswith("ERR")], [x for x in out if x.startswith("ERR")][:5]
    assert "OK calib learn on" in out and "OK calib learn off" in out
    cont = out[out.index("OK mode continuous") + 1:out.index("OK calib learn off")]
    streams = split_streams(cont)
    assert len(streams) == LEARN_SESSIONS
    for i, (got, g) in enumerate(zip(streams, want)):
        assert compare_events(parse_events(got), g) == [], (i, compare_events(parse_events(got), g)[:3])
    learnt = [e for w in want for e in w if isinstance(e, StreamLearn)]
    words = [e for w in want for e in w if isinstance(e, StreamWord)]
    on_letters = sum(" cal=on" in x for x in cont)
    print(f"{LEARN_SESSIONS} sessions: {len(words)} words, {len(learnt)} taught the set ({learning.words}), "
          f"{len(learning.cal)} samples, on: {learning.on}, {on_letters} letters decided with it")
    # the comparison has content: words taught, the set switched on and used
    assert len(learnt) >= len(words) // 2 and any(e.on for e in learnt) and on_letters > 0
    status = parse_line([x for x in out if x.startswith("CALIB show")][-1])
    assert int(status.fields["samples"]) == len(learning.cal) == learnt[-1].samples
    assert status.fields["state"] == ("on" if learning.on else "off")


def test_calib_learn_commands(continuous_glove, fw_build_tools):
    """'calib learn' answers: usage, another model selected, a glove without a lexicon."""
    out = run_glove(continuous_glove, ["calib learn", "calib learn maybe", "model lstm", "calib learn on",
                                       "model fused", "calib learn on", "calib learn off"])[1:]
    assert out[0].startswith("ERR E_ARGS calib: usage") and out[1].startswith("ERR E_ARGS calib: usage")
    assert out[2] == "OK model lstm" and out[3].startswith("ERR E_CALIB calib learn: the calibration uses the model fused")
    assert out[4:] == ["OK model fused", "OK calib learn on", "OK calib learn off"]
    out = run_glove(fw_models.build("gx_glove", "nomodels", ""), ["calib learn on"])  # no spotter, no lexicon
    assert out[-1].startswith("ERR E_CALIB calib learn: this firmware has no continuous writing"), out


def test_continuous_commands_and_errors(continuous_glove, sessions):
    counts = sessions[0].counts
    ready, *out = run_glove(continuous_glove, [
        "end", "mode", "mode sideways", "mode continuous", "info", "start", "end",
        *stream_lines(counts[:200]), "reset", "end",
        *stream_lines(counts[:100]), "mode window", "end", "info", "mode continuous", "mode continuous"])
    r = parse_line(ready)
    assert r.kind == "READY" and r.fields["proto"] == str(PROTO_VERSION)
    assert r.fields["spotter"].startswith("gxmodel/2 spotter") and r.fields["lexicon"].startswith("gxlex/2 ")
    assert out[0].startswith("ERR E_MODE end:")
    assert out[1].startswith("ERR E_ARGS mode: usage") and out[2].startswith("ERR E_ARGS mode: usage")
    assert out[3] == "OK mode continuous"
    assert parse_line(out[4]).fields["mode"] == "continuous"
    assert out[5].startswith("ERR E_MODE start:")
    assert out[6] == "OK end samples=0"  # an empty stream: nothing spotted
    # 200 samples then reset: the stream is dropped (letters already final came as LETTER)
    k = out.index("OK reset")
    assert all(x.startswith(("LETTER ", "WORD ")) for x in out[7:k])
    assert out[k + 1] == "OK end samples=0"
    w = out.index("OK mode window")  # drops the stream without its last letters
    assert all(x.startswith(("LETTER ", "WORD ")) for x in out[k + 2:w])
    assert out[w + 1].startswith("ERR E_MODE end:")
    assert parse_line(out[w + 2]).fields["mode"] == "window"
    assert out[w + 3:] == ["OK mode continuous", "OK mode continuous"]


def test_window_mode_unchanged_in_a_continuous_glove(continuous_glove, sessions):
    """The default mode is window: samples without 'start' give no letter."""
    out = run_glove(continuous_glove, stream_lines(sessions[0].counts[:400]) + ["info"])
    assert [parse_line(x).kind for x in out] == ["READY", "INFO"]
    assert parse_line(out[1]).fields["mode"] == "window" and parse_line(out[1]).fields["letters"] == "0"


def test_glove_without_spotter_refuses_continuous_mode(fw_build_tools):
    exe = fw_models.build("gx_glove", "nomodels", "")
    out = run_glove(exe, ["mode continuous", "mode window", "end"])
    out = out[[x.startswith("READY ") for x in out].index(True):]
    ready = parse_line(out[0])
    assert ready.fields["proto"] == str(PROTO_VERSION) and ready.fields["spotter"] == "none" and ready.fields["lexicon"] == "none"
    assert out[1].startswith("ERR E_NO_SPOTTER") and out[2] == "OK mode window" and out[3].startswith("ERR E_MODE")


def test_corrupt_spotter_and_lexicon_refused_at_startup(models, tmp_path):
    """A changed spotter weight or lexicon byte: an ERR E_MODEL line at start-up, the banner
    says refused, continuous mode is refused (spotter) or has no decoded words (lexicon)."""
    if not (Path(models) / "gx_model_spotter.cpp").is_file():
        pytest.skip(f"{models} has no gx_model_spotter.cpp")
    bad = tmp_path / "models"
    shutil.copytree(models, bad, ignore=shutil.ignore_patterns("*.tflite", "gx_lexicon.*"))
    fw_models.corrupt_first_weight(bad / "gx_model_spotter.cpp")
    exe = fw_models.build("gx_glove", "corrupt-spotter", bad)
    out = run_glove(exe, ["mode continuous"])
    assert out[0].startswith("ERR E_MODEL spotter model") and "checksum" in out[0]
    assert parse_line(out[1]).fields["spotter"] == "refused"
    assert out[2].startswith("ERR E_MODEL mode: continuous unavailable")


# ---- hostile input in continuous mode (the fuzzing's properties on the shipped sessions) ----
#: unusable lines and the error code each must get in continuous mode; none touches the stream
BAD_LINES = [
    ("s 1 2 3 4 5 6 7 8", "E_ARGS"), ("s 1 2 3 4 5 6 7 8 32768", "E_ARGS"), ("s 0x10 2 3 4 5 6 7 8 9", "E_ARGS"),
    ("s 1 2 3 4 5 6 7 8 9 10", "E_ARGS"), ("s", "E_ARGS"), ("start", "E_MODE"), ("end 1", "E_UNKNOWN"),
    ("mode", "E_ARGS"), ("mode sideways", "E_ARGS"), ("model x", "E_ARGS"), ("auto maybe", "E_UNKNOWN"),
    ("replay 1 zz", "E_TRUNCATED"), ("cal set 1 2 3", "E_ARGS"), ("bogus", "E_UNKNOWN"),
    ("\x01\x7f garbage", "E_GARBAGE"), ("7" * 1300, "E_TOO_LONG"), ("a " * 200, "E_ARGS"),
]


def _shipped_lines(text: str) -> list[str]:
    from glovexfer.device.demo import shipped_session

    return stream_lines(shipped_session(text, 0).counts)


def _continuous_glove(glove, models):
    if not (Path(models) / "gx_model_spotter.cpp").is_file() or not (Path(models) / "gx_lexicon.cpp").is_file():
        pytest.skip(f"{models} has no spotter and lexicon: the glove has no continuous mode with words")
    return glove


def test_continuous_bad_lines_answered_and_the_stream_goes_on(glove, models):
    """Every unusable line in a continuous stream is answered with one ERR line of its code
    and changes nothing: the LETTER and WORD lines and the sample count are those of the clean
    stream."""
    exe = _continuous_glove(glove, models)
    lines = _shipped_lines("the glove writes words")
    clean = run_glove(exe, ["mode continuous", *lines, "end"])
    dirty, want = ["mode continuous"], []
    for i, x in enumerate(lines):
        dirty.append(x)
        if i % 23 == 5:
            bad, code = BAD_LINES[(i // 23) % len(BAD_LINES)]
            dirty.append(bad)
            want.append(code)
    out = run_glove(exe, [*dirty, "end"])
    errs = [x.split()[1] for x in out if x.startswith("ERR ")]
    assert errs == want and len(want) > 2 * len(BAD_LINES)
    kept = [x for x in out if not x.startswith("ERR ")]
    assert kept == clean
    assert sum(x.startswith("WORD ") for x in clean) == 4 and clean[-1] == f"OK end samples={len(lines)}"


def test_continuous_word_longer_than_the_app_keeps(glove, models):
    """A word of more letters than the app keeps (25, kWordLetters): its WORD line has the first
    25 letters, no lexicon word and the letter count; the next word is decoded as usual."""
    exe = _continuous_glove(glove, models)
    lines = _shipped_lines("hello world")
    # "hello" (samples 15..225) seven times without a word gap, then "world"
    out = run_glove(exe, ["mode continuous", *lines[15:225] * 7, *lines[225:], "end"])
    letters, words = [], []
    for x in out:
        if x.startswith("LETTER "):
            letters.append(x.split()[1])
        elif x.startswith("WORD "):
            words.append((word_of(parse_line(x)), "".join(letters)))
            letters = []
    (long_w, long_letters), (last, last_letters) = words
    assert long_w.letters == len(long_letters) > 25
    assert long_w.raw == long_letters[:25] and long_w.word is None and long_w.cost == 0
    assert last.raw == last_letters and last.word == "world"
    assert out[-1] == f"OK end samples={210 * 7 + len(lines) - 225}"


def test_continuous_slow_letters_and_non_writing_motion(glove, models):
    """Letters written three and five times slower (spans beyond the spotter's 64 samples are
    no letter: dropped), a long still glove and saturated motion: every LETTER span lies in
    the stream and is at most 64 samples long, and every stream ends with its sample count."""
    exe = _continuous_glove(glove, models)
    from glovexfer.device.demo import shipped_session

    counts = shipped_session("hello world", 0).counts
    rng = np.random.default_rng(0)
    streams = [np.repeat(counts[:230], 3, axis=0), np.repeat(counts[:230], 5, axis=0),
               np.tile(np.array([[0, 0, 2048, 0, 0, 0, 300, 0, 0]], np.int16), (3000, 1)),
               rng.choice(np.array([-32768, 32767], np.int16), size=(400, 9))]
    lines = ["mode continuous"]
    for c in streams:
        lines += [*stream_lines(c), "end"]
    out = run_glove(exe, lines)
    ends = [x for x in out if x.startswith("OK end")]
    assert ends == [f"OK end samples={len(c)}" for c in streams]
    spans = [(int(parse_line(x).fields["start"]), int(parse_line(x).fields["end"])) for x in out if x.startswith("LETTER ")]
    assert spans and all(0 <= a < b and b - a <= 64 for a, b in spans)
    assert not [x for x in out if x.startswith("ERR ")]


def test_word_lines_parse():
    w = word_of(parse_line("WORD raw=tefusicg word=refusing cost=120 letters=8"))
    assert (w.raw, w.word, w.cost, w.letters) == ("tefusicg", "refusing", 120, 8)
    assert word_of(parse_line("WORD raw=xq word=? cost=0 letters=2")).word is None
    assert word_of(parse_line("WORD")) is None  # window mode: the word ended
    for bad in ("WORD raw=x", "WORD raw=A1 word=? cost=0 letters=1", "WORD raw=ab word=? cost=-1 letters=2"):
        with pytest.raises(ProtocolError):
            word_of(parse_line(bad))
    assert np.array_equal(stream_lines(np.zeros((2, 9), np.int16)), ["s 0 0 0 0 0 0 0 0 0"] * 2)


def test_letter_probs_parse_per_network():
    """``probs=``: 26 outputs per network, 2 hex digits each; a fused model's two (the LSTM's
    first), one network's 26; a length that does not fit the model is refused."""
    head = "LETTER a q8=200 top3=a:200,b:30,c:2 model={} n=1 start=0 end=30 probs="
    two = bytes(range(52)).hex()
    p = letter_of(parse_line(head.format("fused") + two)).probs
    assert p.shape == (2, 26) and p[0, 0] == 0 and p[1, 0] == 26 and p[1, 25] == 51
    assert letter_of(parse_line(head.format("cnn") + two[:52])).probs.tolist() == [list(range(26))]
    for model, text in (("fused", two[:52]), ("lstm", two), ("fused", two[:-1] + "g")):
        with pytest.raises(ProtocolError, match="probs"):
            letter_of(parse_line(head.format(model) + text))
    # an earlier firmware's scores= (the fused sum) carries no network outputs: no host decoding
    old = letter_of(parse_line(head.format("fused").replace("probs=", "scores=") + "00" * 104))
    assert old.probs is None


def test_listener_decodes_on_the_host_what_the_glove_decodes(continuous_glove, golden, sessions):
    """The glove's continuous lines with the decoded words taken out (``word=? cost=0``, a
    glove without a lexicon): the listener decodes each word on the host from the letters'
    network outputs (``probs=``: the fused model's two networks') with the shipped lexicon and gets the glove's words; with the glove's words kept
    it shows them and finds nothing to warn about."""
    import io

    from glovexfer.device.listen import Listener, host_lexicon

    lines = ["mode continuous"]
    for i in range(3):
        lines += stream_lines(sessions[i].counts) + ["end"]
    out = [x for x in run_glove(continuous_glove, lines) if x.startswith(("LETTER", "WORD"))]
    words = [word_of(parse_line(x)) for x in out if x.startswith("WORD")]
    assert len(words) > 3 and all(w.word is not None for w in words)
    probs = [letter_of(parse_line(x)).probs for x in out if x.startswith("LETTER")]
    assert all(p is not None and p.shape == (2, 26) for p in probs)  # the default model is fused
    stripped = [re.sub(r" word=\w+ cost=\d+", " word=? cost=0", x) for x in out]
    banner = parse_line('READY proto=2 lexicon="none"')
    assert host_lexicon(banner, None) is not None and host_lexicon(parse_line('READY proto=2 lexicon="gxlex/2 x"'), None) is None
    for lines_in, where in ((stripped, "decoded on the host"), (out, "lexicon on the glove")):
        text, err = io.StringIO(), io.StringIO()
        lis = Listener(out=text, err=err, lexicon=host_lexicon(banner, True))
        for x in lines_in:
            lis.feed_line(x)
        assert lis.words == [w.word for w in words] and lis.raw_words == [w.raw for w in words]
        assert text.getvalue().count(where) == len(words) and err.getvalue() == ""
    # without a lexicon on either side the words stay raw
    lis = Listener(out=io.StringIO(), err=io.StringIO())
    for x in stripped:
        lis.feed_line(x)
    assert lis.words == [w.raw for w in words]


def test_listener_shows_what_the_glove_learnt(capsys):
    """A ``CALIB learn`` line is shown (word, samples, state, guard 2's counts); a malformed
    one is reported and skipped; ``listen --learn`` needs ``--continuous``."""
    import io

    from glovexfer.cli import main
    from glovexfer.device.listen import Listener

    text, err = io.StringIO(), io.StringIO()
    lis = Listener(out=text, err=err)
    lis.feed_line("CALIB learn word=hello samples=9 state=on gain=510 loo=7/9->8/9")
    lis.feed_line("CALIB learn word=hello samples=9 state=maybe gain=510 loo=7/9->8/9")
    assert "learnt from 'hello': 9 samples, calibration on (gain 510; its own samples 7/9 -> 8/9)" in text.getvalue()
    assert "malformed CALIB learn line" in err.getvalue()
    assert main(["listen", "--port", "native", "--learn"]) == 2
    assert "add --continuous" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["native", "qemu-arm"])
def test_demo_continuous_ends_with_the_golden_decoded_text(device, golden, capsys, continuous_glove, unavailable):
    """``glovexfer demo --continuous [--device qemu-arm]`` streams one simulated session (from
    DigiLeTs, or the shipped one of that phrase without it) to the virtual glove or the
    emulated Cortex-M4F; its last line is the decoded text, the golden twin's words of the
    same session."""
    from glovexfer.cli import main
    from glovexfer.device.build import shipped_writing_dir
    from glovexfer.device.demo import continuous_session
    from glovexfer.nets.writing import StreamWord, continuous_stream

    if shipped_writing_dir() is None:
        pytest.skip("no shipped models/glove/firmware_writing: no continuous-writing glove")
    if device != "native":
        from glovexfer.device.qemu import missing_tools, target_of

        miss = missing_tools(target_of(device))
        if miss:
            unavailable(f"{device}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    text = "hello world"
    assert main(["demo", "--continuous", "--fast", "--text", text, "--seed", "1", "--device", device]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    s = continuous_session(text, 1)
    assert [len(w) for w in s.text.split(" ")] == [5, 5] and len(s.spans) == 10
    g = [e for e in continuous_stream(s.counts, golden["spotter"], golden["nets"], golden["lexicon"])
         if isinstance(e, StreamWord)]
    assert last == " ".join(w.word or w.raw for w in g)


def test_demo_session_without_digilets_is_the_shipped_one(monkeypatch, digilets_dir):
    """Without the data set the demo streams the shipped session of the phrase, which is the
    one the data set would give; another phrase is refused with the shipped ones named."""
    from glovexfer.device.demo import continuous_session
    from glovexfer.errors import GloveXferError

    made = continuous_session("air writing", 0, digilets=digilets_dir)
    monkeypatch.setenv("GLOVEXFER_DIGILETS", "/nonexistent")
    monkeypatch.chdir("/")
    shipped = continuous_session("air writing", 0)
    assert np.array_equal(made.counts, shipped.counts) and made.spans.tolist() == shipped.spans.tolist()
    with pytest.raises(GloveXferError, match="--text 'hello world' --seed 0"):
        continuous_session("words nobody shipped", 0)


#: simulated sessions streamed through each emulated MCU's UART (4.2 minutes of stream;
#: QEMU without -icount: 5-30 s of host time per target)
EMULATED_SESSIONS = 10


@pytest.mark.parametrize("name", ["qemu-arm", "qemu-riscv", "qemu-xtensa"])
def test_continuous_mode_bit_exact_on_emulated_mcu(name, unavailable, writing_models, golden, sessions):
    """The emulated MCUs' app (gx_app, built with the spotter and the lexicon: QEMU
    mps2-an386 Cortex-M4F, virt RV32IMC, sim Xtensa LX106) in continuous mode on its UART:
    every LETTER and WORD line of the first 10 simulated sessions equals the golden twin's
    (on each target 120 letters and 28 words, all 28 decoded by the lexicon; 0 mismatches)."""
    from glovexfer.device.continuous import stream_session
    from glovexfer.device.qemu import open_qemu
    from glovexfer.nets.writing import StreamLetter, StreamWord, continuous_stream

    t = _qemu_with_lexicon(unavailable, name)
    n = EMULATED_SESSIONS
    mismatches, letters, words, decoded = [], 0, 0, 0
    t0 = time.monotonic()
    with open_qemu(t, model_dir=writing_models, timeout=60) as dev:
        assert dev.banner.fields["spotter"].startswith("gxmodel/2 spotter"), dev.banner.raw
        assert dev.banner.fields["lexicon"].startswith("gxlex/2 "), dev.banner.raw
        dev.set_mode("continuous")
        for i in range(n):
            got = stream_session(dev, sessions[i].counts)
            assert not [x for x in got if x.startswith("ERR")], got
            want = continuous_stream(sessions[i].counts, golden["spotter"], golden["nets"], golden["lexicon"])
            mismatches += [f"session {i}: {m}" for m in compare_events(parse_events(got), want)]
            letters += sum(isinstance(e, StreamLetter) for e in want)
            words += sum(isinstance(e, StreamWord) for e in want)
            decoded += sum(isinstance(e, StreamWord) and e.word is not None for e in want)
    print(f"{name}: {n} simulated sessions, {letters} letters, {words} words ({decoded} decoded), "
          f"{len(mismatches)} mismatches, {time.monotonic() - t0:.0f} s")
    assert mismatches == []
    assert letters > 8 * n and words >= 2 * n and decoded > words // 2


def _qemu_with_lexicon(unavailable, name: str = "qemu-arm"):
    """The emulated target ``name``, once its tools and the shipped lexicon are there."""
    from glovexfer.device.qemu import missing_tools, target_of

    t = target_of(name)
    miss = missing_tools(t)
    if miss:
        unavailable(f"{name}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    if not (ROOT / "models" / "glove" / "firmware" / "gx_lexicon.cpp").is_file():
        pytest.skip("no shipped gx_lexicon.cpp: gx_app has no lexicon")
    return t


def test_continuous_mode_calibrated_bit_exact_on_emulated_mcu(unavailable, writing_models, golden, sessions):
    """The same calibrated continuous writing on the emulated Cortex-M4F (gx_app on QEMU
    mps2-an386, over its UART): a K = 2 set built with the calib dialogue (the wearer whose b
    and d are the model's d and b: its chosen gain is larger than the smallest candidate, so the
    32-bit target computes the bonus and the calibrated outputs of a larger gain), switched on, then 3 sessions
    streamed; every LETTER (cal=on) and WORD line equals the golden twin's."""
    from glovexfer.device import calibrate as C
    from glovexfer.device.continuous import stream_session
    from glovexfer.device.qemu import open_qemu
    from glovexfer.nets.writing import continuous_stream

    t = _qemu_with_lexicon(unavailable)
    picks, on = _calibration_set(sessions, golden, 2, "bd")
    assert on is not None and on.gain > G.GAINS[0], "this set passes guard 2 with a larger gain (natively checked too)"
    with open_qemu(t, model_dir=writing_models, timeout=60) as dev:
        C.clear(dev)
        for ch, w, suspicious in picks:
            o = C.add_sample(dev, ch, w, confirm=True)
            assert o.stored and o.suspect == suspicious, (ch, o)
        assert C.switch_on(dev)[0]
        assert C.show(dev).gain == on.gain
        dev.set_mode("continuous")
        for i in range(3):
            got = stream_session(dev, sessions[i].counts)
            assert not [x for x in got if x.startswith("ERR")], got
            want = continuous_stream(sessions[i].counts, golden["spotter"], golden["nets"], golden["lexicon"], calibration=on)
            assert compare_events(parse_events(got), want) == [], (i, compare_events(parse_events(got), want)[:3])
            assert all(" cal=on" in x for x in got if x.startswith("LETTER"))


@pytest.mark.parametrize("name", ["qemu-arm", "qemu-riscv", "qemu-xtensa"])
def test_continuous_mode_learning_bit_exact_on_emulated_mcu(name, unavailable, writing_models, golden, sessions):
    """``calib learn on`` on the emulated Cortex-M4F, RV32IMC and Xtensa LX106 (gx_app under
    QEMU, over its UART): from an empty set, 4 sessions streamed one after the other; every
    LETTER, WORD and CALIB learn line equals the golden twin's (the 32-bit targets seal the
    learnt set, choose its gain and decide the later letters with it, letters of 3 samples
    by their means too)."""
    from glovexfer.device import calibrate as C
    from glovexfer.device.continuous import stream_session
    from glovexfer.device.qemu import open_qemu
    from glovexfer.nets.writing import StreamLearn

    t = _qemu_with_lexicon(unavailable, name)
    n = 4
    want, learning = _learning_streams(golden, sessions, n)
    # some letter reaches 3 samples: the target also computes spec v5's letter means
    assert max(len(s) for s in learning.cal.samples) == G.K_MAX
    with open_qemu(t, model_dir=writing_models, timeout=60) as dev:
        C.clear(dev)
        C.learn(dev, True)
        dev.set_mode("continuous")
        for i in range(n):
            got = stream_session(dev, sessions[i].counts)
            assert not [x for x in got if x.startswith("ERR")], got
            assert compare_events(parse_events(got), want[i]) == [], (i, compare_events(parse_events(got), want[i])[:3])
    ons = [e.on for w in want for e in w if isinstance(e, StreamLearn)]
    # the set was on after a teaching word that later words followed: their letters were
    # decided and decoded with it (guard 2 may switch it off again, as at these 4 sessions' end)
    assert len(ons) >= 4 and any(ons[:-1]), ons


class _FakeGlove:
    """A glove for ``listen``: continuous mode works, ``calib learn on`` answers ``answer``;
    then nothing more comes."""

    name, timeout, reopen = "fake", 1.0, None

    def __init__(self, answer: str):
        self.banner = parse_line('READY proto=3 lexicon="none"')
        self.answer, self.sent, self.pending = answer, [], []

    def set_mode(self, mode):
        self.sent.append(f"mode {mode}")

    def write_line(self, line):
        self.sent.append(line)
        if line.startswith("calib learn"):
            self.pending.append(parse_line(self.answer))

    def read_message(self, timeout=None):
        return self.pending.pop(0) if self.pending else None

    def read_line(self, timeout=None):
        return None


def test_listen_learns_where_the_glove_can():
    """``listen --continuous`` switches learning on by default; a glove that cannot learn gets
    a warning and is listened to all the same, unless --learn insists (an error)."""
    import io

    from glovexfer.device.listen import listen
    from glovexfer.errors import GloveXferError

    g = _FakeGlove("OK calib learn on")
    listen(g, continuous=True, timeout=0.1, out=io.StringIO(), err=io.StringIO(), decode=False)
    assert g.sent[:2] == ["mode continuous", "calib learn on"]
    g, err = _FakeGlove("ERR E_CALIB calib learn: needs continuous writing with the lexicon"), io.StringIO()
    listen(g, continuous=True, timeout=0.1, out=io.StringIO(), err=err, decode=False)
    assert "does not learn from the words it decodes" in err.getvalue()
    with pytest.raises(GloveXferError, match="E_CALIB"):
        listen(_FakeGlove("ERR E_CALIB no"), continuous=True, learn=True, timeout=0.1, out=io.StringIO(), err=io.StringIO())
    g = _FakeGlove("OK calib learn on")
    listen(g, continuous=True, learn=False, timeout=0.1, out=io.StringIO(), err=io.StringIO(), decode=False)
    assert "calib learn on" not in g.sent
