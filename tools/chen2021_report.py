#!/usr/bin/env python
"""Tables and the per-writer figure of docs/results-chen2021.md, from the measured files.

    .venv/bin/python tools/chen2021_report.py

Reads models/chen2021/metrics.json (glovexfer evaluate --domain chen2021 --summarise; its
``lowo_cal<K>`` from glovexfer evaluate --chen2021 --model chen_best --calibrate 1 2 3) and
out/chen/alignment.json (experiments/chen2021_alignment.py); rewrites the text between the
``<!-- chen2021:NAME -->`` and ``<!-- /chen2021:NAME -->`` markers of the document and draws
docs/img/chen2021/lowo_per_writer.png.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "results-chen2021.md"
ORDER = [
    ("target_only_lstm", "target-only", "paper BiLSTM"),
    ("source_only_lstm", "source-only", "paper BiLSTM"),
    ("transfer_lstm", "transfer", "paper BiLSTM"),
    ("target_only_cnn", "target-only", "paper CNN"),
    ("source_only_cnn", "source-only", "paper CNN"),
    ("transfer_cnn", "transfer", "paper CNN"),
    ("fused_transfer_lstm_cnn", "transfer", "BiLSTM + CNN fused (device late fusion)"),
    ("signal_cnn", "target-only", "time-signal 1D CNN (float input)"),
    ("signal_cnn+transfer_lstm", "target-only + transfer", "time-signal CNN + transfer BiLSTM fused"),
    ("signal_net", "target-only", "device signal network (golden signals, int8-exportable)"),
    ("signal_net+transfer_lstm", "target-only + transfer", "device signal network + transfer BiLSTM fused (shipped chen_best)"),
]


def pct(entry, key="mean") -> str:
    return "--" if entry is None else f"{100 * entry[key]:.1f}"


def folds(entry) -> str:
    return "" if entry is None else f" ({entry['folds']})"


def protocols_table(m: dict) -> str:
    rows = ["| model | setting | LOWO mean % (folds) | subject split % (pairs) | random 80/10/10 % |", "|---|---|---:|---:|---:|"]
    for key, setting, label in ORDER:
        if key not in m:
            continue
        v = m[key]
        rows.append(f"| {label} | {setting} | {pct(v.get('lowo'))}{folds(v.get('lowo'))} | {pct(v.get('subject_split'))}{folds(v.get('subject_split'))} | {pct(v.get('random_split'))} |")
    if "best" in m:
        v = m["best"]
        rows.append(f"| **best** (= {v['is']}) | | **{pct(v.get('lowo'))}**{folds(v.get('lowo'))} | **{pct(v.get('subject_split'))}**{folds(v.get('subject_split'))} | **{pct(v.get('random_split'))}** |")
    pub = m.get("published", {})
    for k, label in (("chen2021_lstm", "Chen et al. 2021 LSTM (published)"), ("chen2021_cnn", "Chen et al. 2021 CNN (published)")):
        if k in pub:
            rows.append(f"| {label} | their preprocessing | -- | {100 * pub[k]['subject_split']:.1f} | {100 * pub[k]['random_split']:.1f} |")
    return "\n".join(rows)


def per_writer_table(m: dict) -> str:
    keys = [k for k, _, _ in ORDER if k in m and "lowo" in m[k]]
    writers = sorted({w for k in keys for w in m[k]["lowo"]["per_writer"]})
    rows = ["| writer | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    for w in writers:
        rows.append(f"| {w} | " + " | ".join(f"{100 * m[k]['lowo']['per_writer'][w]:.0f}" if w in m[k]["lowo"]["per_writer"] else "--" for k in keys) + " |")
    return "\n".join(rows)


#: The figures of the shipped chen_best (the calibration's ``lowo_cal<K>`` are among them).
CHEN_BEST = "signal_net+transfer_lstm"


def calibration_table(m: dict) -> str:
    """Few-shot calibration to each real writer left out (``lowo_cal<K>`` of chen_best): the
    means, then each writer's uncalibrated and calibrated accuracy on the same test letters."""
    v = m.get(CHEN_BEST, {})
    ks = sorted(int(k[len("lowo_cal"):]) for k in v if k.startswith("lowo_cal"))
    if not ks:
        return "Not measured yet (glovexfer evaluate --chen2021 --model chen_best --calibrate 1 2 3)."
    cal = {k: v[f"lowo_cal{k}"] for k in ks}
    rows = ["| K | calibrated (device, Guard 2) | without Guard 2 | uncalibrated | Guard 2 off |", "|---|---:|---:|---:|---|"]
    for k, c in cal.items():
        off = ", ".join(c["guard2_off"]) or "none"
        rows.append(f"| {k} | {100 * c['mean']:.2f} % | {100 * c['unguarded']:.2f} % | {100 * c['uncalibrated']:.2f} % | {off} |")
    rows += ["", "| writer | " + " | ".join(f"K={k}: uncal -> cal %" for k in ks) + " |", "|---|" + "---|" * len(ks)]
    for w in cal[ks[0]]["writers"]:
        rows.append(f"| {w} | " + " | ".join(f"{100 * c['uncalibrated_per_writer'][w]:.1f} -> {100 * c['per_writer'][w]:.1f}" for c in cal.values()) + " |")
    return "\n".join(rows)


def alignment_table(a: dict) -> str:
    rows = ["| representation | 1-NN LOWO % | 1-NN all % | source-only % (as is) | source-only % (best plane transform) |", "|---|---:|---:|---:|---:|"]
    for k, r in a["results"].items():
        rows.append(f"| `{k}` | {100 * r['knn_lowo']:.1f} | {100 * r['knn_all']:.1f} | {100 * r['source_only_plain']:.1f} | {100 * r['source_only']:.1f} ({r['source_only_transform']}) |")
    return "\n".join(rows)


def figure(m: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    keys = [k for k in ("target_only_lstm", "source_only_lstm", "transfer_lstm", "signal_cnn", "signal_net", "signal_net+transfer_lstm") if k in m and "lowo" in m[k]]
    if not keys:
        return
    writers = sorted(m[keys[0]]["lowo"]["per_writer"])
    fig, ax = plt.subplots(figsize=(11, 3.8))
    wd = 0.8 / len(keys)
    for i, k in enumerate(keys):
        vals = [100 * m[k]["lowo"]["per_writer"].get(w, np.nan) for w in writers]
        ax.bar(np.arange(len(writers)) + i * wd, vals, wd, label=f"{k} (mean {100 * m[k]['lowo']['mean']:.1f} % over {m[k]['lowo']['folds']} writers)")
    ax.set_xticks(np.arange(len(writers)) + 0.4 - wd / 2)
    ax.set_xticklabels(writers)
    ax.set_ylabel("accuracy on the held-out writer (%)")
    ax.set_title("Chen et al. 2021 pen data, leave one writer out")
    ax.axhline(100 / 26, color="k", lw=0.8, ls=":")
    ax.set_ylim(0, 115)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)


def replace_block(text: str, name: str, body: str) -> str:
    pat = re.compile(rf"(<!-- chen2021:{re.escape(name)} -->\n)(?:.*?\n)?(<!-- /chen2021:{re.escape(name)} -->)", re.S)
    if not pat.search(text):
        raise SystemExit(f"{DOC}: marker chen2021:{name} not found")
    return pat.sub(lambda mo: mo.group(1) + body + "\n" + mo.group(2), text)


def main() -> int:
    m = json.loads((ROOT / "models" / "chen2021" / "metrics.json").read_text())
    text = DOC.read_text()
    text = replace_block(text, "protocols", protocols_table(m))
    text = replace_block(text, "per-writer", per_writer_table(m))
    text = replace_block(text, "calibration", calibration_table(m))
    al = ROOT / "out" / "chen" / "alignment.json"
    if al.is_file():
        text = replace_block(text, "alignment", alignment_table(json.loads(al.read_text())))
    DOC.write_text(text)
    figure(m, ROOT / "docs" / "img" / "chen2021" / "lowo_per_writer.png")
    print(f"-> {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
