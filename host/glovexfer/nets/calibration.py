"""Few-shot calibration measured on held-out users (``glovexfer evaluate --protocol ui
--calibrate K``): the device's calibration (``golden.calibrate``) on a fold's int8 networks.

For one held-out user, ``K`` recordings of each letter (chosen with a seeded generator, in
recording order per letter) are the calibration set, added letter by letter as a wearer
would write them, every one confirmed (the labels are true, so Guard 1 only counts the
samples it would have flagged); the user's other recordings are the test set.  On that same
test set the figures are: the uncalibrated device decision, the calibrated one as the device
would run it (off when Guard 2 finds the set harmful or fewer than 2 letters are
calibrated), the calibrated one without Guard 2 (``unguarded``), Guard 1's catch of a wrong
letter written (``wrong_letter_flagged``: a recording of the next letter offered as each
letter's sample), and, as a control, the
uncalibrated decision among the calibrated letters only
(``uncalibrated_calibrated_letters_only``): a data set that holds fewer than 26 letters per
user calibrates only those, and this shows how much of a gain the restriction alone gives.
"""

from __future__ import annotations

import numpy as np

from ..golden import calibrate as C


def calibration_split(y: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(calibration indices, test indices)`` of one user's recordings: ``k`` of each letter
    (seeded, letters ascending) and the rest.  A letter with ``k`` or fewer recordings keeps
    one for the test set."""
    rng = np.random.default_rng(seed)
    cal = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        cal.extend(rng.choice(idx, size=min(k, len(idx) - 1), replace=False).tolist())
    cal_idx = np.array(cal, dtype=np.int64)
    return cal_idx, np.setdiff1d(np.arange(len(y)), cal_idx)


def calibrate_user(features: tuple, scores: np.ndarray, y: np.ndarray, k: int, seed: int) -> dict:
    """One held-out user's figures with ``k`` calibration recordings per letter.

    ``features``: one (N, F_n) int8 array per network of the device model (MODEL_NETS
    order); ``scores``: the model's uncalibrated integer scores (N, 26); ``y``: labels (N,)."""
    cal_idx, test_idx = calibration_split(np.asarray(y), k, seed)
    cal = C.CalibrationSet(len(features))
    flagged = 0
    for i in cal_idx:
        flagged += C.add_sample(cal, int(y[i]), tuple(f[i] for f in features), scores[i], confirm=True).suspicious
    enabled, check = C.enabled_set(cal)
    test_feats = tuple(f[test_idx] for f in features)
    plain = np.argmax(scores[test_idx], axis=1)  # first maximum, as golden.calibrate.decide
    unguarded = np.argmax(C.calibrated_scores_batch(cal, test_feats, scores[test_idx]), axis=1)
    guarded = unguarded if enabled is not None else plain
    yt = np.asarray(y)[test_idx]
    # the uncalibrated decision among the calibrated letters only: how much of the gain a
    # mere restriction to the letters the data set holds would give (a wearer calibrates all 26)
    others = np.ones(scores.shape[1], bool)
    others[np.unique(np.asarray(y)[cal_idx])] = False
    restricted = np.argmax(np.where(others, -1, scores[test_idx]), axis=1)
    return {
        "wrong_letter_flagged": wrong_letter_flagged(scores, y, cal_idx, test_idx),
        "uncalibrated": float(np.mean(plain == yt)),
        "uncalibrated_calibrated_letters_only": float(np.mean(restricted == yt)),
        "calibrated": float(np.mean(guarded == yt)),
        "unguarded": float(np.mean(unguarded == yt)),
        "enabled": enabled is not None,
        "flagged": int(flagged),
        "calibration_samples": int(len(cal_idx)),
        "test_recordings": int(len(test_idx)),
        "leave_one_out": {"uncalibrated": check.uncalibrated, "calibrated": check.calibrated, "total": check.total,
                          "gain": check.gain, "per_gain": list(check.per_gain), "message": check.message},
    }


def wrong_letter_flagged(scores: np.ndarray, y: np.ndarray, cal_idx: np.ndarray, test_idx: np.ndarray) -> list[int]:
    """Guard 1 against a wrong letter written: for each letter c calibrated, the first test
    recording of the next calibrated letter (cyclically) offered as a sample of c; returns
    ``[flagged, offered]``."""
    letters = np.unique(np.asarray(y)[cal_idx])
    flagged = 0
    for n, c in enumerate(letters):
        other = letters[(n + 1) % len(letters)]
        i = test_idx[np.asarray(y)[test_idx] == other][0]
        flagged += C.add_sample(C.CalibrationSet(1), int(c), (np.zeros(1, np.int8),), scores[i]).suspicious
    return [int(flagged), int(len(letters))]


def summarise(per_user: dict, unit: str = "user") -> dict:
    """``{user: calibrate_user(...)}`` -> mean and per-user figures (calibrated as on the
    device, uncalibrated and unguarded on the same test recordings), each user's guards, the
    calibration spec and how many users chose each gain.
    ``unit`` names the held-out person in the keys (``per_user``, ``users``; the real pen
    writers: ``per_writer``, ``writers``)."""
    out: dict = {}
    for key in ("calibrated", "uncalibrated", "unguarded", "uncalibrated_calibrated_letters_only"):
        pu = {u: r[key] for u, r in per_user.items()}
        vals = np.array(list(pu.values()))
        out[key] = {"mean": float(vals.mean()), "std": float(vals.std()), f"per_{unit}": pu}
    main = out.pop("calibrated")
    wrong = np.sum([r["wrong_letter_flagged"] for r in per_user.values()], axis=0).tolist()
    gains = [r["leave_one_out"]["gain"] for r in per_user.values()]
    return main | out | {"spec": C.SPEC_VERSION, "gains_chosen": {g: gains.count(g) for g in C.GAINS},
                         f"{unit}s": list(per_user), "wrong_letter_flagged": wrong,
                         "guards": {u: {k: r[k] for k in ("enabled", "flagged", "leave_one_out", "wrong_letter_flagged")}
                                    for u, r in per_user.items()}}
