"""The C++ int8 networks (firmware/core/network.cpp) are bit-exact with the golden model.

Briefly trains the paper BiLSTM and CNN (1 epoch on synthetic data), converts both to int8
(``to_int8_tflite``), exports them as C++ model data (``glovexfer.export.model_data``),
builds firmware/ with ``-DGX_MODEL_DIR`` (gx_test_int8) and compares every layer output
(``Int8Network.run(return_all=True)``) and the logits for >= 200 inputs per network:
calibrated inputs, uniform random int8 and extremes.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

LSTM_ORDER = ["reversed", "lstm_bwd", "slice_bwd", "lstm_fwd", "slice_fwd", "concat", "logits"]
CNN_ORDER = ["conv1", "pool1", "conv2", "pool2", "reshape", "hidden", "logits"]
_HAVE_TF = all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras"))


def _inputs(net, x_float, rng, n_random=100) -> np.ndarray:
    from test_golden_int8 import extremes

    shape = net.input_shape[1:]
    return np.concatenate(
        [
            net.quantize_input(x_float),
            rng.integers(-128, 128, (n_random, *shape)).astype(np.int8),
            extremes(shape, rng),
        ]
    )


def _write_vectors(path: Path, kind: str, net, x: np.ndarray) -> None:
    from glovexfer.export.model_data import layer_roles

    _, layers = net.run(x, return_all=True)
    roles = dict(zip(layer_roles(net), (lo.value for lo in layers)))
    order = LSTM_ORDER if kind == "lstm" else CNN_ORDER
    parts = [x.reshape(len(x), -1)] + [roles[r].reshape(len(x), -1) for r in order]
    rec = np.concatenate(parts, axis=1).astype(np.int8)
    with open(path, "wb") as f:
        f.write(f"gxint8 1 {kind} {len(x)}\n".encode())
        f.write(rec.tobytes())


@pytest.fixture(scope="module")
def built(tmp_path_factory, fw_build_tools):
    if not _HAVE_TF:
        pytest.skip("needs tensorflow and tf_keras (pip install 'glovexfer[train]') to make the int8 models")
    from glovexfer.export.model_data import write_model_source
    from glovexfer.nets.tflite import to_int8_tflite
    from glovexfer.golden import load_int8_model
    from glovexfer.nets import models as M
    from test_golden_int8 import render, synthetic_sequences

    M.tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    seq, y = synthetic_sequences(300, rng)
    img = render(seq)
    tmp = tmp_path_factory.mktemp("gxint8")
    gen = tmp / "model"
    nets, vecs = {}, {}
    for kind, model, x, lr in (("lstm", M.paper_lstm(), seq, M.PAPER_LSTM_LR), ("cnn", M.paper_cnn(), img, M.PAPER_CNN_LR)):
        M.compile_model(model, lr)
        model.fit(x[:200], M.keras.utils.to_categorical(y[:200], 26), epochs=1, batch_size=64, verbose=0)
        tfl = to_int8_tflite(model, x[:200], n_rep=64)
        write_model_source(tfl, kind, gen)
        nets[kind] = load_int8_model(tfl)
        xin = _inputs(nets[kind], x[200:300], rng)
        assert len(xin) >= 200
        vecs[kind] = tmp / f"{kind}.bin"
        _write_vectors(vecs[kind], kind, nets[kind], xin)
    exe = fw_models.cmake_build(tmp / "build", "gx_test_int8", (f"-DGX_MODEL_DIR={gen}",))
    return exe, vecs, gen


def _run(exe, lstm, cnn) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), str(lstm), str(cnn)], capture_output=True, text=True, timeout=300, check=False)


def test_firmware_int8_bit_exact(built):
    exe, vecs, _ = built
    r = _run(exe, vecs["lstm"], vecs["cnn"])
    print(r.stdout)
    lines = r.stdout.strip().splitlines()
    n = sum(int(p.read_bytes().split(b"\n", 1)[0].split()[3]) for p in vecs.values())
    assert n >= 400
    assert lines[-1] == f"{n} passed, 0 failed", r.stdout[-3000:]
    assert lines[-2].endswith(" 0 mismatches")
    assert r.returncode == 0


def test_firmware_int8_reports_mismatch(built, tmp_path):
    """A corrupted golden logit is caught and reported with network, layer and index."""
    exe, vecs, _ = built
    data = bytearray(vecs["lstm"].read_bytes())
    head = data.index(b"\n") + 1
    rec = 200 + 2 * 5000 + 2 * 50 + 100 + 200 + 26  # input, reversed, 2 seqs, 2 slices, concat, logits
    pos = head + rec - 26  # first logit of example 0
    data[pos] = (data[pos] + 1) % 256
    bad = tmp_path / "bad.bin"
    bad.write_bytes(bytes(data))
    r = _run(exe, bad, "-")
    assert r.returncode != 0
    n = int(data[:head].split()[3])
    assert r.stdout.strip().splitlines()[-1] == f"{n - 1} passed, 1 failed"
    assert "FIRST MISMATCH lstm example 0 layer logits index 0" in r.stdout


def test_model_source_checksum_and_version(built):
    """The generated sources carry a version string and the FNV-1a checksum the firmware verifies."""
    _, _, gen = built
    for kind in ("lstm", "cnn"):
        src = (gen / f"gx_model_{kind}.cpp").read_text()
        assert f"gxmodel/2 {kind} {kind} tflite-sha256:" in src
        assert "kBlobs" in src and "kQ[]" in src
