#!/usr/bin/env python3
"""Rewrite the benchmark tables of docs/benchmarks.md from the bench JSON files.

    glovexfer bench --json docs/bench.json --targets native qemu-arm qemu-riscv qemu-xtensa
    glovexfer bench --decoder --json docs/bench.json     # the word decoder, merged in
    glovexfer bench --json docs/bench_chen2021.json --model-dir models/chen2021/firmware \\
        --targets qemu-arm qemu-riscv --models lstm fused_signal signal
    .venv/bin/python tools/bench_doc_tables.py

The tables are found in the order the document has them (checked by their header line);
the prose around them is not touched: read it again after a change.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from glovexfer.device.bench import (decoder_insn_table, decoder_size_table, layer_table, signal_stage_table,
                                    stage_table, table)

ROOT = Path(__file__).resolve().parents[1]
HEADERS = {"main": "| target | model | flash (B)", "stage": "| target | model | model check",
           "signal": "| target | model | signals stage", "layer": "| layer | MACs",
           "decoder_size": "| target | decoder code flash", "decoder_insn": "| target | letters | scores"}
MAKERS = {"main": table, "stage": stage_table, "signal": signal_stage_table, "layer": layer_table,
          "decoder_size": decoder_size_table, "decoder_insn": decoder_insn_table}


def blocks(lines: list[str]) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--main", default=str(ROOT / "docs" / "bench.json"))
    ap.add_argument("--chen", default=str(ROOT / "docs" / "bench_chen2021.json"))
    a = ap.parse_args()
    main_r = json.loads(Path(a.main).read_text())
    chen = json.loads(Path(a.chen).read_text())
    xt = {k: v for k, v in main_r.items() if k == "qemu-xtensa"}
    plan = [("main", main_r), ("stage", main_r), ("decoder_size", main_r), ("decoder_insn", main_r), ("main", chen), ("stage", chen), ("signal", chen), ("layer", chen),
            ("layer", main_r), ("main", xt), ("stage", xt)]
    doc = Path(a.doc)
    lines = doc.read_text().splitlines()
    found = [(a0, b0) for a0, b0 in blocks(lines) if any(lines[a0].startswith(h) for h in HEADERS.values())]
    if len(found) < len(plan):
        raise SystemExit(f"{doc}: {len(found)} benchmark tables, {len(plan)} expected")
    for (a0, b0), (kind, res) in reversed(list(zip(found, plan))):
        if not lines[a0].startswith(HEADERS[kind]):
            raise SystemExit(f"{doc}:{a0 + 1}: expected a '{kind}' table, found {lines[a0][:60]!r}")
        lines[a0:b0] = MAKERS[kind](res).splitlines()
    doc.write_text("\n".join(lines) + "\n")
    print(f"-> {doc} ({len(plan)} tables)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
