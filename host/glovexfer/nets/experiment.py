"""Glue between the CLI and the protocols: load both domains, pretrain once, run protocols,
write JSON.  ``quick=True`` runs the same code paths on a sliver of the data in about a
minute (CI's ``--quick``); its numbers mean nothing and are never written to models/.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.paths import find_dataset
from ..data.recordings import RecordingSet
from ..errors import GloveXferError
from . import protocols as P
from .datasets import Arrays, _key, simulated_source_arrays, source_arrays, target_arrays

QUICK_SOURCE_WRITERS = 6
QUICK_UI_USERS = 2
QUICK_SIM_SOURCE_REPS = 1
#: Pretrained weights are kept here (keyed by setting, data and seed) and reused by later
#: ``evaluate`` and ``train`` runs: "pretrain once, reuse across folds" across commands too.
PRETRAINED_CACHE = Path("out/pretrained")
#: Each finished protocol fold's predictions are kept here, so an interrupted ``evaluate``
#: resumes where it stopped (``protocols.cached_fold``); quick runs never use it.
FOLD_CACHE = Path("out/folds")


@dataclass
class Domains:
    source: Arrays
    target: Arrays
    target_meta: dict
    digilets_root: Path | None = None
    source_writers: tuple = ()
    quick: bool = False
    progress: bool = True

    def source_for(self, setting: P.Setting) -> Arrays:
        """The pretraining set of ``setting``: DigiLeTs source letters, plus the simulated
        glove recordings of the same writers when the setting asks for them."""
        if not setting.sim_source_reps:
            return self.source
        reps = QUICK_SIM_SOURCE_REPS if self.quick else setting.sim_source_reps
        sim = simulated_source_arrays(self.digilets_root, list(self.source_writers), reps, P.SIM_SOURCE_SEED, progress=self.progress)
        return Arrays.concat([self.source, sim])


def load_target(target_path: str | None, digilets: str | None, seed: int = 0) -> RecordingSet:
    """A glove data set from a file, or the paper-like simulated set (16 x 10 x 10, seed 0)."""
    if target_path:
        return RecordingSet.load(target_path)
    from ..simulate import simulate_dataset

    return simulate_dataset(find_dataset("digilets", digilets), seed=seed, progress=True)


def load_domains(target_path: str | None, digilets: str | None, quick: bool, progress: bool = True, device: bool = False) -> Domains:
    """Source and target sets; ``device=True`` also runs the golden fixed-point pipeline on the
    target recordings (needed by ``run(..., int8=True)``)."""
    rs = load_target(target_path, digilets)
    split = rs.meta.get("writer_split", {})
    source_writers = list(split.get("source", []))
    if not source_writers:
        raise GloveXferError(
            f"{target_path or 'the target set'} records no writer split (meta.writer_split.source): "
            "cannot choose pretraining writers that are kept apart from the target users"
        )
    overlap = set(source_writers) & {v.get("writer") for v in rs.meta.get("users", {}).values()}
    if overlap:
        raise GloveXferError(f"source writers {sorted(overlap)} are also target users: the split is broken")
    if quick:
        source_writers = source_writers[:QUICK_SOURCE_WRITERS]
    root = find_dataset("digilets", digilets)
    return Domains(
        source_arrays(root, source_writers, progress=progress),
        target_arrays(rs, progress=progress, device=device),
        rs.meta,
        root,
        tuple(sorted(source_writers)),
        quick,
        progress,
    )


def pretrained_weights(setting: P.Setting, dom: Domains, seed: int = 0, progress: bool = True, cache: Path | None = PRETRAINED_CACHE):
    """Pretrain ``setting`` (a single-network setting) on its source set, or load the weights
    of an identical earlier pretraining from ``cache``.  Returns ``(weights, history)``."""
    src = dom.source_for(setting)
    # the key holds what decides the weights (not the setting's name: paper_lstm and
    # source_only_lstm share one pretraining)
    key = _key(setting.kind, setting.pretrain_cfg, setting.sim_source_reps, dom.source_writers, dom.quick, seed, len(src))
    path = None if cache is None else Path(cache) / f"{setting.kind}_{key}.npz"
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as z:
            weights = [z[f"w{i}"] for i in range(int(z["n"]))]
            hist = json.loads(str(z["history"]))
        return weights, hist | {"reused": str(path)}
    model, hist = P.pretrain(setting, src, seed, progress)
    hist = hist | {"source_size": len(src)}
    weights = model.get_weights()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, n=len(weights), history=json.dumps(hist), **{f"w{i}": w for i, w in enumerate(weights)})
    return weights, hist


def run(name: str, protocol: str, dom: Domains, quick: bool, seed: int = 0, progress: bool = True, int8: bool = False,
        calibrate: tuple = (), users: list[str] | None = None) -> dict:
    """Pretrain (if the setting does) and run ``ud``, ``ui`` or ``both``; returns the figures.
    ``int8=True`` also scores every fold's networks on the device path (``protocols``).
    ``calibrate=(K, ...)``: the ui protocol's device path with the wearer's few-shot
    calibration too, as ``ui_cal<K>``; ``users``: the ui protocol's held-out users (default all)."""
    if name not in P.SETTINGS:
        raise GloveXferError(f"unknown model '{name}'; choose one of {', '.join(P.SETTINGS)}")
    setting = P.SETTINGS[name]
    everyone = sorted(set(dom.target.group.tolist()))
    unknown = sorted(set(users or ()) - set(everyone))
    if unknown:
        raise GloveXferError(f"--users {' '.join(unknown)}: no such user in the target set ({', '.join(everyone)})")
    if quick:
        setting = P.quick_setting(setting)
    out: dict = {"model": name, "quick": quick, "seed": seed, "kind": setting.kind, "int8": int8}
    t0 = time.time()
    weights = None
    if setting.pretrain:
        weights, hists = {}, {}
        for part in P.members(setting):
            weights[part.name], hists[part.name] = pretrained_weights(part, dom, seed, progress)
        if not setting.parts:
            weights, hists = weights[setting.name], hists[setting.name]
        out["pretrain"] = hists
    if protocol in ("ud", "both"):
        kw = dict(splits=1, repeats=1) if quick else {}
        out["ud"] = P.user_dependent(setting, weights, dom.target, seed=seed, progress=progress, cache=None if quick else FOLD_CACHE, int8=int8, **kw)
    if protocol in ("ui", "both"):
        chosen = users or (everyone[:QUICK_UI_USERS] if quick else None)
        out["ui"] = P.user_independent(setting, weights, dom.target, seed=seed, users=chosen, progress=progress, cache=None if quick else FOLD_CACHE,
                                       int8=int8, calibrate=tuple(calibrate))
        for k, figures in out["ui"].pop("calibrated", {}).items():
            out[f"ui_cal{k}"] = figures
    out["seconds"] = round(time.time() - t0, 1)
    out["target"] = {"size": len(dom.target), "simulated": bool(dom.target_meta.get("simulated", False))}
    return out


def named_figures(res: dict, proto: str) -> list[tuple[str, dict]]:
    """``[(name, figures)]`` of one protocol of a ``run`` result: the setting's own, then each
    member's of a fused setting (its ``parts``)."""
    return [(res["model"], res[proto]), *res[proto].get("parts", {}).items()]


def summary(res: dict) -> str:
    lines = [f"{res['model']}{' (quick: numbers are meaningless)' if res['quick'] else ''}, {res['seconds']} s"]
    if "ud" in res:
        lines.append(f"  user-dependent   {100 * res['ud']['mean']:.2f} % ± {100 * res['ud']['std']:.2f} ({len(res['ud']['runs'])} runs)")
    if "ui" in res:
        per = ", ".join(f"{u} {100 * a:.0f}" for u, a in res["ui"]["per_user"].items())
        lines.append(f"  user-independent {100 * res['ui']['mean']:.2f} %  per user: {per}")
    for proto, label in (("ud", "user-dependent"), ("ui", "user-independent")):
        for name, r in res.get(proto, {}).get("parts", {}).items():
            lines.append(f"    {name:<14} {label} {100 * r['mean']:.2f} %")
    for key in sorted(k for k in res if k.startswith("ui_cal")):
        c = res[key]
        lines.append(f"  int8 device path, calibrated with {key[len('ui_cal'):]} per letter (users {', '.join(c['users'])}): "
                     f"{100 * c['mean']:.2f} % (uncalibrated {100 * c['uncalibrated']['mean']:.2f} %, without guard 2 "
                     f"{100 * c['unguarded']['mean']:.2f} %, uncalibrated among the calibrated letters only "
                     f"{100 * c['uncalibrated_calibrated_letters_only']['mean']:.2f} %, on the same test recordings)")
    for proto, label in (("ud", "user-dependent"), ("ui", "user-independent")):
        if proto not in res:
            continue
        for name, r in named_figures(res, proto):
            if "int8" in r:
                i8 = r["int8"]
                lines.append(f"  int8 device path {name:<14} {label} {100 * i8['mean']:.2f} % (float {100 * r['mean']:.2f} %), "
                             f"argmax agreement {100 * i8['agreement_with_float']:.2f} % ({i8['disagreements']} of {i8['compared']} differ)")
    return "\n".join(lines)


def write_json(res: dict, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(res, indent=1, default=lambda o: o.tolist() if isinstance(o, np.ndarray) else str(o)))
    return p
