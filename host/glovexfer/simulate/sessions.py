"""Simulated writing sessions: a wearer writes a phrase in the air, letter after letter, no button.

The same physics as one recording (``glove``, ``imu``): the fingertip rotates about a pivot,
yaw/pitch follow the pen, plus roll coupling and tremor; the IMU measures specific force, body
rate and the Earth's field with the glove's errors. What is new is the stream around the
letters:

* letters are written **in place**, one over the other, at the spot the hand points to (an
  imaginary blackboard cell; a small drift from letter to letter);
* after a letter the finger slows to a short, variable pause, then **travels** without pen
  lift (a minimum-jerk move) to the next letter's first point;
* between words a longer pause, then **non-writing motion**: the hand drops, turns and rolls
  to a rest pose, rests with a slow drift and fidget, and comes back to the writing spot
  (somewhere else than before), pauses, and the next word starts;
* the session starts and ends at rest.

Ground truth: the text and, per letter, the samples from its first point leaving to its last
point reached (``[start, end)`` at 27 Hz). Every magnitude is in ``SessionConfig``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.ndimage import gaussian_filter1d

from ..data.recordings import to_counts
from ..data.sessions import Session, SessionSet, text_letters
from ..params import MPU9250, SAMPLE_RATE_HZ, SensorSpec
from .config import DEFAULT_CONFIG, SimulatorConfig
from .imu import apply_sensor_errors, ideal_signals, lowpass_and_sample
from .kinematics import LetterPath, Motion, band_noise, motion_from_angles, second_difference, window_room_s
from .users import UserStyle, jitter_style

GENERATOR_VERSION = 1
GENERATOR = f"glovexfer.simulate.sessions v{GENERATOR_VERSION}"


@dataclass(frozen=True)
class SessionConfig:
    """The stream between letters (seconds, degrees); ``(lo, hi)`` = uniform per occasion."""

    lead_s: tuple[float, float] = (0.6, 1.2)  # rest before the first and after the last letter
    letter_pause_s: tuple[float, float] = (0.05, 0.30)  # still at a letter's end
    transition_s: tuple[float, float] = (0.18, 0.40)  # travel to the next letter's first point
    letter_drift_deg: float = 1.0  # the writing spot moves by up to this per letter (each axis)
    word_pause_s: tuple[float, float] = (0.25, 0.6)  # still after a word and before the next
    gesture_move_s: tuple[float, float] = (0.5, 1.0)  # to the rest pose and back, each
    rest_s: tuple[float, float] = (0.3, 1.5)  # at rest between words
    drop_deg: tuple[float, float] = (15.0, 60.0)  # the hand drops (pitch)
    turn_deg: tuple[float, float] = (5.0, 50.0)  # and turns (yaw), random sign
    roll_deg: tuple[float, float] = (5.0, 40.0)  # and rolls, random sign
    fidget_rms_deg: tuple[float, float] = (0.5, 3.0)  # slow motion at rest (0.2-2 Hz)
    fidget_band_hz: tuple[float, float] = (0.2, 2.0)
    respot_deg: float = 6.0  # the next word is written up to this far from the last (each axis)
    # A letter takes at most the one-recording window's room for it (about 1 s, see
    # kinematics.window_room_s) times this factor: no 1.2 s window any more, but a wearer
    # keeps the pace a glove taught (a tablet letter with pauses would take up to 3 s).
    room_factor: tuple[float, float] = (1.0, 1.4)

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


DEFAULT_SESSION_CONFIG = SessionConfig()


def _u(rng: np.random.Generator, lo_hi) -> float:
    return float(rng.uniform(*lo_hi))


def min_jerk(n: int) -> np.ndarray:
    """(n,) the minimum-jerk profile 10 s^3 - 15 s^4 + 6 s^5 from 0 to 1 (exclusive of 1)."""
    s = np.arange(n) / max(n, 1)
    return s * s * s * (10.0 - 15.0 * s + 6.0 * s * s)


@dataclass
class _Track:
    """Angle tracks (rad) on the fine grid, appended segment by segment."""

    dt: float
    yaw: list
    pitch: list
    roll: list
    n: int = 0

    def pose(self) -> tuple[float, float, float]:
        return float(self.yaw[-1][-1]), float(self.pitch[-1][-1]), float(self.roll[-1][-1])

    def add(self, y: np.ndarray, p: np.ndarray, r: np.ndarray) -> None:
        self.yaw.append(np.asarray(y, float))
        self.pitch.append(np.asarray(p, float))
        self.roll.append(np.asarray(r, float))
        self.n += len(y)

    def hold(self, seconds: float) -> None:
        k = max(1, int(round(seconds / self.dt)))
        y, p, r = self.pose()
        self.add(np.full(k, y), np.full(k, p), np.full(k, r))

    def move_to(self, target: tuple[float, float, float], seconds: float) -> None:
        k = max(2, int(round(seconds / self.dt)))
        s = min_jerk(k + 1)[1:]
        s = np.concatenate([s[:-1], [1.0]])
        a = np.array(self.pose())
        b = np.array(target)
        path = a[None, :] + (b - a)[None, :] * s[:, None]
        self.add(path[:, 0], path[:, 1], path[:, 2])

    @property
    def t_now(self) -> float:
        return self.n * self.dt


def _letter_air(path: LetterPath, style: UserStyle, size_rad: float, dt: float, max_s: float) -> tuple[float, np.ndarray]:
    """The letter's air duration and its slanted pen path (letter units) on the fine grid,
    with the one-recording simulator's rules: tablet duration / speed, at least the minimum
    duration, slower where the fingertip would need more than the wearer's peak acceleration,
    at most ``max_s``."""
    dur = path.duration_s

    def xy_for(air: float) -> np.ndarray:
        k = max(2, int(round(air / dt)) + 1)
        if len(path.t) >= 2 and dur > 0:
            tau = np.linspace(0.0, dur, k)
            xy = np.stack([PchipInterpolator(path.t, path.xy[:, j])(tau) for j in (0, 1)], axis=-1)
        else:
            xy = np.repeat(path.xy[:1], k, axis=0)
        xy[:, 0] += style.slant * xy[:, 1]
        return xy

    air = dur / style.speed if style.speed > 0 and dur > 0 else max(dur, 0.3)
    air = max(air, float(style.min_duration_s))
    xy = xy_for(air)
    if style.max_acc_mps2 > 0 and len(xy) > 4:
        peak = style.lever_m * size_rad * float(np.max(np.linalg.norm(second_difference(xy, dt), axis=1)))
        if peak > style.max_acc_mps2:
            air = min(air * float(np.sqrt(peak / style.max_acc_mps2)), max(max_s, air))
            xy = xy_for(air)
    if air > max_s:
        air = max_s
        xy = xy_for(air)
    return air, xy


def simulate_session(
    text: str,
    paths: list[LetterPath],
    style: UserStyle,
    rng: np.random.Generator,
    sensor: SensorSpec = MPU9250,
    config: SimulatorConfig = DEFAULT_CONFIG,
    session: SessionConfig = DEFAULT_SESSION_CONFIG,
    user: str = "",
) -> tuple[Session, Motion]:
    """One session of ``style`` writing ``text`` (words of a-z, single spaces) with the pen
    paths ``paths`` (one per letter of the text, in order). Returns the session (counts, text,
    letter spans) and the fine-grid motion."""
    letters = text_letters(text)
    if len(paths) != len(letters):
        raise ValueError(f"{len(paths)} letter paths for the {len(letters)} letters of {text!r}")
    dt = 1.0 / config.fine_rate_hz
    spot = np.deg2rad([style.heading_deg, style.pitch0_deg])
    roll0 = np.deg2rad(style.roll0_deg)
    tr = _Track(dt, [], [], [])
    tr.add(np.full(1, spot[0]), np.full(1, spot[1]), np.full(1, roll0))  # first pose: set below
    times: list[tuple[float, float]] = []
    first_move = True
    words = text.split(" ") if text else []
    for w, word in enumerate(words):
        if w > 0:  # non-writing motion between words
            y, p, r = tr.pose()
            tr.hold(_u(rng, session.word_pause_s))
            sign = rng.choice((-1.0, 1.0), size=2)
            rest = (y + sign[0] * np.deg2rad(_u(rng, session.turn_deg)),
                    p + np.deg2rad(_u(rng, session.drop_deg)),
                    r + sign[1] * np.deg2rad(_u(rng, session.roll_deg)))
            tr.move_to(rest, _u(rng, session.gesture_move_s))
            tr.hold(_u(rng, session.rest_s))
            spot = np.deg2rad([style.heading_deg, style.pitch0_deg]) + np.deg2rad(session.respot_deg) * rng.uniform(-1, 1, 2)
        for c in range(len(word)):
            li = len(times)
            st = jitter_style(style, rng, config)
            a = np.deg2rad(st.size_deg)
            air, xy = _letter_air(paths[li], st, a, dt, window_room_s(st, config) * _u(rng, session.room_factor))

            def angles(xy_: np.ndarray, sp=spot, a_=a, c_=st.roll_coupling) -> tuple:
                return sp[0] - a_ * xy_[:, 0], sp[1] - a_ * xy_[:, 1], roll0 + c_ * a_ * xy_[:, 0]

            y0, p0, r0 = (float(v[0]) for v in angles(xy[:1]))
            if first_move:  # the session starts at rest at the first letter's first point
                tr.yaw[0][:], tr.pitch[0][:], tr.roll[0][:] = y0, p0, r0
                tr.hold(_u(rng, session.lead_s))
                first_move = False
            elif c == 0:  # back from the rest pose
                tr.move_to((y0, p0, r0), _u(rng, session.gesture_move_s))
                tr.hold(_u(rng, session.word_pause_s))
            else:  # from the previous letter's end, without pen lift
                tr.hold(_u(rng, session.letter_pause_s))
                tr.move_to((y0, p0, r0), _u(rng, session.transition_s))
            start = tr.t_now - dt  # the pose's last sample is the letter's first point
            y, p, r = angles(xy)
            tr.add(y[1:], p[1:], r[1:])
            times.append((start, tr.t_now - dt))
            spot = spot + np.deg2rad(session.letter_drift_deg) * rng.uniform(-1, 1, 2)
    tr.hold(_u(rng, session.lead_s))

    yaw, pitch, roll = (np.concatenate(x) for x in (tr.yaw, tr.pitch, tr.roll))
    n = len(yaw)
    sigma = config.smooth_sigma_s / dt
    if sigma > 0:
        yaw, pitch, roll = (gaussian_filter1d(x, sigma, mode="nearest") for x in (yaw, pitch, roll))
    tremor = band_noise(rng, n, dt, config.tremor_band_hz, np.deg2rad(style.tremor_rms_deg))
    fidget = band_noise(rng, n, dt, session.fidget_band_hz, np.deg2rad(_u(rng, session.fidget_rms_deg)))
    # fidget only between words (the rest pose): an envelope that is 1 from 0.1 s after a
    # word's last letter to 0.1 s before the next word's first, smoothed
    env = np.zeros(n)
    firsts = np.cumsum([0] + [len(w) for w in words])[1:-1]  # each next word's first letter
    for k in firsts:
        env[int(times[k - 1][1] / dt) + 100: max(0, int(times[k][0] / dt) - 100)] = 1.0
    env = gaussian_filter1d(env, 0.1 / dt, mode="nearest")
    yaw, pitch, roll = (x + tremor[:, k] + env * fidget[:, k] for k, x in enumerate((yaw, pitch, roll)))
    t = np.arange(n) * dt
    m = motion_from_angles(t, yaw, pitch, roll, style.lever_m)
    motion = Motion(t=t, pen_xy=np.zeros((n, 2)), yaw=yaw, pitch=pitch, roll=roll, lever_m=float(style.lever_m),
                    start_s=times[0][0] if times else 0.0, end_s=times[-1][1] if times else 0.0, speed=float(style.speed), **m)
    ts = np.arange(int(np.floor(t[-1] * SAMPLE_RATE_HZ)) + 1) / SAMPLE_RATE_HZ
    ideal = lowpass_and_sample(ideal_signals(motion, config), t, config, ts)
    counts, _ = to_counts(apply_sensor_errors(ideal, style.sensor, rng), sensor)
    spans = np.array([[int(np.ceil(s0 * SAMPLE_RATE_HZ - 1e-9)), int(np.floor(s1 * SAMPLE_RATE_HZ + 1e-9)) + 1]
                      for s0, s1 in times], dtype=np.int32).reshape(-1, 2)
    return Session(counts, text, spans, user, sensor), motion


# ----------------------------------------------------------------------------- phrases
def common_words(n: int = 10000) -> list[str]:
    """The ``n`` most frequent English words made of a-z only (wordfreq's list, in order)."""
    try:
        from wordfreq import top_n_list
    except ImportError:
        from ..errors import GloveXferError

        raise GloveXferError("writing sessions draw their phrases from the 'wordfreq' package: "
                             "pip install -e '.[train]' (make test installs it)") from None
    out = []
    for w in top_n_list("en", 4 * n):
        if w.isascii() and w.isalpha() and w.islower():
            out.append(w)
            if len(out) == n:
                break
    return out


def draw_phrases(n: int, rng: np.random.Generator, words: list[str], n_words=(2, 4), max_len: int = 12) -> list[str]:
    """``n`` phrases of ``n_words`` words, each word drawn by its frequency rank (Zipf, 1/rank):
    running English rather than a hand-picked list; words longer than ``max_len`` are left out."""
    pool = [w for w in words if len(w) <= max_len]
    p = 1.0 / np.arange(1, len(pool) + 1)
    p /= p.sum()
    out = []
    for _ in range(n):
        k = int(rng.integers(n_words[0], n_words[1] + 1))
        out.append(" ".join(pool[i] for i in rng.choice(len(pool), size=k, p=p)))
    return out


def simulate_sessions(
    digilets_root: str | Path,
    n_sessions: int = 500,
    seed: int = 0,
    writers: list[str] | None = None,
    phrases: list[str] | None = None,
    sensor: SensorSpec = MPU9250,
    config: SimulatorConfig = DEFAULT_CONFIG,
    session: SessionConfig = DEFAULT_SESSION_CONFIG,
    progress: bool = True,
    hold_out: int = 0,
) -> SessionSet:
    """Sessions of DigiLeTs writers (default: the fixed writer split's 16 target writers, never
    used in training) writing phrases of common English words (or ``phrases``), round robin
    over the writers; each letter is one of the writer's five instances of it, at random.

    ``hold_out``: the last ``hold_out`` instances of every letter are left out of the
    sessions (each letter drawn from the first ``5 - hold_out``): a wearer's calibration
    letters can then be written from instances the sessions never show
    (``calibration_recordings``). 0 (default) gives the bytes of a set made without it."""
    from ..data.digilets import INSTANCES, list_writer_files, load_digilets, split_writers, writer_id
    from .dataset import SPLIT_SEED
    from .kinematics import letter_path
    from .users import sample_user_style

    if not 0 <= hold_out < INSTANCES:
        raise ValueError(f"hold_out must be in 0..{INSTANCES - 1}, got {hold_out}")
    ids = sorted(writer_id(f) for f in list_writer_files(Path(digilets_root)))
    if writers is None:
        _, writers = split_writers(ids, n_target=16, seed=SPLIT_SEED)
    unknown = sorted(set(writers) - set(ids))
    if unknown or not writers:
        raise ValueError(f"writers {unknown or '[]'} not found in {digilets_root}")
    seeds = np.random.SeedSequence(seed).spawn(len(writers) + 1)
    phrase_rng = np.random.default_rng(seeds[-1])
    if phrases is None:
        phrases = draw_phrases(n_sessions, phrase_rng, common_words())
    pen = load_digilets(digilets_root, writers=list(writers))
    rngs = [np.random.default_rng(s) for s in seeds[:-1]]
    styles = [sample_user_style(r, config) for r in rngs]
    width = max(2, len(str(len(writers))))
    cache: dict = {}
    out, users_w = [], []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(phrases), desc="simulating writing sessions", unit="session")
    for i, text in enumerate(phrases):
        k = i % len(writers)
        wid, rng = writers[k], rngs[k]
        by_key = {(x.label, x.instance): x for x in pen[wid]}
        paths = []
        for ch in text_letters(text):
            key = (wid, ch, int(rng.integers(INSTANCES - hold_out)))
            if key not in cache:
                cache[key] = letter_path(by_key[key[1:]], config.pause_speed_frac)
            paths.append(cache[key])
        s, _ = simulate_session(text, paths, styles[k], rng, sensor, config, session, user=f"u{k + 1:0{width}d}")
        out.append(s)
        users_w.append(wid)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    meta = {
        "simulated": True,
        "generator": GENERATOR,
        "seed": int(seed),
        "writers": {f"u{k + 1:0{width}d}": w for k, w in enumerate(writers)},
        "users": {f"u{k + 1:0{width}d}": {"writer": w, **styles[k].to_dict()} for k, w in enumerate(writers)},
        "config": config.to_dict(),
        "session_config": session.to_dict(),
        "phrases": "wordfreq English, 2-4 words, drawn by 1/rank over the 10,000 most frequent a-z words",
        "note": "simulated writing sessions made from DigiLeTs pen trajectories (not recorded with a glove)",
    }
    if hold_out:
        meta["held_out_instances"] = list(range(INSTANCES - hold_out, INSTANCES))
    return SessionSet.from_sessions(out, sensor, meta, {"writer": np.array(users_w, dtype=str)})


def calibration_recordings(digilets_root: str | Path, meta: dict, k: int = 3, config: SimulatorConfig = DEFAULT_CONFIG,
                           sensor: SensorSpec = MPU9250, users: list[str] | None = None):
    """The few-shot calibration letters of a session set's wearers (``meta`` of
    ``simulate_sessions(..., hold_out=H)``): for every user, ``k`` isolated recordings (32
    samples, as the window mode records them) of each letter a..z, written by the user's
    writer from the instances the sessions left out (recording r of a letter: held-out
    instance r mod H) in the user's own simulated style and glove (the sessions' style,
    drawn again from the set's seed); per recording a fresh jitter, tremor and noise from a
    generator of its own (``SeedSequence(seed)``'s children after the sessions' ones).
    A ``RecordingSet`` in user order, letters ascending, recordings of a letter in order
    (the first K of each letter are the K-sample calibration); extras ``instance``.
    ``users``: only these (default: every user of the set; each user's recordings are the
    same either way)."""
    from ..data.digilets import load_digilets
    from ..data.recordings import RecordingSet
    from ..params import LETTERS
    from .glove import simulate_letter
    from .kinematics import letter_path
    from .users import sample_user_style

    held = [int(x) for x in meta.get("held_out_instances", [])]
    if not held:
        raise ValueError("the session set left no DigiLeTs instance out (simulate --sessions N --hold-out-instances H): "
                         "calibration letters would repeat the sessions' trajectories")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    every = dict(meta["writers"])
    unknown = sorted(set(users or ()) - set(every))
    if unknown:
        raise ValueError(f"users {unknown} are not in the session set")
    seeds = np.random.SeedSequence(int(meta["seed"])).spawn(2 * len(every) + 1)
    chosen = [(n, uid, wid) for n, (uid, wid) in enumerate(every.items()) if users is None or uid in users]
    pen = load_digilets(digilets_root, writers=sorted({wid for _, _, wid in chosen}))
    counts, labels, uids, inst = [], [], [], []
    for n, uid, wid in chosen:
        style = sample_user_style(np.random.default_rng(seeds[n]), config)  # the sessions' first draw
        if style.to_dict() != {kk: v for kk, v in meta["users"][uid].items() if kk != "writer"}:
            raise ValueError(f"user {uid}: the style drawn again differs from the session set's (another generator?)")
        rng = np.random.default_rng(seeds[len(every) + 1 + n])
        by_key = {(x.label, x.instance): x for x in pen[wid]}
        for ch in LETTERS:
            for r in range(k):
                i = held[r % len(held)]
                sim = simulate_letter(letter_path(by_key[(ch, i)], config.pause_speed_frac), jitter_style(style, rng, config),
                                      rng, sensor, config)
                counts.append(sim.counts)
                labels.append(ch)
                uids.append(uid)
                inst.append(i)
    cal_meta = {"simulated": True, "from_sessions_seed": int(meta["seed"]), "instances": held, "per_letter": k,
                "note": "simulated calibration letters of a session set's wearers, from DigiLeTs instances the sessions left out"}
    return RecordingSet(np.stack(counts), np.array(labels, dtype=str), np.array(uids, dtype=str), sensor, cal_meta,
                        {"instance": np.array(inst, dtype=np.int8)})


__all__ = ["calibration_recordings", "SessionConfig", "DEFAULT_SESSION_CONFIG", "simulate_session", "simulate_sessions", "common_words",
           "draw_phrases", "min_jerk", "GENERATOR", "GENERATOR_VERSION"]
