"""The glovexfer command line, run in-process: outputs exist, errors exit non-zero with a
message that names the file/field."""

from __future__ import annotations

import numpy as np
import pytest

from glovexfer.cli import demo_set_path, main
from glovexfer.data.recordings import RecordingSet


def test_shipped_demo_set_is_simulated_and_complete():
    rs = RecordingSet.load(demo_set_path())
    assert rs.meta["simulated"] is True
    assert "".join(sorted(set(rs.labels.tolist()))) == "abcdefghijklmnopqrstuvwxyz"
    # users come from target writers only
    split = rs.meta["writer_split"]
    assert {v["writer"] for v in rs.meta["users"].values()} <= set(split["target"])


def test_demo_writes_every_letter(tmp_path, capsys, unavailable):
    """The demo runs through the virtual glove (needs cmake + g++; test models until
    models/glove/firmware is shipped) and still draws every letter's stages with --out."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fw_models
    from glovexfer.device.build import shipped_model_dir

    why = fw_models.have_tools()
    if why:
        unavailable(why)
    extra = [] if shipped_model_dir() else ["--model-dir", str(fw_models.model_dir())]
    assert main(["demo", "--text", "ok go", "--fast", "--out", str(tmp_path), *extra]) == 0
    out = capsys.readouterr().out
    assert "letter 1: 'o'" in out and "letter 5: 'o'" in out and "[space]" in out
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["00_o.png", "01_k.png", "03_g.png", "04_o.png"]


@pytest.mark.parametrize("argv, match", [(["--text", "Hi!"], "lowercase letters"), (["--user", "nobody"], "not in")])
def test_demo_bad_arguments(tmp_path, capsys, argv, match):
    assert main(["demo", "--out", str(tmp_path), *argv]) == 2
    assert match in capsys.readouterr().err


def test_csv_export_import_show_info(tmp_path, capsys):
    src = demo_set_path()
    assert main(["csv-export", str(src), "--index", "0", "5", "--out", str(tmp_path / "csv")]) == 0
    files = sorted((tmp_path / "csv").glob("*.csv"))
    assert len(files) == 2
    assert main(["csv-import", *map(str, files), "--out", str(tmp_path / "back.npz")]) == 0
    back = RecordingSet.load(tmp_path / "back.npz")
    orig = RecordingSet.load(src)
    assert np.array_equal(back.counts, orig.counts[[0, 5]])
    assert list(back.labels) == list(orig.labels[[0, 5]])
    assert main(["show", str(files[0]), "--out", str(tmp_path / "show")]) == 0
    pngs = {p.name for p in (tmp_path / "show").glob("*.png")}
    assert "overview.png" in pngs and "1_sensors.png" in pngs and "8_image.png" in pngs
    assert main(["info", str(tmp_path / "back.npz")]) == 0
    assert "2 recordings" in capsys.readouterr().out


def test_errors_name_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("acc_x,acc_y\n1,2\n")
    assert main(["show", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad.csv" in err
    assert main(["show", str(demo_set_path()), "--index", "9999", "--out", str(tmp_path)]) == 2
    assert "[index]" in capsys.readouterr().err
    assert main(["info", str(tmp_path / "missing.npz")]) == 2


def test_simulate_missing_data_says_how_to_point_at_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GLOVEXFER_DIGILETS", raising=False)
    assert main(["simulate", "--digilets", str(tmp_path / "nope"), "--out", str(tmp_path / "x.npz")]) == 2
    assert "--digilets DIR" in capsys.readouterr().err


@pytest.mark.data
def test_simulate_small_set(digilets_dir, tmp_path, capsys):
    out = tmp_path / "sim.npz"
    argv = ["simulate", "--digilets", str(digilets_dir), "--users", "2", "--letters", "3", "--reps", "2", "--seed", "5", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    rs = RecordingSet.load(out)
    assert len(rs) == 12 and rs.counts.dtype == np.int16 and rs.meta["simulated"] is True
    assert main(["info", str(out), "--meta"]) == 0
    assert "writer_split" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["evaluate", "--domain", "chen2021", "--protocol", "ud"], "--domain chen2021 runs lowo, subject_split, random_split"),
        (["evaluate", "--protocol", "lowo"], "the glove domain runs one of ud, ui, both"),
        (["evaluate", "--protocol", "ud", "ui"], "the glove domain runs one of ud, ui, both"),
        (["evaluate", "--domain", "chen2021", "--int8"], "--int8 cannot be used with --domain chen2021"),
        (["evaluate", "--writers", "isa"], "--writers cannot be used with the glove domain"),
        (["evaluate", "--domain", "glove", "--chen2021", "x"], "use it with --domain chen2021"),
        (["train", "--domain", "chen2021", "--quick"], "give --out DIR"),
        (["train", "--domain", "chen2021", "--metrics", "a.json", "b.json"], "one --metrics file"),
        (["export", "--recording-set", "x.npz"], "--recording-set cannot be used with the glove domain"),
        (["export", "--domain", "chen2021", "--model", "best_lstm"], "--model cannot be used with --domain chen2021"),
    ],
)
def test_domain_options_are_checked(argv, needle, capsys):
    """Options of one data domain given to the other are refused (exit 2) before any work."""
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_chen2021_summary_without_folds_is_a_clear_error(tmp_path, capsys):
    assert main(["evaluate", "--domain", "chen2021", "--summarise", "--out", str(tmp_path), "--json", str(tmp_path / "m.json")]) == 2
    assert f"{tmp_path / 'folds'}: no protocol results" in capsys.readouterr().err


def test_chen2021_export_names_the_missing_model(tmp_path, capsys, chen2021_dir):
    assert main(["export", "--domain", "chen2021", "--models", str(tmp_path), "--chen2021", str(chen2021_dir)]) == 2
    assert "no shipped model 'chen_transfer_lstm'" in capsys.readouterr().err
