"""Continuous writing on the device path, measured (``glovexfer evaluate --sessions``; docs/writing.md).

For every session: the golden spotter finds the letters and groups them into words
(``golden.spotting``); each letter's samples are time-normalised to 32 and recognised by the
golden fixed-point pipeline and int8 networks (the shipped fused model); each word is decoded
with the lexicon (``golden.decode``). All integer and bit-exact with the firmware's twins.

Measures: spotting recall and precision (a spotted letter counts when it overlaps a true
letter by at least half of both, each true letter matched once), the character error rate of
the raw letters (edit distance over the text with its spaces, per character of the truth), the
word error rate raw and with the lexicon (edit distance over words, per true word); and the
same recognition and decoding on the true letter spans (what a button per letter would give)
for comparison; the character and word error rates per writer too (``per_writer``: a few
hard writers can carry most of the errors). With the wearers' calibration letters
(``evaluate --sessions SET --calibrate K``) the same figures with each wearer's letter
calibration applied to the letters and the decoder's inputs (:func:`calibrate_letters`;
docs/writing.md, "Calibrated continuous writing").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..golden.decode import Lexicon, decode_word, letter_costs
from ..golden.spotting import spot, time_normalise
from ..params import LETTERS


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (strings or lists of words)."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def match_letters(pred: list[tuple[int, int]], true: list[tuple[int, int]]) -> dict[int, int]:
    """Spotted letter index -> true letter index for the pairs that overlap by at least half of
    both (each true letter matched at most once, in order)."""
    out, used = {}, set()
    for i, (a, b) in enumerate(pred):
        for j, (c, d) in enumerate(true):
            if j in used:
                continue
            ov = min(b, d) - max(a, c)
            if ov >= 0.5 * (b - a) and ov >= 0.5 * (d - c):
                out[i] = j
                used.add(j)
                break
    return out


def _recognise(segments_counts: list[np.ndarray], nets: dict, sensor) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The decisions (N,) of time-normalised letters with the device's default model for
    ``nets`` (golden.recognise.default_model), the network outputs (N, nets, 26) the word
    decoder reads (a fused model's two, the LSTM's first) and the networks' features (one
    (N, F_n) int8 array per network; the letter calibration's input)."""
    from ..golden.recognise import default_model

    out = _batch_outputs(segments_counts, nets, default_model(k for k, v in nets.items() if v is not None), sensor)
    if out is None:
        return np.zeros(0, np.int64), np.zeros((0, 2, 26), np.int64), ()
    top3, _, probs, features = out
    return top3[:, 0].astype(np.int64), probs, features


def _texts(letters: np.ndarray, probs: np.ndarray, words: list[list[int]], lexicon: Lexicon | None) -> tuple[str, str]:
    """(raw text, decoded text) of words given as lists of indices into the decisions
    ``letters`` and the network outputs ``probs``."""
    raw, dec = [], []
    for w in words:
        text = "".join(LETTERS[int(i)] for i in letters[w])
        raw.append(text)
        best = decode_word(letter_costs(probs[w], lexicon), lexicon)[0] if lexicon is not None else None
        dec.append(best or text)
    return " ".join(raw), " ".join(dec)


def _word_indices(lengths, start: int) -> list[list[int]]:
    """Consecutive index lists, one per word of ``lengths`` letters, the first from ``start``."""
    out, k = [], start
    for n in lengths:
        out.append(list(range(k, k + n)))
        k += n
    return out


def session_segments(ss, spotter, progress: bool = False) -> tuple[list, list, list, list]:
    """Every session of ``ss`` spotted by the golden ``spotter`` and cut both ways: (spots:
    each session with its spotting result, segs: every spotted letter time-normalised, tsegs: every
    true-span letter time-normalised, plans: per session (true words, spotted words as lists
    of indices into segs, true words as lists of indices into tsegs))."""
    spots, segs, tsegs, plans = [], [], [], []
    it = range(len(ss))
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="spotting", unit="session")
    for i in it:
        s = ss[i]
        sp = spot(spotter, s.counts)
        text = s.text.split(" ")
        plans.append((text, _word_indices([len(w) for w in sp.words], len(segs)), _word_indices([len(w) for w in text], len(tsegs))))
        spots.append((s, sp))
        segs += [time_normalise(s.counts, a, b) for a, b in sp.letters]
        tsegs += [time_normalise(s.counts, a, b) for a, b in s.spans.tolist()]
    return spots, segs, tsegs, plans


def _error_counts(plans: list, spotted: tuple, true: tuple, lexicon: Lexicon | None) -> tuple[dict, dict, list]:
    """The edit distances of every session (``plans``: text, spotted words, true-span words,
    user, per-session extras) with the letters and network outputs ``spotted`` and ``true``
    ((decisions, outputs) of the spotted and true-span letters): (sums, per writer, per session)."""
    sums = {k: 0 for k in ("chars", "words", "cer_raw", "wer_raw", "wer_lexicon", "oracle_cer", "oracle_wer_raw", "oracle_wer_lexicon")}
    per_writer: dict = {}
    per_session = []
    for text, words, true_words, user, extra in plans:
        raw, dec = _texts(*spotted, words, lexicon)
        o_raw, o_dec = _texts(*true, true_words, lexicon)
        tw = text.split(" ")
        e = {"cer_raw": edit_distance(raw, text), "wer_raw": edit_distance(raw.split(" "), tw),
             "wer_lexicon": edit_distance(dec.split(" "), tw), "oracle_cer": edit_distance(o_raw, text),
             "oracle_wer_raw": edit_distance(o_raw.split(" "), tw), "oracle_wer_lexicon": edit_distance(o_dec.split(" "), tw)}
        for k, v in e.items():
            sums[k] += v
        sums["chars"] += len(text)
        sums["words"] += len(tw)
        pw = per_writer.setdefault(user, {"sessions": 0, "chars": 0, "words": 0, "cer_raw": 0, "wer_raw": 0, "wer_lexicon": 0})
        pw["sessions"] += 1
        pw["chars"] += len(text)
        pw["words"] += len(tw)
        for k in ("cer_raw", "wer_raw", "wer_lexicon"):
            pw[k] += e[k]
        per_session.append({"text": text, "raw": raw, "decoded": dec} | extra)
    return sums, per_writer, per_session


def _rates(sums: dict, per_writer: dict, lexicon: Lexicon | None) -> dict:
    """The error rates of ``_error_counts``' sums: CER, WER raw and with the lexicon (None
    without one), the same on the true spans, and per writer."""
    ch, wd = max(sums["chars"], 1), max(sums["words"], 1)
    return {
        "cer_raw": sums["cer_raw"] / ch,
        "wer_raw": sums["wer_raw"] / wd,
        "wer_lexicon": sums["wer_lexicon"] / wd if lexicon is not None else None,
        "true_spans": {"cer_raw": sums["oracle_cer"] / ch, "wer_raw": sums["oracle_wer_raw"] / wd,
                       "wer_lexicon": sums["oracle_wer_lexicon"] / wd if lexicon is not None else None},
        "per_writer": {u: {"sessions": v["sessions"], "words": v["words"], "cer_raw": v["cer_raw"] / max(v["chars"], 1),
                           "wer_raw": v["wer_raw"] / max(v["words"], 1),
                           "wer_lexicon": v["wer_lexicon"] / max(v["words"], 1) if lexicon is not None else None}
                       for u, v in sorted(per_writer.items())},
    }


def evaluate_sessions(ss, spotter, nets: dict, lexicon: Lexicon | None, progress: bool = True,
                      calibration=None, ks: tuple = (), learn: bool = False) -> dict:
    """Every figure of the module docstring for the session set ``ss``; with ``calibration``
    (the wearers' calibration letters, ``simulate.sessions.calibration_recordings``) and
    ``ks``, the same figures with each wearer's letter calibration of K letters per letter
    (``calibrated``: {K: ...}, :func:`calibrate_letters`); with ``learn`` (and a lexicon), the
    same figures with the glove learning each wearer from the words it decodes, from an empty
    set, the wearer's sessions in the set's order (``self_calibrated``, :func:`learn_letters`)."""
    spots, seg_counts, true_counts, cuts = session_segments(ss, spotter, progress)
    tp = n_pred = n_true = 0
    plans, seg_user, true_user = [], [], []
    for (s, sp), (_, words, true_words) in zip(spots, cuts):
        m = match_letters(sp.letters, [tuple(x) for x in s.spans.tolist()])
        tp, n_pred, n_true = tp + len(m), n_pred + len(sp.letters), n_true + len(s.spans)
        plans.append((s.text, words, true_words, s.user, {"spotted": len(sp.letters), "letters": len(s.spans), "matched": len(m)}))
        seg_user += [s.user] * len(sp.letters)
        true_user += [s.user] * len(s.spans)
    spotted = _recognise(seg_counts, nets, ss.sensor)
    true = _recognise(true_counts, nets, ss.sensor)
    sums, per_writer, per_session = _error_counts(plans, spotted[:2], true[:2], lexicon)
    out = {
        "sessions": len(ss),
        "words": sums["words"],
        "letters": n_true,
        "simulated": bool(ss.meta.get("simulated", False)),
        "spotting": {"recall": tp / max(n_true, 1), "precision": tp / max(n_pred, 1), "spotted": n_pred, "matched": tp},
    } | _rates(sums, per_writer, lexicon) | {"lexicon_size": len(lexicon) if lexicon is not None else 0}
    out = {k: out[k] for k in ("sessions", "words", "letters", "simulated", "spotting", "cer_raw", "wer_raw", "wer_lexicon",
                               "lexicon_size", "true_spans", "per_writer")}
    out["per_session"] = per_session
    if learn and lexicon is not None:
        res = learn_letters(plans, spotted, lexicon)
        sums, per_writer, _ = _error_counts(plans, res["spotted"], true[:2], lexicon)
        rates = _rates(sums, per_writer, lexicon)
        out["self_calibrated"] = {k: rates[k] for k in ("cer_raw", "wer_raw", "wer_lexicon", "per_writer")} | {
            "wearers": res["wearers"], "spec": _cal_spec()}
    if calibration is not None and ks:
        from ..golden import calibrate as C

        cal_out = _recognise(list(calibration.counts), nets, ss.sensor)
        out["calibrated"] = {}
        letters = {"spotted": (np.array(seg_user), spotted), "true": (np.array(true_user), true)}
        for k in ks:
            res = calibrate_letters(calibration, cal_out, k, letters)
            sums, per_writer, _ = _error_counts(plans, res["spotted"], res["true"], lexicon)
            gains = [g["gain"] for g in res["guards"].values()]
            out["calibrated"][str(k)] = _rates(sums, per_writer, lexicon) | {
                "guards": res["guards"], "spec": C.SPEC_VERSION, "gains_chosen": {g: gains.count(g) for g in C.GAINS}}
            # without guard 2 (every set with a scale on): what the guard costs or saves
            res = calibrate_letters(calibration, cal_out, k, {"spotted": letters["spotted"]}, guard=False)
            sums, per_writer, _ = _error_counts(plans, res["spotted"], true[:2], lexicon)
            un = _rates(sums, per_writer, lexicon)
            out["calibrated"][str(k)]["unguarded"] = {key: un[key] for key in ("cer_raw", "wer_raw", "wer_lexicon")} | {
                "per_writer": {u: v["wer_lexicon"] for u, v in un["per_writer"].items()}}
    return out


def _cal_spec() -> int:
    from ..golden import calibrate as C

    return C.SPEC_VERSION


def learn_letters(plans: list, spotted: tuple, lexicon: Lexicon) -> dict:
    """The glove learning its wearers (``calib learn on``) over the evaluation's sessions:
    per wearer a :class:`Learning` from an empty set, the wearer's sessions in ``plans``'
    order (text, spotted words, true-span words, user, extras), word by word as
    :func:`continuous_stream` does: each letter decided (and its outputs calibrated) with the
    set while it is on, the word decoded, and a decoded word of the spotted length teaching
    its letters (:func:`learn_word`) before the next word. ``spotted``: the spotted letters'
    ``_recognise`` outputs (decisions, network outputs, features). Returns ``spotted``: the
    (decisions, outputs) the words were decoded from, and ``wearers``: per user the words
    that taught the set, its samples and whether it is on at the end."""
    from ..golden import calibrate as C

    dec, probs, feats = spotted
    d_out, p_out = dec.copy(), probs.copy()
    state: dict = {}
    for _, words, _, user, _ in plans:
        learning = state.setdefault(user, Learning(C.CalibrationSet(len(feats))))
        for w in words:
            for i in w:
                if learning.on:  # the calibrated decision and outputs (_decide reads only these with a set)
                    d = _decide(None, None, probs[i], tuple(f[i] for f in feats), learning.cal)
                    d_out[i], p_out[i] = d[0], d[3]
            _decode_and_learn(p_out[w], [tuple(f[i] for f in feats) for i in w], [probs[i].sum(axis=0) for i in w],
                              lexicon, learning)
    wearers = {u: {"words_taught": v.words, "samples": len(v.cal), "on": v.on} for u, v in sorted(state.items())}
    return {"spotted": (d_out, p_out), "wearers": wearers}


def calibrate_letters(calibration, cal_out: tuple, k: int, letters: dict, guard: bool = True) -> dict:
    """Each wearer's letter calibration applied to their letters.

    ``calibration``: the wearers' calibration recordings (a ``RecordingSet``, letters in
    order; the first ``k`` of each letter of a user are that user's calibration, added
    letter by letter, every sample confirmed: the labels are true), ``cal_out`` their
    ``_recognise`` outputs; ``letters``: name -> (user per letter, ``_recognise`` outputs).
    Per user the set is built and checked as the device does (``golden.calibrate``: off when
    Guard 2 finds it harmful or fewer than 2 letters are calibrated); where it is on, each of
    the user's letters gets the calibrated decision (the window mode's: first maximum of the
    scores plus every network's bonus) and the calibrated network outputs
    (``calibrated_outputs``, with the set's sealed gain) for the word decoder. Returns name ->
    (decisions, outputs) and ``guards``: per user whether it is on, its leave-one-out counts
    and its chosen gain (spec v2). ``guard=False``: every set with a scale is on, whatever
    Guard 2 says (a measurement, not the device)."""
    from ..golden import calibrate as C

    _, cal_probs, cal_feats = cal_out
    y = np.array([LETTERS.index(c) for c in calibration.labels])
    users = np.asarray(calibration.users)
    out = {name: (d.copy(), p.copy()) for name, (_, (d, p, _)) in letters.items()}
    guards = {}
    for u in dict.fromkeys(users.tolist()):
        cal = C.CalibrationSet(len(cal_feats))
        for c in range(len(LETTERS)):
            for i in np.flatnonzero((users == u) & (y == c))[:k]:
                C.add_sample(cal, c, tuple(f[i] for f in cal_feats), cal_probs[i].sum(axis=0), confirm=True)
        enabled, check = C.enabled_set(cal)
        if not guard:
            enabled = cal if C.scales(cal) is not None else None
        guards[u] = {"enabled": enabled is not None, "samples": len(cal),
                     "leave_one_out": [check.uncalibrated, check.calibrated, check.total], "gain": check.gain}
        if enabled is None:
            continue
        for name, (who, (_, probs, feats)) in letters.items():
            idx = np.flatnonzero(who == u)
            if not len(idx):
                continue
            b, o = C.decision_and_output_bonuses(enabled, tuple(f[idx] for f in feats))
            out[name][0][idx] = np.argmax(probs[idx].sum(axis=1) + b.sum(axis=1), axis=1)
            out[name][1][idx] = C.calibrated_outputs(probs[idx], o)
    return out | {"guards": guards}


# ---------------------------------------------------------------- the device's continuous mode
#: Letters a word keeps on the device (firmware/app/app.cpp kWordLetters): its WORD line's raw
#: letters are the first ones of a longer word, which has no decoded word.
WORD_LETTERS = 25
#: The longest word that teaches the letter calibration (``calib learn on``; firmware/app/app.cpp
#: kLearnLetters: the open word keeps its first 12 letters' features; the shipped lexicon's
#: longest word has 12 letters).
LEARN_LETTERS = 12


@dataclass
class StreamLetter:
    """A ``LETTER`` line of the device's continuous mode: the letter, its confidence (0..255),
    the three best with theirs, its samples [start, end) of the stream, and the network
    outputs the word decoder reads (nets, 26): a fused model's two (the LSTM's first), else
    the one network's."""

    letter: str
    q8: int
    top3: list  # [(letter, q8)]
    start: int
    end: int
    probs: np.ndarray


@dataclass
class StreamWord:
    """A ``WORD`` line of the continuous mode: the raw letters, the lexicon's word (None: no
    candidate or no lexicon; the device sends ``?``), its cost (0 when none), the letter count."""

    raw: str
    word: str | None
    cost: int
    letters: int


def _batch_outputs(counts_list: list[np.ndarray], nets: dict, model: str, sensor) -> tuple | None:
    """The device's selected ``model`` on time-normalised letters, golden recognise + fuse
    (the firmware's gx_recognise decision): (top3 (N, 3), the scores the decision and its
    confidence come from (N, 26): a fused model's sum 0..510, else the network's outputs,
    the word decoder's network outputs (N, nets, 26): a fused model's two networks' probs_q8,
    the LSTM's first, else the one network's, the networks' features (one (N, F_n) int8 array
    per network, None where a network has none)); None without letters."""
    from ..golden.recognise import MODEL_NETS, fuse_batch, recognise_batch

    if not counts_list:
        return None
    need = MODEL_NETS.get(model)
    if need is None or any(nets.get(k) is None for k in need):
        raise ValueError(f"model {model!r} needs the networks {need}, given {sorted(k for k, v in nets.items() if v)}")
    kw = {f"net_{k}": nets[k] for k in need}
    X = np.stack(counts_list)
    parts = []
    for k in range(0, len(X), 512):
        r = recognise_batch(X[k:k + 512], **kw, **({} if sensor is None else {"sensor": sensor}))
        outs = [getattr(r, n) for n in need]
        probs = np.stack([np.asarray(o.probs_q8, np.int64) for o in outs], axis=1)
        if len(need) == 2:
            f = fuse_batch(*outs)
            top3, scores = f.top3, f.scores
        else:
            top3, scores = outs[0].top3, probs[:, 0]
        parts.append((np.asarray(top3), np.asarray(scores, np.int64), probs, [o.features for o in outs]))
    feats = tuple(None if parts[0][3][n] is None else np.concatenate([p[3][n] for p in parts]) for n in range(len(need)))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]), feats)


def _decide(top3, scores, probs, feats, calibration) -> tuple:
    """One letter's (index, q8, top3 [(letter, q8)], network outputs (nets, 26)) from its
    ``_batch_outputs`` row (``feats``: one (F_n,) array per network; ``top3`` and ``scores``,
    the model's own decision, are read only without a calibration). Without ``calibration``:
    the model's decision, q8 a fused model's score halved, else the network's output. With
    ``calibration`` (the wearer's set, made with the model and switched on): the calibrated
    decision (golden.calibrate: first maximum of the scores plus every network's bonus, with
    the set's sealed gain G; q8 = score x 255 // ((255 + G) x networks), as the window
    mode's) and each network's calibrated outputs (``calibrated_outputs``, with the bonus of
    reach ``OUTPUT_REACH``, spec v4, and the nearest sample's distance, spec v5:
    ``output_bonuses_batch``)."""
    if calibration is None:
        shift = 1 if probs.shape[0] == 2 else 0
        return int(top3[0]), int(scores[top3[0]]) >> shift, [(LETTERS[j], int(scores[j]) >> shift) for j in top3], probs
    from ..golden import calibrate as C
    from ..golden.recognise import top_k

    b, o = C.decision_and_output_bonuses(calibration, tuple(f[None] for f in feats))
    most = (255 + calibration.sealed_gain()) * probs.shape[0]
    sc = probs.sum(axis=0) + b[0].sum(axis=0)
    top = top_k(sc, 3)
    return (int(top[0]), int(sc[top[0]]) * 255 // most, [(LETTERS[j], int(sc[j]) * 255 // most) for j in top],
            C.calibrated_outputs(probs, o[0]))


@dataclass
class Learning:
    """The glove's learning from the words it decodes (``calib learn on``, docs/writing.md,
    "Self-calibration"): the wearer's letter calibration set (``golden.calibrate``, made with
    the selected model; explicit samples and learnt ones alike), whether it is switched on
    (applied to the letters), and the words that taught it. :func:`continuous_stream` updates it
    stream after stream, as the glove keeps its set from one stream to the next."""

    cal: object  # golden.calibrate.CalibrationSet
    on: bool = False
    words: int = 0


@dataclass
class StreamLearn:
    """A ``CALIB learn`` line of the continuous mode: the decoded word whose letters joined the
    set, the set's samples after it, whether it is on, its sealed gain and Guard 2's counts
    (uncalibrated right, calibrated right, total)."""

    word: str
    samples: int
    on: bool
    gain: int
    loo: tuple


def learn_word(learning: Learning, word: str, feats: list, scores: list) -> StreamLearn:
    """A decoded word teaches its letters: letter i of ``word`` is a sample with the features
    ``feats[i]`` (one array per network) and the uncalibrated scores ``scores[i]`` of the i-th
    spotted letter (every sample confirmed: the lexicon is the label's source, not the
    networks' top-3); then the set is sealed (the gain chosen) and switched on exactly when
    Guard 2 passes and it has a scale (``enabled_set``)."""
    from ..golden import calibrate as C

    for ch, f, sc in zip(word, feats, scores):
        C.add_sample(learning.cal, LETTERS.index(ch), f, sc, confirm=True)
    enabled, check = C.enabled_set(learning.cal)
    learning.on = enabled is not None
    learning.words += 1
    return StreamLearn(word, len(learning.cal), learning.on, check.gain, (check.uncalibrated, check.calibrated, check.total))


def _decode_and_learn(outputs, feats: list, scores: list, lexicon: Lexicon | None,
                      learning: Learning | None) -> tuple[str | None, int, StreamLearn | None]:
    """The end of a word, as the glove has it: its letters' decoder inputs ``outputs`` (L,
    nets, 26) decoded with ``lexicon`` unless it has more than WORD_LETTERS letters (golden
    letter_costs, decode_word: (word, cost), (None, 0) without one), then, with ``learning``,
    a decoded word of as many letters (at most LEARN_LETTERS) teaches the set its letters
    (:func:`learn_word`, from each letter's ``feats`` and uncalibrated ``scores``): the
    ``StreamLearn`` event, else None."""
    best, cost = None, 0
    if lexicon is not None and len(outputs) <= WORD_LETTERS:
        best, cost = decode_word(letter_costs(np.stack(list(outputs)), lexicon), lexicon)
    learnt = None
    if learning is not None and best is not None and len(best) == len(outputs) <= LEARN_LETTERS:
        learnt = learn_word(learning, best, feats, scores)
    return best, cost, learnt


def continuous_stream(counts, spotter, nets: dict, lexicon: Lexicon | None, model: str = "fused",
                      sensor=None, calibration=None, learning: Learning | None = None) -> list:
    """The device's continuous mode on one stream ended by ``end``, as the golden model has it:
    the ``StreamLetter`` / ``StreamWord`` (/ ``StreamLearn``) events in the order of its
    ``LETTER`` / ``WORD`` (/ ``CALIB learn``) lines. Letters: golden spotting (letters of more
    than MAX_LETTER samples dropped), time normalisation, recognition by ``model``; a word
    ends at the next word's first letter or at the stream's end; its letters' network outputs
    are decoded with ``lexicon`` (golden letter_costs, decode_word) unless it has more than
    WORD_LETTERS letters. ``calibration``: the wearer's letter calibration switched on (a
    ``golden.calibrate`` set made with ``model``, ``enabled_set``'s), applied to every letter
    (``_decide``; ``cal=on``). ``learning`` (instead of ``calibration``): ``calib learn on``;
    its set applies while it is on, and every word the lexicon decodes to a word of as many
    letters as were spotted teaches it (:func:`learn_word`) before the next word's letters."""
    if calibration is not None and learning is not None:
        raise ValueError("calibration or learning, not both: learning carries the set")
    counts = np.asarray(counts, dtype=np.int16)
    sp = spot(spotter, counts)
    starts = {w[0] for w in sp.words}
    out = _batch_outputs([time_normalise(counts, a, b) for a, b in sp.letters], nets, model, sensor)
    events: list = []
    word: list = []  # (decision, features, uncalibrated scores) per letter of the open word

    def word_end():
        if not word:
            return
        raw = "".join(LETTERS[d[0][0]] for d in word)
        best, cost, learnt = _decode_and_learn([d[0][3] for d in word], [d[1] for d in word], [d[2] for d in word],
                                               lexicon, learning)
        events.append(StreamWord(raw[:WORD_LETTERS], best, cost, len(word)))
        if learnt is not None:
            events.append(learnt)
        word.clear()

    for i, (a, b) in enumerate(sp.letters):
        if (a, b) in starts:
            word_end()
        top3, scores, probs, feats = out[0][i], out[1][i], out[2][i], tuple(f[i] for f in out[3])
        cal = learning.cal if learning is not None and learning.on else calibration
        d = _decide(top3, scores, probs, feats, cal)
        word.append((d, feats, probs.sum(axis=0)))
        events.append(StreamLetter(LETTERS[d[0]], d[1], d[2], a, b, d[3]))
    word_end()
    return events


__all__ = ["Learning", "StreamLearn", "learn_word", "learn_letters", "calibrate_letters", "evaluate_sessions", "session_segments", "edit_distance", "match_letters", "continuous_stream", "StreamLetter", "StreamWord",
           "WORD_LETTERS", "LEARN_LETTERS"]
