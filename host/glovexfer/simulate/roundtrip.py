"""Simulator round trip: pen trajectory -> simulated glove IMU -> float pipeline -> 100 points,
compared with the pen trajectory cleaned the same way, after similarity Procrustes alignment.

Used by the test (tests/test_simulate.py) and by the figure in docs/simulator.md
(tools/make_doc_figures.py), so both report the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.digilets import PenLetter, join_strokes
from .glove import simulate_letter
from .users import jitter_style, sample_user_style


def similarity_align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` moved onto ``b`` by the best translation, rotation and uniform scale (no reflection)."""
    ma, mb = a.mean(axis=0), b.mean(axis=0)
    A, B = a - ma, b - mb
    U, S, Vt = np.linalg.svd(A.T @ B)
    D = np.diag([1.0, np.sign(np.linalg.det(U @ Vt))])
    R = U @ D @ Vt
    s = np.sum(S * np.diag(D)) / np.sum(A * A)
    return s * A @ R + mb


@dataclass
class RoundTrip:
    labels: list[str]
    recovered: np.ndarray  # (n, 100, 2) pipeline output, aligned onto the reference
    reference: np.ndarray  # (n, 100, 2) clean_trajectory of the pen path
    errors: np.ndarray  # (n,) mean point distance per letter, in [0, 1]-box units


def round_trip(letters: list[PenLetter], seed: int = 0, slant: float | None = 0.0) -> RoundTrip:
    """Simulate each letter with one sampled user style (per-recording jitter on top).

    ``slant=0`` removes the user's shear, which a similarity transform cannot undo.
    """
    from ..pipeline import clean_trajectory, run

    rng = np.random.default_rng(seed)
    style = sample_user_style(rng)
    if slant is not None:
        style = style.replace(slant=slant)
    rec, ref, err = [], [], []
    for x in letters:
        s = jitter_style(style, rng)
        if slant is not None:
            s = s.replace(slant=slant)
        sim = simulate_letter(x, s, rng)
        got = run(sim.acc, sim.gyr, sim.mag, with_image=False).resampled
        want = clean_trajectory(join_strokes(x))
        aligned = similarity_align(got, want)
        rec.append(aligned)
        ref.append(want)
        err.append(float(np.mean(np.linalg.norm(aligned - want, axis=1))))
    return RoundTrip([x.label for x in letters], np.array(rec), np.array(ref), np.array(err))
