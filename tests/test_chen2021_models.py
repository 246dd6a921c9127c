"""Chen (2021) real-data models through the command line, in --quick mode on a writer subset:
``glovexfer train --domain chen2021`` (ship models trained on some writers), ``glovexfer
export --domain chen2021`` (int8 files + firmware model data), ``glovexfer evaluate --domain
chen2021`` (score them on the other writers; run the protocols fold by fold); the shipped
metrics file and models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAIN_WRITERS = ["canon", "chen", "haobin", "isa", "jq", "kelly", "kevin", "russell", "wenzhou", "yiheng"]


@pytest.fixture(scope="module")
def quick_models(tmp_path_factory, chen2021_dir, digilets_dir, chen_private_pretraining):
    """Quick (1-2 epoch, meaningless) chen_transfer_lstm/cnn, chen_signal_net and chen_best
    (transfer BiLSTM + signal network) trained on 10 writers by ``glovexfer train``."""
    from glovexfer.cli import main

    out = tmp_path_factory.mktemp("chen_models")
    argv = ["train", "--domain", "chen2021", "--quick", "--out", str(out), "--writers", *TRAIN_WRITERS,
            "--chen2021", str(chen2021_dir), "--digilets", str(digilets_dir), "--no-progress"]
    assert main(argv) == 0
    return out


def test_export_writes_int8_files_and_firmware_data(quick_models, chen2021_dir, tmp_path, capsys):
    """``export --domain chen2021``: every network's int8 file, int8.json naming its digest and
    representative letters, the firmware model data built from exactly those files, and the
    real letters as a recording set of firmware inputs."""
    import hashlib

    from glovexfer.cli import main
    from glovexfer.data.recordings import RecordingSet

    rs_path = tmp_path / "chen.npz"
    argv = ["export", "--domain", "chen2021", "--models", str(quick_models), "--chen2021", str(chen2021_dir), "--no-progress",
            "--recording-set", str(rs_path), "--every", "200"]
    assert main(argv) == 0
    assert f"-> {quick_models / 'firmware'}" in capsys.readouterr().out
    manifest = json.loads((quick_models / "firmware" / "MANIFEST.json").read_text())
    for kind, name in (("lstm", "chen_transfer_lstm"), ("cnn", "chen_transfer_cnn"), ("signal", "chen_signal_net")):
        blob = (quick_models / name / "model_int8.tflite").read_bytes()
        info = json.loads((quick_models / name / "int8.json").read_text())
        assert info["sha256"] == hashlib.sha256(blob).hexdigest() == manifest["networks"][kind]["sha256"], name
        assert (quick_models / "firmware" / f"gx_model_{kind}.cpp").is_file()
    info = json.loads((quick_models / "chen_transfer_lstm" / "int8.json").read_text())
    assert "Chen" in info["representative"]["from"] and f"{len(TRAIN_WRITERS)} writers" in info["representative"]["from"]
    rs = RecordingSet.load(rs_path)
    assert len(rs) == len(range(0, 7576, 200)) and rs.meta["simulated"] is False


def test_evaluate_domain_scores_a_writer_subset(quick_models, chen2021_dir, tmp_path):
    """``evaluate --domain chen2021 --model M --writers W``: the shipped model on those writers only."""
    from glovexfer.cli import main

    js = tmp_path / "eval.json"
    argv = ["evaluate", "--domain", "chen2021", "--model", "chen_transfer_cnn", "--models", str(quick_models), "--writers", "zhaoye", "isa",
            "--chen2021", str(chen2021_dir), "--json", str(js), "--no-progress"]
    assert main(argv) == 0
    res = json.loads(js.read_text())
    assert sorted(res["per_writer"]) == ["zhaoye"] and res["n"] == 509


def test_protocols_run_fold_by_fold_and_resume(chen2021_dir, digilets_dir, chen_private_pretraining, tmp_path, capsys):
    """``evaluate --domain chen2021 --protocol ...``: one result file per fold (paper networks,
    then the device signal network fused with the transfer BiLSTM), a summary with the
    metrics file's keys, and a rerun that skips the finished folds and gives the same summary."""
    from glovexfer.cli import main

    out, js = tmp_path / "folds", tmp_path / "m.json"
    argv = ["evaluate", "--domain", "chen2021", "--protocol", "lowo", "random_split", "--folds", "1", "--quick",
            "--writers", "isa", "kelly", "--out", str(out), "--json", str(js), "--no-progress",
            "--chen2021", str(chen2021_dir), "--digilets", str(digilets_dir)]
    assert main(argv) == 0
    assert sorted(p.name for p in (out / "folds" / "lowo").iterdir()) == ["isa.devsignal.json", "isa.devsignal.npz", "isa.json", "isa.npz"]
    assert (out / "folds" / "random_split" / "random.devsignal.json").is_file()
    m = json.loads(js.read_text())
    assert {"transfer_lstm", "target_only_cnn", "fused_transfer_lstm_cnn", "signal_net", "signal_net+transfer_lstm"} <= set(m["models"])
    entry = m["signal_net+transfer_lstm"]
    assert sorted(entry) == ["lowo", "random_split"] and list(entry["lowo"]["per_writer"]) == ["isa"]
    conf = np.array(entry["random_split"]["confusion"])
    assert conf.shape == (26, 26) and np.isclose(np.trace(conf) / conf.sum(), entry["random_split"]["mean"])
    assert "best" not in m  # the best is chosen only among models measured on all 6 subject pairs
    capsys.readouterr()
    assert main(argv) == 0
    assert capsys.readouterr().out.count("done already") == 4
    assert json.loads(js.read_text()) == m


def test_evaluate_scores_only_unseen_writers(quick_models, chen2021_dir, tmp_path, capsys):
    from glovexfer.cli import main

    js = tmp_path / "eval.json"
    rc = main(["evaluate", "--chen2021", str(chen2021_dir), "--model", "chen_best", "--models", str(quick_models), "--json", str(js), "--no-progress"])
    assert rc == 0
    res = json.loads(js.read_text())
    assert sorted(res["per_writer"]) == ["yongxu", "zhaoye"]
    assert res["writers_left_out_as_trained_on"] == TRAIN_WRITERS
    conf = np.array(res["confusion"])
    assert conf.shape == (26, 26) and conf.sum() == res["n"] == 510 + 509
    assert np.trace(conf) == round(res["accuracy"] * res["n"])
    assert "yongxu" in capsys.readouterr().out
    meta = json.loads((quick_models / "chen_transfer_lstm" / "metrics.json").read_text())
    assert meta["chen2021"]["representation"] == "mad6z" and meta["kind"] == "lstm"
    # train writes what the commands read, nothing more (export adds the int8 files)
    assert {p.name for p in (quick_models / "chen_transfer_cnn").iterdir()} - {"int8.json", "model_int8.tflite"} == {"metrics.json", "model.h5"}
    sig = json.loads((quick_models / "chen_signal_net" / "metrics.json").read_text())
    assert sig["kind"] == "signal" and sig["chen2021"]["train_writers"] == TRAIN_WRITERS


def test_evaluate_refuses_a_model_trained_on_every_writer(quick_models, chen2021_dir, tmp_path):
    from glovexfer.cli import main

    meta_path = quick_models / "chen_transfer_cnn" / "metrics.json"
    meta = json.loads(meta_path.read_text())
    meta["chen2021"]["train_writers"] = TRAIN_WRITERS + ["yongxu", "zhaoye"]
    other = tmp_path / "all_writers"
    other.mkdir()
    (other / "model.h5").write_bytes((quick_models / "chen_transfer_cnn" / "model.h5").read_bytes())
    (other / "metrics.json").write_text(json.dumps(meta))
    assert main(["evaluate", "--chen2021", str(chen2021_dir), "--model", str(other), "--no-progress"]) == 2


def test_unknown_model_is_a_clear_error(chen2021_dir, capsys):
    from glovexfer.cli import main

    assert main(["evaluate", "--chen2021", str(chen2021_dir), "--model", "no_such_model", "--no-progress"]) == 2
    assert "no shipped model 'no_such_model'" in capsys.readouterr().err


def test_shipped_metrics_file_has_the_issue_fields():
    """models/chen2021/metrics.json (written by ``glovexfer evaluate --domain chen2021`` from real runs)."""
    m = json.loads((ROOT / "models" / "chen2021" / "metrics.json").read_text())
    assert m["models"], "no model figures"
    for name in m["models"]:
        entry = m[name]
        # every protocol complete: 12 writers left out, 6 disjoint pairs, the random split
        assert len(entry["lowo"]["per_writer"]) == 12, name
        assert 0.0 <= entry["lowo"]["mean"] <= 1.0
        assert np.isclose(entry["lowo"]["mean"], np.mean(list(entry["lowo"]["per_writer"].values())))
        for p in ("subject_split", "random_split"):
            assert 0.0 <= entry[p]["mean"] <= 1.0, (name, p)
    # what the issue asks of the figures
    assert m["transfer_lstm"]["lowo"]["mean"] > m["target_only_lstm"]["lowo"]["mean"]
    assert m["best"]["subject_split"]["mean"] >= 0.60


def test_shipped_real_data_models_are_exported_for_the_firmware():
    """models/chen2021: the transfer networks trained on all 12 writers, their int8 exports and
    the firmware model data generated from exactly those files (``glovexfer train/export --domain chen2021``)."""
    import hashlib

    d = ROOT / "models" / "chen2021"
    manifest = json.loads((d / "firmware" / "MANIFEST.json").read_text())
    for kind in ("lstm", "cnn"):
        folder = d / f"chen_transfer_{kind}"
        meta = json.loads((folder / "metrics.json").read_text())
        assert meta["kind"] == kind and len(meta["chen2021"]["train_writers"]) == 12
        blob = (folder / "model_int8.tflite").read_bytes()
        info = json.loads((folder / "int8.json").read_text())
        assert info["sha256"] == hashlib.sha256(blob).hexdigest() == manifest["networks"][kind]["sha256"]
        assert "Chen" in info["representative"]["from"]
        assert (d / "firmware" / f"gx_model_{kind}.cpp").is_file()
    best = json.loads((d / "chen_best" / "metrics.json").read_text())
    assert best["members"] == ["chen_transfer_lstm", "chen_signal_net"] and "lowo" in best["protocols"]
    # the signal network: trained on all 12 writers, int8 with its standardisation as metadata
    from glovexfer.golden.network import load_int8_model
    from glovexfer.golden.recognise import model_kind
    from glovexfer.golden.signals import norm_from_metadata

    folder = d / "chen_signal_net"
    meta = json.loads((folder / "metrics.json").read_text())
    assert meta["kind"] == "signal" and len(meta["chen2021"]["train_writers"]) == 12
    blob = (folder / "model_int8.tflite").read_bytes()
    info = json.loads((folder / "int8.json").read_text())
    assert info["sha256"] == hashlib.sha256(blob).hexdigest() == manifest["networks"]["signal"]["sha256"]
    net = load_int8_model(blob)
    assert model_kind(net.input_shape) == "signal"
    np.testing.assert_allclose(norm_from_metadata(net.metadata)[1], meta["signal_norm"]["std"])
    assert info["argmax_agreement_int8_vs_float"] >= 0.99
    assert (d / "firmware" / "gx_model_signal.cpp").is_file()
    # the shipped best is the protocols' best by their fixed rule, and the device runs it
    m = json.loads((ROOT / "models" / "chen2021" / "metrics.json").read_text())
    assert m["best"]["is"] == "signal_net+transfer_lstm"
    assert best["protocols"]["subject_split"]["mean"] == m["best"]["subject_split"]["mean"]
