"""The fitted constants of the resource and latency models: the packaged calibration.json, or a file that
`spikeforge calibrate` wrote. Each resource model is ``sum_k constants[resource][k] * feature_k`` over named
features."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from spikeforge.atomic import atomic_write_text
from spikeforge.errors import SpikeforgeError

FILE = "calibration.json"


def packaged_constants() -> Path:
    """The constants shipped with the package (read-only: calibration writes its own file)."""
    return Path(str(importlib_resources.files("spikeforge.estimate").joinpath(FILE)))


@cache
def load_constants(path: Path | None = None) -> dict[str, Any]:
    """The constants dict (keys: lut, ff per feature; latency per term; fit metadata) of ``path``,
    by default the packaged file."""
    path = Path(path) if path is not None else packaged_constants()
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SpikeforgeError(f"{path}: cannot read the model constants ({exc})") from None
    for key in ("lut", "ff", "latency"):
        if not isinstance(data.get(key), dict):
            raise SpikeforgeError(f"{path}: lacks the {key!r} constants")
    return data


def save_constants(data: dict[str, Any], path: Path) -> Path:
    """Write the constants atomically (temp file + rename) and drop the cached copies."""
    atomic_write_text(path, json.dumps(data, indent=1) + "\n")
    load_constants.cache_clear()
    return path
