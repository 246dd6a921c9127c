#!/usr/bin/env python3
"""Turn `glovexfer evaluate --json` outputs into the results table and figures.

    .venv/bin/python tools/results_report.py out/runs/*.json [--img docs/img] [--copy docs/results]

Prints a Markdown table (UD mean ± std, UI mean, per-user range) beside the paper's Table 1,
draws per-user accuracy bars and the UD/UI confusion matrices for each run, and copies the
JSONs (every run, per-user figure and confusion matrix) under --copy.  Outputs of
``glovexfer evaluate --data SET --int8`` (shipped models scored on a data set) give a second
table: float pipeline + float model vs the device path (golden fixed point + int8).  Protocol
runs made with ``glovexfer evaluate --int8`` (every fold's networks also on the device path)
give a third: UD and UI of the float and the int8 device path, from the same fold networks.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from glovexfer import plots
from glovexfer.nets.experiment import named_figures
from glovexfer.params import LETTERS

# Rey and Muller, SmartGloveXfer, Table 1 (real glove, 16 users)
PAPER_TABLE1 = {"paper_lstm": (0.8919, 0.7102), "paper_cnn": (0.8246, 0.6926)}


def table(runs: list[dict]) -> str:
    rows = [
        "| model | UD (15 runs) | UI (leave one user out) | UI per user, min–max | paper UD / UI (real glove) |",
        "|---|---|---|---|---|",
    ]
    for r in runs:
        ud, ui = r.get("ud"), r.get("ui")
        ud_s = f"{100 * ud['mean']:.2f} % ± {100 * ud['std']:.2f}" if ud else "–"
        ui_s = f"{100 * ui['mean']:.2f} %" if ui else "–"
        per = list(ui["per_user"].values()) if ui else []
        rng = f"{100 * min(per):.0f}–{100 * max(per):.0f} %" if per else "–"
        p = PAPER_TABLE1.get(r["model"])
        ps = f"{100 * p[0]:.2f} % / {100 * p[1]:.2f} %" if p else "–"
        rows.append(f"| {r['model']}{' (quick)' if r.get('quick') else ''} | {ud_s} | {ui_s} | {rng} | {ps} |")
    return "\n".join(rows)


def figures(r: dict, out: Path) -> list[Path]:
    plt = plots._plt()
    made = []
    if "ui" in r:
        users = list(r["ui"]["per_user"])
        acc = [100 * r["ui"]["per_user"][u] for u in users]
        fig, ax = plt.subplots(figsize=(8, 3))
        ax.bar(users, acc, color="tab:blue")
        ax.axhline(100 * r["ui"]["mean"], color="tab:red", lw=1, label=f"mean {100 * r['ui']['mean']:.1f} %")
        ax.set_ylim(0, 100)
        ax.set_ylabel("accuracy [%]")
        ax.set_title(f"{r['model']}: user-independent accuracy per held-out user (simulated glove users)", fontsize=9)
        ax.legend(fontsize=8)
        ax.tick_params(labelsize=7)
        fig.tight_layout()
        p = out / f"{r['model']}_ui_per_user.png"
        fig.savefig(p, dpi=80)
        plt.close(fig)
        made.append(p)
    for proto in ("ud", "ui"):
        if proto not in r:
            continue
        m = np.array(r[proto]["confusion"], dtype=float)
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        fig, ax = plt.subplots(figsize=(5.5, 5))
        ax.imshow(m, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(26), list(LETTERS), fontsize=6)
        ax.set_yticks(range(26), list(LETTERS), fontsize=6)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{r['model']} {proto.upper()} confusion (row-normalised, simulated)", fontsize=9)
        fig.tight_layout()
        p = out / f"{r['model']}_{proto}_confusion.png"
        fig.savefig(p, dpi=80)
        plt.close(fig)
        made.append(p)
    return made


def compare_ui(runs: list[dict], out: Path) -> Path | None:
    """UI accuracy per held-out user of every run, side by side (one bar group per user)."""
    runs = [r for r in runs if "ui" in r]
    if len(runs) < 2:
        return None
    plt = plots._plt()
    users = list(runs[0]["ui"]["per_user"])
    w = 0.8 / len(runs)
    fig, ax = plt.subplots(figsize=(10, 3.8))
    for k, r in enumerate(runs):
        acc = [100 * r["ui"]["per_user"].get(u, np.nan) for u in users]
        ax.bar(np.arange(len(users)) + (k - (len(runs) - 1) / 2) * w, acc, w, label=f"{r['model']} ({100 * r['ui']['mean']:.1f} %)")
    ax.set_xticks(range(len(users)), users, fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_ylabel("accuracy [%]")
    ax.set_title("user-independent accuracy per held-out user (simulated glove users; legend: mean)", fontsize=9)
    ax.legend(fontsize=7, ncol=len(runs), loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    fig.tight_layout()
    p = out / "ui_per_user_compare.png"
    fig.savefig(p, dpi=80)
    plt.close(fig)
    return p


def calibration_figure(r: dict, out: Path) -> Path | None:
    """Few-shot calibration per held-out user (``evaluate --calibrate K``): each user's
    uncalibrated and calibrated accuracy on the same test recordings, one pair per K."""
    ks = sorted(int(k[len("ui_cal"):]) for k in r if k.startswith("ui_cal"))
    if not ks:
        return None
    plt = plots._plt()
    users = list(r[f"ui_cal{ks[0]}"]["per_user"])
    fig, axes = plt.subplots(len(ks), 1, figsize=(10, 1.2 + 1.9 * len(ks)), sharex=True, squeeze=False)
    x = np.arange(len(users))
    for ax, k in zip(axes[:, 0], ks):
        cal = r[f"ui_cal{k}"]
        before = [100 * cal["uncalibrated"]["per_user"][u] for u in users]
        after = [100 * cal["per_user"][u] for u in users]
        ax.bar(x - 0.2, before, 0.4, color="0.65", label=f"uncalibrated ({100 * cal['uncalibrated']['mean']:.1f} %)")
        ax.bar(x + 0.2, after, 0.4, color="tab:blue", label=f"calibrated, K = {k} ({100 * cal['mean']:.1f} %)")
        ax.set_ylim(50, 100)
        ax.set_ylabel("accuracy [%]", fontsize=8)
        ax.legend(fontsize=7, loc="lower left", ncol=2)
    axes[-1, 0].set_xticks(x, users, fontsize=7)
    axes[0, 0].set_title(f"{r['model']}: few-shot calibration per held-out user, int8 device path "
                         "(simulated glove users; K recordings per letter calibrate, the rest test)", fontsize=9)
    fig.tight_layout()
    p = out / f"{r['model']}_ui_calibration.png"
    fig.savefig(p, dpi=80)
    plt.close(fig)
    return p


def int8_table(scores: list[dict]) -> str:
    rows = [
        "| model | recordings | float accuracy | int8 device path accuracy | argmax agreement (differ) |",
        "|---|---|---|---|---|",
    ]

    def row(name, n, fa, ia, ag, differ=""):
        rows.append(f"| {name} | {n} | {100 * fa:.2f} % | {100 * ia:.2f} % | {100 * ag:.2f} %{differ} |")

    for r in scores:
        q = r["int8"]
        row(r["model"], r["n"], r["accuracy"], q["accuracy"], q["agreement_with_float"], f" ({q['disagreements']})")
        for kind, m in q.get("members", {}).items():
            row(f"{r['model']}: {kind} alone", r["n"], m["float_accuracy"], m["int8_accuracy"], m["agreement_with_float"])
    return "\n".join(rows)


def protocol_int8_table(runs: list[dict]) -> str:
    """UD / UI of float and device path from ``evaluate --int8`` protocol runs (same folds)."""
    rows = [
        "| model | protocol | float | int8 device path | argmax agreement (differ / compared) |",
        "|---|---|---|---|---|",
    ]
    for r in runs:
        for proto in ("ud", "ui"):
            if proto not in r:
                continue
            for name, fig in named_figures(r, proto):
                q = fig.get("int8")
                if not q:
                    continue
                std = lambda d: f" ± {100 * d['std']:.2f}" if proto == "ud" else ""  # noqa: E731
                label = f"UD ({len(fig['runs'])} runs)" if proto == "ud" else f"UI ({len(fig['per_user'])} users)"
                rows.append(
                    f"| {name} | {label} | {100 * fig['mean']:.2f} %{std(fig)} | {100 * q['mean']:.2f} %{std(q)} "
                    f"| {100 * q['agreement_with_float']:.2f} % ({q['disagreements']} / {q['compared']}) |"
                )
    return "\n".join(rows)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+")
    ap.add_argument("--img", default="docs/img")
    ap.add_argument("--copy", help="folder to copy the JSONs into")
    args = ap.parse_args()
    by_model: dict = {}
    scores: list = []
    int8_runs: list = []
    for f in args.json:
        data = json.loads(Path(f).read_text())
        for r in data if isinstance(data, list) else [data]:
            if isinstance(r.get("int8"), dict):  # evaluate --data --int8: a score, not a protocol run
                scores.append(r)
                continue
            if r.get("int8") is True:  # evaluate --int8: protocol folds on both paths
                int8_runs.append(r)
                continue
            # one model's protocols may come from separate runs (--protocol ud / ui)
            by_model[r["model"]] = by_model.get(r["model"], {}) | r
    runs = list(by_model.values())
    # a fused run also holds its members' figures from the same folds: one row each
    for r in list(runs):
        parts: dict = {}
        for proto in ("ud", "ui"):
            for name, fig in r.get(proto, {}).get("parts", {}).items():
                parts.setdefault(name, {"model": name, "quick": r.get("quick")})[proto] = fig
        runs.extend(parts.values())
    print(table(runs))
    if scores:
        print()
        print(int8_table(scores))
    if int8_runs:
        print()
        print(protocol_int8_table(int8_runs))
    img = Path(args.img)
    img.mkdir(parents=True, exist_ok=True)
    for r in runs:
        for p in figures(r, img):
            print(p)
        p = calibration_figure(r, img)
        if p:
            print(p)
    p = compare_ui([r for r in runs if r["model"] in by_model], img)
    if p:
        print(p)
    if args.copy:
        Path(args.copy).mkdir(parents=True, exist_ok=True)
        for f in args.json:
            shutil.copy(f, Path(args.copy) / Path(f).name)
