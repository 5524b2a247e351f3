"""The build recipe's inputs: config.tcl (board facts + the core) beside the shared build.tcl, and the
Python mirror of what the recipe writes into output/spikeforge.json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spikeforge.deploy.boards import BD_NAME, CORE_NAME, DMA_NAME, OVERLAY, DeployBoard

RECIPE = "build.tcl"
CONFIG = "config.tcl"
BACKENDS = ("rtl", "hls")


@dataclass(frozen=True)
class CoreSpec:
    """What the recipe packages: the RTL design folder (sources + images) or an HLS IP folder."""

    backend: str  # "rtl" | "hls"
    ip_dir: str  # relative to the package folder
    top: str  # RTL top module, or the HLS IP's name
    sources: tuple[str, ...] = ()
    memory_images: tuple[str, ...] = ()


def _word(value: Any) -> str:
    text = str(value)
    if any(c in text for c in "{}\\\n"):
        raise RuntimeError(f"value {text!r} cannot be written as one Tcl word")
    return "{" + text + "}"


def _list(items: list[Any] | tuple[Any, ...]) -> str:
    return "[list " + " ".join(_word(i) for i in items) + "]" if items else "{}"


def config_tcl(
    board: DeployBoard,
    core: CoreSpec,
    *,
    model_sha256: str,
    n_inputs: int,
    n_outputs: int,
    clock_mhz: float,
    jobs: int = 4,
) -> str:
    """The text of config.tcl: every variable build.tcl reads, for one board and one core."""
    ps = board.ps
    ps_config = [x for k, v in ps["ps_config"].items() for x in (f"CONFIG.{k}", v)]
    values: list[tuple[str, str]] = [
        ("sf_board", _word(board.key)),
        ("sf_part", _word(board.part)),
        ("sf_board_part_pattern", _word(board.board_part)),
        ("sf_board_files", _word(board.board_files)),
        ("sf_carrier_pattern", _word(board.carrier)),
        ("sf_carrier_connector", _word(board.carrier_connector)),
        ("sf_backend", _word(core.backend)),
        ("sf_ip_dir", _word(core.ip_dir)),
        ("sf_top", _word(core.top)),
        ("sf_hls_ip_name", _word(core.top)),
        ("sf_rtl_sources", _list(core.sources)),
        ("sf_memory_images", _list(core.memory_images)),
        ("sf_model_sha256", _word(model_sha256)),
        ("sf_n_inputs", _word(n_inputs)),
        ("sf_n_outputs", _word(n_outputs)),
        ("sf_clock_mhz", _word(f"{clock_mhz:g}")),
        ("sf_project", _word(f"spikeforge_{board.key.replace('-', '_')}")),
        ("sf_bd", _word(BD_NAME)),
        ("sf_overlay", _word(OVERLAY)),
        ("sf_core_name", _word(CORE_NAME)),
        ("sf_dma_name", _word(DMA_NAME)),
        ("sf_ps_ip", _word(ps["ps_ip"])),
        ("sf_ps_rule", _word(ps["ps_rule"])),
        ("sf_ps_automation", _word(ps["ps_automation"])),
        ("sf_ps_name", _word(ps["ps_hier"])),
        ("sf_ps_master", _word(ps["ps_master"])),
        ("sf_ps_master_clk", _word(ps["ps_master_clk"])),
        ("sf_ps_slave", _word(ps["ps_slave"])),
        ("sf_ps_slave_clk", _word(ps["ps_slave_clk"])),
        ("sf_ps_clk", _word(ps["ps_clk"])),
        ("sf_ps_resetn", _word(ps["ps_resetn"])),
        ("sf_ps_config", _list(ps_config)),
        ("sf_ps_clock_property", _word(ps["ps_clock_property"])),
        ("sf_ps_data_space", _word(ps["ps_data_space"])),
        ("sf_control_base", _word(ps["control_base"])),
        ("sf_jobs", _word(jobs)),
    ]
    lines = [
        "# Written by `spikeforge package`: the board and core that build.tcl builds.",
        *(f"set {name} {value}" for name, value in values),
    ]
    return "\n".join(lines) + "\n"


def overlay_json(
    board: DeployBoard,
    *,
    model_sha256: str,
    n_inputs: int,
    n_outputs: int,
    backend: str,
    clock_requested: float,
    clock_achieved: float,
    wns_ns: float,
) -> dict[str, Any]:
    """What build.tcl writes into output/spikeforge.json (the simulated board writes the same)."""
    return {
        "format": "spikeforge-overlay",
        "board": board.key,
        "part": board.part,
        "model_sha256": model_sha256,
        "n_inputs": n_inputs,
        "n_outputs": n_outputs,
        "backend": backend,
        "clock_mhz_requested": clock_requested,
        "clock_mhz_achieved": clock_achieved,
        "wns_ns": wns_ns,
        "core": CORE_NAME,
        "dma": DMA_NAME,
        "bitfile": f"{OVERLAY}.bit",
    }
