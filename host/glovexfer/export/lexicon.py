"""The glove's lexicon: the 10,000 most frequent English words (wordfreq), with the integer
tables the decoder adds (``golden.decode``), written to models/glove/lexicon/ (``glovexfer export
--lexicon``). Only this build step needs the ``wordfreq`` package; the decoder reads the file."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..golden.decode import (COST_MAX, COST_SCALE, LETTER_WEIGHT, LEXICON_FILE, LEXICON_INFO, NET_WEIGHTS, PROB_MAX,
                             TABLES, Lexicon, table_scale)

N_WORDS = 10000
MAX_LEN = 12  # longer words are left out (a 1.2 s letter each: 15 s and more)


def letter_cost_table(name: str) -> np.ndarray:
    """(256,) uint8: round(-k log2((s + 1) / 256)) of a network's output s = 0..255, at most 255,
    k = golden.decode.table_scale(name) (8 single, 20/3 lstm, 10/3 cnn)."""
    s = np.arange(PROB_MAX + 1, dtype=np.float64)
    return np.minimum(COST_MAX, np.round(-table_scale(name) * np.log2((s + 1) / (PROB_MAX + 1)))).astype(np.uint8)


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
    lex = Lexicon(words, prior, {m: letter_cost_table(m) for m in TABLES})
    source = {"source": f"wordfreq {importlib.metadata.version('wordfreq')}, top_n_list('en'), a-z words of at most "
                        f"{max_len} letters, the {len(words)} most frequent",
              "words": len(words), "cost_scale_per_bit": COST_SCALE,
              "letter_cost": {"single": "8 per bit of one network's output",
                              "lstm, cnn": f"fused model: 8 per bit x {LETTER_WEIGHT} x the network's share of "
                                           f"{NET_WEIGHTS} (experiments/writing_fusion_check.py)"}}
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


__all__ = ["build_lexicon", "write_lexicon", "letter_cost_table", "prior_cost", "N_WORDS", "MAX_LEN", "PackedLexicon",
           "pack_lexicon", "unpack_lexicon", "lexicon_canonical_bytes", "lexicon_version", "write_lexicon_source",
           "FLASH_MAX_LEN"]


# ---------------------------------------------------------------------------------------
# The lexicon in flash (firmware/core/decode.h): gx_lexicon.{h,cpp}
# ---------------------------------------------------------------------------------------
#: export format of the flash lexicon; part of its version string (firmware kGxLexFormat; 1 had
#: one letter-cost table on the fused sum 0..510)
FLASH_FORMAT = 2
#: letters of the longest word the flash format holds (firmware kGxLexMaxLen = golden MAX_WORD)
FLASH_MAX_LEN = 24
LETTER_BITS = 5


@dataclass
class PackedLexicon:
    """The flash layout (firmware/core/decode.h, GxLexicon). Words are grouped by length,
    each group in the lexicon's order (most frequent first), each group a bit stream starting
    at a byte, bits least significant first. Per word: its prior's increase over the
    previous word of the group in unary (that many 1 bits, then a 0; the group starts at 0),
    then its letters, 5 bits each (a = 0). The priors of a frequency-ordered lexicon never
    decrease, so the unary code costs about one bit per word, and the decoder may stop a
    group as soon as the prior alone can no longer win."""

    version: str
    n_words: int
    max_len: int
    extra_letter: int
    missing_letter: int
    count: list  # (FLASH_MAX_LEN + 1,) words of each length
    offset: list  # (FLASH_MAX_LEN + 2,) byte offset of each length's group; offset[-1] = len(bits)
    bits: bytes
    cost_single: np.ndarray  # (256,) uint8
    cost_lstm: np.ndarray  # (256,) uint8
    cost_cnn: np.ndarray  # (256,) uint8

    @property
    def tables(self) -> tuple:
        return (self.cost_single, self.cost_lstm, self.cost_cnn)

    @property
    def flash_bytes(self) -> int:
        """The bytes of the arrays and the descriptor's integers (not its pointers and version)."""
        return len(self.bits) + sum(t.size for t in self.tables) + 4 * (5 + len(self.count) + len(self.offset))


class _Bits:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value: int, nbits: int) -> None:
        self.acc |= value << self.n
        self.n += nbits
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def align(self) -> None:
        if self.n:
            self.out.append(self.acc & 0xFF)
        self.acc = self.n = 0


def pack_lexicon(lex: Lexicon, version: str) -> PackedLexicon:
    """The flash layout of ``lex``; ValueError when a word is longer than the format holds or
    the priors decrease (the lexicon is not in frequency order)."""
    from ..golden.decode import EXTRA_LETTER, MISSING_LETTER

    if max(len(w) for w in lex.words) > FLASH_MAX_LEN:
        raise ValueError(f"the flash lexicon holds words of at most {FLASH_MAX_LEN} letters")
    if np.any(np.diff(lex.prior.astype(np.int32)) < 0):
        raise ValueError("the flash lexicon needs priors that never decrease (most frequent word first)")
    w = _Bits()
    count, offset = [0] * (FLASH_MAX_LEN + 1), [0] * (FLASH_MAX_LEN + 2)
    for n in range(FLASH_MAX_LEN + 1):
        offset[n] = len(w.out)
        if n not in lex.by_len:
            continue
        codes, prior, _ = lex.by_len[n]
        count[n] = len(codes)
        last = 0
        for row, p in zip(codes, prior):
            d = int(p) - last
            last = int(p)
            w.put((1 << d) - 1, d + 1)  # d ones, then a zero
            for c in row:
                w.put(int(c), LETTER_BITS)
        w.align()
    offset[FLASH_MAX_LEN + 1] = len(w.out)
    return PackedLexicon(version, len(lex), max(len(x) for x in lex.words), EXTRA_LETTER, MISSING_LETTER, count,
                         offset, bytes(w.out), *(lex.table(m) for m in TABLES))


def unpack_lexicon(p: PackedLexicon) -> list[tuple[str, int]]:
    """(word, prior) of every entry in the flash order (by length, then frequency): the
    reading the firmware's decoder does, for the tests."""
    out = []
    for n in range(FLASH_MAX_LEN + 1):
        pos, prior = 8 * p.offset[n], 0

        def bit() -> int:
            nonlocal pos
            b = (p.bits[pos >> 3] >> (pos & 7)) & 1
            pos += 1
            return b

        for _ in range(p.count[n]):
            while bit():
                prior += 1
            code = [sum(bit() << k for k in range(LETTER_BITS)) for _ in range(n)]
            out.append(("".join(chr(ord("a") + c) for c in code), prior))
    return out


def lexicon_canonical_bytes(p: PackedLexicon) -> bytes:
    """What the firmware's start-up check hashes (gx_lexicon_checksum, decode.cpp), field by
    field in GxLexicon's order: the version as int32 length + bytes; n_words, max_len,
    extra_letter, missing_letter, count[], offset[] as int32 little-endian; the bit stream
    as int32 length + bytes; the three cost tables' bytes (single, lstm, cnn)."""
    from .model_data import _i32

    v = p.version.encode("ascii")
    parts = [_i32(len(v)), v]
    parts += [_i32(x) for x in (p.n_words, p.max_len, p.extra_letter, p.missing_letter, *p.count, *p.offset)]
    parts += [_i32(len(p.bits)), p.bits] + [t.astype(np.uint8).tobytes() for t in p.tables]
    return b"".join(parts)


def lexicon_version(lex: Lexicon) -> str:
    """``gxlex/<format> words:<n> sha256:<first 16 hex digits of lexicon.tsv's SHA-256>``."""
    return f"gxlex/{FLASH_FORMAT} words:{len(lex)} sha256:{hashlib.sha256(lex.to_text().encode()).hexdigest()[:16]}"


def _c_bytes(a, per_line: int = 24) -> str:
    vals = [str(int(v)) for v in a]
    return "    " + ",\n    ".join(", ".join(vals[i:i + per_line]) for i in range(0, len(vals), per_line))


def write_lexicon_source(lex: Lexicon, out_dir) -> tuple[Path, Path]:
    """Write ``gx_lexicon.h`` / ``gx_lexicon.cpp`` (the flash lexicon, firmware/core/decode.h)
    into ``out_dir``; returns their paths."""
    from .model_data import fnv1a32

    p = pack_lexicon(lex, lexicon_version(lex))
    checksum = fnv1a32(lexicon_canonical_bytes(p))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    note = "// Generated by glovexfer.export.lexicon.write_lexicon_source -- do not edit.\n"
    header = (f"{note}// {p.version}\n#ifndef GX_LEXICON_H\n#define GX_LEXICON_H\n\n#include \"decode.h\"\n\n"
              "namespace gx {\n\n"
              f"// The word lexicon ({p.n_words} words, {p.flash_bytes} bytes of flash); check with\n"
              "// gx_lexicon_verify(gx_lexicon()) at start-up.\n"
              "const GxLexicon* gx_lexicon();\n\n"
              f"constexpr uint32_t kLexiconChecksum = 0x{checksum:08X}u;\n\n}}  // namespace gx\n\n#endif  // GX_LEXICON_H\n")
    ints = lambda xs: "{" + ", ".join(str(int(x)) for x in xs) + "}"  # noqa: E731
    source = (f"{note}// {p.version}\n#include \"gx_lexicon.h\"\n\nnamespace gx {{\n\nnamespace {{\n\n"
              f"const uint8_t kBits[{len(p.bits)}] = {{\n{_c_bytes(p.bits)}\n}};\n"
              f"const uint8_t kCostSingle[256] = {{\n{_c_bytes(p.cost_single)}\n}};\n"
              f"const uint8_t kCostLstm[256] = {{\n{_c_bytes(p.cost_lstm)}\n}};\n"
              f"const uint8_t kCostCnn[256] = {{\n{_c_bytes(p.cost_cnn)}\n}};\n\n"
              "static_assert(sizeof kCostSingle == kGxProbMax + 1 && sizeof kCostLstm == kGxProbMax + 1 && "
              "sizeof kCostCnn == kGxProbMax + 1, \"one cost per network output\");\n"
              f"static_assert(kGxLexFormat == {FLASH_FORMAT}, \"this lexicon is of format {FLASH_FORMAT}, the decoder "
              "(core/decode.h) reads format kGxLexFormat: re-export it (glovexfer export --lexicon)\");\n\n"
              "constexpr GxLexicon kLexicon = {\n"
              f"    \"{p.version}\",\n    {p.n_words}, {p.max_len}, {p.extra_letter}, {p.missing_letter},\n"
              f"    {ints(p.count)},\n    {ints(p.offset)},\n"
              "    kBits, static_cast<int32_t>(sizeof kBits), kCostSingle, kCostLstm, kCostCnn,\n"
              f"    0x{checksum:08X}u,\n}};\n\n}}  // namespace\n\n"
              "const GxLexicon* gx_lexicon() { return &kLexicon; }\n\n}  // namespace gx\n")
    h, c = out / "gx_lexicon.h", out / "gx_lexicon.cpp"
    h.write_text(header)
    c.write_text(source)
    return h, c


def main(argv=None) -> int:
    """``python -m glovexfer.export.lexicon MODELS_DIR``: gx_lexicon.{h,cpp} in
    MODELS_DIR/firmware from the shipped MODELS_DIR/lexicon (no wordfreq needed)."""
    import sys

    from ..errors import GloveXferError
    from ..golden.decode import load_lexicon

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m glovexfer.export.lexicon MODELS_DIR", file=sys.stderr)
        return 2
    try:
        lex = load_lexicon(Path(args[0]) / "lexicon")
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    h, c = write_lexicon_source(lex, Path(args[0]) / "firmware")
    p = pack_lexicon(lex, lexicon_version(lex))
    print(f"{len(lex)} words, {p.flash_bytes} bytes of flash ({len(p.bits)} of words and priors, "
          f"{sum(t.size for t in p.tables)} of letter-cost tables) -> {h}, {c}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
