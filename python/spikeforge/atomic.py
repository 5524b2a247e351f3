"""Atomic file writes: write to a temp file in the target folder, then rename, so that no reader
(and no interrupted run) ever sees a half-written output."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike, write: Callable[[str], Any]) -> Path:
    """Call ``write(tmp_name)`` to fill a temp file beside ``path``, then rename it onto ``path``.

    The temp name keeps ``path``'s suffix, for writers that choose the format by it (savefig, nir).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def atomic_write_json(path: str | os.PathLike, data: Any, **dump_options: Any) -> Path:
    """Write ``data`` as indented JSON (plus a final newline) atomically."""
    return atomic_write_text(path, json.dumps(data, indent=2, **dump_options) + "\n")
