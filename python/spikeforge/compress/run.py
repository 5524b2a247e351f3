"""The `spikeforge compress` job: load, refuse impossible budgets, compress, export, write every output file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spikeforge.atomic import incomplete_while_writing
from spikeforge.boards import get_board
from spikeforge.compress import report as reports
from spikeforge.compress.fpga import CoreResources
from spikeforge.compress.pipeline import Data, board_budget, compress, export, hardware_accuracy, measure
from spikeforge.compress.problem import check_budget
from spikeforge.compress.schedule import ScheduleConfig
from spikeforge.compress.snn import compressible
from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.activity import measured
from spikeforge.train.checkpoint import load_model, save_checkpoint


def run_compress(checkpoint: Path, board_key: str, overrides: dict[str, float | None], output: Path,
                 cfg: ScheduleConfig, method: str = "minimax", quiet: bool = False) -> dict[str, Any]:
    """Compress CHECKPOINT under the board's budgets (overridden by absolute numbers) into ``output``."""
    board = get_board(board_key)
    model, payload = load_model(checkpoint)
    data = Data.for_checkpoint(payload)
    budget = board_budget(board, overrides)
    dense_hw = export(model, data, {})
    resources = CoreResources.for_model(dense_hw, board, measured(dense_hw, data.x["train"][:200]).mean_rates(),
                                        data.timesteps)
    check_budget(resources, compressible(model).sizes, budget, cfg.bounds)
    dense = {"measured": measure(dense_hw, data, board),
             "accuracy": {s: hardware_accuracy(dense_hw, data, s) for s in ("val", "test")}}
    outcome = compress(model, data, board, budget, cfg, method=method, quiet=quiet)
    if not all(outcome.measured[k] <= v for k, v in budget.items()):
        raise SpikeforgeError("internal: the compressed model is over budget")  # compress() guarantees this
    context = {"checkpoint": str(checkpoint), "board": board.key, "dataset": data.name, "seed": cfg.seed,
               "schedule": cfg.to_json(), "resource_names": list(resources.names)}
    report = reports.build(outcome, dense, budget, context)
    extra = {**outcome.hw.extra, "dataset": data.name, "timesteps": data.timesteps, "encoder": data.encoder, "seed": cfg.seed,
             "hardware_accuracy": report["hardware_accuracy"]["compressed"], "compress_budget": budget}
    hw = type(outcome.hw)(layers=outcome.hw.layers, readout=outcome.hw.readout, extra=extra)
    rendered = reports.render(report)  # plots and text first: a failure here writes nothing
    report["files"] = {"model": "model.npz", "checkpoint": "checkpoint.pt", "report": "report.json",
                       "markdown": "report.md", **report["plots"]}
    with incomplete_while_writing(output, "spikeforge compress"):
        hw.save(output / "model.npz")
        save_checkpoint(output / "checkpoint.pt", outcome.model, train_config=payload.get("train_config"),
                        meta={"compressed_from": str(checkpoint), "method": method, "budget": budget,
                              "seed": cfg.seed})
        reports.write(report, output, rendered)
    return report
