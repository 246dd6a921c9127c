"""The firmware's recognition path equals the golden model's, bit for bit.

* int8 softmax (firmware/core/softmax.cpp) vs golden/softmax.py on >= 2000 logit vectors
  (random, extremes, ties, several output scales);
* fusion (gx_fuse) vs golden recognise.fuse, incl. ties;
* gx_model_io.h constants vs the golden quantisers of the .tflite files;
* the streaming Recognizer inside the virtual glove: raw samples one at a time (``start`` +
  32 ``s`` lines) give LETTER lines equal to golden ``recognise`` + ``fuse`` for LSTM, CNN
  and fused; idle samples give word breaks;
* the start-up check: a corrupted model is reported with an ERR line, the glove keeps running.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.golden.recognise import NetOutput, fuse  # noqa: E402
from glovexfer.golden.softmax import SoftmaxParams, softmax_int8  # noqa: E402
from glovexfer.params import LETTERS  # noqa: E402


@pytest.fixture(scope="module")
def tools(unavailable):
    why = fw_models.have_tools()
    if why:
        unavailable(why)


@pytest.fixture(scope="module")
def checker(tools):
    return fw_models.build("gx_test_softmax", "nomodels", None)


@pytest.fixture(scope="module")
def models(tools):
    return fw_models.model_dir()


@pytest.fixture(scope="module")
def nets(models):
    from glovexfer.device.parity import find_tflite
    from glovexfer.golden import load_int8_model

    return {k: load_int8_model(find_tflite(models / f"gx_model_{k}.cpp", [models, fw_models.ROOT / "models"]).read_bytes())
            for k in ("lstm", "cnn")}


@pytest.fixture(scope="module")
def glove(models):
    return fw_models.build("gx_glove", "models", models)


def _run_checker(exe, lines: list[str]) -> list[str]:
    r = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stderr
    out = r.stdout.strip().splitlines()
    assert len(out) == len(lines)
    return out


def _logit_vectors(rng) -> np.ndarray:
    v = [rng.integers(-128, 128, (1200, 26)), rng.integers(-10, 10, (300, 26)) * 3, rng.integers(100, 128, (200, 26))]
    ext = np.array([np.full(26, -128), np.full(26, 127), np.zeros(26), np.where(np.arange(26) % 2, 127, -128),
                    np.r_[127, np.full(25, -128)], np.r_[np.full(25, -128), 127]])
    v.append(ext)
    one_hot = np.full((26, 26), -128)
    np.fill_diagonal(one_hot, 127)
    v.append(one_hot)
    return np.concatenate(v).astype(np.int64)


def test_softmax_bit_exact(checker):
    rng = np.random.default_rng(7)
    x = _logit_vectors(rng)
    total = 0
    for scale in (0.0123, 0.0625, 0.1, 0.25, 0.5, 1.0):  # output scales of plausible int8 logits
        p = SoftmaxParams.from_scales(1.0, scale)
        want = softmax_int8(x, p)
        lines = [f"softmax {p.input_multiplier} {p.input_left_shift} {p.diff_min} " + " ".join(map(str, row))
                 for row in x]
        out = _run_checker(checker, lines)
        got = np.array([[int(t) for t in o.split()[1:]] for o in out])
        assert all(o.startswith("ok ") for o in out)
        bad = np.argwhere(got != want)
        assert bad.size == 0, f"scale {scale}: first mismatch at {bad[0]}: C++ {got[tuple(bad[0])]} golden {want[tuple(bad[0])]}"
        total += x.size
    assert total >= 2000 * 26
    print(f"softmax: {total} values compared equal")


def _net_out(probs) -> NetOutput:
    probs = np.asarray(probs, dtype=np.int64)
    z = np.zeros(26, np.int8)
    return NetOutput("x", z, z, 0, "a", probs, int(probs[0]), 0, [])


def test_fusion_bit_exact(checker):
    rng = np.random.default_rng(3)
    pairs = [rng.integers(0, 256, (2, 26)) for _ in range(500)]
    pairs += [rng.integers(0, 3, (2, 26)) for _ in range(200)]  # many ties
    pairs += [np.zeros((2, 26), int), np.full((2, 26), 255)]
    out = _run_checker(checker, ["fuse " + " ".join(map(str, np.r_[a, b])) for a, b in pairs])
    for (a, b), line in zip(pairs, out):
        f = fuse(_net_out(a), _net_out(b))
        v = [int(t) for t in line.split()]
        assert v[:26] == f.scores.tolist()
        assert v[26:] == [f.index, f.confidence_q8] + [LETTERS.index(t[0]) for t in f.top3]


def test_fuse_golden_properties():
    a = np.zeros(26, int)
    b = np.zeros(26, int)
    a[3], b[5] = 200, 200  # tie between d and f -> the lower index wins
    f = fuse(_net_out(a), _net_out(b))
    assert f.letter == "d" and f.scores[3] == 200 and f.confidence_q8 == 100
    assert [t[0] for t in f.top3] == ["d", "f", "a"]
    a[:], b[:] = 255, 255
    f = fuse(_net_out(a), _net_out(b))
    assert f.scores.max() == 510 and f.confidence_q8 == 255 and f.letter == "a"
    with pytest.raises(ValueError):
        fuse(_net_out(np.full(26, 256)), _net_out(a))


def test_model_io_constants(models, nets):
    from glovexfer.device.model_io import read_model_source
    from glovexfer.golden.raster import input_quantiser
    from glovexfer.golden.recognise import points_quantiser

    for kind, q in (("lstm", points_quantiser), ("cnn", input_quantiser)):
        io = read_model_source(models / f"gx_model_{kind}.cpp")
        net = nets[kind]
        assert (io.in_mult, io.in_shift) == q(float(net.input_scale))
        assert io.in_zero_point == int(net.input_zero_point)
        sm = SoftmaxParams.from_scales(1.0, net.output_scale)
        assert (io.sm_mult, io.sm_shift, io.sm_diff_min) == (sm.input_multiplier, sm.input_left_shift, sm.diff_min)


_session = fw_models.session


def test_streaming_recognizer_equals_golden(glove, nets):
    """Raw samples one at a time -> one LETTER per 32-sample window, equal to the golden
    decision of that window, for every model; idle samples between words -> WORD."""
    from glovexfer.device.protocol import letter_of, parse_line, sample_line
    from glovexfer.simulate.recordings import simulated_recordings
    from glovexfer.golden.recognise import recognise

    recs = simulated_recordings(24, seed=11)
    still = sample_line(np.r_[recs[0][0][:3], [0, 0, 0], recs[0][0][6:]].astype(np.int16))
    lines = []
    expect = []
    for model in ("lstm", "cnn", "fused"):
        lines.append(f"model {model}")
        for k, c in enumerate(recs):
            lines += [still] * 5 + ["start"] + [sample_line(s) for s in c]
            if k % 6 == 5:
                lines += [still] * 30  # word break
            r = recognise(c, nets["lstm"], nets["cnn"])
            o = r.fused if model == "fused" else getattr(r, model)
            q3 = [(t[0], t[2]) for t in o.top3]
            expect.append((model, o.letter, o.confidence_q8, q3))
    out = [parse_line(x) for x in _session(glove, lines)]
    letters = [letter_of(m) for m in out if m.kind == "LETTER"]
    assert [m.kind for m in out if m.kind == "ERR"] == []
    assert len(letters) == len(expect) == 72
    for L, (model, letter, q8, top3) in zip(letters, expect):
        assert (L.model, L.letter, L.q8, L.top3) == (model, letter, q8, top3)
    kinds = [m.kind for m in out if m.kind in ("LETTER", "WORD")]
    # 4 words of 6 letters per model: WORD after every 6th letter
    assert kinds == (["LETTER"] * 6 + ["WORD"]) * 12


def test_window_restart_and_partial_window(glove):
    """A second ``start`` restarts the window; a window cut short gives no letter."""
    from glovexfer.device.protocol import parse_line, sample_line
    from glovexfer.simulate.recordings import simulated_recordings

    c = simulated_recordings(1, seed=2)[0]
    lines = ["start"] + [sample_line(s) for s in c[:20]] + ["start"] + [sample_line(s) for s in c] + ["start"]
    lines += [sample_line(s) for s in c[:31]] + ["info"]
    out = [parse_line(x) for x in _session(glove, lines)]
    assert [m.kind for m in out] == ["READY", "LETTER", "INFO"]
    assert out[-1].fields["letters"] == "1" and out[-1].fields["samples"] == str(20 + 32 + 31)


def test_corrupt_model_detected_at_startup(models, tools, tmp_path):
    """A flipped weight byte fails the checksum: ERR E_MODEL line, the other model still works."""
    import re
    import shutil

    bad = tmp_path / "models"
    shutil.copytree(models, bad, ignore=shutil.ignore_patterns("*.tflite"))
    src = (bad / "gx_model_lstm.cpp").read_text()
    m = re.search(r"constexpr int8_t \w+\[\d+\] = \{\n\s*(-?\d+)", src)
    assert m is not None
    v = int(m.group(1))
    src = src[: m.start(1)] + str(v + 1 if v < 127 else v - 1) + src[m.end(1):]
    (bad / "gx_model_lstm.cpp").write_text(src)
    exe = fw_models.build("gx_glove", "corrupt", bad)
    out = _session(exe, ["info", "model lstm", "model cnn"])
    assert out[0].startswith("ERR E_MODEL lstm model") and "checksum" in out[0]
    assert out[1].startswith("READY ") and " model=cnn " in out[1]
    assert out[3].startswith("ERR E_MODEL model: lstm unavailable: lstm model refused at start-up")
    assert out[4] == "OK model cnn"


def test_demo_fast_prints_recognised_text(models, nets, capsys):
    """``glovexfer demo --text TEXT --fast``: the letters come from the firmware (virtual
    glove); its last line is the recognised text, equal to the golden fused decisions of the
    streamed recordings, with the words where the phrase has them."""
    from glovexfer.cli import demo_set_path, main
    from glovexfer.data.recordings import RecordingSet
    from glovexfer.device.demo import phrase_stream
    from glovexfer.golden.recognise import recognise

    text = "hi there"
    assert main(["demo", "--text", text, "--fast", "--model-dir", str(models)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    rs = RecordingSet.load(demo_set_path())
    _, used = phrase_stream(text, rs, sorted(set(rs.users.tolist()))[0], np.random.default_rng(0))
    letters = [recognise(c, nets["lstm"], nets["cnn"]).fused.letter for c in used]
    assert out[-1] == "".join(letters[:2]) + " " + "".join(letters[2:])
    assert sum(line.startswith("  letter '") for line in out) == 7


def test_memory_budget(models):
    """Static RAM + measured stack of one recognition < 64 KiB for LSTM, CNN and fused; the
    stages and the networks share their storage; a firmware built for one model is smaller."""
    from glovexfer.device.memory import TARGET_BYTES, measure

    m = measure(models, n=5, build_dir=fw_models.ROOT / "build" / "test-fw-models")
    for k in ("lstm", "cnn", "fused"):
        assert 0 < m["stack"][k] < 16 * 1024
        assert m["static_per_model"][k] + m["stack"][k] < TARGET_BYTES, (k, m)
        # the pre-network stages keep only what the next stage needs (the spline's work
        # arrays live in the stages' work area): 1160 B of stack measured (x86-64; the
        # deepest frames are the LSTM kernel's, the rasteriser's and the Madgwick update's)
        assert m["stack"][k] <= 1128 + 128, (k, m["stack"])
    b = m["buffers"]
    # the pre-network stages (GxStages 7640 B: the networks' inputs + one shared work area)
    # and the networks' scratch (the CNN's 9952 B; the LSTM's with its kernel state fits in
    # it) share one union: the recogniser holds the larger of the two plus GxRecognition
    assert b["stages"] <= 7640 + 64 and b["recognition"] <= 1708 + 64, b
    assert b["net_scratch"] == max(b["lstm_scratch"], b["cnn_scratch"], b["signal_scratch"]), b
    assert max(b["stages"], b["net_scratch"]) + b["recognition"] <= b["recognizer"], b
    assert b["recognizer"] <= max(b["stages"], b["net_scratch"]) + b["recognition"] + 16, b
    # the measured sections hold at least the buffers the code declares
    assert m["firmware_static"] >= b["recognizer"] + b["app"] - 64
    # a firmware built for one model (select.h) carries only its networks' buffers: the
    # LSTM's neither the image, the rasteriser's work area nor the CNN's scratch and input
    s = m["static_per_model"]
    assert s["lstm"] + 4096 < s["cnn"] <= s["fused"] <= m["firmware_static"], s
    assert s["lstm"] + m["stack"]["lstm"] <= 8 * 1024, (s, m["stack"])


def test_auto_start_on_motion(glove, nets):
    """``auto on``: a still glove gives nothing; the first sample with a gyro axis above
    kGxAutoStartGyro (3000 counts) opens a window of 32 samples (that one included)."""
    from glovexfer.device.protocol import letter_of, parse_line, sample_line
    from glovexfer.golden.recognise import recognise

    base = np.array([100, -200, 2048, 0, 0, 0, 300, 0, -400], np.int16)
    moving = np.tile(base, (32, 1))
    moving[:, 3] = 3001 + 37 * np.arange(32)  # a steady turn, starting above the threshold
    moving[:, 5] = -(1500 + 11 * np.arange(32))
    still = sample_line(base)
    lines = ["auto on"] + [still] * 40 + [sample_line(s) for s in moving] + [still] * 30
    lines += ["auto off"] + [sample_line(s) for s in moving] + ["info"]
    out = [parse_line(x) for x in _session(glove, lines)]
    kinds = [m.kind for m in out]
    assert kinds == ["READY", "OK", "LETTER", "WORD", "OK", "INFO"], kinds
    r = recognise(moving, nets["lstm"], nets["cnn"]).fused
    L = letter_of(out[2])
    assert (L.letter, L.q8) == (r.letter, r.confidence_q8)


def test_stationary_window_is_refused(glove):
    """A window of a glove held still (any pose, zero or tiny gyro) is no letter: ERR
    E_NO_MOTION, no LETTER, no word; the same samples replayed still give every stage."""
    from glovexfer.device.protocol import parse_line, replay_line, sample_line

    rng = np.random.default_rng(1)
    still = np.tile(np.array([300, -500, 2000, 0, 0, 0, 250, 40, -380], np.int16), (32, 1))
    jitter = still.copy()
    jitter[:, 3:6] = rng.integers(-3, 4, (32, 3))  # gyro noise of a still hand
    zero = np.zeros((32, 9), np.int16)
    lines = []
    for w in (still, jitter, zero):
        lines += ["start"] + [sample_line(s) for s in w]
    lines += [sample_line(still[0])] * 30 + [replay_line(still), "info"]
    out = [parse_line(x) for x in _session(glove, lines)]
    kinds = [m.kind for m in out if m.kind != "STAGE" and m.kind != "RESULT"]
    assert kinds == ["READY", "ERR", "ERR", "ERR", "END", "INFO"], kinds
    assert all(m.args[0] == "E_NO_MOTION" for m in out if m.kind == "ERR")
    assert out[-1].fields["letters"] == "0"
