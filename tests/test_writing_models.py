"""The letter recogniser of continuous writing (``glovexfer.nets.writing_models``,
``glovexfer train --model writing``): its training letters are cut out of source-writer
sessions exactly as the device cuts them, and the command writes the pair, its int8 files and
the continuous glove's model data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
GLOVE = ROOT / "models" / "glove"


@pytest.fixture(scope="module")
def few_sessions(tmp_path_factory, digilets_dir):
    from glovexfer.data.sessions import SessionSet
    from test_firmware_spotter import simulated_sessions

    return SessionSet.load(simulated_sessions(tmp_path_factory.mktemp("wm"), 4, 7, digilets_dir))


def test_letter_segments_are_the_true_and_the_spotted_letters_time_normalised(few_sessions):
    from glovexfer.golden.spotting import spot, time_normalise
    from glovexfer.nets.spotter import load_spotter
    from glovexfer.nets.writing import match_letters
    from glovexfer.nets.writing_models import session_letters

    spotter = load_spotter(GLOVE / "spotter")
    rs = session_letters(few_sessions, spotter)
    cut, sess = rs.extras["cut"], rs.extras["session"]
    assert rs.counts.shape[1:] == (32, 9) and rs.counts.dtype == np.int16
    n_spotted = 0
    for i in range(len(few_sessions)):
        s = few_sessions[i]
        mine = sess == i
        true = mine & (cut == 0)
        # every letter at its true span, in order, labelled with its letter, from its wearer
        assert "".join(rs.labels[true]) == s.letters and set(rs.users[mine]) == {s.user}
        for k, (a, b) in zip(np.flatnonzero(true), s.spans.tolist()):
            assert np.array_equal(rs.counts[k], time_normalise(s.counts, a, b))
        # the spotted letters that match a true one, at the spotted span, with the true label
        sp = spot(spotter, s.counts).letters
        m = match_letters(sp, [tuple(x) for x in s.spans.tolist()])
        got = np.flatnonzero(mine & (cut == 1))
        assert len(got) == len(m)
        for k, j in zip(got, sorted(m)):
            assert np.array_equal(rs.counts[k], time_normalise(s.counts, *sp[j])) and rs.labels[k] == s.letters[m[j]]
        n_spotted += len(got)
    assert n_spotted > 0.9 * int((cut == 0).sum())  # the spotter finds nearly every letter


def test_letter_segments_without_letters_is_an_error():
    from glovexfer.data.sessions import Session, SessionSet
    from glovexfer.errors import GloveXferError
    from glovexfer.nets.writing_models import session_letters

    empty = SessionSet.from_sessions([Session(np.zeros((40, 9), np.int16))])
    with pytest.raises(GloveXferError, match="no letters"):
        session_letters(empty, None, spotted=False)


def test_train_writing_quick_writes_the_pair_int8_and_firmware_data(tmp_path, digilets_dir, capsys):
    """``train --model writing --quick``: both members, the fused folder, int8 files calibrated on
    other source sessions' letters, and model data of the pair (the glove's generated sources)."""
    from glovexfer.cli import main
    from glovexfer.nets import shipping

    out = tmp_path / "m"
    assert main(["train", "--model", "writing", "--quick", "--out", str(out), "--digilets", str(digilets_dir),
                 "--no-progress"]) == 0
    for name, kind in (("writing_lstm", "lstm"), ("writing_cnn", "cnn")):
        meta = json.loads((out / name / "metrics.json").read_text())
        assert meta["kind"] == kind and meta["pretrained_from"] == f"best_{kind}/pretrained.h5"
        assert meta["train"]["letters_true_spans"] > 0 and meta["train"]["letters_spotted_spans"] > 0
        info = json.loads((out / name / "int8.json").read_text())
        assert "source-writer writing sessions" in info["representative"]["from"]
    assert json.loads((out / "writing" / "metrics.json").read_text())["members"] == ["writing_lstm", "writing_cnn"]
    nets = shipping.int8_networks(shipping.model_folder("writing", out))
    assert set(k for k, v in nets.items() if v is not None) == {"lstm", "cnn"}
    man = json.loads((out / "firmware_writing" / "MANIFEST.json").read_text())
    assert {k: v["model"] for k, v in man["networks"].items()} == {"lstm": "writing_lstm", "cnn": "writing_cnn"}
    for role in ("lstm", "cnn"):
        assert (out / "firmware_writing" / f"gx_model_{role}.cpp").is_file()
    assert "writing: -> " in capsys.readouterr().out


def test_the_shipped_writing_pair_is_the_continuous_gloves():
    """models/glove/firmware_writing carries the shipped writing pair (their int8 digests) and the
    shipped spotter: the continuous glove runs what ``evaluate --sessions`` measured."""
    man = json.loads((GLOVE / "firmware_writing" / "MANIFEST.json").read_text())
    for role, v in man["networks"].items():
        info = json.loads((GLOVE / Path(v["tflite"]).parent / "int8.json").read_text())
        assert v["sha256"] == info["sha256"]
    assert {k: v["model"] for k, v in man["networks"].items()} == {"lstm": "writing_lstm", "cnn": "writing_cnn",
                                                                   "spotter": "spotter"}
    metrics = json.loads((GLOVE / "metrics_writing.json").read_text())
    assert metrics["model"] == "writing"
