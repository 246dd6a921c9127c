"""Few-shot calibration on the real pen writers (``glovexfer evaluate --chen2021 --model
chen_best --calibrate K``, ``nets.chen2021_calibration``): refused arguments, the metrics
file's entries, and a --quick run over one held-out writer (meaningless accuracies; the
structure, the device data and that every figure of a K is measured on the same test letters)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glovexfer.cli import main
from glovexfer.errors import GloveXferError
from glovexfer.nets import calibration
from glovexfer.nets import chen2021_calibration as CC
from glovexfer.nets.chen2021_shipping import FUSED_FIGURES

BASE = ["evaluate", "--chen2021", "--no-progress"]


@pytest.mark.parametrize("argv, match", [
    (["--model", "chen_best", "--calibrate", "1", "--protocol", "subject_split"], "leave one writer out only (lowo)"),
    (["--model", "chen_best", "--calibrate", "1", "--protocol", "lowo", "random_split"], "leave one writer out only (lowo)"),
    (["--model", "chen_transfer_lstm", "--calibrate", "2"], "chen_best / fused_signal"),
    (["--model", "chen_best", "fused_signal", "--calibrate", "2"], "chen_best / fused_signal"),
    (["--model", "chen_best", "--calibrate", "1", "--writers", "isa"], "--writers cannot be used with --calibrate"),
    (["--model", "chen_best", "--calibrate", "1", "--models", "models/chen2021"], "--models cannot be used with --calibrate"),
    (["--model", "chen_best", "--calibrate", "1", "--users", "u01"], "--users cannot be used with --domain chen2021"),
])
def test_refused_arguments(argv, match, capsys):
    """Meaningless combinations end with a clear error before any data is read."""
    assert main(BASE + argv) == 2
    assert match in capsys.readouterr().err


def test_calibrate_is_still_refused_with_data(capsys):
    assert main(["evaluate", "--data", "x.npz", "--model", "best", "--calibrate", "1"]) == 2
    assert "--calibrate cannot be used with --data" in capsys.readouterr().err


def _run(complete: bool, quick: bool = False) -> dict:
    cal = {w: {"calibrated": 0.9, "uncalibrated": 0.7, "unguarded": 0.9, "uncalibrated_calibrated_letters_only": 0.7, "enabled": True,
               "flagged": 0, "leave_one_out": {"gain": g}, "wrong_letter_flagged": [1, 2]} for w, g in (("a", 2040), ("b", 1020))}
    folds = {w: {"int8_accuracy": 0.7, "float_accuracy": 0.72, "seconds": 1.0} for w in cal}
    everyone = ["a", "b"] + ([] if complete else ["c"])
    res = CC.summary(folds, {1: cal}, everyone, 0, quick)
    if complete:
        res["complete"] = True  # two writers stand for the twelve
    return res


def test_metrics_entries_only_from_a_complete_run():
    with pytest.raises(GloveXferError, match="complete run"):
        CC.metrics_entries(_run(complete=False))
    r = _run(complete=True, quick=True)
    with pytest.raises(GloveXferError, match="complete run"):
        CC.metrics_entries(r)
    e = CC.metrics_entries(_run(complete=True))
    assert set(e) == {"lowo_cal1"} and e["lowo_cal1"]["per_writer"] == {"a": 0.9, "b": 0.9}
    assert e["lowo_cal1"]["uncalibrated"] == pytest.approx(0.7) and e["lowo_cal1"]["guard2_off"] == []
    assert e["lowo_cal1"]["spec"] == 5 and _run(complete=True)["lowo_cal1"]["gains_chosen"] == {1020: 1, 2040: 1, 4080: 0}


def test_calibration_figures_survive_a_new_protocols_summary():
    """``evaluate --domain chen2021`` rewrites the metrics file from its fold files; the
    calibration's entries are kept, under chen_best's figures and under ``best`` when it is
    the same model."""
    entries = CC.metrics_entries(_run(complete=True))
    old = CC.put_into_metrics({FUSED_FIGURES: {"lowo": {}}, "best": {"is": FUSED_FIGURES}}, entries)
    assert old["best"]["lowo_cal1"] == entries["lowo_cal1"]
    new = CC.carry_over({FUSED_FIGURES: {"lowo": {"mean": 0.7}}, "best": {"is": FUSED_FIGURES}, "signal_net": {}}, old)
    assert new[FUSED_FIGURES]["lowo_cal1"] == entries["lowo_cal1"] == new["best"]["lowo_cal1"]
    assert new[FUSED_FIGURES]["lowo"] == {"mean": 0.7} and "lowo_cal1" not in new["signal_net"]
    other = CC.carry_over({FUSED_FIGURES: {}, "best": {"is": "signal_net"}}, old)
    assert "lowo_cal1" not in other["best"]
    with pytest.raises(GloveXferError, match="no .* figures"):
        CC.put_into_metrics({}, entries)


@pytest.fixture(scope="module")
def quick_fold(tmp_path_factory, chen2021_dir, digilets_dir, chen_private_pretraining):
    """``evaluate --chen2021 DIR --model chen_best --calibrate 1 3 --quick --folds 1``."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("chen_cal")
    argv = ["evaluate", "--chen2021", str(chen2021_dir), "--digilets", str(digilets_dir), "--model", "chen_best", "--calibrate", "1", "3",
            "--quick", "--folds", "1", "--out", str(out), "--json", str(out / "run.json"), "--no-progress"]
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        assert main(argv) == 0
    return out, json.loads((out / "run.json").read_text()), log.getvalue()


def test_quick_fold_structure(quick_fold):
    out, res, log = quick_fold
    assert res["quick"] is True and res["complete"] is False and res["writers"] == ["canon"]
    assert "lowo canon (1/1" in log and "metrics.json unchanged" in log
    fold = res["folds"]["canon"]
    assert fold["n_test"] > 0 and fold["settings"] == CC.fold_settings(0, True)
    assert 0 <= fold["int8_accuracy"] <= 1 and res["lowo"]["int8"]["per_writer"] == {"canon": fold["int8_accuracy"]}
    for k in (1, 3):
        c = res[f"lowo_cal{k}"]
        assert c["writers"] == ["canon"] and c["folds"] == 1
        for key in ("uncalibrated", "unguarded", "uncalibrated_calibrated_letters_only"):
            assert set(c[key]["per_writer"]) == {"canon"}
        assert c["per_writer"]["canon"] == c["mean"]
    assert "lowo_cal2" not in res


def test_quick_fold_device_data(quick_fold, chen2021_dir):
    """The fold file holds the device model's scores (sum of two int8 softmax outputs + 128
    each) and both networks' int8 features for each of the writer's letters."""
    out, res, _ = quick_fold
    with np.load(out / CC.FOLDS_DIR / "canon.npz") as z:
        y, scores, fl, fs = z["y"], z["scores"], z["features_lstm"], z["features_signal"]
    n = res["folds"]["canon"]["n_test"]
    assert y.shape == (n,) and scores.shape == (n, 26) and scores.min() >= 0 and scores.max() <= 510
    assert fl.dtype == np.int8 and fl.shape == (n, 100) and fs.dtype == np.int8 and fs.shape[0] == n
    assert np.mean(np.argmax(scores, axis=1) == y) == pytest.approx(res["folds"]["canon"]["int8_accuracy"])


def test_calibrated_and_uncalibrated_on_the_same_test_letters(quick_fold):
    """For each K the uncalibrated figure is the device's decision on exactly the letters the
    calibrated one is measured on: the writer's letters minus the K per letter calibrated."""
    out, res, _ = quick_fold
    with np.load(out / CC.FOLDS_DIR / "canon.npz") as z:
        arrays = {k: z[k] for k in z.files}
    y, scores = arrays["y"], arrays["scores"]
    for k in (1, 3):
        seed = 1000 * (0 + 0) + k  # writer canon is fold 0 of the sorted writers
        cal_idx, test_idx = calibration.calibration_split(y, k, seed)
        assert len(np.intersect1d(cal_idx, test_idx)) == 0 and len(cal_idx) + len(test_idx) == len(y)
        assert len(cal_idx) == sum(min(k, int(np.sum(y == c)) - 1) for c in np.unique(y))
        c = res[f"lowo_cal{k}"]
        assert c["uncalibrated"]["per_writer"]["canon"] == pytest.approx(np.mean(np.argmax(scores[test_idx], axis=1) == y[test_idx]))
        r = CC.calibrate_fold(arrays, k, 0, 0)
        assert r["test_recordings"] == len(test_idx) and r["calibration_samples"] == len(cal_idx)
        assert r["calibrated"] == c["per_writer"]["canon"] and r["unguarded"] == c["unguarded"]["per_writer"]["canon"]


def test_rerun_resumes_from_the_fold_file_and_refuses_other_settings(quick_fold, chen2021_dir, capsys):
    out, res, _ = quick_fold
    argv = ["evaluate", "--chen2021", str(chen2021_dir), "--model", "fused_signal", "--calibrate", "1", "3", "--quick", "--summarise",
            "--out", str(out), "--json", str(out / "again.json"), "--no-progress"]
    assert main(argv) == 0
    log = capsys.readouterr().out
    assert "lowo canon (1/12, done already)" in log and log.count("no fold file") == 11  # --summarise trains nothing
    again = json.loads((out / "again.json").read_text())
    assert again["lowo_cal3"] == res["lowo_cal3"] and again["lowo"] == res["lowo"]
    js = out / CC.FOLDS_DIR / "canon.json"
    rec = json.loads(js.read_text())
    rec["settings"]["seed"] = 1
    js.write_text(json.dumps(rec))
    try:
        assert main(argv) == 2
        assert "made with other settings" in capsys.readouterr().err
    finally:
        rec["settings"]["seed"] = 0
        js.write_text(json.dumps(rec))


def test_protocols_summary_keeps_the_calibration(tmp_path, capsys):
    """``evaluate --domain chen2021 --summarise`` rewrites the metrics file from the protocols'
    fold files and keeps the ``lowo_cal<K>`` entries that ``--calibrate`` put there."""
    fold = {"protocol": "lowo", "fold": "isa", "held_out": ["isa"], "n_test": 10, "seconds": 1.0,
            "models": {FUSED_FIGURES: {"accuracy": 0.5, "confusion": np.eye(26, dtype=int).tolist(), "per_writer": {"isa": 0.5}}}}
    (tmp_path / "folds" / "lowo").mkdir(parents=True)
    (tmp_path / "folds" / "lowo" / "isa.json").write_text(json.dumps(fold))
    js = tmp_path / "metrics.json"
    argv = ["evaluate", "--domain", "chen2021", "--summarise", "--out", str(tmp_path), "--json", str(js), "--no-progress"]
    assert main(argv) == 0
    m = json.loads(js.read_text())
    assert m[FUSED_FIGURES]["lowo"]["per_writer"] == {"isa": 0.5} and "lowo_cal1" not in m[FUSED_FIGURES]
    entries = CC.metrics_entries(_run(complete=True))
    js.write_text(json.dumps(CC.put_into_metrics(m, entries)))
    assert main(argv) == 0
    again = json.loads(js.read_text())
    assert again[FUSED_FIGURES]["lowo_cal1"] == entries["lowo_cal1"] and again[FUSED_FIGURES]["lowo"] == m[FUSED_FIGURES]["lowo"]


def test_best_is_a_model_the_firmware_runs(tmp_path, capsys):
    """``best`` of the summary is the highest subject-split mean among the models measured on
    all 6 pairs, leaving out the float time-signal study's (``FLOAT_ONLY``: no firmware runs
    them), even when one of those is higher."""
    from glovexfer.nets.chen2021 import FLOAT_ONLY, N_PAIRS

    def fold(name, accs):
        return {"protocol": "subject_split", "fold": name, "held_out": name.split("+"), "n_test": 10, "seconds": 1.0,
                "models": {m: {"accuracy": a, "confusion": np.eye(26, dtype=int).tolist(), "per_writer": {}} for m, a in accs.items()}}

    d = tmp_path / "folds" / "subject_split"
    d.mkdir(parents=True)
    for k in range(N_PAIRS):
        accs = {FUSED_FIGURES: 0.70, "signal_net": 0.68, FLOAT_ONLY[1]: 0.71} | ({"transfer_lstm": 0.9} if k == 0 else {})
        (d / f"w{k}+v{k}.json").write_text(json.dumps(fold(f"w{k}+v{k}", accs)))
    js = tmp_path / "metrics.json"
    assert main(["evaluate", "--domain", "chen2021", "--summarise", "--out", str(tmp_path), "--json", str(js), "--no-progress"]) == 0
    m = json.loads(js.read_text())
    assert m[FLOAT_ONLY[1]]["subject_split"]["mean"] > m[FUSED_FIGURES]["subject_split"]["mean"]
    assert m["transfer_lstm"]["subject_split"]["folds"] == 1  # not on all 6 pairs: not a candidate
    assert m["best"]["is"] == FUSED_FIGURES


def test_fold_is_the_shipping_path_on_the_other_writers(quick_fold, chen2021_dir, digilets_dir, tmp_path):
    """A fold's networks are what ``train --domain chen2021`` and ``export --domain chen2021``
    make of the other 11 writers: the shipped path's int8 chen_best on the held-out writer's
    letters gives the fold file's scores and features bit for bit (both --quick)."""
    from glovexfer.chen.counts import recording_set
    from glovexfer.golden.recognise import fuse_batch, recognise_batch
    from glovexfer.nets import shipping as S

    out, res, _ = quick_fold
    others = [w for w in ("canon", "chen", "haobin", "isa", "jq", "kelly", "kevin", "russell", "wenzhou", "yiheng", "yongxu", "zhaoye") if w != "canon"]
    common = ["--chen2021", str(chen2021_dir), "--no-progress"]
    assert main(["train", "--domain", "chen2021", "--quick", "--out", str(tmp_path), "--writers", *others, "--digilets", str(digilets_dir), *common]) == 0
    assert main(["export", "--domain", "chen2021", "--models", str(tmp_path), *common]) == 0
    nets = S.int8_networks(S.model_folder("chen_best", [tmp_path]))
    rs = recording_set(chen2021_dir, writers=["canon"])
    r = recognise_batch(rs.counts, net_lstm=nets["lstm"], net_signal=nets["signal"], sensor=rs.sensor)
    with np.load(out / CC.FOLDS_DIR / "canon.npz") as z:
        assert np.array_equal(fuse_batch(r.lstm, r.signal).scores, z["scores"])
        assert np.array_equal(r.lstm.features, z["features_lstm"]) and np.array_equal(r.signal.features, z["features_signal"])
