"""Emulated gloves: the firmware built with Debian's cross compilers for three microcontroller
ISAs and run under QEMU, speaking the serial protocol on the board UART.

* ``qemu-arm``: ARM Cortex-M4F (hard float), ``arm-none-eabi-gcc`` + newlib, QEMU
  ``-M mps2-an386`` (``qemu-system-arm``), CMSDK UART0.
* ``qemu-riscv``: RISC-V RV32IMC/ilp32 (the ESP32-C3's ISA), ``riscv64-unknown-elf-gcc`` +
  picolibc, QEMU ``-M virt`` (``qemu-system-riscv32``), NS16550A UART.
* ``qemu-xtensa``: Xtensa LX106, the ESP8266's core (call0 ABI, no FPU, no integer divider,
  no MAC16 -- not the ESP32's LX6), ``xtensa-lx106-elf-gcc`` + picolibc, QEMU ``-M sim -cpu
  lx106`` (``qemu-system-xtensa``). The sim has no UART: the serial line is QEMU's
  semihosting console (SIMCALL read/write on fds 0/1), which ``-serial stdio`` connects to
  the same pipes.

All are built with CMake from ``firmware/boards/<board>/CMakeLists.txt`` (toolchain files in
``firmware/cmake/``), from the same core and app sources as the native build
(``firmware/sources.cmake``).  QEMU's UART is connected to the host with ``-serial stdio``
over pipes (no pseudo-terminal, so nothing the firmware writes before the host listens is
lost); :class:`PipeSerial` gives those pipes the pyserial calls :class:`Device` uses, so
parity, listen and demo work unchanged.  ``open_device("qemu-arm")`` builds (incrementally,
into ``build/qemu-arm``) and starts one.

Semihosted test programs (``gx_test_core``, ``gx_test_int8``: stdio and files through QEMU
``-semihosting``) run with :func:`run_semihosted`; the benchmark programs with
``glovexfer.device.bench``.
"""

from __future__ import annotations

import array
import fcntl
import os
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import GloveXferError
from .build import build_dir_for, repo_root, resolve_model_dir
from .transport import TRANSPORTS, Device


@dataclass(frozen=True)
class QemuTarget:
    """One emulated board: how to build for it and how to start it."""

    name: str  #: transport name, e.g. "qemu-arm"
    board: str  #: firmware/boards/<board>
    cpu: str  #: for humans
    qemu: str  #: QEMU system emulator
    machine: tuple  #: QEMU machine arguments
    cc: str  #: cross C compiler (the C++ one has the same prefix)
    libc_probe: str  #: a file the C library's install provides (gcc -print-file-name, or an absolute path)
    size_tool: str  #: binutils size(1) of the toolchain
    packages: tuple  #: Debian packages that provide all of it
    semihost_argv0: bool  #: the semihosting command line starts with the program name
    serial_semihosting: bool = False  #: the serial line is the semihosting console (QEMU needs -semihosting)

    def build_dir(self) -> Path:
        return repo_root() / "build" / self.name


TARGETS: dict[str, QemuTarget] = {
    "qemu-arm": QemuTarget(
        name="qemu-arm", board="mps2_an386", cpu="ARM Cortex-M4F (mps2-an386)",
        qemu="qemu-system-arm", machine=("-M", "mps2-an386"),
        cc="arm-none-eabi-gcc", libc_probe="rdimon.specs", size_tool="arm-none-eabi-size",
        packages=("gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "libstdc++-arm-none-eabi-newlib", "qemu-system-arm"),
        semihost_argv0=True,
    ),
    "qemu-riscv": QemuTarget(
        name="qemu-riscv", board="riscv_virt", cpu="RISC-V RV32IMC (virt)",
        qemu="qemu-system-riscv32", machine=("-M", "virt", "-bios", "none"),
        cc="riscv64-unknown-elf-gcc", libc_probe="picolibc.specs", size_tool="riscv64-unknown-elf-size",
        packages=("gcc-riscv64-unknown-elf", "picolibc-riscv64-unknown-elf", "qemu-system-misc"),
        semihost_argv0=False,  # picolibc's crt0-semihost supplies argv[0] itself
    ),
    "qemu-xtensa": QemuTarget(
        name="qemu-xtensa", board="xtensa_sim", cpu="Xtensa LX106 (ESP8266 core, not the ESP32's LX6; sim)",
        qemu="qemu-system-xtensa", machine=("-M", "sim", "-cpu", "lx106"),
        cc="xtensa-lx106-elf-gcc", libc_probe="/usr/lib/xtensa-lx106-elf/picolibc.specs",
        size_tool="xtensa-lx106-elf-size",
        packages=("gcc-xtensa-lx106", "binutils-xtensa-lx106", "picolibc-xtensa-lx106-elf", "qemu-system-misc"),
        semihost_argv0=True, serial_semihosting=True,
    ),
}

#: QEMU -icount: one guest instruction = 2^0 ns of virtual time, no sync to host time, so
#: the boards' counters count instructions (docs/benchmarks.md).
ICOUNT = ("-icount", "shift=0,align=off,sleep=off")


def target_of(name: str) -> QemuTarget:
    if name not in TARGETS:
        raise GloveXferError(f"unknown emulated target {name!r}: use {', '.join(TARGETS)}")
    return TARGETS[name]


def missing_tools(target: QemuTarget) -> list[str]:
    """What is missing to build and run ``target`` (empty when everything is there)."""
    miss = []
    if shutil.which("cmake") is None:
        miss.append("cmake (Debian: cmake)")
    for tool in (target.cc, target.cc.replace("-gcc", "-g++"), target.size_tool, target.qemu):
        if shutil.which(tool) is None:
            miss.append(tool)
    if os.path.isabs(target.libc_probe):  # installed outside the compiler's search path
        if not os.path.isfile(target.libc_probe):
            miss.append(f"the C library ({target.libc_probe})")
    elif shutil.which(target.cc) is not None:
        r = subprocess.run([target.cc, f"-print-file-name={target.libc_probe}"], capture_output=True, text=True,
                           check=False)
        if not os.path.isabs(r.stdout.strip()):
            miss.append(f"the C library ({target.libc_probe})")
    if miss:
        miss.append(f"(Debian: apt-get install {' '.join(target.packages)})")
    return miss


def check_tools(target: QemuTarget) -> None:
    miss = missing_tools(target)
    if miss:
        raise GloveXferError(f"{target.name}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")


def build(target, model_dir=None, build_dir=None, programs=("gx_app",), quiet: bool = True) -> Path:
    """Configure + build ``programs`` for ``target`` (name or :class:`QemuTarget`) into
    ``build_dir`` (default ``build/<target>``; incremental) and return the build directory
    (ELF files ``<program>.elf`` with linker maps ``<program>.map``).

    ``model_dir``: generated model sources (default: the shipped ``models/glove/firmware``); ``""``
    builds without models (only ``gx_test_core`` and a model-less ``gx_app`` then)."""
    t = target_of(target) if isinstance(target, str) else target
    check_tools(t)
    md = resolve_model_dir(model_dir)
    bd = Path(build_dir) if build_dir is not None else build_dir_for(t.build_dir(), md)
    bd.mkdir(parents=True, exist_ok=True)
    cfg = [
        "cmake", "-S", str(repo_root() / "firmware" / "boards" / t.board), "-B", str(bd),
        "-DCMAKE_BUILD_TYPE=Release", f"-DGX_MODEL_DIR={md if md is not None else ''}",
        f"-DPython3_EXECUTABLE={sys.executable}",
    ]
    steps = [cfg, ["cmake", "--build", str(bd), "-j", "2", "--target", *programs]]
    for cmd in steps:
        if not quiet:
            print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise GloveXferError(f"{t.name} firmware build failed ({' '.join(cmd[:2])}):\n{(r.stdout + r.stderr)[-4000:]}")
    for p in programs:
        if not (bd / f"{p}.elf").is_file():
            raise GloveXferError(f"{t.name} firmware build produced no {bd / p}.elf")
    return bd


def _qemu_base(t: QemuTarget, elf: Path) -> list[str]:
    return [t.qemu, *t.machine, "-display", "none", "-monitor", "none", "-kernel", str(elf)]


def run_semihosted(target, elf, args=(), timeout: float = 300.0, icount: bool = False) -> subprocess.CompletedProcess:
    """Run a semihosted test program (files and console through QEMU -semihosting, UART
    unused); ``stdout`` holds its console output, ``returncode`` its exit status. ``icount``:
    QEMU -icount (:data:`ICOUNT`), so that the program's instruction counter counts."""
    t = target_of(target) if isinstance(target, str) else target
    argv = ([Path(elf).stem] if t.semihost_argv0 else []) + [str(a) for a in args]
    for a in argv:
        if " " in a:
            raise GloveXferError(f"semihosting arguments are split at spaces: {a!r}")
    semi = "enable=on,target=native" + "".join(",arg=" + a.replace(",", ",,") for a in argv)
    cmd = [*_qemu_base(t, Path(elf)), "-serial", "none", "-semihosting-config", semi, *(ICOUNT if icount else ())]
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as e:
        raise GloveXferError(f"{t.name}: {Path(elf).name} did not finish within {timeout:.0f} s") from e


class PipeSerial:
    """The pyserial ``Serial`` members :class:`Device` uses (``read``, ``write``,
    ``in_waiting``, ``timeout``, ``close``) over a child process's stdin/stdout pipes."""

    def __init__(self, proc: subprocess.Popen, timeout: float = 0.2):
        self._proc = proc
        self._rfd = proc.stdout.fileno()
        self._wfd = proc.stdin.fileno()
        self.timeout = timeout
        self.is_open = True

    @property
    def in_waiting(self) -> int:
        buf = array.array("i", [0])
        fcntl.ioctl(self._rfd, termios.FIONREAD, buf)
        return buf[0]

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` bytes; b"" after ``timeout`` seconds without data (or at EOF)."""
        ready, _, _ = select.select([self._rfd], [], [], self.timeout)
        if not ready:
            return b""
        data = os.read(self._rfd, max(1, size))
        if not data:  # EOF: QEMU is gone; let Device notice via proc.poll()
            time.sleep(min(self.timeout, 0.05))
        return data

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        try:
            while view:
                n = os.write(self._wfd, view)
                view = view[n:]
        except BrokenPipeError:
            raise GloveXferError("the emulated glove (QEMU) closed its serial input") from None
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            for f in (self._proc.stdin, self._proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass


def start_qemu(target, elf, icount: bool = False) -> subprocess.Popen:
    """QEMU running ``elf`` with the board UART on the process's stdin/stdout (binary pipes);
    QEMU's own messages go to a temporary file (``proc.gx_log``)."""
    t = target_of(target) if isinstance(target, str) else target
    cmd = [*_qemu_base(t, Path(elf)), "-serial", "stdio", *(ICOUNT if icount else ())]
    if t.serial_semihosting:  # the serial line is the semihosting console on that chardev
        cmd += ["-semihosting-config", "enable=on,target=native"]
    log = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, bufsize=0,
                                start_new_session=True)
    except OSError as e:
        log.close()
        raise GloveXferError(f"cannot start {t.qemu}: {e}") from None
    proc.gx_log = log
    return proc


def qemu_log(proc) -> str:
    log = getattr(proc, "gx_log", None)
    if log is None:
        return ""
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


def open_qemu(target, binary=None, model_dir=None, timeout: float = 30.0, wait_ready: bool = True,
              build_dir=None, quiet: bool = True) -> Device:
    """The firmware app on an emulated board as a glove (builds it first unless ``binary``,
    an ELF, is given)."""
    t = target_of(target) if isinstance(target, str) else target
    if binary is None:
        elf = build(t, model_dir=model_dir, build_dir=build_dir, programs=("gx_app",), quiet=quiet) / "gx_app.elf"
    else:
        check_tools(t)
        elf = Path(binary)
        if not elf.is_file():
            raise GloveXferError(f"{elf}: no such firmware ELF")
    proc = start_qemu(t, elf)
    try:
        d = Device(PipeSerial(proc), f"{t.name}({t.cpu})", proc=proc, timeout=timeout)
        if wait_ready:
            d.wait_ready(timeout=timeout)
        return d
    except BaseException as e:
        proc.kill()
        proc.wait()
        if isinstance(e, GloveXferError) and qemu_log(proc):
            raise GloveXferError(f"{e}\nQEMU said: {qemu_log(proc)}") from None
        raise


def _factory(name: str):
    def open_target(**kwargs) -> Device:
        return open_qemu(name, **kwargs)

    open_target.__name__ = f"open_{name.replace('-', '_')}"
    open_target.__doc__ = f"The firmware on {TARGETS[name].cpu} under QEMU (see glovexfer.device.qemu)."
    return open_target


for _name in TARGETS:
    TRANSPORTS.setdefault(_name, _factory(_name))

__all__ = ["ICOUNT", "TARGETS", "PipeSerial", "QemuTarget", "build", "check_tools", "missing_tools", "open_qemu",
           "qemu_log", "run_semihosted", "start_qemu", "target_of"]
