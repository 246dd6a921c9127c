"""Model integrity on the device: the start-up check covers every field the networks read
and range-checks every index, shift and dimension (firmware/core/model_check.cpp); a refused
model is not advertised, says why in READY/INFO, answers ``model X`` with ``ERR E_MODEL``,
and ``parity`` reports "model refused" (docs/serial-protocol.md).

* ``gx_test_verify`` (firmware/test/test_verify.cpp, ASan + UBSan): every scalar field, sample
  elements of every array and the io constants, changed one at a time, are refused; hostile
  values of the index/shift/dimension/clamp classes are refused by the range checks even
  with recomputed checksums; gx_recognise trusts the verified-models table;
* generated sources edited the way a corrupted export would be: a gate ``n_mult`` set to 50
  (was accepted and read out of bounds) and an input scale comment from which
  ``gx_model_io.h`` is derived (was accepted; 98 of 156 results differed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAN = "-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1"


def _env():
    import os

    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def _verify(model_dir, flavour):
    exe = fw_models.build("gx_test_verify", flavour, model_dir, extra_flags=SAN)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600, check=False, env=_env())
    print(r.stdout[-2000:])
    assert "ERROR: AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr[-4000:]
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    m = re.search(r"mutants (\d+) refused (\d+); resigned (\d+) refused (\d+)", r.stdout)
    assert m is not None, r.stdout
    mutants, refused, resigned, rrefused = map(int, m.groups())
    assert mutants > 1000 and refused == mutants and resigned > 100 and rrefused == resigned
    for cls in ("dim", "index", "n_mult", "shift", "multiplier", "offset", "act", "weight", "bias", "io", "info"):
        c = re.search(rf"class {cls}\s+mutants\s+(\d+) refused\s+(\d+)", r.stdout)
        assert c is not None and int(c.group(1)) > 0 and c.group(1) == c.group(2), (cls, r.stdout)
    assert "table: unverified status -10, verified status 0" in r.stdout
    return r.stdout


def test_every_field_mutation_refused(models):
    _verify(models, "verify-asan")


def test_every_field_mutation_refused_with_signal_network(fw_build_tools):
    sig = ROOT / "models" / "chen2021" / "firmware"
    if not (sig / "gx_model_signal.cpp").is_file():
        pytest.skip(f"{sig}: no signal network shipped")
    out = _verify(sig, "verify-asan-signal")
    assert re.search(r"class io\s+mutants\s+(\d+)", out)


def _edit(path: Path, pattern: str, repl) -> None:
    src = path.read_text()
    new, n = re.subn(pattern, repl, src, count=1)
    assert n == 1, f"{pattern} not found in {path}"
    path.write_text(new)


@pytest.fixture(scope="module")
def corrupted(models, tmp_path_factory):
    """A model directory whose LSTM has a gate n_mult of 50 (its arrays hold 1 entry) and
    whose CNN's input scale comment was changed (so gx_model_io.h is not the model's);
    the glove built from it under ASan + UBSan."""
    bad = tmp_path_factory.mktemp("corrupt") / "models"
    shutil.copytree(models, bad, ignore=shutil.ignore_patterns("*.tflite"))
    # the descriptor's n_mult field after the forget gate's input multiplier and shift arrays
    # (literal or sizeof form)
    _edit(bad / "gx_model_lstm.cpp", r"(kBwdForgetFcInMult, kBwdForgetFcInShift, )([^}]+)(\})", r"\g<1>50\3")
    _edit(bad / "gx_model_cnn.cpp", r"(// input: scale )(\S+),", lambda m: f"{m.group(1)}{float(m.group(2)) * 1.01!r},")
    return bad, fw_models.build("gx_glove", "corrupt-asan", bad, extra_flags=SAN)


def test_refused_models_not_advertised(corrupted):
    from glovexfer.device.protocol import parse_line

    _, exe = corrupted
    r = subprocess.run([str(exe)], input="info\nmodel lstm\nmodel fused\nmodel cnn\n", capture_output=True, text=True,
                       timeout=120, check=False, env=_env())
    assert "runtime error" not in r.stderr and "AddressSanitizer" not in r.stderr, r.stderr[-3000:]
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout.splitlines()
    assert out[0].startswith('ERR E_MODEL lstm model "failed its start-up check') and "checksum" in out[0]
    assert out[1].startswith('ERR E_MODEL cnn model "gx_model_io.h constants') and "io checksum" in out[1]
    for line in (out[2], out[3]):  # READY, INFO
        m = parse_line(line)
        assert m.kind in ("READY", "INFO")
        assert m.fields["model"] == "none" and m.fields["lstm"] == "refused" and m.fields["cnn"] == "refused"
        assert m.fields["usable"] == "none" and m.fields["refused"] == "lstm:corrupt,cnn:io_corrupt"
    assert out[4].startswith("ERR E_MODEL model: lstm unavailable: lstm model refused at start-up")
    assert out[5].startswith("ERR E_MODEL model: fused unavailable: lstm model refused at start-up")
    assert out[6].startswith("ERR E_MODEL model: cnn unavailable: cnn model refused at start-up")
    assert "io checksum" in out[6]


def test_parity_reports_model_refused(corrupted):
    from glovexfer.device.parity import load_device_nets
    from glovexfer.device.transport import open_device
    from glovexfer.errors import GloveXferError

    _, exe = corrupted
    with open_device("native", binary=exe) as dev:
        with pytest.raises(GloveXferError, match=r"model refused: the device refused its lstm model at start-up \(corrupt\)"):
            load_device_nets(dev, [ROOT / "models"])


def test_parity_cli_reports_model_refused(corrupted, capsys):
    """``glovexfer parity --device native --model-dir BAD``: exit 2, "model refused", the model named."""
    from glovexfer.cli import main

    bad, _ = corrupted
    rc = main(["parity", "--device", "native", "--model-dir", str(bad), "--n", "2"])
    err = capsys.readouterr().err
    assert rc == 2 and "model refused" in err and "lstm model" in err, err
