"""Figures of the pipeline stages (like the paper's figures 1-6) and terminal previews."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data.recordings import COLUMNS
from .params import SAMPLE_RATE_HZ


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _trajectory(ax, pts: np.ndarray, title: str, square: bool = True):
    ax.plot(pts[:, 0], pts[:, 1], "-", color="0.6", lw=1)
    ax.scatter(pts[:, 0], pts[:, 1], c=np.arange(len(pts)), cmap="viridis", s=10, zorder=3)
    ax.plot(*pts[0], "o", color="tab:green", ms=6, zorder=4, label="start")
    ax.plot(*pts[-1], "s", color="tab:red", ms=5, zorder=4, label="end")
    ax.set_title(f"{title} ({len(pts)} pts)", fontsize=9)
    if square:
        ax.set_aspect("equal", adjustable="datalim")
    ax.tick_params(labelsize=7)


def _sensors(axes, physical: np.ndarray):
    t = np.arange(len(physical)) / SAMPLE_RATE_HZ
    names = ("accelerometer [m/s²]", "gyroscope [rad/s]", "magnetometer [µT]")
    for k, ax in enumerate(axes):
        for j in range(3):
            ax.plot(t, physical[:, 3 * k + j], label=COLUMNS[3 * k + j])
        ax.set_title(names[k], fontsize=9)
        ax.legend(fontsize=6, loc="upper right")
        ax.tick_params(labelsize=7)
        ax.set_xlabel("time [s]", fontsize=7)


def _euler(ax, euler: np.ndarray):
    t = np.arange(len(euler)) / SAMPLE_RATE_HZ
    for j, name in enumerate(("yaw", "pitch", "roll")):
        ax.plot(t, np.degrees(euler[:, j]), label=name)
    ax.set_title("Madgwick → Euler angles [deg]", fontsize=9)
    ax.legend(fontsize=6)
    ax.tick_params(labelsize=7)


def _image(ax, img: np.ndarray):
    ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    ax.set_title("raster 28×28", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


STAGE_PANELS = (
    ("points", "(yaw, pitch) rotated by π"),
    ("normalised", "normalised"),
    ("smoothed", "3-point smoothing"),
    ("thinned", "close points removed"),
    ("resampled", "cubic spline, 100 points"),
)


def overview(physical: np.ndarray, stages, title: str, path: str | Path) -> Path:
    """One figure with every stage of one recording."""
    plt = _plt()
    fig, axes = plt.subplots(2, 5, figsize=(16, 6.4))
    _sensors(axes[0, :3], physical)
    _euler(axes[0, 3], stages.euler)
    _image(axes[0, 4], stages.image)
    for ax, (attr, name) in zip(axes[1], STAGE_PANELS):
        _trajectory(ax, getattr(stages, attr), name)
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def stage_files(physical: np.ndarray, stages, out_dir: str | Path, prefix: str = "") -> list[Path]:
    """One PNG per stage (sensors, euler, each 2D stage, image), like the paper's figures."""
    plt = _plt()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig, name):
        p = out / f"{prefix}{name}.png"
        fig.tight_layout()
        fig.savefig(p, dpi=90)
        plt.close(fig)
        written.append(p)

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    _sensors(axes, physical)
    save(fig, "1_sensors")
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    _euler(ax, stages.euler)
    save(fig, "2_euler")
    for k, (attr, name) in enumerate(STAGE_PANELS, start=3):
        fig, ax = plt.subplots(figsize=(3.6, 3.6))
        _trajectory(ax, getattr(stages, attr), name)
        save(fig, f"{k}_{attr}")
    fig, ax = plt.subplots(figsize=(3.2, 3.2))
    _image(ax, stages.image)
    save(fig, f"{3 + len(STAGE_PANELS)}_image")
    return written


def ascii_image(img: np.ndarray, width: int = 28) -> str:
    """A 28x28 image as text (two characters per pixel keep the aspect ratio)."""
    ramp = " .:-=+*#%@"
    rows = []
    for row in np.asarray(img):
        idx = np.clip((row * (len(ramp) - 1)).round().astype(int), 0, len(ramp) - 1)
        rows.append("".join(ramp[i] * 2 for i in idx[:width]))
    return "\n".join(rows)
