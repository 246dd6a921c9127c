"""glovexfer train / export / evaluate --data / vectors: the shipped-model commands, in
--quick mode (tiny data, 2 epochs) into a temporary models folder."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")

from glovexfer.cli import demo_set_path, main  # noqa: E402
from glovexfer.errors import GloveXferError  # noqa: E402
from glovexfer.nets import shipping  # noqa: E402


def test_read_evaluations_splits_fused_parts_and_refuses_quick(tmp_path):
    run = {"model": "best", "quick": False, "ud": {"mean": 0.9, "std": 0.01, "runs": [0.9], "parts": {"best_lstm": {"mean": 0.8, "std": 0.02, "runs": [0.8]}}},
           "ui": {"mean": 0.85, "std": 0.1, "per_user": {"u1": 0.85}, "parts": {"best_lstm": {"mean": 0.7, "std": 0.1, "per_user": {"u1": 0.7}}}}}
    p = tmp_path / "best.json"
    p.write_text(json.dumps(run))
    ev = shipping.read_evaluations([p])
    assert set(ev) == {"best", "best_lstm"}
    assert shipping.protocol_figures(ev["best_lstm"]) == {"ud": {"mean": 0.8, "std": 0.02, "runs": 1}, "ui": {"mean": 0.7, "std": 0.1, "per_user": {"u1": 0.7}}}
    p.write_text(json.dumps(run | {"quick": True}))
    with pytest.raises(GloveXferError, match="quick"):
        shipping.read_evaluations([p])


def test_calibrated_figures_reach_the_models_metrics(tmp_path):
    cal = {"mean": 0.96, "std": 0.01, "per_user": {"u1": 0.96}, "uncalibrated": {"mean": 0.9, "std": 0.0, "per_user": {"u1": 0.9}},
           "unguarded": {"mean": 0.96}, "users": ["u1"], "guards": {}, "spec": 2}
    figs = shipping.protocol_figures({"model": "best", "ui": {"mean": 0.9, "std": 0.0, "per_user": {"u1": 0.9}}, "ui_cal1": cal})
    assert figs["ui_cal1"] == {"spec": 2, "mean": 0.96, "per_user": {"u1": 0.96}, "uncalibrated": 0.9, "users": ["u1"]}
    # a run of calibration spec v1 has no "spec": it is named 1
    old = {k: v for k, v in cal.items() if k != "spec"}
    assert shipping.protocol_figures({"model": "best", "ui_cal1": old})["ui_cal1"]["spec"] == 1
    (tmp_path / "best").mkdir()
    (tmp_path / "best" / "metrics.json").write_text(json.dumps({"model": "best", "reproduce": "r"} | figs))
    summary = json.loads(shipping.update_summary(tmp_path).read_text())
    assert summary["best"]["ui_cal1"] == figs["ui_cal1"] and summary["best"]["ui"]["mean"] == 0.9


def test_unknown_shipped_model_is_a_clear_error(tmp_path):
    with pytest.raises(GloveXferError, match="no shipped model 'nope'"):
        shipping.ShippedModel("nope", tmp_path)


def test_domains_share_the_model_folder_writers_and_lookup(tmp_path):
    """Both domains write and find model folders the same way: a fused model is refused until
    its members are beside it; a name is looked up through the domain folders in order."""
    glove, chen = tmp_path / "glove", tmp_path / "chen2021"
    fused = {"model": "fused", "kind": "fused", "members": ["a_lstm"]}
    with pytest.raises(GloveXferError, match="'fused' fuses a_lstm, which is not in"):
        shipping.write_fused(chen / "fused", fused)
    assert not (chen / "fused").exists()
    for d in (chen, glove):
        shipping.write_json({"model": "a_lstm", "kind": "lstm"}, d / "a_lstm" / "metrics.json")
    (chen / "a_lstm" / "model.h5").write_bytes(b"")
    assert shipping.write_fused(chen / "fused", fused) == chen / "fused"
    assert shipping.read_meta(chen / "fused")["members"] == ["a_lstm"]
    assert shipping.model_folder("a_lstm", [chen, glove]) == chen / "a_lstm"
    assert shipping.model_folder("a_lstm", [glove, chen]) == glove / "a_lstm"
    assert shipping.model_folder(str(glove / "a_lstm"), chen) == glove / "a_lstm"
    with pytest.raises(GloveXferError, match=r"no shipped model 'nope' \(looked for .*chen2021.*, .*glove.*; shipped: a_lstm, fused\)"):
        shipping.model_folder("nope", [chen, glove])


def test_quick_train_needs_an_out_folder(capsys):
    assert main(["train", "--quick", "--model", "paper_lstm"]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.data
@pytest.mark.slow
def test_train_export_score_round_trip(digilets_dir, tmp_path, capsys):
    """train writes the model folders, export makes int8 + firmware sources that the golden
    int8 network reads, evaluate --data scores the fused model from the files alone."""
    models = tmp_path / "models"
    argv = ["train", "--quick", "--no-progress", "--digilets", str(digilets_dir), "--out", str(models),
            "--model", "best_lstm", "best_cnn", "best"]
    assert main(argv) == 0
    for name in ("best_lstm", "best_cnn"):
        # the files a command reads, nothing more: their source pretraining, which
        # train --model writing starts from (PRETRAINED_SHIPPED), the network and its figures
        assert sorted(p.name for p in (models / name).iterdir()) == ["metrics.json", "model.h5", "pretrained.h5"], name
        meta = json.loads((models / name / "metrics.json").read_text())
        assert meta["pretrain"]["source_size"] > 0 and meta["target"]["recordings"] > 0
        assert not set(meta["source_writers"]) & set(meta["target"]["writers"])
    assert json.loads((models / "best" / "metrics.json").read_text())["members"] == ["best_lstm", "best_cnn"]

    demo = str(demo_set_path())
    assert main(["export", "--models", str(models), "--target", demo, "--n-rep", "20", "--no-progress"]) == 0
    fw = models / "firmware"
    manifest = json.loads((fw / "MANIFEST.json").read_text())
    assert manifest["networks"]["lstm"]["model"] == "best_lstm" and manifest["networks"]["cnn"]["model"] == "best_cnn"
    from glovexfer.golden.network import load_int8_model

    for kind in ("lstm", "cnn"):
        blob = (models / f"best_{kind}" / "model_int8.tflite").read_bytes()
        net = load_int8_model(blob)
        assert net.input_shape[-1] in (1, 2)
        src = (fw / f"gx_model_{kind}.cpp").read_text()
        assert manifest["networks"][kind]["sha256"][:16] in src

    out = tmp_path / "score.json"
    assert main(["evaluate", "--data", demo, "--models", str(models), "--model", "best", "best_lstm", "--json", str(out), "--no-progress", "--int8"]) == 0
    res = json.loads(out.read_text())
    assert [r["model"] for r in res] == ["best", "best_lstm"]
    for r in res:
        assert np.array(r["confusion"]).sum() == r["n"] == 156
        assert 0.0 <= r["accuracy"] <= 1.0 and len(r["per_user"]) == 3
        i8 = r["int8"]
        assert np.array(i8["confusion"]).sum() == 156 and 0.0 <= i8["agreement_with_float"] <= 1.0
        assert i8["disagreements"] == round(156 * (1 - i8["agreement_with_float"]))


def test_vectors_cover_every_letter_and_edge_cases(tmp_path):
    assert main(["vectors", "--out", str(tmp_path), "--n", "26"]) == 0
    names = (tmp_path / "index.txt").read_text().split()
    demo = [n for n in names if n.startswith("demo_")]
    assert sorted(n.rsplit("_", 1)[1][0] for n in demo) == [chr(ord("a") + i) for i in range(26)]
    for edge in ("zero", "sat_pos", "stationary", "heading180_0", "short_letter", "long_letter"):
        assert f"{edge}.txt" in names
    text = (tmp_path / "short_letter.txt").read_text()
    assert text.startswith("gxvec 1") and "stage resampled 100 2" in text and text.rstrip().endswith("end")


def test_shipped_metrics_hold_every_required_model_and_figure():
    """models/glove/metrics.json: every model the issue names has ud.mean, ud.std, ui.mean and
    ui.per_user (16 users), all fractions in [0, 1]; a fused model's figures match its
    shipped folder's metrics.json; the mean UI is the mean of the per-user figures."""
    root = shipping.MODELS_DIR
    allm = json.loads((root / "metrics.json").read_text())
    for name in ("paper_lstm", "paper_cnn", "best", "target_only_lstm", "source_only_lstm", "best_lstm", "best_cnn"):
        m = allm[name]
        assert 0 <= m["ud"]["mean"] <= 1 and 0 <= m["ud"]["std"] <= 1, name
        pu = m["ui"]["per_user"]
        assert len(pu) == 16 and all(0 <= v <= 1 for v in pu.values()), name
        assert m["ui"]["mean"] == pytest.approx(np.mean(list(pu.values()))), name
        own = json.loads((root / name / "metrics.json").read_text())
        assert own["ui"]["per_user"] == pu, name
