"""Vivado facts of each deployable board (bitstreams/boards.json): part, board-part pattern, where the
board files come from, and the processing system's pins. The recipe's config.tcl and the simulated
board's .hwh are both written from this one table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from spikeforge._files import packaged
from spikeforge.boards import get_board
from spikeforge.errors import SpikeforgeError

CORE_NAME = "spikeforge_core_0"
DMA_NAME = "axi_dma_0"
BD_NAME = "spikeforge_bd"
OVERLAY = "spikeforge"


@dataclass(frozen=True)
class DeployBoard:
    """One board as the recipe and the simulated board see it."""

    key: str
    part: str
    board_part: str  # get_board_parts pattern
    board_files: str  # where to get the board files
    carrier: str  # carrier board-part pattern ("" when none)
    carrier_connector: str
    family: str  # "zynq7" | "zynqmp"
    ps: dict[str, Any]  # the family's processing-system facts
    default_clock_mhz: float

    @property
    def ps_name(self) -> str:
        return str(self.ps["ps_hier"])


@cache
def _table() -> dict[str, Any]:
    return json.loads(packaged("bitstreams", "boards.json").read_text())


def deploy_boards() -> list[str]:
    """Keys of every board with a recipe."""
    return sorted(_table()["boards"])


def deploy_board(key: str) -> DeployBoard:
    """The deploy facts of board ``key`` (also in the board catalog); SpikeforgeError if unknown."""
    table = _table()
    entry = table["boards"].get(key.lower())
    if entry is None:
        raise SpikeforgeError(f"no build recipe for board {key!r}; boards: {', '.join(deploy_boards())}")
    catalog = get_board(key)
    if catalog.part.lower() != entry["part"].lower():
        raise RuntimeError(f"bitstreams/boards.json and the board catalog disagree on the part of {key}")
    return DeployBoard(
        key=key.lower(),
        part=entry["part"],
        board_part=entry["board_part"],
        board_files=entry["board_files"],
        carrier=entry.get("carrier", ""),
        carrier_connector=entry.get("carrier_connector", ""),
        family=entry["family"],
        ps=dict(table["families"][entry["family"]]),
        default_clock_mhz=float(catalog.default_clock_mhz),
    )
