"""golden.calibrate (few-shot calibration, spec v5 in docs/calibration.md: the gain chosen by
the leave-one-out when the set is sealed, a letter of 3 samples measured with its mean too) and the feature vectors it reads
(Int8Network.run_with_features, NetOutput.features); the gain the device chooses is the one
experiments/calibration_variants.py chooses."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from glovexfer.golden import calibrate as C
from glovexfer.params import LETTERS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "models" / "glove"


def _scores(true: int, hi: int = 100, lo: int = 90) -> np.ndarray:
    s = np.zeros(len(LETTERS), dtype=np.int64)
    s[:] = 10
    s[(true + 1) % len(LETTERS)] = lo
    s[true] = hi
    return s


def _f(*v) -> np.ndarray:
    return np.array(v, dtype=np.int8)


def _set(samples, n_nets=1) -> C.CalibrationSet:
    cal = C.CalibrationSet(n_nets)
    for letter, feats in samples:
        assert C.add_sample(cal, letter, feats, _scores(letter)).stored
    C.seal(cal)
    return cal


def test_exact_match_gets_the_gain_per_network():
    cal = _set([(0, (_f(0, 0), _f(5))), (1, (_f(100, 100), _f(-90)))], n_nets=2)
    g = C.GAINS[0]  # nothing judged (one sample per letter): the smallest candidate
    assert cal.gain == g == 1020
    b = C.bonus(cal, (_f(0, 0), _f(5)))
    assert b[0] == g // C.LSTM_SHARE + g  # spec v3: the BiLSTM (network 0) a quarter
    # letter b's sample is tau away (the only other letter's), half the reach: half of each share
    assert b[1] == g // C.LSTM_SHARE // 2 + g // 2
    assert np.all(b[2:] == 0)  # letters without samples


def test_no_effect_with_fewer_than_two_letters():
    cal = _set([(3, (_f(7, 7),)), (3, (_f(9, 9),))])
    assert C.scales(cal) is None
    s = _scores(5)
    assert np.array_equal(C.calibrated_scores(cal, (_f(7, 7),), s), s)
    assert np.array_equal(C.calibrated_scores_batch(cal, (np.stack([_f(7, 7), _f(1, 2)]),), np.stack([s, s])), np.stack([s, s]))
    assert C.enabled_set(cal)[0] is None


def test_a_set_changed_since_its_seal_is_refused():
    cal = _set([(0, (_f(0),)), (1, (_f(40),))])
    assert cal.gain == C.GAINS[0]
    C.add_sample(cal, 2, (_f(-40),), _scores(2))
    assert cal.gain is None
    with pytest.raises(ValueError, match="sealed"):
        C.bonus(cal, (_f(0),))
    with pytest.raises(ValueError, match="sealed"):
        C.calibrated_scores_batch(cal, (np.zeros((2, 1), np.int8),), np.stack([_scores(0)] * 2))
    C.seal(cal)
    assert C.bonus(cal, (_f(0),))[0] == C.GAINS[0]


def _z_wins(margin: int):
    """a at 0 and 2, b at 50 and 52; the model puts z (no samples) ``margin`` above each
    sample's own letter.  Left out, a sample keeps its letter's other sample 2 away with tau 48
    or 50 (reach 96 or 100): gain 1020 adds 998 or 999, 2040 1997 or 1999, 4080 3995 or 3998."""
    cal = C.CalibrationSet(1)
    for letter, v in ((0, 0), (0, 2), (1, 50), (1, 52)):
        s = np.zeros(len(LETTERS), np.int64)
        s[letter], s[25] = 100, 100 + margin
        C.add_sample(cal, letter, (_f(v),), s, confirm=True)
    return cal


def test_seal_chooses_the_gain_of_the_most_own_samples_right_ties_to_the_larger():
    cal = _z_wins(2500)  # 1020 and 2040 too small: 4080 the only gain that gets them right
    check = C.seal(cal)
    assert check.per_gain == (0, 0, 4) and check.uncalibrated == 0
    assert check.gain == cal.gain == 4080 and check.calibrated == 4 and not check.harmful
    cal = _z_wins(1200)  # 1020 too small; 2040 and 4080 tie: the larger
    check = C.seal(cal)
    assert check.per_gain == (0, 4, 4) and check.gain == cal.gain == 4080
    tau = C.scales(cal)[0]
    assert C.bonus(cal, (_f(1),))[0] == 4080 * (2 * tau - 1) // (2 * tau)
    assert C.choose_gain((3, 3, 3), 3) == 4080 and C.choose_gain((1, 2, 2), 3) == 4080
    assert C.choose_gain((2, 1, 0), 3) == 1020 and C.choose_gain((0, 1, 0), 1) == 2040
    assert C.choose_gain((0, 0, 0), 0) == 1020  # nothing judged: the smallest


def test_fewer_than_two_letters_get_the_smallest_gain():
    cal = C.CalibrationSet(1)
    C.add_sample(cal, 4, (_f(1),), _scores(4))
    check = C.seal(cal)
    # its only sample is not judged (spec v3): nothing judged, the smallest candidate (spec v4)
    assert cal.gain == C.GAINS[0] == 1020 and check.per_gain == (0,) * len(C.GAINS) and check.total == 0
    assert "cannot judge" in check.message and not check.harmful


def test_fourth_sample_replaces_the_oldest():
    cal = C.CalibrationSet(1)
    for v in (1, 2, 3, 4):
        C.add_sample(cal, 2, (_f(v),), _scores(2))
    assert len(cal.samples[2]) == C.K_MAX == 3
    assert [int(s.features[0][0]) for s in cal.samples[2]] == [2, 3, 4]


def test_scale_and_bonus_by_hand():
    # a: 0, 10; b: 40.  nearest other letter: 0->40 (40), 10->40 (30), 40->10 (30); tau = 100 // 3 = 33
    cal = _set([(0, (_f(0),)), (0, (_f(10),)), (1, (_f(40),))])
    assert C.scales(cal) == (33,)
    d = C.distances(cal, (_f(20),))
    assert d[0, 0] == 10 and d[0, 1] == 20 and np.all(d[0, 2:] == -1)
    assert cal.gain == 4080  # a's two samples right under every gain: ties to the larger
    b = C.bonus(cal, (_f(20),))  # reach 2 tau = 66
    assert b[0] == 4080 * 56 // 66 and b[1] == 4080 * 46 // 66
    s = _scores(1)
    s[0] = 90
    assert C.decide(C.calibrated_scores(cal, (_f(20),), s))[0] == 0  # 90 + 3461 > 100 + 2843


def test_a_letter_of_three_samples_is_as_far_as_the_mean_of_its_nearest_and_its_mean():
    # spec v5. a: 0, 6, 12 (mean 6); b: 60. x = 1: a's nearest is 1 away, its mean 5:
    # floor((3 * 1 + |3 - 18|) / 6) = 3; b (one sample) stays at its nearest, 59
    cal = _set([(0, (_f(0, 0),)), (0, (_f(6, 6),)), (0, (_f(12, 12),)), (1, (_f(60, 60),))])
    d = C.distances(cal, (_f(1, 1),))
    assert d[0, 0] == (3 * 2 + 2 * 15) // 6 == 6 and d[0, 1] == 2 * 59
    assert C.distances(cal, (_f(1, 1),), letter_means=False)[0, :2].tolist() == [2, 2 * 59]
    # x = (1, 6): nearest (6, 6) 5 away, 3 x the mean's distance |3 - 18| + |18 - 18| = 15
    assert C.distances(cal, (_f(1, 6),))[0, 0] == (3 * 5 + 15) // 6 == 5
    # the batch path and the leave-one-out (a letter left with 2 samples: its nearest only)
    x = np.stack([_f(1, 1), _f(1, 6), _f(30, 30)])
    tau = C.scales(cal)[0]
    want = np.stack([C._bonus_of(C.distances(cal, (r,))[0], tau, cal.gain, 0, 1) for r in x])
    assert np.array_equal(C.bonuses_batch(cal, (x,))[:, 0], want)
    assert C.letter_distance(7, _f(1, 1), np.stack([_f(0, 0), _f(6, 6)])) == 7  # 2 samples: no mean
    check = C.leave_one_out(cal)
    assert check.total == 3 and check.calibrated == 3


def test_scale_is_at_least_one():
    cal = _set([(0, (_f(3),)), (1, (_f(3),))])
    assert C.scales(cal) == (1,)
    assert C.bonus(cal, (_f(3),))[:2].tolist() == [C.GAINS[0], C.GAINS[0]]


def test_guard_1_flags_a_sample_that_does_not_look_like_its_letter():
    cal = C.CalibrationSet(1)
    s = _scores(5)  # top-3: f (5), g (6), then a (0)
    r = C.add_sample(cal, 9, (_f(1),), s)
    assert r.suspicious and not r.stored and len(cal) == 0 and r.top3 == (5, 6, 0)
    r = C.add_sample(cal, 9, (_f(1),), s, confirm=True)
    assert r.suspicious and r.stored and len(cal) == 1
    r = C.add_sample(cal, 6, (_f(1),), s)  # second place: in the top-3
    assert r.stored and not r.suspicious


def test_guard_2_reports_a_calibration_that_lowers_own_accuracy():
    # every sample lies 2 from a sample of the other letter and 100 from its own
    cal = _set([(0, (_f(0),)), (0, (_f(100),)), (1, (_f(2),)), (1, (_f(102),))])
    check = C.leave_one_out(cal)
    assert (check.uncalibrated, check.calibrated, check.total) == (4, 0, 4)
    assert check.harmful and check.message == "lowers accuracy on your own samples: 4/4 -> 0/4"
    assert C.enabled_set(cal)[0] is None


def test_guard_2_keeps_a_helpful_calibration():
    cal = C.CalibrationSet(1)
    for letter, v in ((0, 0), (0, 2), (1, 50), (1, 52)):
        # uncalibrated the model takes every sample for the other letter
        C.add_sample(cal, letter, (_f(v),), _scores(1 - letter, 100, 95), confirm=True)
    check = C.leave_one_out(cal)
    assert (check.uncalibrated, check.calibrated) == (0, 4) and not check.harmful
    assert C.enabled_set(cal)[0] is cal


def test_leave_one_out_recomputes_the_scale_without_the_sample():
    cal = _set([(0, (_f(0),)), (0, (_f(10),)), (1, (_f(40),)), (2, (_f(-60),))])
    rest = cal.without(0, 1)
    assert len(rest) == 3 and len(cal) == 4
    assert C.scales(rest) == ((40 + 40 + 60) // 3,)


def test_batch_equals_one_by_one():
    rng = np.random.default_rng(3)
    cal = C.CalibrationSet(2)
    for letter in rng.choice(26, size=20):  # some letters get 4+ samples, some none
        C.add_sample(cal, int(letter), (rng.integers(-128, 128, 100, dtype=np.int8), rng.integers(-128, 128, 128, dtype=np.int8)),
                     rng.integers(0, 511, 26), confirm=True)
    C.seal(cal)
    cal.gain = C.GAINS[-1]  # the largest: every product of the batch path too
    B = 40
    fa = rng.integers(-128, 128, (B, 100), dtype=np.int8)
    fb = rng.integers(-128, 128, (B, 128), dtype=np.int8)
    fa[:5] = cal.entries()[0][2].features[0]  # exact matches too
    scores = rng.integers(0, 511, (B, 26))
    batch = C.calibrated_scores_batch(cal, (fa, fb), scores)
    one = np.stack([C.calibrated_scores(cal, (fa[i], fb[i]), scores[i]) for i in range(B)])
    assert np.array_equal(batch, one)
    assert not np.array_equal(batch, scores)


def test_bonuses_per_network_are_each_networks_share_of_the_bonus():
    rng = np.random.default_rng(4)
    cal = C.CalibrationSet(2)
    for letter in [*rng.choice(26, size=20), 25, 25, 25]:  # z: 3 samples (spec v5's mean) at least
        C.add_sample(cal, int(letter), (rng.integers(-128, 128, 100, dtype=np.int8), rng.integers(-128, 128, 128, dtype=np.int8)),
                     rng.integers(0, 511, 26), confirm=True)
    fa = rng.integers(-128, 128, (30, 100), dtype=np.int8)
    fb = rng.integers(-128, 128, (30, 128), dtype=np.int8)
    fa[:4], fb[:2] = cal.entries()[0][2].features[0], cal.entries()[3][2].features[1]  # exact matches
    with pytest.raises(ValueError, match="sealed"):  # an unsealed set has no gain to apply
        C.bonuses_batch(cal, (fa, fb))
    C.seal(cal)
    taus = C.scales(cal)
    few = [len(s) < C.MEAN_FROM for s in cal.samples]
    assert not all(few)  # some letter has 3 samples (spec v5's mean)
    differ = 0
    for gain in C.GAINS:  # the set's gain, whichever the seal chose
        cal.gain = gain
        b = C.bonuses_batch(cal, (fa, fb))
        o = C.output_bonuses_batch(cal, (fa, fb))  # spec v4: continuous writing's outputs
        both = C.decision_and_output_bonuses(cal, (fa, fb))  # the two from one set of distances
        assert np.array_equal(both[0], b) and np.array_equal(both[1], o)
        for i in range(30):
            d = C.distances(cal, (fa[i], fb[i]))
            m = C.distances(cal, (fa[i], fb[i]), letter_means=False)  # spec v5: the outputs' distance
            assert np.array_equal(d[:, few], m[:, few])  # a letter's mean only with 3 samples
            differ += int((d != m).any())
            for n in range(2):
                g = gain // C.LSTM_SHARE if n == 0 else gain  # spec v3: the BiLSTM's share
                want = np.where(d[n] < 0, 0, g * np.maximum(0, 2 * taus[n] - d[n]) // (2 * taus[n]))
                assert np.array_equal(b[i, n], want)
                want = np.where(m[n] < 0, 0, g * np.maximum(0, taus[n] - m[n]) // taus[n])  # reach tau, nearest sample
                assert np.array_equal(o[i, n], want)
        assert (o < b).any()
        assert all(np.array_equal(C.bonus(cal, (fa[i], fb[i])), b[i].sum(axis=0)) for i in range(30))
        assert b[0, 0, cal.entries()[0][0]] == gain // C.LSTM_SHARE and b[0, 1].max() <= gain
        assert np.array_equal(C.calibrated_scores_batch(cal, (fa, fb), np.zeros((30, 26), np.int64)), b.sum(axis=1))
    assert differ > 0


def test_calibrated_outputs_without_a_bonus_are_the_outputs():
    rng = np.random.default_rng(5)
    p = rng.integers(0, 256, (50, 2, 26))
    assert np.array_equal(C.calibrated_outputs(p, np.zeros_like(p)), p)
    assert np.array_equal(C.calibrated_outputs(np.zeros((3, 26), np.int64), np.zeros((3, 26), np.int64)), np.zeros((3, 26)))


def test_calibrated_outputs_by_hand_and_their_properties():
    p = np.zeros(26, np.int64)
    p[0], p[1] = 200, 56  # S = 256
    b = np.zeros(26, np.int64)
    b[1] = 255  # B = 255: q_c = (p_c + b_c) * 256 // 511
    q = C.calibrated_outputs(p, b)
    assert q[0] == 200 * 256 // 511 and q[1] == 311 * 256 // 511 and q[2:].sum() == 0
    rng = np.random.default_rng(6)
    for _ in range(200):
        p = rng.integers(0, 256, (2, 26)) * (rng.random((2, 26)) < 0.3)
        b = rng.integers(0, 256, (2, 26)) * (rng.random((2, 26)) < 0.2)
        q = C.calibrated_outputs(p, b)
        assert q.min() >= 0 and q.max() <= 255
        for n in range(2):  # the order of p + b is kept (ties may appear, never an inversion)
            o = np.argsort(p[n] + b[n], kind="stable")
            assert np.all(np.diff(q[n][o]) >= 0)
            assert q[n].sum() <= max(p[n].sum(), 0) + 26  # the network's mass, floors aside
    # the largest products: every output 255, an exact match of gain 4080 (int32 on the device)
    p, b = np.full(26, 255), np.zeros(26, np.int64)
    b[0] = C.GAINS[-1]
    q = C.calibrated_outputs(p, b)
    assert q[0] == 255 and np.all(q[1:] == 255 * 6630 // (6630 + 4080))
    assert (255 + C.GAINS[-1]) * 26 * 255 < 2**31
    with pytest.raises(ValueError):
        C.calibrated_outputs(np.full(26, 256), np.zeros(26))
    with pytest.raises(ValueError):  # no bonus beyond the largest gain
        C.calibrated_outputs(np.zeros(26), np.full(26, C.GAINS[-1] + 1))
    with pytest.raises(ValueError):
        C.calibrated_outputs(np.zeros(26), np.zeros(25))


def test_bad_arguments_are_refused():
    cal = C.CalibrationSet(2)
    with pytest.raises(ValueError, match="feature vectors"):
        C.add_sample(cal, 0, (_f(1),), _scores(0))
    with pytest.raises(TypeError, match="int8"):
        C.add_sample(cal, 0, (np.array([1]), np.array([2])), _scores(0))
    with pytest.raises(ValueError, match="letter index"):
        C.add_sample(cal, 26, (_f(1), _f(1)), _scores(0))


# ---------------------------------------------------------------------------------------
# the feature vectors of the shipped networks
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    pytest.importorskip("flatbuffers")
    from glovexfer.data.paths import demo_set_path
    from glovexfer.data.recordings import RecordingSet
    from glovexfer.golden.network import load_int8_model

    paths = {k: SHIPPED / f"best_{k}" / "model_int8.tflite" for k in ("lstm", "cnn")}
    if not all(p.is_file() for p in paths.values()):
        pytest.skip("needs the shipped int8 networks (models/glove/best_*)")
    nets = {k: load_int8_model(p.read_bytes()) for k, p in paths.items()}
    rs = RecordingSet.load(demo_set_path())
    return nets, rs.counts[:12]


def test_features_are_the_last_fully_connected_input_and_change_no_output(shipped):
    nets, counts = shipped
    from glovexfer.golden.recognise import recognise_batch

    rb = recognise_batch(counts, nets["lstm"], nets["cnn"])
    for kind, size in (("lstm", 100), ("cnn", 128)):
        net = nets[kind]
        x = getattr(rb, kind).x_int8
        y, feats = net.run_with_features(x)
        assert feats.shape == (len(counts), size) and feats.dtype == np.int8
        assert np.array_equal(y, net.run(x))
        fc = [layer for layer in net.layers if layer.name == "FULLY_CONNECTED"][-1]
        _, layers = net.run(x, return_all=True)
        fc_out = next(lo.value for lo in layers if lo.tensor_index == fc.output)
        assert np.array_equal(fc.run({fc.inputs[0]: feats}), fc_out)  # the FC reads exactly these
        assert np.array_equal(getattr(rb, kind).features, feats)


def test_features_and_scores_per_recording_equal_the_batch(shipped):
    nets, counts = shipped
    from glovexfer.golden.recognise import fuse, recognise, recognise_batch

    rb = recognise_batch(counts, nets["lstm"], nets["cnn"])
    fb = C.model_features(rb, "fused")
    sb = C.model_scores(rb, "fused")
    for i in (0, 5, 11):
        r = recognise(counts[i], nets["lstm"], nets["cnn"])
        fi = C.model_features(r, "fused")
        assert all(np.array_equal(a, b[i]) for a, b in zip(fi, fb))
        assert np.array_equal(C.model_scores(r, "fused"), sb[i])
        assert np.array_equal(sb[i], fuse(r.lstm, r.cnn).scores)
    assert C.model_scores(rb, "lstm").shape == (len(counts), 26)
    with pytest.raises(ValueError, match="signal"):
        C.model_features(rb, "fused_signal")


# ---------------------------------------------------------------------------------------
# the experiment's "gain chosen by leave-one-out" is the device's gain
# ---------------------------------------------------------------------------------------
def _variants_module():
    path = ROOT / "experiments" / "calibration_variants.py"
    spec = importlib.util.spec_from_file_location("calibration_variants", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _simulated_user(rng, letters=8, per_letter=7, dims=(6, 5), hi=300):
    """Features clustered by letter (two networks), and model scores that often put a
    distractor letter above the true one by up to `hi` (so that larger gains can win)."""
    y = np.repeat(np.arange(letters), per_letter)
    centres = [rng.integers(-60, 61, (letters, d)) for d in dims]
    feats = tuple(np.clip(c[y] + rng.integers(-25, 26, (len(y), c.shape[1])), -128, 127).astype(np.int8) for c in centres)
    scores = rng.integers(0, 40, (len(y), len(LETTERS)))
    scores[np.arange(len(y)), y] += 100
    distractor = (y + 1 + rng.integers(0, 5, len(y))) % len(LETTERS)
    scores[np.arange(len(y)), distractor] += 100 + rng.integers(-100, hi, len(y))
    return feats, scores.astype(np.int64), y


def test_device_gain_equals_the_experiments_chosen_gain():
    """experiments/calibration_variants.py's gain chosen per wearer (its own leave-one-out
    over GAINS) and its test accuracy equal the golden twin's sealed gain and its calibrated
    accuracy without Guard 2 (nets.calibration.calibrate_user), on simulated wearers that
    choose each candidate."""
    from glovexfer.nets import calibration as NC

    V = _variants_module()
    assert tuple(V.GAINS) == C.GAINS
    rng = np.random.default_rng(18)
    chosen = []
    for user in range(9):
        feats, scores, y = _simulated_user(rng, hi=(300, 1200, 3000)[user % 3])
        for k in (1, 2, 3):
            v = V.variants(feats, scores, y, k, seed=user)
            r = NC.calibrate_user(feats, scores, y, k, seed=user)
            assert r["leave_one_out"]["gain"] == v["chosen"], (user, k, v["own_samples_right"], r["leave_one_out"])
            assert list(v["own_samples_right"].values()) == r["leave_one_out"]["per_gain"]
            assert r["unguarded"] == v["chosen_gain"], (user, k)
            assert r["uncalibrated"] == v["uncalibrated"]
            chosen.append(v["chosen"])
    assert set(chosen) == set(C.GAINS), chosen  # every candidate is chosen by some wearer
