"""Hostile input for the firmware's input path under AddressSanitizer + UndefinedBehavior-
Sanitizer (firmware/fuzz/fuzz_app.cpp: serial bytes -> app -> Recognizer / replay -> every
stage and both networks):

* g++ (or any compiler) -fsanitize=address,undefined: the standalone driver's structured
  hostile sessions (int16 extremes on every axis, saturated sensors, a stationary glove,
  all-zero input, random/truncated/over-long replays, random bytes and lines);
* the same driver in continuous mode only (``mode continuous`` streams from a shipped
  simulated session: the spotter, spotted letters' recognition, the word decoder);
* clang libFuzzer (-fsanitize=fuzzer,address,undefined): coverage-guided fuzzing from a
  small seed corpus (``app_continuous``: continuous-mode seeds and a dictionary).

No crash, no sanitizer report (-fno-sanitize-recover=all makes UB fatal), and ERR lines for
unusable input.  Bounded numbers of executions keep CI short; docs/reliability.md has a long run.
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

ROOT = Path(__file__).resolve().parents[1]

SAN = "-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1"
DRIVER_RUNS = 1500
LIBFUZZER_RUNS = 20000


def _env():
    import os

    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def _sanitized_run(exe, *args) -> str:
    """The driver's output; no sanitizer finding and exit status 0."""
    r = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=600, check=False, env=_env())
    assert "ERROR: AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr[-4000:]
    assert r.returncode == 0, r.stderr[-4000:]
    print(r.stdout.strip())
    return r.stdout


def test_sanitized_hostile_driver(models):
    exe = fw_models.build("gx_fuzz_app", "asan", models, extra_flags=SAN)
    out = _sanitized_run(exe, DRIVER_RUNS, 7)
    m = re.search(r"executions (\d+) bytes (\d+) lines (\d+) err_lines (\d+) letter_lines (\d+)", out)
    assert m is not None, out
    execs, _, lines, errs, letters = map(int, m.groups())
    assert execs == DRIVER_RUNS
    assert errs > DRIVER_RUNS // 2  # hostile input is answered with ERR lines
    assert letters > 0  # and complete windows still give letters
    assert lines > errs


#: continuous-mode inputs of the standalone driver (about 40 s under ASan + UBSan)
CONTINUOUS_DRIVER_RUNS = 250


def _session_file(tmp_path) -> Path:
    """The sample lines of the shipped simulated session "the glove writes words"."""
    from glovexfer.device.continuous import stream_lines
    from glovexfer.device.demo import shipped_session

    path = tmp_path / "session.txt"
    path.write_text("".join(x + "\n" for x in stream_lines(shipped_session("the glove writes words", 0).counts)))
    return path


def test_sanitized_continuous_driver(models, tmp_path):
    """Continuous mode under the hostile driver (seed 11): slices of a real session cut,
    repeated into words longer than the app keeps and damaged, synthetic and non-writing
    motion, streams of thousands of samples, bad lines, 'end', mode and model switches
    mid-stream: no sanitizer finding; letters, words and stream ends still come."""
    if not (Path(models) / "gx_model_spotter.cpp").is_file():
        pytest.skip(f"{models} has no gx_model_spotter.cpp: no continuous mode to fuzz")
    exe = fw_models.build("gx_fuzz_app", "asan", models, extra_flags=SAN)
    out = _sanitized_run(exe, CONTINUOUS_DRIVER_RUNS, 11, _session_file(tmp_path), "continuous")
    m = re.search(r"executions (\d+) .* err_lines (\d+) letter_lines (\d+) word_lines (\d+) end_lines (\d+)", out)
    assert m is not None, out
    execs, errs, letters, words, ends = map(int, m.groups())
    assert execs == CONTINUOUS_DRIVER_RUNS
    assert errs > CONTINUOUS_DRIVER_RUNS // 2 and letters > 10 * CONTINUOUS_DRIVER_RUNS
    assert words > CONTINUOUS_DRIVER_RUNS and ends > CONTINUOUS_DRIVER_RUNS // 2


def test_sanitized_hostile_driver_with_signal_network(fw_build_tools):
    """The real-data build (LSTM, CNN and signal network; default model fused_signal) under
    the same hostile sessions: no sanitizer finding, errors answered, letters still given."""
    exe = fw_models.build("gx_fuzz_app", "asan-signal", ROOT / "models" / "chen2021" / "firmware", extra_flags=SAN)
    r = subprocess.run([str(exe), str(DRIVER_RUNS), "7"], capture_output=True, text=True, timeout=900, check=False,
                       env=_env())
    assert "ERROR: AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr[-4000:]
    assert r.returncode == 0, r.stderr[-4000:]
    m = re.search(r"executions (\d+) bytes (\d+) lines (\d+) err_lines (\d+) letter_lines (\d+)", r.stdout)
    assert m is not None, r.stdout
    execs, _, _, errs, letters = map(int, m.groups())
    print(r.stdout.strip())
    assert execs == DRIVER_RUNS and errs > DRIVER_RUNS // 2 and letters > 0


def test_sanitized_hostile_driver_without_models(unavailable, tmp_path):
    """The firmware built without models: every recognition is an ERR line, nothing crashes."""
    why = fw_models.have_tools()
    if why:
        unavailable(why)
    exe = fw_models.build("gx_fuzz_app", "asan-nomodels", None, extra_flags=SAN)
    r = subprocess.run([str(exe), "300", "3"], capture_output=True, text=True, timeout=600, check=False, env=_env())
    assert r.returncode == 0, r.stderr[-4000:]
    m = re.search(r"letter_lines (\d+)", r.stdout)
    assert m is not None and m.group(1) == "0"


def test_libfuzzer(models, unavailable, tmp_path):
    if shutil.which("clang++") is None:
        unavailable("clang++ not found: cannot build the libFuzzer target (Debian: apt-get install clang)")
    from glovexfer.device.protocol import replay_line, sample_line
    from glovexfer.simulate.recordings import simulated_recordings

    exe = fw_models.build("gx_fuzz_app", "libfuzzer", models, extra_flags=SAN, cxx="clang++",
                          cmake_args=("-DGX_LIBFUZZER=ON",))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    c = simulated_recordings(2, seed=1)
    (corpus / "window").write_text("start\n" + "".join(sample_line(s) + "\n" for s in c[0]))
    (corpus / "replay").write_text(replay_line(c[1]) + "\n")
    (corpus / "commands").write_text("info\nmodel lstm\nmodel cnn\nmodel fused\nauto on\nreset\n")
    r = subprocess.run([str(exe), f"-runs={LIBFUZZER_RUNS}", "-max_len=4096", "-seed=1", *_fuzz_all().MEMORY_LIMIT, str(corpus)],
                       capture_output=True, text=True, timeout=600, check=False, env=_env(), cwd=tmp_path)
    tail = r.stderr[-4000:]
    assert r.returncode == 0, tail
    assert f"Done {LIBFUZZER_RUNS} runs" in r.stderr, tail
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("leak-*")) and not list(tmp_path.glob("timeout-*"))
    print(re.findall(r"Done \d+ runs.*", r.stderr)[0])


# --- every libFuzzer target, briefly (tools/fuzz_all.py runs them long: docs/reliability.md) ---
#: target -> executions in `make test` (a few seconds each under ASan + UBSan)
SHORT_RUNS = {"protocol": 200_000, "app": 3000, "app_continuous": 200, "stages": 3000, "model": 400, "metamorphic": 40,
              "app_signal": 1500, "model_signal": 300, "metamorphic_signal": 30}


def _fuzz_all():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_all", ROOT / "tools" / "fuzz_all.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", list(SHORT_RUNS))
def test_fuzz_target_short_run(name, models, unavailable, tmp_path):
    """Each target of tools/fuzz_all.py for a fixed number of executions: no finding."""
    if shutil.which("clang++") is None:
        unavailable("clang++ not found: cannot build the libFuzzer targets (Debian: apt-get install clang)")
    fa = _fuzz_all()
    flavour, target, _ = fa.TARGETS[name]
    if flavour == "fuzz-signal":
        model_dir, build = fa.SIGNAL_DIR, "libfuzzer-signal"
        if not (model_dir / "gx_model_signal.cpp").is_file():
            pytest.skip(f"{model_dir}: no signal network shipped")
    else:
        model_dir, build = models, "libfuzzer"
    exe = fw_models.build(target, build, model_dir, extra_flags=SAN, cxx="clang++", cmake_args=("-DGX_LIBFUZZER=ON",))
    row = fa.run_target(name, exe, tmp_path, runs=SHORT_RUNS[name])
    print({k: v for k, v in row.items() if k != "log_tail"})
    assert row["rc"] == 0 and row["findings"] == 0, row["log_tail"]
    assert row["executions"] == SHORT_RUNS[name], row["log_tail"]
    assert row["cov"] > 0
