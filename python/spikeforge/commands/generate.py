"""`spikeforge generate rtl MODEL -o DIR`: hardware sources for a model (the Verilog core; HLS comes later)."""

from __future__ import annotations

from pathlib import Path

import click


def _parse_lanes(text: str) -> int | list[int]:
    from spikeforge.errors import SpikeforgeError

    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise SpikeforgeError(
            f"--lanes must be an integer or a comma-separated list per layer, got {text!r}"
        ) from None
    return values[0] if len(values) == 1 else values


@click.group()
def generate() -> None:
    """Generate hardware for a hardware model file."""


@generate.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path), help="Design folder to write."
)
@click.option(
    "--lanes",
    default="1",
    show_default=True,
    help="Synapses per cycle P (1,2,4,8,16), or one per layer: 4,1.",
)
def rtl(model: Path, out_dir: Path, lanes: str) -> None:
    """Write the event-driven Verilog core of MODEL: sources, $readmemh images, manifest.json (SPEC 4)."""
    from spikeforge.commands.common import check_output_dir
    from spikeforge.hw.model import HardwareModel, file_sha256
    from spikeforge.rtl.generator import generate_rtl

    check_output_dir(out_dir)
    hw = HardwareModel.load(model)
    manifest = generate_rtl(hw, out_dir, _parse_lanes(lanes), model_sha256=file_sha256(model))
    params = manifest["parameters"]
    click.echo(
        f"{out_dir}: top {manifest['top']}, {len(manifest['sources'])} sources, lanes {params['lanes']}"
    )
    for index, layer in enumerate(params["layers"]):
        click.echo(
            f"  layer{index}: {layer['ROWS']} neuron rows x {layer['P']} lanes, "
            f"{layer['SLOTS']} weight slots x {layer['P'] * (layer['RB'] + layer['LP'] + layer['WB'])} bits"
        )
