"""Word decoding with a lexicon, integers only (the firmware's decoder twin; docs/writing.md).

A spotted word is a list of letters, each with the recogniser's int8 softmax outputs
(``probs_q8``, 0..255 per letter a..z): one network's, or for a fused model (LSTM + CNN, or
LSTM + signal network) both networks'. The decoder picks the lexicon word with the lowest cost

    cost(w) = prior(w) + sum_i C[i][w_i]

where ``prior(w)`` = round(8 log2(f_max / f_w)) (wordfreq's frequency, 8 units per bit, at most
255) and ``C`` is the word's L x 26 letter-cost matrix (``letter_costs``):

* one network with outputs p: ``C[i][c] = cost_single[p_i(c)]``,
  cost_single[s] = round(-8 log2((s + 1) / 256));
* a fused model with the LSTM's outputs a and the second network's b:
  ``C[i][c] = cost_lstm[a_i(c)] + cost_cnn[b_i(c)]``,
  cost_lstm[s] = round(-(20/3) log2((s + 1) / 256)), cost_cnn[s] = round(-(10/3) log2((s + 1) / 256)):
  a weighted product of the two networks' probabilities, 8 units per bit x LETTER_WEIGHT
  (1.25, the letters against the word prior) x the network's share of NET_WEIGHTS (LSTM 2,
  CNN 1: 2/3 and 1/3). The LSTM + signal fusion uses the same two tables (the signal network
  as the second network; the weights were measured for the CNN only).

The fused weights come from ``experiments/writing_fusion_check.py`` (10 simulated source
writers the recogniser never saw, with the lexicon): word error rate 3.81 % with the
previous letter cost (one table on the sum of the two outputs, 0..510), 2.65 % with this
weighted product. A maximum-a-posteriori choice with the outputs read as probabilities; the
three tables are computed once by the export step (``export.lexicon``) and shipped: the
decoder only adds and compares. Every word of that length is scored (exhaustive, so exact
where a beam search would prune); ties go to the more frequent word. A length no lexicon word
has keeps the raw letters.

The lexicon file (``models/glove/lexicon/lexicon.tsv``, written by ``export.lexicon``), format
2: a line ``#gxlex 2``, three lines ``#letter_cost NAME c_0 ... c_255`` (NAME single, lstm,
cnn), then one word and its prior per line, most frequent first; ``lexicon.json`` beside it
holds its SHA-256, refused when the bytes differ. Format 1 (no ``#gxlex`` line, tables on the
scores 0..510 and 0..255) is refused: re-export it (``glovexfer export --lexicon``).
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
#: the lexicon file's format (its first line ``#gxlex 2``); 1 had tables on 0..510 and 0..255
LEXICON_FORMAT = 2
#: a network's int8 softmax output: 0..PROB_MAX
PROB_MAX = 255
#: the letter-cost tables, each on a network's output 0..255: one network alone, and a fused
#: model's LSTM and second network (CNN, or the signal network)
TABLES = ("single", "lstm", "cnn")
#: fused model: weight of the letter costs against the word prior, and the networks' weights
#: (experiments/writing_fusion_check.py: word error rate 2.65 % against 3.81 % for a table
#: on the summed outputs, 10 simulated unseen source writers)
LETTER_WEIGHT = 1.25
NET_WEIGHTS = {"lstm": 2, "cnn": 1}


def table_scale(name: str) -> float:
    """Cost units per bit of the table ``name``: 8 for ``single``; 8 x LETTER_WEIGHT x the
    network's share of NET_WEIGHTS for ``lstm`` (20/3) and ``cnn`` (10/3)."""
    if name == "single":
        return float(COST_SCALE)
    return COST_SCALE * LETTER_WEIGHT * NET_WEIGHTS[name] / sum(NET_WEIGHTS.values())


@dataclass
class Lexicon:
    words: list[str]
    prior: np.ndarray  # (N,) uint8
    letter_cost: dict  # table name (TABLES) -> (PROB_MAX + 1,) uint8
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
        head = f"#gxlex {LEXICON_FORMAT}\n" + "".join(
            f"#letter_cost {m} " + " ".join(str(int(c)) for c in self.letter_cost[m]) + "\n" for m in TABLES)
        return head + "".join(f"{w}\t{int(p)}\n" for w, p in zip(self.words, self.prior))

    def table(self, name: str) -> np.ndarray:
        return self.letter_cost[name]


def _cost_line(path, lineno: int, line: str) -> tuple[str, np.ndarray]:
    parts = line.split()
    if len(parts) < 3 or not all(p.isascii() and p.isdigit() for p in parts[2:]):
        raise DataFormatError(path, "want '#letter_cost NAME c_0 ... c_255' (integers)", lineno, "letter_cost")
    m, costs = parts[1], [int(p) for p in parts[2:]]
    if m not in TABLES or len(costs) != PROB_MAX + 1 or max(costs) > COST_MAX:
        raise DataFormatError(path, f"a letter cost table is named one of {TABLES} and has {PROB_MAX + 1} entries "
                                    f"0..{COST_MAX}", lineno, "letter_cost")
    return m, np.array(costs, dtype=np.uint8)


def parse_lexicon(path, text: str) -> Lexicon:
    first = text.split("\n", 1)[0]
    if first != f"#gxlex {LEXICON_FORMAT}":
        old = first.startswith("#letter_cost") or first.startswith("#gxlex ")
        raise DataFormatError(path, (f"lexicon format {first.split()[1] if first.startswith('#gxlex ') else 1}, this "
                                     f"decoder reads format {LEXICON_FORMAT} (letter costs per network): re-export it "
                                     "with 'glovexfer export --lexicon'") if old else
                              f"want '#gxlex {LEXICON_FORMAT}' as the first line", 1, "format")
    words, prior, seen, tables = [], [], set(), {}
    for lineno, line in enumerate(text.splitlines()[1:], start=2):
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
    missing = [m for m in TABLES if m not in tables]
    if missing:
        raise DataFormatError(path, f"no letter cost table {missing}", field="letter_cost")
    if int(tables["lstm"].max()) + int(tables["cnn"].max()) > COST_MAX:
        raise DataFormatError(path, f"the lstm and cnn tables' largest costs add up to more than {COST_MAX}",
                              field="letter_cost")
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


def _probs(p, what: str) -> np.ndarray:
    p = np.asarray(p)
    if p.ndim != 2 or p.shape[1] != len(LETTERS) or (p.size and (p.min() < 0 or p.max() > PROB_MAX)):
        raise ValueError(f"{what}: want (L, 26) network outputs 0..{PROB_MAX}, got shape {p.shape}")
    return p.astype(np.int64)


def single_letter_costs(probs, lexicon: Lexicon) -> np.ndarray:
    """(L, 26) int32 letter costs of one network's outputs ``probs`` (L, 26), 0..255."""
    return lexicon.table("single")[_probs(probs, "probs")].astype(np.int32)


def fused_letter_costs(lstm, second, lexicon: Lexicon) -> np.ndarray:
    """(L, 26) int32 letter costs of a fused model: cost_lstm[lstm] + cost_cnn[second], the
    LSTM's and the second network's outputs (L, 26) each, 0..255."""
    a, b = _probs(lstm, "LSTM probs"), _probs(second, "second network probs")
    if a.shape != b.shape:
        raise ValueError(f"the two networks' outputs differ in shape: {a.shape}, {b.shape}")
    return lexicon.table("lstm")[a].astype(np.int32) + lexicon.table("cnn")[b].astype(np.int32)


def letter_costs(probs, lexicon: Lexicon) -> np.ndarray:
    """(L, 26) letter costs of ``probs`` (L, nets, 26): one network's outputs (nets 1) or a
    fused model's, the LSTM's first (nets 2)."""
    p = np.asarray(probs)
    if p.ndim != 3 or p.shape[1] not in (1, 2):
        raise ValueError(f"want (L, 1 or 2, 26) network outputs, got shape {p.shape}")
    return single_letter_costs(p[:, 0], lexicon) if p.shape[1] == 1 else fused_letter_costs(p[:, 0], p[:, 1], lexicon)


def _costs(cost: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """(n,) sum over i of cost[i][codes[:, i]] for n words of len(cost) letters."""
    out = np.zeros(len(codes), np.int32)
    for i in range(len(cost)):
        out += cost[i][codes[:, i]].astype(np.int32)
    return out


def decode_word(costs, lexicon: Lexicon) -> tuple[str | None, int]:
    """The lexicon word for one spotted word: ``costs`` (L, 26) its L letters' letter costs
    (``letter_costs``); (word, cost), or (None, 0) when no candidate exists.

    Candidates: every word of L letters (cost: prior + letter costs); of L - 1 letters with one
    spotted letter left out (+ EXTRA_LETTER; each position tried); of L + 1 letters with one of
    its letters unspotted (+ MISSING_LETTER, that letter costing nothing else). The lowest cost
    wins; ties go to the shorter length difference, then to the more frequent word."""
    sc = np.asarray(costs, dtype=np.int64).reshape(-1, len(LETTERS))
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
        consider(prior + _costs(sc, codes), index, 0)
    group = lexicon.by_len.get(n - 1) if n > 1 else None
    if group is not None:
        codes, prior, index = group
        each = [_costs(np.delete(sc, i, axis=0), codes) for i in range(n)]
        consider(prior + EXTRA_LETTER + np.min(np.stack(each), axis=0), index, 1)
    group = lexicon.by_len.get(n + 1)
    if group is not None:
        codes, prior, index = group
        each = [_costs(sc, np.delete(codes, i, axis=1)) for i in range(n + 1)]
        consider(prior + MISSING_LETTER + np.min(np.stack(each), axis=0), index, 2)
    if best is None:
        return None, 0
    # ties between words of one case: the first minimum of its argmin is the most frequent;
    # between cases the tuple order prefers the smaller case number
    return lexicon.words[best[2]], best[0]


__all__ = ["Lexicon", "parse_lexicon", "load_lexicon", "decode_word", "letter_costs", "single_letter_costs",
           "fused_letter_costs", "table_scale", "COST_SCALE", "COST_MAX", "LEXICON_FILE", "LEXICON_INFO", "MAX_WORD",
           "LEXICON_FORMAT", "PROB_MAX", "TABLES", "LETTER_WEIGHT", "NET_WEIGHTS", "EXTRA_LETTER", "MISSING_LETTER"]
