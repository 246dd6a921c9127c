#!/usr/bin/env python3
"""Regenerate the figures in docs/img/ that docs/pipeline.md and docs/simulator.md show.

    .venv/bin/python tools/make_doc_figures.py [--digilets DIR] [--out docs/img]

* pipeline_<letter>.png: every stage of one simulated recording (from the shipped demo set,
  so this part needs no data set);
* roundtrip.png: the simulator round trip over all 26 letters of one target writer (needs
  DigiLeTs), with the mean point error printed and drawn in the title;
* session.png: one simulated writing session (needs DigiLeTs): the gyroscope and the
  accelerometer over the stream, the true letters shaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from glovexfer import plots
from glovexfer.cli import demo_set_path
from glovexfer.data.digilets import list_writer_files, load_digilets, split_writers, writer_id
from glovexfer.data.paths import find_dataset
from glovexfer.data.recordings import RecordingSet
from glovexfer.pipeline import run_recording
from glovexfer.simulate.roundtrip import round_trip

ROOT = Path(__file__).resolve().parents[1]


def pipeline_figures(out: Path, letters: str = "gek") -> None:
    rs = RecordingSet.load(demo_set_path())
    for ch in letters:
        i = int(np.flatnonzero((rs.labels == ch) & (rs.users == "u01"))[0])
        rec = rs[i]
        st = run_recording(rec)
        p = plots.overview(rec.physical, st, f"'{ch}', simulated wearer {rec.user}: every stage of the float pipeline", out / f"pipeline_{ch}.png")
        print(p)


def roundtrip_figure(digilets: Path, out: Path) -> None:
    ids = sorted(writer_id(f) for f in list_writer_files(digilets))
    _, target = split_writers(ids, n_target=16, seed=0)
    w = target[0]
    letters = [x for x in load_digilets(digilets, writers=[w])[w] if x.instance == 0]
    rt = round_trip(letters, seed=0, slant=0.0)
    plt = plots._plt()
    fig, axes = plt.subplots(3, 9, figsize=(16, 6))
    for ax in axes.flat:
        ax.axis("off")
    for ax, lab, ref, rec, err in zip(axes.flat, rt.labels, rt.reference, rt.recovered, rt.errors):
        ax.plot(ref[:, 0], ref[:, 1], "-", color="0.65", lw=3, label="pen trajectory")
        ax.plot(rec[:, 0], rec[:, 1], "-", color="tab:red", lw=1.2, label="simulated glove → pipeline")
        ax.set_title(f"{lab}  err {err:.3f}", fontsize=9)
        ax.set_aspect("equal")
    axes.flat[0].legend(fontsize=6, loc="lower left", bbox_to_anchor=(0, -0.35))
    fig.suptitle(
        f"Simulator round trip, DigiLeTs target writer {w}: mean point error {rt.errors.mean():.3f} "
        f"(worst '{rt.labels[int(rt.errors.argmax())]}' {rt.errors.max():.3f}), units of the [0,1] letter box"
    )
    fig.tight_layout()
    p = out / "roundtrip.png"
    fig.savefig(p, dpi=80)
    plt.close(fig)
    print(f"{p}: mean {rt.errors.mean():.4f}, worst {rt.errors.max():.4f}")


def session_figure(digilets: Path, out: Path) -> None:
    from glovexfer.data.recordings import to_physical
    from glovexfer.simulate.sessions import simulate_sessions

    ss = simulate_sessions(digilets, n_sessions=1, seed=0, phrases=["the quick fox"], progress=False)
    s = ss[0]
    x = to_physical(s.counts, s.sensor)
    t = np.arange(len(s)) / 27.0
    plt = plots._plt()
    fig, axes = plt.subplots(2, 1, figsize=(14, 5), sharex=True)
    for ax, sl, unit, name in ((axes[0], slice(3, 6), "rad/s", "gyroscope"), (axes[1], slice(0, 3), "m/s²", "accelerometer")):
        for k, c in zip(range(3), ("tab:red", "tab:green", "tab:blue")):
            ax.plot(t, x[:, sl][:, k], color=c, lw=1, label="xyz"[k])
        for ch, (a, b) in zip(s.letters, s.spans.tolist()):
            ax.axvspan(a / 27.0, (b - 1) / 27.0, color="0.85", zorder=0)
            if ax is axes[0]:
                ax.text((a + b) / 54.0, ax.get_ylim()[1] * 0.85, ch, ha="center", fontsize=12)
        ax.set_ylabel(f"{name} ({unit})")
        ax.legend(loc="upper right", fontsize=7, ncol=3)
    axes[1].set_xlabel("time (s); shaded: the true letters")
    fig.suptitle(f"A simulated writing session: '{s.text}' ({s.user}, DigiLeTs writer {ss.extras['writer'][0]}), "
                 "travel between letters, the hand drops and turns between words")
    fig.tight_layout()
    p = out / "session.png"
    fig.savefig(p, dpi=80)
    plt.close(fig)
    print(p)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--digilets", metavar="DIR")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pipeline_figures(out)
    roundtrip_figure(find_dataset("digilets", args.digilets), out)
    session_figure(find_dataset("digilets", args.digilets), out)
