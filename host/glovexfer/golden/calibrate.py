"""Few-shot calibration to the wearer, integers only (spec v5, docs/calibration.md).

The firmware's calibration (firmware/core, ``calibrate`` command) is its twin, bit for bit.

Spec v5 (spec v4 with a letter's mean: in a decision, a letter whose 3 samples are kept is
as far as the mean of its nearest sample's and its samples' mean's distance; continuous
writing's outputs keep the nearest sample's.  Spec v4: spec v3 with larger gains, candidates
1020, 2040, 4080, ties to the larger, and continuous writing's calibrated outputs with spec
v2's reach, ``OUTPUT_REACH`` = 1)
    Feature vector
        Per network ``n`` of the device model (``golden.recognise.MODEL_NETS[model]``, in that
        order), ``x_n`` is the int8 input of the network's last FULLY_CONNECTED (the one that
        feeds SOFTMAX; ``Int8Network.run_with_features``, ``NetOutput.features``): 100 values
        for the BiLSTM, 128 for the CNN, the signal network's own size.
    Calibration set
        Per letter 0..25 up to ``K_MAX`` = 3 samples, oldest first; adding a 4th sample of a
        letter drops the oldest.  A sample holds every network's features and the model's
        uncalibrated integer scores of that recording (26 values; leave-one-out needs them).
    Distance
        ``m_{n,c}(x) = min over the stored samples s of letter c of sum_i |x_i - s_i|``
        (at most 255 * F, fits int32).  A letter without samples has no distance.  Spec v5: a
        letter with ``MEAN_FROM`` = 3 samples (``K_MAX``, all kept) also measures its mean:
        ``e_{n,c}(x) = sum_i |3 x_i - (s1_i + s2_i + s3_i)|`` (3 times the L1 distance to the
        samples' mean, at most 765 * F) and ``d_{n,c} = floor((3 m_{n,c} + e_{n,c}) / 6)``, the
        mean of the nearest sample's and the mean's distance; a letter with fewer samples has
        ``d_{n,c} = m_{n,c}`` (spec v4 for every letter).
    Scale
        ``tau_n``: for every stored sample, its L1 distance (network n) to the nearest stored
        sample of *another* letter; ``tau_n = max(1, floor(sum / count))``.  Recomputed when
        the set changes.  With fewer than 2 letters calibrated there is no scale and the
        calibration has no effect (every bonus is 0).
    Bonus and decision
        ``bonus_{n,c} = floor(G_n * max(0, REACH tau_n - d_{n,c}) / (REACH tau_n))`` with
        ``REACH`` = 2 and ``G_n`` the set's gain ``G`` (``net_gain``: ``floor(G / 4)`` for the
        BiLSTM of a two-network model, network 0; ``G`` otherwise): an exact match of a stored
        sample gets ``G_n``, a letter ``2 tau_n`` or farther and a letter without samples 0.
        ``score_c`` = the model's integer score (fused: sum of the two networks' int8
        softmax outputs + 128, 0..510; one network: its softmax output + 128, 0..255)
        ``+ sum_n bonus_{n,c}`` (at most 510 + 4080 + 1020 = 5610).  Letter = first maximum;
        top-3 = stable sort by descending score (as ``golden.recognise.top_k``).  Every
        product fits int32 (``G * REACH tau_n <= 4080 * 2 * 255 * 128``).
    Gain (sealing)
        When the set is sealed (the device: after every change, and at start-up), the
        leave-one-out below is run with each candidate gain of ``GAINS`` = (1020, 2040, 4080);
        ``G`` = the candidate with the most judged samples right, ties to the *larger* gain
        (spec v4; v3: 255 .. 4080, ties to the smaller).  A set where the leave-one-out judges
        nothing (no letter with two samples: K = 1) gets the smallest candidate, 1020.  ``G`` is
        stored in the set's record and used for every calibrated recognition until the next
        seal.
    Guard 1 (sample)
        A sample of letter ``c`` whose uncalibrated top-3 lacks ``c`` is flagged ("does not
        look like c") and stored only when the caller confirms it.
    Guard 2 (set)
        Leave-one-out on the stored set: each stored sample whose letter keeps another sample
        (spec v3: a letter's only sample, left out, could only lose to the others' bonuses,
        so it is not judged) classified with the calibration built from the others (itself
        removed, scales recomputed) and uncalibrated; if the
        calibrated count of correct samples (with the chosen gain) is below the uncalibrated
        count, the calibration is harmful ("lowers accuracy on your own samples: a/b -> c/b")
        and is not enabled.
    Continuous writing
        A spotted letter's decision is the calibrated one above; the word decoder reads, per
        network, ``q_{n,c} = min(255, floor((p_{n,c} + o_{n,c}) * S_n / max(1, S_n + O_n)))``
        in place of the int8 softmax output ``p_{n,c}`` (``S_n = sum_c p_{n,c}``, ``O_n =
        sum_c o_{n,c}``; :func:`calibrated_outputs`), ``o`` the bonus with the set's sealed
        gain, the reach ``OUTPUT_REACH`` = 1 in place of ``REACH`` (spec v4: spec v2's
        reach; with ``REACH`` = 2 the bonus covers many letters and flattens what the lexicon
        reads, docs/calibration.md) and the nearest sample's distance ``m_{n,c}`` for every
        letter (spec v5: the letter's mean is the decision's only; :func:`output_bonuses_batch`).
        Every product fits int32: ``(255 + 4080) * 26 * 255 = 28,741,050``.

Public functions: :func:`add_sample`, :func:`seal` (chooses the gain), :func:`scales`,
:func:`distances`, :func:`bonus`, :func:`calibrated_scores` (one recording),
:func:`calibrated_scores_batch` (B recordings), :func:`bonuses_batch` (per network, B
recordings), :func:`output_bonuses_batch` and :func:`calibrated_outputs` (continuous
writing), :func:`decision_and_output_bonuses`, :func:`letter_distance`, :func:`mean_term`, :func:`decide`,
:func:`leave_one_out`, :func:`enabled_set`; :func:`model_scores` and :func:`model_features`
read them from a ``golden.recognise`` result.  A set changed by :func:`add_sample` has no gain
until it is sealed again: the functions that apply it refuse it (``ValueError``) rather than
use a stale gain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..params import LETTERS
from .recognise import MODEL_NETS, top_k

#: The calibration spec this module implements (docs/calibration.md; in the figures' JSON).
SPEC_VERSION = 5
#: Samples kept per letter.
K_MAX = 3
#: Spec v1's fixed gain (spec v1 to v3: the smallest candidate).
CAL_GAIN = 255
#: The candidate gains (bonus of an exact match with a stored sample, per network), ascending
#: (spec v4; the first is the gain of a set the leave-one-out cannot judge).
GAINS = (1020, 2040, 4080)
#: Spec v3: a letter's bonus falls to 0 at this many scales ``tau_n`` from its nearest sample.
REACH = 2
#: Spec v4: the reach of the bonus that continuous writing's calibrated outputs mix in.
OUTPUT_REACH = 1
#: Spec v3: in a model of two networks (``fused``, ``fused_signal``: the BiLSTM first) the
#: BiLSTM's bonus is the gain over this divisor; a one-network model's is the whole gain.
LSTM_SHARE = 4
#: Spec v5: a letter with this many samples also measures its samples' mean (``K_MAX``).
MEAN_FROM = 3
#: Recordings per step of the batched distance (bounds its memory).
BATCH_CHUNK = 256


@dataclass(frozen=True)
class Sample:
    """One calibration recording: each network's int8 features and the uncalibrated scores."""

    features: tuple  # (F_n,) int8 per network, MODEL_NETS order
    scores: np.ndarray  # (26,) int64 uncalibrated model scores


@dataclass
class CalibrationSet:
    """The stored samples, ``samples[c]`` = letter ``c``'s, oldest first (at most ``K_MAX``),
    and the gain :func:`seal` chose (None: changed since, or never sealed)."""

    n_nets: int
    samples: list = field(default_factory=lambda: [[] for _ in LETTERS])
    gain: int | None = None

    def letters(self) -> list[int]:
        """The calibrated letters, ascending."""
        return [c for c in range(len(LETTERS)) if self.samples[c]]

    def entries(self) -> list[tuple[int, int, Sample]]:
        """Every stored sample as ``(letter, position, sample)``, letter by letter, oldest first."""
        return [(c, j, s) for c in range(len(LETTERS)) for j, s in enumerate(self.samples[c])]

    def __len__(self) -> int:
        return sum(len(s) for s in self.samples)

    def without(self, letter: int, position: int) -> CalibrationSet:
        """A copy without sample ``position`` of ``letter`` (the leave-one-out set)."""
        out = [list(s) for s in self.samples]
        del out[letter][position]
        return CalibrationSet(self.n_nets, out)

    def sealed_gain(self) -> int:
        """The gain to apply; a set changed since its last :func:`seal` is refused."""
        if self.gain is None:
            raise ValueError("the calibration set changed since it was sealed: seal(cal) chooses its gain first")
        return self.gain


@dataclass(frozen=True)
class AddResult:
    """What :func:`add_sample` did: ``suspicious`` = Guard 1 fired (the letter is not in the
    uncalibrated top-3, ``top3``); ``stored`` = the sample is in the set."""

    stored: bool
    suspicious: bool
    top3: tuple


def _as_features(features, n_nets: int) -> tuple:
    fs = tuple(np.asarray(f) for f in features)
    if len(fs) != n_nets:
        raise ValueError(f"{len(fs)} feature vectors, the calibration's model has {n_nets} networks")
    for f in fs:
        if f.dtype != np.int8:
            raise TypeError(f"int8 features expected, got {f.dtype}")
    return fs


def _as_scores(scores) -> np.ndarray:
    s = np.asarray(scores)
    if not np.issubdtype(s.dtype, np.integer) or s.shape[-1] != len(LETTERS):
        raise ValueError(f"integer scores (..., {len(LETTERS)}) expected, got {s.dtype} {s.shape}")
    return s.astype(np.int64)


def add_sample(cal: CalibrationSet, letter: int, features, scores, confirm: bool = False) -> AddResult:
    """Guard 1, then store: a sample whose letter is not in the uncalibrated top-3 of
    ``scores`` is stored only with ``confirm``; a 4th sample of a letter drops its oldest."""
    if not 0 <= int(letter) < len(LETTERS):
        raise ValueError(f"letter index {letter} is not in 0..{len(LETTERS) - 1}")
    fs = _as_features(features, cal.n_nets)
    sc = _as_scores(scores).reshape(len(LETTERS))
    top3 = tuple(top_k(sc, 3))
    suspicious = int(letter) not in top3
    if suspicious and not confirm:
        return AddResult(False, True, top3)
    kept = cal.samples[int(letter)]
    kept.append(Sample(tuple(f.astype(np.int8).reshape(-1) for f in fs), sc.copy()))
    if len(kept) > K_MAX:
        del kept[0]
    cal.gain = None  # the set changed: seal() chooses its gain again
    return AddResult(True, suspicious, top3)


def _l1(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.sum(np.abs(a.astype(np.int32) - b.astype(np.int32))))


def _pairwise(entries, n: int) -> np.ndarray:
    """(M, M) L1 distances of the stored samples' features of network ``n`` (int64)."""
    x = np.stack([s.features[n] for _, _, s in entries]).astype(np.int32)
    return np.abs(x[:, None, :] - x[None]).sum(axis=2).astype(np.int64)


#: stands for "no sample of another letter" in the nearest-other-letter minimum
_FAR = np.int64(1) << 40


def _tau(d: np.ndarray, owner: np.ndarray) -> int:
    """``tau`` of a set from its pairwise distances ``d`` (M, M) and letters ``owner`` (M,):
    ``max(1, floor(sum_j min_{l: owner_l != owner_j} d_jl / M))`` (at least 2 letters)."""
    near = np.where(owner[:, None] != owner[None, :], d, _FAR).min(axis=1)
    return max(1, int(near.sum()) // len(owner))


def scales(cal: CalibrationSet) -> tuple[int, ...] | None:
    """``tau_n`` per network, or None when fewer than 2 letters are calibrated (no effect)."""
    if len(cal.letters()) < 2:
        return None
    entries = cal.entries()
    owner = np.array([c for c, _, _ in entries])
    return tuple(_tau(_pairwise(entries, n), owner) for n in range(cal.n_nets))


def mean_term(x: np.ndarray, stored: np.ndarray):
    """``e = sum_i |k x_i - sum_s s_i|``: ``k`` times the L1 distance of the recording(s) ``x``
    ((F,) or (B, F)) to the mean of the ``k`` samples ``stored`` (k, F), without a division."""
    total = np.asarray(stored, dtype=np.int64).sum(axis=0)
    return np.abs(len(stored) * np.asarray(x, dtype=np.int64) - total).sum(axis=-1)


def letter_distance(nearest, x: np.ndarray, stored: np.ndarray, mean_from: int = MEAN_FROM):
    """``d_{n,c}`` from ``nearest`` (``m_{n,c}``, the L1 distance to the letter's nearest
    sample; scalar or (B,)), the recording(s) ``x`` ((F,) or (B, F)) and the letter's ``k``
    stored samples ``stored`` (k, F) of network ``n``: ``m`` when ``k < mean_from``, else
    ``floor((k m + mean_term(x, stored)) / (2 k))`` (spec v5, ``mean_from`` = ``MEAN_FROM``;
    module docstring)."""
    k = len(stored)
    if k < mean_from:
        return nearest
    return (k * np.asarray(nearest, dtype=np.int64) + mean_term(x, stored)) // (2 * k)


def distances(cal: CalibrationSet, features, letter_means: bool = True) -> np.ndarray:
    """``d_{n,c}`` of one recording: (n_nets, 26) int64, -1 for letters without samples.
    ``letter_means=False``: the nearest sample's distance ``m_{n,c}`` for every letter (spec v4
    and earlier)."""
    fs = _as_features(features, cal.n_nets)
    d = np.full((cal.n_nets, len(LETTERS)), -1, dtype=np.int64)
    for n in range(cal.n_nets):
        x = fs[n].reshape(-1)
        for c in cal.letters():
            stored = np.stack([s.features[n] for s in cal.samples[c]])
            nearest = min(_l1(x, s) for s in stored)
            d[n, c] = int(letter_distance(nearest, x, stored)) if letter_means else nearest
    return d


def net_gain(gain: int, n: int, n_nets: int) -> int:
    """Spec v3: network ``n``'s share of ``gain``: ``floor(gain / LSTM_SHARE)`` for the BiLSTM
    of a two-network model (network 0), the whole gain otherwise."""
    return gain // LSTM_SHARE if n_nets == 2 and n == 0 else gain


def _bonus_of(d: np.ndarray, tau: int, gain: int, n: int, n_nets: int, reach_scales: int = REACH) -> np.ndarray:
    """Network ``n``'s bonus: ``floor(G_n * max(0, R tau - d) / (R tau))`` with ``G_n =
    net_gain(gain, n, n_nets)`` and ``R = reach_scales`` (``REACH``; ``OUTPUT_REACH`` for
    continuous writing's outputs); 0 where ``d`` is -1 (no samples)."""
    reach = reach_scales * tau
    closeness = np.where(d < 0, 0, np.maximum(0, reach - d))
    return net_gain(gain, n, n_nets) * closeness // reach


def _bonus_with(cal: CalibrationSet, features, gain: int) -> np.ndarray:
    taus = scales(cal)
    if taus is None:
        return np.zeros(len(LETTERS), dtype=np.int64)
    d = distances(cal, features)
    return sum(_bonus_of(d[n], taus[n], gain, n, cal.n_nets) for n in range(cal.n_nets))


def bonus(cal: CalibrationSet, features) -> np.ndarray:
    """``sum_n bonus_{n,c}`` of one recording with the set's sealed gain: (26,) int64 (all 0
    without a scale)."""
    return _bonus_with(cal, features, cal.sealed_gain())


def calibrated_scores(cal: CalibrationSet, features, scores) -> np.ndarray:
    """The calibrated scores of one recording: ``scores + bonus`` (26,) int64."""
    return _as_scores(scores).reshape(len(LETTERS)) + bonus(cal, features)


#: The decision's bonus: reach ``REACH``, spec v5's letter distance.
_DECISION = (REACH, True)
#: Continuous writing's outputs: reach ``OUTPUT_REACH``, the nearest sample's distance.
_OUTPUT = (OUTPUT_REACH, False)


def bonuses_batch(cal: CalibrationSet, features) -> np.ndarray:
    """The decision's ``bonus_{n,c}`` of B recordings, network by network, with the set's
    sealed gain (an unsealed set is refused): ``features`` one (B, F_n) int8 array per network
    -> (B, n_nets, 26) int64 (all 0 without a scale)."""
    return _bonuses_batch(cal, features, (_DECISION,))[0]


def output_bonuses_batch(cal: CalibrationSet, features) -> np.ndarray:
    """Continuous writing: the bonus its calibrated outputs mix in (:func:`calibrated_outputs`),
    as :func:`bonuses_batch` but with the reach ``OUTPUT_REACH`` (spec v4) and every letter's
    nearest sample's distance ``m_{n,c}`` (spec v5: a letter's mean widens the bonus, which
    flattens what the word decoder reads, docs/calibration.md)."""
    return _bonuses_batch(cal, features, (_OUTPUT,))[0]


def decision_and_output_bonuses(cal: CalibrationSet, features) -> tuple[np.ndarray, np.ndarray]:
    """Continuous writing: :func:`bonuses_batch` (the decision's) and
    :func:`output_bonuses_batch` (the calibrated outputs'), from one computation of the
    distances (as the firmware's ``gx_calib_decide`` keeps both)."""
    decision, output = _bonuses_batch(cal, features, (_DECISION, _OUTPUT))
    return decision, output


def _bonuses_batch(cal: CalibrationSet, features, kinds: tuple) -> list:
    """The bonus of each of ``kinds`` ((reach, letter means) pairs), the distances computed
    once."""
    fs = _as_features(features, cal.n_nets)
    gain = cal.sealed_gain()
    b = len(fs[0]) if fs[0].ndim == 2 else 1
    outs = [np.zeros((b, cal.n_nets, len(LETTERS)), dtype=np.int64) for _ in kinds]
    taus = scales(cal)
    if taus is None:
        return outs
    entries = cal.entries()
    owner = np.array([c for c, _, _ in entries])
    any_means = any(m for _, m in kinds)
    for n in range(cal.n_nets):
        stored = np.stack([s.features[n] for _, _, s in entries]).astype(np.int32)  # (M, F)
        x = fs[n].reshape(b, -1).astype(np.int32)
        nearest = np.full((b, len(LETTERS)), -1, dtype=np.int64)
        d = nearest.copy() if any_means else nearest  # spec v5's letter distances only where a kind reads them
        for k in range(0, len(x), BATCH_CHUNK):
            xk = x[k : k + BATCH_CHUNK]
            dm = np.abs(xk[:, None, :] - stored[None]).sum(axis=2)  # (b, M)
            for c in cal.letters():
                mine = owner == c
                nearest[k : k + BATCH_CHUNK, c] = dm[:, mine].min(axis=1)
                if any_means:
                    d[k : k + BATCH_CHUNK, c] = letter_distance(nearest[k : k + BATCH_CHUNK, c], xk, stored[mine])
        for out, (reach, means) in zip(outs, kinds):
            out[:, n] = _bonus_of(d if means else nearest, taus[n], gain, n, cal.n_nets, reach)
    return outs


def calibrated_scores_batch(cal: CalibrationSet, features, scores) -> np.ndarray:
    """:func:`calibrated_scores` of B recordings: ``features`` one (B, F_n) int8 array per
    network, ``scores`` (B, 26) -> (B, 26) int64, recording for recording the same integers."""
    sc = _as_scores(scores)
    return sc + bonuses_batch(cal, features).sum(axis=1)


def calibrated_outputs(probs, bonuses) -> np.ndarray:
    """Spec v3, continuous writing: each network's calibrated outputs, what the word decoder
    reads in place of its int8 softmax outputs (docs/calibration.md, "Continuous writing").

    ``probs`` (..., n_nets, 26) the networks' outputs 0..255 (``probs_q8``), ``bonuses`` the
    same shape (``output_bonuses_batch``): per network, with ``S = sum_c p_c`` and ``B = sum_c b_c``,
    ``q_c = min(255, floor((p_c + b_c) * S / max(1, S + B)))``: the network's distribution
    and the calibration's nearest-sample evidence mixed by their masses and scaled back to
    the network's mass (the bonus is in the outputs' own units, as in the window mode's
    decision ``sum_n p_{n,c} + sum_n b_{n,c}``). No bonus (``B = 0``) gives ``q = p``.
    The bonus is at most the largest gain, ``GAINS[-1]`` = 4080, so every product fits int32:
    ``(255 + 4080) * 26 * 255 = 28,741,050``. Returns int64, 0..255."""
    p = np.asarray(probs, dtype=np.int64)
    b = np.asarray(bonuses, dtype=np.int64)
    if p.shape != b.shape or p.shape[-1] != len(LETTERS) or (p.size and (p.min() < 0 or p.max() > 255 or b.min() < 0 or b.max() > GAINS[-1])):
        raise ValueError(f"outputs 0..255 and bonuses 0..{GAINS[-1]} of one shape (..., {len(LETTERS)}), got {p.shape} and {b.shape}")
    s = p.sum(axis=-1, keepdims=True)
    t = np.maximum(1, s + b.sum(axis=-1, keepdims=True))
    return np.minimum(255, (p + b) * s // t)


def decide(scores) -> tuple[int, list[int]]:
    """``(letter index, top-3)``: first maximum, stable descending order."""
    top = top_k(scores, 3)
    return top[0], top


@dataclass(frozen=True)
class SetCheck:
    """Guard 2: correct leave-one-out decisions of the stored samples, uncalibrated and
    calibrated with the chosen ``gain``, out of ``total``; ``per_gain``: the calibrated count
    with each of ``GAINS``."""

    uncalibrated: int
    calibrated: int
    total: int
    gain: int = GAINS[0]
    per_gain: tuple = ()

    @property
    def harmful(self) -> bool:
        return self.calibrated < self.uncalibrated

    @property
    def message(self) -> str:
        a, c, b = self.uncalibrated, self.calibrated, self.total
        if b == 0:
            return "no letter has two samples: guard 2 cannot judge the set (0/0)"
        if self.harmful:
            return f"lowers accuracy on your own samples: {a}/{b} -> {c}/{b}"
        return f"accuracy on your own samples: {a}/{b} -> {c}/{b}"


def choose_gain(per_gain, judged: int) -> int:
    """Spec v4: the gain of the most own samples right (``per_gain``: counts in ``GAINS``
    order), ties to the larger gain; ``GAINS[0]`` when the leave-one-out judged nothing
    (``judged`` = 0)."""
    if judged == 0:
        return GAINS[0]
    return GAINS[max(range(len(GAINS)), key=lambda i: (per_gain[i], i))]


def leave_one_out(cal: CalibrationSet) -> SetCheck:
    """Guard 2 and the gain: each stored sample decided without calibration and with the
    calibration of the others under every candidate gain; the gain is chosen
    (:func:`choose_gain`) and its count is the calibrated one.  The set is not changed.
    (The stored samples' pairwise distances are computed once; leaving sample ``j`` out
    takes its row and column away: the same integers as :func:`scales` and
    :func:`distances` of ``cal.without(...)``.)"""
    unc = 0
    per_gain = [0] * len(GAINS)
    entries = cal.entries()
    m = len(entries)
    owner = np.array([c for c, _, _ in entries], dtype=np.int64)
    dist = [_pairwise(entries, n) for n in range(cal.n_nets)] if m else []
    feats = [np.stack([s.features[n] for _, _, s in entries]).astype(np.int64) for n in range(cal.n_nets)] if m else []
    judged = 0
    for j, (c, _, s) in enumerate(entries):
        keep = np.arange(m) != j
        rest = owner[keep]
        if not np.any(rest == c):  # spec v3: a letter's only sample is not judged
            continue
        judged += 1
        unc += decide(s.scores)[0] == c
        letters = sorted(set(rest.tolist()))
        b = np.zeros((len(GAINS), len(LETTERS)), dtype=np.int64)
        if len(letters) >= 2:  # the others have a scale
            for n in range(cal.n_nets):
                tau = _tau(dist[n][np.ix_(keep, keep)], rest)
                dj = dist[n][j, keep]
                others = feats[n][keep]
                d = np.full(len(LETTERS), -1, dtype=np.int64)
                for letter in letters:
                    mine = rest == letter
                    d[letter] = letter_distance(dj[mine].min(), feats[n][j], others[mine])
                for i, g in enumerate(GAINS):
                    b[i] += _bonus_of(d, tau, g, n, cal.n_nets)
        for i in range(len(GAINS)):
            per_gain[i] += decide(s.scores + b[i])[0] == c
    gain = choose_gain(per_gain, judged)
    return SetCheck(int(unc), int(per_gain[GAINS.index(gain)]), judged, gain, tuple(int(v) for v in per_gain))


def seal(cal: CalibrationSet) -> SetCheck:
    """Seals the set as the device does after a change: the leave-one-out chooses its gain,
    stored in ``cal.gain``; returns the check (Guard 2's counts with that gain)."""
    check = leave_one_out(cal)
    cal.gain = check.gain
    return check


def enabled_set(cal: CalibrationSet) -> tuple[CalibrationSet | None, SetCheck]:
    """Seals the set (:func:`seal`), then the set to recognise with (None: calibration off,
    because it has no effect or Guard 2 finds it harmful) and the leave-one-out check."""
    check = seal(cal)
    if check.harmful or scales(cal) is None:
        return None, check
    return cal, check


# ---------------------------------------------------------------------------------------
# reading features and scores from golden.recognise results
# ---------------------------------------------------------------------------------------
def model_features(result, model: str) -> tuple:
    """The model's networks' features of a ``Result`` (F_n,) or ``ResultBatch`` (B, F_n)."""
    outs = [getattr(result, net) for net in MODEL_NETS[model]]
    if any(o is None or o.features is None for o in outs):
        raise ValueError(f"model {model!r} needs the features of {', '.join(MODEL_NETS[model])}")
    return tuple(o.features for o in outs)


def model_scores(result, model: str) -> np.ndarray:
    """The model's uncalibrated integer scores: the sum of its networks' ``probs_q8``
    ((26,) for a ``Result``, (B, 26) for a ``ResultBatch``)."""
    outs = [getattr(result, net) for net in MODEL_NETS[model]]
    if any(o is None for o in outs):
        raise ValueError(f"model {model!r} needs the outputs of {', '.join(MODEL_NETS[model])}")
    return sum(np.asarray(o.probs_q8, dtype=np.int64) for o in outs)


__all__ = [
    "AddResult",
    "CAL_GAIN",
    "CalibrationSet",
    "GAINS",
    "K_MAX",
    "LSTM_SHARE",
    "MEAN_FROM",
    "OUTPUT_REACH",
    "REACH",
    "Sample",
    "SPEC_VERSION",
    "SetCheck",
    "add_sample",
    "bonus",
    "bonuses_batch",
    "calibrated_outputs",
    "calibrated_scores",
    "calibrated_scores_batch",
    "choose_gain",
    "decide",
    "decision_and_output_bonuses",
    "distances",
    "enabled_set",
    "leave_one_out",
    "letter_distance",
    "mean_term",
    "model_features",
    "model_scores",
    "net_gain",
    "output_bonuses_batch",
    "scales",
    "seal",
]
