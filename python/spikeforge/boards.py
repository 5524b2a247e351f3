"""The board catalog: PL resources of the supported boards (from boards.json) and their usable limits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as importlib_resources
from typing import Any

from spikeforge.errors import SpikeforgeError

RESOURCES = ("lut", "ff", "bram18", "uram", "dsp")
DEFAULT_BOARD = "pynq-z2"  # the board every command targets unless told otherwise
_REQUIRED = ("name", "part", "family", *RESOURCES, "default_clock_mhz", "sources")


@dataclass(frozen=True)
class Board:
    """One board: its device's resource counts, its default PL clock and the usable fraction of each
    resource."""

    key: str
    name: str
    part: str
    family: str
    lut: int
    ff: int
    bram18: int
    uram: int
    dsp: int
    default_clock_mhz: float
    sources: tuple[str, ...]
    limits: dict[str, float] = field(default_factory=dict)

    def capacity(self, resource: str) -> int:
        return int(getattr(self, resource))

    def budget(self, resource: str) -> float:
        """What a design may use of ``resource``: capacity x the timing-closure headroom limit."""
        return self.capacity(resource) * self.limits[resource]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "part": self.part,
            "family": self.family,
            **{r: self.capacity(r) for r in RESOURCES},
            "default_clock_mhz": self.default_clock_mhz,
            "limits": dict(self.limits),
            "sources": list(self.sources),
        }


def _validate(key: str, entry: Any, sources: dict[str, str], limits: dict[str, float]) -> Board:
    if not isinstance(entry, dict):
        raise SpikeforgeError(f"boards.json: board {key!r} must be an object")
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise SpikeforgeError(f"boards.json: board {key!r} lacks {', '.join(missing)}")
    for r in RESOURCES:
        if not isinstance(entry[r], int) or entry[r] < 0:
            raise SpikeforgeError(f"boards.json: board {key!r} field {r} must be a non-negative integer")
    if not float(entry["default_clock_mhz"]) > 0:
        raise SpikeforgeError(f"boards.json: board {key!r} default_clock_mhz must be positive")
    unknown = [s for s in entry["sources"] if s not in sources]
    if unknown:
        raise SpikeforgeError(f"boards.json: board {key!r} cites unknown sources {', '.join(unknown)}")
    board_limits = {**limits, **entry.get("limits", {})}
    for r in RESOURCES:
        if not 0 < float(board_limits.get(r, 0)) <= 1:
            raise SpikeforgeError(f"boards.json: board {key!r} limit for {r} must be in (0, 1]")
    fields = {k: entry[k] for k in _REQUIRED}
    fields["sources"] = tuple(entry["sources"])
    fields["default_clock_mhz"] = float(entry["default_clock_mhz"])
    return Board(key=key, limits=board_limits, **fields)


@cache
def catalog() -> dict[str, Board]:
    """All boards of the packaged catalog, validated, by key (e.g. "pynq-z2")."""
    raw = json.loads(importlib_resources.files("spikeforge").joinpath("boards.json").read_text())
    return {
        key: _validate(key, entry, raw["sources"], raw["default_limits"])
        for key, entry in raw["boards"].items()
    }


def get_board(key: str) -> Board:
    """The board named ``key`` (case-insensitive); SpikeforgeError listing the known boards otherwise."""
    boards = catalog()
    board = boards.get(key.lower())
    if board is None:
        raise SpikeforgeError(f"unknown board {key!r}; known boards: {', '.join(sorted(boards))}")
    return board
