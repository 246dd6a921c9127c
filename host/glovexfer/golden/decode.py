"""Word decoding with a lexicon, integers only (the firmware's decoder twin; docs/writing.md).

A spotted word is a list of letters, each with the recogniser's 26 integer scores (the fused
model's sum of two int8 softmax outputs, 0..510; a single network's 0..255). The decoder picks
the lexicon word of the same length with the lowest cost

    cost(w) = prior(w) + sum_i letter_cost[score_i(w_i)]

where ``prior(w)`` = round(8 log2(f_max / f_w)) (wordfreq's frequency, 8 units per bit, at most
255) and ``letter_cost[s]`` = round(-8 log2((s + 1) / (s_max + 1))) (at most 255): a
maximum-a-posteriori choice with the scores read as probabilities. Both are tables computed
once by the export step (``export.lexicon``) and shipped; the decoder only adds and compares. Every word of that length is
scored (exhaustive, so exact where a beam search would prune); ties go to the more frequent
word. A length no lexicon word has keeps the raw letters.

The lexicon file (``models/glove/lexicon/lexicon.tsv``, written by ``export.lexicon``): two lines
``#letter_cost S c_0 ... c_S`` (the tables for S = 510 and 255), then one word and its prior
per line, most frequent first; ``lexicon.json`` beside it holds its SHA-256, refused when the
bytes differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from ..files import read_text
from ..params import LETTERS

COST_SCALE = 8  # cost units per bit
COST_MAX = 255
LEXICON_FILE = "lexicon.tsv"
LEXICON_INFO = "lexicon.json"
MAX_WORD = 24


SCORE_MAXES = (510, 255)  # fused model, single network


@dataclass
class Lexicon:
    words: list[str]
    prior: np.ndarray  # (N,) uint8
    letter_cost: dict  # score max -> (max + 1,) uint8 table
    by_len: dict = field(default_factory=dict)  # L -> (codes (n, L) uint8, prior (n,) int32, index (n,) int64)

    def __post_init__(self):
        self.prior = np.asarray(self.prior, dtype=np.uint8)
        groups: dict[int, list[int]] = {}
        for i, w in enumerate(self.words):
            groups.setdefault(len(w), []).append(i)
        for n, idx in groups.items():
            codes = np.array([[LETTERS.index(c) for c in self.words[i]] for i in idx], dtype=np.uint8)
            self.by_len[n] = (codes, self.prior[idx].astype(np.int32), np.array(idx, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    def to_text(self) -> str:
        head = "".join(f"#letter_cost {m} " + " ".join(str(int(c)) for c in self.letter_cost[m]) + "\n" for m in SCORE_MAXES)
        return head + "".join(f"{w}\t{int(p)}\n" for w, p in zip(self.words, self.prior))

    def table(self, max_score: int) -> np.ndarray:
        return self.letter_cost[max_score]


def _cost_line(path, lineno: int, line: str) -> tuple[int, np.ndarray]:
    parts = line.split()
    if len(parts) < 3 or not all(p.isascii() and p.isdigit() for p in parts[1:]):
        raise DataFormatError(path, "want '#letter_cost MAX c_0 ... c_MAX' (integers)", lineno, "letter_cost")
    m, costs = int(parts[1]), [int(p) for p in parts[2:]]
    if m not in SCORE_MAXES or len(costs) != m + 1 or max(costs) > COST_MAX:
        raise DataFormatError(path, f"a letter cost table for a maximum score in {SCORE_MAXES} has MAX + 1 entries "
                                    f"0..{COST_MAX}", lineno, "letter_cost")
    return m, np.array(costs, dtype=np.uint8)


def parse_lexicon(path, text: str) -> Lexicon:
    words, prior, seen, tables = [], [], set(), {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#letter_cost"):
            m, t = _cost_line(path, lineno, line)
            tables[m] = t
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].isascii() or not parts[1].isdigit():
            raise DataFormatError(path, "want 'WORD<TAB>PRIOR' (PRIOR an integer 0..255)", lineno)
        w, p = parts[0], int(parts[1])
        if not (1 <= len(w) <= MAX_WORD) or any(c not in LETTERS for c in w):
            raise DataFormatError(path, f"word '{w[:40]}' is not 1..{MAX_WORD} letters a-z", lineno, "word")
        if p > COST_MAX:
            raise DataFormatError(path, f"prior {p} above {COST_MAX}", lineno, "prior")
        if w in seen:
            raise DataFormatError(path, f"word '{w}' twice", lineno, "word")
        seen.add(w)
        words.append(w)
        prior.append(p)
    if not words:
        raise DataFormatError(path, "no words")
    missing = [m for m in SCORE_MAXES if m not in tables]
    if missing:
        raise DataFormatError(path, f"no letter cost table for the maximum scores {missing}", field="letter_cost")
    return Lexicon(words, np.array(prior, dtype=np.uint8), tables)


def load_lexicon(folder) -> Lexicon:
    """The lexicon in ``folder`` (lexicon.tsv), refused unless its bytes match lexicon.json's SHA-256."""
    from ..files import check_digest, field, read_json_object

    folder = Path(folder)
    info_path, path = folder / LEXICON_INFO, folder / LEXICON_FILE
    info = read_json_object(info_path, "lexicon information")
    text = read_text(path, "lexicon", max_bytes=4 << 20)
    check_digest(text.encode(), field(info, "sha256", info_path), path, info_path)
    return parse_lexicon(path, text)


#: Cost of a spotted letter the word does not have (a letter split in two, a travel move
#: taken for a letter) and of a word letter that was not spotted (two letters merged into
#: one), in cost units (8 per bit); at most one of either per word. Chosen on 200 simulated
#: sessions of source writers (word error rate 9.7 % at 96, 9.8 % at 64, 11.7 % at 48, 10.7 %
#: without these candidates).
EXTRA_LETTER = 96
MISSING_LETTER = 96


def _costs(sc: np.ndarray, codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """(n,) sum over i of table[sc[i][codes[:, i]]] for n words of len(sc) letters."""
    cost = np.zeros(len(codes), np.int32)
    for i in range(len(sc)):
        cost += table[sc[i]][codes[:, i]].astype(np.int32)
    return cost


def decode_word(scores, lexicon: Lexicon, max_score: int) -> tuple[str | None, int]:
    """The lexicon word for one spotted word: ``scores`` (L, 26) integer scores 0..max_score of
    its L letters; (word, cost), or (None, 0) when no candidate exists.

    Candidates: every word of L letters (cost: prior + letter costs); of L - 1 letters with one
    spotted letter left out (+ EXTRA_LETTER; each position tried); of L + 1 letters with one of
    its letters unspotted (+ MISSING_LETTER, that letter costing nothing else). The lowest cost
    wins; ties go to the shorter length difference, then to the more frequent word."""
    sc = np.asarray(scores, dtype=np.int64)
    table = lexicon.table(max_score)
    n = len(sc)
    best: tuple[int, int, int] | None = None  # (cost, rank of the length case, word index)

    def consider(cost: np.ndarray, index: np.ndarray, case: int) -> None:
        nonlocal best
        j = int(np.argmin(cost))
        cand = (int(cost[j]), case, int(index[j]))
        if best is None or cand < best:
            best = cand

    group = lexicon.by_len.get(n)
    if group is not None:
        codes, prior, index = group
        consider(prior + _costs(sc, codes, table), index, 0)
    group = lexicon.by_len.get(n - 1) if n > 1 else None
    if group is not None:
        codes, prior, index = group
        each = [_costs(np.delete(sc, i, axis=0), codes, table) for i in range(n)]
        consider(prior + EXTRA_LETTER + np.min(np.stack(each), axis=0), index, 1)
    group = lexicon.by_len.get(n + 1)
    if group is not None:
        codes, prior, index = group
        each = [_costs(sc, np.delete(codes, i, axis=1), table) for i in range(n + 1)]
        consider(prior + MISSING_LETTER + np.min(np.stack(each), axis=0), index, 2)
    if best is None:
        return None, 0
    # ties between words of one case: the first minimum of its argmin is the most frequent;
    # between cases the tuple order prefers the smaller case number
    return lexicon.words[best[2]], best[0]


__all__ = ["Lexicon", "parse_lexicon", "load_lexicon", "decode_word", "COST_SCALE", "COST_MAX", "LEXICON_FILE",
           "LEXICON_INFO", "MAX_WORD", "SCORE_MAXES", "EXTRA_LETTER", "MISSING_LETTER"]
