"""Shared fixtures: public data sets that skip cleanly, except in CI where they must exist."""

from __future__ import annotations

import os

# The networks are built with tf_keras (Keras 3 LSTMs crash the int8 TFLite converter); the
# choice is made when TensorFlow is first imported, so make it before any test imports it.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import pytest  # noqa: E402

from glovexfer.data.paths import find_dataset  # noqa: E402

REQUIRE_DATA = os.environ.get("GLOVEXFER_REQUIRE_DATA", "") not in ("", "0")
# CI also installs the build tools (cmake, a C++ compiler); there a missing tool is a failure.
REQUIRE_TOOLS = os.environ.get("GLOVEXFER_REQUIRE_TOOLS", "") not in ("", "0")


@pytest.fixture(scope="session")
def unavailable():
    """``unavailable(reason)``: skip the test, or fail it where CI requires every tool."""

    def _unavailable(reason: str):
        if REQUIRE_TOOLS:
            pytest.fail(reason + " -- GLOVEXFER_REQUIRE_TOOLS is set (CI), so this is a failure, not a skip")
        pytest.skip(reason)

    return _unavailable


def _dataset(name: str):
    path = find_dataset(name, required=False)
    if path is None:
        msg = (
            f"the {name} data set is not present (../shared/data/{name} or $GLOVEXFER_{name.upper()}); "
            "see README.md, 'Data'"
        )
        if REQUIRE_DATA:
            pytest.fail(msg + " -- GLOVEXFER_REQUIRE_DATA is set (CI), so this is a failure, not a skip")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def digilets_dir():
    return _dataset("digilets")


@pytest.fixture(scope="session")
def chen2021_dir():
    return _dataset("chen2021")


@pytest.fixture(scope="session")
def digilets(digilets_dir):
    """All 62 writers' lowercase letters, loaded once per test session."""
    from glovexfer.data.digilets import load_digilets

    return load_digilets(digilets_dir)


# --- firmware fixtures (shared by the native, parity, protocol, fuzz and cross tests) -------


def _fw_models():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fw_models

    return fw_models


@pytest.fixture(scope="session")
def fw_build_tools(unavailable):
    """Skip (or fail in CI) unless cmake and a C++ compiler exist."""
    why = _fw_models().have_tools()
    if why:
        unavailable(why)


@pytest.fixture(scope="session")
def models(fw_build_tools):
    """The firmware model sources directory (``tests/fw_models.model_dir``)."""
    return _fw_models().model_dir()


@pytest.fixture(scope="session")
def writing_models(fw_build_tools):
    """The continuous-writing glove's model sources (``tests/fw_models.writing_model_dir``)."""
    return _fw_models().writing_model_dir()


@pytest.fixture(scope="session")
def glove(models):
    """The native glove application built with those models."""
    return _fw_models().build("gx_glove", "models", models)


@pytest.fixture(scope="session")
def core_test_program(tmp_path_factory, fw_build_tools):
    """firmware's ``gx_test_core`` (pre-network stages against vector files), built once."""
    return _fw_models().cmake_build(tmp_path_factory.mktemp("gxbuild_core"), "gx_test_core")


@pytest.fixture(scope="module")
def chen_private_pretraining(tmp_path_factory):
    """Keep a test module's quick Chen pretraining out of the shared out/cache (the source
    letters are read from it, as ``glovexfer train --domain chen2021`` reads them)."""
    import glovexfer.nets.chen2021 as CP

    cache = tmp_path_factory.mktemp("chen_cache")
    orig = CP.pretrained

    def pretrained(net, root, cache_dir="out/cache", **kw):
        kw["src"] = kw.get("src") or CP.source(root, progress=False)
        return orig(net, root, cache_dir=str(cache), **kw)

    CP.pretrained = pretrained
    yield
    CP.pretrained = orig
