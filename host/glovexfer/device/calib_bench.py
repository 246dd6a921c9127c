"""What the letter calibration (firmware/core/calibrate, docs/calibration.md) costs on an
emulated board: ``gx_bench_calib`` (firmware/boards/qemu_common/bench_calib.cpp) counts the
instructions under QEMU -icount of a full set of the fused model (26 letters x 3 samples):
per recognition (``gx_calib_decide``), per spotted letter of continuous writing on top of
that (``gx_calib_outputs`` of both networks), per change of the set (``gx_calib_scale``), per
leave-one-out under the four candidate gains (``gx_calib_loo``: Guard 2 and the choice of
the gain, spec v2) and per record seal (``gx_calib_set_gain`` + ``gx_calib_seal``: the
digest); flash and static RAM of calibrate.cpp from the linker map; the set (the stored
record) and the guard's scratch, owned by the app."""

from __future__ import annotations

import re

from ..errors import GloveXferError
from .decode_bench import object_sizes

KEY = "letter_calibration"
TARGETS = ("qemu-arm", "qemu-riscv")
_LINE = re.compile(r"^CALIBBENCH((?: \w+=\d+)+)$", re.M)


def run(target: str = "qemu-arm") -> dict:
    from .qemu import build, run_semihosted

    bd = build(target, model_dir="", programs=("gx_bench_calib",))
    r = run_semihosted(target, bd / "gx_bench_calib.elf", timeout=300, icount=True)
    m = _LINE.search(r.stdout)
    if r.returncode != 0 or m is None:
        raise GloveXferError(f"{target}: gx_bench_calib failed (status {r.returncode}):\n{r.stdout[-2000:]}")
    v = {k: int(x) for k, x in (kv.split("=") for kv in m.group(1).split())}
    code = object_sizes(bd / "gx_bench_calib.map", "calibrate.cpp.obj")
    return {
        "samples": v["samples"],
        "instructions_per_recognition": {"mean": v["decide_mean"], "max": v["decide_max"]},
        # continuous writing adds both networks' calibrated outputs (gx_calib_outputs) per letter
        "instructions_per_letter_outputs": v["outputs_mean"],
        "instructions_per_change": v["scale"],
        "instructions_per_guard": v["loo"],
        "instructions_per_seal": v["seal"],
        "code_flash_bytes": code["flash_bytes"],
        "static_ram_bytes": code["ram_bytes"],
        "set_bytes": v["set_bytes"],
        "guard_scratch_bytes": v["scratch_bytes"],
        "stack_bytes": v["stack"],
        "counter_resolution": v["res"],
        "elf": "gx_bench_calib.elf",
    }


def run_all(targets=TARGETS) -> dict:
    bad = [t for t in targets if t not in TARGETS]
    if bad:
        raise GloveXferError(f"the letter calibration is measured on {' and '.join(TARGETS)}, not {', '.join(bad)}")
    return {t: run(t) for t in targets}


def table(res: dict) -> str:
    lines = [f"{'target':<11} {'insn/recognition':>16} {'insn/change':>12} {'insn/guard':>12} {'insn/seal':>10} {'code flash':>10} "
             f"{'set (RAM+store)':>15} {'guard scratch':>13} {'stack':>6}"]
    for t, v in res.items():
        lines.append(f"{t:<11} {v['instructions_per_recognition']['mean']:>16,} {v['instructions_per_change']:>12,} "
                     f"{v['instructions_per_guard']:>12,} {v['instructions_per_seal']:>10,} {v['code_flash_bytes']:>10,} {v['set_bytes']:>15,} "
                     f"{v['guard_scratch_bytes']:>13,} {v['stack_bytes']:>6}")
    return "\n".join(lines)


__all__ = ["KEY", "TARGETS", "run", "run_all", "table"]
