"""Network inputs from the two domains, with an on-disk cache.

* source: DigiLeTs pen trajectories of the source writers, pen lifts joined (as a glove
  would draw them), cleaned and splined to 100 points with the same stages as glove data,
  and rendered to 28x28 images.
* target: glove recordings (simulated or real) run through the whole float pipeline.
* simulated source: the source writers' letters turned into *simulated glove recordings*
  (``simulate_dataset(writers=source writers)``) and run through the whole float pipeline,
  so that pretraining already sees glove effects (heading, elevation, roll, tremor, drift,
  sensor noise) -- still never a target writer.

Both give an ``Arrays`` bundle: ``seq`` (N, 100, 2) float32, ``img`` (N, 28, 28) float32,
``y`` (N,) int class indices, ``group`` (N,) writer or user ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..params import LETTERS, PAPER, PipelineParams

CACHE_VERSION = 1


@dataclass
class Arrays:
    seq: np.ndarray
    img: np.ndarray
    y: np.ndarray
    group: np.ndarray
    #: The device path's network inputs, when asked for (``target_arrays(device=True)``):
    #: the golden fixed-point pipeline's resampled points (N, 100, 2) int32 Q30 and images
    #: (N, 28, 28) int32 Q15, from the same raw counts as ``seq``/``img``.
    dev_seq: np.ndarray | None = None
    dev_img: np.ndarray | None = None
    #: The golden ``signals`` stage (N, 32, 9) int32, the signal network's input, when asked
    #: for (``glovexfer.nets.chen2021.device_signal_arrays``).
    sig: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    @property
    def has_device_inputs(self) -> bool:
        return self.dev_seq is not None and self.dev_img is not None

    def take(self, idx) -> "Arrays":
        idx = np.asarray(idx)
        dev = (self.dev_seq[idx], self.dev_img[idx]) if self.has_device_inputs else (None, None)
        sig = None if self.sig is None else self.sig[idx]
        return Arrays(self.seq[idx], self.img[idx], self.y[idx], self.group[idx], *dev, sig=sig)

    @staticmethod
    def concat(parts: list["Arrays"]) -> "Arrays":
        return Arrays(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("seq", "img", "y", "group")))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, seq=self.seq, img=self.img, y=self.y, group=self.group)

    @staticmethod
    def load(path: Path) -> "Arrays":
        with np.load(path, allow_pickle=False) as z:
            return Arrays(z["seq"], z["img"], z["y"], z["group"])


def _key(*parts) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _images(seq: np.ndarray, params: PipelineParams, progress: bool, desc: str) -> np.ndarray:
    from ..pipeline import images

    return images(seq, params=params, progress=progress, desc=desc)


def source_arrays(
    digilets_root: str | Path,
    writers: list[str],
    params: PipelineParams = PAPER,
    cache_dir: str | Path | None = "out/cache",
    progress: bool = True,
) -> Arrays:
    """All lowercase letters of ``writers`` (DigiLeTs), cleaned like glove data."""
    from ..data.digilets import join_strokes, load_digilets
    from ..pipeline import clean_trajectory

    writers = sorted(writers)
    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / f"source_{_key(CACHE_VERSION, writers, asdict(params))}.npz"
        if cache.is_file():
            return Arrays.load(cache)
    letters = load_digilets(digilets_root, writers=writers, progress=progress)
    flat = [x for w in writers for x in letters[w]]
    it = flat
    if progress:
        from tqdm import tqdm

        it = tqdm(flat, desc="source trajectories", unit="letter")
    seq = np.stack([clean_trajectory(join_strokes(x), params) for x in it]).astype(np.float32)
    img = _images(seq, params, progress, "source images")
    out = Arrays(
        seq,
        img,
        np.array([LETTERS.index(x.label) for x in flat], dtype=np.int64),
        np.array([x.writer for x in flat]),
    )
    if cache is not None:
        out.save(cache)
    return out


def target_arrays(recset, params: PipelineParams = PAPER, cache_dir: str | Path | None = "out/cache", progress: bool = True, device: bool = False) -> Arrays:
    """Glove recordings through the whole float pipeline (orientation .. raster).

    ``device=True`` also runs the golden fixed-point pipeline on every recording
    (:func:`device_inputs`) and keeps its int8-network inputs in ``dev_seq``/``dev_img``."""
    from ..pipeline import sequences

    cache = dev_cache = None
    if cache_dir is not None:
        digest = hashlib.sha256(recset.counts.tobytes() + "".join(recset.labels).encode() + "|".join(recset.users).encode()).hexdigest()[:16]
        key = _key(CACHE_VERSION, digest, asdict(params), asdict(recset.sensor))
        cache = Path(cache_dir) / f"target_{key}.npz"
        dev_cache = Path(cache_dir) / f"target_golden_{key}.npz"
    if cache is not None and cache.is_file():
        out = Arrays.load(cache)
    else:
        seq = sequences(recset, params=params, progress=progress).astype(np.float32)
        img = _images(seq, params, progress, "target images")
        out = Arrays(seq, img, recset.y, recset.users.astype(str))
        if cache is not None:
            out.save(cache)
    if device:
        if dev_cache is not None and dev_cache.is_file():
            with np.load(dev_cache, allow_pickle=False) as z:
                out.dev_seq, out.dev_img = z["dev_seq"], z["dev_img"]
        else:
            out.dev_seq, out.dev_img = device_inputs(recset, params, progress)
            if dev_cache is not None:
                dev_cache.parent.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(dev_cache, dev_seq=out.dev_seq, dev_img=out.dev_img)
    return out


def device_inputs(recset, params: PipelineParams = PAPER, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The golden fixed-point pipeline (``glovexfer.golden.pipeline.run_golden_batch``, bit-exact
    with the firmware) on every recording: resampled points (N, 100, 2) int32 Q30 and images
    (N, 28, 28) int32 Q15 -- what the device quantises into its int8 networks' inputs."""
    from ..golden.pipeline import run_golden_batch

    seq = np.empty((len(recset), params.resample_points, 2), dtype=np.int32)
    img = np.empty((len(recset), params.raster_out_px, params.raster_out_px), dtype=np.int32)
    starts = range(0, len(recset), 512)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="golden fixed-point pipeline (512 per step)", unit="step")
    for k in starts:
        st = run_golden_batch(recset.counts[k : k + 512], sensor=recset.sensor, params=params)
        seq[k : k + 512], img[k : k + 512] = st.resampled, st.image
    return seq, img


def simulated_source_arrays(
    digilets_root: str | Path,
    writers: list[str],
    reps: int,
    seed: int = 1,
    params: PipelineParams = PAPER,
    cache_dir: str | Path | None = "out/cache",
    progress: bool = True,
) -> Arrays:
    """Simulated glove recordings of the source ``writers`` (all 26 letters, ``reps`` per
    letter, each writer a user with its own style and glove), through the float pipeline.

    The seed must differ from the target set's (0) so that no glove, style or noise draw is
    shared with the target users; the writers are disjoint from them by construction.
    """
    from ..simulate import simulate_dataset

    writers = sorted(writers)
    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / f"simsource_{_key(CACHE_VERSION, writers, reps, seed, asdict(params))}.npz"
        if cache.is_file():
            return Arrays.load(cache)
    rs = simulate_dataset(digilets_root, writers=writers, reps=reps, seed=seed, progress=progress)
    out = target_arrays(rs, params=params, cache_dir=None, progress=progress)
    out.group = np.array([f"sim:{w}" for w in rs.extras["writer"]])
    if cache is not None:
        out.save(cache)
    return out


def signal_arrays(recset, params: PipelineParams = PAPER) -> np.ndarray:
    """(N, n, 9) float64: the float pipeline's ``signals`` stage of every recording (float
    orientation on the physical values; an all-zero magnetometer gives the 6-axis filter), in
    the golden signals' units (``golden.signals.from_float``) -- the float reference input of
    a signal network."""
    from ..golden.signals import from_float
    from ..pipeline.orientation import orientation
    from ..pipeline.signals import signals

    out = []
    for i in range(len(recset)):
        p = recset[i].physical
        q = orientation(p[:, 0:3], p[:, 3:6], p[:, 6:9], params.madgwick_beta, params.sample_rate_hz)
        out.append(from_float(signals(q, p[:, 0:3], p[:, 3:6]), recset.sensor))
    return np.stack(out)


def standardise_signals(X, mean, std) -> np.ndarray:
    """(N, steps, 9) signals -> (N, 1, steps, 9) float32 input of a signal network:
    ``(X - mean) / std`` per channel, with the network's (mean, std)."""
    Z = (np.asarray(X, dtype=np.float64) - mean) / std
    return Z[:, None].astype(np.float32)
