"""The main job: a simulated wearer writes a phrase with the glove; the virtual glove
(host-native firmware behind a pseudo-terminal) recognises it with the shipped int8 models.

The phrase is streamed as raw IMU samples, one ``s`` line per sample at 27 Hz (or as fast
as possible with ``fast``): for each letter a pen-down ``start`` and the 32 samples of one
simulated recording of that letter (from the shipped demo set), with the glove held still
between letters (``GAP_SAMPLES`` stationary samples) and longer between words
(``WORD_GAP_SAMPLES``, enough for the firmware's word break, kGxWordGapSamples = 27).
The letters come back as ``LETTER`` lines and are shown by the same :class:`Listener` that
``glovexfer listen`` uses for real gloves.

``continuous``: the phrase is one simulated writing session (the session simulator:
letter after letter without pen lift, the hand dropping between words; no ``start`` lines),
simulated from the DigiLeTs data where it is found, else one of the shipped simulated sessions
(``resources/demo_sessions.npz``), streamed to
the glove in continuous mode and ended with ``end``: the glove spots the letters and decodes
the words with its lexicon (docs/serial-protocol.md, "Continuous mode").
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from .listen import Listener
from .transport import DeviceLost

SAMPLE_RATE_HZ = 27.0
GAP_SAMPLES = 8  # ~0.3 s still between letters
WORD_GAP_SAMPLES = 32  # ~1.2 s still: > the firmware's 27-sample word break


def still_sample(rec_counts: np.ndarray) -> np.ndarray:
    """A stationary glove in the pose where ``rec_counts`` starts: its first sample's
    accelerometer and magnetometer, zero rotation."""
    s = np.asarray(rec_counts[0], dtype=np.int16).copy()
    s[3:6] = 0
    return s


def check_text(text: str) -> str:
    """The phrase, checked: lowercase letters a-z and spaces, at least one letter."""
    bad = sorted({c for c in text if not ("a" <= c <= "z" or c == " ")})
    if bad:
        raise GloveXferError(f"--text may hold lowercase letters a-z and spaces only, got {bad}")
    if not text.strip():
        raise GloveXferError("--text has no letters")
    return text


def phrase_stream(text: str, rs, user: str | None, rng) -> tuple[list, list[np.ndarray]]:
    """The host lines of the whole phrase and the recordings used (one per letter)."""
    text = check_text(text)
    lines: list = []
    used = []
    from .protocol import sample_line

    still = None
    words = text.split()
    for w, word in enumerate(words):
        for ch in word:
            pick = np.flatnonzero((rs.users == user) & (rs.labels == ch)) if user else np.array([], int)
            if len(pick) == 0:
                pick = np.flatnonzero(rs.labels == ch)
            if len(pick) == 0:
                raise GloveXferError(f"the demo set has no recording of '{ch}'")
            counts = np.asarray(rs.counts[int(rng.choice(pick))], dtype=np.int16)
            used.append(counts)
            still = still_sample(counts)
            lines += [("sample", sample_line(still))] * GAP_SAMPLES
            lines.append(("cmd", "start"))
            lines += [("sample", sample_line(s)) for s in counts]
        lines += [("sample", sample_line(still))] * WORD_GAP_SAMPLES
    return lines, used


def run_demo(device, text: str, rs, user: str | None = None, seed: int = 0, fast: bool = False,
             out=None, timeout: float = 60.0) -> Listener:
    """Stream the phrase into ``device``; return the listener (``.text``)."""
    rng = np.random.default_rng(seed)
    lines, used = phrase_stream(text, rs, user, rng)
    lis = Listener(out=out)
    n_letters = len(used)
    n_words = len(text.split())
    period = 1.0 / SAMPLE_RATE_HZ
    t_next = time.monotonic()
    try:
        for kind, line in lines:
            device.write_line(line)
            if kind == "sample" and not fast:
                t_next += period
                lis.drain(device, timeout=max(0.0, t_next - time.monotonic()))
            else:
                lis.drain(device, timeout=0.0)
        deadline = time.monotonic() + timeout
        words_seen = lambda: len(lis.words)  # noqa: E731
        while (len(lis.letters) < n_letters or words_seen() < n_words) and time.monotonic() < deadline:
            lis.drain(device, timeout=0.2)
    except DeviceLost as e:
        raise DeviceLost(f"{e} after {len(lis.letters)} of {n_letters} letters; "
                         f"recognised so far: '{lis.text}'") from None
    if len(lis.letters) < n_letters:
        raise GloveXferError(f"the glove recognised {len(lis.letters)} of {n_letters} letters within {timeout:.0f} s")
    return lis


DEMO_SESSIONS = "demo_sessions.npz"
#: The phrases of the shipped sessions (tools/make_demo_set.py), seeds 0 and 1 each.
DEMO_PHRASES = ("hello world", "the glove writes words", "air writing")
DEMO_SEEDS = (0, 1)


def demo_writer_paths(digilets_root) -> dict:
    """letter -> LetterPath: the pen path of every letter of the first target writer
    (instance 0), read from the DigiLeTs folder in place."""
    from ..data.digilets import list_writer_files, load_digilets, split_writers, writer_id
    from ..params import LETTERS
    from ..simulate.dataset import SPLIT_SEED
    from ..simulate.kinematics import letter_path

    ids = sorted(writer_id(f) for f in list_writer_files(Path(digilets_root)))
    _, targets = split_writers(ids, n_target=16, seed=SPLIT_SEED)
    wid = targets[0]
    by_key = {(x.label, x.instance): x for x in load_digilets(digilets_root, writers=[wid])[wid]}
    return {c: letter_path(by_key[(c, 0)]) for c in LETTERS}


def simulate_demo_session(text: str, seed: int, digilets_root):
    """One simulated writing session of ``text`` by the demo wearer (seeded) with the first
    target writer's letters (a ``data.sessions.Session``)."""
    from ..data.sessions import text_letters
    from ..simulate.sessions import simulate_session
    from ..simulate.users import sample_user_style

    pens = demo_writer_paths(digilets_root)
    rng = np.random.default_rng(seed)
    style = sample_user_style(rng)
    session, _ = simulate_session(text, [pens[c] for c in text_letters(text)], style, rng, user="demo")
    return session


def continuous_session(text: str, seed: int = 0, digilets=None):
    """One simulated writing session of ``text``: simulated from the DigiLeTs data where it is
    found (``digilets``, else $GLOVEXFER_DIGILETS or ../shared/data/digilets), else the shipped
    session of that phrase and seed (``resources/demo_sessions.npz``, made the same way)."""
    from ..data.paths import find_dataset

    text = " ".join(check_text(text).split())
    root = find_dataset("digilets", digilets, required=False)
    if root is not None:
        return simulate_demo_session(text, seed, root)
    return shipped_session(text, seed)


def shipped_session(text: str, seed: int = 0):
    """The shipped simulated session of ``text`` and ``seed`` (``resources/demo_sessions.npz``);
    GloveXferError naming the shipped ones for another phrase."""
    from importlib import resources

    from ..data.sessions import SessionSet

    ss = SessionSet.load(Path(str(resources.files("glovexfer") / "resources" / DEMO_SESSIONS)))
    seeds = ss.extras.get("seed", np.zeros(len(ss), np.int64))
    for i in range(len(ss)):
        if str(ss.texts[i]) == text and int(seeds[i]) == seed:
            return ss[i]
    shipped = sorted({(str(t), int(k)) for t, k in zip(ss.texts, seeds)})
    raise GloveXferError(f"without the DigiLeTs data set ($GLOVEXFER_DIGILETS or ../shared/data/digilets) "
                         f"demo --continuous writes only its shipped sessions: "
                         + ", ".join(f"--text '{t}' --seed {k}" for t, k in shipped))


def run_demo_continuous(device, text: str, seed: int = 0, fast: bool = False, out=None,
                        timeout: float = 60.0) -> Listener:
    """Stream one simulated session of ``text`` to ``device`` in continuous mode and end it;
    the listener holds the raw and decoded words (``.raw_words``, ``.text``)."""
    from .continuous import lines_to_end, stream_lines
    from .listen import host_lexicon

    session = continuous_session(text, seed)
    lis = Listener(out=out, lexicon=host_lexicon(device.banner, None))
    device.set_mode("continuous")
    period = 1.0 / SAMPLE_RATE_HZ
    t_next = time.monotonic()
    try:
        for line in stream_lines(session.counts):
            device.write_line(line)
            if fast:
                lis.drain(device, timeout=0.0)
            else:
                t_next += period
                lis.drain(device, timeout=max(0.0, t_next - time.monotonic()))
        device.write_line("end")
        for line in lines_to_end(device, timeout):
            lis.feed_line(line)
    except DeviceLost as e:
        raise DeviceLost(f"{e} after {len(lis.letters)} letters; recognised so far: '{lis.text}'") from None
    except GloveXferError as e:
        raise GloveXferError(f"{e} (recognised so far: '{lis.text}')") from None
    return lis


__all__ = [
    "continuous_session",
    "simulate_demo_session",
    "demo_writer_paths",
    "run_demo_continuous","GAP_SAMPLES", "check_text", "SAMPLE_RATE_HZ", "WORD_GAP_SAMPLES", "phrase_stream", "run_demo", "still_sample"]
