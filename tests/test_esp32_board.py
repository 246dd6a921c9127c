"""The ESP32 board layer (firmware/boards/esp32/board_esp32.cpp) and entry point
(firmware/src/main.cpp) by behaviour: built for the host with CMake against fakes of the
Arduino core, ESP-IDF's esp_timer and an MPU-9250 on I2C (firmware/boards/esp32/fake), with
the real app and core, for both PlatformIO environments (esp32dev: UART Serial; esp32c3: the
USB Serial/JTAG HWCDC as Serial). Each scenario is one run of the test program; the checks it
makes are listed in firmware/boards/esp32/fake/test_board_esp32.cpp.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

ROOT = fw_models.ROOT
FAKE = ROOT / "firmware" / "boards" / "esp32" / "fake"
VARIANTS = ("esp32", "esp32c3")
# scenario -> the fewest checks its run must make (a scenario that stops early fails)
SCENARIOS = {
    "timer": 17,             # esp_timer period 37037 us in the esp_timer task; 270 samples in 10 s
    "ring": 8,               # ticks while the loop is busy are queued in order; overflow counted
    "stall": 4,              # through the app: a 300 ms recognition loses nothing, a 2 s stall reports
    "button": 5,             # debounce: glitch ignored, bouncing press = one start, release nothing
    "button_mid_line": 2,    # start waits for the host line's newline
    "button_app": 3,         # through the app: no spliced line, one window
    "rx_buffer": 8,          # 4 KB receive buffer set before begin(): a maximal replay line is not lost
    "imu_absent": 5,         # E_IMU before READY, no timer, replay still answered
    "imu_wrong_whoami": 5,   # an MPU-6500 (WHO_AM_I 0x70) is refused the same way
    "no_mag": 2,             # AK8963 missing: E_IMU warning, 6-axis samples
    "imu_lost": 6,           # I2C failure mid-stream: one E_IMU line per outage, samples resume
    "settings": 5,           # the sensor calibration kept in NVS across a reboot, cleared, no NVS
}


@pytest.fixture(scope="module")
def board_tests(fw_build_tools):
    """The two test programs, built once into build/test-esp32-fake (reused, rebuilt by make
    when a source changes), with AddressSanitizer and UBSan where the compiler has them."""
    bd = ROOT / "build" / "test-esp32-fake"
    bd.mkdir(parents=True, exist_ok=True)
    cxx = next(c for c in ("c++", "g++", "clang++") if shutil.which(c))  # CMake's default compiler
    probe = subprocess.run([cxx, "-fsanitize=address,undefined", "-x", "c++", "-", "-o", str(bd / "probe")],
                           input="int main() { return 0; }\n", capture_output=True, text=True, check=False)
    san = "-fsanitize=address,undefined -fno-sanitize-recover=all" if probe.returncode == 0 else ""
    cfg = subprocess.run(["cmake", "-S", str(FAKE), "-B", str(bd), "-DCMAKE_BUILD_TYPE=Release",
                          f"-DGX_EXTRA_FLAGS={san}"], capture_output=True, text=True, check=False)
    assert cfg.returncode == 0, cfg.stdout + cfg.stderr
    b = subprocess.run(["cmake", "--build", str(bd), "-j", "2"], capture_output=True, text=True, check=False)
    assert b.returncode == 0, b.stdout + b.stderr
    return {v: bd / f"gx_test_board_{v}" for v in VARIANTS}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_esp32_board_scenario(board_tests, scenario, variant):
    r = subprocess.run([str(board_tests[variant]), scenario], capture_output=True, text=True, timeout=120,
                       check=False)
    lines = r.stdout.strip().splitlines()
    assert lines, r.stderr
    m = re.fullmatch(r"(\d+) checks, 0 failed", lines[-1])
    assert m is not None, r.stdout + r.stderr
    assert int(m.group(1)) >= SCENARIOS[scenario], r.stdout
    assert r.returncode == 0, r.stderr


def test_unknown_scenario_is_refused(board_tests):
    r = subprocess.run([str(board_tests["esp32"]), "nonsense"], capture_output=True, text=True, timeout=60,
                       check=False)
    assert r.returncode == 2 and "usage" in r.stdout
