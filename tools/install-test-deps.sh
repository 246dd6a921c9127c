#!/usr/bin/env bash
# Installs the Debian packages the tests need, when some are missing (`make test` and
# .ci/run call it; nothing happens when everything is there):
#   cmake g++ make          the host-native firmware and its C++ tests
#   clang libclang-rt-14-dev  libFuzzer + sanitizers (tests/test_fuzz.py); the runtime libraries
#                           are only a recommendation of clang, which --no-install-recommends skips
#   python3-venv            only when $PYTHON (default python3) cannot create a venv
#   gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
#                           the emulated Cortex-M4F (QEMU mps2-an386)
#   gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
#                           the emulated RV32IMC (QEMU virt); qemu-system-misc also has
#                           qemu-system-xtensa
#   gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf
#                           the emulated Xtensa LX106 (QEMU sim -cpu lx106)
#   clang-22 llvm-22        the ESP32 (Xtensa LX6, -mcpu=esp32) compile check; Debian 12
#                           has them in bookworm-security
# Installed with apt-get (after apt-get update) without recommends (QEMU's would add GUI,
# firmware images and block drivers nothing here uses), as root or through sudo. Exits
# non-zero with a message naming the packages when it cannot: not root and no sudo, or an
# apt-get failure.
# With --demo: only what `make demo` needs (the host-native firmware: cmake g++ make, and
# python3-venv when needed).
set -euo pipefail

PYTHON="${PYTHON:-python3}"
PACKAGES=(
  cmake g++ make clang libclang-rt-14-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
  gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf
  clang-22 llvm-22
)
if [ "${1:-}" = "--demo" ]; then
  PACKAGES=(cmake g++ make)
elif [ $# -gt 0 ]; then
  fail_usage=1
fi

fail() {
  echo "install-test-deps: $*" >&2
  exit 1
}

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    installed "$p" || echo "$p"
  done
  if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    installed python3-venv || echo python3-venv
  fi
}

[ -z "${fail_usage:-}" ] || fail "usage: $0 [--demo]"
command -v dpkg-query >/dev/null 2>&1 || fail "dpkg-query not found: this script installs Debian packages (Debian 12 'bookworm'); install by hand: ${PACKAGES[*]} python3-venv"

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: every Debian package needed is installed"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    fail "missing Debian packages: ${missing[*]}; not root and no sudo to install them. As root run: apt-get update && apt-get install --no-install-recommends ${missing[*]}"
  fi
fi

echo "install-test-deps: installing Debian packages: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
  fail "apt-get update failed (network, sources.list or permissions); the tests need: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
  fail "apt-get install failed for: ${missing[*]} (clang-22/llvm-22 come from bookworm-security: is it in the apt sources?)"

mapfile -t still < <(missing_packages)
[ ${#still[@]} -eq 0 ] || fail "still missing after apt-get install: ${still[*]}"
echo "install-test-deps: done"
