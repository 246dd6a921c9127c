"""The ESP32 glove application (platformio.ini, firmware/src, firmware/boards/esp32) as far
as it can be checked without PlatformIO's toolchains (docs/hardware.md):

* the portable MPU-9250 driver passes its simulated-chip test natively and on the emulated
  Cortex-M4F and RV32IMC (semihosting);
* every file the PlatformIO build compiles (core, app, board, main.cpp, the models; for the
  continuous-writing glove also the letter spotter and the word lexicon) compiles with
  -Wall -Wextra -Werror for the chips' instruction sets -- Xtensa LX6 (clang-22 + llc-22
  -mcpu=esp32) and RV32IMC -- against stand-ins for the Arduino/ESP-IDF headers with the real
  declarations (firmware/boards/esp32/fake/include; glovexfer.device.esp32_check), and the
  objects' sizes are reported and must fit the chips (compile only: nothing is linked);
* PlatformIO itself validates platformio.ini (offline), which has the letter gloves (esp32dev,
  esp32c3) and the continuous-writing gloves (esp32dev-writing, the default, and
  esp32c3-writing), the flags the firmware relies on, and builds exactly the portable sources
  every other build uses (firmware/sources.cmake);
* firmware/src/pio_model_io.py, run against a stand-in for PlatformIO's SCons environment,
  adds exactly the model part the compile check compiles (glovexfer.device.pio_build).
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
    from glovexfer.device.esp32_check import _ini, env_chip, env_option

    ini = _ini(ROOT)
    flags = [f"-I{ROOT / f[2:]}" if f.startswith("-I") else f for f in env_option(ini, env, "build_flags")]
    for src in (ESP / "board_esp32.cpp", FW / "src" / "main.cpp"):
        r = subprocess.run([cxx, "-fsyntax-only", *flags, "-Werror", *env_chip(ini, env).defines,
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
    from glovexfer.device.esp32_check import compile_check, env_models, pio_sources, report

    models = fw_models.model_dir()
    res = compile_check(tmp_path, env, models)
    with capsys.disabled():
        print("\n" + report(res))
    srcs = pio_sources(ROOT, env) + env_models(env, models).sources
    assert [o.source for o in res.objects] == srcs
    # the letter glove carries no continuous mode: the spotter compiles to nothing
    assert not res.models.continuous and res.models.lexicon is None
    assert {o.source.name: o.sizes["code"] for o in res.objects}["spotter.cpp"] == 0
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


@pytest.mark.parametrize("env,letters", [("esp32dev-writing", "esp32dev"), ("esp32c3-writing", "esp32c3")])
def test_esp32_continuous_writing_build_compiles_for_the_chip_isa(tmp_path, unavailable, env, letters, capsys):
    """The continuous-writing glove (platformio.ini custom_gx_continuous = yes): its build is
    the letter glove's plus the writing model folder's letter spotter (GX_WITH_SPOTTER=1) and
    the lexicon (GX_WITH_LEXICON=1), as CMake's gx_continuous_app adds them; every file
    compiles for the chip's ISA; the spotter and the app's continuous mode are compiled in,
    the model data and the lexicon stay in flash, and the whole fits the chip."""
    _llvm_check_or_skip(unavailable)
    from glovexfer.device.esp32_check import compile_check, env_models, pio_sources, report

    writing = fw_models.writing_model_dir()
    models = env_models(env)
    assert models.model_dir == writing and models.continuous
    lexicon = ROOT / "models" / "glove" / "firmware" / "gx_lexicon.cpp"
    assert models.lexicon == lexicon and models.includes == [writing, lexicon.parent]
    assert {"-DGX_WITH_SPOTTER=1", "-DGX_WITH_LEXICON=1", "-DGX_WITH_LSTM=1", "-DGX_WITH_CNN=1"} <= set(
        models.define_flags())
    res = compile_check(tmp_path / "writing", env)
    with capsys.disabled():
        print("\n" + report(res))
    assert [o.source for o in res.objects] == pio_sources(ROOT, env) + [
        writing / "gx_model_lstm.cpp", writing / "gx_model_cnn.cpp", writing / "gx_model_spotter.cpp", lexicon]
    assert pio_sources(ROOT, env) == pio_sources(ROOT, letters)
    objs = {o.source.relative_to(ROOT).as_posix(): o for o in res.objects}
    assert objs["firmware/core/spotter.cpp"].sizes["code"] > 500
    for name in ("models/glove/firmware_writing/gx_model_spotter.cpp", "models/glove/firmware/gx_lexicon.cpp"):
        o = objs[name]
        assert o.sizes["rodata"] > 10_000 and o.sizes["data"] + o.sizes["bss"] == 0, (name, o.sizes)
    assert objs["models/glove/firmware/gx_lexicon.cpp"].sizes["rodata"] >= 43_000
    # against the letter glove with the same networks: the continuous mode's code and state
    letter = compile_check(tmp_path / "letters", letters, writing)
    app = {r.env: next(o for o in r.objects if o.source.name == "app.cpp").sizes for r in (res, letter)}
    assert app[env]["code"] > app[letters]["code"] and app[env]["bss"] > app[letters]["bss"], app
    # the continuous mode's state (stream, open word) within its 8 KiB, plus the learning from
    # decoded words ('calib learn'): the open word's first 12 letters' features (LSTM 100 +
    # CNN 128 each), two flags and a count (firmware/app/app.cpp g_learn)
    learn = 12 * (100 + 128) + 8
    assert 2_000 < res.ram - letter.ram - learn < 8 * 1024, (res.ram, letter.ram)
    assert 60_000 < res.flash - letter.flash < 80_000, (res.flash, letter.flash)
    # fits: the 1.25 MB app slot of the 4 MB flash, and RAM well inside the data RAM
    assert res.flash < 1_280 * 1024 and res.ram < 128 * 1024
    assert "continuous mode with the spotter and the lexicon" in report(res)


def test_esp32_build_for_one_model(tmp_path, unavailable):
    """The build-time model selection (platformio.ini custom_gx_networks): an LSTM-only ESP32
    build compiles only the LSTM's weights, and the recogniser's buffers shrink to the LSTM's
    (no image, rasteriser work area or CNN scratch)."""
    _llvm_check_or_skip(unavailable)
    from glovexfer.device.esp32_check import compile_check
    from glovexfer.device.pio_build import plan

    models = fw_models.model_dir()
    p = plan(models, ["lstm"])
    assert p.sources == [models / "gx_model_lstm.cpp"]
    assert {"-DGX_WITH_LSTM=1", "-DGX_WITH_CNN=0", "-DGX_WITH_SIGNAL=0"} <= set(p.define_flags())
    full = {o.source.name: o for o in compile_check(tmp_path / "all", "esp32c3", models).objects}
    lstm = {o.source.name: o for o in compile_check(tmp_path / "lstm", "esp32c3", models, ["lstm"]).objects}
    assert "gx_model_cnn.cpp" in full and "gx_model_cnn.cpp" not in lstm
    ram = {k: r["recognizer.cpp"].sizes["data"] + r["recognizer.cpp"].sizes["bss"] for k, r in (("all", full), ("lstm", lstm))}
    assert ram["lstm"] < 4096 < ram["all"], ram


def test_esp32_check_refuses_an_unknown_network(tmp_path):
    from glovexfer.device.pio_build import plan
    from glovexfer.errors import GloveXferError

    with pytest.raises(GloveXferError, match="unknown network 'gru'"):
        plan(fw_models.model_dir(), ["gru"])


@pytest.mark.parametrize("args,message", [
    (["--continuous", "maybe"], "custom_gx_continuous: 'maybe' is not yes or no"),
    (["--networks", "lstm gru"], "custom_gx_networks: unknown network 'gru'"),
    (["--models", "models/chen2021/firmware", "--continuous", "yes"],
     "chen2021/firmware/gx_model_spotter.cpp: missing: custom_gx_continuous = yes needs the letter spotter"),
])
def test_pio_build_refuses_wrong_options(tmp_path, capsys, monkeypatch, args, message):
    """The options of platformio.ini that PlatformIO does not check itself: a wrong value, or
    continuous writing from a model folder without the spotter, stops the build with the
    option or the file named (exit 2, no traceback)."""
    from glovexfer.device.pio_build import main

    monkeypatch.delenv("GX_MODEL_DIR", raising=False)
    assert main(["--gen", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err, err


class _SconsEnv:
    """What firmware/src/pio_model_io.py uses of PlatformIO's SCons environment, recording."""

    def __init__(self, env: str, build_dir: Path):
        from glovexfer.device.esp32_check import _ini, env_option

        self.ini, self.env, self.build_dir = _ini(ROOT), env, build_dir
        self.option = lambda name: " ".join(env_option(self.ini, env, name))
        self.appended: dict[str, list] = {}
        self.built: list[tuple[str, Path, str]] = []

    def subst(self, s):
        return {"$PROJECT_DIR": str(ROOT), "$BUILD_DIR": str(self.build_dir)}[s]

    def GetProjectOption(self, name, default=None):  # noqa: N802  (SCons' name)
        assert name.startswith("custom_gx_"), name
        return self.option(name) or default

    def Append(self, **kw):  # noqa: N802
        for k, v in kw.items():
            self.appended.setdefault(k, []).extend(v)

    def BuildSources(self, variant, src_dir, src_filter):  # noqa: N802
        self.built.append((variant, Path(src_dir), src_filter))

    def Exit(self, code):  # noqa: N802
        raise SystemExit(code)


def _run_pio_script(env, tmp_path, monkeypatch):
    monkeypatch.setenv("GX_PYTHON", sys.executable)
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "host"))
    scons = _SconsEnv(env, tmp_path)
    script = FW / "src" / "pio_model_io.py"
    exec(compile(script.read_text(), str(script), "exec"), {"Import": lambda name: None, "env": scons})
    return scons


@pytest.mark.parametrize("env", ["esp32dev", "esp32dev-writing", "esp32c3-writing"])
def test_pio_script_adds_what_the_compile_check_compiles(tmp_path, monkeypatch, env):
    """firmware/src/pio_model_io.py under a stand-in for PlatformIO's SCons environment adds
    the model sources, include directories and definitions of glovexfer.device.pio_build's
    plan for the environment's options -- what esp32_check compiles -- and writes
    gx_model_io.h; the letter glove gets no spotter or lexicon, the writing glove both."""
    from glovexfer.device.esp32_check import env_models

    monkeypatch.delenv("GX_MODEL_DIR", raising=False)
    scons = _run_pio_script(env, tmp_path, monkeypatch)
    want = env_models(env)
    gen = tmp_path / "gen"
    assert (gen / "gx_model_io.h").is_file()
    assert [Path(p) for p in scons.appended["CPPPATH"]] == [want.model_dir, gen, *want.includes[1:]]
    assert scons.appended["CPPDEFINES"] == [n if v is None else (n, v) for n, v in want.defines]
    built = [folder / name for _, folder, flt in scons.built for name in re.findall(r"\+<([^>]+)>", flt)]
    assert built == want.sources and all(flt.startswith("-<*> ") for _, _, flt in scons.built)
    assert len({variant for variant, _, _ in scons.built}) == len(scons.built)  # one build folder each
    names = {p.name for p in built}
    if env.endswith("-writing"):
        assert want.model_dir.name == "firmware_writing"
        assert {"gx_model_spotter.cpp", "gx_lexicon.cpp"} <= names
        assert {("GX_WITH_SPOTTER", 1), ("GX_WITH_LEXICON", 1)} <= set(scons.appended["CPPDEFINES"])
    else:
        assert want.model_dir.name == "firmware" and not names & {"gx_model_spotter.cpp", "gx_lexicon.cpp"}
        assert not any(d[0] in ("GX_WITH_SPOTTER", "GX_WITH_LEXICON") for d in scons.appended["CPPDEFINES"])


def test_pio_script_stops_the_build_on_a_wrong_option(tmp_path, monkeypatch, capfd):
    """GX_MODEL_DIR overrides the writing glove's model folder; one without the spotter stops
    the build (SCons' Exit) with the file named."""
    monkeypatch.setenv("GX_MODEL_DIR", "models/chen2021/firmware")
    with pytest.raises(SystemExit) as e:
        _run_pio_script("esp32dev-writing", tmp_path, monkeypatch)
    assert e.value.code == 1
    err = capfd.readouterr().err
    assert "gx_model_spotter.cpp: missing" in err and "the model sources could not be prepared" in err


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
    assert cfg.envs() == ["esp32dev", "esp32c3", "esp32dev-writing", "esp32c3-writing"]
    assert cfg.default_envs() == ["esp32dev-writing"]  # a wearer gets continuous writing
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
    for letters in ("esp32dev", "esp32c3"):
        o, w = opts[letters], opts[f"{letters}-writing"]
        assert o["custom_gx_model_dir"] == "models/glove/firmware" and o["custom_gx_continuous"] == "no"
        assert w["custom_gx_model_dir"] == "models/glove/firmware_writing" and w["custom_gx_continuous"] == "yes"
        # the writing glove is the letter glove's board and flags plus continuous writing
        assert w["extends"] == [f"env:{letters}"]
        assert {k: v for k, v in w.items() if not k.startswith("custom_") and k != "extends"} == {
            k: v for k, v in o.items() if not k.startswith("custom_")}
    assert opts["esp32dev"]["board"] == "esp32dev" and opts["esp32c3"]["board"] == "esp32-c3-devkitm-1"
    # the C3's Serial is its USB Serial/JTAG controller (HWCDC) only with both defines
    for env in ("esp32c3", "esp32c3-writing"):
        assert {"-DARDUINO_USB_MODE=1", "-DARDUINO_USB_CDC_ON_BOOT=1"} <= set(opts[env]["build_flags"])
    assert not any(f.startswith("-DARDUINO_USB") for f in opts["esp32dev"]["build_flags"])
    # the compile check (glovexfer.device.esp32_check) reads the same flags PlatformIO does
    from glovexfer.device.esp32_check import _ini, env_option

    ini = _ini(ROOT)
    for env, o in opts.items():
        assert env_option(ini, env, "build_flags") == o["build_flags"], env
        assert env_option(ini, env, "build_src_filter") == o["build_src_filter"], env
        assert " ".join(env_option(ini, env, "board")) == o["board"], env
        for name in ("custom_gx_model_dir", "custom_gx_networks", "custom_gx_continuous"):
            assert " ".join(env_option(ini, env, name)) == o[name], (env, name)


@pytest.mark.parametrize("edit", [("default_envs = esp32dev-writing", "default_envs = esp32-writing"),
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


def test_compile_check_refuses_a_broken_extends(tmp_path):
    """PlatformIO's validation lets an ``extends`` of a missing section pass; the compile
    check's reader of the file names it."""
    from glovexfer.device.esp32_check import _ini, env_option
    from glovexfer.errors import GloveXferError

    text = (ROOT / "platformio.ini").read_text()
    assert "extends = env:esp32dev\n" in text
    (tmp_path / "platformio.ini").write_text(text.replace("extends = env:esp32dev\n", "extends = env:esp32dv\n"))
    with pytest.raises(GloveXferError, match=r"\[env:esp32dev-writing\] extends env:esp32dv, which is not there"):
        env_option(_ini(tmp_path), "esp32dev-writing", "board")


def test_platformio_ini_builds_the_shared_sources():
    from glovexfer.device.esp32_check import pio_envs, pio_sources

    assert len(pio_envs(ROOT)) == 4
    for env in pio_envs(ROOT):
        included = {p.relative_to(FW).as_posix() for p in pio_sources(ROOT, env)}
        shared = set(_cmake_list("GX_CORE_SOURCES")) | set(_cmake_list("GX_APP_SOURCES"))
        assert shared <= included, sorted(shared - included)
        extra = included - shared
        assert extra == {"boards/esp32/board_esp32.cpp", "boards/esp32/mpu9250.cpp", "src/main.cpp"}, sorted(extra)


# ---- the partition table (firmware/src/partitions.csv) ------------------------------------
_DEFAULT_TABLE = """# Arduino-ESP32's default.csv (20 kB NVS)
nvs,      data, nvs,     0x9000,  0x5000,
otadata,  data, ota,     0xe000,  0x2000,
app0,     app,  ota_0,   0x10000, 0x140000,
app1,     app,  ota_1,   0x150000,0x140000,
spiffs,   data, spiffs,  0x290000,0x160000,
coredump, data, coredump,0x3F0000,0x10000,
"""


def test_partition_table_keeps_the_settings_store_and_the_app_slot():
    """Every environment flashes firmware/src/partitions.csv: a valid table for the 4 MB flash
    whose NVS partition takes the settings store's records (a whole K = 3 letter calibration)
    twice over, with the 1.25 MB app slot the compile check measures against."""
    from glovexfer.device.esp32_check import CHIPS, _ini, env_option, pio_envs
    from glovexfer.device.partitions import check, nvs_blob_room, settings_records

    ini = _ini(ROOT)
    for env in pio_envs(ROOT):
        assert env_option(ini, env, "board_build.partitions") == ["firmware/src/partitions.csv"], env
    r = check()
    assert r["records"] == settings_records() and r["records"][1] >= 26 * 3 * 229  # 26 letters x K = 3 samples
    assert r["nvs_room"] >= 2 * sum(r["records"])
    assert all(c.app_slot == r["app_slot"] == 0x140000 for c in CHIPS.values())
    # the default table's 20 kB NVS would not hold one K = 3 set (docs/calibration.md)
    assert nvs_blob_room(0x5000) < r["records"][1] <= nvs_blob_room(0x6000)


@pytest.mark.parametrize("edit,message", [
    (("0x9000,  0x5000", "0x9000,  0x5000"), r"partition nvs: 20480 bytes hold 15988 bytes of records"),
    (("0xe000,  0x2000", "0xd000,  0x2000"), r"otadata at 0xD000 overlaps partition nvs"),
    (("0x10000, 0x140000", "0x11000, 0x140000"), r"app0: offset 0x11000 .* not aligned"),
    (("0x3F0000,0x10000", "0x3F0000,0x20000"), r"coredump ends at 0x410000, beyond the 4 MB flash"),
    (("0x290000,0x160000", "0x290000,big"), r"offset|size 'big' is not a number"),
])
def test_partition_check_names_what_is_wrong(tmp_path, edit, message):
    """The check refuses Arduino's default table (too little NVS) and broken copies of it,
    naming the partition and the fault."""
    from glovexfer.device.partitions import check
    from glovexfer.errors import GloveXferError

    assert edit[0] in _DEFAULT_TABLE
    bad = tmp_path / "partitions.csv"
    bad.write_text(_DEFAULT_TABLE.replace(edit[0], edit[1], 1))
    with pytest.raises(GloveXferError, match=message):
        check(bad)
