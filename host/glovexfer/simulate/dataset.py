"""A simulated glove data set from DigiLeTs writers (the paper's 16 users x 10 letters x 10).

Writers are split once, with a FIXED split seed (0) that does not depend on the
simulation seed: ``split_writers(all ids, n_target=16, seed=0)``.  The target writers
become glove users (``u01``, ``u02``, ... in sorted writer order); the source writers are
kept apart for pretraining, and the split is written into ``meta["writer_split"]``.

Randomness: ``SeedSequence(seed).spawn(n)`` gives user i its own generator, which draws,
in order, the user's style and glove, the user's letters, then for each recording the
jitter, the tremor and the sensor noise.  The same seed gives the same bytes; adding
users does not change the first users' recordings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.digilets import INSTANCES, list_writer_files, load_digilets, split_writers, writer_id
from ..data.recordings import RecordingSet
from ..errors import DataFormatError
from ..params import LETTERS, MPU9250, SensorSpec
from .config import DEFAULT_CONFIG, SimulatorConfig
from .glove import simulate_letter
from .kinematics import letter_path
from .users import jitter_style, sample_user_style

GENERATOR_VERSION = 1
GENERATOR = f"glovexfer.simulate v{GENERATOR_VERSION}"
SPLIT_SEED = 0


def simulate_dataset(
    digilets_root: str | Path,
    n_users: int = 16,
    letters_per_user: int = 10,
    reps: int = 10,
    seed: int = 0,
    all_writers: bool = False,
    n_target_writers: int = 16,
    sensor: SensorSpec = MPU9250,
    config: SimulatorConfig = DEFAULT_CONFIG,
    progress: bool = True,
    with_truth: bool = False,
    writers: list[str] | None = None,
) -> RecordingSet:
    """Simulated glove recordings of DigiLeTs target writers.

    Default: the first ``n_users`` (sorted) of the ``n_target_writers`` target writers,
    each with ``letters_per_user`` letters drawn at random, ``reps`` recordings per letter
    (cycling through the writer's 5 instances, with fresh jitter and noise each time).
    ``all_writers=True``: every writer in the folder is a user with all 26 letters.
    ``writers=[...]``: exactly these writers become users, with all 26 letters (used to
    simulate glove versions of the *source* writers for domain-matched pretraining,
    ``glovexfer.nets.datasets.simulated_source_arrays``); ``meta.writer_split`` then records
    them as ``simulated`` and ``target`` stays the fixed split's target writers.
    ``with_truth`` adds extras ``quat`` (N, 32, 4) and ``pen_xy`` (N, 32, 2) (float32).
    """
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    ids = sorted(writer_id(f) for f in list_writer_files(Path(digilets_root)))
    if not all_writers and len(ids) < n_target_writers:
        raise DataFormatError(digilets_root, f"{len(ids)} DigiLeTs writer file(s): the writer split takes {n_target_writers} "
                                             "target writers (--all-writers simulates every writer of a smaller folder)")
    if writers is not None:
        unknown = sorted(set(writers) - set(ids))
        if unknown or not writers:
            raise ValueError(f"writers {unknown or '[]'} not found in {digilets_root}")
        source, target = split_writers(ids, n_target=n_target_writers, seed=SPLIT_SEED)
        users_w = sorted(set(writers))
        split = {"source": source, "target": target, "split_seed": SPLIT_SEED, "all_writers": False, "simulated": users_w}
        n_letters = len(LETTERS)
    elif all_writers:
        users_w = ids
        split = {
            "source": [],
            "target": ids,
            "split_seed": None,
            "all_writers": True,
            "note": "every writer became a glove user; no writer is kept apart for pretraining",
        }
        n_letters = len(LETTERS)
    else:
        if not 1 <= n_users <= n_target_writers:
            raise ValueError(f"n_users must be in 1..n_target_writers={n_target_writers}, got {n_users}")
        if not 1 <= letters_per_user <= len(LETTERS):
            raise ValueError(f"letters_per_user must be in 1..26, got {letters_per_user}")
        source, target = split_writers(ids, n_target=n_target_writers, seed=SPLIT_SEED)
        users_w = target[:n_users]
        split = {"source": source, "target": target, "split_seed": SPLIT_SEED, "all_writers": False}
        n_letters = letters_per_user

    pen = load_digilets(digilets_root, writers=users_w)
    user_seeds = np.random.SeedSequence(seed).spawn(len(users_w))
    width = max(2, len(str(len(users_w))))
    plan = []
    users_meta: dict[str, dict] = {}
    for i, (wid, ss) in enumerate(zip(users_w, user_seeds)):
        uid = f"u{i + 1:0{width}d}"
        rng = np.random.default_rng(ss)
        style = sample_user_style(rng, config)
        if all_writers or writers is not None:
            letters = LETTERS
        else:
            letters = "".join(LETTERS[k] for k in sorted(rng.choice(len(LETTERS), size=n_letters, replace=False)))
        by_key = {(x.label, x.instance): x for x in pen[wid]}
        users_meta[uid] = {"writer": wid, "letters": letters, **style.to_dict()}
        plan.append((uid, wid, rng, style, letters, by_key))

    n = sum(len(p[4]) for p in plan) * reps
    counts = np.empty((n, 32, 9), dtype=np.int16)
    labels, users, writers = [], [], []
    instance = np.empty(n, dtype=np.int8)
    n_sat = np.empty(n, dtype=np.int16)
    quat = np.empty((n, 32, 4), dtype=np.float32) if with_truth else None
    pen_xy = np.empty((n, 32, 2), dtype=np.float32) if with_truth else None

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n, desc="simulating glove recordings", unit="rec")
    paths: dict = {}
    j = 0
    for uid, wid, rng, style, letters, by_key in plan:
        for label in letters:
            for r in range(reps):
                k = r % INSTANCES
                key = (wid, label, k)
                if key not in paths:
                    paths[key] = letter_path(by_key[(label, k)], config.pause_speed_frac)
                sim = simulate_letter(paths[key], jitter_style(style, rng, config), rng, sensor, config)
                counts[j] = sim.counts
                n_sat[j] = int(sim.saturated.sum())
                instance[j] = k
                labels.append(label)
                users.append(uid)
                writers.append(wid)
                if with_truth:
                    quat[j] = sim.quat
                    pen_xy[j] = sim.pen_xy
                j += 1
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()

    meta = {
        "simulated": True,
        "generator": GENERATOR,
        "seed": int(seed),
        "writer_split": split,
        "users": users_meta,
        "letters_per_user": n_letters,
        "reps": int(reps),
        "config": config.to_dict(),
        "note": "simulated glove recordings made from DigiLeTs pen trajectories (not recorded with a glove)",
    }
    extras = {"writer": np.array(writers, dtype=str), "instance": instance, "n_saturated": n_sat}
    if with_truth:
        extras["quat"] = quat
        extras["pen_xy"] = pen_xy
    return RecordingSet(counts, np.array(labels, dtype=str), np.array(users, dtype=str), sensor, meta, extras)


__all__ = ["simulate_dataset", "GENERATOR", "GENERATOR_VERSION", "SPLIT_SEED"]
