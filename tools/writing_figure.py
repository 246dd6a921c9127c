#!/usr/bin/env python3
"""Per-writer word error rates of continuous writing, without and with the glove learning
from the words it decodes (``calib learn on``), from `glovexfer evaluate --sessions --learn --json`.

    .venv/bin/python tools/writing_figure.py models/glove/metrics_writing.json [--out docs/img/writing_learning.png]

Draws, per writer, the word error rate with the lexicon of the shipped glove as it is and
with learning on (SIMULATED sessions), and prints the same as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from glovexfer import plots


def table(res: dict) -> str:
    sc = res["self_calibrated"]
    rows = ["| writer | words | WER, lexicon | WER, lexicon, learning on | words taught | set on at the end |",
            "|---|---:|---:|---:|---:|---|"]
    for u, v in res["per_writer"].items():
        w = sc["wearers"][u]
        rows.append(f"| {u} | {v['words']} | {100 * v['wer_lexicon']:.1f} % | {100 * sc['per_writer'][u]['wer_lexicon']:.1f} % | "
                    f"{w['words_taught']} | {'yes' if w['on'] else 'no'} |")
    rows.append(f"| all | {res['words']} | **{100 * res['wer_lexicon']:.2f} %** | **{100 * sc['wer_lexicon']:.2f} %** | "
                f"{sum(w['words_taught'] for w in sc['wearers'].values())} | "
                f"{sum(w['on'] for w in sc['wearers'].values())} of {len(sc['wearers'])} |")
    return "\n".join(rows)


def figure(res: dict, out: Path) -> Path:
    plt = plots._plt()
    sc = res["self_calibrated"]
    users = list(res["per_writer"])
    before = np.array([100 * res["per_writer"][u]["wer_lexicon"] for u in users])
    after = np.array([100 * sc["per_writer"][u]["wer_lexicon"] for u in users])
    x = np.arange(len(users))
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.bar(x - 0.2, before, 0.4, label=f"as shipped ({100 * res['wer_lexicon']:.2f} %)", color="#999999")
    ax.bar(x + 0.2, after, 0.4, label=f"learning from decoded words ({100 * sc['wer_lexicon']:.2f} %)", color="#2b7bba")
    ax.axhline(5, color="#c0392b", lw=1, ls="--", label="target 5 %")
    ax.set_xticks(x, users, fontsize=8)
    ax.set_ylabel("word error rate, lexicon (%)")
    ax.set_title(f"Continuous writing, {res['sessions']} SIMULATED sessions of unseen writers ({res['words']} words)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", help="glovexfer evaluate --sessions ... --learn --json output")
    ap.add_argument("--out", default="docs/img/writing_learning.png", help="the figure (PNG)")
    args = ap.parse_args()
    try:
        res = json.loads(Path(args.json).read_text())
    except (OSError, ValueError) as e:
        print(f"error: {args.json}: cannot read it as JSON ({e})", file=sys.stderr)
        return 2
    if "self_calibrated" not in res or "per_writer" not in res:
        print(f"error: {args.json}: no 'self_calibrated' figures: run glovexfer evaluate --sessions SET --learn --json", file=sys.stderr)
        return 2
    print(table(res))
    print(f"-> {figure(res, Path(args.out))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
