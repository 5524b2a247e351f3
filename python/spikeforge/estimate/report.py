"""The estimate report of `spikeforge estimate`: a JSON-able dict (per layer, total, board) and its table."""

from __future__ import annotations

from typing import Any

from spikeforge.boards import Board
from spikeforge.estimate.activity import Activity
from spikeforge.estimate.latency import cycles_per_sample
from spikeforge.estimate.resources import estimate
from spikeforge.hw.model import HardwareModel
from spikeforge.report import format_table
from spikeforge.synth.yosys import SynthResult

RESOURCES = ("lut", "ff", "bram18", "dsp")


def build_report(
    model: HardwareModel,
    board: Board,
    activity: Activity,
    *,
    lanes: int = 1,
    clock_mhz: float | None = None,
    synth: SynthResult | None = None,
    constants: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """{"total": {lut, ff, bram18, dsp, cycles, latency_us, fps, percent, fits}, "layers": [...],
    "board": {...}, "activity": {...}} plus "synth" (Yosys' counts) when given."""
    clock = clock_mhz or board.default_clock_mhz
    res = estimate(model, lanes, constants)
    lat = cycles_per_sample(model, activity, lanes, clock, constants)
    rates = activity.mean_rates()
    layers = []
    for layer, busy, rate in zip(res.layers, lat.layer_cycles, rates, strict=True):
        entry = layer.as_dict() | {"busy_cycles": round(busy, 1), "input_rate": round(rate, 4)}
        entry["percent"] = {
            r: round(100 * entry[r] / board.capacity(r), 2) if board.capacity(r) else None for r in RESOURCES
        }
        layers.append(entry)
    total: dict[str, Any] = res.totals() | {
        "top_lut": round(res.top_lut),
        "top_ff": round(res.top_ff),
        "cycles": round(lat.cycles, 1),
        "latency_us": round(lat.latency_us, 3),
        "fps": round(lat.fps, 1),
    }
    total["percent"] = {
        r: round(100 * total[r] / board.capacity(r), 2) if board.capacity(r) else None for r in RESOURCES
    }
    total["fits"] = all(total[r] <= board.budget(r) for r in RESOURCES)
    report: dict[str, Any] = {
        "total": total,
        "layers": layers,
        "board": board.as_dict() | {"clock_mhz": clock},
        "lanes": lanes,
        "activity": {
            "source": activity.source,
            "timesteps": activity.timesteps,
            "samples": activity.samples,
            "mean_input_rate": [round(r, 4) for r in rates],
        },
    }
    if synth is not None:
        report["synth"] = {r: getattr(synth, r) for r in RESOURCES} | {
            "lutram": synth.lutram,
            "cells": synth.cells,
        }
    return report


def format_report(report: dict[str, Any]) -> str:
    """The human table: one row per layer plus the total, % of the board, then latency (and Yosys if run)."""
    board, total = report["board"], report["total"]
    rows = [
        {
            "layer": e["layer"],
            "P": e["lanes"],
            **{r: e[r] for r in RESOURCES},
            "busy cycles": e["busy_cycles"],
            "input rate": e["input_rate"],
        }
        for e in report["layers"]
    ]
    rows.append(
        {
            "layer": "top",
            "P": "",
            "lut": total["top_lut"],
            "ff": total["top_ff"],
            "bram18": 0,
            "dsp": 0,
            "busy cycles": "",
            "input rate": "",
        }
    )
    rows.append(
        {"layer": "total", "P": "", **{r: total[r] for r in RESOURCES}, "busy cycles": "", "input rate": ""}
    )
    rows.append(
        {
            "layer": f"% {board['key']}",
            "P": "",
            **{r: f"{total['percent'][r]}%" for r in RESOURCES},
            "busy cycles": "",
            "input rate": "",
        }
    )
    if "synth" in report:
        rows.append(
            {
                "layer": "yosys",
                "P": "",
                **{r: report["synth"][r] for r in RESOURCES},
                "busy cycles": "",
                "input rate": "",
            }
        )
    lines = [
        f"{board['name']} ({board['part']}), {board['clock_mhz']:g} MHz, lanes P={report['lanes']}",
        format_table(rows, ["layer", "P", *RESOURCES, "busy cycles", "input rate"]),
        f"latency: {total['cycles']} cycles/sample = {total['latency_us']} us at {board['clock_mhz']:g} MHz, "
        f"{total['fps']} samples/s",
        f"activity: {report['activity']['source']}",
        "fits within the board's limits ("
        + ", ".join(f"{r} {100 * board['limits'][r]:.0f}%" for r in RESOURCES)
        + f"): {'yes' if total['fits'] else 'NO'}",
    ]
    return "\n".join(lines)
