"""``glovexfer parity`` on the host-native firmware: every intermediate of >= 200 simulated
recordings plus the golden vector files (incl. edge cases) equals the golden model; a
mismatch is reported with stage, index and both values, and the exit status is non-zero."""

from __future__ import annotations

import re
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.cli import main  # noqa: E402


def _args(models, *extra):
    return ["parity", "--device", "native", "--model-dir", str(models), "--models", str(models),
            str(fw_models.ROOT / "models"), *extra]


def test_parity_native_simulated_and_vectors(models, glove, tmp_path, capsys):
    from glovexfer.export.vectors import write_vectors

    vec = tmp_path / "vec"
    write_vectors(vec, 20)
    n_vec = len((vec / "index.txt").read_text().split())
    rc = main(_args(models, "--n", "200", "--vectors", str(vec)))
    out = capsys.readouterr().out
    print(out)
    m = re.search(r"(\d+) recordings, (\d+) values compared, (\d+) mismatches, (\d+) errors", out)
    assert m is not None, out
    assert int(m.group(1)) == 200 + n_vec
    assert int(m.group(2)) > 200 * 2000  # ~2.6k values per recording
    assert (m.group(3), m.group(4)) == ("0", "0")
    assert rc == 0
    for stage in ("quaternions", "image", "lstm.probs", "cnn.logits", "fused.scores", "fused.result"):
        assert re.search(rf"stage {re.escape(stage)}\s+values\s+[1-9]\d* mismatches 0", out), stage


def test_parity_names_first_mismatch(models, glove, monkeypatch, capsys):
    import glovexfer.device.parity as P

    real = P.golden_expected_batch
    calls = []

    def perturbed(recordings, nl, nc, ns=None):
        exps = real(recordings, nl, nc, ns)
        if not calls:
            exps[0]["stages"]["resampled"] = exps[0]["stages"]["resampled"].copy()
            exps[0]["stages"]["resampled"][5] += 1
        calls.append(1)
        return exps

    monkeypatch.setattr(P, "golden_expected_batch", perturbed)
    rc = main(_args(models, "--n", "3"))
    out = capsys.readouterr().out
    assert rc == 1
    m = re.search(r"first mismatch: simulated #0: stage resampled index 5: device (-?\d+), golden (-?\d+)", out)
    assert m is not None, out
    assert int(m.group(2)) == int(m.group(1)) + 1
    assert "1 mismatches" in out


def test_parity_bad_arguments(models, capsys):
    assert main(["parity", "--device", "native", "--n", "0"]) == 2
    assert "nothing to compare" in capsys.readouterr().err
    assert main(["parity", "--device", "/no/such/port", "--n", "1"]) == 2
    assert main(_args(models, "--n", "1", "--vectors", "/no/such/dir")) == 2
