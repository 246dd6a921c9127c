"""Continuous writing: how should the word decoder read the two networks' scores? (docs/writing.md)

The first decoder added the two int8 softmax outputs (0..510) and read the sum as a
probability (the weighted product ships now, docs/writing.md). This study compares, on
source writers the recogniser never saw:

* ``sum``: cost table on the summed scores (the first decoder);
* ``product``: each network's own cost table, added (a product of the two probabilities);

each with the letter costs weighted against the word prior (w in 0.5..2: w > 1 trusts the
letters more, w < 1 the word frequencies more).

1. The held-out recogniser of experiments/writing_decoder_check.py (trained on u01-u36 only;
   reused from out/writing_check/ when there, else trained, ~15 min).
2. 2,000 source sessions of seed 61: those of u37-u46 are spotted, each letter recognised
   by both networks on the golden device path, and decoded under the grid.

    PYTHONPATH=host .venv/bin/python experiments/writing_fusion_check.py [--digilets DIR] [--styles N] [--sessions N] [--epochs N] [--seed S]
                 [--session-seed S]

``--styles``, ``--sessions``, ``--epochs``, ``--seed``, ``--session-seed``: train the held-out recogniser on other settings than
writing_models' (its own folder, out/writing_check_styles<N>[_sessions<M>][_sessionseed<S>][_seed<S>][_epochs<E>]); the
training letters of one set of sessions are cached in out/writing_check/.

Writes <folder>/fusion.json and prints it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402

from glovexfer.data.paths import find_dataset  # noqa: E402
from glovexfer.data.sessions import SessionSet  # noqa: E402
from glovexfer.golden import decode as D  # noqa: E402
from glovexfer.golden.recognise import recognise_batch  # noqa: E402
from glovexfer.nets import protocols as P  # noqa: E402
from glovexfer.nets import shipping  # noqa: E402
from glovexfer.nets import writing_models as W  # noqa: E402
from glovexfer.nets.datasets import target_arrays  # noqa: E402
from glovexfer.nets.spotter import SPOTTER, load_spotter, source_sessions  # noqa: E402
from glovexfer.nets.writing import edit_distance, session_segments  # noqa: E402

OUT = Path("out/writing_check")
TRAIN_USERS_MAX = "u36"
SESSIONS, SEED = 2000, 61
TRAIN_SEED = 0  # the fine-tuning's seed (initial head, validation split, batch order): --seed


def train_letters(root, spotter, styles: int):
    """The training letters: W.TRAIN_SESSIONS sessions of seed W.TRAIN_SEED in ``styles`` seeded
    style sets (cached in out/writing_check/letters_styles<N>_sessions<M>_seed<S>.npz, a
    RecordingSet file: the variants of one set of sessions share them)."""
    from glovexfer.data.recordings import RecordingSet

    cache = Path(f"out/writing_check/letters_styles{styles}_sessions{W.TRAIN_SESSIONS}_seed{W.TRAIN_SEED}.npz")
    if cache.exists():
        return RecordingSet.load(cache)
    letters = W.source_letters(root, spotter, W.TRAIN_SESSIONS, W.TRAIN_SEED, styles=styles)
    letters.save(cache)
    return letters


def recogniser(root, spotter, styles: int = 1) -> dict:
    """The int8 pair trained on u01-u36 (as experiments/writing_decoder_check.py)."""
    letters = None
    if not all((OUT / n / shipping.MODEL_FILE).exists() for n in W.MEMBERS.values()):
        letters = train_letters(root, spotter, styles)
        keep = np.flatnonzero(letters.users <= TRAIN_USERS_MAX)
        arrays = target_arrays(letters, progress=True).take(keep)
        W.train_writing(arrays, shipping.MODELS_DIR, OUT, seed=TRAIN_SEED, progress=True)
    rep_file = OUT / "rep.npz"
    if letters is None and not rep_file.exists():
        letters = train_letters(root, spotter, styles)
    if letters is not None:
        keep = np.flatnonzero(letters.users <= TRAIN_USERS_MAX)
        arrays = target_arrays(letters, progress=True).take(keep)
        rep = arrays.take(np.arange(0, len(arrays), 50))
        np.savez(rep_file, **{k: v for k, v in vars(rep).items() if isinstance(v, np.ndarray)})
    from glovexfer.nets.datasets import Arrays

    z = np.load(rep_file, allow_pickle=False)
    rep = Arrays(**{k: z[k] for k in z.files})
    return {k: P.int8_network(shipping.load_keras(OUT / name / shipping.MODEL_FILE), k, rep, 0)
            for k, name in W.MEMBERS.items()}


def probs(segs, nets, sensor) -> tuple[np.ndarray, np.ndarray]:
    a, b = [], []
    X = np.stack(segs)
    for k in range(0, len(X), 512):
        r = recognise_batch(X[k:k + 512], net_lstm=nets["lstm"], net_cnn=nets["cnn"], sensor=sensor)
        a.append(np.asarray(r.lstm.probs_q8, np.int64))
        b.append(np.asarray(r.cnn.probs_q8, np.int64))
    return np.concatenate(a), np.concatenate(b)


def table(smax: int, k: int = 1) -> np.ndarray:
    s = np.arange(smax + 1, dtype=np.float64)
    return -D.COST_SCALE * np.log2((s + k) / (smax + k))


def decode_costs(C: np.ndarray, lex: D.Lexicon, extra: float, missing: float) -> str | None:
    """decode_word with a (L, 26) letter-cost matrix instead of scores and a table."""
    n = len(C)
    best = None

    def word_cost(c, codes):
        return sum(c[i][codes[:, i]] for i in range(c.shape[0]))

    for case, (length, pen) in enumerate(((n, 0.0), (n - 1, extra), (n + 1, missing))):
        g = lex.by_len.get(length) if length >= 1 else None
        if g is None:
            continue
        codes, prior, index = g
        if case == 0:
            cost = prior + word_cost(C, codes)
        elif case == 1:
            cost = prior + pen + np.min(np.stack([word_cost(np.delete(C, i, 0), codes) for i in range(n)]), 0)
        else:
            cost = prior + pen + np.min(np.stack([word_cost(C, np.delete(codes, i, 1)) for i in range(n + 1)]), 0)
        j = int(np.argmin(cost))
        cand = (float(cost[j]), case, int(index[j]))
        if best is None or cand < best:
            best = cand
    return lex.words[best[2]] if best else None


def heldout_segments(root, spotter):
    """Spotted and true-span letters of the held-out writers' sessions (cached)."""
    cache = Path("out/writing_check/heldout_segments.npz")
    sessions = None
    if not cache.exists():
        sessions = source_sessions(root, SESSIONS, SEED)
        held = [i for i in range(len(sessions)) if sessions.users[i] > TRAIN_USERS_MAX]
        ss = SessionSet.from_sessions([sessions[i] for i in held], sessions.sensor)
        _, segs, tsegs, plans = session_segments(ss, spotter)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, segs=np.stack(segs), tsegs=np.stack(tsegs), plans=np.array(plans, dtype=object))
    z = np.load(cache, allow_pickle=True)
    return list(z["segs"]), list(z["tsegs"]), list(z["plans"]), SessionSet.from_sessions([]).sensor


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--digilets", help="DigiLeTs folder (default: ../shared/data/digilets)")
    ap.add_argument("--styles", type=int, default=1, help="training sessions in this many seeded style sets")
    ap.add_argument("--seed", type=int, default=0, help="fine-tuning seed (the same letters; another training run)")
    ap.add_argument("--session-seed", type=int, help="seed of the training sessions (default: writing_models.TRAIN_SEED; "
                    "another draw of the training letters)")
    ap.add_argument("--sessions", type=int, help="training sessions (default: writing_models.TRAIN_SESSIONS)")
    ap.add_argument("--epochs", type=int, help="fine-tuning epochs of both networks (default: writing_models.FINETUNE's)")
    args = ap.parse_args()
    global OUT, TRAIN_SEED
    if args.styles != 1:
        OUT = OUT.with_name(f"{OUT.name}_styles{args.styles}")
    if args.sessions is not None:
        if args.sessions < args.styles:
            ap.error("--sessions must be at least --styles")
        W.TRAIN_SESSIONS = args.sessions
        OUT = OUT.with_name(f"{OUT.name}_sessions{args.sessions}")
    if args.session_seed is not None:
        W.TRAIN_SEED = args.session_seed
        OUT = OUT.with_name(f"{OUT.name}_sessionseed{args.session_seed}")
    if args.seed != 0:
        TRAIN_SEED = args.seed
        OUT = OUT.with_name(f"{OUT.name}_seed{args.seed}")
    if args.epochs is not None:
        if args.epochs < 1:
            ap.error("--epochs must be at least 1")
        W.FINETUNE = {k: dataclasses.replace(c, max_epochs=args.epochs) for k, c in W.FINETUNE.items()}
        OUT = OUT.with_name(f"{OUT.name}_epochs{args.epochs}")
    root = find_dataset("digilets", args.digilets)
    spotter = load_spotter(shipping.MODELS_DIR / SPOTTER)
    OUT.mkdir(parents=True, exist_ok=True)
    nets = recogniser(root, spotter, args.styles)
    cache = OUT / "fusion_scores.npz"  # this recogniser's scores
    if cache.exists():
        z = np.load(cache, allow_pickle=True)
        a, b, ta, tb, plans = z["a"], z["b"], z["ta"], z["tb"], list(z["plans"])
    else:
        segs, tsegs, plans, sensor = heldout_segments(root, spotter)
        a, b = probs(segs, nets, sensor)
        ta, tb = probs(tsegs, nets, sensor)
        np.savez(cache, a=a, b=b, ta=ta, tb=tb, plans=np.array(plans, dtype=object))
    lex = D.load_lexicon(shipping.MODELS_DIR / "lexicon")
    lex.by_len = {n: (c, p.astype(np.float64), i) for n, (c, p, i) in lex.by_len.items()}
    t510, t255 = table(510), table(255)
    fusions = {  # per-letter cost (26,) from the two networks' scores 0..255
        "sum": lambda x, y: t510[x + y],
        "product": lambda x, y: (t255[x] + t255[y]) / 2,
        "lstm": lambda x, y: t255[x],
        "product_lstm2": lambda x, y: (2 * t255[x] + t255[y]) / 3,
        "product_lstm3": lambda x, y: (3 * t255[x] + t255[y]) / 4,
    }
    rows = []
    for fusion, f in fusions.items():
        for w in (0.75, 1.0, 1.25, 1.5):
            def cm(x, y):
                return np.minimum(f(x, y), D.COST_MAX) * w
            e = et = n = 0
            for truth, words, true_words in plans:
                e += edit_distance([decode_costs(cm(a[q], b[q]), lex, 96, 96) or "?" for q in words], truth)
                et += edit_distance([decode_costs(cm(ta[q], tb[q]), lex, 96, 96) or "?" for q in true_words], truth)
                n += len(truth)
            rows.append({"fusion": fusion, "letter_weight": w, "wer_lexicon": e / n, "wer_lexicon_true_spans": et / n,
                         "words": n})
            print(rows[-1], flush=True)
    acc = {k: float(np.mean(np.argmax(v, 1) == truth)) for k, v in (("lstm", ta), ("cnn", tb), ("sum", ta + tb))
           for truth in [np.array([ord(c) - 97 for t, _, _ in plans for c in "".join(t)])]}
    report = {"grid": rows, "best": min(rows, key=lambda r: r["wer_lexicon"]), "letter_accuracy_true_spans": acc}
    (OUT / "fusion.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report["best"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
