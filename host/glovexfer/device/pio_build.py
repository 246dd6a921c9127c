"""What the PlatformIO build of the glove's firmware compiles besides ``build_src_filter``:
the model sources, their include directories and the build-time selection, from the
environment's options in ``platformio.ini``:

* ``custom_gx_model_dir``: the generated model sources (``models/glove/firmware`` when empty;
  the environment variable ``GX_MODEL_DIR`` overrides it, e.g.
  ``GX_MODEL_DIR=models/chen2021/firmware pio run``); a relative path is the repository's;
* ``custom_gx_networks``: the networks the firmware carries, any of lstm cnn signal (empty:
  every one the model directory has) -> ``GX_WITH_LSTM`` / ``GX_WITH_CNN`` / ``GX_WITH_SIGNAL``
  (firmware/core/select.h); ``GX_HAVE_SIGNAL_MODEL`` when the directory has the signal network;
* ``custom_gx_continuous``: ``yes`` builds the app's continuous mode as CMake's
  ``gx_continuous_app`` does (firmware/sources.cmake): the model directory's letter spotter
  (``gx_model_spotter.cpp``, required) with ``GX_WITH_SPOTTER=1`` and, when shipped, the word
  lexicon (``models/glove/firmware/gx_lexicon.cpp``) with ``GX_WITH_LEXICON=1``; ``no`` or
  empty: none (the app answers ``mode continuous`` with ``E_NO_SPOTTER``).

PlatformIO gives every source of an environment the same definitions, so the core's
``spotter.cpp`` and ``model_check.cpp`` (in ``build_src_filter``) see ``GX_WITH_SPOTTER`` as
the CMake builds' own copies of them do.

One function (:func:`plan`) serves both users: ``firmware/src/pio_model_io.py`` (PlatformIO's
pre-script, in PlatformIO's own Python, through the command line below, which also writes
``gx_model_io.h``) and the ESP32 compile check (``glovexfer.device.esp32_check``)::

    python -m glovexfer.device.pio_build --gen DIR [--models OPT] [--networks OPT] [--continuous OPT]

prints the plan as JSON (``sources``: ``[folder, [file names]]`` per folder, ``includes``,
``defines``: name or ``[name, value]``); exit 2 with ``error: ...`` when the options or the
model directory are wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GloveXferError
from ..files import domain_firmware_dir, moved_models_hint
from .build import repo_root

#: The networks of the build-time model selection (firmware/core/select.h).
NETWORKS = ("lstm", "cnn", "signal")
#: custom_gx_continuous's values.
CONTINUOUS = {"yes": True, "no": False, "": False}


@dataclass
class PioModels:
    """The model part of one PlatformIO environment's build."""

    model_dir: Path
    sources: list[Path] = field(default_factory=list)   # networks, then spotter and lexicon
    includes: list[Path] = field(default_factory=list)  # model_dir first: its headers win
    defines: list[tuple[str, int | None]] = field(default_factory=list)
    continuous: bool = False
    lexicon: Path | None = None

    def define_flags(self) -> list[str]:
        """The definitions as compiler flags."""
        return [f"-D{n}" if v is None else f"-D{n}={v}" for n, v in self.defines]


def model_dir_of(option: str = "", root: Path | None = None) -> Path:
    """The model directory: ``$GX_MODEL_DIR``, else ``custom_gx_model_dir``'s ``option``, else
    models/glove/firmware; a relative one lies in the repository (``root``)."""
    chosen = os.environ.get("GX_MODEL_DIR") or option.strip()
    if not chosen:
        return domain_firmware_dir("glove")
    p = Path(chosen)
    return p if p.is_absolute() else (root or repo_root()) / p


def continuous_of(option: str) -> bool:
    v = option.strip().lower()
    if v not in CONTINUOUS:
        raise GloveXferError(f"platformio.ini custom_gx_continuous: {option.strip()!r} is not yes or no")
    return CONTINUOUS[v]


def _missing(path: Path, why: str) -> GloveXferError:
    return GloveXferError(f"{path}: missing{moved_models_hint(path.parent) or ': ' + why}")


def plan(model_dir: Path, networks=(), continuous: bool = False) -> PioModels:
    """The model sources, include directories and definitions of a build from ``model_dir``
    with the networks ``networks`` (empty: every one the directory has) and, with
    ``continuous``, the spotter and the lexicon. Raises :class:`GloveXferError` naming the
    option or the missing file."""
    model_dir = Path(model_dir)
    have_signal = (model_dir / "gx_model_signal.cpp").is_file()
    nets = list(networks) or ["lstm", "cnn"] + (["signal"] if have_signal else [])
    for n in nets:
        if n not in NETWORKS:
            raise GloveXferError(f"platformio.ini custom_gx_networks: unknown network {n!r} ({', '.join(NETWORKS)})")
    out = PioModels(model_dir, includes=[model_dir], continuous=continuous)
    out.sources = [model_dir / f"gx_model_{n}.cpp" for n in nets]
    for s in out.sources:
        if not s.is_file():
            raise _missing(s, "export the models first (models/README.md)")
    if have_signal:
        out.defines.append(("GX_HAVE_SIGNAL_MODEL", None))
    out.defines += [(f"GX_WITH_{n.upper()}", int(n in nets)) for n in NETWORKS]
    if continuous:
        spotter = model_dir / "gx_model_spotter.cpp"
        if not spotter.is_file():
            raise _missing(spotter, "custom_gx_continuous = yes needs the letter spotter (the continuous-writing "
                                    "glove's models: models/glove/firmware_writing)")
        out.sources.append(spotter)
        out.defines.append(("GX_WITH_SPOTTER", 1))
        lexicon = domain_firmware_dir("glove") / "gx_lexicon.cpp"
        if lexicon.is_file():
            out.lexicon = lexicon
            out.sources.append(lexicon)
            if lexicon.parent != model_dir:
                out.includes.append(lexicon.parent)
            out.defines.append(("GX_WITH_LEXICON", 1))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glovexfer.device.pio_build", description=__doc__.split("\n\n")[0])
    ap.add_argument("--gen", required=True, help="where gx_model_io.h is written")
    ap.add_argument("--models", default="", help="custom_gx_model_dir (GX_MODEL_DIR overrides it)")
    ap.add_argument("--networks", default="", help="custom_gx_networks")
    ap.add_argument("--continuous", default="", help="custom_gx_continuous")
    ap.add_argument("--root", default=None, help="the project directory (default: this repository)")
    args = ap.parse_args(argv)
    try:
        from .model_io import write_io_header

        p = plan(model_dir_of(args.models, Path(args.root) if args.root else None), args.networks.split(),
                 continuous_of(args.continuous))
        write_io_header(p.model_dir, args.gen)
    except GloveXferError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    folders: dict[str, list[str]] = {}
    for s in p.sources:
        folders.setdefault(str(s.parent), []).append(s.name)
    inc = [str(p.model_dir), str(Path(args.gen)), *(str(i) for i in p.includes[1:])]
    print(json.dumps({"sources": list(folders.items()), "includes": inc,
                      "defines": [n if v is None else [n, v] for n, v in p.defines]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
