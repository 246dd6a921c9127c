"""Compile check of the ESP32 firmware for the chips' own instruction sets, without
PlatformIO's toolchains (they cannot be installed on the project's machines).

Every file the PlatformIO build of an environment compiles (``platformio.ini``: its
``build_src_filter`` under ``src_dir``, plus the model part ``firmware/src/pio_model_io.py``
adds: the model sources, and for the continuous-writing glove (``custom_gx_continuous = yes``)
the letter spotter and the word lexicon, with their definitions; ``glovexfer.device.pio_build``
decides it for both) is compiled with the environment's ``build_flags`` and
``-Wall -Wextra -Werror -Os`` against the stand-in Arduino/ESP-IDF headers of
``firmware/boards/esp32/fake/include`` (the real declarations of what the firmware calls).
The chip is the environment's ``board``:

* ``esp32dev`` (Xtensa LX6): ``clang-22 --target=xtensa -S -emit-llvm`` then
  ``llc-22 -mtriple=xtensa -mcpu=esp32 -filetype=obj`` (clang's driver does not accept
  ``-mcpu=esp32`` for Xtensa, llc does; the backend is experimental, so the objects are only
  measured, never linked; ``-function-sections``, as ESP-IDF builds, also keeps each
  function's literal pool aligned, which LLVM 22 otherwise gets wrong);
* ``esp32-c3-devkitm-1`` (RV32IMC): ``clang-22 --target=riscv32 -march=rv32imc -c``.

The sizes are the sums of the objects' sections: code (``.text*``, ``.literal*``), read-only
data (``.rodata*``: the model weights), data and bss -- before linking (no Arduino core, no
ESP-IDF, no garbage collection of unused sections), so an upper bound of what our code adds.
The report compares them with the chip: flash against the app slot of the glove's partition
table (``firmware/src/partitions.csv``, checked by ``glovexfer.device.partitions``: 1.25 MB of
the 4 MB flash), static RAM against the chip's data RAM.

    python -m glovexfer.device.esp32_check [--env ENV|all] [--build DIR] [--models DIR]

prints one line per object and the totals; exit 2 with the tool's message when a tool is
missing or a file does not compile.
"""

from __future__ import annotations

import argparse
import configparser
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GloveXferError
from .build import repo_root
from .pio_build import NETWORKS, PioModels, continuous_of, model_dir_of, plan

LLVM_VERSION = "22"


@dataclass(frozen=True)
class Chip:
    """A board of platformio.ini: its instruction set, the compiler defines of its
    Arduino-ESP32 build that our sources may test, and what the firmware must fit."""

    isa: str              # "xtensa" (LX6) or "rv32imc"
    defines: tuple[str, ...]
    app_slot: int         # bytes of flash for the app: app0 of firmware/src/partitions.csv
    data_ram: int         # bytes of SRAM usable as data (the rest is instruction RAM / cache)


#: platformio.ini's boards. ESP32: 520 kB SRAM, of which 320 kB data RAM; ESP32-C3: 400 kB
#: SRAM, shared by code and data. Both: 4 MB flash, partitions.csv's 1.25 MB app slots (checked
#: against the table by tests/test_cross_esp32.py).
CHIPS = {
    "esp32dev": Chip("xtensa", ("-DESP32", "-DARDUINO_ARCH_ESP32", "-DCONFIG_IDF_TARGET_ESP32=1"),
                     0x140000, 320 * 1024),
    "esp32-c3-devkitm-1": Chip("rv32imc", ("-DESP32", "-DARDUINO_ARCH_ESP32", "-DCONFIG_IDF_TARGET_ESP32C3=1"),
                               0x140000, 400 * 1024),
}
CHECK_FLAGS = ["-Wall", "-Wextra", "-Werror", "-Os"]
SECTION_KINDS = (("code", (".text", ".literal")), ("rodata", (".rodata", ".srodata")),
                 ("data", (".data", ".sdata")), ("bss", (".bss", ".sbss")))


@dataclass
class ObjectSize:
    source: Path
    obj: Path
    sizes: dict[str, int]  # code, rodata, data, bss


@dataclass
class CheckResult:
    env: str
    chip: Chip
    models: PioModels
    objects: list[ObjectSize] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return sum(o.sizes[kind] for o in self.objects)

    @property
    def flash(self) -> int:
        """What the objects put in flash: code + read-only data + initialised data."""
        return self.total("code") + self.total("rodata") + self.total("data")

    @property
    def ram(self) -> int:
        """Static RAM of the objects: data + bss."""
        return self.total("data") + self.total("bss")


def llvm_tool(name: str) -> str | None:
    """``name-22`` on PATH, else LLVM 22's own bin directory (Debian: /usr/lib/llvm-22/bin)."""
    found = shutil.which(f"{name}-{LLVM_VERSION}")
    if found:
        return found
    p = Path(f"/usr/lib/llvm-{LLVM_VERSION}/bin/{name}")
    return str(p) if p.is_file() else None


def missing_tools() -> list[str]:
    """The LLVM 22 tools the check needs that are not installed."""
    return [f"{t}-{LLVM_VERSION}" for t in ("clang", "llc", "llvm-size") if llvm_tool(t) is None]


def _ini(root: Path) -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None)
    path = root / "platformio.ini"
    if not cfg.read(path):
        raise GloveXferError(f"{path}: not found")
    return cfg


def pio_envs(root: Path | None = None) -> list[str]:
    """The environments of platformio.ini, in the file's order."""
    return [s.split(":", 1)[1] for s in _ini(root or repo_root()).sections() if s.startswith("env:")]


def env_option(cfg: configparser.ConfigParser, env: str, option: str) -> list[str]:
    """A multi-value option of ``[env:ENV]`` (falling back on the sections it ``extends``, then
    ``[env]``), ``${env.X}`` expanded, as PlatformIO reads it: one value per line or
    whitespace-separated flag."""
    sec = f"env:{env}"
    if not cfg.has_section(sec):
        raise GloveXferError(f"platformio.ini: no [{sec}] section")
    raw, seen = None, set()
    while raw is None and sec not in seen:
        seen.add(sec)
        raw = cfg.get(sec, option, fallback=None)
        parent = cfg.get(sec, "extends", fallback="").strip()
        if raw is None and parent:
            if not cfg.has_section(parent):
                raise GloveXferError(f"platformio.ini: [{sec}] extends {parent}, which is not there")
            sec = parent
    if raw is None:
        raw = cfg.get("env", option, fallback="")
    raw = re.sub(r"\$\{env\.(\w+)\}", lambda m: cfg.get("env", m.group(1), fallback=""), raw)
    return raw.split()


def env_chip(cfg: configparser.ConfigParser, env: str) -> Chip:
    """The chip of ``[env:ENV]``'s board."""
    board = " ".join(env_option(cfg, env, "board"))
    if board not in CHIPS:
        raise GloveXferError(f"platformio.ini [env:{env}]: board {board!r} is none of {', '.join(CHIPS)}")
    return CHIPS[board]


def env_models(env: str, model_dir: Path | str | None = None, networks=None, continuous: bool | None = None,
               root: Path | None = None) -> PioModels:
    """The model part of ``env``'s build (glovexfer.device.pio_build.plan) from its
    platformio.ini options, each overridable (``model_dir`` as $GX_MODEL_DIR does)."""
    root = root or repo_root()
    cfg = _ini(root)
    if model_dir is None:
        model_dir = model_dir_of(" ".join(env_option(cfg, env, "custom_gx_model_dir")), root)
    elif not Path(model_dir).is_absolute() and not Path(model_dir).is_dir():
        model_dir = root / model_dir  # relative to the repository, as GX_MODEL_DIR for pio run
    if networks is None:
        networks = env_option(cfg, env, "custom_gx_networks")
    if continuous is None:
        continuous = continuous_of(" ".join(env_option(cfg, env, "custom_gx_continuous")))
    return plan(Path(model_dir), networks, continuous)


def pio_sources(root: Path | None = None, env: str = "esp32dev") -> list[Path]:
    """The files of ``src_dir`` that ``build_src_filter`` selects (``-<*>`` then ``+<glob>``)."""
    root = root or repo_root()
    cfg = _ini(root)
    src_dir = root / cfg.get("platformio", "src_dir", fallback="src")
    rules = re.findall(r"([+-])<([^>]+)>", " ".join(env_option(cfg, env, "build_src_filter")))
    chosen: set[Path] = set()
    for sign, pattern in rules:
        hits = {p for p in src_dir.glob(pattern) if p.is_file() and p.suffix in (".c", ".cpp", ".cc")}
        chosen = chosen | hits if sign == "+" else chosen - hits
    return sorted(chosen)


def _run(cmd: list[str], what: str) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise GloveXferError(f"{what} failed:\n{' '.join(cmd)}\n{r.stdout}{r.stderr}")


def section_sizes(obj: Path) -> dict[str, int]:
    """code / rodata / data / bss bytes of one object (``llvm-size -A``)."""
    r = subprocess.run([llvm_tool("llvm-size") or "llvm-size", "-A", str(obj)], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        raise GloveXferError(f"llvm-size {obj}: {r.stderr.strip()}")
    sizes = {k: 0 for k, _ in SECTION_KINDS}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        for kind, prefixes in SECTION_KINDS:
            if any(parts[0] == p or parts[0].startswith(p + ".") for p in prefixes):
                sizes[kind] += int(parts[1])
    return sizes


def compile_check(build_dir: Path, env: str = "esp32dev", model_dir: Path | None = None, networks=None,
                  continuous: bool | None = None) -> CheckResult:
    """Compiles every file of the PlatformIO build of ``env`` into ``build_dir`` and measures
    the objects. ``model_dir``, ``networks``, ``continuous``: the model part (default:
    platformio.ini's custom_gx_model_dir, or $GX_MODEL_DIR, custom_gx_networks,
    custom_gx_continuous). Raises :class:`GloveXferError` naming the file on any failure."""
    root = repo_root()
    cfg = _ini(root)
    envs = pio_envs(root)
    if env not in envs:
        raise GloveXferError(f"unknown environment {env!r}: one of {', '.join(envs)}")
    chip = env_chip(cfg, env)
    miss = missing_tools()
    if miss:
        raise GloveXferError(f"missing {', '.join(miss)}: the ESP32 compile check needs LLVM 22 "
                             "(Debian: apt-get install clang-22 llvm-22)")
    from .model_io import write_io_header

    models = env_models(env, model_dir, networks, continuous, root)
    out = Path(build_dir) / env
    gen = out / "gen"
    gen.mkdir(parents=True, exist_ok=True)
    write_io_header(models.model_dir, gen)

    fake = root / "firmware" / "boards" / "esp32" / "fake"
    clang, llc = llvm_tool("clang"), llvm_tool("llc")
    resource = subprocess.run([clang, "-print-resource-dir"], capture_output=True, text=True, check=True).stdout.strip()
    unflags = set(env_option(cfg, env, "build_unflags"))
    flags = []
    for f in env_option(cfg, env, "build_flags"):
        if f in unflags:
            continue
        flags.append(f"-I{root / f[2:]}" if f.startswith("-I") else f)
    # No C++ library exists for these targets here: clang's freestanding C headers plus the
    # few C++ wrappers of fake/xtensa-include, then the Arduino/ESP-IDF stand-ins.
    # the model folder's headers first, gx_model_io.h, then the lexicon's (pio_model_io.py's order)
    includes = ["-nostdinc", "-isystem", str(fake / "xtensa-include"), "-isystem", f"{resource}/include",
                "-isystem", str(fake / "include"), f"-I{models.model_dir}", f"-I{gen}",
                *(f"-I{d}" for d in models.includes[1:])]
    common = [*flags, *chip.defines, *models.define_flags(), *CHECK_FLAGS, "-ffunction-sections", "-fdata-sections",
              *includes]
    result = CheckResult(env, chip, models)
    seen: set[str] = set()
    for src in [*pio_sources(root, env), *models.sources]:
        stem = src.stem if src.stem not in seen else f"{src.parent.name}_{src.stem}"
        seen.add(stem)
        obj = out / f"{stem}.o"
        if chip.isa == "xtensa":
            ir = out / f"{stem}.ll"
            _run([clang, "--target=xtensa", *common, "-S", "-emit-llvm", str(src), "-o", str(ir)], f"clang (xtensa) {src}")
            _run([llc, "-mtriple=xtensa", "-mcpu=esp32", "-O2", "-function-sections", "-data-sections",
                  "-filetype=obj", str(ir), "-o", str(obj)], f"llc -mcpu=esp32 {src}")
        else:
            _run([clang, "--target=riscv32-unknown-elf", "-march=rv32imc", "-mabi=ilp32", *common, "-c", str(src),
                  "-o", str(obj)], f"clang (rv32imc) {src}")
        result.objects.append(ObjectSize(src, obj, section_sizes(obj)))
    return result


def report(result: CheckResult, root: Path | None = None) -> str:
    """A table: one line per object, then the totals."""
    root = root or repo_root()
    lines = [f"{result.env}: {len(result.objects)} objects compiled (not linked)",
             f"{'code':>8} {'rodata':>8} {'data':>6} {'bss':>7}  file"]
    for o in result.objects:
        s = o.sizes
        try:
            name = o.source.relative_to(root).as_posix()
        except ValueError:
            name = str(o.source)
        lines.append(f"{s['code']:>8} {s['rodata']:>8} {s['data']:>6} {s['bss']:>7}  {name}")
    lines.append(f"{result.total('code'):>8} {result.total('rodata'):>8} {result.total('data'):>6} "
                 f"{result.total('bss'):>7}  total ({result.env}): flash {result.flash} bytes, "
                 f"static RAM {result.ram} bytes")
    c = result.chip
    lines.append(f"fit ({result.env}, our objects before linking): flash {100 * result.flash / c.app_slot:.1f} % of "
                 f"the {c.app_slot}-byte app slot, static RAM {100 * result.ram / c.data_ram:.1f} % of the "
                 f"{c.data_ram}-byte data RAM; continuous mode "
                 + ("with the spotter" + (" and the lexicon" if result.models.lexicon else ", no lexicon")
                    if result.models.continuous else "not built"))
    return "\n".join(lines)


def main(argv=None) -> int:
    try:
        envs = pio_envs()
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog="python -m glovexfer.device.esp32_check", description=__doc__.split("\n\n")[0])
    ap.add_argument("--env", choices=[*envs, "all"], default="all")
    ap.add_argument("--build", default=None, help="object directory (default build/esp32-check)")
    ap.add_argument("--models", default=None,
                    help="model sources (default $GX_MODEL_DIR or platformio.ini's custom_gx_model_dir)")
    ap.add_argument("--networks", nargs="+", choices=NETWORKS, default=None,
                    help="build-time model selection (default: platformio.ini custom_gx_networks)")
    args = ap.parse_args(argv)
    try:
        build = Path(args.build) if args.build else repo_root() / "build" / "esp32-check"
        for env in (envs if args.env == "all" else (args.env,)):
            print(report(compile_check(build, env, args.models, args.networks)))
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
