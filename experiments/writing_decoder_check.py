"""Continuous writing: which gap joins two spotted runs into one letter, and are the word
decoder's constants right for the writing recogniser on writers it has not seen? (docs/writing.md)

1. Letters of 2,000 simulated source-writer sessions (seed 41, as ``train --model writing``)
   of the source users u01-u36 only train a writing recogniser (``nets.writing_models``, the
   shipped recipe) into out/writing_check/; it is converted to int8 like the shipped one.
2. 1,000 source sessions of seed 61, of which those of u37-u46 (10 source writers that
   recogniser never saw) are spotted, recognised on the golden device path and decoded with
   the shipped lexicon under a grid of decoder constants: the extra- and missing-letter
   penalties and the letter-cost table's smoothing (s + k). This grid is of the letter cost of
   lexicon format 1, a table on the fused sum s = a + b (0..510) of the two networks'
   outputs, rebuilt here from the outputs; the shipped decoder has since taken the weighted
   product (format 2, experiments/writing_fusion_check.py, docs/writing.md).
3. On the first 300 of those sessions (every user) the spotter's runs are joined across gaps
   of 0..8 samples (``golden.spotting.JOIN_GAP``): spotting recall and precision, extra
   segments, and the words whose letter count comes out right.

    PYTHONPATH=host .venv/bin/python experiments/writing_decoder_check.py [--digilets DIR]

Writes out/writing_check/report.json and prints it. About 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402

from glovexfer.data.paths import find_dataset  # noqa: E402
from glovexfer.golden import decode as D  # noqa: E402
from glovexfer.nets import protocols as P  # noqa: E402
from glovexfer.nets import shipping  # noqa: E402
from glovexfer.nets import writing_models as W  # noqa: E402
from glovexfer.nets.datasets import target_arrays  # noqa: E402
from glovexfer.nets.spotter import SPOTTER, load_spotter, source_sessions  # noqa: E402
from glovexfer.nets.writing import _recognise, edit_distance, match_letters, session_segments  # noqa: E402

OUT = Path("out/writing_check")
TRAIN_USERS_MAX = "u36"


def cost_table(k: int) -> np.ndarray:
    s = np.arange(511, dtype=np.float64)
    return np.minimum(D.COST_MAX, np.round(-D.COST_SCALE * np.log2((s + k) / (510 + k)))).astype(np.uint8)


def held_out_recogniser(root, spotter) -> dict:
    letters = W.source_letters(root, spotter, W.TRAIN_SESSIONS, W.TRAIN_SEED)
    keep = np.flatnonzero(letters.users <= TRAIN_USERS_MAX)
    arrays = target_arrays(letters, progress=True).take(keep)
    W.train_writing(arrays, shipping.MODELS_DIR, OUT, progress=True)
    rep = arrays.take(np.arange(0, len(arrays), 50))
    return {k: P.int8_network(shipping.load_keras(OUT / name / shipping.MODEL_FILE), k, rep, 0)
            for k, name in W.MEMBERS.items()}


def decoder_grid(ss, spotter, nets) -> list[dict]:
    _, segs, tsegs, plans = session_segments(ss, spotter)
    # the fused sum (0..510): the letter cost of lexicon format 1 was a table on it
    sc = _recognise(segs, nets, ss.sensor)[1].sum(axis=1)
    tsc = _recognise(tsegs, nets, ss.sensor)[1].sum(axis=1)
    lex = D.load_lexicon(shipping.MODELS_DIR / "lexicon")
    rows = []
    for extra, missing, k in itertools.product((48, 64, 96, 128), (64, 96, 128), (1, 4, 16)):
        D.EXTRA_LETTER, D.MISSING_LETTER = extra, missing
        table = cost_table(k)
        e = et = n = 0
        for truth, words, true_words in plans:
            e += edit_distance([D.decode_word(table[sc[w]], lex)[0] or "?" for w in words], truth)
            et += edit_distance([D.decode_word(table[tsc[w]], lex)[0] or "?" for w in true_words], truth)
            n += len(truth)
        rows.append({"extra_letter": extra, "missing_letter": missing, "smoothing": k, "wer_lexicon": e / n,
                     "wer_lexicon_true_spans": et / n, "words": n})
        print(rows[-1], flush=True)
    return rows


def join_gaps(ss, spotter) -> list[dict]:
    from glovexfer.golden.spotting import frame_logits, letter_segments, spot_features, threshold_of, word_groups

    thr = threshold_of(spotter)
    streams = [(frame_logits(spotter, spot_features(ss[i].counts)), [tuple(x) for x in ss[i].spans.tolist()], ss[i].text)
               for i in range(len(ss))]
    rows = []
    for join in range(9):
        tp = n_pred = n_true = right = words = 0
        for logits, true, text in streams:
            letters = letter_segments(logits, thr, join=join)
            tp += len(match_letters(letters, true))
            n_pred, n_true = n_pred + len(letters), n_true + len(true)
            got, want = [len(w) for w in word_groups(letters)], [len(w) for w in text.split(" ")]
            words += len(want)
            right += sum(a == b for a, b in zip(got, want)) if len(got) == len(want) else 0
        rows.append({"join_gap": join, "recall": tp / n_true, "precision": tp / n_pred, "extra_segments": n_pred - tp,
                     "words_with_right_letter_count": right / words})
        print(rows[-1], flush=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--digilets", help="DigiLeTs folder (default: ../shared/data/digilets)")
    args = ap.parse_args()
    root = find_dataset("digilets", args.digilets)
    spotter = load_spotter(shipping.MODELS_DIR / SPOTTER)
    OUT.mkdir(parents=True, exist_ok=True)
    sessions = source_sessions(root, 1000, 61)
    held = [i for i in range(len(sessions)) if sessions.users[i] > TRAIN_USERS_MAX]
    from glovexfer.data.sessions import SessionSet

    held_ss = SessionSet.from_sessions([sessions[i] for i in held], sessions.sensor)
    report = {"held_out_sessions": len(held), "join_gaps": join_gaps(
        SessionSet.from_sessions([sessions[i] for i in range(300)], sessions.sensor), spotter)}
    report["decoder_grid"] = decoder_grid(held_ss, spotter, held_out_recogniser(root, spotter))
    report["best"] = min(report["decoder_grid"], key=lambda r: (r["wer_lexicon"], r["extra_letter"] != 96))
    (OUT / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "decoder_grid"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
