"""The glove's lexicon: the 10,000 most frequent English words (wordfreq), with the integer
tables the decoder adds (``golden.decode``), written to models/lexicon/ (``glovexfer export
--lexicon``). Only this build step needs the ``wordfreq`` package; the decoder reads the file."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from ..golden.decode import COST_MAX, COST_SCALE, LEXICON_FILE, LEXICON_INFO, SCORE_MAXES, Lexicon

N_WORDS = 10000
MAX_LEN = 12  # longer words are left out (a 1.2 s letter each: 15 s and more)


def letter_cost_table(max_score: int) -> np.ndarray:
    """(max_score + 1,) uint8: round(-8 log2((s + 1) / (max_score + 1))), at most 255."""
    s = np.arange(max_score + 1, dtype=np.float64)
    return np.minimum(COST_MAX, np.round(-COST_SCALE * np.log2((s + 1) / (max_score + 1)))).astype(np.uint8)


def prior_cost(freq: float, freq_max: float) -> int:
    """round(8 log2(f_max / f)), at most 255."""
    return int(min(COST_MAX, round(COST_SCALE * math.log2(freq_max / freq))))


def build_lexicon(n_words: int = N_WORDS, max_len: int = MAX_LEN) -> tuple[Lexicon, dict]:
    """The ``n_words`` most frequent a-z English words of at most ``max_len`` letters, most
    frequent first, and a description of the source."""
    import importlib.metadata

    from ..simulate.sessions import common_words
    from wordfreq import word_frequency

    words = [w for w in common_words(4 * n_words) if len(w) <= max_len][:n_words]
    freqs = [word_frequency(w, "en") for w in words]
    top = max(freqs)
    prior = np.array([prior_cost(f, top) for f in freqs], dtype=np.uint8)
    lex = Lexicon(words, prior, {m: letter_cost_table(m) for m in SCORE_MAXES})
    source = {"source": f"wordfreq {importlib.metadata.version('wordfreq')}, top_n_list('en'), a-z words of at most "
                        f"{max_len} letters, the {len(words)} most frequent",
              "words": len(words), "cost_scale_per_bit": COST_SCALE}
    return lex, source


def write_lexicon(folder, lex: Lexicon, source: dict) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = lex.to_text()
    (folder / LEXICON_FILE).write_text(text)
    lengths = sorted({len(w) for w in lex.words})
    info = {**source, "sha256": hashlib.sha256(text.encode()).hexdigest(), "bytes": len(text.encode()),
            "lengths": {str(n): len(lex.by_len[n][0]) for n in lengths}}
    (folder / LEXICON_INFO).write_text(json.dumps(info, indent=2) + "\n")
    return folder / LEXICON_FILE


__all__ = ["build_lexicon", "write_lexicon", "letter_cost_table", "prior_cost", "N_WORDS", "MAX_LEN"]
