"""The fitted constants of the resource and latency models: one data file, calibration.json, refitted by
`spikeforge calibrate`. Each resource model is ``sum_k constants[resource][k] * feature_k`` over named features."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from spikeforge.atomic import atomic_write_text
from spikeforge.errors import SpikeforgeError

FILE = "calibration.json"


def constants_path() -> Path:
    return Path(str(importlib_resources.files("spikeforge.estimate").joinpath(FILE)))


@cache
def load_constants() -> dict[str, Any]:
    """The constants dict (keys: lut, ff per feature; latency per term; fit metadata)."""
    path = constants_path()
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SpikeforgeError(f"{path}: cannot read the model constants ({exc})") from None
    for key in ("lut", "ff", "latency"):
        if not isinstance(data.get(key), dict):
            raise SpikeforgeError(f"{path}: lacks the {key!r} constants")
    return data


def save_constants(data: dict[str, Any], path: Path | None = None) -> Path:
    """Write the constants atomically (temp file + rename) and drop the cached copy."""
    path = path or constants_path()
    atomic_write_text(path, json.dumps(data, indent=1) + "\n")
    load_constants.cache_clear()
    return path
