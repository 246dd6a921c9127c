"""What decoding one spotted word costs on the emulated MCUs (docs/writing.md).

``python -m glovexfer.device.decode_bench [--target qemu-arm] [--json PATH]`` builds
firmware/test/test_decode.cpp for the target (``gx_test_decode``, with the shipped lexicon
models/glove/firmware/gx_lexicon.cpp), runs it under QEMU -icount on words of 4 and 8 letters and
reports per length and kind of scores the instructions of a word's decoding, letter costs
included (``gx_letter_costs_fused`` + ``gx_decode_word``; the target's
counter, target.h: qemu-arm's resolution is 40 instructions, qemu-riscv's exact), the stack
high-water mark during it, and from the linker map the flash and static RAM of the decoder
(decode.cpp) and of the lexicon (gx_lexicon.cpp). Every decoded word is also checked against
the golden decoder. The inputs are a fused model's two networks' outputs (0..255 each,
synthetic, not a recogniser's):

* ``recogniser-like``: a frequent word's letters, each network's outputs a softmax over 26
  logits with the true letter raised by 4 (scaled to 0..255), drawn independently for the
  two networks: the usual case;
* ``uniform``: every output drawn uniformly from 0..255: the scan's early stop has the least
  to go on, the slow case.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..files import domain_dir

LENGTHS = (4, 8)
PROB_MAX = 255
NETS = 2  # a fused model's two networks
N_PER_KIND = 20


def recogniser_like(word: str, nets: int, rng, sharp: float) -> np.ndarray:
    """(len(word), nets, 26) network outputs 0..255 summing to about 255 per letter and
    network, the true letter raised by ``sharp`` logits (so usually but not always on top),
    each network drawn independently: synthetic, not a recogniser's."""
    logits = rng.normal(0.0, 1.0, (len(word), nets, 26))
    logits[np.arange(len(word)), :, [ord(c) - 97 for c in word]] += sharp
    p = np.exp(logits - logits.max(axis=2, keepdims=True))
    p /= p.sum(axis=2, keepdims=True)
    return np.clip(np.round(p * PROB_MAX), 0, PROB_MAX).astype(np.int64)


def bench_cases(lex, seed: int = 0, n: int = N_PER_KIND) -> list[tuple[str, np.ndarray]]:
    """[(kind, outputs (L, NETS, 26)), ...] for L in LENGTHS."""
    rng = np.random.default_rng(seed)
    out = []
    for length in LENGTHS:
        words = [lex.words[i] for i in lex.by_len[length][2][:500]]
        for _ in range(n):
            w = words[int(rng.integers(0, len(words)))]
            out.append(("recogniser-like", recogniser_like(w, NETS, rng, sharp=4.0)))
        for _ in range(n):
            out.append(("uniform", rng.integers(0, PROB_MAX + 1, (length, NETS, 26))))
    return out


def write_cases(path: Path, lex, cases, extra_lines=()) -> int:
    """The gx_test_decode cases file (firmware/test/test_decode.cpp) of ``cases`` [network
    outputs (L, nets, 26), nets 1 or 2 (the LSTM's first), ...] with the golden answers
    (golden letter_costs, decode_word), then ``extra_lines`` as they are; its cases."""
    from ..golden.decode import decode_word, letter_costs

    lines = []
    for p in cases:
        p = np.asarray(p, np.int64)
        word, cost = decode_word(letter_costs(p, lex), lex)
        vals = " ".join(str(int(v)) for v in p.ravel())
        lines.append(f"{p.shape[1]} {len(p)} {word if word is not None else '-'} {cost} {vals}".rstrip())
    lines += list(extra_lines)
    Path(path).write_text(f"gxdec 2 {len(lines)}\n" + "\n".join(lines) + "\n")
    return len(lines)


_MAP_LINE = re.compile(r"^ (\.[\w.$]+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def object_sizes(map_path, name: str) -> dict:
    """flash / ram bytes the object file ``name`` (e.g. ``decode.cpp.obj``) contributes to a
    linked program, from its GNU ld map: text and rodata flash, data both, bss RAM."""
    lines = Path(map_path).read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Linker script and memory map")), None)
    if start is None:
        raise GloveXferError(f"{map_path}: no memory map")
    flash = ram = 0
    section = None
    for line in lines[start:]:
        m = _MAP_LINE.match(line)
        if m is None:
            s = re.match(r"^ (\.[\w.$]+)\s*$", line)
            section = s.group(1) if s else section
            continue
        sec = m.group(1) or section
        addr, size, where = int(m.group(2), 16), int(m.group(3), 16), m.group(4)
        section = None
        if sec is None or addr == 0 or size == 0 or not (where.endswith(f"({name})") or where.endswith(f"/{name}")):
            continue
        if sec.startswith((".text", ".rodata")):
            flash += size
        elif sec.startswith(".data"):
            flash += size
            ram += size
        elif sec.startswith(".bss"):
            ram += size
    return {"flash_bytes": flash, "ram_bytes": ram}


def run(target: str = "qemu-arm", model_dir=None, seed: int = 0, n: int = N_PER_KIND) -> dict:
    """Build, run and summarise (see the module's docstring)."""
    import tempfile

    from ..golden.decode import load_lexicon
    from .qemu import build, run_semihosted

    lex = load_lexicon(domain_dir("glove") / "lexicon")
    bd = build(target, model_dir=model_dir, programs=("gx_test_decode",))
    cases = bench_cases(lex, seed, n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.txt"
        write_cases(path, lex, [p for _, p in cases])
        r = run_semihosted(target, bd / "gx_test_decode.elf", [path, "bench"], timeout=600, icount=True)
    rows = [tuple(int(x) for x in m) for m in re.findall(r"^INSN (\d+) (\d+) (\d+)$", r.stdout, re.M)]
    if r.returncode != 0 or len(rows) != len(cases) or not re.search(r"^\d+ passed, 0 failed$", r.stdout, re.M):
        raise GloveXferError(f"{target}: gx_test_decode bench failed:\n{r.stdout[-2000:]}")
    out = {"target": target, "inputs": f"a fused model's {NETS} networks' outputs 0..{PROB_MAX}", "scores": "synthetic", "per_kind": N_PER_KIND, "lengths": {}}
    for length in LENGTHS:
        for kind in ("recogniser-like", "uniform"):
            sel = [row for (k, sc), row in zip(cases, rows) if k == kind and len(sc) == length]
            insn = np.array([row[1] for row in sel])
            out["lengths"].setdefault(str(length), {})[kind] = {
                "words": len(sel), "insn_mean": int(round(insn.mean())), "insn_max": int(insn.max()),
                "stack_max": max(row[2] for row in sel)}
    out["decoder"] = object_sizes(bd / "gx_test_decode.map", "decode.cpp.obj")
    out["lexicon"] = object_sizes(bd / "gx_test_decode.map", "gx_lexicon.cpp.obj")
    out["scratch_bytes"] = 25 * 32  # GxDecodeScratch, owned by the caller
    return out


def table(res: dict) -> str:
    lines = [f"{res['target']}: gx_letter_costs_fused + gx_decode_word on the shipped lexicon, {res['inputs']} "
             f"(synthetic), "
             f"{res['per_kind']} words per row",
             f"{'letters':>7}  {'scores':<16} {'insn mean':>10} {'insn max':>10} {'stack':>6}"]
    for length, kinds in res["lengths"].items():
        for kind, v in kinds.items():
            lines.append(f"{length:>7}  {kind:<16} {v['insn_mean']:>10,} {v['insn_max']:>10,} {v['stack_max']:>6}")
    d, x = res["decoder"], res["lexicon"]
    lines.append(f"decoder: {d['flash_bytes']:,} bytes of flash, {d['ram_bytes']} of static RAM "
                 f"(+ {res['scratch_bytes']} bytes of caller-owned scratch); lexicon: {x['flash_bytes']:,} bytes of "
                 f"flash, {x['ram_bytes']} of RAM")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glovexfer.device.decode_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="qemu-arm", choices=("qemu-arm", "qemu-riscv"))
    ap.add_argument("--json", help="write the figures as JSON here")
    args = ap.parse_args(argv)
    try:
        res = run(args.target)
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(table(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
