"""Simulated glove recordings as plain (32, 9) int16 count arrays, for tests, parity and
error measurements: DigiLeTs letters through the glove simulator when the data set is
found, else smooth synthetic letters (so that they work without ../shared)."""

from __future__ import annotations

import numpy as np

from ..data.digilets import PenLetter, list_writer_files, load_writer
from ..data.paths import find_dataset
from ..params import MPU9250, SensorSpec
from .glove import simulate_letter
from .users import sample_user_style


def synthetic_letters(rng: np.random.Generator, n: int):
    """``n`` random smooth pen letters (``PenLetter``) for the simulator, when DigiLeTs is absent."""

    out = []
    for i in range(n):
        dur = float(rng.uniform(0.5, 1.0))
        k = int(dur * 50) + 1
        s = np.linspace(0.0, 1.0, k)
        xy = np.zeros((k, 2))
        for d in range(2):
            for f in range(1, 4):
                xy[:, d] += rng.normal(0, 0.1 / f) * np.sin(
                    2 * np.pi * f * s + rng.uniform(0, 2 * np.pi)
                )
        xy = 0.5 + 0.4 * xy / max(np.abs(xy).max(), 1e-9)
        pd = np.zeros(k, dtype=bool)
        pd[0] = True
        out.append(
            PenLetter(
                "999",
                "o",
                i % 5,
                xy,
                pd,
                np.linspace(0, dur, k),
                np.full(k, 0.5),
                "synthetic",
            )
        )
    return out


def simulated_recordings(
    n: int,
    seed: int = 0,
    digilets_root=None,
    sensor: SensorSpec = MPU9250,
    **style_changes,
) -> list[np.ndarray]:
    """``n`` simulated (32, 9) int16 recordings: DigiLeTs letters when found, else synthetic.

    ``style_changes`` override fields of every sampled ``UserStyle`` (e.g. ``heading_deg=180``).
    """

    rng = np.random.default_rng(seed)
    root = (
        digilets_root
        if digilets_root is not None
        else find_dataset("digilets", required=False)
    )
    letters = []
    if root is not None:
        files = list_writer_files(root)
        for f in [
            files[i]
            for i in rng.permutation(len(files))[
                : max(1, min(len(files), (n + 25) // 26))
            ]
        ]:
            letters.extend(load_writer(f))
        letters = [letters[i] for i in rng.permutation(len(letters))[:n]]
    if len(letters) < n:
        letters.extend(synthetic_letters(rng, n - len(letters)))
    out = []
    for L in letters[:n]:
        style = sample_user_style(rng)
        if style_changes:
            style = style.replace(**style_changes)
        out.append(simulate_letter(L, style, rng, sensor=sensor).counts)
    return out


__all__ = ["simulated_recordings", "synthetic_letters"]
