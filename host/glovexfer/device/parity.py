"""Parity suite: every intermediate the device reports for a replayed recording against
the golden model (``run_golden`` + ``recognise`` + ``fuse``).  A device that carries the signal
network too (its banner names a ``signal=`` model) is compared on the ``signals`` stage, the
signal network's input/logits/probabilities and ``fused_signal`` (LSTM + signal) as well.

``glovexfer parity --device native|PORT [--vectors DIR] [--n N]``: N simulated recordings
(``simulate.recordings.simulated_recordings``) and/or the recordings of golden vector files
(``export.vectors.write_vectors``) are sent with ``replay``; the first differing stage,
index and both values are reported; exit status 0 only on zero mismatches.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from ..golden.sensorcal import apply as apply_sensorcal
from .protocol import letter_of, stage_of
from .sensorcal import read_calibration

_SHA = re.compile(r"tflite-sha256:([0-9a-f]+)")


def find_tflite(version_or_source, search_dirs) -> Path:
    """The .tflite whose sha256 prefix is in a model version string (or in the version line
    of a generated ``gx_model_*.cpp`` path) among ``search_dirs`` (recursively)."""
    text = str(version_or_source)
    p = Path(text)
    if len(text) < 4096 and p.suffix == ".cpp" and p.is_file():
        text = p.read_text(errors="replace")[:2000]
    m = _SHA.search(text)
    if m is None:
        raise GloveXferError(f"no tflite-sha256 in the model version {text[:120]!r}")
    want = m.group(1)
    seen = 0
    for d in search_dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for f in sorted(d.rglob("*.tflite")):
            seen += 1
            if hashlib.sha256(f.read_bytes()).hexdigest().startswith(want):
                return f
    raise GloveXferError(
        f"no .tflite with sha256 {want}... in {', '.join(str(d) for d in search_dirs)} ({seen} .tflite files "
        "looked at): parity needs the exact model the device runs (--models DIR)"
    )


@dataclass
class ParityReport:
    recordings: int = 0
    values: int = 0
    mismatches: int = 0
    per_stage: dict = field(default_factory=dict)
    first: str | None = None
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatches == 0 and not self.errors and self.recordings > 0


def golden_expected(counts, net_lstm, net_cnn, net_signal=None) -> dict:
    """name -> expected values (1-D int64 arrays) and RESULT tuples of one recording.

    With ``net_signal`` also the ``signals`` stage and, for a whole recording of
    ``SAMPLES_PER_LETTER`` samples (the network's input length; the device runs it on those
    only), the signal network and ``fused_signal``.  The per-recording reference of
    :func:`golden_expected_batch`."""
    from ..golden.pipeline import run_golden
    from ..golden.recognise import Result, recognise, run_network
    from ..params import SAMPLES_PER_LETTER

    c = np.asarray(counts)
    if net_signal is not None and c.shape[0] == SAMPLES_PER_LETTER:
        r = recognise(c, net_lstm, net_cnn, net_signal)
    elif net_signal is not None:  # signals stage only
        st = run_golden(c, with_image=True, with_signals=True)
        r = Result(stages=st, lstm=run_network(st, net_lstm), cnn=run_network(st, net_cnn))
    else:
        r = recognise(c, net_lstm, net_cnn)
    return _expected(r, net_signal is not None)


def golden_expected_batch(recordings, net_lstm, net_cnn, net_signal=None) -> list[dict]:
    """:func:`golden_expected` of every recording in ``recordings`` (a list of (n, 9) counts),
    computed by the batched golden model (recordings of one length together)."""
    from ..golden.pipeline import run_golden_batch
    from ..golden.recognise import ResultBatch, recognise_batch, run_network_batch
    from ..params import SAMPLES_PER_LETTER

    out: list = [None] * len(recordings)
    by_len: dict = {}
    for i, c in enumerate(recordings):
        by_len.setdefault(np.asarray(c).shape, []).append(i)
    for shape, idx in by_len.items():
        c = np.stack([np.asarray(recordings[i]) for i in idx])
        if net_signal is not None and shape[0] == SAMPLES_PER_LETTER:
            rb = recognise_batch(c, net_lstm, net_cnn, net_signal)
        elif net_signal is not None:  # signals stage only
            st = run_golden_batch(c, with_image=True, with_signals=True)
            rb = ResultBatch(st, run_network_batch(st, net_lstm), run_network_batch(st, net_cnn))
        else:
            rb = recognise_batch(c, net_lstm, net_cnn)
        for k, i in enumerate(idx):
            out[i] = _expected(rb.at(k), net_signal is not None)
    return out


def _expected(r, with_signals: bool) -> dict:
    """The stages and RESULT tuples of one ``golden.recognise.Result``."""
    s = r.stages
    exp = {
        "quaternions": s.quaternions, "euler": s.euler, "points": s.points, "normalised": s.normalised,
        "smoothed": s.smoothed, "thin_keep": s.thin_keep, "thinned": s.thinned, "resampled": s.resampled,
        "image": s.image,
    }
    if with_signals:
        exp["signals"] = s.signals
    res = {}
    for kind, o in (("lstm", r.lstm), ("cnn", r.cnn), ("signal", r.signal)):
        if o is None:
            continue
        exp[f"{kind}.input"] = o.x_int8
        exp[f"{kind}.logits"] = o.logits
        exp[f"{kind}.probs"] = o.probs_q8
        res[kind] = (o.letter, o.confidence_q8, [(t[0], t[2]) for t in o.top3], o.margin)
    for kind, f in (("fused", r.fused), ("fused_signal", r.fused_signal)):
        if f is None:
            continue
        exp[f"{kind}.scores"] = f.scores
        res[kind] = (f.letter, f.confidence_q8, [(t[0], t[2]) for t in f.top3], None)
    return {"stages": {k: np.asarray(v, dtype=np.int64).reshape(-1) for k, v in exp.items()}, "results": res}


def compare_answer(answer, expected, report: ParityReport, label: str) -> None:
    """Compare one replay answer (list of Messages) with :func:`golden_expected`."""
    want = dict(expected["stages"])
    results = dict(expected["results"])
    for m in answer:
        if m.kind == "ERR":
            report.errors.append(f"{label}: device error {m.args[0]}: {m.args[1]}")
            return
        if m.kind == "STAGE":
            st = stage_of(m)
            if st.name not in want:
                report.errors.append(f"{label}: unexpected stage {st.name}")
                continue
            exp = want.pop(st.name)
            got = st.values.astype(np.int64)
            n = min(len(got), len(exp))
            ps = report.per_stage.setdefault(st.name, [0, 0])
            ps[0] += max(len(got), len(exp))
            report.values += max(len(got), len(exp))
            bad = np.flatnonzero(got[:n] != exp[:n]).tolist() + list(range(n, max(len(got), len(exp))))
            if bad:
                ps[1] += len(bad)
                report.mismatches += len(bad)
                if report.first is None:
                    i = bad[0]
                    g = int(got[i]) if i < len(got) else "missing"
                    e = int(exp[i]) if i < len(exp) else "missing"
                    report.first = f"{label}: stage {st.name} index {i}: device {g}, golden {e}"
        elif m.kind == "RESULT":
            kind = m.args[0]
            if kind not in results:
                report.errors.append(f"{label}: unexpected RESULT {kind}")
                continue
            letter, q8, top3, margin = results.pop(kind)
            got = letter_of(m)
            exp_t = (letter, q8, top3) + ((margin,) if margin is not None else ())
            got_t = (got.letter, got.q8, got.top3) + ((int(m.fields.get("margin", -999)),) if margin is not None else ())
            ps = report.per_stage.setdefault(f"{kind}.result", [0, 0])
            ps[0] += 1
            report.values += 1
            if exp_t != got_t:
                ps[1] += 1
                report.mismatches += 1
                if report.first is None:
                    report.first = f"{label}: stage {kind}.result: device {got_t}, golden {exp_t}"
    for name in list(want) + [f"{k}.result" for k in results]:
        report.errors.append(f"{label}: the device did not report {name}")


def vector_recordings(vec_dir) -> list[tuple[str, np.ndarray]]:
    """The raw counts of golden vector files (``export.vectors.write_vectors``)."""
    d = Path(vec_dir)
    idx = d / "index.txt"
    if not idx.is_file():
        raise GloveXferError(f"{idx}: not a golden vector directory (glovexfer.export.vectors.write_vectors)")
    out = []
    for name in idx.read_text().split():
        tokens = (d / name).read_text().split()
        try:
            i = tokens.index("counts")
            rows, cols = int(tokens[i + 1]), int(tokens[i + 2])
            vals = np.array([int(t) for t in tokens[i + 3 : i + 3 + rows * cols]], dtype=np.int64)
        except (ValueError, IndexError):
            raise GloveXferError(f"{d / name}: no 'stage counts R 9' block") from None
        if cols != 9 or vals.size != rows * cols:
            raise GloveXferError(f"{d / name}: counts stage must be (n, 9)")
        out.append((name, vals.reshape(rows, cols).astype(np.int16)))
    return out


#: Recordings whose golden expectations are computed together (batched) during parity.
PARITY_CHUNK = 256


def run_parity(device, recordings, net_lstm, net_cnn, progress=True, out=None, net_signal=None) -> ParityReport:
    """Replay every (label, counts) on ``device`` and compare with the golden model
    (``net_signal``: the device's signal network, when it carries one).  The golden side
    runs batched (:func:`golden_expected_batch`), ``PARITY_CHUNK`` recordings at a time, on
    the counts calibrated as the device calibrates them (its sensor calibration, ``cal show``)."""
    from concurrent.futures import ThreadPoolExecutor

    out = out if out is not None else sys.stderr
    rep = ParityReport()
    t0 = time.monotonic()
    n = len(recordings)
    chunks = [recordings[k : k + PARITY_CHUNK] for k in range(0, n, PARITY_CHUNK)]
    cal = read_calibration(device)  # the device calibrates every replay before recognising it

    def expect(chunk):
        return golden_expected_batch([apply_sensorcal(c, cal) for _, c in chunk], net_lstm, net_cnn, net_signal)

    # the next chunk's golden model runs in a worker thread (NumPy releases the GIL) while
    # this one replays the current chunk on the device
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(expect, chunks[0]) if chunks else None
        for ci, chunk in enumerate(chunks):
            exps = pending.result()
            if ci + 1 < len(chunks):
                pending = pool.submit(expect, chunks[ci + 1])
            for (label, counts), exp in zip(chunk, exps):
                ans = device.replay(counts)
                compare_answer(ans, exp, rep, label)
                rep.recordings += 1
                k = rep.recordings
                if progress and (k % 50 == 0 or k == n):
                    print(f"parity: {k}/{n} recordings, {rep.values} values, {rep.mismatches} mismatches "
                          f"({time.monotonic() - t0:.0f} s)", file=out, flush=True)
    return rep


def refused_models(info) -> dict:
    """``{network: reason}`` of the networks the device refused at start-up (its INFO/READY
    ``refused=lstm:corrupt,...`` field; firmware that predates it refuses nothing here)."""
    v = info.fields.get("refused", "none")
    if v in ("", "none"):
        return {}
    out = {}
    for item in v.split(","):
        name, _, why = item.partition(":")
        out[name] = why or "refused"
    return out


def _refuse_if_refused(device, info, kind: str, version: str) -> None:
    why = refused_models(info).get(kind)
    if why is not None or version == "refused":
        raise GloveXferError(f"{device.name}: model refused: the device refused its {kind} model at start-up "
                             f"({why or 'refused'}); no parity possible for it")


def load_device_nets(device, search_dirs):
    """The golden Int8Networks of the models the device reports in its banner/INFO."""
    from ..golden import load_int8_model

    info = device.info()
    nets = []
    for kind in ("lstm", "cnn"):
        v = info.fields.get(kind, "none")
        _refuse_if_refused(device, info, kind, v)
        if v == "none":
            raise GloveXferError(f"{device.name}: the device has no {kind} model; parity needs both")
        nets.append(load_int8_model(find_tflite(v, search_dirs).read_bytes()))
    return nets


def load_device_signal_net(device, search_dirs):
    """The golden Int8Network of the device's signal network (its banner/INFO ``signal=``
    version), or None when the device carries none."""
    from ..golden import load_int8_model

    info = device.info()
    v = info.fields.get("signal", "none")
    _refuse_if_refused(device, info, "signal", v)
    if v == "none":
        return None
    return load_int8_model(find_tflite(v, search_dirs).read_bytes())


__all__ = ["ParityReport", "compare_answer", "find_tflite", "golden_expected", "golden_expected_batch", "load_device_nets",
           "load_device_signal_net", "refused_models", "run_parity", "vector_recordings"]
