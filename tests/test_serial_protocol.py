"""The serial line protocol (docs/serial-protocol.md) of the firmware app, over stdin/stdout
of the host-native build and over the pseudo-terminal transport that host tools use for real
gloves: banner, info, model selection, replay, and hostile lines (garbage, over-long,
truncated, unknown) that get an ERR line while the device keeps running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.device.protocol import (  # noqa: E402
    MAX_LINE,
    PROTO_VERSION,
    ProtocolError,
    letter_of,
    parse_line,
    replay_line,
    sample_line,
    stage_of,
)
from glovexfer.errors import GloveXferError  # noqa: E402


def session(exe, data: bytes | str, timeout=120) -> list[str]:
    if isinstance(data, str):
        data = data.encode()
    r = subprocess.run([str(exe)], input=data, capture_output=True, timeout=timeout, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode("ascii").splitlines()


# ---------------------------------------------------------------------------- host side
def test_parse_and_format_lines():
    m = parse_line('READY proto=1 fw=0.1.0 board=native model=fused lstm="gxmodel/2 lstm lstm tflite-sha256:ab" cnn="none"\n')
    assert m.kind == "READY" and m.fields["lstm"] == "gxmodel/2 lstm lstm tflite-sha256:ab" and m.fields["cnn"] == "none"
    L = letter_of(parse_line("LETTER h q8=201 top3=h:201,n:30,k:3 model=fused n=4"))
    assert (L.letter, L.q8, L.top3, L.model, L.n) == ("h", 201, [("h", 201), ("n", 30), ("k", 3)], "fused", 4)
    assert abs(L.confidence - 201 / 256) < 1e-12
    e = parse_line("ERR E_UNKNOWN unknown command or wrong number of fields \"x\"")
    assert e.args == ["E_UNKNOWN", 'unknown command or wrong number of fields "x"']
    st = stage_of(parse_line("STAGE euler i32 3 ffffffff7fffffff80000000"))
    assert st.name == "euler" and st.values.tolist() == [-1, 2**31 - 1, -(2**31)]
    assert stage_of(parse_line("STAGE x i8 2 80ff")).values.tolist() == [-128, -1]
    assert stage_of(parse_line("STAGE x u16 1 01fe")).values.tolist() == [510]
    with pytest.raises(ProtocolError):
        stage_of(parse_line("STAGE x i8 3 80ff"))
    with pytest.raises(ProtocolError):
        letter_of(parse_line("LETTER 7 q8=1 top3=a:1,b:1,c:1"))
    c = np.zeros((32, 9), np.int16)
    c[0, 0], c[31, 8] = -32768, 32767
    line = replay_line(c)
    assert line.startswith("replay 32 8000") and line.endswith("7fff") and len(line) <= MAX_LINE
    assert sample_line(c[0]) == "s -32768 0 0 0 0 0 0 0 0"
    with pytest.raises(GloveXferError):
        replay_line(np.zeros((33, 9), np.int16))
    with pytest.raises(GloveXferError):
        sample_line(np.full(9, 40000))


# ---------------------------------------------------------------------------- device side
def test_banner_info_and_model_selection(glove):
    out = session(glove, "info\nmodel lstm\nmodel cnn\nmodel fused\nmodel svm\nmodel\nauto on\nauto off\nreset\n")
    ready = parse_line(out[0])
    assert ready.kind == "READY" and ready.fields["proto"] == str(PROTO_VERSION) and ready.fields["model"] == "fused"
    assert ready.fields["lstm"].startswith("gxmodel/2 ") and ready.fields["cnn"].startswith("gxmodel/2 ")
    info = parse_line(out[1])
    assert info.kind == "INFO" and int(info.fields["ram_core"]) > 0 and info.fields["board"] == "native"
    assert out[2:5] == ["OK model lstm", "OK model cnn", "OK model fused"]
    assert out[5].startswith("ERR E_ARGS") and out[6].startswith("ERR E_ARGS")
    assert out[7:] == ["OK auto on", "OK auto off", "OK reset"]


HOSTILE = [
    (b"\x00\x01\x02\xff\xfe\n", "E_GARBAGE"),
    (b"info\x7f\n", "E_GARBAGE"),
    (b"x" * (MAX_LINE + 1) + b"\n", "E_TOO_LONG"),
    (b"replay 32 " + b"0" * 5000 + b"\n", "E_TOO_LONG"),
    (b"replay 32 " + b"00" * 100 + b"\n", "E_TRUNCATED"),
    (b"replay 2\n", "E_TRUNCATED"),
    (b"replay 1 " + b"0" * 35 + b"\n", "E_TRUNCATED"),
    (b"replay 1 " + b"0" * 37 + b"\n", "E_ARGS"),
    (b"replay 1 " + b"g" * 36 + b"\n", "E_ARGS"),
    (b"replay 0 \n", "E_ARGS"),
    (b"replay 33 00\n", "E_ARGS"),
    (b"replay -1 00\n", "E_ARGS"),
    (b"replay 99999999999 00\n", "E_ARGS"),
    (b"s 1 2 3\n", "E_ARGS"),
    (b"s 1 2 3 4 5 6 7 8 32768\n", "E_ARGS"),
    (b"s 1 2 3 4 5 6 7 8 -32769\n", "E_ARGS"),
    (b"s 1 2 3 4 5 6 7 8 0x10\n", "E_ARGS"),
    (b"s 1 2 3 4 5 6 7 8 9 10 11 12 13\n", "E_ARGS"),
    (b"launch missiles\n", "E_UNKNOWN"),
    (b"INFO\n", "E_UNKNOWN"),
    (b"start now\n", "E_UNKNOWN"),
]


@pytest.mark.parametrize("data,code", HOSTILE, ids=[f"{i}-{c}" for i, (_, c) in enumerate(HOSTILE)])
def test_hostile_line_gets_error_and_device_keeps_running(glove, data, code):
    out = session(glove, data + b"info\n")
    assert out[0].startswith("READY ")
    assert out[1].startswith(f"ERR {code} "), out[1]
    assert out[2].startswith("INFO "), "the device must keep answering after a bad line"
    assert len(out) == 3


def test_random_bytes_session_keeps_running(glove):
    rng = np.random.default_rng(5)
    data = rng.integers(0, 256, 20000, dtype=np.uint8).tobytes()
    out = session(glove, data + b"\ninfo\n")
    assert out[-1].startswith("INFO ")
    assert all(x.split(" ")[0] in ("READY", "ERR", "INFO", "OK", "LETTER", "WORD", "STAGE", "RESULT", "END") for x in out)
    assert sum(x.startswith("ERR ") for x in out) >= 1


def test_crlf_comments_and_blank_lines(glove):
    out = session(glove, "# a comment\r\n\r\n   \ninfo\r\n")
    assert len(out) == 2 and out[1].startswith("INFO ")


def test_replay_reports_every_stage(glove):
    from glovexfer.simulate.recordings import simulated_recordings

    c = simulated_recordings(1, seed=4)[0]
    out = [parse_line(x) for x in session(glove, replay_line(c) + "\n")]
    names = [m.args[0] for m in out if m.kind == "STAGE"]
    assert names == ["quaternions", "euler", "points", "normalised", "smoothed", "thin_keep", "thinned", "resampled",
                     "image", "lstm.input", "lstm.logits", "lstm.probs", "cnn.input", "cnn.logits", "cnn.probs",
                     "fused.scores"]
    assert [m.args[0] for m in out if m.kind == "RESULT"] == ["lstm", "cnn", "fused"]
    assert out[-1].kind == "END" and out[-1].fields["n"] == "32"
    # a replay does not disturb a window being collected
    lines = ["start"] + [sample_line(s) for s in c[:10]] + [replay_line(c)] + [sample_line(s) for s in c[10:]]
    out = [parse_line(x) for x in session(glove, "\n".join(lines) + "\n")]
    assert [m.kind for m in out].count("LETTER") == 1


def test_short_and_extreme_replays(glove):
    """1..32 samples, int16 extremes, saturated and stationary gloves: every intermediate or
    an ERR line, never a crash."""
    cases = [np.zeros((1, 9), np.int16), np.zeros((32, 9), np.int16), np.full((32, 9), 32767, np.int16),
             np.full((32, 9), -32768, np.int16), np.tile(np.array([0, 0, 2048, 0, 0, 0, 300, 0, -400], np.int16), (32, 1)),
             np.where(np.arange(32 * 9).reshape(32, 9) % 2, 32767, -32768).astype(np.int16)]
    out = session(glove, "".join(replay_line(c) + "\n" for c in cases) + "info\n")
    ends = [x for x in out if x.startswith("END ") or x.startswith("ERR ")]
    assert len(ends) == len(cases)
    assert out[-1].startswith("INFO ")


def test_pty_transport(models):
    """The virtual glove behind a pseudo-terminal, opened with pyserial like a real glove."""
    from glovexfer.device.transport import TRANSPORTS, open_device
    from glovexfer.simulate.recordings import simulated_recordings

    assert "native" in TRANSPORTS
    exe = fw_models.build("gx_glove", "models", models)
    with open_device("native", binary=exe) as dev:
        assert dev.banner.kind in ("READY", "INFO") and dev.banner.fields["proto"] == str(PROTO_VERSION)
        assert dev.name.startswith("native(/dev/")
        dev.select_model("cnn")
        dev.write_raw(b"\xff\xfe garbage\n")
        assert dev.read_message().args[0] == "E_GARBAGE"
        ans = dev.replay(simulated_recordings(1, seed=3)[0])
        assert ans[-1].kind == "END"
        assert dev.info().fields["model"] == "cnn"
    with pytest.raises(GloveXferError):
        open_device("no-such-device")


def test_listen_on_virtual_glove_pty(models, capsys, monkeypatch):
    """``glovexfer listen --port <pty>``: the virtual glove's pty is opened like a real glove's
    port; letters arrive as another client streams samples, and words are built."""
    import threading
    import time

    import serial

    from glovexfer.cli import main
    from glovexfer.device.transport import start_native
    from glovexfer.simulate.recordings import simulated_recordings

    import glovexfer.device.listen as L

    opened = threading.Event()

    class Listener(L.Listener):  # created once the port is open (its input flushed)
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            opened.set()

    monkeypatch.setattr(L, "Listener", Listener)
    exe = fw_models.build("gx_glove", "models", models)
    proc, pty = start_native(binary=exe)
    try:
        recs = simulated_recordings(3, seed=8)
        still = sample_line(np.r_[recs[0][0][:3], [0, 0, 0], recs[0][0][6:]].astype(np.int16))

        def feed():
            assert opened.wait(60)
            with serial.Serial(pty, timeout=0.1) as w:
                lines = []
                for c in recs:
                    lines += ["start"] + [sample_line(s) for s in c] + [still] * 3
                lines += [still] * 30
                w.write(("\n".join(lines) + "\n").encode())
                w.flush()
                time.sleep(1.0)

        t = threading.Thread(target=feed)
        t.start()
        rc = main(["listen", "--port", pty, "--count", "3", "--timeout", "60"])
        t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    out = capsys.readouterr().out
    assert rc == 0
    assert out.count("  letter '") == 3, out
    text = out.strip().splitlines()[-1]
    assert text.startswith("text: ") and len(text.removeprefix("text: ").replace(" ", "")) == 3
