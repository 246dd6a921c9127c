"""The ESP32 glove application (platformio.ini, firmware/src, firmware/boards/esp32) as far
as it can be checked without PlatformIO's toolchains (docs/hardware.md):

* the portable MPU-9250 driver passes its simulated-chip test natively and on the emulated
  Cortex-M4F and RV32IMC (semihosting);
* the two ESP32-only files compile (syntax and types) against minimal stand-ins for the
  Arduino/ESP-IDF headers they use -- this checks our code, not the real Arduino API;
* platformio.ini has the esp32dev and esp32c3 environments and builds exactly the
  portable sources every other build uses (firmware/sources.cmake).
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fw_models  # noqa: E402

ROOT = fw_models.ROOT
FW = ROOT / "firmware"
ESP = FW / "boards" / "esp32"


def _cxx():
    for c in ("g++", "c++", "clang++"):
        if shutil.which(c):
            return c
    return None


def test_mpu9250_driver_native(tmp_path, unavailable):
    cxx = _cxx()
    if cxx is None:
        unavailable("no C++ compiler (g++/c++/clang++): cannot build the MPU-9250 driver test (Debian: g++)")
    exe = tmp_path / "test_mpu9250"
    b = subprocess.run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fno-exceptions", "-fno-rtti", "-O2",
                        f"-I{ESP}", str(ESP / "mpu9250.cpp"), str(ESP / "test_mpu9250.cpp"), "-o", str(exe)],
                       capture_output=True, text=True, check=False)
    assert b.returncode == 0, b.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, check=False)
    m = re.fullmatch(r"(\d+) checks, 0 failed", r.stdout.strip().splitlines()[-1])
    assert m is not None and int(m.group(1)) >= 20, r.stdout
    assert r.returncode == 0


@pytest.mark.parametrize("name", ["qemu-arm", "qemu-riscv"])
def test_mpu9250_driver_on_emulated_mcus(name, unavailable):
    from glovexfer.device.qemu import build, missing_tools, run_semihosted, target_of

    t = target_of(name)
    miss = missing_tools(t)
    if miss:
        unavailable(f"{name}: cannot build/run the emulated firmware, missing: {', '.join(miss)}")
    why = fw_models.have_tools()
    if why:
        unavailable(why)
    # build/<target>, as tests/test_cross_targets.py (same models: no reconfiguration)
    bd = build(t, model_dir=fw_models.model_dir(), programs=("gx_test_mpu9250",))
    r = run_semihosted(t, bd / "gx_test_mpu9250.elf", timeout=120)
    m = re.fullmatch(r"(\d+) checks, 0 failed", r.stdout.strip().splitlines()[-1])
    assert m is not None and int(m.group(1)) >= 20, r.stdout
    assert r.returncode == 0


STUBS = {
    "Arduino.h": """
#pragma once
#include <cstddef>
#include <cstdint>
#define LOW 0
#define HIGH 1
#define INPUT_PULLUP 2
unsigned long millis();
void delay(unsigned long);
int digitalRead(uint8_t);
void pinMode(uint8_t, uint8_t);
struct HardwareSerialStub {
    void begin(unsigned long);
    size_t print(const char*);
    int available();
    int read();
    size_t write(const uint8_t*, size_t);
};
extern HardwareSerialStub Serial;
""",
    "Wire.h": """
#pragma once
#include <cstddef>
#include <cstdint>
struct TwoWireStub {
    bool begin(int sda, int scl, uint32_t frequency);
    void beginTransmission(uint8_t);
    size_t write(uint8_t);
    uint8_t endTransmission(bool sendStop = true);
    uint8_t requestFrom(int address, int size);
    int read();
};
extern TwoWireStub Wire;
""",
    "esp_timer.h": """
#pragma once
#include <cstdint>
typedef int esp_err_t;
#define ESP_OK 0
typedef struct esp_timer* esp_timer_handle_t;
typedef void (*esp_timer_cb_t)(void* arg);
typedef enum { ESP_TIMER_TASK } esp_timer_dispatch_t;
typedef struct {
    esp_timer_cb_t callback;
    void* arg;
    esp_timer_dispatch_t dispatch_method;
    const char* name;
    bool skip_unhandled_events;
} esp_timer_create_args_t;
esp_err_t esp_timer_create(const esp_timer_create_args_t*, esp_timer_handle_t*);
esp_err_t esp_timer_start_periodic(esp_timer_handle_t, uint64_t period_us);
""",
}


@pytest.mark.parametrize("c3", [False, True], ids=["esp32dev", "esp32c3"])
def test_esp32_only_files_compile_against_stub_headers(tmp_path, unavailable, c3):
    cxx = _cxx()
    if cxx is None:
        unavailable("no C++ compiler (g++/c++/clang++) (Debian: g++)")
    for name, text in STUBS.items():
        (tmp_path / name).write_text(text)
    defs = ["-DCONFIG_IDF_TARGET_ESP32C3=1"] if c3 else []
    for src in (ESP / "board_esp32.cpp", FW / "src" / "main.cpp"):
        r = subprocess.run([cxx, "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-fno-exceptions",
                            "-fno-rtti", *defs, f"-I{tmp_path}", f"-I{FW / 'core'}", f"-I{FW / 'app'}",
                            f"-I{FW / 'boards'}", f"-I{ESP}", str(src)], capture_output=True, text=True, check=False)
        assert r.returncode == 0, f"{src}: {r.stderr}"


def _cmake_list(name: str) -> list[str]:
    text = (FW / "sources.cmake").read_text()
    m = re.search(rf"set\({name}\s+(.*?)\)", text, re.S)
    assert m is not None, name
    return [Path(p.replace("${GX_FIRMWARE_DIR}/", "")).as_posix() for p in m.group(1).split()]


def test_platformio_ini_builds_the_shared_sources():
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "platformio.ini")
    assert cfg["platformio"]["src_dir"] == "firmware"
    envs = [s for s in cfg.sections() if s.startswith("env:")]
    assert envs == ["env:esp32dev", "env:esp32c3"]
    assert cfg["env:esp32dev"]["board"] == "esp32dev" and cfg["env:esp32c3"]["board"].startswith("esp32-c3")
    assert cfg["env"]["framework"] == "arduino" and cfg["env"]["monitor_speed"] == "115200"
    script = cfg["env"]["extra_scripts"].split(":", 1)[1]
    assert (ROOT / script).is_file()
    # the filter: -<*> then +<glob> lines, relative to src_dir
    rules = re.findall(r"([+-])<([^>]+)>", cfg["env"]["build_src_filter"])
    assert rules[0] == ("-", "*")
    included = set()
    for sign, pattern in rules[1:]:
        assert sign == "+"
        hits = sorted(p.relative_to(FW).as_posix() for p in FW.glob(pattern))
        assert hits, pattern
        included.update(hits)
    shared = set(_cmake_list("GX_CORE_SOURCES")) | set(_cmake_list("GX_APP_SOURCES"))
    assert shared <= included, sorted(shared - included)
    extra = included - shared
    assert extra == {"boards/esp32/board_esp32.cpp", "boards/esp32/mpu9250.cpp", "src/main.cpp"}, sorted(extra)
    # every include directory the flags name exists
    for inc in re.findall(r"-I(\S+)", cfg["env"]["build_flags"]):
        assert (ROOT / inc).is_dir(), inc
