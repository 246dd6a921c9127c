"""The ESP32 glove application (platformio.ini, firmware/src, firmware/boards/esp32) as far
as it can be checked without PlatformIO's toolchains (docs/hardware.md):

* the portable MPU-9250 driver passes its simulated-chip test natively and on the emulated
  Cortex-M4F and RV32IMC (semihosting);
* every file the PlatformIO build compiles (core, app, board, main.cpp, the models) compiles
  with -Wall -Wextra -Werror for the chips' instruction sets -- Xtensa LX6 (clang-22 + llc-22
  -mcpu=esp32) and RV32IMC -- against stand-ins for the Arduino/ESP-IDF headers with the real
  declarations (firmware/boards/esp32/fake/include; glovexfer.device.esp32_check), and the
  objects' sizes are reported (compile only: nothing is linked);
* PlatformIO itself validates platformio.ini (offline), which has the esp32dev and esp32c3
  environments, the flags the firmware relies on, and builds exactly the portable sources
  every other build uses (firmware/sources.cmake).
The board layer's behaviour (timer, button, serial, IMU errors) is tested by
tests/test_esp32_board.py against fakes.
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


@pytest.mark.parametrize("core", [2, 3], ids=["arduino-esp32-2.x", "arduino-esp32-3.x"])
@pytest.mark.parametrize("env", ["esp32dev", "esp32c3"])
def test_esp32_only_files_compile_against_both_arduino_cores(unavailable, env, core):
    """board_esp32.cpp and main.cpp with the host compiler against the stand-in headers in the
    declarations of Arduino-ESP32 2.0.x (what PlatformIO's espressif32 platform ships) and
    3.x: overload resolution and conversions as -Wall -Wextra -Werror sees them."""
    cxx = _cxx()
    if cxx is None:
        unavailable("no C++ compiler (g++/c++/clang++) (Debian: g++)")
    from glovexfer.device.esp32_check import TARGET_DEFINES, _ini, env_option

    flags = [f"-I{ROOT / f[2:]}" if f.startswith("-I") else f for f in env_option(_ini(ROOT), env, "build_flags")]
    for src in (ESP / "board_esp32.cpp", FW / "src" / "main.cpp"):
        r = subprocess.run([cxx, "-fsyntax-only", *flags, "-Werror", *TARGET_DEFINES[env],
                            f"-DGX_ARDUINO_ESP32_MAJOR={core}", f"-I{ESP / 'fake' / 'include'}", str(src)],
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0, f"{src}: {r.stderr}"


def _llvm_check_or_skip(unavailable):
    from glovexfer.device.esp32_check import missing_tools

    miss = missing_tools()
    if miss:
        unavailable(f"missing {', '.join(miss)}: cannot compile the firmware for the ESP32's ISA "
                    "(Debian: apt-get install clang-22 llvm-22)")


@pytest.mark.parametrize("env", ["esp32dev", "esp32c3"])
def test_esp32_build_compiles_for_the_chip_isa(tmp_path, unavailable, env, capsys):
    """Every file of the PlatformIO build, -Wall -Wextra -Werror, for Xtensa LX6 (esp32dev, via
    llc -mcpu=esp32) and RV32IMC (esp32c3) against the stand-in Arduino/ESP-IDF headers; the
    objects' sizes are printed (docs/hardware.md) and must fit the chips."""
    _llvm_check_or_skip(unavailable)
    from glovexfer.device.esp32_check import compile_check, model_sources, pio_sources, report

    models = fw_models.model_dir()
    res = compile_check(tmp_path, env, models)
    with capsys.disabled():
        print("\n" + report(res))
    srcs = pio_sources(ROOT, env) + model_sources(models)[0]
    assert [o.source for o in res.objects] == srcs
    names = {o.source.relative_to(FW).as_posix() for o in res.objects if o.source.is_relative_to(FW)}
    assert {"boards/esp32/board_esp32.cpp", "src/main.cpp", "app/app.cpp", "core/recognizer.cpp"} <= names
    for o in res.objects:
        assert o.obj.is_file(), o.obj
        if o.source.name in ("board_esp32.cpp", "app.cpp", "mpu9250.cpp", "recognizer.cpp", "main.cpp"):
            assert o.sizes["code"] > 0, o.source
    # the weights and constants are const: all of them in read-only data (flash), none in RAM
    for o in res.objects:
        if o.source.name.startswith("gx_model_"):
            arrays = re.findall(r"constexpr (u?int(?:8|16|32))_t \w+\[(\d+)\]", o.source.read_text())
            const_bytes = sum(int(n) * int(t.lstrip("u").removeprefix("int")) // 8 for t, n in arrays)
            assert const_bytes > 1000 and o.sizes["rodata"] >= const_bytes, (o.source, const_bytes, o.sizes)
            assert o.sizes["data"] + o.sizes["bss"] == 0, o.source
    # fits the chips: the default partition table's 1.25 MB app slot, and RAM well inside the
    # 320 KB (ESP32) / 400 KB (C3) of data RAM with the Arduino core's share
    assert res.flash < 1_280 * 1024
    assert res.total("data") + res.total("bss") < 128 * 1024


def test_esp32_build_for_one_model(tmp_path, unavailable):
    """The build-time model selection (platformio.ini custom_gx_networks): an LSTM-only ESP32
    build compiles only the LSTM's weights, and the recogniser's buffers shrink to the LSTM's
    (no image, rasteriser work area or CNN scratch)."""
    _llvm_check_or_skip(unavailable)
    from glovexfer.device.esp32_check import compile_check, model_sources

    models = fw_models.model_dir()
    srcs, defs = model_sources(models, ["lstm"])
    assert srcs == [models / "gx_model_lstm.cpp"]
    assert {"-DGX_WITH_LSTM=1", "-DGX_WITH_CNN=0", "-DGX_WITH_SIGNAL=0"} <= set(defs)
    full = {o.source.name: o for o in compile_check(tmp_path / "all", "esp32c3", models).objects}
    lstm = {o.source.name: o for o in compile_check(tmp_path / "lstm", "esp32c3", models, ["lstm"]).objects}
    assert "gx_model_cnn.cpp" in full and "gx_model_cnn.cpp" not in lstm
    ram = {k: r["recognizer.cpp"].sizes["data"] + r["recognizer.cpp"].sizes["bss"] for k, r in (("all", full), ("lstm", lstm))}
    assert ram["lstm"] < 4096 < ram["all"], ram


def test_esp32_check_refuses_an_unknown_network(tmp_path):
    from glovexfer.device.esp32_check import model_sources
    from glovexfer.errors import GloveXferError

    with pytest.raises(GloveXferError, match="unknown network 'gru'"):
        model_sources(fw_models.model_dir(), ["gru"])


def _cmake_list(name: str) -> list[str]:
    text = (FW / "sources.cmake").read_text()
    m = re.search(rf"set\({name}\s+(.*?)\)", text, re.S)
    assert m is not None, name
    return [Path(p.replace("${GX_FIRMWARE_DIR}/", "")).as_posix() for p in m.group(1).split()]


def test_esp32_check_cli_names_a_missing_model(tmp_path, unavailable, capsys):
    _llvm_check_or_skip(unavailable)
    from glovexfer.device.esp32_check import main

    assert main(["--env", "esp32dev", "--models", str(tmp_path), "--build", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "gx_model_lstm.cpp: missing" in err and "Traceback" not in err


def _project_config(unavailable, path=None):
    try:
        from platformio.project.config import ProjectConfig
    except ImportError:
        unavailable("platformio is not installed (pip install platformio; the test extra installs it)")
    return ProjectConfig(str(path or ROOT / "platformio.ini"))


def test_platformio_ini_is_valid_for_platformio(unavailable):
    """PlatformIO's own parser and validator (offline: no platform is installed) accept the
    file without a warning, and it has what the firmware relies on."""
    cfg = _project_config(unavailable)
    assert cfg.validate(silent=True) is True
    assert cfg.envs() == ["esp32dev", "esp32c3"] and cfg.default_envs() == ["esp32dev"]
    opts = {env: cfg.items(env=env, as_dict=True) for env in cfg.envs()}  # type-checks every value
    assert cfg.warnings == [], cfg.warnings  # e.g. "Ignore unknown configuration option"
    assert Path(cfg.get("platformio", "src_dir")) == FW
    for env, o in opts.items():
        assert o["platform"] == "espressif32" and o["framework"] == ["arduino"] and o["monitor_speed"] == 115200
        assert o["build_unflags"] == ["-std=gnu++11"] and "-std=gnu++17" in o["build_flags"]
        assert {"-fno-rtti", "-Wall", "-Wextra"} <= set(o["build_flags"])
        assert o["extra_scripts"] == ["pre:firmware/src/pio_model_io.py"]
        for inc in (f[2:] for f in o["build_flags"] if f.startswith("-I")):
            assert (ROOT / inc).is_dir(), inc
    assert opts["esp32dev"]["board"] == "esp32dev" and opts["esp32c3"]["board"] == "esp32-c3-devkitm-1"
    # the C3's Serial is its USB Serial/JTAG controller (HWCDC) only with both defines
    c3 = set(opts["esp32c3"]["build_flags"])
    assert {"-DARDUINO_USB_MODE=1", "-DARDUINO_USB_CDC_ON_BOOT=1"} <= c3
    assert not any(f.startswith("-DARDUINO_USB") for f in opts["esp32dev"]["build_flags"])
    # the compile check (glovexfer.device.esp32_check) reads the same flags PlatformIO does
    from glovexfer.device.esp32_check import _ini, env_option

    ini = _ini(ROOT)
    for env, o in opts.items():
        assert env_option(ini, env, "build_flags") == o["build_flags"], env
        assert env_option(ini, env, "build_src_filter") == o["build_src_filter"], env


@pytest.mark.parametrize("edit", [("default_envs = esp32dev", "default_envs = esp32"),
                                  ("monitor_speed = 115200", "monitor_speed = fast"),
                                  ("build_unflags", "build_unflag")])
def test_platformio_validation_catches_a_broken_file(tmp_path, unavailable, edit):
    """The validation above is not vacuous: a wrong env name, a non-integer speed or a
    misspelt option in a copy of the file are caught."""
    text = (ROOT / "platformio.ini").read_text()
    assert edit[0] in text
    bad = tmp_path / "platformio.ini"
    bad.write_text(text.replace(edit[0], edit[1], 1))
    cfg = _project_config(unavailable, bad)
    try:
        cfg.validate(silent=True)
        for env in cfg.envs():
            cfg.items(env=env, as_dict=True)
    except Exception as e:  # PlatformIO's own exception types
        assert type(e).__module__.startswith("platformio"), repr(e)
        return
    assert cfg.warnings, "a broken platformio.ini passed validation"


def test_platformio_ini_builds_the_shared_sources():
    from glovexfer.device.esp32_check import pio_sources

    for env in ("esp32dev", "esp32c3"):
        included = {p.relative_to(FW).as_posix() for p in pio_sources(ROOT, env)}
        shared = set(_cmake_list("GX_CORE_SOURCES")) | set(_cmake_list("GX_APP_SOURCES"))
        assert shared <= included, sorted(shared - included)
        extra = included - shared
        assert extra == {"boards/esp32/board_esp32.cpp", "boards/esp32/mpu9250.cpp", "src/main.cpp"}, sorted(extra)
