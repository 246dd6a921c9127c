"""Continuous writing: can the glove calibrate itself from the words it decodes? (docs/writing.md)

Self-calibration: no calibration letters; while the wearer writes, every word the lexicon
decodes with a clear margin (the runner-up word costs at least ``M`` units more) and whose
letter count is the spotted one lends its letters, labelled by the decoded word, to the
wearer's letter calibration (golden.calibrate, the device's spec: K_MAX samples per letter, the oldest
dropped, sealed and checked by Guard 2 after every word that adds letters); the letters of
the words after it are decided and decoded with that calibration (``calibrated_outputs``).
Online: a word only benefits from the words before it.

Measured on source writers the recogniser never saw (the held-out recogniser of
experiments/writing_fusion_check.py, trained on u01-u36; the sessions of u37-u46 of the
2,000 source sessions of seed 61), so that the margin is not chosen on the target writers:

    PYTHONPATH=host .venv/bin/python experiments/writing_selfcal_check.py [--styles 4]

and, once chosen, on a session set of the target writers with the shipped recogniser:

    PYTHONPATH=host .venv/bin/python experiments/writing_selfcal_check.py --sessions out/sessions_eval.npz --margin M

Rules compared: ``none`` (no calibration), ``margin M`` (M in --margins), ``agree`` (the
decoded word equals the raw letters), ``oracle`` (the true letters of every word whose
spotted letter count is right: the most this calibration could give). ``--skip-flagged``
leaves out the letters Guard 1 would flag (not in the uncalibrated top-3).

Writes out/writing_check/selfcal*.json and prints one line per rule.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402

from glovexfer.golden import calibrate as C  # noqa: E402
from glovexfer.golden.decode import EXTRA_LETTER, MISSING_LETTER, decode_word, letter_costs, load_lexicon  # noqa: E402
from glovexfer.params import LETTERS  # noqa: E402
from glovexfer.nets.writing import _batch_outputs, edit_distance, session_segments  # noqa: E402


def decode_top2(costs: np.ndarray, lex) -> tuple[str | None, int, int]:
    """(best word, its cost, the runner-up's cost: 10**9 without one), the best as decode_word."""
    sc = np.asarray(costs, np.int64)
    n = len(sc)
    cands = []  # (cost array, case, index array)

    def word_cost(c, codes):
        out = np.zeros(len(codes), np.int64)
        for i in range(len(c)):
            out += c[i][codes[:, i]]
        return out

    for case, length in enumerate((n, n - 1, n + 1)):
        g = lex.by_len.get(length) if length >= 1 else None
        if g is None:
            continue
        codes, prior, index = g
        prior = prior.astype(np.int64)
        if case == 0:
            cost = prior + word_cost(sc, codes)
        elif case == 1:
            cost = prior + EXTRA_LETTER + np.min(np.stack([word_cost(np.delete(sc, i, 0), codes) for i in range(n)]), 0)
        else:
            cost = prior + MISSING_LETTER + np.min(np.stack([word_cost(sc, np.delete(codes, i, 1)) for i in range(n + 1)]), 0)
        cands.append((cost, np.full(len(cost), case), np.asarray(index)))
    if not cands:
        return None, 0, 10**9
    cost = np.concatenate([c[0] for c in cands])
    case = np.concatenate([c[1] for c in cands])
    index = np.concatenate([c[2] for c in cands])
    order = np.lexsort((index, case, cost))
    best = order[0]
    second = int(cost[order[1]]) if len(order) > 1 else 10**9
    return lex.words[int(index[best])], int(cost[best]), second


def run_rule(rule: str, margin: int, skip_flagged: bool, users, words_of, feats, probs, lex):
    """Online self-calibration per writer; returns (word errors, words, per writer {u: [err, n]})."""
    err = n = 0
    per = {}
    for u in users:
        cal = C.CalibrationSet(len(feats))
        enabled = None
        for sess in words_of[u]:
            text, words, tl = sess  # true text, spotted words (index lists), true letters per spotted word or None
            dec = []
            for wi, w in enumerate(words):
                w = np.asarray(w, int)
                p = probs[w]
                if enabled is not None and rule != "none":
                    # the device's: the decision's bonus, and the outputs' (spec v4: reach tau; spec v5:
                    # the nearest sample's distance)
                    b, o = C.decision_and_output_bonuses(enabled, tuple(f[w] for f in feats))
                    q = C.calibrated_outputs(p, o)
                    raw_idx = np.argmax(p.sum(axis=1) + b.sum(axis=1), axis=1)
                else:
                    q = p
                    raw_idx = np.argmax(p.sum(axis=1), axis=1)
                raw = "".join(LETTERS[i] for i in raw_idx)
                best, cost, second = decode_top2(letter_costs(q, lex), lex)
                if rule == "none":
                    assert (best, cost if best else 0) == decode_word(letter_costs(q, lex), lex)
                dec.append(best or raw)
                if rule == "none":
                    continue
                if rule == "oracle":
                    label = tl[wi]
                elif rule == "agree":
                    label = best if best == raw else None
                else:
                    label = best if best is not None and second - cost >= margin else None
                if label is None or len(label) != len(w):
                    continue
                added = False
                for j, (i, ch) in enumerate(zip(w, label)):
                    r = C.add_sample(cal, LETTERS.index(ch), tuple(f[i] for f in feats), p[j].sum(axis=0),
                                     confirm=not skip_flagged)
                    added |= r.stored
                if added:
                    enabled, _ = C.enabled_set(cal)
            tw = text
            e = edit_distance(dec, tw)
            err += e
            n += len(tw)
            pu = per.setdefault(u, [0, 0])
            pu[0] += e
            pu[1] += len(tw)
    return err, n, per


def prepare(ss, spotter, nets, sensor):
    """Per writer, in session order: (text, spotted words, true letters per spotted word or
    None) and the letters' features and outputs."""
    spots, segs, _, plans = session_segments(ss, spotter, progress=True)
    out = _batch_outputs(segs, nets, "fused", sensor)
    _, _, probs, feats = out
    words_of = {}
    for (s, sp), (text, words, _) in zip(spots, plans):
        tw = list(text)
        # true letters of a spotted word: the true word at the same position when the word
        # counts agree (the oracle's labels)
        tl = [tw[i] if len(words) == len(tw) else None for i in range(len(words))]
        words_of.setdefault(s.user, []).append((tw, words, tl))
    return words_of, feats, probs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--digilets", help="DigiLeTs folder (default: ../shared/data/digilets)")
    ap.add_argument("--styles", type=int, default=4, help="the held-out recogniser's style sets (writing_fusion_check)")
    ap.add_argument("--sessions", help="a session set of the target writers: the shipped recogniser instead of the held-out one")
    ap.add_argument("--margins", type=int, nargs="+", default=[0, 16, 32, 48, 64])
    ap.add_argument("--margin", type=int, help="with --sessions: only this margin (and none, agree, oracle)")
    ap.add_argument("--skip-flagged", action="store_true")
    ap.add_argument("--rules", nargs="+", default=["none", "agree", "margin", "oracle"])
    args = ap.parse_args()

    from glovexfer.data.sessions import SessionSet
    from glovexfer.nets import shipping
    from glovexfer.nets.spotter import SPOTTER, load_spotter

    spotter = load_spotter(shipping.MODELS_DIR / SPOTTER)
    lex = load_lexicon(shipping.MODELS_DIR / "lexicon")
    t0 = time.time()
    tag = Path(args.sessions).stem if args.sessions else f"heldout_styles{args.styles}"
    margins = [args.margin] if args.sessions and args.margin is not None else args.margins
    cache = Path("out/writing_check") / f"selfcal_{tag}_letters.pkl"  # the letters' outputs and features
    if cache.exists():
        words_of, feats, probs = pickle.loads(cache.read_bytes())
    elif args.sessions:
        ss = SessionSet.load(args.sessions)
        nets = shipping.int8_networks(shipping.model_folder("writing", shipping.MODELS_DIR))
    else:
        import importlib.util

        spec = importlib.util.spec_from_file_location("writing_fusion_check", Path(__file__).with_name("writing_fusion_check.py"))
        F = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(F)
        from glovexfer.data.paths import find_dataset
        from glovexfer.nets.spotter import source_sessions

        if args.styles != 1:
            F.OUT = F.OUT.with_name(f"{F.OUT.name}_styles{args.styles}")
        root = find_dataset("digilets", args.digilets)
        nets = F.recogniser(root, spotter, args.styles)
        sessions = source_sessions(root, F.SESSIONS, F.SEED)
        held = [i for i in range(len(sessions)) if sessions.users[i] > F.TRAIN_USERS_MAX]
        ss = SessionSet.from_sessions([sessions[i] for i in held], sessions.sensor)
    if not cache.exists():
        words_of, feats, probs = prepare(ss, spotter, nets, ss.sensor)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps((words_of, feats, probs)))
    users = sorted(words_of)
    rules = [(r, 0) for r in ("none", "agree") if r in args.rules] + [("margin", m) for m in margins if "margin" in args.rules] \
        + [("oracle", 0)] * ("oracle" in args.rules)
    rows = []
    for rule, m in rules:
        e, n, per = run_rule(rule, m, args.skip_flagged, users, words_of, feats, probs, lex)
        row = {"rule": rule, "margin": m, "skip_flagged": args.skip_flagged, "wer_lexicon": e / n, "errors": e, "words": n,
               "per_writer": {u: v[0] / v[1] for u, v in per.items()}}
        rows.append(row)
        worst = sorted(row["per_writer"].items(), key=lambda kv: -kv[1])[:4]
        print(f"{rule:7s} M={m:3d}: WER lexicon {100 * e / n:.2f} % ({e}/{n}); worst "
              + ", ".join(f"{u} {100 * v:.1f} %" for u, v in worst) + f"  [{time.time() - t0:.0f} s]", flush=True)
    out = Path("out/writing_check") / f"selfcal_{tag}{'_skip' if args.skip_flagged else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"data": tag, "rows": rows}, indent=1) + "\n")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
