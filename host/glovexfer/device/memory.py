"""RAM of the firmware's recognition path on the host-native build (docs/benchmarks.md).

* Static RAM: ``.data`` + ``.bss`` of every object of the firmware (core library, app,
  generated models; the native board's own few bytes are listed apart), read with binutils
  ``size -A``.  ``.data.rel.ro*`` (constant tables holding pointers: read-only after
  relocation, flash on a microcontroller) and ``.rodata*`` are not RAM.  The host firmware
  carries all the networks; a firmware built for one model (the build-time selection,
  firmware/core/select.h) has that total with the objects whose buffers depend on the
  selection (core/recognizer: the pre-network stages in a union with the networks'
  scratch, the network inputs and outputs; core/network; app/app) replaced by the same
  objects compiled for that model (CMake targets ``gx_ram_<model>``; ``signal`` and
  ``fused_signal`` = LSTM + signal network when the model directory holds one).
* Stack: the maximum depth of one recognition per model, by stack painting
  (firmware/test/mem_probe.cpp) over the given recordings.

``python -m glovexfer.device.memory [--model-dir DIR] [--n N]`` prints the table.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import GloveXferError
from .build import native_binary, repo_root

TARGET_BYTES = 64 * 1024
#: The model selections (firmware/sources.cmake GX_SELECT_<m>) and the objects whose static
#: RAM depends on the selection (firmware/CMakeLists.txt gx_ram_<m>).
SELECTIONS = ("lstm", "cnn", "fused", "signal", "fused_signal")
SELECTION_OBJECTS = ("core/recognizer", "core/network", "app/app")


def object_ram(obj: Path) -> int:
    """``.data*`` (without ``.data.rel.ro*``) + ``.bss*`` bytes of one object file."""
    r = subprocess.run(["size", "-A", str(obj)], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise GloveXferError(f"size -A {obj} failed: {r.stderr.strip()}")
    total = 0
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        name = parts[0]
        if name.startswith(".bss") or name.startswith(".tbss") or (
            name.startswith(".data") and not name.startswith(".data.rel.ro")
        ) or name.startswith(".tdata"):
            total += int(parts[1])
    return total


def measure(model_dir=None, n: int = 20, build_dir=None, seed: int = 0) -> dict:
    if shutil.which("size") is None:
        raise GloveXferError("binutils 'size' not found (Debian: apt-get install binutils)")
    from ..simulate.recordings import simulated_recordings

    bd = Path(build_dir) if build_dir is not None else repo_root() / "build" / "firmware-native"
    probe = native_binary(model_dir=model_dir, build_dir=bd, target="gx_mem_probe")
    native_binary(model_dir=model_dir, build_dir=bd, target="gx_glove")
    objs = {}
    for o in sorted((bd / "CMakeFiles" / "gxcore.dir").rglob("*.o")):
        objs["core/" + o.name.removesuffix(".cpp.o")] = object_ram(o)
    for o in sorted((bd / "CMakeFiles" / "gx_glove.dir").rglob("*.o")):
        key = ("board/" if "boards" in o.parts else "app/") + o.name.removesuffix(".cpp.o")
        objs[key] = object_ram(o)
    recs = simulated_recordings(n, seed=seed)
    text = "\n".join(" ".join(str(int(v)) for v in c.reshape(-1)) for c in recs) + "\n"
    r = subprocess.run([str(probe)], input=text, capture_output=True, text=True, timeout=600, check=False)
    if r.returncode != 0:
        raise GloveXferError(f"{probe} failed: {r.stdout}{r.stderr}")
    stack = {m.group(1): int(m.group(2)) for m in re.finditer(r"^stack (\w+) (\d+)", r.stdout, re.M)}
    static = {m.group(1): int(m.group(2)) for m in re.finditer(r"^static (\w+) (\d+)", r.stdout, re.M)}
    firmware = sum(v for k, v in objs.items() if not k.startswith("board/"))
    # the selection-dependent objects, compiled for each model (firmware/CMakeLists.txt)
    models = [m for m in SELECTIONS if m in stack]
    r = subprocess.run(["cmake", "--build", str(bd), "-j", "2", "--target", *(f"gx_ram_{m}" for m in models)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise GloveXferError(f"building the per-model objects failed:\n{(r.stdout + r.stderr)[-4000:]}")
    selected = sum(objs[k] for k in SELECTION_OBJECTS)
    per_model = {}
    for m in models:
        found = {o.name.removesuffix(".cpp.o") for o in (bd / "CMakeFiles" / f"gx_ram_{m}.dir").rglob("*.o")}
        if found != {k.split("/")[1] for k in SELECTION_OBJECTS}:
            raise GloveXferError(f"gx_ram_{m}: expected the objects {SELECTION_OBJECTS}, found {sorted(found)}")
        own = sum(object_ram(o) for o in (bd / "CMakeFiles" / f"gx_ram_{m}.dir").rglob("*.o"))
        per_model[m] = firmware - selected + own
    return {"objects": objs, "firmware_static": firmware, "static_per_model": per_model, "stack": stack,
            "buffers": static, "recordings": n}


def report(m: dict) -> str:
    lines = [
        "| model | static RAM (.data + .bss) | max stack of one recognition | total | of 64 KiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for k in m["static_per_model"]:
        s, st = m["static_per_model"][k], m["stack"][k]
        lines.append(f"| {k} | {s} B | {st} B | {s + st} B | {100 * (s + st) / TARGET_BYTES:.0f} % |")
    lines.append("")
    lines.append(f"Largest buffers: {', '.join(f'{k} {v} B' for k, v in m['buffers'].items())}; "
                 f"stack measured over {m['recordings']} simulated recordings per model.")
    lines.append("")
    lines.append("| object | .data + .bss |")
    lines.append("|---|---:|")
    for k, v in m["objects"].items():
        if v:
            lines.append(f"| {k} | {v} B |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m glovexfer.device.memory", description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", help="generated model sources (default: models/glove/firmware)")
    p.add_argument("--n", type=int, default=20, help="recordings for the stack measurement")
    a = p.parse_args(argv)
    try:
        print(report(measure(a.model_dir, a.n)))
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
