"""Where the public data sets live: a CLI flag, an environment variable, or ../shared."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ..errors import DataNotFoundError

_SETS = {
    # name: (environment variable, folder under shared/data, file that marks the set, CLI flag)
    "digilets": ("GLOVEXFER_DIGILETS", "digilets", "FORMAT.md", "--digilets"),
    "chen2021": ("GLOVEXFER_CHEN2021", "chen2021", "FORMAT.md", "--chen2021"),
}


#: The small simulated glove set shipped inside the package (works without ../shared).
DEMO_SET = "demo_glove.npz"


def demo_set_path() -> Path:
    """The small simulated glove set shipped inside the package (works without ../shared)."""
    return Path(str(resources.files("glovexfer") / "resources" / DEMO_SET))


def _default_roots() -> list[Path]:
    """../shared/data seen from the repository root and from the working directory."""
    repo_root = Path(__file__).resolve().parents[3]
    roots = [repo_root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    out: list[Path] = []
    for r in roots:
        if r not in out:
            out.append(r)
    return out


def find_dataset(name: str, explicit: str | os.PathLike | None = None, required: bool = True) -> Path | None:
    """Resolve the folder of a public data set.

    Order: ``explicit`` (the CLI flag), then the environment variable, then
    ``../shared/data/<name>`` beside the repository.  Raises DataNotFoundError with
    instructions when nothing is found and ``required`` is true, else returns None.
    """
    env, sub, marker, flag = _SETS[name]
    tried: list[str] = []
    candidates: list[tuple[str, Path]] = []
    if explicit:
        candidates.append((flag, Path(explicit)))
    elif os.environ.get(env):
        candidates.append((f"${env}", Path(os.environ[env])))
    else:
        candidates.extend(("default", r / sub) for r in _default_roots())
    for how, path in candidates:
        if path.is_dir():
            return path
        tried.append(f"{path} ({how})")
    if not required:
        return None
    raise DataNotFoundError(
        f"{name} data set not found; looked in: {', '.join(tried)}. "
        f"Point at it with {flag} DIR or the environment variable {env}=DIR "
        f"(the folder that holds {marker}; see README.md, 'Data')."
    )
