"""Where packaged data lives: the hardware sources (hls/), testbenches (sim/) and board recipes
(bitstreams/) shipped inside the package, and the user cache directory.

Everything that reads a shipped file goes through ``packaged``, so an editable checkout and a
wheel install behave the same; nothing is looked up relative to a source file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import platformdirs

_ROOTS = {"hls": "spikeforge.hls", "sim": "spikeforge.sim", "bitstreams": "spikeforge.bitstreams"}


def packaged(root: str, *parts: str) -> Path:
    """Path of a shipped file or folder, e.g. ``packaged("hls", "rtl", "sf_layer.v")``."""
    if root not in _ROOTS:
        raise ValueError(f"no packaged data root {root!r}; known: {', '.join(_ROOTS)}")
    path = Path(str(resources.files(_ROOTS[root]).joinpath(*parts)))
    if not path.exists():
        raise RuntimeError(f"packaged file {path} is missing: the spikeforge installation is incomplete")
    return path


def cache_dir(*parts: str) -> Path:
    """A folder in the user cache directory (created on demand), for results worth keeping between runs."""
    path = platformdirs.user_cache_path("spikeforge").joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
