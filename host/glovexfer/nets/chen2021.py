"""The real-data domain: protocols on the Chen et al. (2021) pen recordings.

Domains
-------
* target: every valid Chen sequence through :mod:`glovexfer.chen.represent` (``REPRESENTATION``,
  by default ``mad6z``: the device's own 6-axis Madgwick + points stage on the raw acc + gyro
  with the pen axis as sensor x), cleaned to 100 points and rasterised to 28x28.
* source: all 62 DigiLeTs writers, cleaned like glove data, with x and y swapped
  (``SOURCE_SWAP_XY``): the pen's (-azimuth, elevation) path is the page's (y, x) -- measured
  by the alignment study (docs/results-chen2021.md), the transform is put on the source side
  so that the device pipeline stays unchanged.

Settings (per network kind ``lstm`` = paper BiLSTM(50), ``cnn`` = paper CNN)
-------------------------------------------------------------------------
* ``target_only``: fresh network trained on the fold's target training writers;
* ``source_only``: DigiLeTs-pretrained network, no fine-tuning;
* ``transfer``: DigiLeTs-pretrained, fine-tuned on the fold's target training writers;
* ``best`` (``fused``): the transfer LSTM and transfer CNN of the fold, probabilities added
  (the firmware's late fusion, ``gx_fuse``).

Protocols
---------
* ``lowo``: leave one writer out, for each of the 12 writers (a writer's sessions stay together);
* ``subject_split``: the 12 writers in 6 disjoint pairs (seeded shuffle); each pair held out
  in turn (the authors held out two writers); mean over the 6 pairs;
* ``random_split``: one seeded random 80/10/10 split of all sequences (train/val/test),
  as the authors did.

In ``lowo`` and ``subject_split`` 10 % of the training writers' sequences are held out for
early stopping.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from . import protocols as P
from . import train as T
from .datasets import Arrays, _key, source_arrays
from ..params import PAPER

REPRESENTATION = "mad6z"
SOURCE_SWAP_XY = True
CACHE_VERSION = 1
N_PAIRS = 6
VALIDATION_FRACTION = 0.1
RANDOM_SPLIT = (0.8, 0.1, 0.1)

#: Training budgets (2 CPU cores shared with other jobs, no GPU): every fold trains four
#: networks, so epochs are capped at 12 with early stopping after 3 epochs without a better
#: validation accuracy.  The BiLSTM's batch is 128 rather than the paper's 64 (fewer
#: sequential steps per epoch on a CPU); topologies and learning rates are the paper's (the
#: fine-tuning rate of the pretrained BiLSTM is halved).  A larger budget is future work.
PRETRAIN = {
    "lstm": T.FitConfig(lr=0.01, batch=32, max_epochs=40, patience=8),
    "cnn": T.FitConfig(lr=0.001, batch=32, max_epochs=25, patience=6),
}
FINETUNE = {
    "lstm": T.FitConfig(lr=0.005, batch=128, max_epochs=12, patience=3),
    "cnn": T.FitConfig(lr=0.001, batch=64, max_epochs=12, patience=3),
}
SCRATCH = {
    "lstm": T.FitConfig(lr=0.01, batch=128, max_epochs=12, patience=3),
    "cnn": T.FitConfig(lr=0.001, batch=64, max_epochs=12, patience=3),
}
NETS = ("lstm", "cnn")
MODELS = ("target_only_lstm", "target_only_cnn", "source_only_lstm", "source_only_cnn", "transfer_lstm", "transfer_cnn", "best_fused")


# --------------------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------------------
def sequences_digest(cs) -> str:
    """sha256 of every sequence's source name and raw acc / gyro: the cache key of the arrays
    made from a loaded Chen set (the same letters give the same key)."""
    h = hashlib.sha256()
    for seq in cs.sequences:
        h.update(seq.source.encode())
        h.update(seq.acc_mg.tobytes())
        h.update(seq.gyr_dps.tobytes())
    return h.hexdigest()


def _images(seq, progress: bool, desc: str):
    from ..pipeline import images

    return images(seq, params=PAPER, progress=progress, desc=desc)


def target(chen_root, representation: str = REPRESENTATION, cache_dir="out/cache", progress: bool = True, writers: list[str] | None = None) -> Arrays:
    """Chen sequences as network inputs; ``group`` is the writer."""
    from ..data.chen2021 import load_chen2021
    from ..chen.represent import cleaned

    cs = load_chen2021(chen_root, writers=writers, progress=progress)
    cache = None
    if cache_dir is not None:
        digest = sequences_digest(cs)
        cache = Path(cache_dir) / f"chen_target_{_key(CACHE_VERSION, representation, digest, asdict(PAPER))}.npz"
        if cache.is_file():
            return Arrays.load(cache)
    it = cs.sequences
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"chen2021 {representation}", unit="seq")
    seq = np.stack([cleaned(s, representation, cs.calibrations.get(s.session)) for s in it]).astype(np.float32)
    out = Arrays(seq, _images(seq, progress, "chen2021 images"), cs.y, cs.writers.astype(str))
    if cache is not None:
        out.save(cache)
    return out


def all_writers(digilets_root) -> list[str]:
    """Every DigiLeTs writer: none of them is a Chen writer, so the whole set is source."""
    from ..data.digilets import list_writer_files, writer_id

    return sorted(writer_id(f) for f in list_writer_files(Path(digilets_root)))


def source(digilets_root, cache_dir="out/cache", progress: bool = True) -> Arrays:
    """All DigiLeTs writers, (x, y) swapped when ``SOURCE_SWAP_XY`` (then re-rasterised)."""
    src = source_arrays(digilets_root, all_writers(digilets_root), cache_dir=cache_dir, progress=progress)
    if not SOURCE_SWAP_XY:
        return src
    cache = Path(cache_dir) / f"chen_source_swap_{_key(CACHE_VERSION, len(src), asdict(PAPER))}.npz" if cache_dir else None
    if cache is not None and cache.is_file():
        return Arrays.load(cache)
    seq = np.ascontiguousarray(src.seq[:, :, ::-1])
    out = Arrays(seq, _images(seq, progress, "swapped source images"), src.y, src.group)
    if cache is not None:
        out.save(cache)
    return out


def pretrained(net: str, digilets_root, cache_dir="out/cache", seed: int = 0, progress: bool = True, quick: bool = False, src: Arrays | None = None):
    """DigiLeTs-pretrained weights of the paper ``net`` on the (swapped) source; cached."""
    cfg = T.quick(PRETRAIN[net], 2) if quick else PRETRAIN[net]
    path = Path(cache_dir) / f"chen_pretrain_{net}_{_key(2, net, asdict(cfg), all_writers(digilets_root), seed, SOURCE_SWAP_XY)}.npz"
    if path.is_file():
        with np.load(path) as z:
            return [z[f"w{i}"] for i in range(len(z.files) - 1)]
    if src is None:
        src = source(digilets_root, cache_dir, progress)
    if quick:
        src = src.take(np.arange(0, len(src), 20))
    model, hist = P.pretrain(P.Setting(f"chen_pretrain_{net}", net, True, False, cfg, cfg), src, seed, progress)
    w = model.get_weights()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{f"w{i}": a for i, a in enumerate(w)}, hist=np.array(json.dumps(hist)))
    return w


# --------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------
def lowo_folds(writers: list[str]) -> list[tuple[str, list[str]]]:
    return [(w, [w]) for w in sorted(writers)]


def subject_pairs(writers: list[str], seed: int = 0) -> list[tuple[str, list[str]]]:
    """The writers shuffled (seeded) and cut into disjoint pairs."""
    ws = sorted(writers)
    if len(ws) % 2:
        raise GloveXferError(f"subject split needs an even number of writers, got {len(ws)}")
    perm = np.random.default_rng(seed).permutation(len(ws))
    pairs = [sorted([ws[perm[2 * i]], ws[perm[2 * i + 1]]]) for i in range(len(ws) // 2)]
    return [("+".join(p), p) for p in pairs]


def random_split(n: int, seed: int = 0, fractions=RANDOM_SPLIT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.random.default_rng(seed).permutation(n)
    n_tr = int(round(fractions[0] * n))
    n_va = int(round(fractions[1] * n))
    return np.sort(idx[:n_tr]), np.sort(idx[n_tr : n_tr + n_va]), np.sort(idx[n_tr + n_va :])


# --------------------------------------------------------------------------------------
# Training and scoring
# --------------------------------------------------------------------------------------
def train_net(net: str, weights, train: Arrays, val: Arrays, cfg: T.FitConfig, seed: int, progress: bool, desc: str):
    model = P.build(net, seed=seed)
    if weights is not None:
        model.set_weights(weights)
    hist = T.fit(model, P.inputs(net, train), train.y, P.inputs(net, val), val.y, cfg, seed, progress, desc)
    return model, hist


def run_fold(train: Arrays, val: Arrays, test: Arrays, weights: dict, seed: int, quick: bool, progress: bool, tag: str) -> dict:
    """Every setting on one fold -> {model name: test probabilities (n, 26)}."""
    out: dict[str, np.ndarray] = {}
    for net in NETS:
        m = P.build(net)
        m.set_weights(weights[net])
        out[f"source_only_{net}"] = P.predict(m, net, test)
        cfg = T.quick(FINETUNE[net], 2) if quick else FINETUNE[net]
        m, _ = train_net(net, weights[net], train, val, cfg, seed, progress, f"{tag} transfer {net}")
        out[f"transfer_{net}"] = P.predict(m, net, test)
        cfg = T.quick(SCRATCH[net], 2) if quick else SCRATCH[net]
        m, _ = train_net(net, None, train, val, cfg, seed, progress, f"{tag} target-only {net}")
        out[f"target_only_{net}"] = P.predict(m, net, test)
    out["best_fused"] = out["transfer_lstm"] + out["transfer_cnn"]
    return out


def _split_val(a: Arrays, seed: int) -> tuple[Arrays, Arrays]:
    tr, va = T.split_validation(len(a), VALIDATION_FRACTION, np.random.default_rng(seed))
    return a.take(tr), a.take(va)


# --------------------------------------------------------------------------------------
# The device signal network: the time-signal network on what the firmware computes
# --------------------------------------------------------------------------------------
DEVICE_SIGNAL_CACHE_VERSION = 1


def device_signal_arrays(chen_root, cache_dir="out/cache", progress: bool = True, writers: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (N, 32, 9) int32 golden ``signals``, y, writer) of every Chen sequence (of
    ``writers``, or all), in ``target``'s order, cached.

    Each sequence goes the firmware's way: ``counts.to_counts`` (32 samples of int16 counts,
    pen axis as sensor x), the golden 6-axis orientation, the golden ``signals`` stage.
    """
    from ..data.chen2021 import load_chen2021
    from ..golden.fixed import derive_fixed_params
    from ..golden.orientation import orientation as golden_orientation
    from ..golden.signals import signals as golden_signals
    from ..chen.counts import to_counts

    cs = load_chen2021(chen_root, writers=writers, progress=progress)
    cache = None
    if cache_dir is not None:
        digest = sequences_digest(cs)
        cache = Path(cache_dir) / f"chen_devsignals_{_key(DEVICE_SIGNAL_CACHE_VERSION, digest)}.npz"
        if cache.is_file():
            with np.load(cache) as z:
                return z["X"], z["y"], z["group"]
    fp = derive_fixed_params()
    it = cs.sequences
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="chen2021 device signals", unit="seq")
    X = []
    for s in it:
        c, _ = to_counts(s, cs.calibrations.get(s.session))
        X.append(golden_signals(c, golden_orientation(c[:, 0:3], c[:, 3:6], None, fp)))
    X = np.stack(X).astype(np.int32)
    y, g = cs.y, cs.writers.astype(str)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, X=X, y=y, group=g)
    return X, y, g


# --------------------------------------------------------------------------------------
# Protocol runs: one result file per fold, resumable, summarised into the metrics file
# --------------------------------------------------------------------------------------
PROTOCOLS = ("lowo", "subject_split", "random_split")
#: Clearer names in the summary than the fold files' keys.
RENAME = {"best_fused": "fused_transfer_lstm_cnn"}
PUBLISHED = {
    "chen2021_lstm": {"random_split": 0.866, "subject_split": 0.536},
    "chen2021_cnn": {"random_split": 0.78, "subject_split": 0.402},
}
#: The device signal network's fold files beside the paper networks' ``<fold>.json``.
DEVICE_SIGNAL = "devsignal"
#: Per-fold files merged into the paper networks' folds by :func:`summarise`: the device
#: signal network's, and the float time-signal network's of experiments/chen2021_best.py.
EXTRA_SUFFIXES = (".signal.json", ".devsignal.json")
#: The float time-signal network's models (experiments/chen2021_best.py, a study): its input
#: is not the firmware's, so no firmware runs them and ``best`` is never one of them.
FLOAT_ONLY = ("signal_cnn", "signal_cnn+transfer_lstm")
REPRODUCE = "TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 glovexfer evaluate --domain chen2021 --protocol lowo subject_split random_split"


def fold_specs(protocol: str, writers: list[str], seed: int) -> list[tuple[str, list[str] | None]]:
    """The folds of ``protocol``: (name, held-out writers; None for the random split)."""
    if protocol == "lowo":
        return lowo_folds(writers)
    if protocol == "subject_split":
        return subject_pairs(writers, seed)
    if protocol == "random_split":
        return [("random", None)]
    raise GloveXferError(f"unknown protocol '{protocol}' ({', '.join(PROTOCOLS)})")


def fold_indices(protocol: str, held, group: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(train, validation, test) indices of one fold; validation is None where the training
    part is split for early stopping by the network's trainer (``VALIDATION_FRACTION``)."""
    if protocol == "random_split":
        return random_split(len(group), seed)
    test_mask = np.isin(group, held)
    return np.flatnonzero(~test_mask), None, np.flatnonzero(test_mask)


def _scores(probs: dict, y: np.ndarray, group: np.ndarray, held) -> dict:
    """{model: accuracy, confusion (and per held-out writer accuracy)} of test probabilities."""
    out = {}
    for m, p in probs.items():
        pred = np.argmax(p, axis=1)
        e = {"accuracy": float(np.mean(pred == y)), "confusion": P.confusion(y, pred).tolist()}
        if held:
            e["per_writer"] = {w: float(np.mean(pred[group == w] == y[group == w])) for w in held}
        out[m] = e
    return out


def _write_fold(path: Path, rec: dict, arrays: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path.with_suffix(".npz"), **arrays)  # the probabilities, for later fusions
    path.write_text(json.dumps(rec))


def _paper_fold(tgt: Arrays, weights: dict, protocol: str, name: str, held, seed: int, k: int, quick: bool, progress: bool) -> dict:
    """Every paper-network setting on one fold; writes nothing, returns the fold record and arrays."""
    tr, va, te = fold_indices(protocol, held, tgt.group, seed)
    if va is None:
        tr_a, va_a = _split_val(tgt.take(tr), seed)
    else:
        tr_a, va_a = tgt.take(tr), tgt.take(va)
    te_a = tgt.take(te)
    t0 = time.time()
    probs = run_fold(tr_a, va_a, te_a, weights, seed + k, quick, progress, f"{protocol} {name}")
    rec = {"protocol": protocol, "fold": name, "held_out": held, "n_test": int(len(te_a)), "n_train": int(len(tr_a)), "n_val": int(len(va_a)),
           "seconds": round(time.time() - t0, 1), "models": _scores(probs, te_a.y, te_a.group, held)}
    return rec, dict(y=te_a.y, group=te_a.group, **probs)


def _device_signal_fold(signals, protocol: str, name: str, held, seed: int, quick: bool, progress: bool, paper_npz: Path) -> tuple[dict, dict]:
    """The device signal network on one fold, and its fusion with the fold's transfer BiLSTM
    (the firmware's ``signal_fused``) when the paper networks' probabilities are there."""
    X, y, g = signals
    tr, va, te = fold_indices(protocol, held, g, seed)
    t0 = time.time()
    probs = {"signal_net": P.train_signal_net(X, y, tr, te, seed, quick, progress, f"{protocol} {name} device signal net", val_idx=va)[0]}
    if paper_npz.is_file():
        with np.load(paper_npz) as z:
            if np.array_equal(z["y"], y[te]):
                probs["signal_net+transfer_lstm"] = probs["signal_net"] + z["transfer_lstm"]
    rec = {"protocol": protocol, "fold": name, "held_out": held, "n_test": int(len(te)), "seconds": round(time.time() - t0, 1),
           "models": _scores(probs, y[te], g[te], held)}
    return rec, dict(y=y[te], **probs)


def fold_plan(protocols, writers: list[str], seed: int = 0, folds: int | None = None, only: list[str] | None = None) -> list[tuple]:
    """The folds to run: (protocol, k, n, name, held-out writers) with k the fold's place in
    its protocol's whole list of n folds. k seeds the fold's training (seed + k), so picking
    folds (``folds``: the first N; ``only``: these names) does not change what a fold computes."""
    todo = []
    for protocol in protocols:
        specs = fold_specs(protocol, writers, seed)
        picked = list(enumerate(specs))[:folds] if folds else list(enumerate(specs))
        if only:
            picked = [sp for sp in picked if sp[1][0] in only]
        todo += [(protocol, k, len(specs), name, held) for k, (name, held) in picked]
    return todo


def run_protocols(chen_root, digilets_root, out: Path, protocols=PROTOCOLS, seed: int = 0, quick: bool = False, progress: bool = True,
                  folds: int | None = None, only: list[str] | None = None, writers: list[str] | None = None, log=print) -> None:
    """Run ``protocols`` fold by fold: every paper-network setting (``run_fold``) into
    ``out/folds/<protocol>/<fold>.json`` (+ ``.npz`` test probabilities), then the device
    signal network and its fusion with the transfer BiLSTM into ``<fold>.devsignal.json``.
    A fold whose file exists is skipped, so an interrupted run resumes where it stopped.
    ``folds``: only the first N folds of each protocol; ``only``: these fold names;
    ``writers``: only these Chen writers (a smaller data set; the folds change with it)."""
    out = Path(out)
    tgt = target(chen_root, progress=progress, writers=writers)
    todo = fold_plan(protocols, sorted(set(tgt.group.tolist())), seed, folds, only)
    weights: dict = {}
    signals = None
    for protocol, k, n, name, held in todo:
        f = out / "folds" / protocol / f"{name}.json"
        if f.is_file():
            log(f"{protocol} {name}: done already ({f})")
        else:
            if not weights:
                src = source(digilets_root, progress=progress)
                for net in NETS:
                    t0 = time.time()
                    weights[net] = pretrained(net, digilets_root, seed=seed, progress=progress, quick=quick, src=src)
                    log(f"pretrained {net} ({time.time() - t0:.0f} s)")
            rec, arrays = _paper_fold(tgt, weights, protocol, name, held, seed, k, quick, progress)
            _write_fold(f, rec, arrays)
            log(f"{protocol} {name} ({k + 1}/{n}, {rec['seconds']:.0f} s): " + ", ".join(f"{m} {100 * v['accuracy']:.1f}" for m, v in rec["models"].items()))
        fs = f.with_name(f"{name}.{DEVICE_SIGNAL}.json")
        if fs.is_file():
            log(f"{protocol} {name} device signal net: done already ({fs})")
            continue
        if signals is None:
            signals = device_signal_arrays(chen_root, progress=progress, writers=writers)
        rec, arrays = _device_signal_fold(signals, protocol, name, held, seed, quick, progress, f.with_suffix(".npz"))
        _write_fold(fs, rec, arrays)
        log(f"{protocol} {name} device signal net ({k + 1}/{n}, {rec['seconds']:.0f} s): " + ", ".join(f"{m} {100 * v['accuracy']:.1f}" for m, v in rec["models"].items()))


def summarise(out: Path) -> dict:
    """The fold files under ``out/folds`` as the metrics file's content: per model name
    ``lowo.mean``, ``lowo.per_writer``, ``subject_split.mean``, ``random_split.mean``, with
    per-fold figures and summed confusion matrices, and ``best``: the model with the highest
    subject-split mean among those measured on all 6 pairs that the firmware can run (not
    ``FLOAT_ONLY``; a fixed rule, applied to the reported folds)."""
    out = Path(out)
    if not any((out / "folds" / p).is_dir() for p in PROTOCOLS):
        raise GloveXferError(f"{out / 'folds'}: no protocol results to summarise (run: glovexfer evaluate --domain chen2021 --protocol ...)")
    res: dict = {
        "note": "accuracies are fractions in [0, 1] on the real IMU-pen recordings of Chen et al. (2021), 12 writers / "
        "15 sessions; representation '" + REPRESENTATION + "' (the device's 6-axis Madgwick + points stage, pen axis as "
        "sensor x); source = all 62 DigiLeTs writers with x and y swapped",
        "published": PUBLISHED,
        "reproduce": REPRODUCE,
        "config": {
            "pretrain": {k: asdict(v) for k, v in PRETRAIN.items()},
            "finetune (transfer)": {k: asdict(v) for k, v in FINETUNE.items()},
            "from scratch (target-only)": {k: asdict(v) for k, v in SCRATCH.items()},
        },
    }
    models: dict = {}
    for protocol in PROTOCOLS:
        d = out / "folds" / protocol
        base = {f.name[: -len(".json")]: _read_fold(f) for f in sorted(d.glob("*.json")) if not f.name.endswith(EXTRA_SUFFIXES)}
        for suffix in EXTRA_SUFFIXES:
            for f in sorted(d.glob("*" + suffix)):
                base.setdefault(f.name[: -len(suffix)], {"fold": f.name[: -len(suffix)], "models": {}})["models"].update(_read_fold(f)["models"])
        if not base:
            continue
        for m in sorted({m for r in base.values() for m in r["models"]}):
            folds = [r for r in base.values() if m in r["models"]]
            accs = {r["fold"]: r["models"][m]["accuracy"] for r in folds}
            conf = np.sum([r["models"][m]["confusion"] for r in folds], axis=0)
            entry = {"mean": float(np.mean(list(accs.values()))), "std": float(np.std(list(accs.values()))), "folds": len(folds), "per_fold": accs, "confusion": conf.tolist()}
            if protocol in ("lowo", "subject_split"):
                entry["per_writer"] = {w: a for r in folds for w, a in r["models"][m]["per_writer"].items()}
            models.setdefault(RENAME.get(m, m), {})[protocol] = entry
    complete = [m for m, v in models.items()
                if m not in FLOAT_ONLY and "subject_split" in v and v["subject_split"]["folds"] == N_PAIRS]
    if complete:
        best = max(complete, key=lambda m: models[m]["subject_split"]["mean"])
        models["best"] = dict(models[best]) | {"is": best}
    res["models"] = sorted(models)
    res.update(models)
    res["fold_seconds"] = {p: float(sum(_read_fold(f)["seconds"] for f in (out / "folds" / p).glob("*.json"))) for p in PROTOCOLS if (out / "folds" / p).is_dir()}
    return res


def _read_fold(path: Path) -> dict:
    from ..files import field, read_json_object

    rec = read_json_object(path, "protocol fold result")
    field(rec, "models", path, (dict,))
    return rec
