"""``glovexfer bench``: what one recognition costs on each target, for each model.

Targets: ``native`` (the host, x86-64), ``qemu-arm`` (Cortex-M4F, QEMU mps2-an386),
``qemu-riscv`` (RV32IMC, QEMU virt), ``qemu-xtensa`` (Xtensa LX106, QEMU sim: the ESP8266's
core -- call0 ABI, no FPU, no integer divider, no MAC16 -- not the ESP32's LX6, so its counts
are an Xtensa figure, not the ESP32's; not in the default target list).  Models: ``lstm``, ``cnn``, ``fused`` (both nets), and
when the model directory holds the signal network (``gx_model_signal.cpp``) ``signal`` and
``fused_signal`` (LSTM + signal network; the default model list then includes them).

* **flash / RAM** -- from the linker map of the firmware app built for that model alone
  (``gx_app_<model>``: core and app with the build-time selection of firmware/core/select.h,
  only that model's weights; firmware/cmake/cross_targets.cmake): flash =
  the output sections in the FLASH region (vectors, text, rodata incl. the int8 weights,
  unwind/init tables), RAM = data + bss in the RAM region (the reserved ``.stack`` is
  reported separately).  Native: the same by section name (text/rodata vs data/bss).
* **stack** -- the benchmark program (``gx_bench_<model>``, ``bench_main.cpp``) paints the
  stack before ``gx_recognise`` and reports the high-water mark afterwards (bytes from the
  top of the stack, so the bench's own frames are included: an upper bound).
* **instructions** -- the benchmark program reads a counter around ``gx_recognise`` and
  around each stage, with QEMU run as ``-icount shift=0`` (1 instruction = 1 ns of virtual
  time): RISC-V reads the ``instret`` CSR (exact); the Cortex-M4 reads the CMSDK timer
  (25 MHz, so 40 instructions per tick; QEMU has no DWT cycle counter for this board); the
  LX106 reads its CCOUNT register, which QEMU advances at the core's 40 MHz of virtual time
  (25 instructions per tick).
  Native: valgrind's callgrind counts the instructions inside ``gx_recognise`` (x86-64
  instructions; ``None`` without valgrind).
* **time** -- instructions / 240 MHz assuming one instruction per clock (see
  :data:`ASSUMPTION`).

Recordings: the first ``n`` of the shipped demo set (``resources/demo_glove.npz``).

``glovexfer bench --decoder`` measures the word decoder of continuous writing instead
(:func:`run_decoder_bench`, on the Cortex-M4F and RV32IMC): a fused word's letter costs
(``gx_letter_costs_fused``) and ``gx_decode_word`` on the shipped lexicon as
``glovexfer.device.decode_bench`` runs it -- flash of its code and of the lexicon
object, RAM (static + the caller's scratch + the stack high-water mark around the call),
instructions per word -- under the JSON key :data:`DECODER_KEY`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import GloveXferError
from .build import repo_root, resolve_model_dir
from .qemu import build, qemu_log, start_qemu, target_of

#: the models of every model directory
BASE_MODELS = ("lstm", "cnn", "fused")
#: the models that need the signal network (gx_model_signal.cpp in the model directory)
SIGNAL_MODELS = ("signal", "fused_signal")
MODELS = BASE_MODELS + SIGNAL_MODELS
#: the networks each model runs (the model versions reported with it)
MODEL_NETS = {"lstm": ("lstm",), "cnn": ("cnn",), "fused": ("lstm", "cnn"), "signal": ("signal",),
              "fused_signal": ("lstm", "signal")}
TARGET_NAMES = ("native", "qemu-arm", "qemu-riscv", "qemu-xtensa")
#: what `glovexfer bench` measures without --targets (docs/bench.json)
DEFAULT_TARGETS = ("native", "qemu-arm", "qemu-riscv")
#: per-stage keys of a BENCH line of lstm / cnn / fused, in pipeline order
STAGES = ("check", "orientation", "euler", "points", "normalise", "smooth", "thin", "resample", "raster", "lstm_in", "lstm",
          "cnn_in", "cnn", "decide")
#: the same of signal / fused_signal: the signals stage, the signal network's input
#: quantisation and the network itself in addition (decide: every net's softmax + top-3, fusion)
SIGNAL_STAGES = ("check", "orientation", "euler", "points", "normalise", "smooth", "thin", "resample", "raster", "signals",
                 "lstm_in", "lstm", "cnn_in", "cnn", "signal_in", "signal", "decide")
#: the issue's stage groups ("signals" only for the models with the signal network)
GROUPS = {
    "model_check": ("check",),
    "cleaning": ("euler", "points", "normalise", "smooth", "thin"),
    "spline": ("resample",),
    "rasteriser": ("raster",),
    "signals": ("signals",),
    "network": ("lstm_in", "lstm", "cnn_in", "cnn", "signal_in", "signal", "decide"),
}
CLOCK_HZ = 240_000_000
ASSUMPTION = ("estimated time = instructions / 240 MHz, i.e. one instruction per clock (CPI 1) on the ESP32's "
              "240 MHz core; real CPI is higher (64-bit multiplies, taken branches, flash-cache misses on the "
              "weights), so read it as a lower bound; the RV32IMC count stands for the ESP32-C3 "
              "(max 160 MHz: x1.5), the Cortex-M4F count for a Thumb-2 MCU, the Xtensa LX106 count for the "
              "ESP8266 (80/160 MHz; not the ESP32's LX6)")
COUNTERS = {
    "qemu-arm": "CMSDK APB timer 0 (25 MHz) under QEMU -icount shift=0: 40 instructions per tick",
    "qemu-riscv": "instret CSR under QEMU -icount shift=0: exact",
    "qemu-xtensa": ("CCOUNT (rsr.ccount, 40 MHz of virtual time) under QEMU -icount shift=0: 25 instructions per "
                    "tick; Xtensa LX106 = the ESP8266's core (call0, no FPU/divider/MAC16), not the ESP32's LX6"),
    "native": "valgrind callgrind, Ir inside gx_recognise (x86-64 instructions)",
}
#: the targets the word decoder is measured on, and its key in the bench JSON
DECODER_TARGETS = ("qemu-arm", "qemu-riscv")
DECODER_KEY = "word_decoder"
_BENCH_LINE = re.compile(r"^BENCH model=(\w+)((?: \w+=\S+)+)$")
_DEBUG = (".debug", ".comment", ".note", ".gnu.attributes", ".ARM.attributes", ".riscv.attributes", ".stab",
          ".gnu.build.attributes")
_NATIVE_FLASH = {".init", ".plt", ".plt.got", ".plt.sec", ".text", ".fini", ".rodata", ".rodata1", ".eh_frame_hdr",
                 ".eh_frame", ".gcc_except_table"}
_NATIVE_RAM = {".tdata", ".tbss", ".preinit_array", ".init_array", ".fini_array", ".data.rel.ro", ".dynamic", ".got",
               ".got.plt", ".data", ".bss", ".tm_clone_table"}


# ------------------------------------------------------------------------------- sizes
def map_sections(map_path) -> tuple[dict, list]:
    """(regions, sections) of a GNU ld map: regions name -> (origin, length); sections a
    list of (name, address, size) of the output sections (debug sections left out)."""
    p = Path(map_path)
    try:
        text = p.read_text(errors="replace")
    except OSError as e:
        raise GloveXferError(f"{p}: cannot read the linker map: {e}") from None
    regions = {}
    if "Memory Configuration" in text:
        block = text.split("Memory Configuration", 1)[1].split("Linker script and memory map", 1)[0]
        for m in re.finditer(r"^(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)", block, re.M):
            if m.group(1) != "*default*":
                regions[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
    body = text.split("Linker script and memory map", 1)[-1]
    lines = body.splitlines()
    sections = []
    for i, line in enumerate(lines):
        if not line.startswith(".") or line.startswith(_DEBUG):
            continue
        m = re.match(r"^(\.\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)", line)
        if m is None and re.fullmatch(r"\.\S+", line.strip()) and i + 1 < len(lines):
            m2 = re.match(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)", lines[i + 1])
            if m2:
                sections.append((line.strip(), int(m2.group(1), 16), int(m2.group(2), 16)))
            continue
        if m:
            sections.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
    if not sections:
        raise GloveXferError(f"{p}: no output sections found (not a GNU ld map?)")
    return regions, sections


def map_sizes(map_path) -> dict:
    """flash_bytes / ram_bytes (and the sections counted) from a linker map."""
    regions, sections = map_sections(map_path)
    flash, ram, used = 0, 0, {}
    by_name = {k.lower(): v for k, v in regions.items()}
    fl, rm = by_name.get("flash"), by_name.get("ram")
    for name, addr, size in sections:
        if size == 0:
            continue
        if fl is not None and rm is not None:
            if fl[0] <= addr < fl[0] + fl[1]:
                flash += size
                used[name] = ("flash", size)
            elif rm[0] <= addr < rm[0] + rm[1] and name != ".stack":
                ram += size
                used[name] = ("ram", size)
        elif name in _NATIVE_FLASH:
            flash += size
            used[name] = ("flash", size)
        elif name in _NATIVE_RAM:
            ram += size
            used[name] = ("ram", size)
    return {"flash_bytes": flash, "ram_bytes": ram, "sections": used}


# -------------------------------------------------------------------------- recordings
def bench_recordings(n: int) -> np.ndarray:
    from ..data.paths import demo_set_path
    from ..data.recordings import RecordingSet

    counts = RecordingSet.load(demo_set_path()).counts
    if not 1 <= n <= len(counts):
        raise GloveXferError(f"--n must be within 1..{len(counts)} (the demo set's recordings), got {n}")
    return counts[:n]


def rec_line(counts) -> str:
    c = np.asarray(counts, dtype=np.int16)
    return f"rec {c.shape[0]} " + c.astype(">i2").tobytes().hex()


def parse_bench_line(line: str) -> dict:
    m = _BENCH_LINE.match(line.strip())
    if m is None:
        raise GloveXferError(f"benchmark program: unexpected line {line.strip()[:200]!r}")
    out = {"model": m.group(1)}
    for kv in m.group(2).split():
        k, v = kv.split("=", 1)
        out[k] = v if k == "letter" else int(v)
    return out


def _check(rows: list, where: str) -> None:
    for k, r in enumerate(rows):
        if r.get("status") != 0 or r.get("stages_ok") != 1:
            raise GloveXferError(f"{where}: recording {k}: recognition failed or stage-by-stage run differs ({r})")


# ------------------------------------------------------------------------------ runners
def run_bench_qemu(target: str, elf, recordings, timeout: float = 600.0) -> list[dict]:
    """Run a gx_bench ELF under QEMU -icount and return one dict per recording."""
    t = target_of(target)
    proc = start_qemu(t, elf, icount=True)
    rows = []
    try:
        out = proc.stdout
        deadline = time.monotonic() + timeout

        def line() -> str:
            import select

            buf = b""
            while not buf.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise GloveXferError(f"{t.name}: {Path(elf).name}: no answer within {timeout:.0f} s")
                r, _, _ = select.select([out], [], [], min(left, 1.0))
                if r:
                    ch = out.read(1)
                    if not ch:
                        raise GloveXferError(f"{t.name}: QEMU exited: {qemu_log(proc)}")
                    buf += ch
            return buf.decode(errors="replace").rstrip("\r\n")

        first = line()
        if not first.startswith("BENCH READY"):
            raise GloveXferError(f"{t.name}: {Path(elf).name}: expected 'BENCH READY', got {first!r}")
        for c in recordings:
            for attempt in range(2):
                proc.stdin.write((rec_line(c) + "\n").encode())
                proc.stdin.flush()
                got = line()
                # the emulated console can garble a line on a loaded host (seen once on
                # qemu-xtensa); the program answers it with an error line and waits for the
                # next: the same recording is sent once more, a second error is an error
                if attempt == 0 and got.startswith("BENCH ERR expected: rec"):
                    continue
                rows.append(parse_bench_line(got))
                break
        proc.stdin.write(b"end\n")
        proc.stdin.flush()
        if line() != "BENCH DONE":
            raise GloveXferError(f"{t.name}: {Path(elf).name}: no 'BENCH DONE'")
    finally:
        proc.kill()
        proc.wait()
    return rows


def run_bench_native(elf, recordings, timeout: float = 600.0) -> tuple[list[dict], int | None]:
    """Run a host gx_bench ELF (stack high-water per recording) and, with valgrind, count the
    instructions inside gx_recognise; returns (rows, instructions per recognition or None)."""
    inp = "".join(rec_line(c) + "\n" for c in recordings) + "end\n"
    r = subprocess.run([str(elf)], input=inp, capture_output=True, text=True, timeout=timeout, check=False)
    lines = r.stdout.splitlines()
    if r.returncode != 0 or not lines or not lines[0].startswith("BENCH READY") or lines[-1] != "BENCH DONE":
        raise GloveXferError(f"native benchmark {elf} failed (status {r.returncode}): {(r.stdout + r.stderr)[-1000:]}")
    rows = [parse_bench_line(x) for x in lines[1:-1]]
    insn = None
    if shutil.which("valgrind") is not None:
        import tempfile

        with tempfile.TemporaryDirectory() as td:
            out = Path(td) / "callgrind.out"
            v = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                "--toggle-collect=gx::gx_recognise*", str(elf)],
                               input=inp, capture_output=True, text=True, timeout=timeout * 20, check=False)
            m = re.search(r"Collected : (\d+)", v.stderr)
            if v.returncode == 0 and m:
                insn = round(int(m.group(1)) / len(recordings))
    return rows, insn


# ------------------------------------------------------------------------------ summary
def summarise(rows: list[dict], counter_res: int | None) -> dict:
    """Per-model figures from the BENCH rows of several recordings."""
    insn = np.array([r["insn"] for r in rows], dtype=np.int64)
    keys = SIGNAL_STAGES if "signals" in rows[0] else STAGES
    stages = {k: round(float(np.mean([r[k] for r in rows]))) for k in keys}
    n_samples = np.array([r["n"] for r in rows], dtype=np.float64)
    out = {
        "instructions": round(float(insn.mean())),
        "instructions_min": int(insn.min()),
        "instructions_max": int(insn.max()),
        "stack_bytes": int(max(r["stack"] for r in rows)),
        "stages": stages,
        "groups": {g: sum(stages.get(k, 0) for k in ks) for g, ks in GROUPS.items() if any(k in stages for k in ks)},
        "madgwick_per_sample": round(float(np.mean([r["orientation"] / r["n"] for r in rows]))),
        "samples_per_recording": int(n_samples.max()),
        "letters": "".join(r["letter"] for r in rows),
        "counter_resolution": counter_res,
    }
    layer_keys = [k for k in rows[0] if k.startswith("layer_")]
    if layer_keys:
        # per network layer (mean), from the benchmark's layer-hooked run of each network
        out["layers"] = {k[len("layer_"):]: round(float(np.mean([r[k] for r in rows]))) for k in layer_keys}
    return out


def has_signal_model(md: Path) -> bool:
    """Whether the model directory holds the optional signal network."""
    return (Path(md) / "gx_model_signal.cpp").is_file()


def model_versions(md: Path) -> dict:
    out = {}
    for kind in ("lstm", "cnn", "signal"):
        if kind == "signal" and not has_signal_model(md):
            continue
        head = (md / f"gx_model_{kind}.cpp").read_text(errors="replace")[:500]
        m = re.search(r"^// (gxmodel/\S+ .*)$", head, re.M)
        out[kind] = m.group(1) if m else "?"
    return out


def run_bench(targets=DEFAULT_TARGETS, models=None, n: int = 20, model_dir=None, progress: bool = True,
              out=None, build_root=None) -> dict:
    """Build and measure; returns target -> model -> figures (see the module docstring).
    ``models``: default lstm, cnn, fused, plus signal and fused_signal when the model
    directory holds the signal network. Builds go to ``<build_root>/bench-<target>``
    (default: the repository's build/). Progress goes to ``out`` (default: the sys.stderr
    of the time of the call)."""
    out = sys.stderr if out is None else out
    for t in targets:
        if t not in TARGET_NAMES:
            raise GloveXferError(f"unknown bench target {t!r}: use {', '.join(TARGET_NAMES)}")
    for m in models or ():
        if m not in MODELS:
            raise GloveXferError(f"unknown model {m!r}: use {', '.join(MODELS)}")
    recs = bench_recordings(n)
    md = resolve_model_dir(model_dir)
    if md is None:
        raise GloveXferError("the benchmarks need models (--model-dir)")
    signal = has_signal_model(md)
    if models is None:
        models = MODELS if signal else BASE_MODELS
    if not signal and any(m in SIGNAL_MODELS for m in models):
        raise GloveXferError(f"{md}: no signal network (gx_model_signal.cpp): the models "
                             f"{', '.join(SIGNAL_MODELS)} need one")
    build_root = repo_root() / "build" if build_root is None else Path(build_root)
    versions = model_versions(md)
    programs = tuple(f"gx_app_{m}" for m in models) + tuple(f"gx_bench_{m}" for m in models)
    result: dict = {}
    for t in targets:
        t0 = time.monotonic()
        if progress:
            print(f"bench: building for {t} ...", file=out, flush=True)
        if t == "native":
            bd = _build_native(md, programs, build_root / "bench-native")
        else:
            bd = build(t, model_dir=md, build_dir=build_root / f"bench-{t}", programs=programs)
        result[t] = {}
        for m in models:
            sizes = map_sizes(bd / f"gx_app_{m}.map")
            elf = bd / f"gx_bench_{m}.elf"
            if t == "native":
                rows, insn = run_bench_native(elf, recs)
                _check(rows, f"native {m}")
                entry = {"instructions": insn, "stack_bytes": int(max(r["stack"] for r in rows)),
                         "letters": "".join(r["letter"] for r in rows), "counter_resolution": None}
            else:
                rows = run_bench_qemu(t, elf, recs)
                _check(rows, f"{t} {m}")
                entry = summarise(rows, rows[0]["res"])
            entry = {"flash_bytes": sizes["flash_bytes"], "ram_bytes": sizes["ram_bytes"], **entry}
            if entry.get("instructions") is not None:
                entry["est_ms_at_240mhz"] = round(entry["instructions"] / CLOCK_HZ * 1000, 2)
            entry["recordings"] = len(recs)
            entry["counted_by"] = COUNTERS[t]
            entry["sections"] = {k: v[1] for k, v in sorted(sizes["sections"].items())}
            entry["elf"] = f"gx_app_{m}.elf / gx_bench_{m}.elf"
            entry["model_versions"] = {k: v for k, v in versions.items() if k in MODEL_NETS[m]}
            result[t][m] = entry
            if progress:
                print(f"bench: {t:10s} {m:5s} flash {entry['flash_bytes']:7d} B  RAM {entry['ram_bytes']:6d} B  "
                      f"stack {entry['stack_bytes']:5d} B  instructions {entry['instructions']}", file=out, flush=True)
        if progress:
            print(f"bench: {t} done in {time.monotonic() - t0:.0f} s", file=out, flush=True)
    return result


def run_decoder_bench(targets=DECODER_TARGETS, progress: bool = True, out=None) -> dict:
    """target -> the word decoder's device cost (``glovexfer.device.decode_bench.run``, its
    figures regrouped): flash of the decoder's code (decode.cpp) and of the lexicon object
    (gx_lexicon.cpp) from the linker map; RAM = their static RAM + the caller-owned scratch +
    the stack high-water mark around ``gx_decode_word`` (the test program's frames included:
    an upper bound); instructions per word (mean, max) per word length and kind of synthetic
    scores."""
    from . import decode_bench

    out = sys.stderr if out is None else out
    result = {}
    for t in targets:
        if t not in DECODER_TARGETS:
            raise GloveXferError(f"the word decoder is measured on {' and '.join(DECODER_TARGETS)}, not {t}")
        if progress:
            print(f"bench: word decoder on {t} ...", file=out, flush=True)
        r = decode_bench.run(t)
        static = r["decoder"]["ram_bytes"] + r["lexicon"]["ram_bytes"]
        stack = max(v["stack_max"] for kinds in r["lengths"].values() for v in kinds.values())
        result[t] = {
            "code_flash_bytes": r["decoder"]["flash_bytes"],
            "lexicon_flash_bytes": r["lexicon"]["flash_bytes"],
            "static_ram_bytes": static,
            "scratch_bytes": r["scratch_bytes"],
            "stack_bytes": stack,
            "ram_bytes": static + r["scratch_bytes"] + stack,
            "instructions_per_word": {length: {kind: {"mean": v["insn_mean"], "max": v["insn_max"]}
                                               for kind, v in kinds.items()}
                                      for length, kinds in r["lengths"].items()},
            "words_per_row": r["per_kind"],
            "scores": f"synthetic, {r['inputs']} (decode_bench: recogniser-like, uniform)",
            "lexicon_version": _lexicon_version(),
            "counted_by": COUNTERS[t],
            "elf": "gx_test_decode.elf",
        }
    return result


def _lexicon_version() -> str:
    from ..files import domain_firmware_dir

    m = re.search(r'"(gxlex/\S+ [^"]*)"', (domain_firmware_dir("glove") / "gx_lexicon.cpp").read_text(errors="replace"))
    return m.group(1) if m else "?"


def merge_json(path, key: str, value) -> Path:
    """Set ``key`` of the JSON object in ``path`` (created when missing), its other keys kept."""
    p = Path(path)
    data = {}
    if p.is_file():
        try:
            data = json.loads(p.read_text())
        except ValueError as e:
            raise GloveXferError(f"{p}: not a JSON file ({e}); the figures would replace it") from None
        if not isinstance(data, dict):
            raise GloveXferError(f"{p}: not a JSON object")
    data[key] = value
    return write_json(data, p)


def _build_native(md: Path, programs, bd: Path) -> Path:
    bd.mkdir(parents=True, exist_ok=True)
    if shutil.which("cmake") is None:
        raise GloveXferError("cmake not found: the native benchmark needs CMake and a C++17 compiler")
    cfg = ["cmake", "-S", str(repo_root() / "firmware" / "boards" / "qemu_common"), "-B", str(bd),
           "-DCMAKE_BUILD_TYPE=Release", f"-DGX_MODEL_DIR={md}", f"-DPython3_EXECUTABLE={sys.executable}"]
    for cmd in (cfg, ["cmake", "--build", str(bd), "-j", "2", "--target", *programs]):
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise GloveXferError(f"native benchmark build failed ({' '.join(cmd[:2])}):\n{(r.stdout + r.stderr)[-4000:]}")
    return bd


def write_json(result: dict, path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n")
    return p


def _targets(result: dict) -> list:
    """(target, model -> figures) of a bench result, other keys (:data:`DECODER_KEY`) left out."""
    return [(t, per) for t, per in result.items() if t in TARGET_NAMES]


def table(result: dict) -> str:
    """A Markdown table of the main figures."""
    rows = ["| target | model | flash (B) | RAM data+bss (B) | stack (B) | instructions / recognition | est. ms @ 240 MHz |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for t, per in _targets(result):
        for m, e in per.items():
            insn = e.get("instructions")
            rows.append(f"| {t} | {m} | {e['flash_bytes']} | {e['ram_bytes']} | {e['stack_bytes']} | "
                        f"{insn if insn is not None else 'n/a'} | {e.get('est_ms_at_240mhz', 'n/a')} |")
    return "\n".join(rows)


def stage_table(result: dict) -> str:
    """Instructions per stage (mean over the recordings) of the emulated targets; with a
    signals-stage column when a model with the signal network was measured."""
    sig = any("signals" in e.get("groups", {}) for per in result.values() for e in per.values())
    head = "| target | model | model check | Madgwick / sample | cleaning | spline | rasteriser |"
    head += " signals |" if sig else ""
    rows = [head + " network | recognition |", "|---|---|" + "---:|" * (8 if sig else 7)]
    for t, per in _targets(result):
        for m, e in per.items():
            if "groups" not in e:
                continue
            g = e["groups"]
            row = (f"| {t} | {m} | {g['model_check']} | {e['madgwick_per_sample']} | {g['cleaning']} | {g['spline']} | "
                   f"{g['rasteriser']} |")
            row += f" {g.get('signals', 0)} |" if sig else ""
            rows.append(row + f" {g['network']} | {e['instructions']} |")
    return "\n".join(rows)


#: CMSIS-NN (commit 99f736a6, built unmodified, arm-none-eabi-gcc 12.2 -O2) on the same
#: Cortex-M4F, same shapes and int8 parameters, counted the same way (QEMU -icount, CMSDK
#: timer): the reference figures of the firmware's int8 layers, measured outside this repo
#: (conv + max pool: the sum of CMSIS-NN's two layers, which the firmware runs fused)
CMSIS_NN_M4F = {"cnn_conv1_pool1": 1676975 + 205055, "cnn_conv2_pool2": 4159215 + 57135,
                "cnn_fc1": 391495, "lstm_net": 10009215, "cnn_net": 6497695}
#: multiply-accumulates per layer (the per-MAC column)
LAYER_MACS = {"cnn_conv1_pool1": 194688, "cnn_conv2_pool2": 2230272, "cnn_fc1": 204800, "cnn_fc2": 3328,
              "lstm_bwd": 1040000, "lstm_fwd": 1040000, "lstm_fc": 2600}


def layer_table(result: dict) -> str:
    """Instructions per network layer (mean over the recordings) of the emulated targets,
    beside CMSIS-NN's on the Cortex-M4F."""
    layers: dict = {}
    for t, per in _targets(result):
        for e in per.values():
            for k, v in e.get("layers", {}).items():
                layers.setdefault(k, {}).setdefault(t, v)
    if not layers:
        return ""
    targets = [t for t, _ in _targets(result) if t.startswith("qemu") and any(t in v for v in layers.values())]
    rows = ["| layer | MACs | " + " | ".join(f"{t} | per MAC" for t in targets) + " | CMSIS-NN (qemu-arm) |",
            "|---|---:|" + "---:|---:|" * len(targets) + "---:|"]
    for k, per in layers.items():
        macs = LAYER_MACS.get(k)
        cells = []
        for t in targets:
            v = per.get(t)
            cells += ["-" if v is None else str(v), f"{v / macs:.2f}" if v is not None and macs else "-"]
        rows.append(f"| {k} | {macs or '-'} | " + " | ".join(cells) + f" | {CMSIS_NN_M4F.get(k, '-')} |")
    for net in ("lstm", "cnn", "signal"):
        tot = {t: sum(v for k, per in layers.items() if k.startswith(net + "_") for tt, v in per.items() if tt == t)
               for t in targets}
        if any(tot.values()):
            cells = []
            for t in targets:
                cells += [str(tot[t]), "-"]
            rows.append(f"| {net} network | - | " + " | ".join(cells) + f" | {CMSIS_NN_M4F.get(net + '_net', '-')} |")
    return "\n".join(rows)


def signal_stage_table(result: dict) -> str:
    """Instructions of the signal models' own stages (mean over the recordings): the signals
    stage, the signal network's input quantisation, the network, and decide (softmax +
    top-3 of each network run, and the fusion)."""
    rows = ["| target | model | signals stage | signal input quantisation | signal network | LSTM input + network | "
            "decide | recognition |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for t, per in _targets(result):
        for m, e in per.items():
            s = e.get("stages", {})
            if "signals" not in s:
                continue
            rows.append(f"| {t} | {m} | {s['signals']} | {s['signal_in']} | {s['signal']} | {s['lstm_in'] + s['lstm']} | "
                        f"{s['decide']} | {e['instructions']} |")
    return "\n".join(rows)


def decoder_size_table(result: dict) -> str:
    """The word decoder's flash and RAM per target (the :data:`DECODER_KEY` part of a bench
    result)."""
    rows = ["| target | decoder code flash (B) | lexicon flash (B) | static RAM (B) | scratch (B) | stack (B) | "
            "RAM total (B) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for t, e in result.get(DECODER_KEY, {}).items():
        rows.append(f"| {t} | {e['code_flash_bytes']} | {e['lexicon_flash_bytes']} | {e['static_ram_bytes']} | "
                    f"{e['scratch_bytes']} | {e['stack_bytes']} | {e['ram_bytes']} |")
    return "\n".join(rows)


def decoder_insn_table(result: dict) -> str:
    """The word decoder's instructions per word (mean, max) per target, word length and kind
    of scores."""
    dec = result.get(DECODER_KEY, {})
    rows = ["| target | letters | scores | instructions / word, mean | max |", "|---|---:|---|---:|---:|"]
    for t, e in dec.items():
        for length, kinds in e["instructions_per_word"].items():
            for kind, v in kinds.items():
                rows.append(f"| {t} | {length} | {kind} | {v['mean']} | {v['max']} |")
    return "\n".join(rows)


__all__ = ["ASSUMPTION", "BASE_MODELS", "DECODER_KEY", "DECODER_TARGETS", "DEFAULT_TARGETS", "MODELS", "SIGNAL_MODELS", "SIGNAL_STAGES", "STAGES", "TARGET_NAMES",
           "has_signal_model", "layer_table", "signal_stage_table", "bench_recordings", "map_sizes", "map_sections",
           "decoder_insn_table", "decoder_size_table", "merge_json", "parse_bench_line", "run_bench", "run_decoder_bench", "run_bench_native", "run_bench_qemu", "stage_table", "table", "write_json"]
