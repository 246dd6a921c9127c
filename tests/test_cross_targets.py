"""The firmware on emulated microcontrollers, built with Debian's cross compilers from the
same sources as the native build: ARM Cortex-M4F (arm-none-eabi-gcc + newlib, QEMU
mps2-an386), RISC-V RV32IMC (riscv64-unknown-elf-gcc + picolibc, QEMU virt) and Xtensa LX106,
the ESP8266's core (xtensa-lx106-elf-gcc + picolibc, QEMU sim; call0 ABI, no FPU, no integer
divider -- not the ESP32's LX6).

* the host test programs run unchanged on both ISAs over QEMU semihosting (files, console,
  exit status): every pre-network stage of the golden vectors (test_core.cpp) and every
  layer of both int8 networks (test_int8.cpp) bit for bit, and a corrupted golden value is
  caught there too;
* the firmware app speaks the serial protocol on the board UART (Xtensa: the semihosting
  console): ``glovexfer parity --device qemu-arm|qemu-riscv|qemu-xtensa`` on the golden
  vectors + 200 simulated recordings (20 on Xtensa, whose golden-model side is the same)
  gives zero mismatches; ``glovexfer demo --device qemu-arm|qemu-xtensa`` runs the main job
  with the emulated MCU;
* a CPU fault (and on Xtensa an unaligned 32-bit load) is reported, not a hang.

Missing cross tools or QEMU fail the tests in CI (GLOVEXFER_REQUIRE_TOOLS) instead of
skipping them (the ``unavailable`` fixture; .ci/run installs them).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

from glovexfer.cli import main  # noqa: E402

STAGES = ("dtheta", "quaternions", "euler", "points", "normalised", "smoothed", "thin_keep", "thinned", "resampled",
          "canvas", "image")
BOARD_NAMES = {"qemu-arm": "mps2-an386", "qemu-riscv": "riscv-virt", "qemu-xtensa": "xtensa-sim"}
#: simulated recordings of the parity run per target (the golden model's Python is the slow part)
PARITY_N = {"qemu-arm": 200, "qemu-riscv": 200, "qemu-xtensa": 20}


def _target(name, unavailable):
    from glovexfer.device.qemu import missing_tools, target_of

    t = target_of(name)
    miss = missing_tools(t)
    if miss:
        unavailable(f"{t.name}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    return t


@pytest.fixture(scope="module", params=["qemu-arm", "qemu-riscv", "qemu-xtensa"])
def target(request, unavailable):
    return _target(request.param, unavailable)


@pytest.fixture(scope="module")
def built(target, models) -> Path:
    """build/<target> with the test programs and the app (the directory the qemu-* devices use)."""
    from glovexfer.device.qemu import build

    return build(target, model_dir=models, programs=("gx_test_core", "gx_test_int8", "gx_app"))


def _run(target, elf, *args, timeout=600):
    from glovexfer.device.qemu import run_semihosted

    return run_semihosted(target, elf, args, timeout=timeout)


def test_core_bit_exact_on_target(target, built, tmp_path):
    """firmware/test/test_core.cpp, unchanged, on the emulated MCU: every stage equal."""
    from glovexfer.export.vectors import write_vectors

    paths = write_vectors(tmp_path, n=110, seed=0)
    r = _run(target, built / "gx_test_core.elf", tmp_path)
    print(r.stdout[-1500:])
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"{len(paths)} passed, 0 failed", r.stdout[-3000:]
    assert r.returncode == 0
    counts = dict(re.findall(r"stage (\w+)\s+values compared equal: (\d+)", r.stdout))
    assert set(counts) == set(STAGES)
    for name in STAGES:
        assert int(counts[name]) > 0, name
    assert int(counts["canvas"]) == len(paths) * 128 * 128  # every recording's whole canvas
    total = int(re.search(r"^values compared equal: (\d+)$", r.stdout, re.M).group(1))
    assert total == sum(int(v) for v in counts.values())


def test_core_mismatch_is_caught_on_target(target, built, tmp_path):
    """A corrupted golden value fails on the target too, with stage, index and exit status."""
    from glovexfer.export.vectors import write_vectors

    paths = write_vectors(tmp_path, n=2, seed=1, with_edge_cases=False)
    lines = paths[0].read_text().splitlines()
    i = lines.index(next(line for line in lines if line.startswith("stage resampled"))) + 1
    vals = lines[i].split()
    vals[0] = str(int(vals[0]) + 1)
    lines[i] = " ".join(vals)
    paths[0].write_text("\n".join(lines) + "\n")
    r = _run(target, built / "gx_test_core.elf", tmp_path)
    assert r.returncode == 1, r.stdout[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"
    assert "FIRST MISMATCH" in r.stdout and "stage resampled index 0" in r.stdout


def _int8_vectors(models: Path, tmp: Path) -> dict:
    """tests/test_firmware_int8.py's vector files for the models in ``models``."""
    from glovexfer.device.parity import find_tflite
    from glovexfer.golden import load_int8_model
    from test_firmware_int8 import _inputs, _write_vectors
    from test_golden_int8 import render, synthetic_sequences

    rng = np.random.default_rng(0)
    seq, _ = synthetic_sequences(100, rng)
    x = {"lstm": seq, "cnn": render(seq)}
    out = {}
    for kind in ("lstm", "cnn"):
        tfl = find_tflite(models / f"gx_model_{kind}.cpp", [models, fw_models.ROOT / "models"])
        net = load_int8_model(tfl.read_bytes())
        out[kind] = tmp / f"{kind}.bin"
        _write_vectors(out[kind], kind, net, _inputs(net, x[kind], rng))
    return out


def test_int8_networks_bit_exact_on_target(target, built, models, tmp_path):
    """firmware/test/test_int8.cpp, unchanged, on the emulated MCU: every layer of both nets."""
    vec = _int8_vectors(models, tmp_path)
    r = _run(target, built / "gx_test_int8.elf", vec["lstm"], vec["cnn"])
    print(r.stdout[-800:])
    n = sum(int(p.read_bytes().split(b"\n", 1)[0].split()[3]) for p in vec.values())
    assert n >= 400
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"{n} passed, 0 failed", r.stdout[-3000:]
    m = re.fullmatch(r"(\d+) values compared, 0 mismatches", lines[-2])
    assert m is not None and int(m.group(1)) > n * 1000, lines[-2]
    assert r.returncode == 0


def test_app_on_target_banner_and_bad_input(target, built, models):
    """The app on the board UART: banner names the board, bad input gets an ERR line and
    the firmware keeps answering."""
    from glovexfer.device import open_device
    from glovexfer.device.protocol import PROTO_VERSION

    with open_device(target.name, model_dir=models) as dev:
        assert dev.banner.kind == "READY"
        assert dev.banner.fields["board"] == BOARD_NAMES[target.name]
        assert dev.banner.fields["proto"] == str(PROTO_VERSION)
        dev.write_line("replay 2 zz")
        m = dev.read_message(timeout=20)
        assert m is not None and m.kind == "ERR", m
        dev.write_raw(b"\xff\x00garbage\n")
        m = dev.read_message(timeout=20)
        assert m is not None and m.kind == "ERR", m
        info = dev.info()
        assert info.fields["board"] == BOARD_NAMES[target.name]


def test_parity_on_target(target, built, models, tmp_path, capsys):
    """glovexfer parity --device qemu-*: golden vectors (incl. edge cases) + 200 simulated
    recordings (20 on Xtensa), every reported intermediate and result equal to the golden model."""
    from glovexfer.export.vectors import write_vectors

    n = PARITY_N[target.name]
    vec = tmp_path / "vec"
    write_vectors(vec, 10)
    n_vec = len((vec / "index.txt").read_text().split())
    rc = main(["parity", "--device", target.name, "--model-dir", str(models), "--models", str(models),
               str(fw_models.ROOT / "models"), "--n", str(n), "--vectors", str(vec)])
    out = capsys.readouterr().out
    print(out)
    m = re.search(r"(\d+) recordings, (\d+) values compared, (\d+) mismatches, (\d+) errors", out)
    assert m is not None, out
    assert int(m.group(1)) == n + n_vec
    assert int(m.group(2)) > n * 2000
    assert (m.group(3), m.group(4)) == ("0", "0")
    assert rc == 0
    for stage in ("quaternions", "resampled", "image", "lstm.logits", "cnn.probs", "fused.scores", "fused.result"):
        assert re.search(rf"stage {re.escape(stage)}\s+values\s+[1-9]\d* mismatches 0", out), stage


@pytest.mark.parametrize("name", ["qemu-arm", "qemu-xtensa"])
def test_demo_on_qemu(name, models, unavailable):
    """glovexfer demo --device qemu-arm|qemu-xtensa: the emulated MCU is the glove of the
    main job (the CLI end to end, in its own process)."""
    import subprocess

    _target(name, unavailable)
    r = subprocess.run([sys.executable, "-m", "glovexfer", "demo", "--device", name, "--model-dir", str(models),
                        "--text", "ab", "--fast"], capture_output=True, text=True, timeout=600, check=False)
    print(r.stdout, r.stderr[-2000:])
    assert r.returncode == 0
    assert f"board={BOARD_NAMES[name]}" in r.stdout
    text = r.stdout.strip().splitlines()[-1]
    assert len(text.replace(" ", "")) == 2 and text.replace(" ", "").isalpha(), r.stdout[-2000:]


def _fault_report(target, models, program):
    """(console text, QEMU process) of a fault test program, read up to its "GX FAULT" line."""
    import select
    import time

    from glovexfer.device.qemu import build, start_qemu

    bd = build(target, model_dir=models, programs=(program,))
    proc = start_qemu(target, bd / f"{program}.elf")
    try:
        out = b""
        deadline = time.monotonic() + 60
        while not re.search(rb"GX FAULT .*\n", out):
            assert time.monotonic() < deadline, out
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                chunk = proc.stdout.read(1)
                if not chunk:
                    break
                out += chunk
        return out.decode(errors="replace"), proc
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def test_fault_is_reported_not_silent(target, built, models):
    """A CPU fault (a read of unmapped memory) is reported on the UART by the board's fault
    handler instead of hanging silently; virt and the Xtensa sim also end with status 3."""
    text, proc = _fault_report(target, models, "gx_test_fault")
    try:
        assert "fault test" in text
        m = re.search(r"GX FAULT (exception|mcause) 0x([0-9a-f]{8}) pc 0x([0-9a-f]{8})", text)
        assert m is not None, text
        if target.name == "qemu-riscv":
            assert int(m.group(2), 16) == 5  # load access fault
            assert proc.wait(timeout=30) == 3
        elif target.name == "qemu-xtensa":
            assert int(m.group(2), 16) == 15  # LoadStorePIFAddrError: nothing mapped there
            assert "vaddr 0xfffffff0" in text
            assert proc.wait(timeout=30) == 3
        else:
            assert int(m.group(2), 16) in (3, 5)  # HardFault or BusFault
    finally:
        proc.kill()
        proc.wait()


def test_xtensa_unaligned_load_is_reported(models, unavailable):
    """An unaligned 32-bit load traps on the LX106 (as on a real ESP8266/ESP32): the board's
    exception vector reports LoadStoreAlignmentCause with the odd address and ends the run
    with status 3 instead of hanging."""
    t = _target("qemu-xtensa", unavailable)
    text, proc = _fault_report(t, models, "gx_test_unaligned")
    try:
        assert "unaligned test" in text
        m = re.search(r"GX FAULT exception 0x([0-9a-f]{8}) pc 0x[0-9a-f]{8} vaddr 0x([0-9a-f]{8})", text)
        assert m is not None, text
        assert int(m.group(1), 16) == 9  # LoadStoreAlignmentCause
        assert int(m.group(2), 16) % 4 == 1
        assert proc.wait(timeout=30) == 3
    finally:
        proc.kill()
        proc.wait()


def test_mpu9250_driver_on_xtensa(models, unavailable):
    """The ESP32 glove's portable MPU-9250 driver against its simulated chip on the LX106
    (semihosting; the Cortex-M4F and RV32IMC runs are in tests/test_cross_esp32.py)."""
    from glovexfer.device.qemu import build, run_semihosted

    t = _target("qemu-xtensa", unavailable)
    bd = build(t, model_dir=models, programs=("gx_test_mpu9250",))
    r = run_semihosted(t, bd / "gx_test_mpu9250.elf", timeout=120)
    m = re.fullmatch(r"(\d+) checks, 0 failed", r.stdout.strip().splitlines()[-1])
    assert m is not None and int(m.group(1)) >= 20, r.stdout
    assert r.returncode == 0


def _c_div(a: int, b: int) -> tuple[int, int]:
    """C's integer division: the quotient truncated towards zero, the remainder with the
    dividend's sign."""
    q = abs(a) // abs(b)
    q = -q if (a < 0) != (b < 0) else q
    return q, a - b * q


def _libgcc_cases(n_per_op: int, seed: int) -> tuple[bytes, int]:
    """Records for firmware/boards/xtensa_sim/test_libgcc.cpp: (op, a, b, expected) with
    operands of every magnitude (random bit lengths), both signs and the edge values."""
    import struct

    rng = np.random.default_rng(seed)
    m32, m64 = (1 << 32) - 1, (1 << 64) - 1

    def s(v, bits):  # two's complement value of an unsigned word
        return v - (1 << bits) if v >> (bits - 1) else v

    def operand(bits):
        v = int(rng.integers(0, 1 << 62, dtype=np.int64)) << 2 | int(rng.integers(0, 4))
        v &= (1 << int(rng.integers(1, bits + 1))) - 1  # a random magnitude
        return (-v if rng.integers(0, 2) else v) & (m32 if bits == 32 else m64)

    edges32 = [1, 2, 3, 7, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x10000, 0xFFFF]
    edges64 = edges32 + [1 << 32, (1 << 32) + 1, (1 << 63) - 1, 1 << 63, m64, m64 - 1, 0xFFFFFFFF00000000]
    recs = []
    for op in range(11):
        bits = 32 if op in (0, 1, 2, 3, 9, 10) else 64
        mask = m32 if bits == 32 else m64
        edges = edges32 if bits == 32 else edges64
        pairs = [(a, b) for a in edges for b in edges] + [(operand(bits), operand(bits)) for _ in range(n_per_op)]
        for a, b in pairs:
            sa, sb = s(a, bits), s(b, bits)
            if op in (0, 1, 2, 3, 4, 5, 6, 7):
                if b == 0 or (op in (2, 3, 6, 7) and sa == -(1 << (bits - 1)) and sb == -1):
                    continue  # undefined in C
                if op in (0, 1, 4, 5):
                    q, r = a // b, a % b
                else:
                    q, r = _c_div(sa, sb)
                want = (q if op in (0, 2, 4, 6) else r) & mask
            elif op == 8:
                want = (a * b) & m64
            elif op == 9:
                want = (a & m32) * (b & m32)
            else:
                want = (s(a & m32, 32) * s(b & m32, 32)) & m64
            recs.append(struct.pack("<IQQQ", op, a, b, want))
    return b"".join(recs), len(recs)


def test_xtensa_libgcc_helpers(models, unavailable, tmp_path):
    """The board's own integer division and 64-bit multiply helpers (Debian's lx106 libgcc
    lacks them) give C's results for operands of every size and sign, edge values included."""
    from glovexfer.device.qemu import build, run_semihosted

    t = _target("qemu-xtensa", unavailable)
    data, n = _libgcc_cases(1500, seed=3)
    cases = tmp_path / "cases.bin"
    cases.write_bytes(data)
    bd = build(t, model_dir=models, programs=("gx_test_libgcc",))
    r = run_semihosted(t, bd / "gx_test_libgcc.elf", [cases], timeout=120)
    print(r.stdout[-1500:])
    assert r.stdout.strip().splitlines()[-1] == f"{n} checks, 0 failed", r.stdout[-1500:]
    assert n > 11 * 1500
    assert r.returncode == 0
    # and a wrong expectation is caught
    bad = bytearray(data)
    bad[-1] ^= 1
    cases.write_bytes(bytes(bad))
    r = run_semihosted(t, bd / "gx_test_libgcc.elf", [cases], timeout=120)
    assert r.returncode == 1 and r.stdout.strip().splitlines()[-1] == f"{n} checks, 1 failed"
    assert "MISMATCH case" in r.stdout


@pytest.mark.parametrize("name", ["qemu-arm", "qemu-riscv"])
def test_spotter_bit_exact_on_target(name, unavailable, models, digilets_dir, tmp_path):
    """firmware/test/test_spotter.cpp on the emulated MCU: the streaming letter spotter on
    simulated sessions, every window's logits, letter, word start and normalised letter
    equal to the golden model's (tests/test_firmware_spotter.py writes the file)."""
    from glovexfer.device.qemu import build
    from test_firmware_spotter import NATIVE_SESSIONS, check_report, simulated_sessions, write_spotter_file

    t = _target(name, unavailable)
    if not (Path(models) / "gx_model_spotter.cpp").is_file():
        pytest.skip(f"{models} has no gx_model_spotter.cpp (glovexfer export --firmware-only)")
    bd = build(t, model_dir=models, programs=("gx_test_spotter",))
    totals = write_spotter_file(tmp_path / "spot.bin", simulated_sessions(tmp_path, NATIVE_SESSIONS, 3, digilets_dir))
    r = _run(t, bd / "gx_test_spotter.elf", tmp_path / "spot.bin")
    print(r.stdout[-1000:])
    assert r.returncode == 0, r.stdout[-3000:]
    check_report(r.stdout, totals)


@pytest.mark.parametrize("name", ["qemu-arm", "qemu-riscv"])
def test_spotter_bench_on_target(name, unavailable, models, digilets_dir, tmp_path):
    """boards/qemu_common/bench_spotter.cpp under -icount: instructions per hop of 32 samples
    (one spotter window + 31 plain pushes), per letter normalisation; reported (-s), with
    the counts of hops and letters checked against the sessions."""
    from glovexfer.device.qemu import build, run_semihosted
    from test_firmware_spotter import simulated_sessions, write_spotter_file

    t = _target(name, unavailable)
    if not (Path(models) / "gx_model_spotter.cpp").is_file():
        pytest.skip(f"{models} has no gx_model_spotter.cpp (glovexfer export --firmware-only)")
    bd = build(t, model_dir=models, programs=("gx_bench_spotter",))
    npz = simulated_sessions(tmp_path, 10, 3, digilets_dir)
    totals = write_spotter_file(tmp_path / "spot.bin", npz)
    r = run_semihosted(t, bd / "gx_bench_spotter.elf", [tmp_path / "spot.bin"], timeout=600, icount=True)
    print(r.stdout[-1000:])
    assert r.returncode == 0, r.stdout[-2000:]
    kv = dict(re.findall(r"(\w+)=(\d+)", r.stdout.strip().splitlines()[-1]))
    from glovexfer.data.sessions import SessionSet

    ss = SessionSet.load(npz)
    assert int(kv["hops"]) == sum(len(ss[i].counts) // 32 for i in range(len(ss)))
    assert int(kv["letters"]) == totals["letters"]
    # a hop is one window plus 31 pushes that only store a sample
    assert 0 < int(kv["plain_push_mean"]) * 31 < int(kv["window_mean"]) <= int(kv["hop_max"])
