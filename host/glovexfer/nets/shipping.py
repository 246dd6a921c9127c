"""Shipped models of every data domain: the folder layout, its writers and readers, and scoring.

``glovexfer train`` writes them, ``glovexfer export`` adds their int8 files,
``glovexfer evaluate`` loads them back.  Each domain has its models folder
(``files.domain_dir``: models/glove/, :data:`MODELS_DIR`; models/chen2021/) and its own data
and protocols (the glove domain's in :func:`train_model` here, the real pen domain's in
:mod:`glovexfer.nets.chen2021_shipping`); the folders are the same in both::

    <domain>/<name>/model.h5          the shipped network (:func:`write_model`)
    <domain>/<name>/metrics.json      what it was trained on, its training histories, its
                                      protocol figures and the command that reproduces it
    <domain>/<name>/model_int8.tflite its full-int8 network and ``int8.json`` (its SHA-256,
                                      ops, quantisation, representative set;
                                      :func:`write_int8`), added by ``glovexfer export``

A fused model is a folder with only ``metrics.json`` (:func:`write_fused`), whose
``members`` name the single-network folders beside it that it averages.  The source
pretraining stays in out/ (``experiment.pretrained_weights``, ``chen2021.pretrained``), where
the protocol runs and ``train`` share it; only ``best_lstm`` and ``best_cnn`` also ship theirs
(``models/glove/<name>/pretrained.h5``, :data:`PRETRAINED_SHIPPED`): the recogniser of
continuous writing (``glovexfer train --model writing``, ``nets.writing_models``) starts from
it.  ``models/glove/metrics.json`` collects every glove model's protocol figures (``ud.mean``,
``ud.std``, ``ui.mean``, ``ui.per_user``, and ``ui_cal<K>`` from ``evaluate --calibrate K``;
fractions in [0, 1]); ``models/chen2021/metrics.json``
is the Chen protocols' summary (``glovexfer evaluate --domain chen2021``).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, GloveXferError
from ..files import domain_dir, moved_models_hint
from ..params import LETTERS
from . import protocols as P

#: The shipped glove models (models/glove/; the repository's, next to host/).
MODELS_DIR = domain_dir("glove")
MODEL_FILE = "model.h5"
METRICS_FILE = "metrics.json"
PRETRAINED_FILE = "pretrained.h5"
#: The models whose source pretraining ships (``train --model writing`` starts from it).
PRETRAINED_SHIPPED = ("best_lstm", "best_cnn")
#: Models ``glovexfer train --model all`` ships, in training order.
SHIPPED = ("paper_lstm", "paper_cnn", "best_lstm", "best_cnn", "best", "target_only_lstm", "source_only_lstm")


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    return str(o)


def write_json(obj, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, default=_jsonable) + "\n")
    return path


def protocol_figures(evaluate_json: dict) -> dict:
    """The headline figures of one ``evaluate`` result (one model), fractions in [0, 1]."""
    out: dict = {}
    if "ud" in evaluate_json:
        ud = evaluate_json["ud"]
        out["ud"] = {"mean": ud["mean"], "std": ud["std"], "runs": len(ud["runs"])}
    if "ui" in evaluate_json:
        ui = evaluate_json["ui"]
        out["ui"] = {"mean": ui["mean"], "std": ui["std"], "per_user": ui["per_user"]}
    for key in sorted(k for k in evaluate_json if k.startswith("ui_cal")):
        c = evaluate_json[key]
        out[key] = {"spec": c.get("spec", 1), "mean": c["mean"], "per_user": c["per_user"], "uncalibrated": c["uncalibrated"]["mean"],
                    "users": c["users"]}
    return out


def read_evaluations(paths) -> dict:
    """``{model name: evaluate result}`` from ``glovexfer evaluate --json`` files; a fused
    result also yields its members' figures (``parts``) under their own names."""
    found: dict = {}
    for p in paths:
        data = json.loads(Path(p).read_text())
        for res in data if isinstance(data, list) else [data]:
            if res.get("quick"):
                raise GloveXferError(f"{p}: '{res.get('model')}' is a --quick result; its numbers mean nothing")
            # one model's protocols may come from separate runs (--protocol ud / ui)
            found[res["model"]] = found.get(res["model"], {}) | res
            for proto in ("ud", "ui"):
                for name, part in res.get(proto, {}).get("parts", {}).items():
                    found.setdefault(name, {"model": name, "from": res["model"]})[proto] = part
    return found


def reproduce_command(name: str) -> str:
    """The commands that remake a shipped model and its figures (a fused setting's members
    get their figures from the fused run, which trains them in the same folds)."""
    run = next((s.name for s in P.SETTINGS.values() if any(p.name == name for p in s.parts)), name)
    return (
        f"glovexfer evaluate --model {run} --json out/runs/{run}.json && "
        f"glovexfer train --model {name} --metrics out/runs/{run}.json"
    )


def train_model(name: str, dom, out_dir: Path = MODELS_DIR, seed: int = 0, progress: bool = True, evaluation: dict | None = None) -> Path:
    """Train the shipped model ``name`` on the whole target set and write its folder.

    Pretraining is the protocol runs' (``experiment.pretrained_weights``, reused from
    out/pretrained when ``evaluate`` already did it); fine-tuning uses the setting's own
    configuration on every target user, 10 % held out for early stopping.
    """
    from . import experiment as E

    if name not in P.SETTINGS:
        raise GloveXferError(f"unknown model '{name}'; choose one of {', '.join(P.SETTINGS)}")
    setting = P.SETTINGS[name]
    folder = Path(out_dir) / name
    t0 = time.time()
    meta: dict = {
        "model": name,
        "kind": setting.kind,
        "simulated_target": bool(dom.target_meta.get("simulated", False)),
        "target": {
            "recordings": len(dom.target),
            "users": sorted(set(dom.target.group.tolist())),
            "writers": sorted({str(v.get("writer")) for v in dom.target_meta.get("users", {}).values()}),
        },
        "source_writers": list(dom.source_writers),
        "seed": seed,
        "reproduce": reproduce_command(name),
    }
    if evaluation:
        meta |= protocol_figures(evaluation)
    if setting.parts:
        meta["members"] = [p.name for p in setting.parts]
        meta["fusion"] = "mean of the members' softmax probabilities (device: sum of their int8 softmax outputs)"
        return write_fused(folder, meta)
    weights = None
    if setting.pretrain:
        weights, hist = E.pretrained_weights(setting, dom, seed, progress)
        meta["pretrain"] = {k: v for k, v in hist.items() if k != "reused"}
        meta["pretrain"]["config"] = setting.pretrain_cfg
        meta["pretrain"]["sim_source_reps"] = setting.sim_source_reps
        if name in PRETRAINED_SHIPPED:
            folder.mkdir(parents=True, exist_ok=True)
            pre = P.build(setting.kind)
            pre.set_weights(weights)
            pre.save(folder / PRETRAINED_FILE)
    model = P.finetune(setting, weights, dom.target, seed=seed, progress=progress)
    if setting.finetune:
        meta["finetune"] = dict(model.glovexfer_history or {}) | {"config": setting.finetune_cfg, "recordings": len(dom.target)}
    return write_model(folder, model, meta, t0)


def write_model(folder: Path, model, meta: dict, t0: float) -> Path:
    """A single-network model folder: ``model.h5`` and ``metrics.json`` (``meta`` with the
    network's ``parameters`` and the ``train_seconds`` since ``t0``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / MODEL_FILE, include_optimizer=False)  # no optimiser state: 3x smaller
    meta["parameters"] = int(model.count_params())
    meta["train_seconds"] = round(time.time() - t0, 1)
    write_json(meta, folder / METRICS_FILE)
    return folder


def write_fused(folder: Path, meta: dict) -> Path:
    """A fused model folder: only ``metrics.json``, whose ``members`` must be single-network
    model folders beside it (trained first)."""
    folder = Path(folder)
    for member in meta["members"]:
        if not (folder.parent / member / MODEL_FILE).is_file():
            raise GloveXferError(f"'{meta['model']}' fuses {member}, which is not in {folder.parent}: train it first")
    write_json(meta, folder / METRICS_FILE)
    return folder


def attach_metrics(name: str, evaluation: dict, out_dir: Path = MODELS_DIR) -> Path:
    """Put the protocol figures of ``evaluation`` into an already shipped model's metrics.json
    (the model files stay as they are)."""
    path = Path(out_dir) / name / METRICS_FILE
    if not path.is_file():
        raise GloveXferError(f"{path}: no shipped model '{name}' to attach figures to (train it first)")
    meta = json.loads(path.read_text())
    meta.update(protocol_figures(evaluation))
    return write_json(meta, path)


def update_summary(out_dir: Path = MODELS_DIR) -> Path:
    """``models/glove/metrics.json``: every shipped model's protocol figures, from its metrics.json."""
    summary: dict = {
        "note": "accuracies are fractions in [0, 1] on SIMULATED glove recordings (glovexfer simulate, "
        "16 users x 10 letters x 10, seed 0) made from DigiLeTs writers; the paper's were a real glove",
        "models": {},
    }
    for m in sorted(Path(out_dir).glob(f"*/{METRICS_FILE}")):
        d = json.loads(m.read_text())
        entry = {k: d[k] for k in d if k in ("ud", "ui") or k.startswith("ui_cal")}
        if entry:
            summary["models"][d["model"]] = entry | {"reproduce": d.get("reproduce", "")}
    summary.update(summary.pop("models"))
    return write_json(summary, Path(out_dir) / METRICS_FILE)


# ------------------------------------------------------------------------------- loading
def model_folder(name_or_path: str, models_dir: "Path | list[Path]" = MODELS_DIR) -> Path:
    """The folder of a shipped model: ``name_or_path`` itself when it is a folder, else the
    first of ``models_dir`` (one models folder or a list of them) that holds that name."""
    p = Path(name_or_path)
    if p.is_dir():
        folders = [p]
    else:
        dirs = [Path(d) for d in (models_dir if isinstance(models_dir, (list, tuple)) else [models_dir])]
        folders = [d / name_or_path for d in dirs]
    for folder in folders:
        if (folder / METRICS_FILE).is_file():
            return folder
    known = sorted({m.parent.name for f in folders for m in f.parent.glob(f"*/{METRICS_FILE}")})
    looked = ", ".join(f"{f / METRICS_FILE}{moved_models_hint(f)}" for f in folders)
    raise GloveXferError(f"no shipped model '{name_or_path}' (looked for {looked}; shipped: {', '.join(known) or 'none'})")


def read_meta(folder: Path, single: bool = False) -> dict:
    """A model folder's ``metrics.json``, checked: a JSON object naming the ``model`` and
    either its network ``kind`` or (a fused model; not with ``single``) its ``members``."""
    from ..files import field, read_json_object

    path = Path(folder) / METRICS_FILE
    meta = read_json_object(path, "model metrics")
    field(meta, "model", path)
    if "members" in meta and not single:
        members = field(meta, "members", path, (list,))
        if not members or not all(isinstance(m, str) and m and "/" not in m for m in members):
            raise DataFormatError(path, "must be a non-empty list of model folder names", field="members")
    else:
        field(meta, "kind", path, choices=KINDS)
    return meta


class ShippedModel:
    """A shipped model (single network or fused) that maps pipeline arrays to probabilities."""

    def __init__(self, name_or_path: str, models_dir: Path = MODELS_DIR):
        self.folder = model_folder(name_or_path, models_dir)
        self.meta = read_meta(self.folder)
        self.name = self.meta["model"]
        names = self.meta.get("members") or [None]
        self.members = []
        for member in names:
            f = self.folder if member is None else model_folder(member, self.folder.parent)
            path = f / MODEL_FILE
            if not path.is_file():
                raise GloveXferError(f"{path} is missing (run: glovexfer train --model {f.name})")
            meta = read_meta(f, single=True)
            self.members.append((meta["kind"], load_keras(path)))
            if meta["kind"] == "signal":
                if "signal_norm" not in meta:
                    raise GloveXferError(f"{f / METRICS_FILE}: a signal network needs its 'signal_norm' (mean, std)")
                self.signal_norm = (np.asarray(meta["signal_norm"]["mean"]), np.asarray(meta["signal_norm"]["std"]))

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.members]

    def inputs_of(self, kind: str, arrays):
        """What this model's member of ``kind`` reads from ``arrays`` (a signal network's
        input standardised with its ``signal_norm``)."""
        from .datasets import standardise_signals

        x = P.inputs(kind, arrays)
        return standardise_signals(x, *self.signal_norm) if kind == "signal" else x

    def predict(self, arrays) -> np.ndarray:
        """Mean class probabilities (N, 26) of the member networks."""
        from .train import predict_proba

        return np.mean([predict_proba(m, self.inputs_of(kind, arrays)) for kind, m in self.members], axis=0)


def training_writers(meta: dict) -> set[str]:
    """Writers a shipped model saw in training: DigiLeTs source and target writers, and the
    Chen et al. (2021) writers of a real-data model (``glovexfer.nets.chen2021_shipping``)."""
    return (
        set(meta.get("source_writers", []))
        | set(meta.get("target", {}).get("writers", []))
        | set(meta.get("chen2021", {}).get("train_writers", []))
    )


def score(model: ShippedModel, arrays, writers=None, pred=None) -> dict:
    """Accuracy, per-user accuracy and confusion matrix of ``model`` on pipeline ``arrays``.

    ``writers`` (per recording, e.g. a simulated set's ``extras['writer']``) lets the result
    say how many test recordings come from writers the model was trained on.  ``pred``:
    the float predictions when the caller already has them.
    """
    pred = np.argmax(model.predict(arrays), axis=1) if pred is None else np.asarray(pred)
    ok = pred == arrays.y
    per_user = {u: float(np.mean(ok[arrays.group == u])) for u in sorted(set(arrays.group.tolist()))}
    out = {
        "model": model.name,
        "accuracy": float(np.mean(ok)),
        "n": int(len(ok)),
        "per_user": per_user,
        "confusion": P.confusion(arrays.y, pred).tolist(),
        "letters": LETTERS,
    }
    if writers is not None:
        seen = np.isin(np.asarray(writers).astype(str), sorted(training_writers(model.meta)))
        out["recordings_from_training_writers"] = int(seen.sum())
        if seen.any() and not seen.all():
            out["accuracy_unseen_writers"] = float(np.mean(ok[~seen]))
    return out


# ------------------------------------------------------------------ int8 device pipeline
def int8_networks(model: "ShippedModel | Path") -> dict:
    """``{kind: Int8Network}`` (kinds 'lstm', 'cnn', 'signal') of a shipped model's exported
    int8 files (``model``: a :class:`ShippedModel` or its folder)."""
    folder = model.folder if isinstance(model, ShippedModel) else Path(model)
    members = read_meta(folder).get("members")
    folders = [model_folder(m, folder.parent) for m in members] if members else [folder]
    nets = {}
    for f in folders:
        kind = read_meta(f, single=True)["kind"]
        nets[kind] = load_int8(f, kind)  # refused unless its bytes match int8.json's SHA-256
    return nets


#: Recordings per batched golden run in :func:`score_int8`.
SCORE_CHUNK = 512


def score_int8(model: ShippedModel, recset, float_pred: np.ndarray, progress: bool = True, arrays=None) -> dict:
    """The device path on every recording: golden fixed-point pipeline + golden int8
    network(s) (+ the integer fusion for a fused model), bit-exact with the firmware.
    Returns its accuracy and its argmax agreement with the float pipeline + float model;
    for a fused model and given the float pipeline's ``arrays``, each member's too."""
    from ..golden.recognise import MODEL_NETS, default_model, fuse_batch, recognise_batch

    nets = int8_networks(model)
    need = MODEL_NETS[default_model(nets)]  # fused: LSTM + signal (chen_best) or LSTM + CNN
    starts = range(0, len(recset), SCORE_CHUNK)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc=f"int8 device pipeline ({model.name}, {SCORE_CHUNK} per step)", unit="step")
    pred = np.empty(len(recset), dtype=np.int64)
    member_pred = {k: np.empty(len(recset), dtype=np.int64) for k in nets}
    for k0 in starts:
        sl = slice(k0, k0 + SCORE_CHUNK)
        r = recognise_batch(recset.counts[sl], net_lstm=nets.get("lstm"), net_cnn=nets.get("cnn"), net_signal=nets.get("signal"), sensor=recset.sensor)
        for k in nets:
            member_pred[k][sl] = getattr(r, k).index
        out = [getattr(r, k) for k in need]
        pred[sl] = (fuse_batch(*out) if len(out) == 2 else out[0]).index
    y = recset.y
    per_user = {u: float(np.mean((pred == y)[recset.users == u])) for u in sorted(set(recset.users.tolist()))}
    out = {
        "accuracy": float(np.mean(pred == y)),
        "per_user": per_user,
        "agreement_with_float": float(np.mean(pred == float_pred)),
        "disagreements": int(np.sum(pred != float_pred)),
        "confusion": P.confusion(y, pred).tolist(),
    }
    if len(nets) > 1 and arrays is not None:
        # each member alone: int8 (from the same golden runs) vs its float network
        from .train import predict_proba

        out["members"] = {}
        for kind, m in model.members:
            fp = np.argmax(predict_proba(m, model.inputs_of(kind, arrays)), axis=1)
            mp = member_pred[kind]
            out["members"][kind] = {
                "float_accuracy": float(np.mean(fp == y)),
                "int8_accuracy": float(np.mean(mp == y)),
                "agreement_with_float": float(np.mean(mp == fp)),
            }
    return out


# ------------------------------------------------------------------ shipped int8 files
INT8_TFLITE = "model_int8.tflite"
INT8_INFO = "int8.json"
#: Network kinds a single-network model folder can hold.
KINDS = ("lstm", "cnn", "signal")


def int8_info(name: str, kind: str, blob: bytes, net, representative: dict) -> dict:
    """``int8.json`` of the int8 network ``blob`` (``net``: it parsed by the golden model):
    its SHA-256, size, ops, input and output quantisation, and ``representative``, where its
    calibration examples come from."""
    from .tflite import op_names

    return {
        "model": name,
        "kind": kind,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "bytes": len(blob),
        "ops": op_names(blob),
        "input": {"scale": float(net.input_scale), "zero_point": int(net.input_zero_point)},
        "output": {"scale": float(net.output_scale), "zero_point": int(net.output_zero_point), "is": "logits"},
        "representative": representative,
    }


def write_int8(folder, blob: bytes, info: dict) -> Path:
    """A model folder's int8 network: ``model_int8.tflite`` and ``int8.json`` (``info``, with
    the SHA-256 :func:`read_int8` checks); returns the .tflite."""
    out = Path(folder) / INT8_TFLITE
    out.write_bytes(blob)
    write_json(info, out.parent / INT8_INFO)
    return out


def parse_int8(blob: bytes, source, kind: str | None = None):
    """``blob`` as the golden model's :class:`~glovexfer.golden.network.Int8Network`,
    refused with an error naming ``source`` when it is no int8 .tflite the golden model runs
    (truncated, float, unsupported ops) or, given ``kind``, a network of another kind."""
    from ..golden.network import load_int8_model
    from ..golden.recognise import model_kind

    try:
        net = load_int8_model(blob)
        got = model_kind(net.input_shape)
    except Exception as e:  # the flatbuffer parser fails in many ways on a damaged file
        raise GloveXferError(f"{source}: not an int8 .tflite model the golden model runs ({type(e).__name__}: {e})") from None
    if kind is not None and got != kind:
        raise GloveXferError(f"{source}: a {got} network (input shape {tuple(net.input_shape)}) where a {kind} network belongs")
    return net


def read_int8(folder, kind: str | None = None) -> tuple[bytes, dict]:
    """``(bytes, int8.json)`` of a model folder's exported int8 network, refused unless the
    bytes match the SHA-256 recorded in ``int8.json`` and (given ``kind``) the recorded kind
    is ``kind``."""
    from ..files import check_digest, field, read_json_object

    folder = Path(folder)
    tfl = folder / INT8_TFLITE
    if not tfl.is_file():
        raise GloveXferError(f"{tfl} is missing (run: glovexfer export --model {folder.name})")
    info_path = folder / INT8_INFO
    info = read_json_object(info_path, "int8 model information")
    recorded = field(info, "kind", info_path, choices=KINDS)
    if kind is not None and recorded != kind:
        raise DataFormatError(info_path, f"a {recorded} model where a {kind} model belongs", field="kind")
    blob = tfl.read_bytes()
    check_digest(blob, field(info, "sha256", info_path), tfl, info_path)
    return blob, info


def read_tflite(path) -> bytes:
    """A .tflite file named on the command line; a shipped model (``model_int8.tflite``
    beside its ``int8.json``) is refused unless its bytes match the SHA-256 recorded there."""
    p = Path(path)
    if not p.is_file():
        raise GloveXferError(f"{p}: no such model file")
    if p.name == INT8_TFLITE and (p.parent / INT8_INFO).is_file():
        return read_int8(p.parent)[0]
    return p.read_bytes()


def load_int8(folder, kind: str | None = None):
    """:func:`read_int8`, parsed and checked by :func:`parse_int8`: the network the host runs."""
    blob, info = read_int8(folder, kind)
    return parse_int8(blob, Path(folder) / INT8_TFLITE, info["kind"])


def load_keras(h5: Path):
    """A shipped tf_keras network from its HDF5 file (a truncated or foreign file is an error
    naming it)."""
    from ..nets.models import keras

    if not h5.is_file():
        raise GloveXferError(f"{h5}: no trained model (run: glovexfer train --model {h5.parent.name})")
    try:
        return keras.models.load_model(h5, compile=False)
    except Exception as e:  # h5py/keras raise OSError, ValueError, KeyError ... on a damaged file
        raise GloveXferError(f"{h5}: cannot load the Keras model ({type(e).__name__}: {e})") from None
