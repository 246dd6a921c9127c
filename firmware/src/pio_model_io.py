"""PlatformIO extra script (platformio.ini: extra_scripts = pre:firmware/src/pio_model_io.py):
adds the model part of the build -- the shipped model sources, their include directories, the
build-time selection and, for the continuous-writing glove, the letter spotter and the word
lexicon -- and writes gx_model_io.h next to the build, exactly as the CMake builds do.

What to add is decided by the host package (python -m glovexfer.device.pio_build, run with
the repository's .venv), from the environment's options: custom_gx_model_dir (the model
folder; $GX_MODEL_DIR overrides it), custom_gx_networks (any of lstm cnn signal; empty: all
that the model folder has) and custom_gx_continuous (yes: the spotter, and the lexicon when
shipped). The ESP32 compile check (glovexfer.device.esp32_check) uses the same plan."""

import json
import os
import subprocess
import sys

Import("env")  # noqa: F821  (PlatformIO's SCons environment)

project = env.subst("$PROJECT_DIR")  # noqa: F821
gen = os.path.join(env.subst("$BUILD_DIR"), "gen")  # noqa: F821
pyenv = dict(os.environ)
pyenv["PYTHONPATH"] = os.path.join(project, "host") + os.pathsep + pyenv.get("PYTHONPATH", "")
# PlatformIO runs this file in its own Python, which has no numpy: use the project's .venv
# (make venv) when there is one, else $GX_PYTHON, else PlatformIO's.
venv_py = os.path.join(project, ".venv", "bin", "python")
python = os.environ.get("GX_PYTHON") or (venv_py if os.path.isfile(venv_py) else sys.executable)
r = subprocess.run([python, "-m", "glovexfer.device.pio_build", "--root", project, "--gen", gen,
                    "--models", env.GetProjectOption("custom_gx_model_dir", ""),  # noqa: F821
                    "--networks", env.GetProjectOption("custom_gx_networks", ""),  # noqa: F821
                    "--continuous", env.GetProjectOption("custom_gx_continuous", "")],  # noqa: F821
                   env=pyenv, stdout=subprocess.PIPE, universal_newlines=True)
if r.returncode != 0:
    sys.stderr.write("error: the model sources could not be prepared (message above; is numpy installed "
                     "in the Python that runs glovexfer: make venv, or set GX_PYTHON?)\n")
    env.Exit(1)  # noqa: F821
plan = json.loads(r.stdout)
env.Append(CPPPATH=plan["includes"])  # noqa: F821
env.Append(CPPDEFINES=[d if isinstance(d, str) else tuple(d) for d in plan["defines"]])  # noqa: F821
for i, (folder, names) in enumerate(plan["sources"]):
    env.BuildSources(os.path.join("$BUILD_DIR", "models" if i == 0 else "models%d" % i), folder,  # noqa: F821
                     src_filter=" ".join(["-<*>"] + ["+<%s>" % n for n in names]))
