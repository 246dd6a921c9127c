"""Letter spotting in a continuous stream, integers only (the firmware's ``spotter.cpp`` twin).

A writing session (``data.sessions``) has no button: the glove must find where each letter
starts and ends. The stages, all integer:

1. ``spot_features``: per sample six int8 features, the gyroscope counts >> 7 and the
   accelerometer counts >> 8, saturated (about 3.9 deg/s and 0.03 g per step at the glove's
   ±1000 deg/s / ±4 g): the spotter network's input as it is (its int8 input quantisation is
   scale 1, zero point 0, checked when the network is loaded).
2. ``frame_logits``: the spotter (an int8 network of dilated 1 x 9 convolutions, ``nets.spotter``)
   scores every sample "inside a letter" (its int8 logit). The stream is cut into windows of
   ``WINDOW`` samples every ``HOP``: window j = 0, 1, ... covers samples
   ``[HOP (j - 1), HOP (j + 2))`` and gives the logits of its middle hop ``[HOP j, HOP (j + 1))``,
   whose receptive field (28 samples each side) lies inside the window. The HOP samples before
   the stream are zeros; at the end the stream is continued by repeating its last sample until
   every sample has its logit (the flush: the wearer's hand keeps still). The device runs
   window j as soon as sample ``HOP (j + 2) - 1`` has arrived: 1.2-2.4 s after a sample.
3. ``letter_segments``: runs of samples whose logit exceeds ``threshold`` (the int8 value of
   logit 0, i.e. probability one half), two runs with at most ``JOIN_GAP`` samples between
   them joined into one (the dot of an ``i`` or the cross of a ``t`` follows a short travel
   move inside the letter, which the spotter takes for a pause between letters; between two
   letters the gap is longer), at least ``MIN_LETTER`` samples long, each widened by
   ``GROW`` samples at both ends (within the stream): the letters. The spotter is trained on
   letter spans shortened by ``GROW`` at both ends, which keeps a gap between the letters of a
   word; widening gives the letter back its samples. A segment longer than ``MAX_LETTER``
   samples (2.4 s, after widening and clipping) is no letter (letters last 0.45-1.5 s: a
   longer run is the hand moving, not writing) and is dropped: the device keeps a bounded
   history of raw samples (``MAX_LETTER`` + two hops of spotting delay), and a letter it
   could not time-normalise must not exist here either.
4. ``word_groups``: letters whose gap is longer than ``WORD_GAP`` samples belong to different
   words (between words the hand rests and moves; between letters it only pauses and travels).
5. ``time_normalise``: each letter's samples resampled to the recogniser's 32 by linear
   interpolation in Q12 (a letter of 0.45-1.5 s becomes a 1.2 s window; Madgwick then
   integrates the scaled rates into the same shape, scaled, which the cleaning normalises).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import SAMPLES_PER_LETTER

GYR_SHIFT = 7
ACC_SHIFT = 8
N_FEATURES = 6
WINDOW = 96
HOP = 32
MIN_LETTER = 6  # samples (0.22 s)
GROW = 2  # samples added at both ends of a spotted run
MAX_LETTER = 64  # samples (2.4 s): a longer segment is dropped
JOIN_GAP = 4  # samples: runs this close (at most JOIN_GAP inactive samples between) are one letter
WORD_GAP = 32  # samples (1.19 s): a longer gap between two letters ends a word
FRAC_BITS = 12  # time normalisation: positions in Q12


def spot_features(counts) -> np.ndarray:
    """(n, 6) int8: gyro x, y, z counts >> 7 and acc x, y, z counts >> 8 (arithmetic shift,
    saturated to int8)."""
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] != 9 or c.dtype != np.int16:
        raise ValueError(f"counts must be (n, 9) int16, got {c.dtype} {c.shape}")
    c = c.astype(np.int32)
    f = np.concatenate([c[:, 3:6] >> GYR_SHIFT, c[:, 0:3] >> ACC_SHIFT], axis=1)
    return np.clip(f, -128, 127).astype(np.int8)


def check_spotter(net) -> None:
    """The spotter network's contract: input (1, 1, WINDOW, 6) int8 with scale 1 and zero point
    0 (the features are its input as they are), output (1, 1, WINDOW, 1)."""
    if tuple(net.input_shape) != (1, 1, WINDOW, N_FEATURES) or tuple(net.output_shape) != (1, 1, WINDOW, 1):
        raise ValueError(f"a spotter maps (1, 1, {WINDOW}, {N_FEATURES}) to (1, 1, {WINDOW}, 1); this network "
                         f"{tuple(net.input_shape)} -> {tuple(net.output_shape)}")
    if abs(net.input_scale - 1.0) > 1e-6 or net.input_zero_point != 0:
        raise ValueError(f"a spotter's input quantisation must be scale 1, zero point 0 (the int8 features as they "
                         f"are), got {net.input_scale:g}, {net.input_zero_point}")


def threshold_of(net) -> int:
    """The int8 output value of logit 0 (probability one half): a sample is inside a letter when
    its output is above it."""
    return int(net.output_zero_point)


def padded_stream(feats: np.ndarray) -> np.ndarray:
    """The features as the windows read them: HOP zero samples in front (the first window's
    left context), then the stream, then its last sample repeated until the last window is
    full (the flush)."""
    n = len(feats)
    n_win = max(1, -(-n // HOP))  # one window per hop of output
    total = HOP * (n_win - 1) + WINDOW  # samples the windows span, counted from -HOP
    tail = np.repeat(feats[-1:] if n else np.zeros((1, N_FEATURES), np.int8), max(0, total - HOP - n), axis=0)
    return np.concatenate([np.zeros((HOP, N_FEATURES), np.int8), feats, tail])


def frame_logits(net, feats: np.ndarray) -> np.ndarray:
    """(n,) int8: the spotter's logit of every sample, window by window (module docstring)."""
    check_spotter(net)
    n = len(feats)
    if n == 0:
        return np.zeros(0, np.int8)
    xp = padded_stream(feats)
    n_win = -(-n // HOP)
    windows = np.stack([xp[HOP * j: HOP * j + WINDOW] for j in range(n_win)])[:, None]  # (J, 1, W, 6)
    out = net.run(windows)[:, 0, :, 0]  # (J, W)
    logits = np.empty(HOP * n_win, np.int8)
    for j in range(n_win):
        logits[HOP * j: HOP * (j + 1)] = out[j, HOP: 2 * HOP]
    return logits[:n]


def letter_segments(logits: np.ndarray, threshold: int, min_len: int = MIN_LETTER, grow: int = GROW,
                    max_len: int = MAX_LETTER, join: int = JOIN_GAP) -> list[tuple[int, int]]:
    """The runs ``[start, end)`` of samples with logit > threshold, two runs with at most
    ``join`` samples between them taken as one (a letter whose dot or cross follows a short
    travel move); of those at least ``min_len`` long, ``[start - grow, end + grow)`` (clipped
    to the stream), unless that segment is longer than ``max_len``."""
    act = np.asarray(logits).astype(np.int32) > threshold
    if not act.any():
        return []
    n = len(act)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], act.astype(np.int8), [0]])))
    runs: list[list[int]] = []
    for a, b in zip(edges[0::2].tolist(), edges[1::2].tolist()):
        if runs and a - runs[-1][1] <= join:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    segs = [(max(0, a - grow), min(n, b + grow)) for a, b in runs if b - a >= min_len]
    return [(a, b) for a, b in segs if b - a <= max_len]


def word_groups(segments: list[tuple[int, int]], gap: int = WORD_GAP) -> list[list[tuple[int, int]]]:
    """The letters grouped into words: a gap of more than ``gap`` samples starts a new word
    (measured between the widened letters)."""
    words: list[list[tuple[int, int]]] = []
    for seg in segments:
        if words and seg[0] - words[-1][-1][1] <= gap:
            words[-1].append(seg)
        else:
            words.append([seg])
    return words


def time_normalise(counts: np.ndarray, start: int, end: int, n: int = SAMPLES_PER_LETTER) -> np.ndarray:
    """(n, 9) int16: samples ``[start, end)`` resampled to ``n`` by linear interpolation.

    Output k reads position p = start * 2^12 + floor(k (end - 1 - start) 2^12 / (n - 1)) (Q12);
    with i = p >> 12 and f = p & 4095: c[i] + ((c[i + 1] - c[i]) f + 2^11) >> 12 (floor shift;
    c[i + 1] is only read where f > 0, so never past end - 1). Every product < 2^28."""
    c = np.asarray(counts).astype(np.int64)
    if not 0 <= start < end <= len(c):
        raise ValueError(f"segment [{start}, {end}) outside the stream of {len(c)} samples")
    k = np.arange(n, dtype=np.int64)
    p = (start << FRAC_BITS) + (k * ((end - 1 - start) << FRAC_BITS)) // (n - 1)
    i = p >> FRAC_BITS
    f = (p & ((1 << FRAC_BITS) - 1))[:, None]
    nxt = c[np.minimum(i + 1, end - 1)]
    v = c[i] + (((nxt - c[i]) * f + (1 << (FRAC_BITS - 1))) >> FRAC_BITS)
    return v.astype(np.int16)


@dataclass
class Spotted:
    """A session's spotting: every sample's logit, the letters, the words (lists of letters)."""

    logits: np.ndarray
    letters: list[tuple[int, int]]
    words: list[list[tuple[int, int]]]


def spot(net, counts) -> Spotted:
    """Spotting of one stream with the int8 spotter ``net`` (stages 1-4)."""
    logits = frame_logits(net, spot_features(counts))
    letters = letter_segments(logits, threshold_of(net))
    return Spotted(logits, letters, word_groups(letters))


__all__ = ["spot_features", "check_spotter", "threshold_of", "padded_stream", "frame_logits", "letter_segments",
           "word_groups", "time_normalise", "spot", "Spotted", "WINDOW", "HOP", "MIN_LETTER", "WORD_GAP",
           "GYR_SHIFT", "ACC_SHIFT", "N_FEATURES", "GROW", "MAX_LETTER", "JOIN_GAP"]
