"""Small helpers shared by CLI subcommands: loading user files with one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.errors import SpikeforgeError


def load_npy(path: Path, what: str) -> np.ndarray:
    """Load a user's .npy file (no pickles) or fail with one sentence naming it."""
    if not path.is_file():
        raise SpikeforgeError(f"{path}: no such {what} file")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise SpikeforgeError(f"{path}: not a readable .npy {what} file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise SpikeforgeError(f"{path}: cannot read {what} file ({exc})") from None


def check_output_dir(path: Path, option: str = "--output") -> Path:
    """Refuse, before any work, an output folder that is a file, lies under a file or cannot be written."""
    if path.exists() and not path.is_dir():
        raise SpikeforgeError(f"{option} {path}: is a file, not a folder")
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise SpikeforgeError(f"{option} {path}: cannot create the folder, {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise SpikeforgeError(f"{option} {path}: cannot write into {probe} (permission denied)")
    return path


def check_output_file(path: Path, option: str = "--output") -> Path:
    """Refuse, before any work, an output file that is a folder or whose folder cannot be written."""
    if path.is_dir():
        raise SpikeforgeError(f"{option} {path}: is a folder; give a file name")
    check_output_dir(path.parent if str(path.parent) else Path("."), option)
    if path.exists() and not os.access(path.parent, os.W_OK):
        raise SpikeforgeError(f"{option} {path}: cannot replace it (permission denied)")
    return path


def print_json(obj: Any) -> None:
    """Write one JSON document to stdout (numpy scalars and arrays converted)."""

    def default(o: Any) -> Any:
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, Path):
            return str(o)
        raise TypeError(f"not JSON-serializable: {type(o).__name__}")

    json.dump(obj, sys.stdout, default=default)
    sys.stdout.write("\n")
