"""Every bad input file gets a clear error: exit status 2, the file (and the field) named,
never a traceback; a shipped model whose bytes do not match the SHA-256 in its int8.json is
refused wherever the host loads it.  The CLI runs in-process (``cli.main``)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from glovexfer.cli import demo_set_path, main
from glovexfer.data.recordings import RecordingSet, write_csv
from glovexfer.errors import DataFormatError, GloveXferError

ROOT = Path(__file__).resolve().parents[1]


def run(argv, capsys) -> str:
    """``glovexfer ARGV``: asserts exit status 2 and no traceback; the error text."""
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def demo():
    return RecordingSet.load(demo_set_path())


@pytest.fixture()
def tiny(tmp_path, demo) -> Path:
    """Three recordings of the demo set (one user, letters a b c)."""
    idx = [int(np.flatnonzero(demo.labels == c)[0]) for c in "abc"]
    return demo.subset(idx).save(tmp_path / "tiny.npz")


# ----------------------------------------------------------------------------- npz
def _npz_members(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_zip(path: Path, members: dict, compress=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compress) as z:
        for n, b in members.items():
            z.writestr(n, b)
    return path


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=True)
    return buf.getvalue()


def _crc_corrupted(tiny: Path) -> Path:
    """A stored (uncompressed) archive with one byte of counts.npy flipped: BadZipFile (CRC)."""
    m = _npz_members(tiny)
    out = _write_zip(tiny.with_name("crc.npz"), m)
    data = bytearray(out.read_bytes())
    at = data.find(m["counts.npy"][-200:])
    data[at + 50] ^= 0x40
    out.write_bytes(bytes(data))
    return out


def _deflate_corrupted(tiny: Path) -> Path:
    data = bytearray(tiny.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out = tiny.with_name("deflate.npz")
    out.write_bytes(bytes(data))
    return out


def _replace(tiny: Path, name: str, **members) -> Path:
    m = _npz_members(tiny)
    for k, v in members.items():
        m[f"{k}.npy"] = v
    return _write_zip(tiny.with_name(name), m)


def _header(tiny: Path):
    with np.load(tiny) as z:
        return json.loads(str(z["header"]))


NPZ_CASES = {
    "crc": (_crc_corrupted, "counts"),
    "deflate": (_deflate_corrupted, ""),
    "pickled extra": (lambda t: _replace(t, "pe.npz", extra_writer=_npy(np.array([{"w": 1}] * 3, dtype=object))), "extra_writer"),
    "pickled header": (lambda t: _replace(t, "ph.npz", header=_npy(np.array(_header(t), dtype=object))), "header"),
    "header a list": (lambda t: _replace(t, "hl.npz", header=_npy(np.array(json.dumps([1, 2])))), "header"),
    "header meta a list": (lambda t: _replace(t, "hm.npz", header=_npy(np.array(json.dumps(_header(t) | {"meta": [1]})))), "header.meta"),
    "garbage counts": (lambda t: _replace(t, "gc.npz", counts=b"\x93NUMPY garbage garbage garbage" * 3), "counts"),
    "labels a scalar": (lambda t: _replace(t, "ls.npz", labels=_npy(np.array("abc"))), "labels"),
    "sensor zero": (lambda t: _replace(t, "s0.npz", header=_npy(np.array(json.dumps(
        _header(t) | {"sensor": {"acc_full_scale_g": 0, "gyr_full_scale_dps": 1000, "mag_ut_per_count": 0.15}})))),
        "header.sensor.acc_full_scale_g"),
    "a bare npy": (lambda t: (t.with_name("bare.npz").write_bytes(_npy(np.zeros(3))), t.with_name("bare.npz"))[1], ""),
}


@pytest.mark.parametrize("case", sorted(NPZ_CASES))
@pytest.mark.parametrize("command", ["info", "show", "csv-export"])
def test_bad_npz(tiny, capsys, case, command, tmp_path):
    make, field = NPZ_CASES[case]
    bad = make(tiny)
    extra = ["--out", tmp_path / "out"] if command != "info" else []
    err = run([command, bad, *extra], capsys)
    assert bad.name in err
    if field:
        assert f"[{field}]" in err


@pytest.fixture()
def empty(tmp_path, demo) -> Path:
    return demo.subset(np.zeros(len(demo), bool)).save(tmp_path / "empty.npz")


@pytest.mark.parametrize("argv", [
    ["tflm-check", "--model", ROOT / "models" / "glove" / "best_lstm" / "model_int8.tflite", "--data"],
    ["demo", "--fast", "--data"],
    ["evaluate", "--model", "best_lstm", "--data"],
], ids=["tflm-check", "demo", "evaluate"])
def test_empty_data_set(empty, capsys, argv):
    err = run([*argv, empty], capsys)
    assert "empty.npz [counts]" in err and "no recordings" in err


@pytest.mark.parametrize("argv, flag", [
    (["evaluate", "--model", "best", "--protocol", "ud", "--calibrate", "1"], "--calibrate"),
    (["evaluate", "--model", "best", "--protocol", "ud", "--users", "u11"], "--users"),
    (["evaluate", "--model", "best_lstm", "--calibrate", "2", "--data", ROOT / "missing.npz"], "--calibrate"),
], ids=["calibrate-ud", "users-ud", "calibrate-data"])
def test_calibration_options_where_they_mean_nothing(capsys, argv, flag):
    assert flag in run(argv, capsys)


def test_unknown_held_out_user_is_refused_before_any_training():
    from glovexfer.nets import experiment as E
    from glovexfer.nets.datasets import Arrays

    target = Arrays(np.zeros((2, 100, 2), np.float32), np.zeros((2, 28, 28), np.float32), np.zeros(2, int), np.array(["u01", "u02"]))
    with pytest.raises(GloveXferError, match="--users u99: no such user"):
        E.run("best", "ui", E.Domains(None, target, {}), quick=False, users=["u01", "u99"])


# ----------------------------------------------------------------------------- CSV
@pytest.fixture()
def csv_text(demo) -> str:
    return write_csv(demo[0])


def _with_sensor(text: str, acc: str) -> str:
    lines = text.splitlines(keepends=True)
    i = next(k for k, ln in enumerate(lines) if ln.startswith("# sensor"))
    lines[i] = f"# sensor acc_full_scale_g={acc} gyr_full_scale_dps=1000 mag_ut_per_count=0.15\n"
    return "".join(lines)


@pytest.mark.parametrize("value", ["0", "nan", "-4", "1e30", "inf"])
@pytest.mark.parametrize("command", ["show", "csv-import"])
def test_csv_sensor_setting_out_of_range(tmp_path, capsys, csv_text, value, command):
    p = tmp_path / "rec.csv"
    p.write_text(_with_sensor(csv_text, value))
    err = run([command, p, "--out", tmp_path / "o.npz" if command == "csv-import" else tmp_path / "o"], capsys)
    assert "rec.csv:2 [acc_full_scale_g]" in err and "outside" in err


@pytest.mark.parametrize("command", ["show", "csv-import"])
def test_csv_not_utf8(tmp_path, capsys, csv_text, command):
    p = tmp_path / "latin1.csv"
    p.write_bytes(csv_text.replace("# glovexfer", "# gl\xf6vexfer").encode("latin-1"))
    err = run([command, p, "--out", tmp_path / "o.npz" if command == "csv-import" else tmp_path / "o"], capsys)
    assert "latin1.csv" in err and "not UTF-8" in err


def test_csv_of_100_mb_is_refused_before_it_is_read(tmp_path, capsys, csv_text):
    import tracemalloc

    p = tmp_path / "huge.csv"
    with p.open("w") as f:
        f.write(csv_text)
        f.truncate(100 << 20)  # 100 MB (sparse on disk)
    tracemalloc.start()
    err = run(["show", p, "--out", tmp_path / "o"], capsys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "huge.csv" in err and "larger than" in err
    assert peak < 8 << 20, f"{peak} bytes allocated: the file was read"


def test_csv_with_too_many_rows_is_refused_at_the_first_extra_row(tmp_path, capsys, csv_text):
    rows = csv_text.splitlines()
    p = tmp_path / "long.csv"
    p.write_text("\n".join(rows + rows[3:] * 100) + "\n")
    err = run(["show", p, "--out", tmp_path / "o"], capsys)
    assert "long.csv:36" in err and "33 data rows (reading stopped there)" in err


def test_csv_with_nul_bytes(tmp_path, capsys, csv_text):
    p = tmp_path / "nul.csv"
    p.write_text(csv_text.replace("acc_x,", "acc_x\0,", 1))
    err = run(["show", p, "--out", tmp_path / "o"], capsys)
    assert "nul.csv:3" in err


# ----------------------------------------------------------------------------- DigiLeTs
def _digilets_file(tmp_path: Path, letter_points: str | None = None, letter="c") -> Path:
    """A synthetic DigiLeTs writer file (62 symbols x 5 instances) whose first instance of
    ``letter`` has ``letter_points`` (default: a valid 8-point letter)."""
    from glovexfer.data.digilets import FIRST_LOWERCASE, INSTANCES, N_SYMBOLS
    from glovexfer.params import LETTERS

    ok = " ".join(f"{0.2 + 0.05 * i} {0.3 + 0.04 * i} 0.5 {1 if i == 0 else 0} {0.1 * i}" for i in range(8))
    lines = []
    for sym in range(N_SYMBOLS):
        onehot = " ".join("1" if k == sym else "0" for k in range(N_SYMBOLS))
        for k in range(INSTANCES):
            special = letter_points is not None and sym == FIRST_LOWERCASE + LETTERS.index(letter) and k == 0
            lines += [letter_points if special else ok, onehot]
    p = tmp_path / "001-m-20-right_2020-01-01-00-00-00"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.parametrize("points, field", [
    ("0.5 0.5 0.5 1 0.0", "points"),  # one point
    ("0.1 0.1 0.5 1 0.3 0.2 0.2 0.5 0 0.3 0.3 0.3 0.5 0 0.3 0.4 0.4 0.5 0 0.3", "t"),  # zero duration
    ("1e30 0.1 0.5 1 0.0 0.2 0.2 0.5 0 0.1 0.3 0.3 0.5 0 0.2 0.4 0.4 0.5 0 0.3", "x"),  # 1e30 in the first stroke
    ("0.1 0.1 0.5 1 0.0 0.2 1e30 0.5 0 0.1 0.3 0.3 0.5 0 0.2 0.4 0.4 0.5 0 0.3", "y"),
    ("0.1 0.1 0.5 1 0.0 0.2 0.2 0.5 0 1e30 0.3 0.3 0.5 0 1e30 0.4 0.4 0.5 0 1e30", "t"),  # 1e30 s
], ids=["one point", "zero duration", "1e30 x", "1e30 y", "1e30 t"])
def test_degenerate_digilets_letter_is_refused(tmp_path, points, field):
    from glovexfer.data.digilets import load_writer

    assert len(load_writer(_digilets_file(tmp_path))) == 130  # the synthetic file is valid
    p = _digilets_file(tmp_path, points)
    with pytest.raises(DataFormatError) as e:
        load_writer(p)
    assert e.value.path == str(p) and e.value.field == field and e.value.line == 2 * 5 * 12 + 1


def test_degenerate_digilets_letter_through_the_cli(tmp_path, capsys):
    p = _digilets_file(tmp_path, "0.5 0.5 0.5 1 0.0")
    err = run(["simulate", "--digilets", tmp_path, "--all-writers", "--reps", "1", "--quiet", "--out", tmp_path / "o.npz"], capsys)
    assert f"{p}:121 [points]" in err
    err = run(["simulate", "--digilets", tmp_path, "--users", "1", "--reps", "1", "--quiet", "--out", tmp_path / "o.npz"], capsys)
    assert "1 DigiLeTs writer file(s)" in err
    assert "--reps" in run(["simulate", "--digilets", tmp_path, "--reps", "0", "--out", tmp_path / "o.npz"], capsys)


def test_digilets_file_not_utf8(tmp_path):
    from glovexfer.data.digilets import load_writer

    p = _digilets_file(tmp_path)
    p.write_bytes(b"\xff\xfe" + p.read_bytes())
    with pytest.raises(DataFormatError, match="not UTF-8"):
        load_writer(p)


# ----------------------------------------------------------------------------- models
@pytest.fixture()
def models(tmp_path) -> Path:
    """A copy of the shipped best_lstm and best_cnn folders (and the fused best)."""
    src = ROOT / "models" / "glove"
    if not (src / "best_lstm" / "model_int8.tflite").is_file():
        pytest.skip("no shipped models/glove/best_lstm")
    out = tmp_path / "models"
    for name in ("best_lstm", "best_cnn", "best"):
        shutil.copytree(src / name, out / name)
    return out


def _float_tflite() -> bytes:
    """The TFLite converter's float32 .tflite of the shipped best_lstm (nothing float ships:
    made once with tensorflow and kept in build/test-models)."""
    import os

    h5 = ROOT / "models" / "glove" / "best_lstm" / "model.h5"
    cached = ROOT / "build" / "test-models" / f"float_best_lstm_{hashlib.sha256(h5.read_bytes()).hexdigest()[:16]}.tflite"
    if not cached.is_file():
        pytest.importorskip("tf_keras", reason="a float .tflite is made with tensorflow/tf_keras")
        from glovexfer.nets.shipping import load_keras
        from glovexfer.nets.tflite import to_float_tflite

        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(to_float_tflite(load_keras(h5)))
        os.replace(tmp, cached)
    return cached.read_bytes()


def _set_tflite(folder: Path, blob: bytes, record: bool) -> None:
    """Replace a folder's int8 .tflite; ``record``: also its SHA-256 in int8.json (so that
    the damage is found by parsing, not by the digest)."""
    (folder / "model_int8.tflite").write_bytes(blob)
    if record:
        info = json.loads((folder / "int8.json").read_text())
        info["sha256"] = hashlib.sha256(blob).hexdigest()
        (folder / "int8.json").write_text(json.dumps(info))


def _bit_flip(m: Path) -> None:
    b = bytearray((m / "best_lstm" / "model_int8.tflite").read_bytes())
    b[len(b) // 2] ^= 0x01
    _set_tflite(m / "best_lstm", bytes(b), record=False)


MODEL_CASES = {
    "bit flip": (_bit_flip, "SHA-256"),
    "truncated": (lambda m: _set_tflite(m / "best_lstm", (m / "best_lstm" / "model_int8.tflite").read_bytes()[:5000], False), "SHA-256"),
    "truncated, digest updated": (lambda m: _set_tflite(m / "best_lstm", (m / "best_lstm" / "model_int8.tflite").read_bytes()[:5000], True),
                                  "not an int8 .tflite"),
    "cnn in lstm folder": (lambda m: _set_tflite(m / "best_lstm", (m / "best_cnn" / "model_int8.tflite").read_bytes(), True),
                           "a cnn network"),
    "float tflite": (lambda m: _set_tflite(m / "best_lstm", _float_tflite(), True), "not an int8 .tflite"),
    "int8.json a list": (lambda m: (m / "best_lstm" / "int8.json").write_text("[1, 2]"), "int8.json: int8 model information must be a JSON object"),
    "metrics.json not JSON": (lambda m: (m / "best_lstm" / "metrics.json").write_text("{not json"), "metrics.json: model metrics is not JSON"),
    "metrics.json kind": (lambda m: (m / "best_lstm" / "metrics.json").write_text('{"model": "best_lstm", "kind": 7}'), "metrics.json [kind]"),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
@pytest.mark.parametrize("model", ["best_lstm", "best"])
def test_bad_shipped_model_in_evaluate_int8(models, tiny, capsys, case, model):
    damage, match = MODEL_CASES[case]
    damage(models)
    err = run(["evaluate", "--data", tiny, "--model", model, "--models", models, "--int8", "--no-progress"], capsys)
    assert "best_lstm" in err and match in err


@pytest.mark.parametrize("case", sorted(c for c in MODEL_CASES if "metrics" not in c))
def test_bad_shipped_model_in_export_firmware(models, tiny, capsys, case):
    """``export`` converting another model: the firmware's LSTM, exported before, is refused
    before any conversion; ``export_firmware`` itself refuses it too."""
    from glovexfer.export.ship import export_firmware

    damage, match = MODEL_CASES[case]
    damage(models)
    err = run(["export", "--models", models, "--model", "best_cnn", "--target", tiny, "--no-progress"], capsys)
    assert "best_lstm" in err and match in err
    with pytest.raises(GloveXferError, match=match.replace("(", r"\(")):
        export_firmware(models, "best_lstm", "best_cnn")
    assert not (models / "firmware" / "gx_model_lstm.cpp").exists()


@pytest.mark.parametrize("case", ["bit flip", "truncated"])
def test_bad_shipped_model_in_tflm_check(models, capsys, case):
    MODEL_CASES[case][0](models)
    err = run(["tflm-check", "--model", models / "best_lstm" / "model_int8.tflite", "--n", "1"], capsys)
    assert "SHA-256" in err and "best_lstm/model_int8.tflite" in err


@pytest.mark.parametrize("case", ["bit flip", "truncated, digest updated", "cnn in lstm folder", "float tflite"])
def test_bad_shipped_model_in_vectors(models, capsys, case, tmp_path):
    damage, match = MODEL_CASES[case]
    damage(models)
    err = run(["vectors", "--out", tmp_path / "v", "--n", "1", "--lstm", models / "best_lstm" / "model_int8.tflite"], capsys)
    assert "best_lstm/model_int8.tflite" in err and match in err


def test_non_json_metrics_in_export(models, tiny, capsys):
    (models / "best_cnn" / "metrics.json").write_text("\x00\x01")
    err = run(["export", "--models", models, "--model", "best_cnn", "--target", tiny, "--no-progress"], capsys)
    assert "best_cnn/metrics.json" in err


def test_truncated_h5(models, tiny, capsys):
    """A truncated Keras file in ``evaluate --data`` and ``export`` (needs TensorFlow to get as
    far as loading it; without it the command says TensorFlow is missing, also exit 2)."""
    h5 = models / "best_lstm" / "model.h5"
    h5.write_bytes(h5.read_bytes()[:20000])
    err = run(["evaluate", "--data", tiny, "--model", "best_lstm", "--models", models, "--no-progress"], capsys)
    assert "best_lstm/model.h5" in err or "needs tensorflow" in err
    err = run(["export", "--models", models, "--model", "best_lstm", "--target", tiny, "--no-progress"], capsys)
    assert "best_lstm/model.h5" in err or "needs tensorflow" in err


def test_evaluate_data_without_tensorflow(models, tiny, capsys, monkeypatch):
    """TensorFlow not installed (its import fails): exit 2 saying what to install."""
    for mod in ("tensorflow", "tf_keras"):
        monkeypatch.setitem(sys.modules, mod, None)
    monkeypatch.delitem(sys.modules, "glovexfer.nets.models", raising=False)
    err = run(["evaluate", "--data", tiny, "--model", "best_lstm", "--models", models, "--no-progress"], capsys)
    assert "needs tensorflow" in err or "needs tf_keras" in err
    assert "pip install" in err


def test_intact_models_still_load(models):
    """The checks refuse only damage: the shipped files pass them."""
    from glovexfer.export.ship import load_int8
    from glovexfer.nets.shipping import int8_networks

    assert set(int8_networks(models / "best")) == {"lstm", "cnn"}
    assert load_int8(models / "best_cnn", "cnn").input_shape is not None
