"""The lexicon in flash and the firmware's word decoder (firmware/core/decode.{h,cpp}) against
the golden decoder (glovexfer.golden.decode.decode_word).

* the flash layout (glovexfer.export.lexicon.pack_lexicon) reads back as the lexicon's words
  and priors, and the shipped models/glove/firmware/gx_lexicon.{h,cpp} are what the export makes
  from the shipped models/glove/lexicon (checksum and version included);
* firmware/test/test_decode.cpp turns network outputs of 0..14 letters (and a few longer
  ones), one network's or a fused model's two, into letter costs and decodes them, and compares
  word and cost with the golden model's (letter_costs, decode_word), bit for bit: natively and
  on the emulated Cortex-M4F and RV32IMC (QEMU); random, synthetic recogniser-like ones with
  letters spotted twice or missed, and ties (constant outputs, crafted cross-length ties); the
  refused arguments (null pointers, L < 0) are refused;
* every one-bit change of the lexicon (descriptor, bit stream, tables, version) is refused by
  the start-up check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.device.decode_bench import recogniser_like, write_cases  # noqa: E402
from glovexfer.golden.decode import (EXTRA_LETTER, MISSING_LETTER, TABLES, _costs, letter_costs,  # noqa: E402
                                     load_lexicon)

LEXICON_DIR = fw_models.ROOT / "models" / "glove" / "lexicon"
FIRMWARE_DIR = fw_models.ROOT / "models" / "glove" / "firmware"


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(LEXICON_DIR)


# ----------------------------------------------------------------------------- flash layout
def test_flash_layout_reads_back_as_the_lexicon(lexicon):
    from glovexfer.export.lexicon import pack_lexicon, unpack_lexicon

    p = pack_lexicon(lexicon, "v")
    want = [(lexicon.words[i], int(lexicon.prior[i])) for n in sorted(lexicon.by_len) for i in lexicon.by_len[n][2]]
    assert unpack_lexicon(p) == want
    assert sum(p.count) == p.n_words == len(lexicon) and p.max_len == 12
    assert p.offset[-1] == len(p.bits)
    letters = sum(len(w) for w in lexicon.words)
    # 5 bits a letter, about one bit of prior a word, each group padded to a byte
    assert len(p.bits) * 8 <= 5 * letters + len(lexicon) + 12 * (255 + 8)
    assert (p.extra_letter, p.missing_letter) == (EXTRA_LETTER, MISSING_LETTER)
    for m, t in zip(TABLES, p.tables):
        assert np.array_equal(t, lexicon.table(m))


def test_flash_layout_refuses_what_it_cannot_hold(lexicon):
    from glovexfer.export.lexicon import pack_lexicon
    from glovexfer.golden.decode import Lexicon

    bad = Lexicon(["ab", "cd"], np.array([5, 4], np.uint8), lexicon.letter_cost)
    with pytest.raises(ValueError, match="never decrease"):
        pack_lexicon(bad, "v")
    with pytest.raises(ValueError, match="at most 24"):
        pack_lexicon(Lexicon(["a" * 25], np.array([0], np.uint8), lexicon.letter_cost), "v")


def test_shipped_firmware_lexicon_is_the_exported_one(lexicon, tmp_path):
    from glovexfer.export.lexicon import lexicon_canonical_bytes, lexicon_version, pack_lexicon, write_lexicon_source
    from glovexfer.export.model_data import fnv1a32

    h, c = write_lexicon_source(lexicon, tmp_path)
    assert h.read_text() == (FIRMWARE_DIR / "gx_lexicon.h").read_text()
    assert c.read_text() == (FIRMWARE_DIR / "gx_lexicon.cpp").read_text()
    version = lexicon_version(lexicon)
    info_sha = __import__("json").loads((LEXICON_DIR / "lexicon.json").read_text())["sha256"]
    assert version == f"gxlex/2 words:10000 sha256:{info_sha[:16]}"
    checksum = fnv1a32(lexicon_canonical_bytes(pack_lexicon(lexicon, version)))
    assert f"kLexiconChecksum = 0x{checksum:08X}u" in h.read_text()
    assert version in c.read_text()


def test_export_lexicon_writes_the_flash_lexicon(tmp_path):
    """glovexfer export --lexicon (wordfreq) writes models/glove/lexicon and the firmware's copy,
    both equal to the shipped ones."""
    import importlib.util

    from glovexfer.cli import main

    if importlib.util.find_spec("wordfreq") is None:
        pytest.skip("needs wordfreq (the lexicon's build step)")
    assert main(["export", "--lexicon", "--models", str(tmp_path)]) == 0
    for rel in ("lexicon/lexicon.tsv", "firmware/gx_lexicon.h", "firmware/gx_lexicon.cpp"):
        assert (tmp_path / rel).read_bytes() == (fw_models.ROOT / "models" / "glove" / rel).read_bytes(), rel


# ----------------------------------------------------------------------------- cases
def _case_minima(p: np.ndarray, lex) -> list:
    """The lowest cost of each length case (None where it has no word), as decode_word forms them."""
    cost = letter_costs(p, lex)
    n, out = len(cost), []
    for case, m in ((0, n), (1, n - 1), (2, n + 1)):
        g = lex.by_len.get(m) if m >= 1 and not (case == 1 and n <= 1) else None
        if g is None:
            out.append(None)
            continue
        codes, prior, _ = g
        if case == 0:
            c = _costs(cost, codes)
        elif case == 1:
            c = EXTRA_LETTER + np.min([_costs(np.delete(cost, i, axis=0), codes) for i in range(n)], axis=0)
        else:
            c = MISSING_LETTER + np.min([_costs(cost, np.delete(codes, i, axis=1)) for i in range(n + 1)], axis=0)
        out.append(int(np.min(prior + c)))
    return out


def _tie(mm: list) -> bool:
    return mm[0] is not None and any(x == mm[0] for x in mm[1:] if x is not None)


def make_cases(lex, seed: int = 0, n_random: int = 6, n_like: int = 60) -> list:
    """[network outputs (L, nets, 26), ...]: every length 0..14, one network and two."""
    rng = np.random.default_rng(seed)
    words = lex.words
    cases = []
    for nets in (1, 2):
        for n in range(15):
            for _ in range(n_random):  # uniform outputs: the lower bound of a group is weak
                cases.append(rng.integers(0, 256, (n, nets, 26)))
            for v in (0, 255, rng.integers(0, 256)):  # constant outputs: every word of a length ties
                cases.append(np.full((n, nets, 26), v))
        for _ in range(n_like):
            w = words[int(min(len(words) - 1, rng.exponential(800)))]
            edit = rng.integers(0, 4)
            if edit == 1 and len(w) > 1:  # a letter not spotted
                i = rng.integers(0, len(w))
                w = w[:i] + w[i + 1:]
            elif edit == 2:  # a letter spotted twice / a travel move taken for a letter
                i = rng.integers(0, len(w) + 1)
                w = w[:i] + chr(97 + rng.integers(0, 26)) + w[i:]
            cases.append(recogniser_like(w, nets, rng, sharp=float(rng.uniform(1.0, 6.0))))
        # cross-length ties: a lexicon word with one letter dropped or one inserted, its
        # letters' outputs 255 (cost 0) in every network and every other letter's an output of
        # one cost level v; for the v where the exact-length minimum equals another case's,
        # the outputs are a tie case
        for _ in range(60):
            w = words[int(min(len(words) - 1, rng.exponential(1500)))]
            if len(w) < 2:
                continue
            i = int(rng.integers(0, len(w)))
            s = w[:i] + w[i + 1:] if rng.integers(0, 2) else w[:i] + chr(97 + int(rng.integers(0, 26))) + w[i:]
            levels = lex.table("single") if nets == 1 else lex.table("lstm").astype(int) + lex.table("cnn")
            for c in np.unique(levels):
                p = np.full((len(s), nets, 26), int(np.flatnonzero(levels == c)[0]))
                p[np.arange(len(s)), :, [ord(ch) - 97 for ch in s]] = 255
                if _tie(_case_minima(p, lex)):
                    cases.append(p)
    return cases


#: one beyond every case: longer than any word + 1, no candidate
EXTRA = ["2 40 - 0 " + " ".join(["0"] * 40 * 2 * 26)]


def _ties(lex, cases) -> int:
    return sum(1 for p in cases if _tie(_case_minima(p, lex)))


def _check_output(out: str, n: int) -> None:
    lines = out.strip().splitlines()
    assert re.search(r"^lexicon gxlex/2 words:10000 \S+: 10000 words, checksum ok$", out, re.M), out[-2000:]
    assert lines[-2] == f"{n} cases, {lines[-2].split()[2]} letters, 0 mismatches", out[-3000:]
    assert lines[-1] == f"{n + 1} passed, 0 failed", out[-3000:]  # the cases and the refused arguments


@pytest.fixture(scope="module")
def native(fw_build_tools):
    return fw_models.build("gx_test_decode", "decode", None)


@pytest.fixture(scope="module")
def cases_file(lexicon, tmp_path_factory):
    cases = make_cases(lexicon)
    assert _ties(lexicon, cases) >= 10  # cross-length ties really occur
    path = tmp_path_factory.mktemp("gxdec") / "cases.txt"
    return path, write_cases(path, lexicon, cases, EXTRA)


def test_firmware_decoder_equals_golden(native, cases_file):
    import subprocess

    path, n = cases_file
    assert n > 400
    r = subprocess.run([str(native), str(path)], capture_output=True, text=True, timeout=300, check=False)
    print(r.stdout[-1500:])
    _check_output(r.stdout, n)
    assert r.returncode == 0


def test_firmware_decoder_reports_a_mismatch(native, lexicon, tmp_path):
    import subprocess

    path = tmp_path / "bad.txt"
    write_cases(path, lexicon, [recogniser_like("house", 2, np.random.default_rng(1), 6.0)])
    text = path.read_text()
    word, cost = text.splitlines()[1].split()[2:4]
    path.write_text(text.replace(f" {word} {cost} ", f" {word} {int(cost) + 1} ", 1))
    r = subprocess.run([str(native), str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 1
    assert f"FIRST MISMATCH case 0 (L=5, nets 2): golden {word} {int(cost) + 1}, C++ {word} {cost}" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"  # the refused arguments pass


def test_every_changed_bit_of_the_lexicon_is_refused(native):
    import subprocess

    r = subprocess.run([str(native), "mutate"], capture_output=True, text=True, timeout=300, check=False)
    print(r.stdout)
    assert r.returncode == 0, r.stdout
    for what in ("fields", "bits", "cost_single", "cost_lstm", "cost_cnn", "version"):
        m = re.search(rf"^mutate {what}: (\d+) changed, (\d+) refused$", r.stdout, re.M)
        assert m is not None and int(m.group(1)) > 0 and m.group(1) == m.group(2), what
    assert "tables: lstm + cnn 256 refused, 255 read" in r.stdout.splitlines()
    assert re.search(r"^format: gxlex/2 \S+ \S+ read, gxlex/1 \S+ \S+ refused$", r.stdout, re.M)
    assert r.stdout.strip().splitlines()[-1] == "9 passed, 0 failed"


# ----------------------------------------------------------------------------- emulated MCUs
@pytest.fixture(scope="module", params=["qemu-arm", "qemu-riscv"])
def target(request, unavailable):
    from glovexfer.device.qemu import missing_tools, target_of

    t = target_of(request.param)
    miss = missing_tools(t)
    if miss:
        unavailable(f"{t.name}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    return t


def test_firmware_decoder_equals_golden_on_target(target, models, lexicon, tmp_path):
    from glovexfer.device.qemu import build, run_semihosted

    bd = build(target, model_dir=models, programs=("gx_test_decode",))
    path = tmp_path / "cases.txt"
    n = write_cases(path, lexicon, make_cases(lexicon, seed=1, n_random=2, n_like=30), EXTRA)
    r = run_semihosted(target, bd / "gx_test_decode.elf", [path], timeout=600)
    print(r.stdout[-1500:])
    _check_output(r.stdout, n)
    assert r.returncode == 0


def test_decoder_bench_on_qemu_arm(unavailable, models, capsys):
    """python -m glovexfer.device.decode_bench: instructions of words of 4 and 8 letters
    (QEMU -icount, deterministic), the decoder's flash and static RAM."""
    from glovexfer.device import decode_bench
    from glovexfer.device.qemu import missing_tools, target_of

    miss = missing_tools(target_of("qemu-arm"))
    if miss:
        unavailable(f"qemu-arm: missing {', '.join(miss)}")
    res = decode_bench.run("qemu-arm", model_dir=models)
    print(decode_bench.table(res))
    for length in ("4", "8"):
        for kind, v in res["lengths"][length].items():
            assert v["words"] == decode_bench.N_PER_KIND and 0 < v["insn_mean"] <= v["insn_max"], (length, kind)
            assert v["stack_max"] < 1024, (length, kind)  # the scratch is the caller's
    assert res["decoder"]["ram_bytes"] == 0 and 0 < res["decoder"]["flash_bytes"] < 4096
    assert 43_000 < res["lexicon"]["flash_bytes"] < 45_000 and res["lexicon"]["ram_bytes"] == 0
