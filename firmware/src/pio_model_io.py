"""PlatformIO extra script (platformio.ini: extra_scripts = pre:firmware/src/pio_model_io.py):
adds the shipped model sources (models/glove/firmware/gx_model_{lstm,cnn}.cpp, or those of the
directory $GX_MODEL_DIR, e.g. models/chen2021/firmware; a gx_model_signal.cpp there is built
too and GX_HAVE_SIGNAL_MODEL defined) to the build and writes gx_model_io.h next to the build
with the host package, exactly as the CMake builds do (python -m glovexfer.device.model_io
MODEL_DIR OUT_DIR), using the repository's .venv.

The build-time model selection (firmware/core/select.h): the option custom_gx_networks (any
of lstm cnn signal; empty: all that the model directory has) becomes GX_WITH_LSTM /
GX_WITH_CNN / GX_WITH_SIGNAL for every source, and only the selected models are built."""

import os
import subprocess
import sys

Import("env")  # noqa: F821  (PlatformIO's SCons environment)

project = env.subst("$PROJECT_DIR")  # noqa: F821
models = os.path.join(project, os.environ.get("GX_MODEL_DIR") or os.path.join("models", "glove", "firmware"))
gen = os.path.join(env.subst("$BUILD_DIR"), "gen")  # noqa: F821
have_signal = os.path.isfile(os.path.join(models, "gx_model_signal.cpp"))
networks = env.GetProjectOption("custom_gx_networks", "").split()  # noqa: F821
if not networks:
    networks = ["lstm", "cnn"] + (["signal"] if have_signal else [])
for net in networks:
    if net not in ("lstm", "cnn", "signal"):
        sys.stderr.write(f"error: platformio.ini custom_gx_networks: unknown network {net!r} (lstm, cnn, signal)\n")
        env.Exit(1)  # noqa: F821
for name in (f"gx_model_{net}.cpp" for net in networks):
    if not os.path.isfile(os.path.join(models, name)):
        sys.stderr.write(f"error: {models}/{name} missing: export the models first (glovexfer train; see models/README.md)\n")
        env.Exit(1)  # noqa: F821
os.makedirs(gen, exist_ok=True)
pyenv = dict(os.environ)
pyenv["PYTHONPATH"] = os.path.join(project, "host") + os.pathsep + pyenv.get("PYTHONPATH", "")
# PlatformIO runs this file in its own Python, which has no numpy: use the project's .venv
# (make venv) when there is one, else $GX_PYTHON, else PlatformIO's.
venv_py = os.path.join(project, ".venv", "bin", "python")
python = os.environ.get("GX_PYTHON") or (venv_py if os.path.isfile(venv_py) else sys.executable)
r = subprocess.run([python, "-m", "glovexfer.device.model_io", models, gen], env=pyenv)
if r.returncode != 0:
    sys.stderr.write("error: could not write gx_model_io.h (is numpy installed in PlatformIO's Python?)\n")
    env.Exit(1)  # noqa: F821
env.Append(CPPPATH=[models, gen])  # noqa: F821
if have_signal:
    env.Append(CPPDEFINES=["GX_HAVE_SIGNAL_MODEL"])  # noqa: F821
env.Append(CPPDEFINES=[(f"GX_WITH_{net.upper()}", int(net in networks)) for net in ("lstm", "cnn", "signal")])  # noqa: F821
env.BuildSources(os.path.join("$BUILD_DIR", "models"), models,  # noqa: F821
                 src_filter=" ".join(["-<*>"] + [f"+<gx_model_{net}.cpp>" for net in networks]))
