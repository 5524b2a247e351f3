"""The `spikeforge compress` job: load, refuse impossible budgets, compress, export, write every output
file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from spikeforge.atomic import incomplete_while_writing
from spikeforge.boards import get_board
from spikeforge.compress import report as reports
from spikeforge.compress.fpga import CoreResources
from spikeforge.compress.pipeline import Data, board_budget, compress, export, hardware_accuracy, measure
from spikeforge.compress.problem import Bounds, refuse_below
from spikeforge.compress.schedule import ScheduleConfig
from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.activity import measured
from spikeforge.estimate.differentiable import Layout
from spikeforge.train.checkpoint import load_model, save_checkpoint

COLLAPSE_DROP = 0.10  # a hardware accuracy this far below the dense model's is reported as a collapse
OPTIONS = {"bram18": "--bram", "lut": "--lut", "latency_us": "--latency-us"}


def lower_bounds(resources: CoreResources, bounds: Bounds) -> dict[str, float]:
    """What no compression of this network can go below, by the resource model: every layer at its fewest
    weights and bits, laid out as compactly as possible (fan-out 1, L1 norm 1), with the narrowest
    membranes the contract allows and silent hidden layers (pruning can silence them)."""
    shapes = [replace(s, membrane_bits=2) for s in resources.shapes]
    lowest = replace(resources, shapes=shapes, rates=[resources.rates[0]] + [0.0] * (len(shapes) - 1))
    nonzeros = [min(bounds.min_keep, n) for n in resources.sizes]
    bits = [bounds.bits_min] * len(shapes)
    floors = [
        lowest.estimate(nonzeros, bits, [Layout(max_fanout=1, max_l1=1)] * len(shapes)),
        lowest.estimate(nonzeros, bits),
        resources.estimate(nonzeros, bits),
    ]
    floor = {name: min(f[name] for f in floors) for name in floors[0]}
    floor["latency_us"] = min(floor["latency_us"], _latency_floor(resources))
    return floor


def _latency_floor(resources: CoreResources) -> float:
    """Cycles no core of these layer sizes can beat on this input activity: back to back samples take at
    least the busiest layer's time, and a layer takes at least its neuron phases (one row per neuron, hidden
    layers silent) or, for the input layer, its events at the fewest cycles an event can cost, whichever
    is longer (the two may overlap)."""
    from spikeforge.estimate.calibration import load_constants
    from spikeforge.estimate.latency import update_cycles

    const = load_constants()["latency"]
    steps = resources.timesteps
    work = [steps * update_cycles(s.n_out, const) for s in resources.shapes]
    first = resources.shapes[0]
    events = resources.rates[0] * first.n_in * steps
    work[0] = max(work[0], events * const["min_event_cycles"])
    return float(max(work) / resources.clock_mhz)  # the readout's cycles are shared by a whole batch


def check_reachable(resources: CoreResources, budget: dict[str, float], bounds: Bounds) -> None:
    """Refuse up front a budget below the lower bound of a resource (see ``lower_bounds``)."""
    refuse_below(
        resources,
        budget,
        lambda: lower_bounds(resources, bounds),
        lambda name, floor: (
            "is below what this network can reach even fully compressed "
            f"({OPTIONS.get(name, name)}): the minimum achievable is at least {floor:.4g}"
        ),
    )


def run_compress(
    checkpoint: Path,
    board_key: str,
    overrides: dict[str, float | None],
    output: Path,
    cfg: ScheduleConfig,
    method: str = "minimax",
    quiet: bool = False,
    min_accuracy: float | None = None,
) -> dict[str, Any]:
    """Compress CHECKPOINT under the board's budgets (overridden by absolute numbers) into ``output``.

    ``min_accuracy`` (a fraction): a compressed hardware test accuracy below it fails the run before
    anything is written."""
    board = get_board(board_key)
    model, payload = load_model(checkpoint)
    data = Data.for_checkpoint(payload)
    budget = board_budget(board, overrides)
    dense_hw = export(model, data, {})
    resources = CoreResources.for_model(
        dense_hw, board, measured(dense_hw, data.x["train"][:200]).mean_rates(), data.timesteps
    )
    check_reachable(resources, budget, cfg.bounds)
    dense = {
        "measured": measure(dense_hw, data, board),
        "accuracy": {s: hardware_accuracy(dense_hw, data, s) for s in ("val", "test")},
    }
    outcome = compress(model, data, board, budget, cfg, method=method, quiet=quiet, dense_hw=dense_hw)
    if not all(outcome.measured[k] <= v for k, v in budget.items()):
        raise RuntimeError("the compressed model is over budget, which compress() rules out")
    context = {
        "checkpoint": str(checkpoint),
        "board": board.key,
        "dataset": data.name,
        "seed": cfg.seed,
        "schedule": cfg.to_json(),
        "resource_names": list(resources.names),
    }
    report = reports.build(outcome, dense, budget, context)
    report["warnings"] = warnings(report)
    report["binding_resource"] = reports.binding_resource(report)
    compressed_acc = report["hardware_accuracy"]["compressed"]["test"]
    if min_accuracy is not None and compressed_acc < min_accuracy:
        raise SpikeforgeError(
            f"the compressed model's hardware accuracy {100 * compressed_acc:.2f}% (test) is below "
            f"--min-accuracy {100 * min_accuracy:g}%; nothing was written"
        )
    extra = {
        **outcome.hw.extra,
        "dataset": data.name,
        "timesteps": data.timesteps,
        "encoder": data.encoder,
        "seed": cfg.seed,
        "hardware_accuracy": report["hardware_accuracy"]["compressed"],
        "compress_budget": budget,
    }
    hw = type(outcome.hw)(layers=outcome.hw.layers, readout=outcome.hw.readout, extra=extra)
    rendered = reports.render(report)  # plots and text first: a failure here writes nothing
    report["files"] = {
        "model": "model.npz",
        "checkpoint": "checkpoint.pt",
        "report": "report.json",
        "markdown": "report.md",
        **report["plots"],
    }
    with incomplete_while_writing(output, "spikeforge compress"):
        hw.save(output / "model.npz")
        save_checkpoint(
            output / "checkpoint.pt",
            outcome.model,
            train_config=payload.get("train_config"),
            meta={"compressed_from": str(checkpoint), "method": method, "budget": budget, "seed": cfg.seed},
        )
        reports.write(report, output, rendered)
    return report


def warnings(report: dict[str, Any]) -> list[str]:
    """What a user must not miss: greedy forcing, tightening after export, a collapsed accuracy or layer."""
    out = []
    forced = [i + 1 for i, node in enumerate(report["nodes"]) if node["forced"]]  # numbered as the CLI prints
    if forced:
        out.append(
            f"{report['method']} did not meet the budget of node {', '.join(map(str, forced))} within "
            "--max-compress-epochs; the gap was closed greedily (more pruning, fewer bits) before finetuning"
        )
    if report["tightenings_after_export"]:
        out.append(
            f"the exported model was over budget and was tightened {report['tightenings_after_export']} "
            "time(s) without retraining"
        )
    acc = report["hardware_accuracy"]
    dense, compressed = acc["dense"]["test"], acc["compressed"]["test"]
    if dense - compressed > COLLAPSE_DROP:
        out.append(
            f"hardware accuracy fell from {100 * dense:.2f}% to {100 * compressed:.2f}% (test): the budget "
            "is too tight for this network to keep its accuracy"
        )
    for layer in report["layers"]:
        if layer["nonzeros"] < layer["n_out"]:
            out.append(
                f"layer {layer['layer']} keeps only {layer['nonzeros']} of {layer['n_in'] * layer['n_out']} "
                f"synapses, fewer than its {layer['n_out']} neurons"
            )
    return out
