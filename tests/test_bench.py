"""``glovexfer bench``: sizes from the linker maps, stack high-water marks and instruction
counts measured on the emulated targets (and natively), written as target -> model -> figures.

A short run (2 recordings) of every target and model checks the JSON's shape and the
figures' properties: the per-stage counts add up to the whole recognition, the counters are
deterministic, the fused model costs the sum of the two networks, flash holds the weights,
RAM + stack fit the 64 kB budget, and the stack high-water mark lies inside the stack.
With a model directory that holds the signal network the models signal and fused_signal
(LSTM + signal network) are measured too, with the signals stage, the signal network's input
quantisation and the network as stages of their own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.cli import main  # noqa: E402
from glovexfer.device import bench as B  # noqa: E402

RAM_BUDGET = 64 * 1024
#: The paper CNN's int8 weights: conv1 3x3x1x32, conv2 3x3x32x64, dense 1600x128 and 128x26.
CNN_WEIGHT_BYTES = 3 * 3 * 1 * 32 + 3 * 3 * 32 * 64 + 1600 * 128 + 128 * 26
#: The issue's RAM targets on the Cortex-M4F: .data + .bss of the firmware built for the
#: model (the build-time selection, firmware/core/select.h) + its measured stack.
CM4F_RAM_BUDGET = {"lstm": 8 * 1024, "cnn": 16 * 1024, "fused": 20 * 1024}


@pytest.fixture(scope="module")
def models(unavailable):
    from glovexfer.device.qemu import missing_tools, target_of

    why = fw_models.have_tools()
    if why:
        unavailable(why)
    for name in ("qemu-arm", "qemu-riscv"):
        miss = missing_tools(target_of(name))
        if miss:
            unavailable(f"{name}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    return fw_models.model_dir()


@pytest.fixture(scope="module")
def result(models, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    rc = main(["bench", "--model-dir", str(models), "--n", "2", "--json", str(out), "--no-progress"])
    assert rc == 0
    return json.loads(out.read_text())


def test_json_maps_target_model_figures(result):
    assert list(result) == ["native", "qemu-arm", "qemu-riscv"]
    for t, per in result.items():
        # no signal network in the model directory: the three models, as before it existed
        assert list(per) == list(B.BASE_MODELS) == ["lstm", "cnn", "fused"], t
        for m, e in per.items():
            for key in ("flash_bytes", "ram_bytes", "stack_bytes", "instructions"):
                assert key in e, (t, m, key)
            assert e["flash_bytes"] > 0 and e["ram_bytes"] > 0 and e["stack_bytes"] > 0
            if t != "native" or e["instructions"] is not None:
                assert e["instructions"] > 1_000_000  # an int8 network is millions of instructions
                assert e["est_ms_at_240mhz"] == pytest.approx(e["instructions"] / 240e3, abs=0.01)


def test_emulated_figures_are_consistent(result):
    for t in ("qemu-arm", "qemu-riscv"):
        per = result[t]
        for m, e in per.items():
            stages = e["stages"]
            # the stage and group keys of the models without the signal network are unchanged
            assert list(stages) == list(B.STAGES), (t, m)
            assert list(e["groups"]) == ["model_check", "cleaning", "spline", "rasteriser", "network"], (t, m)
            total = sum(stages.values())
            res = e["counter_resolution"]
            assert res == (40 if t == "qemu-arm" else 1)
            # each stage is measured on its own; their sum is the recognition up to the
            # call overheads and the counter resolution (one reading per stage)
            assert abs(total - e["instructions"]) <= 0.01 * e["instructions"] + len(stages) * res, (t, m, total)
            assert stages["orientation"] == pytest.approx(e["madgwick_per_sample"] * 32, abs=32 + res)
            assert (stages["raster"] > 0) == (m != "lstm"), (t, m)
            assert (stages["lstm"] > 0) == (m != "cnn") and (stages["cnn"] > 0) == (m != "lstm"), (t, m)
            # RAM budget of the recognition path: static RAM + stack high-water mark
            assert e["ram_bytes"] + e["stack_bytes"] < RAM_BUDGET, (t, m)
            assert e["stack_bytes"] < 16 * 1024  # inside the 16 kB painted stack
        # fused = both networks (same pipeline): cost and flash add up
        assert per["fused"]["stages"]["lstm"] == pytest.approx(per["lstm"]["stages"]["lstm"], rel=0.001)
        assert per["fused"]["stages"]["cnn"] == pytest.approx(per["cnn"]["stages"]["cnn"], rel=0.001)
        assert per["fused"]["flash_bytes"] > per["cnn"]["flash_bytes"] > per["lstm"]["flash_bytes"]
        # the CNN's int8 weights are in flash, not RAM, and the LSTM firmware has none of them
        assert per["cnn"]["flash_bytes"] > CNN_WEIGHT_BYTES > per["lstm"]["flash_bytes"], t
        # each firmware carries only its model's buffers: the LSTM's none of the CNN's
        # (image, rasteriser work area, the CNN's ~10 kB of network scratch); fused adds
        # only the LSTM's input and outputs to the CNN's (the networks share their scratch)
        assert per["cnn"]["ram_bytes"] - per["lstm"]["ram_bytes"] > 4096, t
        assert 0 < per["fused"]["ram_bytes"] - per["cnn"]["ram_bytes"] < 1024, t


def test_ram_budgets_on_cortex_m4(result):
    """The issue's RAM targets: data + bss + measured stack of each model's firmware on the
    Cortex-M4F (sizes from the linker map and stack painting: deterministic)."""
    per = result["qemu-arm"]
    for m, budget in CM4F_RAM_BUDGET.items():
        e = per[m]
        assert e["ram_bytes"] + e["stack_bytes"] <= budget, (m, e["ram_bytes"], e["stack_bytes"])


def test_one_model_firmware_has_only_its_networks(result):
    """A firmware built for the LSTM alone (the host build of gx_app_lstm that the native
    benchmark made): no start-up error for the networks it was built without, a clear error
    line for a model it cannot run, and its replay reports the LSTM's stages only."""
    from glovexfer.device.protocol import parse_line, replay_line

    exe = fw_models.ROOT / "build" / "bench-native" / "gx_app_lstm.elf"
    rec = B.bench_recordings(1)[0]
    out = [parse_line(x) for x in fw_models.session(exe, ["model cnn", "model fused", "model lstm", replay_line(rec)])]
    assert out[0].kind == "READY" and out[0].fields["usable"] == "lstm" and out[0].fields["cnn"] == "none", out[0]
    assert [(m.kind, m.args[:1]) for m in out[1:4]] == [("ERR", ["E_NO_MODEL"]), ("ERR", ["E_NO_MODEL"]), ("OK", ["model"])]
    stages = [m.args[0] for m in out[4:] if m.kind == "STAGE"]
    assert "resampled" in stages and "lstm.logits" in stages, stages
    assert not any(s.startswith("cnn") or s == "image" for s in stages), stages
    assert [m.args[0] for m in out if m.kind == "RESULT"] == ["lstm"] and out[-1].kind == "END"


def test_int8_layers_beat_cmsis_nn_on_cortex_m4(result):
    """The per-layer instruction counts on the Cortex-M4F (QEMU -icount: deterministic) are
    below CMSIS-NN's for the same layers (B.CMSIS_NN_M4F, measured the same way); the shared
    network arena keeps the static RAM of every app below half the 64 kB budget."""
    per = result["qemu-arm"]
    lstm, cnn = per["lstm"]["layers"], per["cnn"]["layers"]
    assert list(lstm) == ["lstm_reverse", "lstm_bwd", "lstm_fwd", "lstm_fc"]
    assert list(cnn) == ["cnn_conv1_pool1", "cnn_conv2_pool2", "cnn_fc1", "cnn_fc2"]
    # the layers account for the whole network run (input quantisation, decide apart)
    assert sum(lstm.values()) == pytest.approx(per["lstm"]["stages"]["lstm"], rel=0.01)
    assert sum(cnn.values()) == pytest.approx(per["cnn"]["stages"]["cnn"], rel=0.01)
    for k in ("cnn_conv1_pool1", "cnn_conv2_pool2", "cnn_fc1"):
        assert cnn[k] < B.CMSIS_NN_M4F[k], k
    assert sum(cnn.values()) < 0.85 * B.CMSIS_NN_M4F["cnn_net"]
    assert sum(lstm.values()) < 0.75 * B.CMSIS_NN_M4F["lstm_net"]  # with TFLM's saturation order kept
    assert list(per["fused"]["layers"]) == list(lstm) + list(cnn)
    for m, e in per.items():
        assert e["ram_bytes"] < 32 * 1024, (m, e["ram_bytes"])


def test_same_recording_same_count(models):
    """The counters are deterministic: RISC-V instret exactly, the ARM timer to its 40-
    instruction resolution; and the recognised letter does not depend on the target."""
    from glovexfer.device.qemu import build

    recs = B.bench_recordings(1)
    rows = {}
    for t in ("qemu-arm", "qemu-riscv"):
        bd = build(t, model_dir=models, build_dir=fw_models.ROOT / "build" / f"bench-{t}", programs=("gx_bench_lstm",))
        rows[t] = B.run_bench_qemu(t, bd / "gx_bench_lstm.elf", [recs[0], recs[0], recs[0]])
    r = rows["qemu-riscv"]
    assert r[0]["insn"] == r[1]["insn"] == r[2]["insn"]
    a = rows["qemu-arm"]
    assert max(x["insn"] for x in a) - min(x["insn"] for x in a) <= 40
    assert {x["letter"] for x in a} == {x["letter"] for x in r} and len({x["letter"] for x in r}) == 1


def test_map_sizes_reads_the_linker_map(result, models):
    """flash/RAM come from the map: they equal the section sizes size(1) reports."""
    import subprocess

    bd = fw_models.ROOT / "build" / "bench-qemu-arm"
    sizes = B.map_sizes(bd / "gx_app_cnn.map")
    assert sizes["flash_bytes"] == result["qemu-arm"]["cnn"]["flash_bytes"]
    out = subprocess.run(["arm-none-eabi-size", "-A", str(bd / "gx_app_cnn.elf")], capture_output=True, text=True,
                         check=True).stdout
    sec = {ln.split()[0]: int(ln.split()[1]) for ln in out.splitlines()[2:] if ln.startswith(".")}
    flash = sum(sec.get(k, 0) for k in (".vectors", ".text", ".rodata", ".init_array", ".ARM.exidx"))
    ram = sum(sec.get(k, 0) for k in (".data", ".bss"))
    assert (sizes["flash_bytes"], sizes["ram_bytes"]) == (flash, ram)


def test_bench_bad_arguments(capsys):
    assert main(["bench", "--n", "0", "--targets", "qemu-arm", "--no-progress"]) == 2
    assert "--n must be within" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["bench", "--targets", "avr"])


def test_map_parser_rejects_non_maps(tmp_path):
    from glovexfer.errors import GloveXferError

    p = tmp_path / "x.map"
    p.write_text("hello\n")
    with pytest.raises(GloveXferError, match="no output sections"):
        B.map_sizes(p)
    with pytest.raises(GloveXferError, match="cannot read"):
        B.map_sizes(tmp_path / "missing.map")


# ------------------------------------------------------------------ the word decoder
#: budgets of the word decoder on either target: its code's flash, the lexicon's, RAM
#: (static + caller-owned scratch + stack high-water mark around the call), instructions
#: for one word of up to 8 letters
DECODER_BUDGET = {"code_flash_bytes": 4096, "lexicon_flash_bytes": 45_000, "ram_bytes": 2048, "instructions": 300_000}


def test_word_decoder_figures_equal_bench_json(models, tmp_path, capsys):
    """``glovexfer bench --decoder --json FILE`` on the Cortex-M4F and RV32IMC: the decoder's
    flash, RAM and instructions per word (QEMU -icount and linker maps: deterministic) equal
    docs/bench.json's ``word_decoder`` and stay within the budgets; the file's other keys
    are kept."""
    doc = json.loads((fw_models.ROOT / "docs" / "bench.json").read_text())[B.DECODER_KEY]
    out = tmp_path / "bench.json"
    out.write_text(json.dumps({"native": {"lstm": {"flash_bytes": 1}}}))
    assert main(["bench", "--decoder", "--json", str(out), "--no-progress"]) == 0
    assert "| qemu-riscv | 8 | uniform |" in capsys.readouterr().out
    res = json.loads(out.read_text())
    assert res["native"] == {"lstm": {"flash_bytes": 1}} and list(res[B.DECODER_KEY]) == list(B.DECODER_TARGETS)
    for t, e in res[B.DECODER_KEY].items():
        for key in ("code_flash_bytes", "lexicon_flash_bytes", "static_ram_bytes", "scratch_bytes", "stack_bytes",
                    "ram_bytes", "instructions_per_word", "lexicon_version"):
            assert e[key] == doc[t][key], (t, key, e[key], doc[t][key])
        assert e["static_ram_bytes"] == 0 and e["scratch_bytes"] == 25 * 32  # the scratch is the caller's
        assert e["ram_bytes"] == e["static_ram_bytes"] + e["scratch_bytes"] + e["stack_bytes"]
        for key in ("code_flash_bytes", "lexicon_flash_bytes", "ram_bytes"):
            assert 0 < e[key] < DECODER_BUDGET[key], (t, key, e[key])
        assert list(e["instructions_per_word"]) == ["4", "8"]
        for length, kinds in e["instructions_per_word"].items():
            for kind, v in kinds.items():
                assert 0 < v["mean"] <= v["max"] < DECODER_BUDGET["instructions"], (t, length, kind)


def test_bench_decoder_needs_an_emulated_target(tmp_path, capsys):
    bad = tmp_path / "bench.json"
    bad.write_text("not json")
    assert main(["bench", "--decoder", "--targets", "native", "--no-progress"]) == 2
    assert "--decoder: the word decoder is measured on qemu-arm and qemu-riscv" in capsys.readouterr().err
    with pytest.raises(Exception, match="not a JSON file"):
        B.merge_json(bad, B.DECODER_KEY, {})
    assert bad.read_text() == "not json"


def test_tables_leave_out_the_decoder_key():
    """The per-model tables read the targets of a bench result, not its word_decoder key."""
    e = {"flash_bytes": 1, "ram_bytes": 2, "stack_bytes": 3, "instructions": 4, "est_ms_at_240mhz": 0.0}
    res = {"qemu-arm": {"lstm": e}, B.DECODER_KEY: {"qemu-arm": {"code_flash_bytes": 5}}}
    assert B.table(res).splitlines()[2:] == ["| qemu-arm | lstm | 1 | 2 | 3 | 4 | 0.0 |"]
    assert B.stage_table(res).count("\n") == 1 and B.layer_table(res) == ""


# ------------------------------------------------------------------ the signal network
def test_model_lists():
    assert B.MODELS == ("lstm", "cnn", "fused", "signal", "fused_signal")
    assert B.BASE_MODELS + B.SIGNAL_MODELS == B.MODELS
    assert set(B.MODEL_NETS) == set(B.MODELS)
    # the signal models' stages: the base stages plus signals, signal_in, signal, in order
    assert [k for k in B.SIGNAL_STAGES if k not in B.STAGES] == ["signals", "signal_in", "signal"]
    assert [k for k in B.SIGNAL_STAGES if k in B.STAGES] == list(B.STAGES)


def test_summarise_groups_of_signal_rows():
    """A BENCH line of a signal model has the three extra stage keys; its summary gets a
    "signals" group and counts the signal network in "network"; base lines are unchanged."""
    base = "BENCH model=lstm n=32 letter=a status=0 insn=1000 stack=100 " + " ".join(
        f"{k}={i + 1}" for i, k in enumerate(B.STAGES)) + " stages_ok=1 res=1"
    sig = "BENCH model=fused_signal n=32 letter=a status=0 insn=1000 stack=100 " + " ".join(
        f"{k}={i + 1}" for i, k in enumerate(B.SIGNAL_STAGES)) + " stages_ok=1 res=1"
    rb = B.parse_bench_line(base)
    rs = B.parse_bench_line(sig)
    assert rs["model"] == "fused_signal"
    eb = B.summarise([rb], 1)
    es = B.summarise([rs], 1)
    assert list(eb["stages"]) == list(B.STAGES) and "signals" not in eb["groups"]
    assert list(es["stages"]) == list(B.SIGNAL_STAGES)
    assert list(es["groups"]) == ["model_check", "cleaning", "spline", "rasteriser", "signals", "network"]
    pos = {k: i + 1 for i, k in enumerate(B.SIGNAL_STAGES)}
    assert es["groups"]["signals"] == pos["signals"]
    assert es["groups"]["network"] == sum(pos[k] for k in ("lstm_in", "lstm", "cnn_in", "cnn", "signal_in", "signal",
                                                           "decide"))
    assert "signals" not in B.stage_table({"qemu-riscv": {"lstm": eb}})
    assert "| 10 |" in B.stage_table({"qemu-riscv": {"fused_signal": es}})  # the signals column
    assert B.signal_stage_table({"qemu-riscv": {"lstm": eb}}).count("\n") == 1  # header only


def test_signal_models_need_the_signal_network(tmp_path, capsys):
    for name in ("gx_model_lstm.cpp", "gx_model_cnn.cpp"):
        (tmp_path / name).write_text("// not built\n")
    assert main(["bench", "--model-dir", str(tmp_path), "--models", "signal", "--targets", "qemu-riscv",
                 "--n", "1", "--no-progress"]) == 2
    assert "no signal network" in capsys.readouterr().err


@pytest.fixture(scope="module")
def signal_result(models):
    """signal and fused_signal on both emulated targets (separate build directories, so that
    the other tests' builds keep their model directory)."""
    sdir = fw_models.signal_model_dir()
    assert B.has_signal_model(sdir)
    return B.run_bench(targets=("qemu-arm", "qemu-riscv"), models=("lstm", "signal", "fused_signal"), n=2,
                       model_dir=sdir, progress=False, build_root=fw_models.ROOT / "build" / "bench-signal")


def test_signal_models_figures(signal_result):
    assert list(signal_result) == ["qemu-arm", "qemu-riscv"]
    letters = set()
    for t, per in signal_result.items():
        assert list(per) == ["lstm", "signal", "fused_signal"], t
        for m in ("signal", "fused_signal"):
            e = per[m]
            stages, res = e["stages"], e["counter_resolution"]
            assert list(stages) == list(B.SIGNAL_STAGES), (t, m)
            total = sum(stages.values())
            assert abs(total - e["instructions"]) <= 0.01 * e["instructions"] + len(stages) * res, (t, m, total)
            assert stages["signals"] > 0 and stages["signal_in"] > 0 and stages["signal"] > 1_000_000, (t, m)
            assert stages["raster"] == stages["cnn_in"] == stages["cnn"] == 0, (t, m)
            assert (stages["lstm"] > 0) == (m == "fused_signal"), (t, m)
            assert e["groups"]["signals"] == stages["signals"]
            assert e["est_ms_at_240mhz"] == pytest.approx(e["instructions"] / 240e3, abs=0.01)
            assert e["ram_bytes"] + e["stack_bytes"] < RAM_BUDGET, (t, m)
            assert set(e["model_versions"]) == set(B.MODEL_NETS[m]), (t, m)
            letters.add((m, e["letters"]))
        # fused_signal = LSTM + signal network on the same pipeline: cost and flash add up
        fs = per["fused_signal"]
        assert fs["stages"]["signal"] == pytest.approx(per["signal"]["stages"]["signal"], rel=0.001)
        assert fs["stages"]["lstm"] == pytest.approx(per["lstm"]["stages"]["lstm"], rel=0.001)
        assert fs["flash_bytes"] > max(per["signal"]["flash_bytes"], per["lstm"]["flash_bytes"])
        # the lstm model's figures keep the base keys
        assert list(per["lstm"]["stages"]) == list(B.STAGES)
    # the recognised letters do not depend on the target
    assert len({m for m, _ in letters}) == len(letters)


# ------------------------------------------------------------------ Xtensa LX106
def test_xtensa_bench_figures(models, unavailable):
    """qemu-xtensa (Xtensa LX106, the ESP8266's core; not a default target): the same
    properties as the other emulated targets, CCOUNT at 25 instructions per tick, and the
    counts are deterministic to that resolution."""
    from glovexfer.device.qemu import build, missing_tools, target_of

    miss = missing_tools(target_of("qemu-xtensa"))
    if miss:
        unavailable(f"qemu-xtensa: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    assert "qemu-xtensa" in B.TARGET_NAMES and "qemu-xtensa" not in B.DEFAULT_TARGETS
    res = B.run_bench(targets=("qemu-xtensa",), n=2, model_dir=models, progress=False)
    per = res["qemu-xtensa"]
    assert list(per) == ["lstm", "cnn", "fused"]
    for m, e in per.items():
        assert e["counter_resolution"] == 25
        assert "LX106" in e["counted_by"] and "not the ESP32" in e["counted_by"]
        assert e["instructions"] > 1_000_000
        total = sum(e["stages"].values())
        assert abs(total - e["instructions"]) <= 0.01 * e["instructions"] + len(e["stages"]) * 25, (m, total)
        assert e["ram_bytes"] + e["stack_bytes"] < RAM_BUDGET, m
        assert e["stack_bytes"] < 16 * 1024
    assert per["fused"]["stages"]["lstm"] == pytest.approx(per["lstm"]["stages"]["lstm"], rel=0.001)
    assert per["fused"]["stages"]["cnn"] == pytest.approx(per["cnn"]["stages"]["cnn"], rel=0.001)
    assert per["cnn"]["flash_bytes"] > CNN_WEIGHT_BYTES > per["lstm"]["flash_bytes"]  # the CNN weights: in its flash only
    recs = B.bench_recordings(1)
    bd = build("qemu-xtensa", model_dir=models, build_dir=fw_models.ROOT / "build" / "bench-qemu-xtensa",
               programs=("gx_bench_lstm",))
    rows = B.run_bench_qemu("qemu-xtensa", bd / "gx_bench_lstm.elf", [recs[0]] * 3)
    assert max(r["insn"] for r in rows) - min(r["insn"] for r in rows) <= 25
    assert len({r["letter"] for r in rows}) == 1


# ------------------------------------------------------------------ the letter calibration
def test_letter_calibration_figures_equal_bench_json(fw_build_tools, tmp_path, capsys):
    """``glovexfer bench --calibration --json FILE`` on the Cortex-M4F and RV32IMC: the
    calibration's instructions (QEMU -icount: deterministic), flash and RAM equal
    docs/bench.json's ``letter_calibration``; what it adds to a recognition is below 3 % of
    a fused recognition there; the file's other keys are kept."""
    from glovexfer.device import calib_bench as CB

    bench = json.loads((fw_models.ROOT / "docs" / "bench.json").read_text())
    doc = bench[CB.KEY]
    out = tmp_path / "bench.json"
    out.write_text(json.dumps({"native": {"lstm": {"flash_bytes": 1}}}))
    assert main(["bench", "--calibration", "--targets", "qemu-arm", "qemu-riscv", "--json", str(out)]) == 0
    assert "insn/recognition" in capsys.readouterr().out
    res = json.loads(out.read_text())
    assert res["native"] == {"lstm": {"flash_bytes": 1}} and list(res[CB.KEY]) == list(CB.TARGETS)
    for t, e in res[CB.KEY].items():
        assert e == doc[t], (t, e, doc[t])
        assert e["samples"] == 78 and e["set_bytes"] == 20 + 78 * 229 and e["static_ram_bytes"] == 0
        fused = bench[t]["fused"]["instructions"]
        assert 0 < e["instructions_per_recognition"]["max"] < 3 * fused // 100, (t, e, fused)


class _FakeBenchQemu:
    """A gx_bench program behind a pipe: it answers each line the host sends with the next of
    ``answers`` (after its BENCH READY line), and ``end`` with BENCH DONE."""

    def __init__(self, answers):
        import os

        self._answers = list(answers)
        self.sent = []
        r, self._w = os.pipe()
        self.stdout = os.fdopen(r, "rb", buffering=0)
        os.write(self._w, b"BENCH READY stack_size=1 read_cost=0\n")
        host = self

        class _In:
            def write(self, data):
                host.sent.append(data.decode())
                reply = b"BENCH DONE\n" if data == b"end\n" else (host._answers.pop(0) + "\n").encode()
                os.write(host._w, reply)

            def flush(self):
                pass

        self.stdin = _In()

    def kill(self):
        pass

    def wait(self):
        return 0


def test_a_garbled_recording_line_is_sent_once_more_and_only_once(monkeypatch):
    """run_bench_qemu: the emulated console can garble the host's line; the program answers
    BENCH ERR and waits, the host sends the same recording once more; a second error fails."""
    import numpy as np

    from glovexfer.errors import GloveXferError

    good = "BENCH model=lstm status=0 insn=100"
    err = "BENCH ERR expected: rec <n 1..32> <n*9 int16 as 4 hex digits each>"
    rec = np.arange(9 * 2, dtype=np.int16).reshape(2, 9)
    fake = _FakeBenchQemu([err, good, good])
    monkeypatch.setattr(B, "start_qemu", lambda *a, **k: fake)
    rows = B.run_bench_qemu("qemu-arm", "x.elf", [rec, rec])
    assert len(rows) == 2 and all(r["insn"] == 100 for r in rows)
    assert fake.sent[:3] == [B.rec_line(rec) + "\n"] * 3 and fake.sent[3] == "end\n"
    fake = _FakeBenchQemu([err, err])
    monkeypatch.setattr(B, "start_qemu", lambda *a, **k: fake)
    with pytest.raises(GloveXferError, match="unexpected line 'BENCH ERR"):
        B.run_bench_qemu("qemu-arm", "x.elf", [rec])
