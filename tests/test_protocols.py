"""Transfer-learning protocols in --quick mode: the code paths the full runs take."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")

from glovexfer.cli import main  # noqa: E402
from glovexfer.nets import protocols as P  # noqa: E402
from glovexfer.nets.datasets import Arrays  # noqa: E402


def test_confusion_counts_every_prediction():
    m = P.confusion(np.array([0, 1, 1, 25]), np.array([0, 2, 1, 25]))
    assert m.sum() == 4 and m[1, 2] == 1 and m[25, 25] == 1 and np.trace(m) == 3


def test_user_independent_never_trains_on_the_test_user(monkeypatch):
    """finetune sees every user but the held-out one, and each user is held out once."""
    seen = []

    def fake_finetune(setting, w, train_set, seed, progress=True):
        seen.append(set(train_set.group.tolist()))
        return None

    monkeypatch.setattr(P, "finetune", fake_finetune)
    monkeypatch.setattr(P, "predict", lambda model, kind, test: np.eye(26)[test.y])
    users = np.repeat(["u1", "u2", "u3"], 4)
    a = Arrays(np.zeros((12, 100, 2), np.float32), np.zeros((12, 28, 28), np.float32), np.arange(12) % 26, users)
    res = P.user_independent(P.SETTINGS["paper_lstm"], None, a)
    assert seen == [{"u2", "u3"}, {"u1", "u3"}, {"u1", "u2"}]
    assert set(res["per_user"]) == {"u1", "u2", "u3"}


def test_user_dependent_holds_out_disjoint_test_sets(monkeypatch):
    calls = []

    def fake_finetune(setting, w, train_set, seed, progress=True):
        calls.append(len(train_set))
        return None

    monkeypatch.setattr(P, "finetune", fake_finetune)
    # predicts class 0 for everything: accuracy = share of class 0 in the held-out set
    monkeypatch.setattr(P, "predict", lambda model, kind, test: np.eye(26)[np.zeros(len(test), int)])
    a = Arrays(np.zeros((600, 100, 2), np.float32), np.zeros((600, 28, 28), np.float32), np.arange(600) % 26, np.array(["u"] * 600))
    res = P.user_dependent(P.SETTINGS["paper_lstm"], None, a)
    assert calls == [400] * 15 and len(res["runs"]) == 15
    assert res["mean"] == pytest.approx(np.mean(res["runs"])) and 0 < res["mean"] < 0.2
    assert np.array(res["confusion"])[:, 0].sum() == 15 * 200


def test_fold_cache_resumes_without_retraining_and_keys_on_inputs(monkeypatch, tmp_path):
    """An interrupted protocol run resumes: finished folds come from the cache and give the
    same figures; a change to the setting, the pretrained weights or the data retrains."""
    calls = []

    def fake_finetune(setting, w, train_set, seed, progress=True):
        calls.append(seed)
        return None

    monkeypatch.setattr(P, "finetune", fake_finetune)
    monkeypatch.setattr(P, "predict", lambda model, kind, test: np.eye(26)[(test.y + len(calls)) % 26])
    users = np.repeat(["u1", "u2", "u3"], 4)
    a = Arrays(np.zeros((12, 100, 2), np.float32), np.zeros((12, 28, 28), np.float32), np.arange(12) % 26, users)
    w = [np.ones(3, np.float32)]
    s = P.SETTINGS["paper_lstm"]
    first = P.user_independent(s, w, a, cache=tmp_path)
    assert len(calls) == 3 and len(list(tmp_path.glob("*.npz"))) == 3
    again = P.user_independent(s, w, a, cache=tmp_path)
    assert len(calls) == 3 and again == first  # every fold from the cache
    P.user_independent(s, [np.full(3, 2, np.float32)], a, cache=tmp_path)  # other weights
    assert len(calls) == 6
    P.user_independent(P.SETTINGS["target_only_lstm"], w, a, cache=tmp_path)  # other setting
    assert len(calls) == 9
    b = Arrays(a.seq + 0.5, a.img, a.y, a.group)  # other data
    P.user_independent(s, w, b, cache=tmp_path)
    assert len(calls) == 12 and len(list(tmp_path.glob("*.npz"))) == 12
    assert not list(tmp_path.glob("*.tmp.npz"))


def test_fused_setting_trains_each_member_and_averages_probabilities(monkeypatch):
    """'best' fine-tunes both members per fold; its prediction is the argmax of their mean
    probability, and each member's own figures are reported under 'parts'."""
    trained = []

    def fake_finetune(setting, w, train_set, seed, progress=True):
        trained.append((setting.name, w))
        return setting.kind

    # the LSTM is confident and right on even labels, the CNN mildly right everywhere
    def fake_predict(model, kind, test):
        p = np.full((len(test), 26), 0.01)
        if kind == "lstm":
            p[np.arange(len(test)), np.where(test.y % 2 == 0, test.y, (test.y + 1) % 26)] = 0.9
        else:
            p[np.arange(len(test)), test.y] = 0.3
        return p

    monkeypatch.setattr(P, "finetune", fake_finetune)
    monkeypatch.setattr(P, "predict", fake_predict)
    users = np.repeat(["u1", "u2"], 26)
    a = Arrays(np.zeros((52, 100, 2), np.float32), np.zeros((52, 28, 28), np.float32), np.tile(np.arange(26), 2), users)
    best = P.SETTINGS["best"]
    res = P.user_independent(best, {"best_lstm": "wl", "best_cnn": "wc"}, a)
    assert trained == [("best_lstm", "wl"), ("best_cnn", "wc")] * 2
    assert res["parts"]["best_lstm"]["mean"] == pytest.approx(0.5)
    assert res["parts"]["best_cnn"]["mean"] == pytest.approx(1.0)
    # mean probabilities: LSTM-wrong letters get (0.9+0.01)/2 vs (0.01+0.3)/2 -> the LSTM wins
    assert res["mean"] == pytest.approx(0.5)
    assert set(res) >= {"mean", "std", "per_user", "confusion", "parts"}


@pytest.mark.data
@pytest.mark.slow
def test_evaluate_quick_runs_every_code_path(digilets_dir, tmp_path, capsys):
    out = tmp_path / "q.json"
    argv = ["evaluate", "--quick", "--no-progress", "--digilets", str(digilets_dir), "--json", str(out),
            "--model", "paper_lstm", "paper_cnn", "source_only_lstm", "target_only_lstm"]
    assert main(argv) == 0
    res = {r["model"]: r for r in json.loads(out.read_text())}
    assert set(res) == {"paper_lstm", "paper_cnn", "source_only_lstm", "target_only_lstm"}
    for r in res.values():
        assert 0.0 <= r["ud"]["mean"] <= 1.0 and len(r["ui"]["per_user"]) == 2
        assert np.array(r["ud"]["confusion"]).sum() == 200
    assert "pretrain" in res["paper_lstm"] and "pretrain" not in res["target_only_lstm"]
    assert "user-independent" in capsys.readouterr().out


@pytest.mark.slow
def test_fold_device_path_is_the_golden_recognise_on_raw_counts():
    """--int8 protocol folds: a fold network converted as export converts it, on the golden
    pipeline's cached inputs, decides exactly what golden.recognise decides from the raw counts
    (the firmware's path), for the LSTM and the CNN; the inputs come from the same counts."""
    from glovexfer.cli import demo_set_path
    from glovexfer.data.recordings import RecordingSet
    from glovexfer.golden.pipeline import run_golden
    from glovexfer.golden.recognise import recognise
    from glovexfer.nets.datasets import target_arrays

    rs = RecordingSet.load(demo_set_path())
    a = target_arrays(rs, cache_dir=None, progress=False, device=True)
    assert a.dev_seq.dtype == np.int32 and a.dev_seq.shape == (len(rs), 100, 2) and a.dev_img.shape == (len(rs), 28, 28)
    st = run_golden(rs.counts[3], sensor=rs.sensor)
    assert np.array_equal(a.dev_seq[3], st.resampled) and np.array_equal(a.dev_img[3], st.image)
    train, test = a.take(np.arange(0, len(a), 2)), a.take(np.arange(1, len(a), 2)[:12])
    test_counts = rs.counts[np.arange(1, len(a), 2)[:12]]
    for kind in ("lstm", "cnn"):
        model = P.build(kind)
        net = P.int8_network(model, kind, train, seed=0)
        outs = P.device_outputs(net, test)
        want = [getattr(recognise(c, **{f"net_{kind}": net}, sensor=rs.sensor), kind) for c in test_counts]
        assert [o.index for o in outs] == [w.index for w in want]
        assert all(np.array_equal(o.logits, w.logits) and np.array_equal(o.probs_q8, w.probs_q8) for o, w in zip(outs, want))
    with pytest.raises(ValueError, match="golden pipeline"):
        P.device_outputs(net, Arrays(test.seq, test.img, test.y, test.group))


def test_int8_fold_figures_sit_beside_the_float_ones(monkeypatch):
    """With int8=True every setting name (the fused one and each member) gets an 'int8' twin
    of its figures and the argmax agreement with its float network over all test recordings."""
    def fake_fold(setting, pretrained, train_set, test_set, seed, progress=True, int8=False, device_data=False):
        y = test_set.y
        wrong = (y + 1) % 26
        out = {"best": y, "best_lstm": y, "best_cnn": wrong}
        if int8:  # int8 flips the first LSTM prediction of every fold; the fused one stays
            l8 = y.copy()
            l8[0] = wrong[0]
            out |= {"best@int8": y, "best_lstm@int8": l8, "best_cnn@int8": wrong}
        return out

    monkeypatch.setattr(P, "fold_predictions", fake_fold)
    users = np.repeat(["u1", "u2"], 10)
    a = Arrays(np.zeros((20, 100, 2), np.float32), np.zeros((20, 28, 28), np.float32), np.arange(20) % 26, users)
    res = P.user_independent(P.SETTINGS["best"], None, a, int8=True)
    assert res["int8"]["mean"] == 1.0 and res["int8"]["agreement_with_float"] == 1.0 and res["int8"]["compared"] == 20
    lstm = res["parts"]["best_lstm"]
    assert lstm["mean"] == 1.0 and lstm["int8"]["mean"] == pytest.approx(0.9)
    assert lstm["int8"]["disagreements"] == 2 and lstm["int8"]["agreement_with_float"] == pytest.approx(0.9)
    assert res["parts"]["best_cnn"]["int8"]["agreement_with_float"] == 1.0
    assert "best@int8" not in res["parts"] and set(res["parts"]) == {"best_lstm", "best_cnn"}
    ud = P.user_dependent(P.SETTINGS["best"], None, a, splits=2, repeats=1, held_out=5, int8=True)
    assert len(ud["parts"]["best_lstm"]["int8"]["runs"]) == 2 and ud["parts"]["best_lstm"]["int8"]["compared"] == 10
    assert "int8" not in P.user_independent(P.SETTINGS["best"], None, a)


def test_calibrated_ui_figures_come_from_the_folds_device_data(monkeypatch):
    """calibrate=(K,): each held-out user's fold keeps the device model's scores and features;
    K recordings per letter calibrate, the rest test, uncalibrated and calibrated on the same
    recordings.  Here the model takes every letter for the next one, and the features tell
    the letters apart: calibration repairs every test recording."""
    seen = []

    def fake_fold(setting, pretrained, train_set, test_set, seed, progress=True, int8=False, device_data=False):
        seen.append((int8, device_data))
        y = test_set.y
        out = {"best": y, "best_lstm": y, "best_cnn": y, "best@int8": y, "best_lstm@int8": y, "best_cnn@int8": y}
        scores = np.full((len(y), 26), 20, dtype=np.int64)
        scores[np.arange(len(y)), (y + 1) % 26] = 300
        scores[np.arange(len(y)), y] = 250
        feats = np.repeat((np.arange(len(y)) % 3)[:, None], 8, axis=1) + 40 * y[:, None] - 100
        out |= {P.DEVICE + "scores": scores, P.DEVICE + "features.lstm": feats.astype(np.int8),
                P.DEVICE + "features.cnn": feats[:, :4].astype(np.int8)}
        return out

    monkeypatch.setattr(P, "fold_predictions", fake_fold)
    users = np.repeat(["u1", "u2"], 24)
    y = np.tile(np.repeat(np.arange(4), 6), 2)  # 4 letters x 6 recordings per user
    a = Arrays(np.zeros((48, 100, 2), np.float32), np.zeros((48, 28, 28), np.float32), y, users)
    res = P.user_independent(P.SETTINGS["best"], None, a, calibrate=(1, 3), users=["u2"])
    assert seen == [(True, True)] and set(res["per_user"]) == {"u2"}
    assert not any(k.startswith(P.DEVICE) for k in res["parts"])
    for k in (1, 3):
        c = res["calibrated"][k]
        assert c["users"] == ["u2"] and c["uncalibrated"]["mean"] == 0.0 and c["mean"] == 1.0 == c["unguarded"]["mean"]
        g = c["guards"]["u2"]
        # spec v3: a letter's only sample is not judged, so K = 1 leaves guard 2 nothing to judge
        assert g["enabled"] and g["flagged"] == 0 and g["leave_one_out"]["total"] == (0 if k == 1 else 4 * k)
    assert res["calibrated"][3]["guards"]["u2"]["leave_one_out"]["calibrated"] == 12
    # every sample is 50 below its neighbour letter: every gain repairs all, the tie goes to the larger (spec v4)
    assert res["calibrated"][3]["guards"]["u2"]["leave_one_out"]["gain"] == 4080 and res["calibrated"][3]["spec"] == 5
    # K = 1: nothing judged, the smallest candidate
    assert res["calibrated"][1]["guards"]["u2"]["leave_one_out"]["gain"] == 1020
    # a recording of letter c+1 offered as c: c scores 20 like every letter but c+1 and c+2, so
    # it is third (ties to the lowest index) only for c = 0: 3 of the 4 wrong letters are flagged
    assert res["calibrated"][1]["wrong_letter_flagged"] == [3, 4]


@pytest.mark.data
@pytest.mark.slow
def test_evaluate_int8_quick_reports_the_device_path(digilets_dir, tmp_path, capsys):
    out = tmp_path / "q8.json"
    argv = ["evaluate", "--quick", "--no-progress", "--digilets", str(digilets_dir), "--json", str(out),
            "--model", "paper_cnn", "--protocol", "ui", "--int8"]
    assert main(argv) == 0
    r = json.loads(out.read_text())
    assert r["int8"] is True and "ud" not in r
    i8 = r["ui"]["int8"]
    assert set(i8["per_user"]) == set(r["ui"]["per_user"]) and len(i8["per_user"]) == 2
    assert i8["compared"] == np.array(r["ui"]["confusion"]).sum() == np.array(i8["confusion"]).sum()
    assert 0.0 <= i8["agreement_with_float"] <= 1.0
    assert "int8 device path paper_cnn" in capsys.readouterr().out


@pytest.mark.data
@pytest.mark.slow
def test_evaluate_calibrate_quick_reports_calibrated_figures(digilets_dir, tmp_path, capsys):
    out = tmp_path / "cal.json"
    argv = ["evaluate", "--quick", "--no-progress", "--digilets", str(digilets_dir), "--json", str(out),
            "--model", "best", "--protocol", "ui", "--calibrate", "1", "3", "--users", "u02"]
    assert main(argv) == 0
    r = json.loads(out.read_text())
    assert set(r["ui"]["per_user"]) == {"u02"} and "ui_cal2" not in r
    for k in (1, 3):
        c = r[f"ui_cal{k}"]
        assert c["users"] == ["u02"] and set(c["per_user"]) == set(c["uncalibrated"]["per_user"]) == {"u02"}
        assert 0.0 <= c["mean"] <= 1.0 and isinstance(c["guards"]["u02"]["enabled"], bool)
        assert "/" in c["guards"]["u02"]["leave_one_out"]["message"]
    assert "calibrated with 1 per letter" in capsys.readouterr().out
