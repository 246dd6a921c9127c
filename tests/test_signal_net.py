"""The signal network on the device (firmware/core: gx_average_pool2d, gx_signal_net_run, the
recognizer's signal / fused_signal models) equals the golden model bit for bit.

* int8 AVERAGE_POOL_2D (and MAX_POOL_2D) vs golden/pool.py on random shapes, paddings,
  strides and activation ranges;
* every layer of the signal network (gx_test_int8) vs ``Int8Network.run(return_all=True)``
  on the golden signals of simulated recordings, random int8 and extreme inputs;
* gx_model_io.h's GxSignalIo vs golden ``signal_quantiser_of``;
* the virtual glove with LSTM + CNN + signal models: ``glovexfer parity`` on >= 200 simulated
  recordings and the golden vectors (signals stage, signal network, fused_signal), the
  streaming Recognizer with ``model signal`` / ``model fused_signal``, the 32-sample rule,
  a corrupted signal model at start-up, and real Chen 2021 letters (skips without the data).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.cli import main  # noqa: E402

SIGNAL_ORDER = ["conv1", "conv2", "pool1", "conv3", "conv4", "pool2", "logits"]


@pytest.fixture(scope="module")
def checker(fw_build_tools):
    return fw_models.build("gx_test_softmax", "nomodels", None)


@pytest.fixture(scope="module")
def sig_models(fw_build_tools):
    return fw_models.signal_model_dir()


@pytest.fixture(scope="module")
def sig_nets(sig_models):
    from glovexfer.device.parity import find_tflite
    from glovexfer.golden import load_int8_model

    return {k: load_int8_model(find_tflite(sig_models / f"gx_model_{k}.cpp", [sig_models]).read_bytes())
            for k in ("lstm", "cnn", "signal")}


@pytest.fixture(scope="module")
def sig_glove(sig_models):
    return fw_models.build("gx_glove", "signal", sig_models)


_session = fw_models.session


# ---------------------------------------------------------------------------------------
# pooling kernels
# ---------------------------------------------------------------------------------------
def _pool_cases(rng):
    """(kind, x (1, H, W, C) int8, PoolParams): random and the signal network's own."""
    from glovexfer.golden.pool import PoolParams

    cases = []
    for kind in ("avg", "max"):
        cases.append((kind, rng.integers(-128, 128, (1, 1, 16, 128)).astype(np.int8),
                      PoolParams(1, 16, 1, 16, "VALID", -128, 127)))
        cases.append((kind, rng.integers(-128, 128, (1, 1, 32, 64)).astype(np.int8),
                      PoolParams(1, 2, 1, 2, "VALID", -128, 127)))
    for _ in range(300):
        h, w, c = (int(v) for v in rng.integers(1, 9, 3))
        fh, fw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        sh, sw = (int(v) for v in rng.integers(1, 4, 2))
        lo = int(rng.choice([-128, -128, -60, 0]))
        hi = int(rng.choice([127, 127, 50]))
        pad = str(rng.choice(["VALID", "SAME"]))
        mode = rng.integers(0, 4)
        if mode == 0:  # ties: sums at exact halves
            x = rng.choice(np.array([-1, 0, 1], np.int8), (1, h, w, c))
        elif mode == 1:
            x = rng.choice(np.array([-128, 127], np.int8), (1, h, w, c))
        else:
            x = rng.integers(-128, 128, (1, h, w, c)).astype(np.int8)
        cases.append((str(rng.choice(["avg", "max"])), x, PoolParams(fh, fw, sh, sw, pad, lo, hi)))
    return cases


def test_pool_kernels_bit_exact(checker):
    from glovexfer.golden.conv import compute_padding
    from glovexfer.golden.pool import average_pool2d, max_pool2d

    rng = np.random.default_rng(7)
    cases = _pool_cases(rng)
    lines, want = [], []
    for kind, x, p in cases:
        _, h, w, c = x.shape
        oh, pad_t = compute_padding(p.padding, h, p.filter_h, p.stride_h)
        ow, pad_l = compute_padding(p.padding, w, p.filter_w, p.stride_w)
        y = (average_pool2d if kind == "avg" else max_pool2d)(x, p)
        assert y.shape == (1, oh, ow, c)
        head = [h, w, c, oh, ow, p.filter_h, p.filter_w, p.stride_h, p.stride_w, pad_t, pad_l, p.act_min, p.act_max]
        lines.append(f"pool {kind} " + " ".join(str(int(v)) for v in head + x.reshape(-1).tolist()))
        want.append("ok " + " ".join(str(int(v)) for v in y.reshape(-1)))
    got = _session(checker, lines)
    assert len(got) == len(want) == len(cases)
    bad = [i for i, (g, e) in enumerate(zip(got, want)) if g != e]
    assert bad == [], f"{len(bad)} of {len(cases)} pool cases differ; first #{bad[0]}: C++ {got[bad[0]]!r} golden {want[bad[0]]!r}"
    assert sum(k == "avg" for k, _, _ in cases) > 100


# ---------------------------------------------------------------------------------------
# the network's layers (gx_test_int8)
# ---------------------------------------------------------------------------------------
def _signal_inputs(net, rng) -> np.ndarray:
    from test_golden_int8 import extremes

    from glovexfer.golden.pipeline import run_golden
    from glovexfer.simulate.recordings import simulated_recordings
    from glovexfer.golden.recognise import network_input

    recs = simulated_recordings(120, seed=21)
    real = np.stack([network_input(run_golden(c, with_image=False, with_signals=True), net) for c in recs])
    shape = net.input_shape[1:]
    return np.concatenate([real, rng.integers(-128, 128, (100, *shape)).astype(np.int8), extremes(shape, rng)])


def test_signal_net_layers_bit_exact(sig_models, sig_nets, tmp_path):
    from glovexfer.export.model_data import layer_roles

    net = sig_nets["signal"]
    x = _signal_inputs(net, np.random.default_rng(3))
    assert len(x) >= 200
    _, layers = net.run(x, return_all=True)
    roles = dict(zip(layer_roles(net), (lo.value for lo in layers)))
    rec = np.concatenate([x.reshape(len(x), -1)] + [roles[r].reshape(len(x), -1) for r in SIGNAL_ORDER], axis=1)
    vec = tmp_path / "signal.bin"
    vec.write_bytes(f"gxint8 1 signal {len(x)}\n".encode() + rec.astype(np.int8).tobytes())
    exe = fw_models.build("gx_test_int8", "signal", sig_models)
    r = subprocess.run([str(exe), "-", "-", str(vec)], capture_output=True, text=True, timeout=300, check=False)
    print(r.stdout)
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"{len(x)} passed, 0 failed", r.stdout[-3000:]
    m = re.fullmatch(r"(\d+) values compared, 0 mismatches", lines[-2])
    assert m is not None and int(m.group(1)) == len(x) * (rec.shape[1] - 288)
    assert r.returncode == 0
    # a corrupted golden value is caught and named
    data = bytearray(vec.read_bytes())
    pos = data.index(b"\n") + 1 + rec.shape[1] - 26  # example 0, logit 0
    data[pos] = (data[pos] + 1) % 256
    bad = tmp_path / "bad.bin"
    bad.write_bytes(bytes(data))
    r = subprocess.run([str(exe), "-", "-", str(bad)], capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode != 0
    assert "FIRST MISMATCH signal example 0 layer logits index 0" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == f"{len(x) - 1} passed, 1 failed"


def test_signal_model_source_and_io(sig_models, sig_nets):
    from glovexfer.device.model_io import SignalIo, io_header_text, read_model_source
    from glovexfer.golden.recognise import signal_quantiser_of
    from glovexfer.golden.softmax import SoftmaxParams

    net = sig_nets["signal"]
    src = (sig_models / "gx_model_signal.cpp").read_text()
    assert "gxmodel/2 signal signal tflite-sha256:" in src and "constexpr GxSignalNetModel kModel" in src
    io = read_model_source(sig_models / "gx_model_signal.cpp")
    assert isinstance(io, SignalIo)
    offset, mult, shift, zp = signal_quantiser_of(net)
    assert (list(io.offset), list(io.mult), list(io.shift), io.zero_point) == (offset.tolist(), mult.tolist(), shift.tolist(), zp)
    sm = SoftmaxParams.from_scales(1.0, net.output_scale)
    assert (io.sm_mult, io.sm_shift, io.sm_diff_min) == (sm.input_multiplier, sm.input_left_shift, sm.diff_min)
    lstm, cnn = (read_model_source(sig_models / f"gx_model_{k}.cpp") for k in ("lstm", "cnn"))
    assert "kSignalIo" in io_header_text(lstm, cnn, io) and "GxSignalIo" not in io_header_text(lstm, cnn)


# ---------------------------------------------------------------------------------------
# the virtual glove
# ---------------------------------------------------------------------------------------
def test_parity_native_with_signal_network(sig_models, sig_glove, tmp_path, capsys):
    from glovexfer.export.vectors import write_vectors

    vec = tmp_path / "vec"
    write_vectors(vec, 20)
    n_vec = len((vec / "index.txt").read_text().split())
    rc = main(["parity", "--device", "native", "--model-dir", str(sig_models), "--models", str(sig_models),
               "--n", "200", "--vectors", str(vec)])
    out = capsys.readouterr().out
    print(out)
    m = re.search(r"(\d+) recordings, (\d+) values compared, (\d+) mismatches, (\d+) errors", out)
    assert m is not None, out
    n = 200 + n_vec
    assert int(m.group(1)) == n
    assert (m.group(3), m.group(4)) == ("0", "0")
    assert rc == 0
    sizes = {"signals": 32 * 9, "signal.input": 32 * 9, "signal.logits": 26, "signal.probs": 26, "signal.result": 1,
             "fused_signal.scores": 26, "fused_signal.result": 1, "lstm.probs": 26, "fused.scores": 26}
    for stage, size in sizes.items():
        s = re.search(rf"stage {re.escape(stage)}\s+values\s+(\d+) mismatches (\d+)", out)
        assert s is not None, stage
        assert (int(s.group(1)), s.group(2)) == (n * size, "0"), stage


def test_streaming_signal_models_equal_golden(sig_glove, sig_nets):
    from glovexfer.device.protocol import letter_of, parse_line, sample_line
    from glovexfer.simulate.recordings import simulated_recordings
    from glovexfer.golden.recognise import recognise

    recs = simulated_recordings(16, seed=13)
    lines, expect = [], []
    for model in ("signal", "fused_signal"):
        lines.append(f"model {model}")
        for c in recs:
            lines += ["start"] + [sample_line(s) for s in c]
            r = recognise(c, sig_nets["lstm"], net_signal=sig_nets["signal"])
            o = getattr(r, model)
            expect.append((model, o.letter, o.confidence_q8, [(t[0], t[2]) for t in o.top3]))
    out = [parse_line(x) for x in _session(sig_glove, lines)]
    assert out[0].kind == "READY" and out[0].fields["signal"].startswith("gxmodel/2 signal signal tflite-sha256:")
    assert out[0].fields["model"] == "fused_signal"  # the best model compiled in is the default
    assert [m.kind for m in out if m.kind == "ERR"] == []
    assert [" ".join(m.args) for m in out if m.kind == "OK"] == ["model signal", "model fused_signal"]
    letters = [letter_of(m) for m in out if m.kind == "LETTER"]
    assert len(letters) == len(expect) == 32
    for L, (model, letter, q8, top3) in zip(letters, expect):
        assert (L.model, L.letter, L.q8, L.top3) == (model, letter, q8, top3)


def test_signal_network_needs_whole_recording(sig_glove, sig_nets):
    """Fewer than 32 samples: the signals stage is reported (golden values), the signal
    network is not; with the signal network selected the replay is refused."""
    from glovexfer.device.protocol import parse_line, replay_line, stage_of
    from glovexfer.golden.pipeline import run_golden
    from glovexfer.simulate.recordings import simulated_recordings

    c = simulated_recordings(1, seed=4)[0][:20]
    # the default model of a firmware with a signal network is fused_signal: pick one without it first
    out = [parse_line(x) for x in _session(sig_glove, ["model fused", replay_line(c), "model signal", replay_line(c)])]
    stages = {stage_of(m).name: stage_of(m).values for m in out if m.kind == "STAGE"}
    want = run_golden(c, with_image=False, with_signals=True).signals
    assert np.array_equal(stages["signals"].astype(np.int64), want.reshape(-1).astype(np.int64))
    assert not any(k.startswith("signal.") or k.startswith("fused_signal") for k in stages)
    assert {m.args[0] for m in out if m.kind == "RESULT"} == {"lstm", "cnn", "fused"}
    assert out[-1].kind == "ERR" and out[-1].args[0] == "E_PIPELINE" and "32 samples" in out[-1].args[1]


def test_corrupt_signal_model_detected_at_startup(sig_models, tmp_path):
    bad = tmp_path / "models"
    shutil.copytree(sig_models, bad, ignore=shutil.ignore_patterns("*.tflite"))
    fw_models.corrupt_first_weight(bad / "gx_model_signal.cpp")
    exe = fw_models.build("gx_glove", "signal-corrupt", bad)
    out = _session(exe, ["model signal", "model fused"])
    assert out[0].startswith("ERR E_MODEL signal model") and "checksum" in out[0]
    assert out[1].startswith("READY ") and " model=fused " in out[1]
    assert out[2].startswith("ERR E_MODEL model: signal unavailable: signal model refused at start-up")
    assert out[3] == "OK model fused"


def test_chen2021_letters_signal_parity(chen2021_dir, sig_models, sig_nets, sig_glove):
    """Real pen letters (Chen 2021 as the firmware's counts) through the virtual glove: every
    stage, the signal network and fused_signal equal the golden model."""
    from glovexfer.chen.counts import parity_recordings
    from glovexfer.device.parity import run_parity
    from glovexfer.device.transport import open_device

    recs = parity_recordings(chen2021_dir, 4)
    with open_device("native", binary=sig_glove) as dev:
        rep = run_parity(dev, recs, sig_nets["lstm"], sig_nets["cnn"], progress=False, net_signal=sig_nets["signal"])
    print(f"{rep.recordings} recordings, {rep.values} values, {rep.mismatches} mismatches; {rep.per_stage}")
    assert rep.errors == [] and rep.mismatches == 0, rep.first
    assert rep.recordings == len(recs) == 60
    for stage in ("signals", "signal.logits", "signal.result", "fused_signal.scores", "fused_signal.result"):
        assert rep.per_stage[stage][0] > 0 and rep.per_stage[stage][1] == 0, stage
