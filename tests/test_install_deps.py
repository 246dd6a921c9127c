"""tools/install-test-deps.sh (what `make test` and .ci/run call first) with fake Debian tools
on PATH: it installs exactly the missing packages (apt-get update first, without recommends,
non-interactively), through sudo when not root, and fails with a clear message and a
non-zero exit when it cannot. Nothing is installed for real: apt-get, dpkg-query, id, sudo
and python are small scripts here that log their calls."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "install-test-deps.sh"
ALL = ("cmake g++ make clang libclang-rt-14-dev gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm "
       "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc gcc-xtensa-lx106 binutils-xtensa-lx106 "
       "picolibc-xtensa-lx106-elf clang-22 llvm-22").split()


def _fake(bin_dir: Path, name: str, body: str) -> None:
    p = bin_dir / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)


def _run(tmp_path: Path, installed, uid=0, sudo=False, apt_rc=0, venv_ok=True, args=()):
    """Runs the script with fakes; returns (completed process, apt-get calls, sudo calls)."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    fb = tmp_path / "bin"
    fb.mkdir()
    db = tmp_path / "installed.txt"
    db.write_text("".join(p + "\n" for p in installed))
    log = tmp_path / "apt.log"
    sudo_log = tmp_path / "sudo.log"
    for tool in ("env", "cat", "grep"):
        os.symlink(shutil.which(tool), fb / tool)
    _fake(fb, "dpkg-query", f'pkg="$3"\ngrep -qx "$pkg" "{db}" && printf "install ok installed" && exit 0\n'
                            'echo "dpkg-query: no packages found matching $pkg" >&2; exit 1\n')
    _fake(fb, "apt-get", f'echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> "{log}"\n'
                         f'[ {apt_rc} -eq 0 ] || exit {apt_rc}\n'
                         f'if [ "$1" = install ]; then for a in "$@"; do case "$a" in -*|install) ;; *) '
                         f'echo "$a" >> "{db}";; esac; done; fi\n')
    _fake(fb, "id", f'echo {uid}\n')
    if sudo:
        _fake(fb, "sudo", f'echo "$*" >> "{sudo_log}"\nexec "$@"\n')
    _fake(fb, "python3", f'exit {0 if venv_ok else 1}\n')
    env = {"PATH": str(fb), "PYTHON": str(fb / "python3"), "HOME": str(tmp_path)}
    r = subprocess.run([shutil.which("bash"), str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60,
                       check=False)
    calls = log.read_text().splitlines() if log.exists() else []
    sudo_calls = sudo_log.read_text().splitlines() if sudo_log.exists() else []
    return r, calls, sudo_calls


def test_nothing_missing_installs_nothing(tmp_path):
    r, calls, _ = _run(tmp_path, ALL, uid=1000)  # not root, no sudo: fine, nothing to do
    assert r.returncode == 0, r.stderr
    assert calls == []
    assert "every Debian package needed is installed" in r.stdout


def test_root_installs_exactly_the_missing_packages(tmp_path):
    have = [p for p in ALL if p not in ("clang-22", "qemu-system-misc", "picolibc-xtensa-lx106-elf")]
    r, calls, _ = _run(tmp_path, have, uid=0, venv_ok=False)
    assert r.returncode == 0, r.stderr
    assert calls[0] == "DEBIAN_FRONTEND=noninteractive update -qq"
    assert calls[1] == ("DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends "
                        "qemu-system-misc picolibc-xtensa-lx106-elf clang-22 python3-venv")
    assert len(calls) == 2
    assert "install-test-deps: done" in r.stdout


def test_not_root_uses_sudo(tmp_path):
    r, calls, sudo_calls = _run(tmp_path, [p for p in ALL if p != "llvm-22"], uid=1000, sudo=True)
    assert r.returncode == 0, r.stderr
    assert [c.split()[-1] for c in calls] == ["-qq", "llvm-22"]
    assert sudo_calls == ["env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
                          "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends llvm-22"]


def test_not_root_without_sudo_fails_clearly(tmp_path):
    r, calls, _ = _run(tmp_path, [p for p in ALL if p not in ("cmake", "clang-22")], uid=1000)
    assert r.returncode != 0
    assert calls == []
    assert "missing Debian packages: cmake clang-22" in r.stderr
    assert "not root and no sudo" in r.stderr


def test_apt_failure_fails_clearly(tmp_path):
    r, calls, _ = _run(tmp_path, [p for p in ALL if p != "gcc-xtensa-lx106"], uid=0, apt_rc=100)
    assert r.returncode != 0
    assert len(calls) == 1  # update failed: no install attempted
    assert "apt-get update failed" in r.stderr and "gcc-xtensa-lx106" in r.stderr


def test_make_test_and_ci_call_it():
    """One script for both: `make test` runs it (and requires every tool), .ci/run only adds
    the CI variables before `make test`."""
    mk = (ROOT / "Makefile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "tools/install-test-deps.sh" in mk and "GLOVEXFER_REQUIRE_TOOLS=1" in mk
    assert "apt-get" not in ci and "make test" in ci


def test_demo_installs_only_what_the_demo_builds_with(tmp_path):
    """make demo: the host-native firmware needs cmake, g++ and make (and a venv), nothing else."""
    r, calls, _ = _run(tmp_path, [], uid=0, venv_ok=False, args=("--demo",))
    assert r.returncode == 0, r.stderr
    assert calls[1] == "DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends cmake g++ make python3-venv"


def test_unknown_argument_is_refused(tmp_path):
    r, calls, _ = _run(tmp_path, ALL, args=("--everything",))
    assert r.returncode != 0 and "usage:" in r.stderr
    assert calls == []
