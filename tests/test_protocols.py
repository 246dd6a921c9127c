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
    monkeypatch.setattr(P, "accuracy", lambda model, kind, test: (1.0, test.y))
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
    monkeypatch.setattr(P, "accuracy", lambda model, kind, test: (len(test) / 1000, test.y))
    a = Arrays(np.zeros((600, 100, 2), np.float32), np.zeros((600, 28, 28), np.float32), np.arange(600) % 26, np.array(["u"] * 600))
    res = P.user_dependent(P.SETTINGS["paper_lstm"], None, a)
    assert calls == [400] * 15 and len(res["runs"]) == 15 and res["mean"] == pytest.approx(0.2)


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
