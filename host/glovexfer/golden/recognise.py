"""Integer-only recognition: golden pre-network stages -> int8 network input -> letter.

This is the bridge between ``run_golden`` (``glovexfer.golden.pipeline``) and the int8
networks (``glovexfer.golden.network``); with them it specifies the firmware's whole
inference path, with no float after the constants have been derived on the host.

LSTM input (:func:`points_to_int8`)
    The resampled points are Q30 in [0, 2^30] (``x_float = v / 2^30``); the int8 input is
    ``clamp(round(x_float / scale) + zero_point, -128, 127)``.  On the host, once per model,
    ``QuantizeMultiplier(1 / (scale 2^30))`` gives ``(mult, shift)`` (Q0.31 multiplier,
    ``real = mult 2^(shift - 31)``, :func:`points_quantiser`); on the device
    ``MultiplyByQuantizedMultiplier(v, mult, shift) + zero_point``, saturated to int8 -- the
    TFLM requantisation primitive the firmware already has.

    Rounding: TFLM's double-rounding ``MultiplyByQuantizedMultiplier``.  For ``shift <= 0``
    (every input scale above 2^-30) it is ``SRDHM(v, mult)`` -- ``v mult / 2^31`` rounded to
    the nearest integer, ties away from zero -- then ``RoundingDivideByPOT(., -shift)``,
    again ties away from zero.  Exact ties of ``x_float / scale`` therefore round away from
    zero (``+0.5 -> 1``), as TFLite's float ``Quantize`` does (``std::round``).  The result
    can differ from the exactly rounded float quantisation only when ``x_float / scale`` is
    within about ``2^(shift-1) + |x/scale| 2^-31`` of a half-integer (the first rounding
    keeps ``-shift`` fraction bits; ``mult`` is exact to 2^-31 relative): for the usual
    input scale ~1/255, ``shift = -21``, i.e. within ~2^-22 of a tie
    (``tests/test_golden_recognise.py`` counts these).

CNN input (:func:`image_to_int8_input`)
    The Q15 image goes through ``glovexfer.golden.raster.image_to_int8`` with
    ``input_quantiser(scale)`` (same idea, its own multiplier/shift and half-up rounding).

Confidence (:class:`NetOutput`)
    ``confidence_q8`` is the top letter's probability from the golden int8 SOFTMAX
    (TFLM ``reference_ops::Softmax`` semantics, beta 1, on the int8 logits with the model's
    output scale; output scale 1/256, zero point -128): ``confidence_q8 = p_int8 + 128`` in
    0..255 and ``confidence = confidence_q8 / 256``.  It is what the device would get by
    appending the SOFTMAX op, computed in integers; a model that already ends in SOFTMAX is
    read directly.  ``margin`` (top-1 minus top-2 int8 logit, in output-scale units) is kept
    too.  The letter is ``argmax`` of the int8 logits with ties going to the lowest index
    (``a`` before ``b``), as a ``for`` loop with ``>`` on the device; top-3 uses the same
    order (stable sort by descending logit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import GloveXferError
from ..params import LETTERS, SAMPLES_PER_LETTER
from .fixed import Q_UNIT
from .network import Int8Network, load_int8_model
from .pipeline import GoldenBatch, GoldenStages, run_golden, run_golden_batch
from .quant import INT8_MAX, INT8_MIN, multiply_by_quantized_multiplier, quantize_multiplier
from .raster import image_to_int8, image_to_int8_batch, input_quantiser

#: Network input shapes (without batch) by kind.
LSTM_INPUT_SHAPE = (100, 2)
CNN_INPUT_SHAPE = (28, 28, 1)
SIGNAL_INPUT_SHAPE = (1, SAMPLES_PER_LETTER, 9)


# ---------------------------------------------------------------------------------------
# input quantisation
# ---------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def points_quantiser(scale: float) -> tuple[int, int]:
    """Host side, once per model: ``(mult, shift) = QuantizeMultiplier(1 / (scale 2^30))``.

    Raises ``ValueError`` unless ``2^-30 < scale < 2^0`` roughly (``shift`` in [-31, 0], so
    ``MultiplyByQuantizedMultiplier`` does no left shift and its right shift is <= 31).
    """
    import math

    s = float(scale)
    if not (s > 0 and math.isfinite(s)):
        raise ValueError(f"input scale must be positive and finite, got {scale}")
    mult, shift = quantize_multiplier(1.0 / (s * float(1 << Q_UNIT)))
    if mult == 0 or shift > 0 or shift < -31:
        raise ValueError(f"input scale {scale} out of range for Q30 points (shift {shift})")
    return mult, shift


def quantise_points(resampled_q30, mult: int, shift: int, zero_point: int) -> np.ndarray:
    """Device side: ``sat8(MultiplyByQuantizedMultiplier(v, mult, shift) + zero_point)``."""
    v = np.asarray(resampled_q30)
    if not np.issubdtype(v.dtype, np.integer):
        raise TypeError(f"Q30 integer points expected, got {v.dtype}")
    v = v.astype(np.int64)
    if v.size and (int(v.min()) < -(2**31) or int(v.max()) > 2**31 - 1):
        raise ValueError("Q30 points must fit int32")
    y = multiply_by_quantized_multiplier(v, int(mult), int(shift)) + int(zero_point)
    return np.clip(y, INT8_MIN, INT8_MAX).astype(np.int8)


def points_to_int8(resampled_q30, scale: float, zero_point: int) -> np.ndarray:
    """Q30 resampled points (100, 2) int32 -> the LSTM's int8 input (100, 2).

    ``clamp(round(v / (2^30 scale)) + zero_point)`` in integers only
    (:func:`points_quantiser` then :func:`quantise_points`; rounding: module docstring).
    """
    mult, shift = points_quantiser(float(scale))
    return quantise_points(resampled_q30, mult, shift, zero_point)


def image_to_int8_input(image_q15, scale: float, zero_point: int) -> np.ndarray:
    """Q15 image (28, 28) -> the CNN's int8 input (28, 28, 1) (``raster.image_to_int8``)."""
    mult, rshift = input_quantiser(float(scale))
    return image_to_int8(image_q15, mult, rshift, int(zero_point))[..., None]


# ---------------------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------------------
def model_kind(input_shape) -> str:
    """``'lstm'`` for (1, 100, 2) / (100, 2) inputs, ``'cnn'`` for (1, 28, 28, 1) / (28, 28, 1),
    ``'signal'`` for (1, 1, 32, 9) / (1, 32, 9) (the signal network on the ``signals`` stage)."""
    shp = tuple(int(d) for d in input_shape)
    if len(shp) == 4 and shp[1:] == SIGNAL_INPUT_SHAPE:
        return "signal"
    if len(shp) in (3, 4) and shp[0] == 1:
        shp = shp[1:]
    if shp == LSTM_INPUT_SHAPE:
        return "lstm"
    if shp == CNN_INPUT_SHAPE:
        return "cnn"
    if shp == SIGNAL_INPUT_SHAPE:
        return "signal"
    raise GloveXferError(
        f"model input shape {tuple(input_shape)} is none of the LSTM's (1, 100, 2), the CNN's (1, 28, 28, 1) "
        f"and the signal network's (1, 1, {SAMPLES_PER_LETTER}, 9)"
    )


@lru_cache(maxsize=16)
def _signal_quantiser_cached(mean: tuple, std: tuple, scale: float, zero_point: int):
    from .signals import signal_quantiser

    return signal_quantiser(np.array(mean), np.array(std), scale, zero_point)


def signal_quantiser_of(net: Int8Network):
    """``golden.signals.signal_quantiser`` of a signal network (norm from its metadata)."""
    from .signals import norm_from_metadata

    mean, std = norm_from_metadata(net.metadata)
    return _signal_quantiser_cached(tuple(mean.tolist()), tuple(std.tolist()), float(net.input_scale), int(net.input_zero_point))


def as_network(net) -> Int8Network:
    """An :class:`Int8Network` from itself or from .tflite bytes."""
    if isinstance(net, Int8Network):
        return net
    if isinstance(net, (bytes, bytearray, memoryview)):
        return load_int8_model(bytes(net))
    raise TypeError(f"an Int8Network or .tflite bytes expected, got {type(net).__name__}")


def network_input(stages: GoldenStages, net: Int8Network) -> np.ndarray:
    """The int8 input of ``net`` (kind from its input shape) from the golden stages."""
    kind = model_kind(net.input_shape)
    if kind == "lstm":
        return points_to_int8(stages.resampled, net.input_scale, net.input_zero_point)
    if kind == "signal":
        from .signals import quantise_signals

        if stages.signals is None:
            raise ValueError("the signal network needs the signals stage (run_golden(..., with_signals=True))")
        if stages.signals.shape[0] != SAMPLES_PER_LETTER:
            raise ValueError(f"the signal network needs {SAMPLES_PER_LETTER} samples, got {stages.signals.shape[0]}")
        return quantise_signals(stages.signals, *signal_quantiser_of(net))
    if stages.image is None:
        raise ValueError("the CNN needs the image stage (run_golden(..., with_image=True))")
    return image_to_int8_input(stages.image, net.input_scale, net.input_zero_point)


def argmax_first(logits) -> int:
    """Index of the largest value; ties go to the lowest index."""
    return int(np.argmax(np.asarray(logits)))  # numpy returns the first occurrence


def top_k(logits, k: int = 3) -> list[int]:
    """Indices of the ``k`` largest values, descending; ties in index order."""
    q = np.asarray(logits, dtype=np.int64)
    return [int(i) for i in np.argsort(-q, kind="stable")[:k]]


def softmax_q8(logits_int8, net: Int8Network) -> np.ndarray:
    """Probabilities as 0..255 (``p_int8 + 128``; probability = value / 256), integers only."""
    from .softmax import SoftmaxParams, softmax_int8

    q = np.asarray(logits_int8, dtype=np.int64)
    if net.op_names and net.op_names[-1] == "SOFTMAX":
        p = q  # already int8 probabilities (scale 1/256, zero point -128)
    else:
        p = softmax_int8(q, SoftmaxParams.from_scales(1.0, net.output_scale))
    return (np.asarray(p, dtype=np.int64) + 128).astype(np.int64)


@dataclass
class NetOutput:
    """One network's view of one recording: every integer from input to decision."""

    kind: str  # 'lstm', 'cnn' or 'signal'
    x_int8: np.ndarray  # (100, 2), (28, 28, 1) or (1, 32, 9) int8 network input
    logits: np.ndarray  # (26,) int8 output (logits, or probabilities if the model keeps softmax)
    index: int  # argmax, first index on ties
    letter: str
    probs_q8: np.ndarray  # (26,) int softmax probabilities, 0..255 (/256)
    confidence_q8: int  # probs_q8[index]
    margin: int  # logits[top1] - logits[top2], int8 output units
    top3: list  # [(letter, logit int8, prob q8)] best first
    #: (F,) int8 input of the last FULLY_CONNECTED (``Int8Network.run_with_features``): the
    #: few-shot calibration's feature vector (``golden.calibrate``); None for a network without one
    features: np.ndarray | None = None

    @property
    def confidence(self) -> float:
        return self.confidence_q8 / 256.0


@dataclass
class Result:
    """``recognise`` on one recording.  ``letter``/``confidence``/``top3`` are the LSTM's
    when an LSTM was given, else the CNN's; both networks' outputs are kept."""

    stages: GoldenStages
    lstm: NetOutput | None
    cnn: NetOutput | None
    signal: NetOutput | None = None

    @property
    def primary(self) -> NetOutput:
        if self.lstm is not None:
            return self.lstm
        return self.cnn if self.cnn is not None else self.signal

    @property
    def letter(self) -> str:
        return self.primary.letter

    @property
    def confidence(self) -> float:
        return self.primary.confidence

    @property
    def top3(self) -> list:
        return self.primary.top3

    @property
    def fused(self) -> FusedOutput | None:
        """:func:`fuse` of both networks (None unless both ran)."""
        if self.lstm is None or self.cnn is None:
            return None
        return fuse(self.lstm, self.cnn)

    @property
    def fused_signal(self) -> FusedOutput | None:
        """:func:`fuse` of the LSTM and the signal network (None unless both ran): the
        Chen 2021 best model (signal network + transfer BiLSTM)."""
        if self.lstm is None or self.signal is None:
            return None
        return fuse(self.lstm, self.signal)


@dataclass
class FusedOutput:
    """The fused model: LSTM and CNN both run; their softmax probabilities (0..255 each)
    are added per class, ``scores[i] = lstm.probs_q8[i] + cnn.probs_q8[i]`` (0..510).
    Letter = first index of the maximum score (ties to the lowest index);
    ``confidence_q8 = scores[index] >> 1`` (0..255, /256); top-3 = stable sort by
    descending score.  The firmware's ``gx_fuse`` (firmware/core/recognizer.cpp) is its twin."""

    kind: str  # 'fused'
    scores: np.ndarray  # (26,) int 0..510
    index: int
    letter: str
    confidence_q8: int
    top3: list  # [(letter, score 0..510, score >> 1)] best first

    @property
    def confidence(self) -> float:
        return self.confidence_q8 / 256.0


def fuse(lstm: NetOutput, cnn: NetOutput) -> FusedOutput:
    """Integer late fusion of the two networks' probabilities (:class:`FusedOutput`)."""
    a = np.asarray(lstm.probs_q8, dtype=np.int64).reshape(-1)
    b = np.asarray(cnn.probs_q8, dtype=np.int64).reshape(-1)
    if a.shape != (len(LETTERS),) or b.shape != a.shape:
        raise ValueError(f"fuse needs two (26,) probability vectors, got {a.shape} and {b.shape}")
    if a.min() < 0 or a.max() > 255 or b.min() < 0 or b.max() > 255:
        raise ValueError("fuse: probabilities must be in 0..255 (probs_q8)")
    scores = a + b
    top = top_k(scores, 3)
    idx = top[0]
    return FusedOutput(
        kind="fused",
        scores=scores,
        index=idx,
        letter=LETTERS[idx],
        confidence_q8=int(scores[idx]) >> 1,
        top3=[(LETTERS[i], int(scores[i]), int(scores[i]) >> 1) for i in top],
    )


def run_network(stages: GoldenStages, net: Int8Network) -> NetOutput:
    """Quantise the golden stages for ``net``, run it and decide."""
    kind = model_kind(net.input_shape)
    x = network_input(stages, net)
    logits, features = _run_with_features(net, x)
    logits = logits.reshape(-1)
    if logits.size != len(LETTERS):
        raise ValueError(f"the network has {logits.size} outputs, {len(LETTERS)} letters expected")
    probs = softmax_q8(logits, net)
    top = top_k(logits, 3)
    idx = top[0]
    return NetOutput(
        kind=kind,
        x_int8=x,
        logits=logits.astype(np.int8),
        index=idx,
        letter=LETTERS[idx],
        probs_q8=probs,
        confidence_q8=int(probs[idx]),
        margin=int(logits[top[0]]) - int(logits[top[1]]),
        top3=[(LETTERS[i], int(logits[i]), int(probs[i])) for i in top],
        features=None if features is None else features[0],
    )


def _run_with_features(net: Int8Network, x) -> tuple[np.ndarray, np.ndarray | None]:
    """``net.run(x)`` and its feature vectors (None for a network without a FULLY_CONNECTED)."""
    if net.feature_index is None:
        return np.asarray(net.run(x)), None
    y, f = net.run_with_features(x)
    return np.asarray(y), f


def recognise(counts, net_lstm=None, net_cnn=None, net_signal=None, **golden_kwargs) -> Result:
    """One recording of raw counts (32, 9) int16 -> :class:`Result` (integers throughout).

    ``net_lstm`` / ``net_cnn`` / ``net_signal``: :class:`Int8Network` or .tflite bytes (at
    least one).  ``golden_kwargs`` go to :func:`run_golden` (sensor, params, use_mag, fp).
    """
    if net_lstm is None and net_cnn is None and net_signal is None:
        raise ValueError("recognise needs at least one of net_lstm, net_cnn, net_signal")
    nl = as_network(net_lstm) if net_lstm is not None else None
    nc = as_network(net_cnn) if net_cnn is not None else None
    ns = as_network(net_signal) if net_signal is not None else None
    for n, want in ((nl, "lstm"), (nc, "cnn"), (ns, "signal")):
        if n is not None and model_kind(n.input_shape) != want:
            raise ValueError(f"net_{want} has input shape {n.input_shape}, not a {want} network's")
    stages = run_golden(counts, with_image=nc is not None, with_signals=ns is not None, **golden_kwargs)
    return Result(
        stages=stages,
        lstm=run_network(stages, nl) if nl is not None else None,
        cnn=run_network(stages, nc) if nc is not None else None,
        signal=run_network(stages, ns) if ns is not None else None,
    )


# ---------------------------------------------------------------------------------------
# the same over a batch of recordings
# ---------------------------------------------------------------------------------------
#: Examples per call of ``Int8Network.run`` in the batched path (bounds the CNN's memory).
NET_CHUNK = 256


def _top3_batch(scores: np.ndarray) -> np.ndarray:
    """(B, 3) indices of the three largest values per row, descending, ties in index order."""
    return np.argsort(-np.asarray(scores, dtype=np.int64), axis=1, kind="stable")[:, :3]


@dataclass
class NetBatch:
    """``NetOutput`` of B recordings as arrays; ``at(i)`` gives recording ``i``'s."""

    kind: str
    x_int8: np.ndarray  # (B,) + input shape
    logits: np.ndarray  # (B, 26) int8
    probs_q8: np.ndarray  # (B, 26)
    top3: np.ndarray  # (B, 3) indices, best first
    features: np.ndarray | None = None  # (B, F) int8, ``NetOutput.features``

    @property
    def index(self) -> np.ndarray:
        return self.top3[:, 0]

    def at(self, i: int) -> NetOutput:
        lg, pr, top = self.logits[i], self.probs_q8[i], self.top3[i].tolist()
        idx = top[0]
        return NetOutput(
            kind=self.kind, x_int8=self.x_int8[i], logits=lg, index=idx, letter=LETTERS[idx], probs_q8=pr,
            confidence_q8=int(pr[idx]), margin=int(lg[top[0]]) - int(lg[top[1]]),
            top3=[(LETTERS[j], int(lg[j]), int(pr[j])) for j in top],
            features=None if self.features is None else self.features[i],
        )


def network_input_batch(stages: GoldenBatch, net: Int8Network) -> np.ndarray:
    """``network_input`` of every recording of a ``GoldenBatch``: (B,) + the input shape."""
    kind = model_kind(net.input_shape)
    if kind == "lstm":
        return points_to_int8(stages.resampled, net.input_scale, net.input_zero_point)
    if kind == "signal":
        from .signals import quantise_signals_batch

        if stages.signals is None:
            raise ValueError("the signal network needs the signals stage (run_golden_batch(..., with_signals=True))")
        if stages.signals.shape[1] != SAMPLES_PER_LETTER:
            raise ValueError(f"the signal network needs {SAMPLES_PER_LETTER} samples, got {stages.signals.shape[1]}")
        return quantise_signals_batch(stages.signals, *signal_quantiser_of(net))
    if stages.image is None:
        raise ValueError("the CNN needs the image stage (run_golden_batch(..., with_image=True))")
    mult, rshift = input_quantiser(float(net.input_scale))
    return image_to_int8_batch(stages.image, mult, rshift, int(net.input_zero_point))[..., None]


def run_network_batch(stages: GoldenBatch, net: Int8Network) -> NetBatch:
    """``run_network`` of every recording of a ``GoldenBatch`` (the network runs on
    ``NET_CHUNK`` examples at a time; each is an independent batch-1 inference)."""
    kind = model_kind(net.input_shape)
    x = network_input_batch(stages, net)
    runs = [_run_with_features(net, x[k : k + NET_CHUNK]) for k in range(0, len(x), NET_CHUNK)]
    logits = np.concatenate([y.reshape(len(y), -1) for y, _ in runs])
    features = None if net.feature_index is None else np.concatenate([f for _, f in runs])
    if logits.shape[1] != len(LETTERS):
        raise ValueError(f"the network has {logits.shape[1]} outputs, {len(LETTERS)} letters expected")
    return NetBatch(kind, x, logits.astype(np.int8), softmax_q8(logits, net), _top3_batch(logits), features)


@dataclass
class FusedBatch:
    """``FusedOutput`` of B recordings as arrays; ``at(i)`` gives recording ``i``'s."""

    scores: np.ndarray  # (B, 26) int 0..510
    top3: np.ndarray  # (B, 3)

    @property
    def index(self) -> np.ndarray:
        return self.top3[:, 0]

    def at(self, i: int) -> FusedOutput:
        sc, top = self.scores[i], self.top3[i].tolist()
        return FusedOutput(
            kind="fused", scores=sc, index=top[0], letter=LETTERS[top[0]], confidence_q8=int(sc[top[0]]) >> 1,
            top3=[(LETTERS[j], int(sc[j]), int(sc[j]) >> 1) for j in top],
        )


def fuse_batch(a: NetBatch, b: NetBatch) -> FusedBatch:
    """``fuse`` of two networks' outputs on every recording."""
    pa = np.asarray(a.probs_q8, dtype=np.int64)
    pb = np.asarray(b.probs_q8, dtype=np.int64)
    if pa.shape != pb.shape or pa.ndim != 2 or pa.shape[1] != len(LETTERS):
        raise ValueError(f"fuse needs two (B, 26) probability arrays, got {pa.shape} and {pb.shape}")
    if pa.min() < 0 or pa.max() > 255 or pb.min() < 0 or pb.max() > 255:
        raise ValueError("fuse: probabilities must be in 0..255 (probs_q8)")
    scores = pa + pb
    return FusedBatch(scores, _top3_batch(scores))


@dataclass
class ResultBatch:
    """``recognise`` of B recordings; ``at(i)`` gives recording ``i``'s ``Result``."""

    stages: GoldenBatch
    lstm: NetBatch | None
    cnn: NetBatch | None
    signal: NetBatch | None = None

    def __len__(self) -> int:
        return len(self.stages)

    def at(self, i: int) -> Result:
        return Result(
            stages=self.stages.at(i),
            lstm=None if self.lstm is None else self.lstm.at(i),
            cnn=None if self.cnn is None else self.cnn.at(i),
            signal=None if self.signal is None else self.signal.at(i),
        )


def recognise_batch(counts, net_lstm=None, net_cnn=None, net_signal=None, **golden_kwargs) -> ResultBatch:
    """``recognise`` of B recordings of the same length, (B, n, 9) int16, at once.

    Recording for recording the integers of ``recognise`` (tested).  ``golden_kwargs`` go
    to :func:`run_golden_batch`."""
    if net_lstm is None and net_cnn is None and net_signal is None:
        raise ValueError("recognise needs at least one of net_lstm, net_cnn, net_signal")
    nl = as_network(net_lstm) if net_lstm is not None else None
    nc = as_network(net_cnn) if net_cnn is not None else None
    ns = as_network(net_signal) if net_signal is not None else None
    for n, want in ((nl, "lstm"), (nc, "cnn"), (ns, "signal")):
        if n is not None and model_kind(n.input_shape) != want:
            raise ValueError(f"net_{want} has input shape {n.input_shape}, not a {want} network's")
    stages = run_golden_batch(counts, with_image=nc is not None, with_signals=ns is not None, **golden_kwargs)
    return ResultBatch(
        stages=stages,
        lstm=run_network_batch(stages, nl) if nl is not None else None,
        cnn=run_network_batch(stages, nc) if nc is not None else None,
        signal=run_network_batch(stages, ns) if ns is not None else None,
    )


#: The networks each device model reads (the firmware's ``model`` command; fused models add
#: their two members' int8 softmax outputs).
MODEL_NETS = {"lstm": ("lstm",), "cnn": ("cnn",), "signal": ("signal",), "fused": ("lstm", "cnn"),
              "fused_signal": ("lstm", "signal")}


def default_model(networks) -> str:
    """The device's model for the networks it carries (names with a network): the LSTM fused
    with the signal network, else with the CNN; else the one network (LSTM, CNN, signal)."""
    have = set(networks)
    for model in ("fused_signal", "fused", "lstm", "cnn", "signal"):
        if set(MODEL_NETS[model]) <= have:
            return model
    raise ValueError("no network to recognise with")


__all__ = [
    "MODEL_NETS",
    "default_model",
    "FusedBatch",
    "FusedOutput",
    "NetBatch",
    "NetOutput",
    "Result",
    "ResultBatch",
    "argmax_first",
    "as_network",
    "fuse",
    "fuse_batch",
    "image_to_int8_input",
    "model_kind",
    "network_input",
    "network_input_batch",
    "points_quantiser",
    "points_to_int8",
    "quantise_points",
    "recognise",
    "recognise_batch",
    "run_network",
    "run_network_batch",
    "softmax_q8",
    "top_k",
]
