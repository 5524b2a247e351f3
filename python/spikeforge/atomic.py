"""Atomic file writes: write to a temp file in the target folder, then rename, so that no reader
(and no interrupted run) ever sees a half-written output. Files get the usual permissions (0666
less the umask), not the temp file's 0600.

``incomplete_while_writing`` marks a whole run's folder as incomplete while its files are written.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from spikeforge.errors import SpikeforgeError

INCOMPLETE = "INCOMPLETE"


class WriteError(SpikeforgeError, OSError):
    """A file could not be written (permissions, a folder in the way, a full disk): one line on the CLI,
    and still an OSError for callers that handle those."""


def current_umask() -> int:
    """The process umask, read without changing it (Linux /proc), else by setting and restoring it."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise WriteError(f"cannot write {path}: a file stands where its folder should be") from None
    except OSError as exc:
        raise WriteError(f"cannot create the folder {path.parent}: {exc.strerror or exc}") from None


def atomic_write(path: str | os.PathLike, write: Callable[[str], Any]) -> Path:
    """Call ``write(tmp_name)`` to fill a temp file beside ``path``, then rename it onto ``path``.

    The temp name keeps ``path``'s suffix, for writers that choose the format by it (savefig, nir).
    A failing file system (permissions, a folder in the way, a full disk) is one error naming ``path``.
    """
    path = Path(path)
    _make_parent(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
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


@contextlib.contextmanager
def incomplete_while_writing(folder: str | os.PathLike, what: str) -> Iterator[Path]:
    """Mark ``folder`` with an INCOMPLETE file while a run writes its set of files into it.

    The marker appears before the first file is written and is removed after the last, so a run that
    fails or is interrupted half-way leaves its folder marked, never a silent mix of old and new files.
    """
    folder = Path(folder)
    marker = folder / INCOMPLETE
    atomic_write_text(
        marker,
        f"{what} was interrupted while writing this folder: its files may be "
        "partly from an earlier run. Run it again.\n",
    )
    yield folder
    marker.unlink(missing_ok=True)
